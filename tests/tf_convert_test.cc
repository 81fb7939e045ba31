// The converter on TF1 google-research/bert NER folders (issue 8), without
// /work/shared: the committed seed-style checkpoint of tiny_random
// (tests/fixtures/tf/seed_softmax: snappy index, Adam slots, pooler,
// 1-based label2id.pkl with X/[CLS]/[SEP]) end to end through Convert, its
// logits against the same weights read from the Hugging Face folder, and the
// reader's options (--checkpoint, --labels, --cased, vocab without [PAD]).
// CRF / BiLSTM-CRF heads and bad input: tests/tools/check_tf_convert*.py.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "quantize/convert.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/readers/tf/tf_checkpoint.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "tests/test_env.h"

namespace eb = edgebert;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures";
const std::string kSeed = kFixtures + "/tf/seed_softmax";

// The seed's head is [PAD] + tiny_random's 8 labels (which include X, [CLS],
// [SEP]); its rows 1..8 are tiny_random's classifier. Same f32 weights and
// kernels on both sides: only the classifier's output count differs (9 vs
// 8), which
// may change the GEMM's tiling but not a row's dot-product order in the
// runtime's kernels, so the logits agree to the last bit or within a few
// ulp of values ~1.
constexpr float kSameWeightsTolerance = 1e-6f;
const char* const kTexts[] = {"张三在北京大学工作", "李四", "我们在上海"};

fs::path TempDir(const std::string& name) {
  fs::path d = edgebert::testing::ScratchDir() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

fs::path CopySeed(const std::string& name) {
  fs::path d = TempDir(name);
  fs::copy(kSeed, d, fs::copy_options::recursive);
  return d;
}

std::unique_ptr<eb::Model> ConvertAndLoad(const eb::ConvertOptions& o) {
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  auto m = eb::Model::Load(o.output_path, /*verify_checksum=*/true);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m.value());
}

// tiny_random from its Hugging Face folder, run with google-research/bert's
// tanh GELU.
std::unique_ptr<eb::Model> HfReference() {
  auto c = eb::LoadHfCheckpoint(kFixtures + "/tiny_random");
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  c->activation = eb::fb::Activation::GeluTanh;
  eb::WriteOptions w;
  w.precision = eb::Precision::kF32;
  w.max_seq_len = 64;
  const std::vector<uint8_t> image =
      eb::SerializeEbm(*c, eb::F32Tensors(*c), w);
  auto m = eb::internal::Access::LoadFromBytes(image.data(), image.size(),
                                               "tiny_random");
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m.value());
}

}  // namespace

TEST_CASE("TF convert: seed_softmax folder end to end, f32 and int8") {
  const fs::path dir = TempDir("e2e");
  eb::ConvertOptions o;
  o.input_dir = kSeed;
  o.output_path = (dir / "f32.ebm").string();
  o.precision = eb::Precision::kF32;
  const auto tf = ConvertAndLoad(o);
  const eb::ModelConfig& c = tf->config();
  CHECK(c.activation == "gelu_tanh");
  CHECK(c.head == "linear");
  CHECK(c.tag_scheme == "BIO");
  CHECK(c.num_layers == 2);
  CHECK(c.labels == std::vector<std::string>{"[PAD]", "O", "B-PER", "I-PER",
                                             "B-LOC", "I-LOC", "X", "[CLS]",
                                             "[SEP]"});

  const auto hf = HfReference();
  auto tt = eb::Tagger::Create(*tf, {}, nullptr);
  auto ht = eb::Tagger::Create(*hf, {}, nullptr);
  REQUIRE(tt.ok());
  REQUIRE(ht.ok());
  float worst = 0;
  for (const char* text : kTexts) {
    eb::TagResult a, b;
    REQUIRE(tt.value()->Tag(text, &a, true).ok());
    REQUIRE(ht.value()->Tag(text, &b, true).ok());
    REQUIRE(a.tokens.size() == b.tokens.size());
    for (size_t i = 0; i < a.tokens.size(); ++i) {
      CHECK(a.tokens[i].id == b.tokens[i].id);
      REQUIRE(a.tokens[i].logits.size() == 9);
      REQUIRE(b.tokens[i].logits.size() == 8);
      for (size_t j = 0; j < 8; ++j) {
        worst = std::max(worst, std::fabs(a.tokens[i].logits[j + 1] -
                                          b.tokens[i].logits[j]));
      }
    }
    CHECK(a.entities.size() == b.entities.size());
    for (size_t e = 0; e < std::min(a.entities.size(), b.entities.size());
         ++e) {
      CHECK(a.entities[e].entity_group == b.entities[e].entity_group);
      CHECK(a.entities[e].start == b.entities[e].start);
      CHECK(a.entities[e].end == b.entities[e].end);
    }
  }
  MESSAGE("TF vs HF folder of the same weights: max |logit diff| " << worst);
  CHECK(worst <= kSameWeightsTolerance);

  o.output_path = (dir / "int8.ebm").string();
  o.precision = eb::Precision::kInt8;
  const auto q = ConvertAndLoad(o);
  CHECK(q->config().precision == "int8");
  CHECK(q->config().labels == c.labels);
  fs::remove_all(dir);
}

TEST_CASE("TF convert: folder detection and --checkpoint") {
  CHECK(eb::IsTfCheckpointDir(kSeed));
  CHECK_FALSE(eb::IsTfCheckpointDir(kFixtures + "/tiny_random"));
  eb::TfReadOptions o;
  o.dir = kSeed;
  o.checkpoint = "model.ckpt-1000";  // relative to the folder
  auto c = eb::LoadTfCheckpoint(o);
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  CHECK(c->source_dtype == "float32");
  CHECK(c->do_lower_case);
  CHECK(c->head.kind == eb::fb::HeadKind::Linear);
  o.checkpoint = "model.ckpt-999";
  auto missing = eb::LoadTfCheckpoint(o);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("model.ckpt-999") != std::string::npos);
}

TEST_CASE("TF convert: --labels file and --cased") {
  const fs::path dir = CopySeed("labels");
  fs::remove(dir / "label2id.pkl");
  eb::TfReadOptions o;
  o.dir = dir.string();
  auto none = eb::LoadTfCheckpoint(o);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("label2id.pkl") != std::string::npos);

  // 8 lines for a 9-wide head: ids 1..8, [PAD] at 0 (labels.h).
  const fs::path labels = dir / "my_labels.txt";
  std::ofstream(labels) << "O\nB-ORG\nI-ORG\nB-LOC\nI-LOC\nX\n[CLS]\n[SEP]\n";
  o.labels_path = labels.string();
  o.cased = true;
  auto c = eb::LoadTfCheckpoint(o);
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  CHECK(c->labels[0] == "[PAD]");
  CHECK(c->labels[2] == "B-ORG");
  CHECK_FALSE(c->do_lower_case);
  CHECK_FALSE(c->strip_accents);

  eb::ConvertOptions hf;
  hf.input_dir = kFixtures + "/tiny_random";
  hf.output_path = (dir / "x.ebm").string();
  hf.labels_path = labels.string();
  const eb::Status s = eb::Convert(hf);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("--labels") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "x.ebm"));
  fs::remove_all(dir);
}

TEST_CASE("TF convert: a vocab without [PAD] stores pad_id 0") {
  const fs::path dir = CopySeed("nopad");
  std::string vocab;
  {
    std::ifstream f(dir / "vocab.txt");
    vocab.assign(std::istreambuf_iterator<char>(f), {});
  }
  const size_t p = vocab.find("[PAD]\n");
  REQUIRE(p != std::string::npos);
  vocab.replace(p, 5, "[pad?]");
  std::ofstream(dir / "vocab.txt", std::ios::trunc) << vocab;
  eb::TfReadOptions r;
  r.dir = dir.string();
  auto c = eb::LoadTfCheckpoint(r);
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  CHECK(c->pad_id == 0);
  // The runtime accepts the file (it refused pad_id -1).
  eb::ConvertOptions o;
  o.input_dir = dir.string();
  o.output_path = (dir / "m.ebm").string();
  o.precision = eb::Precision::kF32;
  const auto m = ConvertAndLoad(o);
  CHECK(m->config().labels.size() == 9);
  fs::remove_all(dir);
}
