// An int8 model with int8 attention (EncoderConfig.attention = Int8,
// edgebert-convert --attention int8) against the same int8 model with f32
// attention and against the float64 reference of tests/fixtures/tiny_random.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "quantize/convert.h"
#include "runtime/api/edgebert.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/model_file.h"
#include "tests/test_env.h"

namespace eb = edgebert;
using nlohmann::json;

namespace {

const std::string kFixture =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random";

std::unique_ptr<eb::Model> ConvertInt8(eb::AttentionPrecision attention) {
  const std::string path = eb::testing::ScratchPath(
      std::string("attn-") + eb::AttentionPrecisionName(attention) + ".ebm");
  eb::ConvertOptions o;
  o.input_dir = kFixture;
  o.output_path = path;
  o.precision = eb::Precision::kInt8;
  o.int8.attention = attention;
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  auto m = eb::Model::Load(path, /*verify_checksum=*/true);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m.value());
}

// Logits of every single-segment reference sequence, concatenated.
struct Run {
  std::vector<float> logits;
  std::vector<double> reference;
};

Run LogitsOf(const eb::Model& model, size_t threads) {
  std::unique_ptr<eb::ThreadPool> pool;
  if (threads > 1) {
    auto created = eb::ThreadPool::Create(threads);
    REQUIRE(created.ok());
    pool = std::move(created.value());
  }
  auto tagger = eb::Tagger::Create(model, {}, pool.get());
  REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
  std::ifstream f(kFixture + "/reference.json");
  const json ref = json::parse(f);
  Run r;
  for (const json& seq : ref["sequences"]) {
    const auto types = seq["token_type_ids"].get<std::vector<int>>();
    if (std::any_of(types.begin(), types.end(), [](int t) { return t != 0; })) {
      continue;
    }
    const auto ids = seq["input_ids"].get<std::vector<int32_t>>();
    auto logits = tagger.value()->Logits(ids.data(), ids.size());
    REQUIRE(logits.ok());
    const size_t n = ids.size() * ref["labels"].size();
    r.logits.insert(r.logits.end(), logits.value(), logits.value() + n);
    for (const json& row : seq["logits"]) {
      for (const json& v : row) r.reference.push_back(v.get<double>());
    }
  }
  return r;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  }
  return worst;
}

}  // namespace

TEST_CASE("int8 attention: flagged in the file, close to f32 attention") {
  const auto f32_attn = ConvertInt8(eb::AttentionPrecision::kF32);
  const auto i8_attn = ConvertInt8(eb::AttentionPrecision::kInt8);
  CHECK(f32_attn->config().attention == "f32");
  CHECK(i8_attn->config().attention == "int8");
  const Run a = LogitsOf(*f32_attn, 1);
  const Run b = LogitsOf(*i8_attn, 1);
  REQUIRE(a.logits.size() == b.logits.size());
  REQUIRE(a.logits.size() == a.reference.size());
  REQUIRE(a.logits.size() > 1000);
  const std::vector<double> a64(a.logits.begin(), a.logits.end());
  const double attn_diff = MaxAbsDiff(b.logits, a64);
  const double err_f32_attn = MaxAbsDiff(a.logits, a.reference);
  const double err_i8_attn = MaxAbsDiff(b.logits, b.reference);
  MESSAGE("max |logit| diff int8 vs f32 attention "
          << attn_diff << "; vs float64 reference: f32 attention "
          << err_f32_attn << ", int8 attention " << err_i8_attn);
  CHECK(attn_diff > 0);  // the int8 kernel ran
  // The int8 GEMMs already move the logits by err_f32_attn (four products
  // per layer, each rounding x and W to 1/254 of their range); int8
  // attention adds two products per layer rounding Q, K and V the same way
  // (P's two codes err by 1.6e-5 only), so its own error is of the same
  // order: at most twice the int8 GEMMs' (measured: 1.2x).
  CHECK(attn_diff <= 2 * err_f32_attn);
  CHECK(err_i8_attn <= 2 * err_f32_attn);
  // Threads split heads only: the logits are identical with a pool.
  const Run b2 = LogitsOf(*i8_attn, 3);
  CHECK(b2.logits == b.logits);
}

TEST_CASE("int8 attention: an unknown encoder.attention value is refused") {
  const std::string path = eb::testing::ScratchPath("attn-bad.ebm");
  eb::ConvertOptions o;
  o.input_dir = kFixture;
  o.output_path = path;
  o.precision = eb::Precision::kInt8;
  o.int8.attention = eb::AttentionPrecision::kInt8;
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> image((std::istreambuf_iterator<char>(f)),
                             std::istreambuf_iterator<char>());
  REQUIRE(!image.empty());
  CHECK(eb::ModelFile::FromBytes(image.data(), image.size(), "edited").ok());
  eb::fb::EncoderConfig* enc =
      eb::fb::GetMutableSizePrefixedModel(image.data())->mutable_encoder();
  REQUIRE(enc->attention() == eb::fb::AttentionPrecision::Int8);
  REQUIRE(enc->mutate_attention(static_cast<eb::fb::AttentionPrecision>(2)));
  REQUIRE(eb::SealModelFile(image.data(), image.size()).ok());
  auto bad = eb::ModelFile::FromBytes(image.data(), image.size(), "edited");
  REQUIRE_FALSE(bad.ok());
  CAPTURE(bad.status().ToString());
  CHECK(bad.status().message().find(
            "encoder.attention = 2 is not Float32 (0) or Int8 (1)") !=
        std::string::npos);
}
