// TensorBundle V2 reader (quantize/tf/): real TF-written bundles from
// ../shared (skipped visibly when absent), committed fixtures written by
// tests/tools/write_tf_checkpoint.py, and corrupted copies of them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quantize/tf/bundle_proto.h"
#include "quantize/tf/checkpoint_path.h"
#include "quantize/tf/crc32c.h"
#include "quantize/tf/tensor_bundle.h"
#include "quantize/tf/training_tensors.h"
#include "runtime/model/safetensors.h"
#include "tests/test_env.h"

namespace fs = std::filesystem;
using edgebert::StatusCode;
using edgebert::testing::TempDir;
using namespace edgebert::tf;  // NOLINT

namespace {

const std::string kShared =
    std::string(EDGEBERT_SHARED_DIR) + "/data/tf_bundle";

bool SharedPresent(const std::string& sub) {
  if (fs::exists(kShared + "/" + sub)) return true;
  MESSAGE("SKIPPED: " << kShared << "/" << sub << " not present");
  return false;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("crc32c matches the published check value") {
  const std::string s = "123456789";
  CHECK(Crc32c(reinterpret_cast<const uint8_t*>(s.data()), s.size()) ==
        0xe3069283u);
}

TEST_CASE("keras_bert_tiny: all 139 tensors, shapes, sums, first values") {
  if (!SharedPresent("keras_bert_tiny")) return;
  const std::string dir = kShared + "/keras_bert_tiny";
  const nlohmann::json want =
      nlohmann::json::parse(Slurp(dir + "/tensors.json"));
  REQUIRE(want.size() == 139);
  // No `checkpoint` file there: the folder's single *.index is used.
  auto b = OpenTfBundle(dir);
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  REQUIRE(b->entries().size() == want.size());
  for (const TfTensorInfo& t : b->entries()) {
    CAPTURE(t.name);
    REQUIRE(want.contains(t.name));
    const nlohmann::json& w = want[t.name];
    CHECK(TfDTypeName(t.dtype) == w["dtype"].get<std::string>());
    CHECK(t.shape == w["shape"].get<std::vector<int64_t>>());
    CHECK_FALSE(t.sliced);
    std::vector<uint8_t> raw;
    REQUIRE(b->ReadBytes(t, &raw).ok());  // crc32c checked
    if (t.dtype != kTfFloat) continue;    // global_step: int64
    auto v = b->ReadF32(t.name);
    REQUIRE(v.ok());
    double sum = 0;
    for (float x : v.value()) sum += x;
    const double ws = w["sum"].get<double>();
    // float64 sums of float32 values in a different order: relative 1e-6.
    CHECK(std::fabs(sum - ws) <= 1e-6 * (1.0 + std::fabs(ws)));
    if (!v->empty()) CHECK(v.value()[0] == w["first"].get<float>());
  }
  const TfTensorInfo* step = b->Find("global_step");
  REQUIRE(step != nullptr);
  CHECK(TfDTypeName(step->dtype) == "int64");
  auto s = b->ReadF32("global_step");
  CHECK(s.status().code() == StatusCode::kUnimplemented);
  CHECK(s.status().message().find("int64") != std::string::npos);
}

TEST_CASE("saved_model variables bundles") {
  struct Case {
    std::string dir;
    std::vector<std::pair<std::string, float>> values;
  };
  const Case cases[] = {
      {"saved_model_half_plus_two_cpu",
       {{"a", 0.5f}, {"a2", 0.5f}, {"b", 2.f}, {"c", 3.f}, {"c2", 3.f}}},
      // The MKL variant holds a, b, c and three 1x1 conv2d layers.
      {"saved_model_half_plus_two_mkl", {{"a", 0.5f}, {"b", 2.f}, {"c", 3.f}}},
      {"saved_model_counter", {{"counter", 0.f}}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.dir);
    if (!SharedPresent(c.dir)) continue;
    const std::string prefix = kShared + "/" + c.dir + "/variables";
    auto b = OpenTfBundle(prefix + ".index");  // PREFIX.index resolves too
    REQUIRE_MESSAGE(b.ok(), b.status().ToString());
    for (const auto& [name, value] : c.values) {
      auto v = b->ReadF32(name);
      REQUIRE_MESSAGE(v.ok(), v.status().ToString());
      REQUIRE(v->size() == 1);
      CHECK(v.value()[0] == value);
    }
    for (const TfTensorInfo& t : b->entries()) {
      std::vector<uint8_t> raw;
      CHECK_MESSAGE(b->ReadBytes(t, &raw).ok(), t.name);
    }
  }
}

namespace {

const std::string kFix = std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/";
const std::string kSeed = kFix + "tf/seed_softmax";

bool Has(const edgebert::Status& s, const std::string& part) {
  return s.message().find(part) != std::string::npos;
}

// Copies the seed_softmax bundle files into `dir`, returns the new prefix.
std::string CopySeed(const TempDir& dir) {
  for (const char* f :
       {"model.ckpt-1000.index", "model.ckpt-1000.data-00000-of-00001"}) {
    fs::copy_file(kSeed + "/" + f, dir / f);
  }
  return dir / "model.ckpt-1000";
}

void FlipByte(const std::string& path, size_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("seed-style checkpoint written by tests/tools: names, layouts") {
  auto b = OpenTfBundle(kSeed);  // via its `checkpoint` file
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  auto st =
      edgebert::SafetensorsFile::Open(kFix + "tiny_random/model.safetensors");
  REQUIRE(st.ok());
  // Kernels are stored [in, out]: the transpose of HF's [out, in].
  std::vector<float> hf;
  REQUIRE(ToF32(*st->Find("bert.encoder.layer.1.intermediate.dense.weight"),
                &hf)
              .ok());  // [128, 64]
  const TfTensorInfo* k =
      b->Find("bert/encoder/layer_1/intermediate/dense/kernel");
  REQUIRE(k != nullptr);
  CHECK(k->shape == std::vector<int64_t>{64, 128});
  auto kv = b->ReadF32(k->name);
  REQUIRE(kv.ok());
  for (size_t i = 0; i < 64; ++i) {
    for (size_t o = 0; o < 128; ++o) {
      REQUIRE(kv.value()[i * 128 + o] == hf[o * 64 + i]);
    }
  }
  // output_weights [1 + 8 labels, H]: row 0 is padding, rows 1.. the HF
  // classifier.
  REQUIRE(ToF32(*st->Find("classifier.weight"), &hf).ok());
  auto ow = b->ReadF32("output_weights");
  REQUIRE(ow.ok());
  CHECK(b->Find("output_weights")->shape == std::vector<int64_t>{9, 64});
  CHECK(std::equal(hf.begin(), hf.end(), ow->begin() + 64));
  CHECK(b->Find("output_bias")->shape == std::vector<int64_t>{9});
  CHECK(b->Find("output_weights/adam_m") != nullptr);
  CHECK(b->Find("bert/pooler/dense/kernel/adam_v") != nullptr);
  CHECK(TfDTypeName(b->Find("global_step")->dtype) == "int64");
  // 2 x 16 per-layer tensors + 5 embedding + 2 pooler + 2 head, each with
  // two Adam slots, and global_step.
  CHECK(b->entries().size() == (2 * 16 + 5 + 2 + 2) * 3 + 1);
}

TEST_CASE("dtypes, scalars, empty tensors, two shards") {
  auto b = OpenTfBundle(kFix + "tf/dtypes");
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  auto f32 = b->ReadF32("f32");
  REQUIRE(f32.ok());
  REQUIRE(f32->size() == 15);
  auto f64 = b->ReadF32("f64");
  auto f16 = b->ReadF32("f16");
  auto bf16 = b->ReadF32("bf16");
  REQUIRE((f64.ok() && f16.ok() && bf16.ok()));
  for (size_t i = 0; i < 15; ++i) {
    const float x = f32.value()[i];
    CHECK(f64.value()[i] == x);  // float32 -> float64 -> float32 is exact
    // float16 keeps 11 significant bits: relative error <= 2^-11.
    CHECK(std::fabs(f16.value()[i] - x) <= std::ldexp(std::fabs(x), -11));
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    bits &= 0xffff0000u;  // the writer truncates to bfloat16
    float t;
    std::memcpy(&t, &bits, 4);
    CHECK(bf16.value()[i] == t);
  }
  CHECK(b->Find("f16")->shape == std::vector<int64_t>{3, 5});
  auto scalar = b->ReadF32("scalar");
  REQUIRE(scalar.ok());
  CHECK(b->Find("scalar")->shape.empty());
  CHECK(scalar.value() == std::vector<float>{2.5f});
  auto empty = b->ReadF32("empty");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  auto i32 = b->ReadF32("i32");
  CHECK(i32.status().code() == StatusCode::kUnimplemented);
  CHECK(Has(i32.status(), "int32"));
  CHECK(b->ReadF32("nope").status().code() == StatusCode::kNotFound);

  auto two = OpenTfBundle(kFix + "tf/two_shards");
  REQUIRE_MESSAGE(two.ok(), two.status().ToString());
  CHECK(two->Find("b")->shard_id == 1);
  CHECK(two->ReadF32("a").value() == std::vector<float>{0, 1, 2, 3});
  CHECK(two->ReadF32("b").value() == std::vector<float>{1, 1, 1});
  CHECK(two->ReadF32("c").value() == std::vector<float>{-1.5f, -1.5f});
}

TEST_CASE("partitioned variable: listed, refused with a clear error") {
  auto b = OpenTfBundle(kFix + "tf/sliced");
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  REQUIRE(b->entries().size() == 2);
  CHECK(b->Find("part")->sliced);
  auto v = b->ReadF32("part");
  CHECK(v.status().code() == StatusCode::kUnimplemented);
  CHECK(Has(v.status(), "'part' is a partitioned (sliced) variable"));
  CHECK(b->ReadF32("whole").ok());
}

TEST_CASE("corrupt bundles: each a clear error") {
  SUBCASE("truncated index") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    fs::resize_file(p + ".index", fs::file_size(p + ".index") / 2);
    auto b = OpenTfBundle(p);
    CHECK(b.status().code() == StatusCode::kDataLoss);
    CHECK(Has(b.status(), "model.ckpt-1000.index: not a valid table"));
    fs::resize_file(p + ".index", 10);
    CHECK(Has(OpenTfBundle(p).status(), "too short"));
  }
  SUBCASE("wrong magic") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    FlipByte(p + ".index", fs::file_size(p + ".index") - 1);
    auto b = OpenTfBundle(p);
    CHECK(b.status().code() == StatusCode::kDataLoss);
    CHECK(Has(b.status(), "bad magic"));
  }
  SUBCASE("footer block handle past the end") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    std::string index = Slurp(p + ".index");
    // metaindex handle (offset 0, size 2^40), then zero padding.
    const std::string handle("\x00\x80\x80\x80\x80\x80\x20", 7);
    index.replace(index.size() - 48, 40, handle + std::string(33, '\0'));
    std::ofstream(p + ".index", std::ios::binary) << index;
    auto b = OpenTfBundle(p);
    CHECK(b.status().code() == StatusCode::kDataLoss);
    CHECK_MESSAGE(Has(b.status(), "block [0, +1099511627776) lies outside"),
                  b.status().message());
  }
  SUBCASE("flipped byte in the (snappy) data block") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    FlipByte(p + ".index", 40);
    auto b = OpenTfBundle(p);
    CHECK(b.status().code() == StatusCode::kDataLoss);
    CHECK(Has(b.status(), "checksum mismatch"));
  }
  SUBCASE("flipped byte in a tensor") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    auto good = OpenTfBundle(p);
    REQUIRE(good.ok());
    const TfTensorInfo* t = good->Find("output_bias");
    FlipByte(p + ".data-00000-of-00001", t->offset + t->size / 2);
    auto b = OpenTfBundle(p);
    REQUIRE(b.ok());  // tensor bytes are checked when read
    auto v = b->ReadF32("output_bias");
    CHECK(v.status().code() == StatusCode::kDataLoss);
    CHECK(Has(v.status(), "'output_bias' data fails its checksum"));
    CHECK(b->ReadF32("output_weights").ok());
  }
  SUBCASE("missing and short data shard") {
    TempDir dir;
    const std::string p = CopySeed(dir);
    const std::string data = p + ".data-00000-of-00001";
    fs::resize_file(data, fs::file_size(data) - 1);
    auto s = OpenTfBundle(p);
    CHECK(s.status().code() == StatusCode::kDataLoss);
    CHECK(Has(s.status(), "lie outside its"));
    fs::remove(data);
    auto b = OpenTfBundle(p);
    CHECK(b.status().code() == StatusCode::kNotFound);
    CHECK(Has(b.status(), "model.ckpt-1000.data-00000-of-00001"));
  }
  SUBCASE("checkpoint file naming a missing prefix; empty folder") {
    TempDir dir;
    std::ofstream(dir / "checkpoint") << "model_checkpoint_path: \"gone\"\n";
    auto b = OpenTfBundle(dir.path.string());
    CHECK(b.status().code() == StatusCode::kNotFound);
    CHECK(Has(b.status(), "gone.index does not exist"));
    fs::remove(dir / "checkpoint");
    CHECK(Has(OpenTfBundle(dir.path.string()).status(), "0 *.index files"));
  }
}

TEST_CASE("prefix resolution: absolute path of a moved folder") {
  TempDir dir;
  CopySeed(dir);
  std::ofstream(dir / "checkpoint")
      << "model_checkpoint_path: \"/nonexistent/run/model.ckpt-1000\"\n";
  auto p = ResolveTfPrefix(dir.path.string());
  REQUIRE(p.ok());
  CHECK(p.value() == dir / "model.ckpt-1000");
  CHECK(ResolveTfPrefix(dir / "model.ckpt-1000.data-00000-of-00001").value() ==
        dir / "model.ckpt-1000");
}

TEST_CASE("FromMemory: same bytes, same tensors; garbage is an error") {
  const std::string index = Slurp(kFix + "tf/two_shards.index");
  auto b =
      TfBundle::FromMemory(index,
                           {Slurp(kFix + "tf/two_shards.data-00000-of-00002"),
                            Slurp(kFix + "tf/two_shards.data-00001-of-00002")},
                           "mem");
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  CHECK(b->ReadF32("c").value() == std::vector<float>{-1.5f, -1.5f});
  auto one = TfBundle::FromMemory(index, {""}, "mem");
  CHECK(Has(one.status(), "names 2 data shards, 1 given"));
  for (size_t n = 0; n < index.size(); n += 7) {
    auto t = TfBundle::FromMemory(index.substr(0, n), {"", ""}, "mem");
    CHECK_FALSE(t.ok());
  }
}

TEST_CASE("training-only tensors: slots, step, pretraining heads, pooler") {
  auto reason = [](const char* n) {
    const char* r = TrainingOnlyReason(n);
    return std::string(r == nullptr ? "" : r);
  };
  CHECK(reason("bert/encoder/layer_0/output/dense/kernel/adam_m") ==
        "optimizer slot");
  CHECK(reason("output_weights/adam_v") == "optimizer slot");
  CHECK(reason("project/logits/W/Momentum") == "optimizer slot");
  CHECK(reason("beta1_power") == "optimizer slot");
  CHECK(reason("global_step") == "training step");
  CHECK(reason("cls/predictions/output_bias") == "pretraining head");
  CHECK(reason("bert/pooler/dense/kernel") == "pooler");
  CHECK(reason("bert/embeddings/word_embeddings/ExponentialMovingAverage") ==
        "moving average");
  for (const char* used :
       {"bert/embeddings/word_embeddings", "output_weights", "output_bias",
        "crf_loss/transitions", "project/logits/W",
        "rnn_layer/bidirectional_rnn/fw/lstm_cell/kernel",
        "bert/encoder/layer_0/attention/self/query/kernel", "madam_m",
        "global_step_x"}) {
    CHECK_MESSAGE(TrainingOnlyReason(used) == nullptr, used);
  }
  // Every tensor of the seed fixture that is not training-only is one the
  // converter needs: embeddings, 2 layers x 16, and the softmax head.
  auto b = OpenTfBundle(kSeed);
  REQUIRE(b.ok());
  size_t used = 0;
  for (const TfTensorInfo& t : b->entries()) {
    used += TrainingOnlyReason(t.name) == nullptr;
  }
  CHECK(used == 5 + 2 * 16 + 2);
}
