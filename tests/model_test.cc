// Model file loading, bad files, f32 numerics against the PyTorch reference,
// and the Tagger's text path (windows, invalid input).
#include <doctest/doctest.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "quantize/convert.h"
#include "runtime/api/edgebert.h"
#include "runtime/base/thread_pool.h"
#include "runtime/model/model_file.h"
#include "tests/test_env.h"

namespace eb = edgebert;
using nlohmann::json;

namespace {

const std::string kFixture =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random";

// Largest |logit - reference| allowed for the f32 path. The reference is
// float64. Each f32 dot product of length K has relative error <= K*u
// (u = 2^-24, Higham's gamma_K bound, K <= 128 here: 7.6e-6), LayerNorm
// renormalises every sub-layer so errors do not compound multiplicatively,
// and the tiny model has 2 layers x 4 GEMMs + classifier, each fed values
// of magnitude <= ~10 after LayerNorm/GELU: 9 stages * 7.6e-6 * 10 * a
// safety factor of ~10 for the erf / exp approximations (<= 1e-6 relative)
// and summation-order differences gives 1e-2 as a hard ceiling; measured
// error is printed by the test and is ~1e-5.
constexpr double kLogitTolerance = 1e-3;

std::string TempPath(const std::string& name) {
  return eb::testing::ScratchPath(name);
}

std::vector<uint8_t> ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}
void WriteAll(const std::string& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()),
          static_cast<std::streamsize>(b.size()));
}

const std::string& TinyModelPath() {
  static const std::string path = [] {
    std::string p = TempPath("tiny.ebm");
    eb::ConvertOptions o;
    o.input_dir = kFixture;
    o.output_path = p;
    o.precision = eb::Precision::kF32;
    eb::Status s = eb::Convert(o);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    return p;
  }();
  return path;
}

std::unique_ptr<eb::Model> LoadTiny() {
  auto m = eb::Model::Load(TinyModelPath(), /*verify_checksum=*/true);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m.value());
}

void CheckAgainstReference(eb::TaggerOptions::F32Gemm backend, size_t threads) {
  std::unique_ptr<eb::Model> model = LoadTiny();
  std::unique_ptr<eb::ThreadPool> owned;
  if (threads > 1) {
    auto created = eb::ThreadPool::Create(threads);
    REQUIRE(created.ok());
    owned = std::move(created.value());
  }
  eb::ThreadPool* pool = owned.get();
  eb::TaggerOptions o;
  o.f32_gemm = backend;
  auto tagger = eb::Tagger::Create(*model, o, pool);
  REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
  std::ifstream f(kFixture + "/reference.json");
  const json ref = json::parse(f);
  const size_t L = ref["labels"].size();
  double worst = 0;
  size_t checked = 0;
  for (const json& seq : ref["sequences"]) {
    std::vector<int32_t> ids = seq["input_ids"].get<std::vector<int32_t>>();
    // The runtime tags single segments (token type 0 everywhere); reference
    // sequences that exercise segment B are for other consumers.
    const auto types = seq["token_type_ids"].get<std::vector<int>>();
    if (std::any_of(types.begin(), types.end(), [](int t) { return t != 0; })) {
      continue;
    }
    auto logits = tagger.value()->Logits(ids.data(), ids.size());
    REQUIRE(logits.ok());
    const json& want = seq["logits"];
    REQUIRE(want.size() == ids.size());
    for (size_t t = 0; t < ids.size(); ++t) {
      size_t best_ref = 0, best_got = 0;
      for (size_t j = 0; j < L; ++j) {
        const double r = want[t][j].get<double>();
        const double g = logits.value()[t * L + j];
        worst = std::max(worst, std::fabs(r - g));
        if (r > want[t][best_ref].get<double>()) best_ref = j;
        if (g > logits.value()[t * L + best_got]) best_got = j;
        ++checked;
      }
      CHECK(best_ref == best_got);
    }
  }
  MESSAGE("backend " << tagger.value()->BackendInfo() << " threads " << threads
                     << ": max |logit diff| = " << worst << " over " << checked
                     << " logits");
  CHECK(checked > 1000);
  CHECK(worst <= kLogitTolerance);
}

}  // namespace

TEST_CASE("f32 logits match the PyTorch float64 reference") {
  SUBCASE("auto backend, 1 thread") {
    CheckAgainstReference(eb::TaggerOptions::F32Gemm::kAuto, 1);
  }
  SUBCASE("auto backend, 2 threads") {
    CheckAgainstReference(eb::TaggerOptions::F32Gemm::kAuto, 2);
  }
  SUBCASE("Highway GEMM backend, 2 threads") {
    CheckAgainstReference(eb::TaggerOptions::F32Gemm::kHighway, 2);
  }
}

TEST_CASE("model info reflects the checkpoint") {
  std::unique_ptr<eb::Model> m = LoadTiny();
  CHECK(m->config().num_layers == 2);
  CHECK(m->config().hidden_size == 64);
  CHECK(m->config().labels.size() == 8);
  CHECK(m->config().labels[1] == "B-PER");
  CHECK(m->config().precision == "f32");
  auto plan = eb::Tagger::PlanMemory(*m, {});
  REQUIRE(plan.ok());
  CHECK(plan.value().arena_bytes > 64 * 64 * 4);
}

// The logits of every token of `text` (want_tokens), flattened.
std::vector<float> TokenLogits(eb::Tagger& t, const std::string& text) {
  eb::TagResult r;
  eb::Status s = t.Tag(text, &r, /*want_tokens=*/true);
  CHECK_MESSAGE(s.ok(), s.ToString());  // CHECK: also called off-thread.
  std::vector<float> out;
  for (const eb::TokenResult& tok : r.tokens) {
    out.insert(out.end(), tok.logits.begin(), tok.logits.end());
  }
  return out;
}

TEST_CASE("taggers of one model share its packed weights") {
  const std::string text = "Alice Smith met Bob Jones in Paris last week.";
  for (auto backend : {eb::TaggerOptions::F32Gemm::kHighway,
                       eb::TaggerOptions::F32Gemm::kAuto}) {
    CAPTURE(static_cast<int>(backend));
    std::unique_ptr<eb::Model> m = LoadTiny();
    CHECK(m->packed_weight_bytes() == 0);  // nothing packed before a tagger.
    eb::TaggerOptions o;
    o.f32_gemm = backend;
    auto t1 = eb::Tagger::Create(*m, o, nullptr);
    REQUIRE_MESSAGE(t1.ok(), t1.status().ToString());
    const size_t packed = m->packed_weight_bytes();
    // The converter stores the encoder GEMM weights pre-packed
    // (F32PackedN16): Highway uses them in place and owns only the padded
    // biases and the classifier; XNNPACK packs its own copy of every weight.
    const eb::ModelConfig& c = m->config();
    const size_t h = c.hidden_size, in = c.intermediate_size;
    const size_t gemm_bytes =
        c.num_layers * (4 * h * h + 2 * h * in) * sizeof(float);
    const std::string info = t1.value()->BackendInfo();
    CAPTURE(info);
    if (info.find("gemm=highway") != std::string::npos) {
      CHECK(packed > 0);
      CHECK(packed < gemm_bytes / 8);
    } else {
      CHECK(packed >= gemm_bytes);
    }
    CHECK(t1.value()->memory().shared_weight_bytes == packed);
    auto t2 = eb::Tagger::Create(*m, o, nullptr);
    REQUIRE_MESSAGE(t2.ok(), t2.status().ToString());
    CHECK(m->packed_weight_bytes() == packed);  // not packed a second time.
    CHECK(t2.value()->memory().shared_weight_bytes == packed);
    CHECK(t2.value()->memory().arena_bytes == t1.value()->memory().arena_bytes);
    const std::vector<float> want = TokenLogits(*t1.value(), text);
    REQUIRE(!want.empty());
    CHECK(TokenLogits(*t2.value(), text) == want);
    // Both taggers at once on the shared weights: same logits every time.
    std::vector<float> got1, got2;
    std::thread th([&] {
      for (int i = 0; i < 20; ++i) got1 = TokenLogits(*t1.value(), text);
    });
    for (int i = 0; i < 20; ++i) got2 = TokenLogits(*t2.value(), text);
    th.join();
    CHECK(got1 == want);
    CHECK(got2 == want);
  }
}

TEST_CASE("bad model files give clear errors, never a crash") {
  const std::vector<uint8_t> good = ReadAll(TinyModelPath());
  REQUIRE(good.size() > 1000);
  const std::string p = TempPath("bad.ebm");

  SUBCASE("missing file") {
    auto m = eb::Model::Load(TempPath("does_not_exist.ebm"));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == eb::StatusCode::kNotFound);
    CHECK(m.status().message().find("does_not_exist") != std::string::npos);
  }
  SUBCASE("truncated anywhere") {
    for (size_t cut : {size_t{0}, size_t{3}, size_t{7}, size_t{100},
                       good.size() / 2, good.size() - 1}) {
      WriteAll(p, std::vector<uint8_t>(good.begin(), good.begin() + cut));
      auto m = eb::Model::Load(p);
      CHECK_FALSE(m.ok());
      if (!m.ok()) CHECK(m.status().code() == eb::StatusCode::kDataLoss);
    }
    WriteAll(p, std::vector<uint8_t>(good.begin(), good.end() - 1));
    auto m = eb::Model::Load(p);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("truncated") != std::string::npos);
  }
  SUBCASE("wrong file identifier") {
    std::vector<uint8_t> b = good;
    b[8] = 'X';  // identifier follows the 4-byte size prefix + root offset.
    WriteAll(p, b);
    auto m = eb::Model::Load(p);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("identifier") != std::string::npos);
  }
  SUBCASE("checksum mismatch is caught by verify") {
    std::vector<uint8_t> b = good;
    b[b.size() - 7] ^= 0x5a;  // inside the last tensor's data.
    WriteAll(p, b);
    auto lazy = eb::Model::Load(p);
    REQUIRE(lazy.ok());  // structure intact: only the data changed.
    eb::Status s = lazy.value()->VerifyChecksum();
    CHECK(s.code() == eb::StatusCode::kDataLoss);
    CHECK(s.message().find("checksum") != std::string::npos);
    auto strict = eb::Model::Load(p, /*verify_checksum=*/true);
    CHECK_FALSE(strict.ok());
  }
  SUBCASE("structural corruption: every byte of the header flipped") {
    uint32_t fb_size;
    std::memcpy(&fb_size, good.data(), 4);
    size_t rejected = 0, loaded = 0;
    for (size_t i = 4; i < 4 + fb_size && i < good.size(); i += 7) {
      std::vector<uint8_t> b = good;
      b[i] ^= 0xff;
      WriteAll(p, b);
      auto m = eb::Model::Load(p);
      if (!m.ok()) {
        ++rejected;
        CHECK(!m.status().message().empty());
        continue;
      }
      ++loaded;  // e.g. a flipped float in a config field or a vocab char:
      // still a well-formed file; a tagger must build or fail cleanly.
      auto t = eb::Tagger::Create(*m.value(), {}, nullptr);
      if (t.ok()) {
        eb::TagResult r;
        (void)t.value()->Tag("hello world 中国", &r);
      }
    }
    MESSAGE("corrupted headers: " << rejected << " rejected, " << loaded
                                  << " still well-formed");
    CHECK(rejected > 0);
  }
  std::remove(p.c_str());
}

TEST_CASE("tagger text path") {
  std::unique_ptr<eb::Model> model = LoadTiny();
  eb::TagResult r;

  SUBCASE("invalid UTF-8 is an error naming the byte offset") {
    auto t = eb::Tagger::Create(*model, {}, nullptr);
    REQUIRE(t.ok());
    eb::Status s = t.value()->Tag(std::string("ab\xff", 3), &r);
    CHECK(s.code() == eb::StatusCode::kInvalidArgument);
    CHECK(s.message().find("2") != std::string::npos);
    CHECK(r.entities.empty());
  }
  SUBCASE("empty text has no entities") {
    auto t = eb::Tagger::Create(*model, {}, nullptr);
    REQUIRE(t.ok());
    CHECK(t.value()->Tag("", &r, true).ok());
    CHECK(r.entities.empty());
    CHECK(r.tokens.empty());
  }
  SUBCASE("too long text is rejected, not cut") {
    eb::TaggerOptions o;
    o.max_text_bytes = 10;
    auto t = eb::Tagger::Create(*model, o, nullptr);
    REQUIRE(t.ok());
    eb::Status s = t.value()->Tag("0123456789a", &r);
    CHECK(s.code() == eb::StatusCode::kInvalidArgument);
    CHECK(s.message().find("max_text_bytes") != std::string::npos);
  }
  SUBCASE("bad options are rejected") {
    eb::TaggerOptions o;
    o.max_seq_len = 2;
    CHECK_FALSE(eb::Tagger::Create(*model, o, nullptr).ok());
    o.max_seq_len = 65;  // > max_position_embeddings (64)
    CHECK_FALSE(eb::Tagger::Create(*model, o, nullptr).ok());
    o.max_seq_len = 10;
    o.stride = 9;  // > 10 - 2
    auto t = eb::Tagger::Create(*model, o, nullptr);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message().find("stride") != std::string::npos);
  }
  SUBCASE("long text: every token labelled from one window, offsets exact") {
    std::string text;
    for (int i = 0; i < 40; ++i) text += "中国人民 the new york world 他说，";
    eb::TaggerOptions small;
    small.max_seq_len = 16;  // many windows
    auto t = eb::Tagger::Create(*model, small, nullptr);
    REQUIRE(t.ok());
    REQUIRE(t.value()->Tag(text, &r, true).ok());
    CHECK(r.tokens.size() > 200);
    for (const eb::TokenResult& tk : r.tokens) {
      CHECK(tk.label >= 0);
      CHECK(tk.logits.size() == 8);
    }
    for (const eb::Entity& e : r.entities) {
      CHECK(text.substr(e.start_byte, e.end_byte - e.start_byte) == e.word);
      CHECK(e.end > e.start);
      CHECK(e.score > 0.f);
      CHECK(e.score <= 1.f);
    }
    // Windows that do not overlap see the same tokens as a direct run of
    // one window of ids: check the first window's logits.
    eb::TaggerOptions flat = small;
    flat.stride = 14;
    auto t2 = eb::Tagger::Create(*model, flat, nullptr);
    REQUIRE(t2.ok());
    eb::TagResult r2;
    REQUIRE(t2.value()->Tag(text, &r2, true).ok());
    REQUIRE(r2.tokens.size() == r.tokens.size());
    std::vector<int32_t> ids = {2};  // [CLS]
    for (int i = 0; i < 14; ++i) ids.push_back(r2.tokens[i].id);
    ids.push_back(3);  // [SEP]
    auto logits = t2.value()->Logits(ids.data(), ids.size());
    REQUIRE(logits.ok());
    for (int i = 0; i < 14; ++i) {
      for (int j = 0; j < 8; ++j) {
        CHECK(r2.tokens[i].logits[j] ==
              doctest::Approx(logits.value()[(i + 1) * 8 + j]).epsilon(1e-6));
      }
    }
  }
}
