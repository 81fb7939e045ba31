// End-to-end runs of the heads of the TensorFlow NER pipelines (softmax,
// CRF in TF and pytorch-crf layouts, BiLSTM-CRF padded and unpadded) on
// tests/fixtures/tiny_random with a tanh-GELU encoder, against the float64
// torch reference of the TF graph in tests/fixtures/tf_heads/reference.json
// (tests/tools/make_tf_heads_reference.py): emissions within a tolerance,
// identical label paths. Also the head's load-time errors.
#include <doctest/doctest.h>


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "quantize/int8/quantize_int8.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "runtime/head/crf.h"
#include "runtime/head/tag_scheme.h"
#include "runtime/model/tensor_names.h"
#include "tests/hwy_targets.h"
#include "tests/test_env.h"

namespace eb = edgebert;
namespace fb = edgebert::fb;
using nlohmann::json;

namespace {

const std::string kDir = std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures";

// Largest |emission - reference| (reference in float64). The encoder part
// has the error budget of model_test.cc's kLogitTolerance (same tiny model,
// 9 GEMM stages, <= 1e-3 as a hard ceiling, measured ~1e-5); the heads add
// a few short GEMMs (K <= 80: gamma_K < 5e-6 relative) and tanh / sigmoid
// (<= 6u absolute, kernel_tolerances.h), and the LSTM recurrence is
// contractive on these weights (|z| bounded, forget gate < 1), so the same
// ceiling holds; the test prints the measured maximum.
constexpr double kEmissionTolerance = 1e-3;

const json& Reference() {
  static const json ref = [] {
    std::ifstream f(kDir + "/tf_heads/reference.json");
    REQUIRE_MESSAGE(f.good(), "missing tests/fixtures/tf_heads/reference.json");
    return json::parse(f);
  }();
  return ref;
}

std::vector<float> Floats(const json& t) {
  return t["data"].get<std::vector<float>>();
}

// w [rows, cols] (TF [in, out] layout) -> w^T rows [r0, r1) as [cols, r1-r0].
std::vector<float> TransposeRows(const json& t, size_t r0, size_t r1) {
  const size_t cols = t["shape"][1].get<size_t>();
  const std::vector<float> w = Floats(t);
  std::vector<float> out(cols * (r1 - r0));
  for (size_t r = r0; r < r1; ++r) {
    for (size_t c = 0; c < cols; ++c)
      out[c * (r1 - r0) + (r - r0)] = w[r * cols + c];
  }
  return out;
}

void Put(std::vector<eb::OutputTensor>* ts, const std::string& name,
         std::vector<int64_t> shape, const std::vector<float>& data) {
  eb::OutputTensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.bytes.resize(data.size() * sizeof(float));
  std::memcpy(t.bytes.data(), data.data(), t.bytes.size());
  auto it =
      std::find_if(ts->begin(), ts->end(),
                   [&](const eb::OutputTensor& o) { return o.name == name; });
  if (it != ts->end()) {
    *it = std::move(t);
  } else {
    ts->push_back(std::move(t));
  }
}

struct Built {
  std::vector<eb::OutputTensor> tensors;
  eb::WriteOptions opt;
  eb::HeadOptions head;  // replaces the checkpoint's (Linear) head
};

// The checkpoint's tensors (f32, or int8 as the converter stores them
// without calibration) with the head `name` of the reference (f32).
Built BuildHead(const eb::Checkpoint& ckpt, const std::string& name,
                const std::string& precision = "f32") {
  const json& ref = Reference();
  const int64_t L = static_cast<int64_t>(ref["labels"].size());
  const int64_t H = ckpt.hidden_size;
  Built b;
  if (precision == "f32") {
    b.tensors = eb::F32Tensors(ckpt);
  } else {
    std::string report;
    eb::Int8Options q;  // no calibration
    auto t = eb::QuantizeInt8(ckpt, q, ref["padded"].get<int>(), &report);
    REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    b.tensors = std::move(t.value());
  }
  b.opt.precision =
      precision == "f32" ? eb::Precision::kF32 : eb::Precision::kInt8;
  b.opt.max_seq_len = ref["padded"].get<int>();
  eb::HeadOptions& h = b.head;
  if (name == "softmax") return b;
  const json& hw = ref["heads"][name];
  h.kind = fb::HeadKind::Crf;
  h.crf_transitions = Floats(hw["transitions"]);
  if (name == "pytorch_crf") {
    h.crf_start = Floats(hw["start"]);
    h.crf_end = Floats(hw["end"]);
    return b;
  }
  h.crf_span = fb::CrfSpan::Window;
  const json& lw = hw["logits/W"];
  const int64_t width = lw["shape"][0].get<int64_t>();
  Put(&b.tensors, eb::names::kClassifierWeight, {L, width},
      TransposeRows(lw, 0, static_cast<size_t>(width)));
  Put(&b.tensors, eb::names::kClassifierBias, {L}, Floats(hw["logits/b"]));
  if (name == "crf_only") {
    h.logits_tanh = true;
    return b;
  }
  h.kind = fb::HeadKind::BiLstmCrf;
  const int64_t U = hw["units"].get<int64_t>();
  h.lstm_units = static_cast<int>(U);
  h.lstm_layers = hw["cells"].get<int>();
  h.padded_window = ref["padded"].get<int>();
  for (int bw = 0; bw < 2; ++bw) {
    for (int c = 0; c < h.lstm_layers; ++c) {
      const std::string p =
          std::string(bw ? "bw/" : "fw/") + std::to_string(c) + "/";
      const json& k = hw[p + "kernel"];
      const int64_t in = c == 0 ? H : U;
      Put(&b.tensors, eb::names::Lstm(bw, c, eb::names::kLstmInputWeight),
          {4 * U, in}, TransposeRows(k, 0, static_cast<size_t>(in)));
      Put(&b.tensors, eb::names::Lstm(bw, c, eb::names::kLstmInputBias),
          {4 * U}, Floats(hw[p + "bias"]));
      const std::vector<float> all = Floats(k);
      Put(&b.tensors, eb::names::Lstm(bw, c, eb::names::kLstmRecurrent),
          {U, 4 * U}, std::vector<float>(all.begin() + in * 4 * U, all.end()));
    }
  }
  if (hw.contains("hidden/W")) {
    const int64_t P = hw["hidden/W"]["shape"][1].get<int64_t>();
    h.project_hidden = static_cast<int>(P);
    Put(&b.tensors, eb::names::kProjectHiddenWeight, {P, 2 * U},
        TransposeRows(hw["hidden/W"], 0, static_cast<size_t>(2 * U)));
    Put(&b.tensors, eb::names::kProjectHiddenBias, {P}, Floats(hw["hidden/b"]));
  }
  return b;
}

const eb::Checkpoint& Checkpoint() {
  static const eb::Checkpoint ckpt = [] {
    auto c = eb::LoadHfCheckpoint(kDir + "/tiny_random");
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    eb::Checkpoint k = std::move(c.value());
    k.activation = fb::Activation::GeluTanh;  // google-research/bert "gelu"
    return k;
  }();
  return ckpt;
}

std::string TempPath(const std::string& name) {
  return eb::testing::ScratchPath(name);
}

// The file image loaded by the runtime (WriteEbm itself refuses files the
// runtime refuses; this tests the runtime's checks).
eb::StatusOr<std::unique_ptr<eb::Model>> Write(const Built& b,
                                               const std::string& name) {
  eb::Checkpoint ckpt = Checkpoint();
  ckpt.head = b.head;
  const std::vector<uint8_t> image = eb::SerializeEbm(ckpt, b.tensors, b.opt);
  return eb::internal::Access::LoadFromBytes(image.data(), image.size(),
                                             name + ".ebm");
}

// Runs head `name` (reference case `ref_case`) over every sentence.
void CheckCase(const std::string& name, const std::string& ref_case,
               bool unpadded) {
  auto model = Write(BuildHead(Checkpoint(), name), name);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  eb::TaggerOptions o;
  o.lstm_unpadded = unpadded;
  auto tagger = eb::Tagger::Create(*model.value(), o, nullptr);
  REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
  const size_t L = Reference()["labels"].size();
  double worst = 0;
  size_t rows = 0;
  for (const json& s : Reference()["sentences"]) {
    const auto ids = s["ids"].get<std::vector<int32_t>>();
    const json& want = s["cases"][ref_case];
    auto em = tagger.value()->Logits(ids.data(), ids.size());
    REQUIRE(em.ok());
    for (size_t t = 0; t < ids.size(); ++t, ++rows) {
      for (size_t j = 0; j < L; ++j) {
        worst =
            std::max(worst, std::fabs(em.value()[t * L + j] -
                                      want["emissions"][t][j].get<double>()));
      }
    }
    // Labels of the text's tokens from Tag(): the path without [CLS] /
    // [SEP] (softmax: the argmax; pytorch_crf decodes the tokens only).
    eb::TagResult r;
    REQUIRE(tagger.value()->Tag(s["text"].get<std::string>(), &r, true).ok());
    REQUIRE(r.tokens.size() + 2 == ids.size());
    const auto path = want["path"].get<std::vector<int32_t>>();
    const size_t off = ref_case == "pytorch_crf" ? 0 : 1;
    for (size_t i = 0; i < r.tokens.size(); ++i) {
      INFO(name, " sentence of ", ids.size(), " ids, token ", i);
      CHECK(r.tokens[i].id == ids[i + 1]);
      CHECK(r.tokens[i].label == path[i + off]);
    }
  }
  MESSAGE(name << std::string(unpadded ? " (unpadded)" : "")
               << ": max |emission diff| " << worst << " over " << rows
               << " positions");
  CHECK(rows > 90);
  CHECK(worst <= kEmissionTolerance);
}

}  // namespace

TEST_CASE("TF heads: softmax head of a tanh-GELU encoder") {
  CheckCase("softmax", "softmax", false);
}
TEST_CASE("TF heads: CRF (TF layout, tanh emissions, crf_decode per window)") {
  CheckCase("crf_only", "crf_only", false);
}
TEST_CASE("TF heads: CRF (pytorch-crf layout, start / end scores)") {
  CheckCase("pytorch_crf", "pytorch_crf", false);
}
TEST_CASE("TF heads: BiLSTM-CRF, 2 stacked cells, padded training window") {
  CheckCase("bilstm_crf", "bilstm_crf", false);
}
TEST_CASE("TF heads: BiLSTM-CRF unpadded option") {
  CheckCase("bilstm_crf", "bilstm_crf_unpadded", true);
}
TEST_CASE("TF heads: BiLSTM-CRF, 1 cell of 5 units, no project/hidden") {
  CheckCase("bilstm_1cell", "bilstm_1cell", false);
}

TEST_CASE("TF heads: bad head configurations give clear errors") {
  const eb::Checkpoint& ckpt = Checkpoint();
  auto expect_error = [&](Built b, const std::string& what,
                          bool at_tagger = false) {
    auto m = Write(b, "bad");
    if (!at_tagger) {
      REQUIRE_FALSE(m.ok());
      INFO(m.status().ToString());
      CHECK(m.status().message().find(what) != std::string::npos);
      return;
    }
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    auto t = eb::Tagger::Create(*m.value(), {}, nullptr);
    REQUIRE_FALSE(t.ok());
    INFO(t.status().ToString());
    CHECK(t.status().message().find(what) != std::string::npos);
  };
  {
    Built b = BuildHead(ckpt, "pytorch_crf");
    b.head.crf_end.clear();
    expect_error(b, "start/end");
  }
  {
    Built b = BuildHead(ckpt, "crf_only");
    b.head.crf_transitions.pop_back();
    expect_error(b, "transitions");
  }
  {
    Built b = BuildHead(ckpt, "bilstm_crf");
    b.head.lstm_units = 0;
    expect_error(b, "lstm_units = 0");
  }
  {
    Built b = BuildHead(ckpt, "bilstm_crf");
    b.head.padded_window = 65;  // > max_position_embeddings 64
    expect_error(b, "padded_window = 65");
  }
  {
    Built b = BuildHead(ckpt, "bilstm_crf");
    b.tensors.erase(std::find_if(
        b.tensors.begin(), b.tensors.end(), [](const eb::OutputTensor& t) {
          return t.name == eb::names::Lstm(true, 1, eb::names::kLstmRecurrent);
        }));
    expect_error(b, "lstm.bw.1.recurrent", /*at_tagger=*/true);
  }
  {
    Built b = BuildHead(ckpt, "bilstm_crf");
    b.head.lstm_units = 9;  // tensors hold 8 units
    expect_error(b, "lstm.fw.0.", /*at_tagger=*/true);
  }
  {
    // A window longer than the padded training window.
    auto m = Write(BuildHead(ckpt, "bilstm_crf"), "window");
    REQUIRE(m.ok());
    eb::TaggerOptions o;
    o.max_seq_len = 60;
    auto t = eb::Tagger::Create(*m.value(), o, nullptr);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message().find("padded_window = 48") != std::string::npos);
    o.lstm_unpadded = true;
    CHECK(eb::Tagger::Create(*m.value(), o, nullptr).ok());
  }
}

TEST_CASE("TF heads: WriteEbm refuses what the runtime refuses, no file") {
  const std::string path = TempPath("refused.ebm");
  auto expect_refused = [&](const Built& b, const std::string& what) {
    eb::Checkpoint ckpt = Checkpoint();
    ckpt.head = b.head;
    const eb::Status s = eb::WriteEbm(ckpt, b.tensors, b.opt, path);
    REQUIRE_FALSE(s.ok());
    INFO(s.ToString());
    CHECK(s.message().find("runtime refuses") != std::string::npos);
    CHECK(s.message().find(what) != std::string::npos);
    CHECK(::access(path.c_str(), F_OK) != 0);
    CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
  };
  {
    Built b = BuildHead(Checkpoint(), "bilstm_crf");
    b.head.lstm_units = 0;  // refused by ModelFile validation
    expect_refused(b, "lstm_units = 0");
  }
  {
    Built b = BuildHead(Checkpoint(), "bilstm_crf");
    b.tensors.erase(std::find_if(
        b.tensors.begin(), b.tensors.end(), [](const eb::OutputTensor& t) {
          return t.name == eb::names::Lstm(true, 1, eb::names::kLstmRecurrent);
        }));
    expect_refused(b, "lstm.bw.1.recurrent");  // refused by Tagger::Create
  }
  // The valid file is written.
  eb::Checkpoint ckpt = Checkpoint();
  const Built ok = BuildHead(ckpt, "bilstm_crf");
  ckpt.head = ok.head;
  REQUIRE(eb::WriteEbm(ckpt, ok.tensors, ok.opt, path).ok());
  CHECK(::access(path.c_str(), F_OK) == 0);
  std::remove(path.c_str());
}

TEST_CASE("TF heads: head TagScheme values equal the schema's") {
  CHECK(static_cast<int>(eb::TagScheme::kBio) ==
        static_cast<int>(fb::TagScheme::BIO));
  CHECK(static_cast<int>(eb::TagScheme::kBioes) ==
        static_cast<int>(fb::TagScheme::BIOES));
  CHECK(static_cast<int>(eb::TagScheme::kBmes) ==
        static_cast<int>(fb::TagScheme::BMES));
  CHECK(std::string(fb::EnumNameTagScheme(fb::TagScheme::BMES)) ==
        eb::TagSchemeName(eb::TagScheme::kBmes));
}

// Long text in several windows: a window-span CRF decodes each window
// ([CLS] .. [SEP]) on its own and every token takes the label of the path
// of the window that owns it (AssignTokensToWindows).
TEST_CASE("TF heads: CRF over several windows decodes each window") {
  const json& longest = Reference()["sentences"].back();
  const auto all_ids = longest["ids"].get<std::vector<int32_t>>();
  const std::string text = longest["text"].get<std::string>();
  for (const std::string name : {"crf_only", "bilstm_crf"}) {
    auto model = Write(BuildHead(Checkpoint(), name), name);
    REQUIRE(model.ok());
    eb::TaggerOptions o;
    o.max_seq_len = 12;
    auto tagger = eb::Tagger::Create(*model.value(), o, nullptr);
    REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
    eb::TagResult r;
    REQUIRE(tagger.value()->Tag(text, &r, true).ok());
    const uint32_t n = static_cast<uint32_t>(all_ids.size() - 2);
    REQUIRE(r.tokens.size() == n);
    const auto windows =
        eb::PlanWindows(n, 10, tagger.value()->options().stride);
    REQUIRE(windows.size() > 3);
    const auto owner = eb::AssignTokensToWindows(n, windows);
    const json& hw = Reference()["heads"][name];
    const std::vector<float> trans = Floats(hw["transitions"]);
    const uint32_t L = static_cast<uint32_t>(Reference()["labels"].size());
    size_t checked = 0;
    for (uint32_t w = 0; w < windows.size(); ++w) {
      std::vector<int32_t> ids = {all_ids.front()};
      for (uint32_t i = windows[w].begin; i < windows[w].end; ++i) {
        ids.push_back(all_ids[i + 1]);
      }
      ids.push_back(all_ids.back());
      auto em = tagger.value()->Logits(ids.data(), ids.size());
      REQUIRE(em.ok());
      std::vector<float> scratch(eb::crf::ScratchFloats(ids.size(), L));
      std::vector<int32_t> path(ids.size());
      eb::crf::Viterbi(em.value(), ids.size(), L, trans.data(), nullptr,
                       nullptr, scratch.data(), path.data());
      for (uint32_t i = windows[w].begin; i < windows[w].end; ++i) {
        if (owner[i] != w) continue;
        INFO(name, " window ", w, " token ", i);
        CHECK(r.tokens[i].label == path[1 + i - windows[w].begin]);
        ++checked;
      }
    }
    CHECK(checked == n);
  }
}

// The determinism contract (runtime/kernels/det_math-inl.h) end to end: an
// int8 tanh-GELU encoder with a BiLSTM-CRF head (f32 head GEMMs on the
// Highway GEMM, LSTM kernel, tanh) gives bit-identical emissions on every
// FMA target, padded and unpadded.
TEST_CASE(
    "TF heads: int8 BiLSTM-CRF emissions are bit-identical on FMA targets") {
  auto model = Write(BuildHead(Checkpoint(), "bilstm_crf", "int8"), "int8");
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  CHECK(model.value()->config().precision == "int8");
  eb::testing::FmaTargetsAgree agree;
  size_t targets = 0;
  eb::testing::ForEachTarget([&] {
    std::vector<float> all;
    for (bool unpadded : {false, true}) {
      eb::TaggerOptions o;
      o.lstm_unpadded = unpadded;
      auto tagger = eb::Tagger::Create(*model.value(), o, nullptr);
      REQUIRE(tagger.ok());
      for (const json& s : Reference()["sentences"]) {
        const auto ids = s["ids"].get<std::vector<int32_t>>();
        auto em = tagger.value()->Logits(ids.data(), ids.size());
        REQUIRE(em.ok());
        all.insert(all.end(), em.value(),
                   em.value() + ids.size() * Reference()["labels"].size());
      }
    }
    for (float v : all) REQUIRE(std::isfinite(v));
    agree.Record("int8 bilstm emissions", eb::kernels::ActiveTargetName(), all);
    ++targets;
  });
  MESSAGE("targets run: " << targets
                          << ", FMA targets compared: " << agree.compared());
  CHECK(targets >= 1);
}
