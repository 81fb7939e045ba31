// Tests of Checksum64, the safetensors reader and edgebert-convert, on the
// committed tiny_random fixture (tests/tools/make_random_model.py) and, when
// present, ../shared/models/pd-tiny.
#include <doctest/doctest.h>

#include "tests/test_env.h"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quantize/checkpoint.h"
#include "quantize/convert.h"
#include "quantize/options.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"
#include "runtime/model/checksum.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/model_file.h"
#include "runtime/model/safetensors.h"
#include "runtime/model/tensor_names.h"
#include "schema/edgebert_generated.h"

namespace fs = std::filesystem;
using edgebert::StatusCode;
using nlohmann::json;

namespace {

const std::string kFixture =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

using edgebert::testing::TempDir;

// Independent IEEE half decoder: value = (-1)^s * 2^(e-15) * (1 + m/1024),
// subnormal 2^-14 * m/1024.
float RefHalf(uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v;
  if (e == 31) {
    v = m ? NAN : INFINITY;
  } else if (e == 0) {
    v = std::ldexp(m / 1024.0, -14);
  } else {
    v = std::ldexp(1.0 + m / 1024.0, e - 15);
  }
  return static_cast<float>(s ? -v : v);
}

// Minimal safetensors model: name -> entry; written in name order.
struct StEntry {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};
using StMap = std::map<std::string, StEntry>;

StMap LoadSt(const std::string& path) {
  auto f = edgebert::SafetensorsFile::Open(path);
  REQUIRE(f.ok());
  StMap m;
  for (const auto& kv : f->tensors()) {
    const edgebert::StTensor& t = kv.second;
    m[kv.first] = {edgebert::StDTypeName(t.dtype), t.shape,
                   std::string(reinterpret_cast<const char*>(t.data), t.size)};
  }
  return m;
}

void WriteSt(const std::string& path, const StMap& m) {
  json header = json::object();
  std::string data;
  for (const auto& kv : m) {
    header[kv.first] = {
        {"dtype", kv.second.dtype},
        {"shape", kv.second.shape},
        {"data_offsets", {data.size(), data.size() + kv.second.bytes.size()}}};
    data += kv.second.bytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 255);
  WriteFile(path, out + h + data);
}

std::vector<float> Floats(const std::string& bytes) {
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

// Copies the fixture's config.json, vocab.txt and the given safetensors
// file (as model.safetensors) into dir.
void CopyFixture(const TempDir& dir,
                 const std::string& st = "model.safetensors") {
  fs::copy_file(kFixture + "/config.json", dir / "config.json");
  fs::copy_file(kFixture + "/vocab.txt", dir / "vocab.txt");
  fs::copy_file(kFixture + "/" + st, dir / "model.safetensors");
}

json ReadJson(const std::string& path) { return json::parse(ReadFile(path)); }
void WriteJson(const std::string& path, const json& j) {
  WriteFile(path, j.dump(2));
}

// A converted and verified .ebm held in memory.
struct Ebm {
  std::string bytes;
  const edgebert::fb::Model* model = nullptr;

  const edgebert::fb::Tensor* Find(const std::string& name) const {
    for (const auto* t : *model->tensors()) {
      if (t->name()->str() == name) return t;
    }
    return nullptr;
  }
  // An f32 tensor's values in row-major order (F32PackedN16 unpacked).
  std::vector<float> Data(const std::string& name) const {
    const auto* t = Find(name);
    REQUIRE(t != nullptr);
    REQUIRE(t->dtype() == edgebert::fb::DType::F32);
    std::vector<float> v = Floats(bytes.substr(t->offset(), t->size()));
    if (t->layout() != edgebert::fb::Layout::F32PackedN16) return v;
    const size_t n = static_cast<size_t>(t->shape()->Get(0));
    const size_t k = static_cast<size_t>(t->shape()->Get(1));
    REQUIRE(v.size() == edgebert::kernels::F32PackedFloats(n, k));
    std::vector<float> row_major(n * k);
    edgebert::kernels::UnpackF32Weights(v.data(), n, k, row_major.data());
    return row_major;
  }
  // Data(name) as little-endian bytes.
  std::string RowMajorBytes(const std::string& name) const {
    const std::vector<float> v = Data(name);
    return std::string(reinterpret_cast<const char*>(v.data()),
                       v.size() * sizeof(float));
  }
};

// Converts dir -> dir/out.ebm, verifies the FlatBuffer and the layout
// invariants of schema/edgebert.fbs.
Ebm ConvertAndVerify(const std::string& in_dir, const std::string& out,
                     int max_seq_len = 0) {
  edgebert::ConvertOptions opt;
  opt.input_dir = in_dir;
  opt.output_path = out;
  opt.precision = edgebert::Precision::kF32;
  opt.max_seq_len = max_seq_len;
  const edgebert::Status s = edgebert::Convert(opt);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK_FALSE(fs::exists(out + ".tmp"));
  Ebm e;
  e.bytes = ReadFile(out);
  const auto* buf = reinterpret_cast<const uint8_t*>(e.bytes.data());
  REQUIRE(e.bytes.size() > 8);
  REQUIRE(flatbuffers::BufferHasIdentifier(buf, "EBM1",
                                           /*size_prefixed=*/true));
  uint32_t fb_size;
  std::memcpy(&fb_size, buf, 4);
  REQUIRE(4u + fb_size <= e.bytes.size());
  // The verifier checks the size prefix against the buffer it is given: the
  // FlatBuffer part only, not the data section behind it.
  flatbuffers::Verifier verifier(buf, 4 + fb_size);
  REQUIRE(edgebert::fb::VerifySizePrefixedModelBuffer(verifier));
  e.model = edgebert::fb::GetSizePrefixedModel(buf);
  const auto* m = e.model;
  CHECK(m->format_version() == edgebert::kFormatVersion);
  CHECK(m->data_offset() % 64 == 0);
  CHECK(m->data_offset() >= 4u + fb_size);
  CHECK(m->data_offset() + m->data_size() == e.bytes.size());
  CHECK(m->data_checksum() ==
        edgebert::Checksum64(buf + m->data_offset(), m->data_size()));
  const auto header = edgebert::HeaderChecksum(buf, 4 + fb_size, *m);
  REQUIRE(header.ok());
  CHECK(m->header_checksum() == header.value());
  uint64_t prev_end = m->data_offset();
  for (const auto* t : *m->tensors()) {
    INFO(t->name()->str());
    CHECK(t->offset() % 64 == 0);
    CHECK(t->offset() >= prev_end);
    CHECK(t->offset() + t->size() <= m->data_offset() + m->data_size());
    int64_t count = 1;
    for (int64_t d : *t->shape()) count *= d;
    if (t->layout() == edgebert::fb::Layout::F32PackedN16) {
      REQUIRE(t->shape()->size() == 2);
      CHECK(edgebert::kernels::F32PackedBytes(t->shape()->Get(0),
                                              t->shape()->Get(1)) == t->size());
    } else {
      CHECK(static_cast<uint64_t>(count) * 4 == t->size());
      CHECK(t->layout() == edgebert::fb::Layout::RowMajor);
    }
    prev_end = t->offset() + t->size();
  }
  return e;
}

edgebert::Status TryConvert(const TempDir& dir) {
  edgebert::ConvertOptions opt;
  opt.input_dir = dir.path.string();
  opt.output_path = dir / "out.ebm";
  const edgebert::Status s = edgebert::Convert(opt);
  CHECK_FALSE(fs::exists(dir / "out.ebm"));
  CHECK_FALSE(fs::exists(dir / "out.ebm.tmp"));
  return s;
}

}  // namespace

TEST_CASE("Checksum64 is XXH64 (seed 0): golden values") {
  // Computed by an independent Python transcription of the XXH64 spec
  // (bytes i*7+3 mod 256); 0xEF46DB3751D8E999 is the published XXH64("").
  const std::pair<size_t, uint64_t> golden[] = {
      {0, 0xef46db3751d8e999ULL},   {1, 0x1f25c8d0bc1f4bb6ULL},
      {3, 0x31d2363f52e564c9ULL},   {4, 0x9bb64b7d66ee9fdaULL},
      {7, 0x9a7b149959ce60d8ULL},   {8, 0xdab99d95c6f90092ULL},
      {13, 0xf78b031308f5bfc8ULL},  {31, 0xa2aa5f33cc4a6119ULL},
      {32, 0x23c3c17ef790fd97ULL},  {33, 0x50a7cfc7ba588784ULL},
      {64, 0x0eb64b3ef6eeb01fULL},  {100, 0xa61f8d4c170fe531ULL},
      {1000, 0x5f235fa033f1a3fbULL}};
  for (const auto& g : golden) {
    std::vector<uint8_t> b(g.first);
    for (size_t i = 0; i < b.size(); ++i) b[i] = (i * 7 + 3) & 255;
    CAPTURE(g.first);
    CHECK(edgebert::Checksum64(b.data(), b.size()) == g.second);
  }
}

TEST_CASE("Checksum64 ignores alignment and sees every bit") {
  std::vector<uint8_t> src(1000 + 8);
  for (size_t i = 0; i < src.size(); ++i) src[i] = (i * 131 + 17) & 255;
  const uint64_t ref = edgebert::Checksum64(src.data(), 1000);
  for (size_t shift = 1; shift < 8; ++shift) {
    std::vector<uint8_t> buf(1000 + shift);
    std::memcpy(buf.data() + shift, src.data(), 1000);
    CHECK(edgebert::Checksum64(buf.data() + shift, 1000) == ref);
  }
  for (size_t byte : {0, 31, 32, 500, 996, 999}) {
    for (int bit : {0, 7}) {
      std::vector<uint8_t> b(src.begin(), src.begin() + 1000);
      b[byte] ^= static_cast<uint8_t>(1 << bit);
      CHECK(edgebert::Checksum64(b.data(), b.size()) != ref);
    }
  }
}

TEST_CASE("HalfToFloat matches the IEEE definition for all 65536 values") {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = edgebert::HalfToFloat(static_cast<uint16_t>(h));
    const float want = RefHalf(static_cast<uint16_t>(h));
    CAPTURE(h);
    if (std::isnan(want)) {
      CHECK(std::isnan(got));
    } else {
      REQUIRE(std::memcmp(&got, &want, 4) == 0);
    }
  }
  CHECK(edgebert::Bf16ToFloat(0x3F80) == 1.0f);
  CHECK(edgebert::Bf16ToFloat(0xC040) == -3.0f);
  CHECK(std::isinf(edgebert::Bf16ToFloat(0x7F80)));
}

TEST_CASE("safetensors reader: fixture contents") {
  auto f = edgebert::SafetensorsFile::Open(kFixture + "/model.safetensors");
  REQUIRE(f.ok());
  const auto* t = f->Find("bert.encoder.layer.1.intermediate.dense.weight");
  REQUIRE(t != nullptr);
  CHECK(t->dtype == edgebert::StDType::kF32);
  CHECK(t->shape == std::vector<int64_t>{128, 64});
  CHECK(t->num_elements == 128 * 64);
  CHECK(t->size == 128 * 64 * 4);
  CHECK(f->Find("no.such.tensor") == nullptr);
  CHECK(f->metadata().at("format") == "pt");
  // 5 embedding + 16 per layer x 2 + 2 classifier tensors.
  CHECK(f->tensors().size() == 5 + 16 * 2 + 2);

  auto h = edgebert::SafetensorsFile::Open(kFixture + "/model_f16.safetensors");
  REQUIRE(h.ok());
  const auto* th = h->Find(t->name);
  REQUIRE(th != nullptr);
  CHECK(th->dtype == edgebert::StDType::kF16);
  std::vector<float> a, b;
  REQUIRE(edgebert::ToF32(*t, &a).ok());
  REQUIRE(edgebert::ToF32(*th, &b).ok());
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(std::fabs(a[i] - b[i]) <= std::fabs(a[i]) * 0x1p-11f + 0x1p-25f);
  }
}

TEST_CASE("safetensors reader: malformed files") {
  TempDir dir;
  const std::string good = ReadFile(kFixture + "/model.safetensors");
  const std::string p = dir / "x.safetensors";
  auto open_code = [&](const std::string& bytes) {
    WriteFile(p, bytes);
    auto f = edgebert::SafetensorsFile::Open(p);
    return f.ok() ? StatusCode::kOk : f.status().code();
  };
  CHECK(edgebert::SafetensorsFile::Open(dir / "absent").status().code() ==
        StatusCode::kNotFound);
  CHECK(open_code("") == StatusCode::kDataLoss);
  CHECK(open_code(good.substr(0, 7)) == StatusCode::kDataLoss);
  // Header cut off.
  CHECK(open_code(good.substr(0, 100)) == StatusCode::kDataLoss);
  // Data area cut off: the last tensor no longer fits.
  CHECK(open_code(good.substr(0, good.size() - 4)) == StatusCode::kDataLoss);
  // Header length beyond the file.
  std::string huge = good;
  huge[6] = 0x7f;
  CHECK(open_code(huge) == StatusCode::kDataLoss);

  auto one = [&](const json& entry, const std::string& data) {
    const std::string h = json{{"t", entry}}.dump();
    std::string out(8, '\0');
    out[0] = static_cast<char>(h.size());
    return out + h + data;
  };
  CHECK(open_code(
            one({{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}},
                std::string(8, '\0'))) == StatusCode::kOk);
  // Size != prod(shape) * 4.
  CHECK(open_code(
            one({{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 8}}},
                std::string(8, '\0'))) == StatusCode::kDataLoss);
  CHECK(
      open_code(one({{"dtype", "Q4"}, {"shape", {2}}, {"data_offsets", {0, 8}}},
                    std::string(8, '\0'))) == StatusCode::kUnimplemented);
  CHECK(open_code(std::string("\x02\0\0\0\0\0\0\0{[", 10)) ==
        StatusCode::kDataLoss);
  CHECK(open_code(
            one({{"dtype", "F32"}, {"shape", {-2}}, {"data_offsets", {0, 8}}},
                std::string(8, '\0'))) == StatusCode::kDataLoss);

  // An I64 tensor is listed, but ToF32 refuses it naming dtype and tensor.
  WriteFile(p, one({{"dtype", "I64"}, {"shape", {1}}, {"data_offsets", {0, 8}}},
                   std::string(8, '\0')));
  auto f = edgebert::SafetensorsFile::Open(p);
  REQUIRE(f.ok());
  std::vector<float> v;
  const edgebert::Status s = edgebert::ToF32(*f->Find("t"), &v);
  CHECK(s.code() == StatusCode::kUnimplemented);
  CHECK(s.message().find("I64") != std::string::npos);
  CHECK(s.message().find("'t'") != std::string::npos);
}

TEST_CASE("convert tiny_random f32: structure, values, fused QKV") {
  TempDir dir;
  const Ebm e = ConvertAndVerify(kFixture, dir / "tiny.ebm");
  const auto* m = e.model;
  const json cfg = ReadJson(kFixture + "/config.json");

  const auto* enc = m->encoder();
  CHECK(enc->num_layers() == 2);
  CHECK(enc->hidden_size() == 64);
  CHECK(enc->num_heads() == 4);
  CHECK(enc->intermediate_size() == 128);
  CHECK(enc->max_position_embeddings() == 64);
  CHECK(enc->type_vocab_size() == 2);
  CHECK(enc->vocab_size() == cfg["vocab_size"].get<int>());
  CHECK(enc->layer_norm_eps() == 1e-12f);
  CHECK(enc->activation() == edgebert::fb::Activation::GeluErf);
  CHECK(enc->max_seq_len() == 64);  // min(kDefaultMaxSeqLen = 128, 64)

  std::vector<std::string> vocab;
  {
    std::istringstream in(ReadFile(kFixture + "/vocab.txt"));
    for (std::string line; std::getline(in, line);) vocab.push_back(line);
  }
  const auto* tok = m->tokenizer();
  REQUIRE(tok->vocab()->size() == vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    REQUIRE(tok->vocab()->Get(i)->str() == vocab[i]);
  }
  CHECK(vocab[tok->unk_id()] == "[UNK]");
  CHECK(vocab[tok->cls_id()] == "[CLS]");
  CHECK(vocab[tok->sep_id()] == "[SEP]");
  CHECK(vocab[tok->pad_id()] == "[PAD]");
  CHECK(vocab[tok->mask_id()] == "[MASK]");
  CHECK(tok->do_lower_case());
  CHECK(tok->strip_accents());
  CHECK(tok->tokenize_chinese_chars());
  CHECK(tok->continuing_subword_prefix()->str() == "##");

  REQUIRE(m->labels()->size() == 8);
  for (int i = 0; i < 8; ++i) {
    CHECK(m->labels()->Get(i)->str() ==
          cfg["id2label"][std::to_string(i)].get<std::string>());
  }
  CHECK(m->tag_scheme() == edgebert::fb::TagScheme::BIO);
  CHECK(m->head()->kind() == edgebert::fb::HeadKind::Linear);
  CHECK(m->head()->num_labels() == 8);
  const auto* prec =
      m->metadata()->LookupByKey(edgebert::names::kMetaPrecision);
  REQUIRE(prec != nullptr);
  CHECK(prec->value()->str() == "f32");
  CHECK(m->metadata()->LookupByKey(edgebert::names::kMetaConverter) != nullptr);
  CHECK(m->metadata()->LookupByKey(edgebert::names::kMetaSource) != nullptr);

  // Names and order are the canonical ones.
  const auto names = edgebert::CanonicalTensorNames(2);
  REQUIRE(m->tensors()->size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(m->tensors()->Get(i)->name()->str() == names[i]);
  }

  // Every tensor equals its HF source; QKV rows are q, then k, then v.
  const StMap src = LoadSt(kFixture + "/model.safetensors");
  const std::map<std::string, std::string> direct = {
      {"embeddings.word", "bert.embeddings.word_embeddings.weight"},
      {"embeddings.position", "bert.embeddings.position_embeddings.weight"},
      {"embeddings.token_type", "bert.embeddings.token_type_embeddings.weight"},
      {"embeddings.ln.gamma", "bert.embeddings.LayerNorm.weight"},
      {"embeddings.ln.beta", "bert.embeddings.LayerNorm.bias"},
      {"layer.1.attention.output.weight",
       "bert.encoder.layer.1.attention.output.dense.weight"},
      {"layer.1.attention.ln.beta",
       "bert.encoder.layer.1.attention.output.LayerNorm.bias"},
      {"layer.0.ffn.in.weight",
       "bert.encoder.layer.0.intermediate.dense.weight"},
      {"layer.0.ffn.out.weight", "bert.encoder.layer.0.output.dense.weight"},
      {"layer.1.ffn.ln.gamma", "bert.encoder.layer.1.output.LayerNorm.weight"},
      {"classifier.weight", "classifier.weight"},
      {"classifier.bias", "classifier.bias"},
  };
  for (const auto& kv : direct) {
    INFO(kv.first);
    const auto* t = e.Find(kv.first);
    REQUIRE(t != nullptr);
    CHECK(std::vector<int64_t>(t->shape()->begin(), t->shape()->end()) ==
          src.at(kv.second).shape);
    CHECK(e.RowMajorBytes(kv.first) == src.at(kv.second).bytes);
    // The encoder GEMM weights are stored pre-packed for the f32 GEMM.
    const bool gemm = kv.first.find("layer.") == 0 &&
                      kv.first.find(".weight") != std::string::npos;
    CHECK(t->layout() == (gemm ? edgebert::fb::Layout::F32PackedN16
                               : edgebert::fb::Layout::RowMajor));
  }
  for (int layer = 0; layer < 2; ++layer) {
    const std::string p =
        "bert.encoder.layer." + std::to_string(layer) + ".attention.self.";
    const auto* w =
        e.Find(edgebert::names::Layer(layer, "attention.qkv.weight"));
    const auto* b = e.Find(edgebert::names::Layer(layer, "attention.qkv.bias"));
    REQUIRE(w != nullptr);
    REQUIRE(b != nullptr);
    CHECK(std::vector<int64_t>(w->shape()->begin(), w->shape()->end()) ==
          std::vector<int64_t>{192, 64});
    CHECK(std::vector<int64_t>(b->shape()->begin(), b->shape()->end()) ==
          std::vector<int64_t>{192});
    CHECK(w->layout() == edgebert::fb::Layout::F32PackedN16);
    const std::string w_bytes = e.RowMajorBytes(w->name()->str());
    const char* parts[] = {"query", "key", "value"};
    for (int k = 0; k < 3; ++k) {
      // Rows [64k, 64k + 64) of the fused weight.
      CHECK(w_bytes.substr(k * 64 * 64 * 4, 64 * 64 * 4) ==
            src.at(p + parts[k] + ".weight").bytes);
      CHECK(e.bytes.substr(b->offset() + k * 64 * 4, 64 * 4) ==
            src.at(p + parts[k] + ".bias").bytes);
    }
  }
}

TEST_CASE(
    "convert F16 and BF16 inputs: values are exactly the decoded halves") {
  TempDir f32_dir;
  const Ebm ref = ConvertAndVerify(kFixture, f32_dir / "ref.ebm");
  for (const char* variant :
       {"model_f16.safetensors", "model_bf16.safetensors"}) {
    const bool bf16 = std::string(variant) == "model_bf16.safetensors";
    CAPTURE(variant);
    TempDir dir;
    CopyFixture(dir, variant);
    const Ebm e = ConvertAndVerify(dir.path.string(), dir / "out.ebm");
    const auto* sd = e.model->metadata()->LookupByKey("source_dtype");
    REQUIRE(sd != nullptr);
    CHECK(sd->value()->str() == (bf16 ? "BF16" : "F16"));
    const StMap src = LoadSt(dir / "model.safetensors");
    // Classifier weight: exact decode of the source halves.
    const StEntry& cw = src.at("classifier.weight");
    CHECK(cw.dtype == (bf16 ? "BF16" : "F16"));
    const std::vector<float> got = e.Data("classifier.weight");
    REQUIRE(got.size() * 2 == cw.bytes.size());
    for (size_t i = 0; i < got.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, cw.bytes.data() + 2 * i, 2);
      uint32_t bits = static_cast<uint32_t>(h) << 16;
      float want;
      std::memcpy(&want, &bits, 4);
      if (!bf16) want = RefHalf(h);
      REQUIRE(got[i] == want);
    }
    // Every tensor is within the format's rounding error of the f32 file.
    const float rel = bf16 ? 0x1p-8f : 0x1p-11f;
    for (const auto* t : *ref.model->tensors()) {
      INFO(t->name()->str());
      const std::vector<float> a = ref.Data(t->name()->str());
      const std::vector<float> b = e.Data(t->name()->str());
      REQUIRE(a.size() == b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(std::fabs(a[i] - b[i]) <= std::fabs(a[i]) * rel + 0x1p-24f);
      }
    }
  }
}

TEST_CASE("convert accepts names without 'bert.' and LayerNorm gamma/beta") {
  TempDir ref_dir;
  const Ebm ref = ConvertAndVerify(kFixture, ref_dir / "ref.ebm");
  TempDir dir;
  CopyFixture(dir);
  StMap renamed;
  for (auto& kv : LoadSt(kFixture + "/model.safetensors")) {
    std::string n = kv.first;
    if (n.rfind("bert.", 0) == 0) n = n.substr(5);
    const std::string w = "LayerNorm.weight", b = "LayerNorm.bias";
    if (n.size() > w.size() && n.compare(n.size() - w.size(), w.size(), w) == 0)
      n = n.substr(0, n.size() - 6) + "gamma";
    if (n.size() > b.size() && n.compare(n.size() - b.size(), b.size(), b) == 0)
      n = n.substr(0, n.size() - 4) + "beta";
    renamed[n] = kv.second;
  }
  CHECK(renamed.count("embeddings.LayerNorm.gamma") == 1);
  // An unused I64 buffer (as in older HF checkpoints) is ignored.
  renamed["embeddings.position_ids"] = {"I64", {1, 64}, std::string(512, '\0')};
  WriteSt(dir / "model.safetensors", renamed);
  const Ebm e = ConvertAndVerify(dir.path.string(), dir / "out.ebm");
  CHECK(e.model->data_checksum() == ref.model->data_checksum());
}

TEST_CASE("convert reads tokenizer_config.json and detects BIOES") {
  TempDir dir;
  CopyFixture(dir);
  WriteJson(dir / "tokenizer_config.json",
            {{"do_lower_case", false},
             {"strip_accents", nullptr},
             {"tokenize_chinese_chars", false},
             {"tokenizer_class", "BertTokenizer"},
             {"mask_token", {{"content", "[UNK]"}, {"lstrip", false}}}});
  json cfg = ReadJson(dir / "config.json");
  cfg["id2label"]["5"] = "S-PER";
  cfg["hidden_act"] = "gelu_new";
  WriteJson(dir / "config.json", cfg);
  const Ebm e = ConvertAndVerify(dir.path.string(), dir / "out.ebm", 32);
  const auto* tok = e.model->tokenizer();
  CHECK_FALSE(tok->do_lower_case());
  CHECK_FALSE(tok->strip_accents());  // null follows do_lower_case
  CHECK_FALSE(tok->tokenize_chinese_chars());
  CHECK(tok->mask_id() == tok->unk_id());
  CHECK(e.model->tag_scheme() == edgebert::fb::TagScheme::BIOES);
  CHECK(e.model->labels()->Get(5)->str() == "S-PER");
  CHECK(e.model->encoder()->activation() == edgebert::fb::Activation::GeluTanh);
  CHECK(e.model->encoder()->max_seq_len() == 32);
}

TEST_CASE("convert errors name the problem and leave no output") {
  SUBCASE("missing files") {
    for (const char* f : {"config.json", "vocab.txt", "model.safetensors"}) {
      TempDir dir;
      CopyFixture(dir);
      fs::remove(dir / f);
      const edgebert::Status s = TryConvert(dir);
      CAPTURE(s.ToString());
      CHECK(s.code() == StatusCode::kNotFound);
      CHECK(s.message().find(f) != std::string::npos);
    }
    edgebert::ConvertOptions opt;
    opt.input_dir = "/nonexistent/eb_dir";
    opt.output_path = "/tmp/eb_never.ebm";
    CHECK(edgebert::Convert(opt).code() == StatusCode::kNotFound);
  }
  SUBCASE("missing tensor") {
    TempDir dir;
    CopyFixture(dir);
    StMap m = LoadSt(dir / "model.safetensors");
    m.erase("bert.encoder.layer.1.intermediate.dense.bias");
    WriteSt(dir / "model.safetensors", m);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kNotFound);
    CHECK(s.message().find("encoder.layer.1.intermediate.dense.bias") !=
          std::string::npos);
  }
  SUBCASE("wrong shape") {
    TempDir dir;
    CopyFixture(dir);
    StMap m = LoadSt(dir / "model.safetensors");
    StEntry& t = m["bert.encoder.layer.0.output.dense.weight"];
    t.shape = {64, 127};
    t.bytes.resize(64 * 127 * 4);
    WriteSt(dir / "model.safetensors", m);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("bert.encoder.layer.0.output.dense.weight") !=
          std::string::npos);
    CHECK(s.message().find("[64, 128]") != std::string::npos);
    CHECK(s.message().find("[64, 127]") != std::string::npos);
  }
  SUBCASE("unsupported dtype") {
    TempDir dir;
    CopyFixture(dir);
    StMap m = LoadSt(dir / "model.safetensors");
    m["bert.encoder.layer.0.attention.self.key.bias"] = {
        "I64", {64}, std::string(64 * 8, '\0')};
    WriteSt(dir / "model.safetensors", m);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kUnimplemented);
    CHECK(s.message().find("I64") != std::string::npos);
    CHECK(s.message().find("layer.0.attention.self.key.bias") !=
          std::string::npos);
  }
  SUBCASE("unsupported architecture") {
    TempDir dir;
    CopyFixture(dir);
    json cfg = ReadJson(dir / "config.json");
    cfg["architectures"] = {"BertForSequenceClassification"};
    WriteJson(dir / "config.json", cfg);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kUnimplemented);
    CHECK(s.message().find("BertForSequenceClassification") !=
          std::string::npos);
  }
  SUBCASE("unsupported activation") {
    TempDir dir;
    CopyFixture(dir);
    json cfg = ReadJson(dir / "config.json");
    cfg["hidden_act"] = "silu";
    WriteJson(dir / "config.json", cfg);
    const edgebert::Status s = TryConvert(dir);
    CHECK(s.code() == StatusCode::kUnimplemented);
    CHECK(s.message().find("silu") != std::string::npos);
  }
  SUBCASE("vocab size mismatch") {
    TempDir dir;
    CopyFixture(dir);
    WriteFile(dir / "vocab.txt", ReadFile(dir / "vocab.txt") + "extra\n");
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    const int v = ReadJson(dir / "config.json")["vocab_size"].get<int>();
    CHECK(s.message().find(std::to_string(v + 1)) != std::string::npos);
    CHECK(s.message().find(std::to_string(v)) != std::string::npos);
  }
  SUBCASE("[CLS] missing from the vocab") {
    TempDir dir;
    CopyFixture(dir);
    std::string v = ReadFile(dir / "vocab.txt");
    v.replace(v.find("[CLS]"), 5, "[CLX]");
    WriteFile(dir / "vocab.txt", v);
    const edgebert::Status s = TryConvert(dir);
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("[CLS]") != std::string::npos);
  }
  SUBCASE("id2label count != classifier rows") {
    TempDir dir;
    CopyFixture(dir);
    json cfg = ReadJson(dir / "config.json");
    cfg["id2label"]["8"] = "B-ORG";
    WriteJson(dir / "config.json", cfg);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("9 labels") != std::string::npos);
    CHECK(s.message().find("8 rows") != std::string::npos);
  }
  SUBCASE("hidden not divisible by heads") {
    TempDir dir;
    CopyFixture(dir);
    json cfg = ReadJson(dir / "config.json");
    cfg["num_attention_heads"] = 5;
    WriteJson(dir / "config.json", cfg);
    const edgebert::Status s = TryConvert(dir);
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("num_attention_heads 5") != std::string::npos);
  }
  SUBCASE("truncated safetensors") {
    TempDir dir;
    CopyFixture(dir);
    const std::string b = ReadFile(dir / "model.safetensors");
    WriteFile(dir / "model.safetensors", b.substr(0, b.size() / 2));
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("model.safetensors") != std::string::npos);
  }
  SUBCASE("bad options") {
    TempDir dir;
    CopyFixture(dir);
    edgebert::ConvertOptions opt;
    opt.input_dir = dir.path.string();
    opt.output_path = dir / "out.ebm";
    edgebert::Status s = edgebert::ParsePrecision("f64").status();
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("--precision 'f64'") != std::string::npos);
    opt.precision = edgebert::Precision::kF32;
    opt.max_seq_len = 65;
    s = edgebert::Convert(opt);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("65") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out.ebm"));
    CHECK_FALSE(fs::exists(dir / "out.ebm.tmp"));
  }
}

TEST_CASE("convert shared pd-tiny (skipped without ../shared)" *
          doctest::test_suite("shared")) {
  const std::string src = std::string(EDGEBERT_SHARED_DIR) + "/models/pd-tiny";
  if (!fs::exists(src + "/model.safetensors")) {
    edgebert::testing::Skip(src + " not present");
    return;
  }
  TempDir dir;
  const Ebm e = ConvertAndVerify(src, dir / "pd.ebm");
  const std::vector<std::string> want = {"O",     "B-PER", "I-PER", "B-ORG",
                                         "I-ORG", "B-LOC", "I-LOC"};
  REQUIRE(e.model->labels()->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(e.model->labels()->Get(i)->str() == want[i]);
  }
  CHECK(e.model->encoder()->vocab_size() == 21128);
  CHECK(e.model->encoder()->num_layers() == 4);
  CHECK(e.model->encoder()->max_seq_len() == edgebert::kDefaultMaxSeqLen);
  CHECK(e.model->tensors()->size() == edgebert::CanonicalTensorNames(4).size());
  const auto* qkv = e.Find("layer.3.attention.qkv.weight");
  REQUIRE(qkv != nullptr);
  CHECK(qkv->shape()->Get(0) == 768);
}

TEST_CASE("converter refuses what would silently change the model (item 8)") {
  SUBCASE("non-finite weight: tensor and index named") {
    TempDir dir;
    CopyFixture(dir);
    StMap m = LoadSt(dir / "model.safetensors");
    StEntry& t = m["bert.encoder.layer.1.output.dense.weight"];
    REQUIRE(t.dtype == "F32");
    const float nan = std::nanf("");
    std::memcpy(&t.bytes[4 * 5], &nan, 4);
    WriteSt(dir / "model.safetensors", m);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("layer.1.ffn.out.weight") != std::string::npos);
    CHECK(s.message().find("element 5") != std::string::npos);
  }
  SUBCASE("fewer layers in config.json than in the checkpoint") {
    TempDir dir;
    CopyFixture(dir);
    json cfg = ReadJson(dir / "config.json");
    cfg["num_hidden_layers"] = 1;
    WriteJson(dir / "config.json", cfg);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("layer 1") != std::string::npos);
    CHECK(s.message().find("num_hidden_layers") != std::string::npos);
  }
  SUBCASE("unknown tensors are refused; pooler and pretraining heads are not") {
    TempDir dir;
    CopyFixture(dir);
    StMap m = LoadSt(dir / "model.safetensors");
    m["bert.pooler.dense.bias"] = {"F32", {64}, std::string(64 * 4, '\0')};
    m["cls.predictions.bias"] = {"F32", {360}, std::string(360 * 4, '\0')};
    WriteSt(dir / "model.safetensors", m);
    edgebert::ConvertOptions opt;
    opt.input_dir = dir.path.string();
    opt.output_path = dir / "ok.ebm";
    opt.precision = edgebert::Precision::kF32;
    CHECK(edgebert::Convert(opt).ok());
    m["bert.adapter.weight"] = {"F32", {4}, std::string(16, '\0')};
    WriteSt(dir / "model.safetensors", m);
    const edgebert::Status s = TryConvert(dir);
    CAPTURE(s.ToString());
    CHECK(s.message().find("bert.adapter.weight") != std::string::npos);
  }
  SUBCASE("id2label keys must be plain decimal ids") {
    for (const char* key : {" 6", "+6", "06", "6 "}) {
      TempDir dir;
      CopyFixture(dir);
      json cfg = ReadJson(dir / "config.json");
      const json name = cfg["id2label"]["6"];
      cfg["id2label"].erase("6");
      cfg["id2label"][key] = name;
      WriteJson(dir / "config.json", cfg);
      const edgebert::Status s = TryConvert(dir);
      CAPTURE(s.ToString());
      CHECK(s.code() == StatusCode::kInvalidArgument);
      CHECK(s.message().find(std::string("\"") + key + "\"") !=
            std::string::npos);
    }
  }
  SUBCASE("--min-fidelity outside [0, 1]") {
    for (double bad : {2.0, -0.5, static_cast<double>(NAN)}) {
      TempDir dir;
      edgebert::ConvertOptions opt;
      opt.input_dir = kFixture;
      opt.output_path = dir / "out.ebm";
      opt.int8.calibration_path = kFixture + "/calib.txt";
      opt.int8.min_fidelity = bad;
      const edgebert::Status s = edgebert::Convert(opt);
      CAPTURE(s.ToString());
      CHECK(s.code() == StatusCode::kInvalidArgument);
      CHECK(s.message().find("--min-fidelity") != std::string::npos);
      CHECK_FALSE(fs::exists(dir / "out.ebm"));
    }
  }
  SUBCASE("a symlinked output is refused, the link and its target kept") {
    TempDir dir;
    WriteFile(dir / "target.ebm", "old");
    fs::create_symlink(dir / "target.ebm", dir / "link.ebm");
    edgebert::ConvertOptions opt;
    opt.input_dir = kFixture;
    opt.output_path = dir / "link.ebm";
    opt.precision = edgebert::Precision::kF32;
    const edgebert::Status s = edgebert::Convert(opt);
    CAPTURE(s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("symbolic link") != std::string::npos);
    CHECK(s.message().find("target.ebm") != std::string::npos);
    CHECK(fs::is_symlink(dir / "link.ebm"));
    CHECK(ReadFile(dir / "target.ebm") == "old");
  }
}
