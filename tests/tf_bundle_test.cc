// TensorBundle V2 reader (quantize/tf/): real TF-written bundles from
// ../shared (skipped visibly when absent), committed fixtures written by
// tests/tools/write_tf_checkpoint.py, and corrupted copies of them.
#include <doctest/doctest.h>

#include <cmath>
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
