#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "runtime/head/crf.h"
#include "runtime/head/entities.h"
#include "runtime/head/tag_scheme.h"
#include "tests/test_env.h"

namespace edgebert {
namespace {

uint32_t CodePoints(std::string_view s) {
  uint32_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Tokens of `text` built by hand: `words[w]` lists the pieces of word w (as
// they appear in the text, without "##"); each piece is searched for from the
// end of the previous one.
std::vector<Token> MakeTokens(
    std::string_view text, const std::vector<std::vector<std::string>>& words) {
  std::vector<Token> out;
  size_t cursor = 0;
  for (uint32_t w = 0; w < words.size(); ++w) {
    for (size_t p = 0; p < words[w].size(); ++p) {
      const std::string& piece = words[w][p];
      const size_t at = text.find(piece, cursor);
      REQUIRE(at != std::string_view::npos);
      Token t;
      t.id = static_cast<int32_t>(out.size());
      t.start_byte = static_cast<uint32_t>(at);
      t.end_byte = static_cast<uint32_t>(at + piece.size());
      t.start = CodePoints(text.substr(0, at));
      t.end = t.start + CodePoints(piece);
      t.word = w;
      t.continuation = p > 0;
      out.push_back(t);
      cursor = at + piece.size();
    }
  }
  return out;
}

const std::vector<std::string> kLabelNames = {
    "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "E-PER", "S-LOC",
    "X", "[CLS]", "[SEP]", "B_ORG", "I_ORG", "E-LOC", "[PAD]"};

std::vector<LabelInfo> LabelInfos() {
  std::vector<LabelInfo> out;
  for (const auto& n : kLabelNames) out.push_back(ParseLabel(n));
  return out;
}

int32_t Id(const std::string& name) {
  auto it = std::find(kLabelNames.begin(), kLabelNames.end(), name);
  REQUIRE(it != kLabelNames.end());
  return static_cast<int32_t>(it - kLabelNames.begin());
}

// One label name per token.
std::vector<int32_t> Ids(const std::vector<std::string>& names) {
  std::vector<int32_t> out;
  for (const auto& n : names) out.push_back(Id(n));
  return out;
}

std::vector<Entity> Decode(std::string_view text,
                           const std::vector<std::vector<std::string>>& words,
                           const std::vector<std::string>& token_labels,
                           std::vector<float> probs = {}) {
  auto tokens = MakeTokens(text, words);
  REQUIRE(tokens.size() == token_labels.size());
  if (probs.empty()) probs.assign(tokens.size(), 0.5f);
  return DecodeEntities(text, tokens, Ids(token_labels), probs, LabelInfos());
}

struct Expected {
  std::string type, word;
};

void CheckEntities(std::string_view text, const std::vector<Entity>& got,
                   const std::vector<Expected>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].entity_group == want[i].type);
    CHECK(got[i].word == want[i].word);
    // Offsets are consistent with the text.
    REQUIRE(got[i].end_byte <= text.size());
    CHECK(text.substr(got[i].start_byte, got[i].end_byte - got[i].start_byte) ==
          got[i].word);
    CHECK(got[i].start == CodePoints(text.substr(0, got[i].start_byte)));
    CHECK(got[i].end == CodePoints(text.substr(0, got[i].end_byte)));
  }
}

TEST_CASE("ParseLabel") {
  auto check = [](const char* name, LabelInfo::Kind kind, const char* type) {
    CAPTURE(name);
    LabelInfo li = ParseLabel(name);
    CHECK(li.kind == kind);
    CHECK(li.type == type);
  };
  check("B-PER", LabelInfo::kBegin, "PER");
  check("I-LOC", LabelInfo::kInside, "LOC");
  check("E-ORG", LabelInfo::kEnd, "ORG");
  check("S-MISC", LabelInfo::kSingle, "MISC");
  check("M-PER", LabelInfo::kInside, "PER");
  check("B_ORG", LabelInfo::kBegin, "ORG");
  check("I_TITLE", LabelInfo::kInside, "TITLE");
  check("B-I-X", LabelInfo::kBegin, "I-X");
  for (const char* o : {"O", "X", "[CLS]", "[SEP]", "[PAD]", "", "B-", "B",
                        "PER", "b-per", "Q-PER", "BPER", "B:PER"}) {
    check(o, LabelInfo::kOutside, "");
  }
}

TEST_CASE("DecodeEntities: basic BIO, entity at text end, scores") {
  const std::string text = "John Smith lives in New York";
  auto got =
      Decode(text, {{"John"}, {"Smith"}, {"lives"}, {"in"}, {"New"}, {"York"}},
             {"B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC"},
             {0.9f, 0.7f, 0.99f, 0.98f, 0.6f, 0.4f});
  CheckEntities(text, got, {{"PER", "John Smith"}, {"LOC", "New York"}});
  CHECK(got[0].start == 0);
  CHECK(got[0].end == 10);
  CHECK(got[1].start == 20);
  CHECK(got[1].end == 28);
  CHECK(got[0].score == doctest::Approx(0.8));
  CHECK(got[1].score == doctest::Approx(0.5));
}

TEST_CASE("DecodeEntities: empty and all-O inputs") {
  CHECK(DecodeEntities("", {}, {}, {}, LabelInfos()).empty());
  CHECK(Decode("a b", {{"a"}, {"b"}}, {"O", "O"}).empty());
}

TEST_CASE("DecodeEntities: I after O starts an entity") {
  const std::string text = "a b c d";
  auto got =
      Decode(text, {{"a"}, {"b"}, {"c"}, {"d"}}, {"O", "I-PER", "I-PER", "O"});
  CheckEntities(text, got, {{"PER", "b c"}});
  // I at the very start.
  got = Decode(text, {{"a"}, {"b"}, {"c"}, {"d"}},
               {"I-LOC", "O", "I-LOC", "I-LOC"});
  CheckEntities(text, got, {{"LOC", "a"}, {"LOC", "c d"}});
}

TEST_CASE("DecodeEntities: B B gives two entities, B I B I") {
  const std::string text = "a b c d";
  auto got = Decode(text, {{"a"}, {"b"}, {"c"}, {"d"}},
                    {"B-PER", "B-PER", "I-PER", "B-PER"});
  CheckEntities(text, got, {{"PER", "a"}, {"PER", "b c"}, {"PER", "d"}});
}

TEST_CASE("DecodeEntities: type switch I-PER -> I-LOC, B-x I-y") {
  const std::string text = "a b c d";
  auto got = Decode(text, {{"a"}, {"b"}, {"c"}, {"d"}},
                    {"I-PER", "I-PER", "I-LOC", "I-LOC"});
  CheckEntities(text, got, {{"PER", "a b"}, {"LOC", "c d"}});
  got = Decode(text, {{"a"}, {"b"}, {"c"}, {"d"}},
               {"B-PER", "I-LOC", "B_ORG", "I_ORG"});
  CheckEntities(text, got, {{"PER", "a"}, {"LOC", "b"}, {"ORG", "c d"}});
}

TEST_CASE("DecodeEntities: E and S") {
  const std::string text = "a b c d e";
  const std::vector<std::vector<std::string>> w = {
      {"a"}, {"b"}, {"c"}, {"d"}, {"e"}};
  // E closes after including itself; the following I starts a new entity.
  auto got = Decode(text, w, {"B-PER", "E-PER", "I-PER", "E-PER", "O"});
  CheckEntities(text, got, {{"PER", "a b"}, {"PER", "c d"}});
  // E without an open entity of its type is a one-word entity.
  got = Decode(text, w, {"O", "E-PER", "B-LOC", "E-PER", "E-LOC"});
  CheckEntities(text, got,
                {{"PER", "b"}, {"LOC", "c"}, {"PER", "d"}, {"LOC", "e"}});
  // S is a one-word entity, even between I's of its own type.
  got = Decode(text, w, {"I-LOC", "S-LOC", "I-LOC", "S-LOC", "S-LOC"});
  CheckEntities(
      text, got,
      {{"LOC", "a"}, {"LOC", "b"}, {"LOC", "c"}, {"LOC", "d"}, {"LOC", "e"}});
  // E closes even across its continuation pieces (E at the end of a
  // multi-piece word, next word I of the same type).
  const std::string t2 = "Ann Smithson Lee";
  got = Decode(t2, {{"Ann"}, {"Smi", "th", "son"}, {"Lee"}},
               {"B-PER", "E-PER", "I-PER", "I-PER", "I-PER"});
  CheckEntities(t2, got, {{"PER", "Ann Smithson"}, {"PER", "Lee"}});
}

TEST_CASE("DecodeEntities: X / [CLS] / [SEP] / [PAD] inside an entity close") {
  const std::string text = "a b c d e";
  const std::vector<std::vector<std::string>> w = {
      {"a"}, {"b"}, {"c"}, {"d"}, {"e"}};
  for (const char* closer : {"X", "[CLS]", "[SEP]", "[PAD]", "O"}) {
    CAPTURE(closer);
    auto got = Decode(text, w, {"B-PER", "I-PER", closer, "I-PER", "I-PER"});
    CheckEntities(text, got, {{"PER", "a b"}, {"PER", "d e"}});
  }
}

TEST_CASE("DecodeEntities: multi-piece words take their first piece's label") {
  const std::string text = "visit Washington today";
  // Continuation labels are ignored (O and B-PER here), and so are their
  // probabilities.
  auto got = Decode(text, {{"visit"}, {"Wash", "ing", "ton"}, {"today"}},
                    {"O", "B-LOC", "O", "B-PER", "O"},
                    {0.9f, 0.3f, 0.01f, 0.02f, 0.9f});
  CheckEntities(text, got, {{"LOC", "Washington"}});
  CHECK(got[0].score == doctest::Approx(0.3));
  CHECK(got[0].start == 6);
  CHECK(got[0].end == 16);
  // A continuation labelled B-x inside an O word makes no entity.
  got = Decode(text, {{"visit"}, {"Wash", "ing", "ton"}, {"today"}},
               {"O", "O", "B-LOC", "I-LOC", "O"});
  CHECK(got.empty());
  // Multi-piece entity at the very end of the text; score = mean over words.
  const std::string t2 = "to New Hampshire";
  got = Decode(t2, {{"to"}, {"New"}, {"Ham", "ps", "hire"}},
               {"O", "B-LOC", "I-LOC", "O", "B-LOC"},
               {0.5f, 0.8f, 0.4f, 0.0f, 0.0f});
  CheckEntities(t2, got, {{"LOC", "New Hampshire"}});
  CHECK(got[0].score == doctest::Approx(0.6));
  CHECK(got[0].end_byte == t2.size());
}

TEST_CASE("DecodeEntities: span includes whitespace between words") {
  const std::string text = "Mr  John \t Smith ok";
  auto got = Decode(text, {{"Mr"}, {"John"}, {"Smith"}, {"ok"}},
                    {"O", "B-PER", "I-PER", "O"});
  CheckEntities(text, got, {{"PER", "John \t Smith"}});
  CHECK(got[0].start == 4);
  CHECK(got[0].end == 16);
}

TEST_CASE("DecodeEntities: non-ASCII byte and code point offsets") {
  // "Zürich" has a 2-byte ü; Chinese characters are 3 bytes each and are
  // single-character words; "😀" is 4 bytes.
  const std::string text = "😀 Zürich 和北京 café";
  auto got = Decode(
      text, {{"😀"}, {"Zür", "ich"}, {"和"}, {"北"}, {"京"}, {"caf", "é"}},
      {"O", "B-LOC", "I-LOC", "O", "B-LOC", "I-LOC", "S-LOC", "O"});
  CheckEntities(text, got,
                {{"LOC", "Zürich"}, {"LOC", "北京"}, {"LOC", "café"}});
  CHECK(got[0].start == 2);
  CHECK(got[0].end == 8);
  CHECK(got[0].start_byte == 5);
  CHECK(got[0].end_byte == 12);
  CHECK(got[1].start == 10);
  CHECK(got[1].end == 12);
  CHECK(got[1].start_byte == 16);
  CHECK(got[1].end_byte == 22);
  CHECK(got[2].start == 13);
  CHECK(got[2].end == 17);
  CHECK(got[2].end_byte == text.size());
}

// ---- Windows --------------------------------------------------------------

TEST_CASE("PlanWindows / AssignTokensToWindows") {
  const uint32_t kMax = 126;
  for (uint32_t n : {0u, 1u, 126u, 127u, 300u}) {
    for (uint32_t stride : {126u, 64u, 1u}) {
      CAPTURE(n);
      CAPTURE(stride);
      auto w = PlanWindows(n, kMax, stride);
      if (n == 0) {
        CHECK(w.empty());
        CHECK(AssignTokensToWindows(0, w).empty());
        continue;
      }
      REQUIRE(!w.empty());
      CHECK(w.front().begin == 0);
      CHECK(w.back().end == n);
      if (n <= kMax) CHECK(w.size() == 1);
      for (size_t k = 0; k < w.size(); ++k) {
        CHECK(w[k].begin < w[k].end);
        CHECK(w[k].end - w[k].begin <= kMax);
        if (k + 1 < w.size()) {
          CHECK(w[k + 1].begin == w[k].begin + stride);
          CHECK(w[k].end - w[k].begin == kMax);  // only the last is short.
          CHECK(w[k].end < n);  // stop at the first reaching n.
        }
      }
      auto owner = AssignTokensToWindows(n, w);
      REQUIRE(owner.size() == n);
      for (uint32_t i = 0; i < n; ++i) {
        // Brute force: best min edge distance, earliest on ties.
        int best = -1;
        uint32_t best_d = 0, covering = 0;
        for (size_t k = 0; k < w.size(); ++k) {
          if (i < w[k].begin || i >= w[k].end) continue;
          ++covering;
          uint32_t d = std::min(i - w[k].begin, w[k].end - 1 - i);
          if (best < 0 || d > best_d) {
            best = static_cast<int>(k);
            best_d = d;
          }
        }
        REQUIRE(covering >= 1);
        REQUIRE(owner[i] < w.size());
        CHECK(w[owner[i]].begin <= i);
        CHECK(i < w[owner[i]].end);
        CHECK(owner[i] == static_cast<uint32_t>(best));
      }
    }
  }
}

TEST_CASE("PlanWindows: concrete plans") {
  auto same = [](const std::vector<Window>& a,
                 const std::vector<std::pair<uint32_t, uint32_t>>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].begin == b[i].first);
      CHECK(a[i].end == b[i].second);
    }
  };
  same(PlanWindows(300, 126, 126), {{0, 126}, {126, 252}, {252, 300}});
  same(PlanWindows(300, 126, 64),
       {{0, 126}, {64, 190}, {128, 254}, {192, 300}});
  same(PlanWindows(127, 126, 126), {{0, 126}, {126, 127}});
  same(PlanWindows(127, 126, 1), {{0, 126}, {1, 127}});
  same(PlanWindows(126, 126, 1), {{0, 126}});
  same(PlanWindows(1, 126, 64), {{0, 1}});
  CHECK(PlanWindows(300, 126, 1).size() == 175);
  // Ownership with overlap; d_k = distance to the nearest edge of window k.
  auto w = PlanWindows(300, 126, 64);  // [0,126) [64,190) [128,254) [192,300)
  auto owner = AssignTokensToWindows(300, w);
  CHECK(owner[0] == 0);
  CHECK(owner[63] == 0);
  CHECK(owner[94] == 0);  // d0 = min(94, 31) = 31, d1 = min(30, 95) = 30.
  CHECK(owner[95] == 1);  // d0 = 30, d1 = min(31, 94) = 31.
  CHECK(owner[125] == 1);
  CHECK(owner[222] == 2);  // d2 = 31, d3 = 30.
  CHECK(owner[223] == 3);  // d2 = 30, d3 = 31.
  CHECK(owner[299] == 3);
  // Tie -> earlier window: [0,4) [1,5); token 2 has d0 = d1 = 1.
  auto w2 = PlanWindows(5, 4, 1);
  auto o2 = AssignTokensToWindows(5, w2);
  CHECK(o2 == std::vector<uint32_t>{0, 0, 0, 1, 1});
}

// ---- BIO files --------------------------------------------------------------

std::string TempPath(const char* name) {
  return edgebert::testing::ScratchPath(name);
}

std::string WriteTemp(const char* name, const std::string& content) {
  std::string p = TempPath(name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

TEST_CASE("ReadBioFile: committed fixture") {
  auto r = ReadBioFile(std::string(EDGEBERT_SOURCE_DIR) +
                       "/tests/fixtures/head/sample.bio");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const auto& s = r.value();
  REQUIRE(s.size() == 5);
  const size_t sizes[] = {69, 35, 54, 96, 14};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(s[i].chars.size() == sizes[i]);
    CHECK(s[i].tags.size() == sizes[i]);
  }
  CHECK(s[0].chars[0] == "在");
  CHECK(s[0].tags[0] == "O");
  CHECK(s[1].chars[5] == "青");
  CHECK(s[1].tags[5] == "B-ORG");
  std::vector<SpanLabel> want = {{5, 10, "ORG"}, {11, 16, "ORG"}};
  CHECK(SpansFromTags(s[1].tags) == want);
  CHECK(SpansFromTags(s[2].tags).empty());
  auto r3 = SpansFromTags(s[3].tags);
  REQUIRE(r3.size() == 8);
  CHECK(r3[0] == SpanLabel{0, 3, "NAME"});
  CHECK(r3[1].type == "CONT");
  std::vector<SpanLabel> want4 = {
      {2, 4, "ORG"}, {4, 8, "TITLE"}, {9, 13, "TITLE"}};
  CHECK(SpansFromTags(s[4].tags) == want4);
}

TEST_CASE("ReadBioFile: separators, CRLF, blank runs, no final blank line") {
  // Tab and multiple spaces, CRLF, a BOM, several blank (and whitespace-only)
  // lines, full-width characters, no trailing newline at all.
  const std::string content =
      "\xEF\xBB\xBF"
      "北 B-LOC\r\n京\tI-LOC\r\n\r\n\r\n  \t\r\n"
      "Ａ  O\n，\t\tO\n\n\n"
      "x S-PER";
  auto r = ReadBioFile(WriteTemp("ok.bio", content));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const auto& s = r.value();
  REQUIRE(s.size() == 3);
  CHECK(s[0].chars == std::vector<std::string>{"北", "京"});
  CHECK(s[0].tags == std::vector<std::string>{"B-LOC", "I-LOC"});
  CHECK(s[1].chars == std::vector<std::string>{"Ａ", "，"});
  CHECK(s[1].tags == std::vector<std::string>{"O", "O"});
  CHECK(s[2].chars == std::vector<std::string>{"x"});
  CHECK(s[2].tags == std::vector<std::string>{"S-PER"});
  // Empty file / only blank lines: no sentences.
  auto e = ReadBioFile(WriteTemp("empty.bio", "\n\n\r\n"));
  REQUIRE(e.ok());
  CHECK(e.value().empty());
}

TEST_CASE("ReadBioFile: errors") {
  auto missing = ReadBioFile(TempPath("does_not_exist.bio"));
  CHECK(!missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);

  auto one = ReadBioFile(WriteTemp("one.bio", "a O\nb O\n\nc\nd O\n"));
  REQUIRE(!one.ok());
  CHECK(one.status().code() == StatusCode::kInvalidArgument);
  CHECK(one.status().message().find("line 4") != std::string::npos);

  auto three = ReadBioFile(WriteTemp("three.bio", "a O\r\nb O X\r\n"));
  REQUIRE(!three.ok());
  CHECK(three.status().message().find("line 2") != std::string::npos);
}

// Reads a shared BIO file and checks it round-trips through the evaluation
// path: one token per character labelled with its gold tag must give back
// the gold tags and F1 = 1.
void CheckSharedFile(const std::string& rel, size_t expected_sentences) {
  const std::string path = std::string(EDGEBERT_SHARED_DIR) + "/" + rel;
  if (!std::filesystem::exists(path)) {
    edgebert::testing::Skip(path + " not present");
    return;
  }
  auto r = ReadBioFile(path);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r.value().size() == expected_sentences);
  std::vector<std::string> names;
  std::vector<LabelInfo> infos;
  size_t begins = 0, unknown = 0, mismatched = 0;
  PrfCounts prf;
  for (const auto& s : r.value()) {
    REQUIRE(!s.chars.empty());
    REQUIRE(s.chars.size() == s.tags.size());
    std::string text;
    std::vector<Token> tokens;
    std::vector<int32_t> labels;
    for (size_t c = 0; c < s.chars.size(); ++c) {
      const std::string& t = s.tags[c];
      const LabelInfo li = ParseLabel(t);
      begins += li.kind == LabelInfo::kBegin;
      unknown += t != "O" && li.kind == LabelInfo::kOutside;
      auto it = std::find(names.begin(), names.end(), t);
      if (it == names.end()) {
        names.push_back(t);
        infos.push_back(li);
        it = names.end() - 1;
      }
      Token tok{};
      tok.start = static_cast<uint32_t>(c);
      tok.end = tok.start + 1;
      tok.word = tok.start;
      tokens.push_back(tok);
      labels.push_back(static_cast<int32_t>(it - names.begin()));
      REQUIRE(CodePoints(s.chars[c]) == 1);
    }
    auto pred = CharTagsFromWordLabels(s.chars, tokens, labels, infos);
    mismatched += pred != s.tags;
    prf.Add(SpansFromTags(s.tags), SpansFromTags(pred));
  }
  CHECK(unknown == 0);
  CHECK(mismatched == 0);
  CHECK(begins > 0);
  // Every B starts a span; I without B may add more.
  CHECK(prf.gold >= begins);
  CHECK(prf.f1() == doctest::Approx(1.0));
}

TEST_CASE("ReadBioFile: shared data sets (when present)" *
          doctest::test_suite("shared")) {
  CheckSharedFile("data/peoples_daily/example.dev", 2318);
  CheckSharedFile("data/resume_ner/dev.char.bio", 463);
}

// ---- Spans and metrics ------------------------------------------------------

TEST_CASE("SpansFromTags") {
  using V = std::vector<SpanLabel>;
  CHECK(SpansFromTags({}).empty());
  CHECK(SpansFromTags({"O", "O"}).empty());
  CHECK(SpansFromTags({"B-PER", "I-PER", "O", "B-LOC"}) ==
        V{{0, 2, "PER"}, {3, 4, "LOC"}});
  // I after O, B B, type switch, X / [CLS] inside.
  CHECK(SpansFromTags({"O", "I-PER", "I-PER"}) == V{{1, 3, "PER"}});
  CHECK(SpansFromTags({"B-PER", "B-PER", "I-PER"}) ==
        V{{0, 1, "PER"}, {1, 3, "PER"}});
  CHECK(SpansFromTags({"I-PER", "I-LOC", "I-LOC"}) ==
        V{{0, 1, "PER"}, {1, 3, "LOC"}});
  CHECK(SpansFromTags({"B-PER", "X", "I-PER", "[CLS]", "I-PER"}) ==
        V{{0, 1, "PER"}, {2, 3, "PER"}, {4, 5, "PER"}});
  // BIOES.
  CHECK(SpansFromTags({"B-PER", "I-PER", "E-PER", "I-PER", "S-LOC", "S-LOC",
                       "E-LOC"}) == V{{0, 3, "PER"},
                                      {3, 4, "PER"},
                                      {4, 5, "LOC"},
                                      {5, 6, "LOC"},
                                      {6, 7, "LOC"}});
  // Underscore prefixes, entity at the end.
  CHECK(SpansFromTags({"O", "B_ORG", "I_ORG"}) == V{{1, 3, "ORG"}});
}

TEST_CASE("SpanLabel ordering") {
  SpanLabel a{0, 2, "LOC"}, b{0, 2, "PER"}, c{0, 3, "AAA"}, d{1, 2, "AAA"};
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c < d);
  CHECK(!(b < a));
  CHECK(!(a < a));
  CHECK(a == SpanLabel{0, 2, "LOC"});
  CHECK(!(a == b));
}

TEST_CASE("PrfCounts") {
  PrfCounts z;
  CHECK(z.precision() == 0);
  CHECK(z.recall() == 0);
  CHECK(z.f1() == 0);

  PrfCounts c;
  // Correct: {0,2,PER}. Wrong type, wrong span and a miss don't count.
  c.Add({{0, 2, "PER"}, {3, 5, "LOC"}, {7, 9, "ORG"}},
        {{3, 5, "ORG"}, {0, 2, "PER"}, {7, 8, "ORG"}, {10, 11, "LOC"}});
  CHECK(c.gold == 3);
  CHECK(c.predicted == 4);
  CHECK(c.correct == 1);
  CHECK(c.precision() == doctest::Approx(0.25));
  CHECK(c.recall() == doctest::Approx(1.0 / 3));
  CHECK(c.f1() == doctest::Approx(2 * 0.25 / 3 / (0.25 + 1.0 / 3)));
  // Accumulates across sentences; an empty prediction only adds gold.
  c.Add({{1, 2, "LOC"}}, {});
  c.Add({}, {});
  c.Add({{0, 1, "PER"}, {4, 6, "PER"}}, {{4, 6, "PER"}, {0, 1, "PER"}});
  CHECK(c.gold == 6);
  CHECK(c.predicted == 6);
  CHECK(c.correct == 3);
  CHECK(c.f1() == doctest::Approx(0.5));
  // Predictions only: P = 0, R = 0 (gold 0), F1 = 0.
  PrfCounts p;
  p.Add({}, {{0, 1, "PER"}});
  CHECK(p.precision() == 0);
  CHECK(p.recall() == 0);
  CHECK(p.f1() == 0);
  // Perfect.
  PrfCounts q;
  q.Add({{0, 1, "PER"}}, {{0, 1, "PER"}});
  CHECK(q.f1() == doctest::Approx(1.0));
}

TEST_CASE("CharTagsFromWordLabels") {
  // chars of one sentence; their concatenation is the text the tokenizer
  // saw. "2008" is one word of two pieces; the space is not covered by any
  // token; "e\u0301" is one BIO character of two code points.
  const std::vector<std::string> chars = {
      "李", "明", "在", "2", "0", "0", "8", "年", " ", "e\xCC\x81", "x", "。"};
  std::string text;
  for (const auto& c : chars) text += c;
  auto tokens = MakeTokens(
      text,
      {{"李"}, {"明"}, {"在"}, {"200", "8"}, {"年"}, {"e\xCC\x81x"}, {"。"}});
  auto labels =
      Ids({"B-PER", "I-PER", "O", "B-LOC", "O", "I-LOC", "B-PER", "O"});
  auto tags = CharTagsFromWordLabels(chars, tokens, labels, LabelInfos());
  const std::vector<std::string> want = {"B-PER", "I-PER", "O",     "B-LOC",
                                         "I-LOC", "I-LOC", "I-LOC", "I-LOC",
                                         "O",     "B-PER", "I-PER", "O"};
  CHECK(tags == want);
  std::vector<SpanLabel> spans = {{0, 2, "PER"}, {3, 8, "LOC"}, {9, 11, "PER"}};
  CHECK(SpansFromTags(tags) == spans);

  // BIOES word labels over multi-character words.
  const std::vector<std::string> c2 = {"a", "b", "c", "d", "e", "f", "g"};
  auto t2 = MakeTokens("abcdefg", {{"ab"}, {"cd"}, {"e"}, {"fg"}});
  auto tags2 = CharTagsFromWordLabels(
      c2, t2, Ids({"S-LOC", "E-PER", "S-LOC", "E-LOC"}), LabelInfos());
  CHECK(tags2 == std::vector<std::string>{"B-LOC", "E-LOC", "I-PER", "E-PER",
                                          "S-LOC", "I-LOC", "E-LOC"});
  CHECK(SpansFromTags(tags2) ==
        std::vector<SpanLabel>{
            {0, 2, "LOC"}, {2, 4, "PER"}, {4, 5, "LOC"}, {5, 7, "LOC"}});
  // No tokens: all O.
  CHECK(CharTagsFromWordLabels(c2, {}, {}, LabelInfos()) ==
        std::vector<std::string>(7, "O"));
}

// ---- CRF
// ----------------------------------------------------------------------

float PathScore(const std::vector<float>& em, const std::vector<float>& tr,
                const std::vector<float>& st, const std::vector<float>& en,
                uint32_t l, const std::vector<int32_t>& path) {
  const size_t t = path.size();
  double s = st[path[0]] + en[path[t - 1]];
  for (size_t i = 0; i < t; ++i) {
    s += em[i * l + path[i]];
    if (i > 0) s += tr[path[i - 1] * l + path[i]];
  }
  return static_cast<float>(s);
}

TEST_CASE("CRF Viterbi matches brute force") {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  int cases = 0;
  for (uint32_t l = 1; l <= 5; ++l) {
    for (uint32_t t = 1; t <= 6; ++t) {
      for (int rep = 0; rep < 5; ++rep) {
        CAPTURE(l);
        CAPTURE(t);
        std::vector<float> em(t * l), tr(l * l), st(l), en(l);
        for (auto* v : {&em, &tr, &st, &en}) {
          for (float& x : *v) x = u(rng);
        }
        // Scratch plus a guard region that must stay untouched.
        const size_t ns = crf::ScratchFloats(t, l);
        std::vector<float> scratch(ns + 16, 12345.0f);
        std::vector<int32_t> path(t + 1, -7);
        const float score =
            crf::Viterbi(em.data(), t, l, tr.data(), st.data(), en.data(),
                         scratch.data(), path.data());
        for (size_t g = ns; g < scratch.size(); ++g) {
          REQUIRE(scratch[g] == 12345.0f);
        }
        CHECK(path[t] == -7);
        // Enumerate all l^t paths.
        std::vector<int32_t> p(t, 0);
        float best = -1e30f;
        for (;;) {
          best = std::max(best, PathScore(em, tr, st, en, l, p));
          size_t k = 0;
          while (k < t && ++p[k] == static_cast<int32_t>(l)) p[k++] = 0;
          if (k == t) break;
        }
        std::vector<int32_t> got(path.begin(), path.begin() + t);
        for (int32_t y : got) REQUIRE((y >= 0 && y < static_cast<int32_t>(l)));
        CHECK(score == doctest::Approx(best).epsilon(1e-5));
        CHECK(PathScore(em, tr, st, en, l, got) ==
              doctest::Approx(best).epsilon(1e-5));
        ++cases;
      }
    }
  }
  CHECK(cases == 150);
}

TEST_CASE("CRF Viterbi: transitions override emissions; T = 0") {
  // Labels O=0, B=1, I=2. Emissions alone would pick O I I; a -100
  // transition O->I (and start->I) forces B I I.
  const uint32_t l = 3, t = 3;
  std::vector<float> em = {1.0f, 0.5f, 0.0f,  //
                           0.0f, 0.0f, 1.0f,  //
                           0.0f, 0.0f, 1.0f};
  std::vector<float> tr = {0, 0, -100,  //
                           0, 0, 0,     //
                           0, 0, 0};
  std::vector<float> st = {0, 0, -100}, en = {0, 0, 0};
  std::vector<float> scratch(crf::ScratchFloats(t, l));
  std::vector<int32_t> path(t);
  float s = crf::Viterbi(em.data(), t, l, tr.data(), st.data(), en.data(),
                         scratch.data(), path.data());
  CHECK(path == std::vector<int32_t>{1, 2, 2});
  CHECK(s == doctest::Approx(2.5f));
  // Without the constraint: O I I.
  tr[2] = 0;
  s = crf::Viterbi(em.data(), t, l, tr.data(), st.data(), en.data(),
                   scratch.data(), path.data());
  CHECK(path == std::vector<int32_t>{0, 2, 2});
  CHECK(s == doctest::Approx(3.0f));
  int32_t untouched = -1;
  CHECK(crf::Viterbi(em.data(), 0, l, tr.data(), st.data(), en.data(),
                     scratch.data(), &untouched) == 0.0f);
  CHECK(untouched == -1);
  CHECK(crf::ScratchFloats(0, 3) == 6);
}

TEST_CASE("CRF Viterbi: no start / end scores (TF crf_decode) = zero scores") {
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  for (uint32_t t : {1u, 2u, 9u}) {
    const uint32_t l = 7;
    std::vector<float> em(t * l), tr(l * l), zero(l, 0.0f);
    for (auto* v : {&em, &tr}) {
      for (float& x : *v) x = u(rng);
    }
    std::vector<float> scratch(crf::ScratchFloats(t, l));
    std::vector<int32_t> a(t), b(t);
    const float sa = crf::Viterbi(em.data(), t, l, tr.data(), nullptr, nullptr,
                                  scratch.data(), a.data());
    const float sb = crf::Viterbi(em.data(), t, l, tr.data(), zero.data(),
                                  zero.data(), scratch.data(), b.data());
    CHECK(a == b);
    CHECK(sa == sb);
    CHECK(sa == doctest::Approx(PathScore(em, tr, zero, zero, l, a)));
  }
}

TEST_CASE("DetectTagScheme and BILOU / BMES prefixes") {
  using V = std::vector<std::string>;
  CHECK(DetectTagScheme(V{"O", "B-PER", "I-PER"}) == TagScheme::kBio);
  CHECK(DetectTagScheme(V{"[PAD]", "O", "B-PER", "I-PER", "X", "[CLS]",
                          "[SEP]"}) == TagScheme::kBio);
  CHECK(DetectTagScheme(V{"O", "B-PER", "I-PER", "E-PER", "S-PER"}) ==
        TagScheme::kBioes);
  CHECK(DetectTagScheme(V{"O", "B-PER", "I-PER", "L-PER", "U-PER"}) ==
        TagScheme::kBioes);
  CHECK(DetectTagScheme(V{"O", "B-NAME", "M-NAME", "E-NAME", "S-NAME"}) ==
        TagScheme::kBmes);
  CHECK(DetectTagScheme(V{"O", "B_ORG", "M_ORG", "E_ORG"}) == TagScheme::kBmes);
  // A bare "S" or "E" (no type) is outside, not a scheme marker.
  CHECK(DetectTagScheme(V{"O", "S", "E", "B-X", "I-X"}) == TagScheme::kBio);
  CHECK(std::string(TagSchemeName(TagScheme::kBmes)) == "BMES");
  CHECK(std::string(TagSchemeName(TagScheme::kBioes)) == "BIOES");
  CHECK(std::string(TagSchemeName(TagScheme::kBio)) == "BIO");
  CHECK(ParseLabel("L-LOC").kind == LabelInfo::kEnd);
  CHECK(ParseLabel("U-LOC").kind == LabelInfo::kSingle);
  CHECK(ParseLabel("U-LOC").type == "LOC");
  // Spans: BMES and BILOU give the same spans as BIOES.
  const std::vector<SpanLabel> want = {
      {0, 3, "PER"}, {3, 4, "LOC"}, {5, 7, "ORG"}};
  CHECK(SpansFromTags({"B-PER", "M-PER", "E-PER", "S-LOC", "O", "B-ORG",
                       "E-ORG"}) == want);
  CHECK(SpansFromTags({"B-PER", "I-PER", "L-PER", "U-LOC", "O", "B-ORG",
                       "L-ORG"}) == want);
  CHECK(SpansFromTags({"B-PER", "I-PER", "E-PER", "S-LOC", "O", "B-ORG",
                       "E-ORG"}) == want);
}

}  // namespace
}  // namespace edgebert
