// ALBERT taggers (issue 9): HF AlbertForTokenClassification fixtures
// converted and run against the torch float64 reference, shared weight sets
// (bound and packed once), the E -> H mapping, int8 across Highway targets,
// and the validator / converter errors for bad layer mappings.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "quantize/convert.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "runtime/model/model_file.h"
#include "runtime/quant/codec.h"
#include "tests/hwy_targets.h"
#include "tests/test_env.h"

namespace eb = edgebert;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kFixtures =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/albert_tiny_random";
const char* const kFolders[] = {"one_group", "two_groups", "inner_groups"};

// Largest |logit - reference| of the f32 path (reference: float64). As for
// BERT (model_test.cc): each f32 dot product of length K <= 64 has relative
// error <= K u (u = 2^-24: 3.8e-6), LayerNorm renormalises every sub-layer,
// and values after LayerNorm / GELU are <= ~10 in magnitude. The deepest
// fixture (inner_groups) runs 8 layers x 4 GEMMs + mapping + classifier =
// 34 stages: 34 * 3.8e-6 * 10 = 1.3e-3 before the tanh-GELU / exp
// approximations (<= 1e-6 relative each) and summation-order differences;
// 5e-3 keeps a factor ~4 on that worst case. Measured: printed by the test.
constexpr double kAlbertLogitTolerance = 5e-3;

std::string TempPath(const std::string& name) {
  return edgebert::testing::ScratchPath(name);
}

std::string Convert(const std::string& folder, eb::Precision precision,
                    const std::string& calibration = "",
                    const std::vector<std::string>& two_pass = {"auto"}) {
  std::string tag;
  if (two_pass != std::vector<std::string>{"auto"}) {
    for (const std::string& t : two_pass) tag += "." + t;
  }
  const std::string out =
      TempPath(folder + (precision == eb::Precision::kF32 ? ".f32" : ".i8") +
               (calibration.empty() ? "" : ".cal") + tag + ".ebm");
  eb::ConvertOptions o;
  o.input_dir = kFixtures + "/" + folder;
  o.output_path = out;
  o.precision = precision;
  o.int8.calibration_path = calibration;
  o.int8.two_pass = two_pass;
  o.int8.progress = false;
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return out;
}

std::unique_ptr<eb::Model> Load(const std::string& path) {
  auto m = eb::Model::Load(path, /*verify_checksum=*/true);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m.value());
}

json Reference(const std::string& folder) {
  std::ifstream f(kFixtures + "/" + folder + "/reference.json");
  REQUIRE_MESSAGE(f.good(), "missing reference.json of " << folder);
  return json::parse(f);
}

// The reference sequences the runtime can run: single segment (token type
// 0 everywhere; the one with segment B is for other consumers).
std::vector<const json*> SingleSegment(const json& ref) {
  std::vector<const json*> out;
  for (const json& seq : ref["sequences"]) {
    const auto types = seq["token_type_ids"].get<std::vector<int>>();
    if (std::all_of(types.begin(), types.end(), [](int t) { return t == 0; }))
      out.push_back(&seq);
  }
  return out;
}

// Logits of every single-segment reference sequence, concatenated.
std::vector<float> AllLogits(eb::Tagger& t, const json& ref) {
  std::vector<float> out;
  const size_t L = ref["labels"].size();
  for (const json* seq : SingleSegment(ref)) {
    const auto ids = (*seq)["input_ids"].get<std::vector<int32_t>>();
    auto logits = t.Logits(ids.data(), ids.size());
    REQUIRE_MESSAGE(logits.ok(), logits.status().ToString());
    out.insert(out.end(), logits.value(), logits.value() + ids.size() * L);
  }
  return out;
}

// max |got - reference| over the single-segment sequences; *argmax_equal
// is false if any token's best label differs.
double MaxDiff(const json& ref, const std::vector<float>& got,
               bool* argmax_equal) {
  const size_t L = ref["labels"].size();
  double worst = 0;
  size_t row = 0;
  *argmax_equal = true;
  for (const json* seq : SingleSegment(ref)) {
    for (const json& want : (*seq)["logits"]) {
      const float* g = got.data() + row++ * L;
      size_t best_ref = 0, best_got = 0;
      for (size_t j = 0; j < L; ++j) {
        worst = std::max(worst, std::fabs(want[j].get<double>() - g[j]));
        if (want[j].get<double>() > want[best_ref].get<double>()) best_ref = j;
        if (g[j] > g[best_got]) best_got = j;
      }
      *argmax_equal = *argmax_equal && best_ref == best_got;
    }
  }
  REQUIRE(row * L == got.size());
  return worst;
}

}  // namespace

TEST_CASE("ALBERT f32 logits match the torch float64 reference") {
  for (const std::string folder : kFolders) {
    CAPTURE(folder);
    const json ref = Reference(folder);
    std::unique_ptr<eb::Model> model =
        Load(Convert(folder, eb::Precision::kF32));
    for (auto backend : {eb::TaggerOptions::F32Gemm::kAuto,
                         eb::TaggerOptions::F32Gemm::kHighway}) {
      eb::TaggerOptions o;
      o.f32_gemm = backend;
      auto tagger = eb::Tagger::Create(*model, o, nullptr);
      REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
      const std::vector<float> got = AllLogits(*tagger.value(), ref);
      bool argmax_equal = false;
      const double worst = MaxDiff(ref, got, &argmax_equal);
      MESSAGE(folder << " " << tagger.value()->BackendInfo()
                     << ": max |logit diff| = " << worst << " over "
                     << got.size() << " logits");
      CHECK(got.size() > 1000);
      CHECK(worst <= kAlbertLogitTolerance);
      // Every token's label equals the reference's, so the decoded entities
      // are identical.
      CHECK(argmax_equal);
    }
  }
}

TEST_CASE("ALBERT weight sets are stored and packed once") {
  // Sets per fixture: layers 4, 4, 8 (inner_groups runs each group's 2
  // layers) over 1, 2, 4 stored weight sets.
  const int sets[] = {1, 2, 4};
  const int layers[] = {4, 4, 8};
  std::vector<size_t> packed;
  for (int f = 0; f < 3; ++f) {
    CAPTURE(kFolders[f]);
    std::unique_ptr<eb::Model> m =
        Load(Convert(kFolders[f], eb::Precision::kF32));
    CHECK(m->config().num_layers == layers[f]);
    CHECK(m->config().embedding_size == 16);
    CHECK(static_cast<int>(m->config().layer_weights.size()) == layers[f]);
    CHECK(*std::max_element(m->config().layer_weights.begin(),
                            m->config().layer_weights.end()) == sets[f] - 1);
    auto file =
        eb::ModelFile::Open(TempPath(std::string(kFolders[f]) + ".f32.ebm"));
    REQUIRE(file.ok());
    CHECK(file.value()->Find("layer." + std::to_string(sets[f] - 1) +
                             ".attention.qkv.weight") != nullptr);
    CHECK(file.value()->Find("layer." + std::to_string(sets[f]) +
                             ".attention.qkv.weight") == nullptr);
    // Stored: each set's 4 GEMM weights once (h 32, ffn 64: 8192 floats),
    // whatever the number of layers.
    size_t set_bytes = 0;
    for (const eb::fb::Tensor* t : *file.value()->model().tensors()) {
      const std::string name = t->name()->str();
      if (name.rfind("layer.", 0) == 0 &&
          name.find(".weight") != std::string::npos) {
        set_bytes += t->size();
      }
    }
    CHECK(set_bytes >= sets[f] * 8192 * sizeof(float));
    CHECK(set_bytes < sets[f] * 2 * 8192 * sizeof(float));
    eb::TaggerOptions o;
    o.f32_gemm = eb::TaggerOptions::F32Gemm::kHighway;
    auto t = eb::Tagger::Create(*m, o, nullptr);
    REQUIRE(t.ok());
    packed.push_back(m->packed_weight_bytes());
  }
  // What a tagger packs (backend copies, or padded biases when the Highway
  // GEMM uses the file's packed weights in place) grows with the stored
  // sets, not with the layers run: 1, 2, 4 sets for 4, 4, 8 layers. Packing
  // per layer would give two_groups the same bytes as one_group.
  CHECK(packed[1] > packed[0]);
  CHECK(packed[2] - packed[0] == 3 * (packed[1] - packed[0]));
}

namespace {

// The f32 image of `folder` with its checkpoint edited by `edit`.
template <class Edit>
std::vector<uint8_t> EditedImage(const std::string& folder, Edit edit) {
  auto ckpt = eb::LoadHfCheckpoint(kFixtures + "/" + folder);
  REQUIRE_MESSAGE(ckpt.ok(), ckpt.status().ToString());
  eb::Checkpoint c = std::move(ckpt.value());
  const std::vector<eb::OutputTensor> tensors = eb::F32Tensors(c);
  edit(&c);
  eb::WriteOptions w;
  w.max_seq_len = 64;
  return eb::SerializeEbm(c, tensors, w);
}

std::string OpenError(const std::vector<uint8_t>& image) {
  auto f = eb::ModelFile::FromBytes(image.data(), image.size(), "edited");
  return f.ok() ? "" : f.status().ToString();
}

// The error of creating a tagger on an image that opens.
std::string TaggerError(const std::vector<uint8_t>& image) {
  auto m =
      eb::internal::Access::LoadFromBytes(image.data(), image.size(), "edited");
  if (!m.ok()) return m.status().ToString();
  auto t = eb::Tagger::Create(*m.value(), {}, nullptr);
  return t.ok() ? "" : t.status().ToString();
}

}  // namespace

TEST_CASE("corrupt layer mappings are refused with the rule they break") {
  SUBCASE("index out of range") {
    const std::string e = OpenError(EditedImage(
        "two_groups", [](eb::Checkpoint* c) { c->layer_weights[3] = 4; }));
    CHECK(e.find("encoder.layer_weights[3] = 4 is outside [0, num_layers = "
                 "4)") != std::string::npos);
  }
  SUBCASE("the writer refuses what the runtime would") {
    auto ckpt = eb::LoadHfCheckpoint(kFixtures + "/two_groups");
    REQUIRE(ckpt.ok());
    eb::Checkpoint c = std::move(ckpt.value());
    const std::vector<eb::OutputTensor> tensors = eb::F32Tensors(c);
    c.layer_weights[1] = 7;
    eb::WriteOptions w;
    w.max_seq_len = 64;
    const std::string out = TempPath("refused.ebm");
    const eb::Status s = eb::WriteEbm(c, tensors, w, out);
    CHECK(s.ToString().find("layer_weights[1] = 7") != std::string::npos);
    CHECK(!fs::exists(out));
    CHECK(!fs::exists(out + ".tmp"));
  }
  SUBCASE("negative index") {
    const std::string e = OpenError(EditedImage(
        "two_groups", [](eb::Checkpoint* c) { c->layer_weights[0] = -1; }));
    CHECK(e.find("layer_weights[0] = -1") != std::string::npos);
  }
  SUBCASE("a weight set no layer uses") {
    const std::string e =
        OpenError(EditedImage("two_groups", [](eb::Checkpoint* c) {
          c->layer_weights = {0, 0, 2, 2};
        }));
    CHECK(e.find("weight set 1 is used by no layer") != std::string::npos);
  }
  SUBCASE("one entry per layer") {
    const std::string e =
        OpenError(EditedImage("two_groups", [](eb::Checkpoint* c) {
          c->layer_weights = {0, 1};
        }));
    CHECK(e.find("layer_weights has 2 entries but num_layers is 4") !=
          std::string::npos);
  }
  SUBCASE("num_layers beyond the stored tensors (fuzz_model finding)") {
    // Without layer_weights every layer has its own tensors; 1.6e9 layers
    // made Model::Load allocate a 6 GB layer table before any check.
    const std::string e =
        OpenError(EditedImage("one_group", [](eb::Checkpoint* c) {
          c->num_layers = 1600000000;
          c->layer_weights.clear();
        }));
    CHECK(e.find("encoder.num_layers = 1600000000 exceeds the file's") !=
          std::string::npos);
  }
  SUBCASE("negative embedding size") {
    const std::string e = OpenError(EditedImage(
        "one_group", [](eb::Checkpoint* c) { c->embedding_size = -3; }));
    CHECK(e.find("embedding_size = -3 must be >= 0") != std::string::npos);
  }
  SUBCASE("a weight set whose tensors are missing") {
    // Valid mapping, but set 2 was never stored.
    const std::string e =
        TaggerError(EditedImage("two_groups", [](eb::Checkpoint* c) {
          c->layer_weights = {0, 1, 2, 2};
        }));
    CHECK(e.find("tensor 'layer.2.attention.qkv.") != std::string::npos);
    CHECK(e.find("is missing") != std::string::npos);
  }
  SUBCASE("embedding width disagrees with the tables") {
    const std::string e = TaggerError(EditedImage(
        "one_group", [](eb::Checkpoint* c) { c->embedding_size = 8; }));
    CHECK(e.find("'embeddings.word' has shape [360, 16], expected [360, 8]") !=
          std::string::npos);
  }
  SUBCASE("no mapping declared for E-wide tables") {
    const std::string e = TaggerError(EditedImage(
        "one_group", [](eb::Checkpoint* c) { c->embedding_size = 0; }));
    CHECK(e.find("'embeddings.word' has shape [360, 16], expected [360, 32]") !=
          std::string::npos);
  }
}

namespace {

// A copy of fixture `folder` under a temp dir, its config edited by `edit`.
template <class Edit>
std::string EditedFixture(const std::string& folder, const std::string& name,
                          Edit edit) {
  const fs::path dir = TempPath(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(kFixtures + "/" + folder)) {
    fs::copy_file(e.path(), dir / e.path().filename());
  }
  std::ifstream in(dir / "config.json");
  json cfg = json::parse(in);
  in.close();
  edit(&cfg, dir);
  std::ofstream(dir / "config.json") << cfg.dump(2);
  return dir.string();
}

std::string ConvertError(const std::string& dir) {
  eb::ConvertOptions o;
  o.input_dir = dir;
  o.output_path = dir + "/out.ebm";
  o.precision = eb::Precision::kF32;
  const eb::Status s = eb::Convert(o);
  CHECK(!fs::exists(o.output_path));
  return s.ok() ? "" : s.ToString();
}

}  // namespace

TEST_CASE("the converter refuses ALBERT checkpoints it cannot run exactly") {
  SUBCASE("SentencePiece vocabulary") {
    const std::string dir =
        EditedFixture("one_group", "spiece", [](json*, const fs::path& d) {
          fs::remove(d / "vocab.txt");
          std::ofstream(d / "spiece.model") << "sentencepiece";
        });
    const std::string e = ConvertError(dir);
    CHECK(e.find("SentencePiece") != std::string::npos);
    CHECK(e.find("not supported") != std::string::npos);
  }
  SUBCASE("groups the config does not name") {
    const std::string dir = EditedFixture(
        "two_groups", "one_group_cfg",
        [](json* cfg, const fs::path&) { (*cfg)["num_hidden_groups"] = 1; });
    const std::string e = ConvertError(dir);
    CHECK(e.find("'albert.encoder.albert_layer_groups.1.albert_layers.0.") !=
          std::string::npos);
    CHECK(e.find("is not used") != std::string::npos);
  }
  SUBCASE("more groups than layers") {
    const std::string dir = EditedFixture(
        "two_groups", "many_groups",
        [](json* cfg, const fs::path&) { (*cfg)["num_hidden_groups"] = 5; });
    CHECK(ConvertError(dir).find("num_hidden_groups 5 > num_hidden_layers 4") !=
          std::string::npos);
  }
  SUBCASE("missing inner layer") {
    const std::string dir = EditedFixture(
        "two_groups", "inner2",
        [](json* cfg, const fs::path&) { (*cfg)["inner_group_num"] = 2; });
    CHECK(ConvertError(dir).find(
              "missing tensor "
              "'albert.encoder.albert_layer_groups.0.albert_layers.1.") !=
          std::string::npos);
  }
}

namespace {

const std::string kCalibration =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random/calib.txt";

// Largest |int8 logit - f32 reference| accepted on the random fixtures.
// Not a derived bound (int8 error depends on the weights' and activations'
// ranges): a sanity limit an order of magnitude below the logits' spread
// (~1-3), which a wrong weight set, a missing mapping or a mis-scaled GEMM
// exceeds. Measured 0.07-0.19 (uncalibrated inner_groups, 8 layers x 4
// GEMMs, is the largest); printed by the test.
constexpr double kInt8LogitBound = 0.3;

}  // namespace

TEST_CASE(
    "ALBERT int8 runs close to the reference, bit-identical on every "
    "FMA target") {
  for (const std::string folder : kFolders) {
    for (const std::string cal : {std::string(), kCalibration}) {
      CAPTURE(folder);
      CAPTURE(cal);
      const json ref = Reference(folder);
      const std::string path = Convert(folder, eb::Precision::kInt8, cal);
      CHECK(Load(path)->config().precision == "int8");
      // The mapping and the shared GEMMs are int8 (packed), stored once.
      auto file = eb::ModelFile::Open(path);
      REQUIRE(file.ok());
      const eb::TensorView* map =
          file.value()->Find("embeddings.mapping.weight");
      REQUIRE(map != nullptr);
      CHECK(map->meta->dtype() == eb::fb::DType::I8);
      CHECK(map->shape == std::vector<int64_t>{32, 16});
      // --two-pass auto (the default): the mapping quantizes its
      // activations in two passes, the shared GEMMs in one.
      CHECK(map->meta->quant()->activation_passes() == 2);
      CHECK(file.value()
                ->Find("layer.0.attention.qkv.weight")
                ->meta->quant()
                ->activation_passes() == 1);
      eb::testing::FmaTargetsAgree agree;
      const std::vector<std::string> targets = eb::testing::ForEachTarget([&] {
        // A model per target: its f32 classifier is packed for the target
        // active when the first tagger is created.
        std::unique_ptr<eb::Model> model = Load(path);
        auto tagger = eb::Tagger::Create(*model, {}, nullptr);
        REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
        const std::vector<float> got = AllLogits(*tagger.value(), ref);
        bool argmax_equal = false;
        const double worst = MaxDiff(ref, got, &argmax_equal);
        CHECK(worst <= kInt8LogitBound);
        MESSAGE(folder << (cal.empty() ? std::string() : " calibrated") << " "
                       << tagger.value()->BackendInfo()
                       << ": max |int8 - reference| = " << worst
                       << ", labels equal: " << argmax_equal);
        agree.Record(folder, tagger.value()->BackendInfo(), got);
      });
      CHECK(!targets.empty());
    }
  }
}

TEST_CASE(
    "the int8 report names each shared GEMM once with its error per "
    "use") {
  const std::string path =
      Convert("inner_groups", eb::Precision::kInt8, kCalibration);
  auto file = eb::ModelFile::Open(path);
  REQUIRE(file.ok());
  const json rep = json::parse(file.value()->model().quant_report()->str());
  const json& gemms = rep["gemms"];
  // 4 weight sets x 4 GEMMs + the E -> H mapping, each once.
  REQUIRE(gemms.size() == 17);
  std::vector<std::string> names;
  for (const json& g : gemms) names.push_back(g["name"]);
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  for (const json& g : gemms) {
    CAPTURE(g.dump());
    if (g["name"] == "embeddings.mapping.weight") {
      CHECK(g["layers"] == json::array({-1}));
      CHECK(g["k"] == 16);
      continue;
    }
    // inner_groups: layers 0-3 of 8 run sets 0, 1, 0, 1; 4-7 run 2, 3, 2, 3.
    const int set = g["layer"];
    const int first = set < 2 ? set : 4 + (set - 2);
    CHECK(g["layers"] == json::array({first, first + 2}));
    REQUIRE(g["rel_err_per_use"].size() == 2);
    for (const json& e : g["rel_err_per_use"]) {
      REQUIRE(e.is_number());
      CHECK(e.get<double>() > 0);
      CHECK(e.get<double>() < 0.1);
    }
    CHECK(g["sampled_rows"].get<int>() > 0);
  }
}

namespace {

// Converts the TF1 fixture `folder` (f32) and compares its logits with
// `ref` (HF labels; the TF softmax head has row 0 = padding label, rows
// 1..8 = the HF classifier). Returns the model for further checks.
std::unique_ptr<eb::Model> CheckTfFixture(
    const std::string& folder, const json& ref,
    eb::Precision precision = eb::Precision::kF32) {
  const bool f32 = precision == eb::Precision::kF32;
  eb::ConvertOptions o;
  o.input_dir = kFixtures + "/" + folder;
  o.output_path = TempPath(folder + (f32 ? ".ebm" : ".i8.ebm"));
  o.precision = precision;
  o.int8.progress = false;
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::unique_ptr<eb::Model> model = Load(o.output_path);
  CHECK(model->config().activation == "gelu_tanh");
  const size_t L = ref["labels"].size();
  REQUIRE(model->config().labels.size() == L + 1);
  for (size_t j = 0; j < L; ++j) {
    CHECK(model->config().labels[j + 1] == ref["labels"][j]);
  }
  auto tagger = eb::Tagger::Create(*model, {}, nullptr);
  REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
  std::vector<float> got;  // columns 1..L of each row
  for (const json* seq : SingleSegment(ref)) {
    const auto ids = (*seq)["input_ids"].get<std::vector<int32_t>>();
    auto logits = tagger.value()->Logits(ids.data(), ids.size());
    REQUIRE(logits.ok());
    for (size_t t = 0; t < ids.size(); ++t) {
      const float* row = logits.value() + t * (L + 1);
      got.insert(got.end(), row + 1, row + 1 + L);
    }
  }
  bool argmax_equal = false;
  const double worst = MaxDiff(ref, got, &argmax_equal);
  MESSAGE(folder << ": max |logit diff| = " << worst << " over " << got.size()
                 << " logits");
  CHECK(got.size() > 1000);
  CHECK(worst <= (f32 ? kAlbertLogitTolerance : kInt8LogitBound));
  if (f32) CHECK(argmax_equal);
  return model;
}

}  // namespace

TEST_CASE("google-research/albert TF1 checkpoints give the HF logits") {
  // tf_google_inner_groups is inner_groups under Google's names.
  std::unique_ptr<eb::Model> model =
      CheckTfFixture("tf_google_inner_groups", Reference("inner_groups"));
  CHECK(model->config().layer_weights ==
        std::vector<int>{0, 1, 0, 1, 2, 3, 2, 3});
  CHECK(model->config().embedding_size == 16);
}

TEST_CASE("brightmart/albert_zh TF1 checkpoints match their reference") {
  // Word rows [V, 16] x word_embeddings_2 [16, 32] first, then the 32-wide
  // position / type tables and LayerNorm; one shared layer.
  std::unique_ptr<eb::Model> model =
      CheckTfFixture("tf_albert_zh", Reference("tf_albert_zh"));
  CHECK(model->config().layer_weights == std::vector<int>{0, 0, 0, 0});
  CHECK(model->config().embedding_size == 16);
  auto file = eb::ModelFile::Open(TempPath("tf_albert_zh.ebm"));
  REQUIRE(file.ok());
  CHECK(file.value()->model().encoder()->embedding_mapping() ==
        eb::fb::EmbeddingMapping::WordOnly);
  CHECK(file.value()->Find("embeddings.position")->shape ==
        std::vector<int64_t>{64, 32});
  // int8: the word-only mapping GEMM is int8 too.
  CheckTfFixture("tf_albert_zh", Reference("tf_albert_zh"),
                 eb::Precision::kInt8);
  auto i8 = eb::ModelFile::Open(TempPath("tf_albert_zh.i8.ebm"));
  REQUIRE(i8.ok());
  CHECK(i8.value()->Find("embeddings.mapping.weight")->meta->dtype() ==
        eb::fb::DType::I8);
}

namespace {

// Sum of squared |logit - reference| of the int8 conversion of one_group
// with `two_pass`, and that its GEMMs have the expected activation_passes.
double TwoPassSquaredError(const std::vector<std::string>& two_pass,
                           int want_passes) {
  const std::string path =
      Convert("one_group", eb::Precision::kInt8, kCalibration, two_pass);
  auto file = eb::ModelFile::Open(path);
  REQUIRE(file.ok());
  for (const char* w :
       {"embeddings.mapping.weight", "layer.0.attention.qkv.weight",
        "layer.0.attention.output.weight", "layer.0.ffn.in.weight",
        "layer.0.ffn.out.weight"}) {
    CAPTURE(w);
    CHECK(file.value()->Find(w)->meta->quant()->activation_passes() ==
          want_passes);
  }
  const json rep = json::parse(file.value()->model().quant_report()->str());
  REQUIRE(rep["gemms"].size() == 5);
  for (const json& g : rep["gemms"])
    CHECK(g["activation_passes"] == want_passes);
  const json ref = Reference("one_group");
  std::unique_ptr<eb::Model> model = Load(path);
  auto tagger = eb::Tagger::Create(*model, {}, nullptr);
  REQUIRE_MESSAGE(tagger.ok(), tagger.status().ToString());
  const std::vector<float> got = AllLogits(*tagger.value(), ref);
  double sq = 0;
  size_t i = 0;
  for (const json* seq : SingleSegment(ref)) {
    for (const json& row : (*seq)["logits"]) {
      for (const json& v : row) {
        const double d = v.get<double>() - got[i++];
        sq += d * d;
      }
    }
  }
  REQUIRE(i == got.size());
  return sq;
}

}  // namespace

TEST_CASE("--two-pass: ~15-bit activations on the same int8 weights") {
  const double one = TwoPassSquaredError({"none"}, 1);
  const double two =
      TwoPassSquaredError({"auto", "layer.0.attention.qkv.weight",
                           "layer.0.attention.output.weight",
                           "layer.0.ffn.in.weight", "layer.0.ffn.out.weight"},
                          2);
  MESSAGE("sum of squared logit errors: one pass " << one << ", two passes "
                                                   << two);
  // Only the activation rounding changes; the weights' remains.
  CHECK(two < 0.8 * one);

  eb::ConvertOptions o;
  o.input_dir = kFixtures + "/one_group";
  o.output_path = TempPath("bad_two_pass.ebm");
  o.precision = eb::Precision::kInt8;
  o.int8.two_pass = {"layer.0.attention.qkvv.weight"};
  o.int8.progress = false;
  const eb::Status s = eb::Convert(o);
  CHECK(s.code() == eb::StatusCode::kInvalidArgument);
  CHECK(s.message().find("--two-pass 'layer.0.attention.qkvv.weight'") !=
        std::string::npos);
  CHECK(s.message().find("layer.0.attention.qkv.weight") != std::string::npos);
  CHECK_FALSE(fs::exists(o.output_path));
}

TEST_CASE("quant.activation_passes: 1 or 2, on int8 GEMM weights only") {
  const std::string w = "embeddings.mapping.weight";
  auto image = [&](bool int8, uint8_t passes) {
    auto ckpt = eb::LoadHfCheckpoint(kFixtures + "/one_group");
    REQUIRE_MESSAGE(ckpt.ok(), ckpt.status().ToString());
    std::vector<eb::OutputTensor> tensors = eb::F32Tensors(ckpt.value());
    for (eb::OutputTensor& t : tensors) {
      if (t.name != w) continue;
      const eb::F32Tensor& f = ckpt.value().weights.at(w);
      const size_t n = f.shape[0], k = f.shape[1];
      t.scales.assign(n, 1.0f);
      t.activation_passes = passes;
      if (!int8) continue;
      t.dtype = eb::fb::DType::I8;
      t.layout = eb::fb::Layout::I8PackedK4;
      t.bytes.assign(eb::quant::PackedI8Size(n, k), 0);
      t.weight_sums.resize(n);
      eb::quant::PackWeightsI8(f.data.data(), nullptr, n, k,
                               reinterpret_cast<int8_t*>(t.bytes.data()),
                               t.scales.data(), t.weight_sums.data());
    }
    eb::WriteOptions wo;
    wo.max_seq_len = 64;
    return eb::SerializeEbm(ckpt.value(), tensors, wo);
  };
  CHECK(OpenError(image(true, 1)).empty());
  CHECK(OpenError(image(true, 2)).empty());
  const std::string three = OpenError(image(true, 3));
  CHECK(three.find(w) != std::string::npos);
  CHECK(three.find("quant.activation_passes is 3, must be 1 or 2") !=
        std::string::npos);
  const std::string f32 = OpenError(image(false, 2));
  CHECK(f32.find("quant.activation_passes is 2; only an I8PackedK4 GEMM "
                 "weight may have other than 1") != std::string::npos);
}
