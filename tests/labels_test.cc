// Label maps (quantize/labels.h) and the pickle subset (quantize/pickle.h),
// on the fixtures of tests/tools/make_label_fixtures.py.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "quantize/labels.h"
#include "quantize/pickle.h"
#include "tests/test_env.h"

using edgebert::FindLabelMap;
using edgebert::kAnyHeadWidth;
using edgebert::LabelsFromIds;
using edgebert::LabelsFromLines;
using edgebert::ParseStrIntDictPickle;
using edgebert::ReadLabelMap;
using edgebert::StatusCode;
using edgebert::testing::TempDir;
using namespace std::string_literals;  // NOLINT: "\0"-containing pickles

namespace {

const std::string kDir =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/labels/";
// Head of width 7: id 0 padding + the six labels of the fixtures.
const std::vector<std::string> kWant = {"[PAD]", "O",     "B-地名", "I-地名",
                                        "X",     "[CLS]", "[SEP]"};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Has(const edgebert::Status& s, const std::string& part) {
  return s.message().find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("label2id.pkl of every protocol, Python 2 and 3") {
  for (const char* f : {"label2id_p0.pkl", "label2id_p1.pkl", "label2id_p2.pkl",
                        "label2id_p3.pkl", "label2id_p4.pkl", "label2id_p5.pkl",
                        "label2id_py2_p0.pkl", "label2id_py2_p2.pkl",
                        "label2id.json", "id2label.json", "labels.txt"}) {
    CAPTURE(std::string(f));
    auto l = ReadLabelMap(kDir + f, 7);
    REQUIRE_MESSAGE(l.ok(), l.status().ToString());
    CHECK(l.value() == kWant);
  }
}

TEST_CASE("pickle int opcodes: BININT1/2, negative BININT, LONG1") {
  auto d = ParseStrIntDictPickle(Slurp(kDir + "ints_p2.pkl"), "ints");
  REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  const std::vector<std::pair<std::string, int64_t>> want = {
      {"a", 300}, {"b", -5}, {"c", int64_t{1} << 40}, {"d", 70000}, {"e", 7}};
  CHECK(d.value() == want);
}

TEST_CASE("pickles with other opcodes are refused, never executed") {
  auto od = ReadLabelMap(kDir + "ordereddict_p2.pkl", 7);
  CHECK(od.status().code() == StatusCode::kInvalidArgument);
  CHECK(Has(od.status(), "GLOBAL"));
  CHECK(Has(od.status(), "pickle byte 2"));
  auto r = ParseStrIntDictPickle(Slurp(kDir + "reduce_p0.pkl"), "evil");
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(Has(r.status(), "GLOBAL"));
  CHECK(Has(r.status(), "pickle byte 0"));
  // REDUCE itself, after allowed opcodes.
  auto r2 = ParseStrIntDictPickle("\x80\x02}R."s, "r");
  CHECK(Has(r2.status(), "REDUCE"));
  CHECK(Has(r2.status(), "byte 3"));
}

TEST_CASE("malformed pickles: clear errors") {
  struct Case {
    std::string bytes, part;
  };
  const Case cases[] = {
      {"", "ends before STOP"},
      {"\x80\x02}q\x00(X\x05\x00\x00\x00"
       "ab"s,
       "bytes"},
      {"\x80\x02}X\x01\x00\x00\x00"
       "aX\x01\x00\x00\x00"
       "bs."s,
       "not an int"},
      {"\x80\x02}K\x01K\x02s."s, "not a str"},
      {"\x80\x02}X\x01\x00\x00\x00"
       "aK\x01sX\x01\x00\x00\x00"
       "aK\x02s."s,
       "set twice"},
      {"\x80\x02K\x01."s, "not a dict"},
      {"\x80\x02h\x07."s, "never PUT"},
      {"\x80\x02}U\x02\xff\xfeK\x01s."s, "UTF-8"},
      {"\x80\x09}."s, "protocol 9"},
      {"\x80\x02}s."s, "underflow"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.part);
    auto d = ParseStrIntDictPickle(c.bytes, "t.pkl");
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().code() == StatusCode::kInvalidArgument);
    CHECK_MESSAGE(Has(d.status(), c.part), d.status().message());
    CHECK(Has(d.status(), "t.pkl"));
  }
}

TEST_CASE("label map rules: gap, duplicate id, width mismatch") {
  auto gap = ReadLabelMap(kDir + "gap_p3.pkl", 7);
  CHECK(gap.status().code() == StatusCode::kInvalidArgument);
  CHECK(Has(gap.status(), "no label has id 3"));
  auto dup = LabelsFromIds({{"O", 1}, {"B-X", 1}}, kAnyHeadWidth, "m");
  CHECK(Has(dup.status(), "'O' and 'B-X' share id 1"));
  auto wide = ReadLabelMap(kDir + "label2id_p3.pkl", 9);
  CHECK(wide.status().code() == StatusCode::kFailedPrecondition);
  CHECK(Has(wide.status(), "9 outputs"));
  auto narrow = ReadLabelMap(kDir + "label2id_p3.pkl", 5);
  CHECK(narrow.status().code() == StatusCode::kFailedPrecondition);
  CHECK(Has(narrow.status(), "'[SEP]' has id 6"));
  auto neg = LabelsFromIds({{"O", -1}}, kAnyHeadWidth, "m");
  CHECK(Has(neg.status(), "id -1 < 0"));
  // id 0 named explicitly is kept; any width accepted when unknown.
  auto zero = LabelsFromIds({{"O", 0}, {"B-X", 1}}, kAnyHeadWidth, "m");
  REQUIRE(zero.ok());
  CHECK(zero.value() == std::vector<std::string>{"O", "B-X"});
}

TEST_CASE("labels.txt: 0-based at full width, 1-based one short") {
  auto full = LabelsFromLines("O\nB-X\nI-X\n", 3, "t");
  REQUIRE(full.ok());
  CHECK(full.value() == std::vector<std::string>{"O", "B-X", "I-X"});
  auto padded = LabelsFromLines("O\r\nB-X\r\nI-X\r\n", 4, "t");
  REQUIRE(padded.ok());
  CHECK(padded.value() == std::vector<std::string>{"[PAD]", "O", "B-X", "I-X"});
  CHECK(Has(LabelsFromLines("O\n\nB-X\n", 3, "t").status(), "line 2"));
  CHECK(Has(LabelsFromLines("O\nO\n", 2, "t").status(), "twice"));
  CHECK(LabelsFromLines("O\nB-X\n", 5, "t").status().code() ==
        StatusCode::kFailedPrecondition);
}

TEST_CASE("FindLabelMap: first of label2id.pkl, label2id.json, labels.txt") {
  TempDir dir;
  CHECK(FindLabelMap(dir.path.string()).status().code() ==
        StatusCode::kNotFound);
  std::ofstream(dir / "labels.txt") << "O\n";
  CHECK(FindLabelMap(dir.path.string()).value() == dir / "labels.txt");
  std::ofstream(dir / "label2id.pkl") << "x";
  CHECK(FindLabelMap(dir.path.string()).value() == dir / "label2id.pkl");
  CHECK(ReadLabelMap(dir / "missing.pkl", 3).status().code() ==
        StatusCode::kNotFound);
}
