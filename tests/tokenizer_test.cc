// Tokenizer tests: exact parity with Hugging Face `tokenizers` on the
// committed fixtures (tests/fixtures/tokenizer/cases.jsonl, produced by
// tests/tools/gen_tokenizer_fixtures.js), UTF-8 validation, and API units.
#include "runtime/tokenizer/tokenizer.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace edgebert {
namespace {

const std::string kFixtureDir =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tokenizer/";

std::vector<std::string> LoadVocab() {
  std::ifstream in(kFixtureDir + "vocab.txt", std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << kFixtureDir << "vocab.txt");
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) vocab.push_back(line);
  return vocab;
}

const Tokenizer& BertChinese() {
  static std::unique_ptr<Tokenizer> tok = [] {
    auto t = Tokenizer::Create(LoadVocab(), TokenizerOptions());
    REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    return std::move(t).value();
  }();
  return *tok;
}

struct Case {
  std::string src;
  std::string text;
  std::vector<int32_t> ids;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
  std::vector<uint32_t> words;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = [] {
    std::ifstream in(kFixtureDir + "cases.jsonl", std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << kFixtureDir << "cases.jsonl");
    std::vector<Case> out;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      Case c;
      c.src = j.at("src").get<std::string>();
      c.text = j.at("text").get<std::string>();
      c.ids = j.at("ids").get<std::vector<int32_t>>();
      for (const auto& o : j.at("offsets")) {
        c.offsets.emplace_back(o.at(0).get<uint32_t>(),
                               o.at(1).get<uint32_t>());
      }
      c.words = j.at("words").get<std::vector<uint32_t>>();
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

std::string Escaped(const std::string& s) {
  return nlohmann::json(s).dump();  // printable, escapes controls.
}

// Number of code points in valid UTF-8.
size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char b : s) n += (b & 0xC0) != 0x80;
  return n;
}

TEST_CASE("tokenizer: Hugging Face parity on committed fixtures") {
  const Tokenizer& tok = BertChinese();
  const auto& cases = Cases();
  REQUIRE(cases.size() >= 2000);
  size_t n_adv = 0, n_tokens = 0, n_unk = 0, n_cont = 0, mismatches = 0;
  std::vector<Token> got;
  for (const Case& c : cases) {
    n_adv += c.src == "adv";
    Status st = tok.Tokenize(c.text, &got);
    REQUIRE_MESSAGE(st.ok(), Escaped(c.text) << ": " << st.ToString());
    REQUIRE(c.ids.size() == c.offsets.size());
    REQUIRE(c.ids.size() == c.words.size());
    bool same = got.size() == c.ids.size();
    for (size_t i = 0; same && i < got.size(); ++i) {
      same = got[i].id == c.ids[i] && got[i].start == c.offsets[i].first &&
             got[i].end == c.offsets[i].second && got[i].word == c.words[i];
    }
    if (!same) {
      ++mismatches;
      std::ostringstream exp, act;
      for (size_t i = 0; i < c.ids.size(); ++i) {
        exp << " " << c.ids[i] << "@[" << c.offsets[i].first << ","
            << c.offsets[i].second << ")w" << c.words[i];
      }
      for (const Token& t : got) {
        act << " " << t.id << "@[" << t.start << "," << t.end << ")w" << t.word;
      }
      CHECK_MESSAGE(same, Escaped(c.text) << "\n  hf:  " << exp.str()
                                          << "\n  ours:" << act.str());
      continue;
    }
    // Byte offsets: consistent with the code point offsets.
    const size_t n_cp = CountCodePoints(c.text);
    for (size_t i = 0; i < got.size(); ++i) {
      const Token& t = got[i];
      n_tokens++;
      n_unk += t.id == tok.TokenToId("[UNK]");
      n_cont += t.continuation;
      REQUIRE(t.start < t.end);
      REQUIRE(t.end <= n_cp);
      REQUIRE(t.start_byte < t.end_byte);
      REQUIRE(t.end_byte <= c.text.size());
      CHECK(CountCodePoints(std::string_view(c.text).substr(0, t.start_byte)) ==
            t.start);
      CHECK(CountCodePoints(std::string_view(c.text).substr(
                t.start_byte, t.end_byte - t.start_byte)) == t.end - t.start);
      // A continuation piece follows a piece of the same word; a first piece
      // starts a new word.
      if (i == 0) {
        CHECK(!t.continuation);
      } else {
        CHECK(t.continuation == (got[i - 1].word == t.word));
        CHECK(t.word >= got[i - 1].word);
      }
      if (t.continuation) {
        CHECK(tok.IdToToken(t.id).rfind("##", 0) == 0);
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(n_adv >= 150);
  // The fixtures exercise [UNK] and subword pieces at all.
  CHECK(n_unk > 0);
  CHECK(n_cont > 0);
  MESSAGE("tokenizer parity: " << cases.size() << " cases (" << n_adv
                               << " adversarial), " << n_tokens << " tokens, "
                               << mismatches << " mismatches");
}

TEST_CASE("tokenizer: throughput on People's Daily dev sentences") {
  const Tokenizer& tok = BertChinese();
  std::vector<const std::string*> texts;
  size_t bytes = 0;
  for (const Case& c : Cases()) {
    if (c.src == "pd") {
      texts.push_back(&c.text);
      bytes += c.text.size();
    }
  }
  REQUIRE(!texts.empty());
  std::vector<Token> out;
  size_t tokens = 0;
  const int kRounds = 5;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; ++r) {
    for (const std::string* t : texts) {
      REQUIRE(tok.Tokenize(*t, &out).ok());
      tokens += out.size();
    }
  }
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(tokens > 0);
  std::printf(
      "tokenizer throughput: %zu sentences x %d rounds, %.0f tokens/s, "
      "%.1f MB/s, %.2f us/sentence (single thread)\n",
      texts.size(), kRounds, tokens / s, bytes * kRounds / s / 1e6,
      s * 1e6 / (texts.size() * kRounds));
}

TEST_CASE("tokenizer: concurrent Tokenize gives identical results") {
  const Tokenizer& tok = BertChinese();
  const auto& cases = Cases();
  std::vector<std::vector<Token>> ref(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    REQUIRE(tok.Tokenize(cases[i].text, &ref[i]).ok());
  }
  std::vector<int> bad(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Token> out;
      for (size_t k = 0; k < cases.size(); ++k) {
        const size_t i = t == 0 ? k : cases.size() - 1 - k;
        if (!tok.Tokenize(cases[i].text, &out).ok() ||
            out.size() != ref[i].size()) {
          ++bad[t];
          continue;
        }
        for (size_t j = 0; j < out.size(); ++j) {
          bad[t] += out[j].id != ref[i][j].id ||
                    out[j].start_byte != ref[i][j].start_byte;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad[0] == 0);
  CHECK(bad[1] == 0);
}

void ExpectInvalidUtf8(const std::string& text, size_t offset) {
  const Tokenizer& tok = BertChinese();
  std::vector<Token> out = {Token{1, 0, 0, 0, 0, 0, false}};
  Status st = tok.Tokenize(text, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK_MESSAGE(st.message().find("byte offset " + std::to_string(offset)) !=
                    std::string::npos,
                st.message());
  CHECK(out.empty());
}

TEST_CASE("tokenizer: invalid UTF-8 is rejected with the byte offset") {
  ExpectInvalidUtf8("ab\xE4\xB8", 2);        // truncated 3-byte sequence.
  ExpectInvalidUtf8("\xE4", 0);              // lone lead byte at end.
  ExpectInvalidUtf8("abc\xE4\xB8x", 5);      // bad continuation byte.
  ExpectInvalidUtf8("a\xC0\xAF", 1);         // overlong '/' (2 bytes).
  ExpectInvalidUtf8("ab\xE0\x80\xAF", 3);    // overlong '/' (3 bytes).
  ExpectInvalidUtf8("\xF0\x80\x80\xAF", 1);  // overlong '/' (4 bytes).
  ExpectInvalidUtf8("x\xED\xA0\x80y", 2);    // lone surrogate U+D800.
  ExpectInvalidUtf8("\xED\xBF\xBF", 1);      // lone surrogate U+DFFF.
  ExpectInvalidUtf8("ok \xFF", 3);           // 0xFF never valid.
  ExpectInvalidUtf8("\xFE", 0);
  ExpectInvalidUtf8("\x80", 0);              // stray continuation.
  ExpectInvalidUtf8("\xF4\x90\x80\x80", 1);  // > U+10FFFF.
  ExpectInvalidUtf8("\xF5\x80\x80\x80", 0);
  ExpectInvalidUtf8("中文\xE6\x96", 6);

  // The boundaries themselves are valid.
  const Tokenizer& tok = BertChinese();
  std::vector<Token> out;
  CHECK(tok.Tokenize("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
                     "\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
                     &out)
            .ok());
  CHECK(tok.Tokenize(std::string("a\0b", 3), &out).ok());
}

TEST_CASE("tokenizer: word indices, continuation flags and offsets") {
  const Tokenizer& tok = BertChinese();
  const int32_t unk = tok.TokenToId("[UNK]");
  std::vector<Token> out;
  // "Héllo" -> hello; "unaffable" -> u ##na ##ff ##able.
  REQUIRE(tok.Tokenize("  Héllo, unaffable 中国", &out).ok());
  REQUIRE(out.size() == 8);
  CHECK(tok.IdToToken(out[0].id) == "hello");
  CHECK(out[0].start == 2);
  CHECK(out[0].end == 7);
  CHECK(out[0].start_byte == 2);
  CHECK(out[0].end_byte == 8);  // é is 2 bytes.
  CHECK(out[0].word == 0);
  CHECK(tok.IdToToken(out[1].id) == ",");
  CHECK(out[1].word == 1);
  const char* pieces[] = {"u", "##na", "##ff", "##able"};
  for (int i = 0; i < 4; ++i) {
    CHECK(tok.IdToToken(out[2 + i].id) == pieces[i]);
    CHECK(out[2 + i].word == 2);
    CHECK(out[2 + i].continuation == (i > 0));
  }
  CHECK(out[2].start == 9);
  CHECK(out[5].end == 18);
  CHECK(tok.IdToToken(out[6].id) == "中");
  CHECK(out[6].word == 3);
  CHECK(out[7].word == 4);
  CHECK(out[7].start_byte == 23);
  CHECK(out[7].end_byte == 26);

  // A word over max_input_chars_per_word is one [UNK] spanning it.
  REQUIRE(tok.Tokenize("x " + std::string(101, 'a'), &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[1].id == unk);
  CHECK(out[1].start == 2);
  CHECK(out[1].end == 103);
  CHECK(!out[1].continuation);

  // Output is cleared first.
  REQUIRE(tok.Tokenize("", &out).ok());
  CHECK(out.empty());
}

TEST_CASE("tokenizer: options change behaviour as documented") {
  std::vector<std::string> vocab = {"[UNK]", "abc", "##def", "ABC",
                                    "é",     "中",  "i",     "##\xCC\x87"};
  TokenizerOptions o;
  o.max_input_chars_per_word = 6;
  auto t = Tokenizer::Create(vocab, o);
  REQUIRE(t.ok());
  std::vector<Token> out;
  REQUIRE((*t)->Tokenize("ABCdef abcdefg", &out).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0].id == 1);
  CHECK(out[1].id == 2);
  CHECK(out[1].continuation);
  CHECK(out[2].id == 0);  // 7 chars > 6.

  o.lowercase = false;
  o.strip_accents = false;
  t = Tokenizer::Create(vocab, o);
  REQUIRE(t.ok());
  REQUIRE((*t)->Tokenize("ABC é", &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0].id == 3);
  CHECK(out[1].id == 4);

  // Lowercase without accent stripping: İ -> i + U+0307 (two chars, both
  // aligned to the original İ).
  o.lowercase = true;
  t = Tokenizer::Create(vocab, o);
  REQUIRE(t.ok());
  REQUIRE((*t)->Tokenize("\xC4\xB0", &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0].id == 6);
  CHECK(out[1].id == 7);
  CHECK(out[0].start == 0);
  CHECK(out[0].end == 1);
  CHECK(out[1].start == 0);
  CHECK(out[1].end == 1);
  CHECK(out[1].end_byte == 2);

  // Without CJK padding, adjacent ideographs form one word.
  o.tokenize_chinese_chars = false;
  t = Tokenizer::Create(vocab, o);
  REQUIRE(t.ok());
  REQUIRE((*t)->Tokenize("中中", &out).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == 0);
}

TEST_CASE("tokenizer: TokenToId / IdToToken / Create validation") {
  const Tokenizer& tok = BertChinese();
  CHECK(tok.vocab_size() == 21128);
  CHECK(tok.TokenToId("[UNK]") == 100);
  CHECK(tok.TokenToId("[CLS]") == 101);
  CHECK(tok.TokenToId("[SEP]") == 102);
  CHECK(tok.TokenToId("no-such-piece") == -1);
  CHECK(tok.TokenToId("") == -1);
  for (int32_t id : {0, 100, 101, 102, 103, 672, 8701, 21127}) {
    CHECK(tok.TokenToId(tok.IdToToken(id)) == id);
  }
  CHECK(tok.IdToToken(-1).empty());
  CHECK(tok.IdToToken(21128).empty());

  auto empty = Tokenizer::Create({}, TokenizerOptions());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);
  auto no_unk = Tokenizer::Create({"a", "b"}, TokenizerOptions());
  CHECK(no_unk.status().code() == StatusCode::kInvalidArgument);
  CHECK(no_unk.status().message().find("[UNK]") != std::string::npos);
  TokenizerOptions bad;
  bad.max_input_chars_per_word = -1;
  auto neg = Tokenizer::Create({"[UNK]"}, bad);
  CHECK(neg.status().code() == StatusCode::kInvalidArgument);
  // Later duplicates win, like HF's vocab HashMap.
  auto dup = Tokenizer::Create({"[UNK]", "x", "x"}, TokenizerOptions());
  REQUIRE(dup.ok());
  CHECK((*dup)->TokenToId("x") == 2);
}

// Per code point behaviour: normalized form (space-separated lowercase hex
// code points) and the number of words of "x" + c + "x".
struct CpBehaviour {
  std::string norm;
  int words;
  bool operator==(const CpBehaviour& o) const {
    return norm == o.norm && words == o.words;
  }
};

std::string Utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

CpBehaviour Ours(const Tokenizer& tok, char32_t c) {
  CpBehaviour b;
  std::string norm;
  REQUIRE(tok.Normalize(Utf8(c), &norm).ok());
  std::vector<char32_t> cps;
  for (size_t i = 0; i < norm.size();) {
    const unsigned char b0 = static_cast<unsigned char>(norm[i]);
    const int len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b0 : b0 & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (norm[i + k] & 0x3F);
    cps.push_back(cp);
    i += len;
  }
  char buf[16];
  for (size_t i = 0; i < cps.size(); ++i) {
    std::snprintf(buf, sizeof(buf), i ? " %x" : "%x",
                  static_cast<unsigned>(cps[i]));
    b.norm += buf;
  }
  std::vector<Token> out;
  REQUIRE(tok.Tokenize("x" + Utf8(c) + "x", &out).ok());
  b.words = out.empty() ? 0 : static_cast<int>(out.back().word) + 1;
  return b;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    f.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return f;
    start = tab + 1;
  }
}

// cp -> (hf, ours), from the committed list of code points on which utf8proc
// 2.8 (Unicode 15) and HF's Rust crates disagree.
std::map<char32_t, std::pair<CpBehaviour, CpBehaviour>> Divergences() {
  std::ifstream in(kFixtureDir + "unicode_divergences.tsv");
  REQUIRE(in.good());
  std::map<char32_t, std::pair<CpBehaviour, CpBehaviour>> d;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitTabs(line);
    REQUIRE(f.size() >= 5);
    d[static_cast<char32_t>(std::stoul(f[0], nullptr, 16))] = {
        {f[1], std::stoi(f[2])}, {f[3], std::stoi(f[4])}};
  }
  return d;
}

TEST_CASE("tokenizer: documented Unicode-version divergences are exact") {
  const Tokenizer& tok = BertChinese();
  const auto div = Divergences();
  CHECK(!div.empty());
  for (const auto& entry : div) {
    // Named copies, not structured bindings: CHECK_MESSAGE's lambda captures
    // them, which C++17 (clang) forbids for bindings.
    const auto cp = entry.first;
    const auto& hf_ours = entry.second;
    const CpBehaviour got = Ours(tok, cp);
    CHECK_MESSAGE(got == hf_ours.second, std::hex << "U+" << cp << ": ["
                                                  << got.norm << "] "
                                                  << got.words);
    CHECK(!(got == hf_ours.first));
  }
}

// Optional: every Unicode scalar value against HF's table written by
// `gen_tokenizer_fixtures.js --unicode-table FILE`; the differences must be
// exactly the documented divergences. EDGEBERT_HF_DIVERGENCES_OUT, if set,
// receives the observed differences in the fixture's format.
TEST_CASE(
    "tokenizer: exhaustive code point parity (EDGEBERT_HF_UNICODE_TABLE)") {
  const char* table = std::getenv("EDGEBERT_HF_UNICODE_TABLE");
  if (table == nullptr) {
    MESSAGE("EDGEBERT_HF_UNICODE_TABLE not set: exhaustive check skipped");
    return;
  }
  const Tokenizer& tok = BertChinese();
  const auto div = Divergences();
  std::ifstream in(table);
  REQUIRE_MESSAGE(in.good(), "cannot open " << table);
  std::string line;
  size_t n = 0;
  std::map<char32_t, std::pair<CpBehaviour, CpBehaviour>> seen;
  while (std::getline(in, line)) {
    auto f = SplitTabs(line);
    REQUIRE(f.size() == 3);
    const char32_t cp = static_cast<char32_t>(std::stoul(f[0], nullptr, 16));
    const CpBehaviour hf{f[1], std::stoi(f[2])};
    const CpBehaviour got = Ours(tok, cp);
    ++n;
    if (!(got == hf)) seen[cp] = {hf, got};
  }
  CHECK(n == 0x110000 - 0x800);
  if (const char* w = std::getenv("EDGEBERT_HF_DIVERGENCES_OUT")) {
    std::ofstream o(w);
    o << "# code point\thf normalized\thf words\tours normalized\tours words\n";
    for (const auto& [cp, v] : seen) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%04x", static_cast<unsigned>(cp));
      o << buf << "\t" << v.first.norm << "\t" << v.first.words << "\t"
        << v.second.norm << "\t" << v.second.words << "\n";
    }
  }
  size_t unexpected = 0;
  for (const auto& entry : seen) {
    const auto cp = entry.first;  // Captured below: no structured binding.
    const auto& v = entry.second;
    auto it = div.find(cp);
    if (it == div.end() || !(it->second.first == v.first)) {
      if (++unexpected <= 20) {
        CHECK_MESSAGE(false, std::hex << "U+" << cp << " hf [" << v.first.norm
                                      << "] " << v.first.words << " ours ["
                                      << v.second.norm << "] "
                                      << v.second.words);
      }
    }
  }
  CHECK(unexpected == 0);
  CHECK(seen.size() == div.size());
  MESSAGE("exhaustive: " << n << " code points, " << seen.size()
                         << " documented divergences");
}

}  // namespace
}  // namespace edgebert
