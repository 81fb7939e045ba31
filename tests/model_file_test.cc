// Model file integrity and hostile files (issue 13, items 1-5 and 7): crafted
// tensor layouts, weight sums, header/data checksums, appended bytes,
// tokenizer bounds, a model truncated while in use, --no-mmap.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "quantize/convert.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/api/edgebert.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"
#include "runtime/model/checksum.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/model_file.h"
#include "runtime/model/tensor_names.h"
#include "runtime/quant/codec.h"
#include "runtime/tokenizer/tokenizer.h"
#include "tests/test_env.h"

namespace eb = edgebert;
namespace fb = edgebert::fb;

namespace {

const std::string kFixture =
    std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/tiny_random";

std::string TempPath(const std::string& name) {
  return eb::testing::ScratchPath(name);
}

std::vector<uint8_t> ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void WriteAll(const std::string& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()),
          static_cast<std::streamsize>(b.size()));
}

// tiny_random converted once per (precision, int8 embeddings) to a file.
std::vector<uint8_t> Converted(const std::string& precision,
                               const std::string& int8_embeddings = "word") {
  const std::string p = TempPath(precision + "_" + int8_embeddings + ".ebm");
  eb::ConvertOptions o;
  o.input_dir = kFixture;
  o.output_path = p;
  auto prec = eb::ParsePrecision(precision);
  REQUIRE(prec.ok());
  o.precision = *prec;
  auto emb = eb::ParseInt8Embeddings(int8_embeddings);
  REQUIRE(emb.ok());
  o.int8.int8_embeddings = *emb;
  const eb::Status s = eb::Convert(o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::vector<uint8_t> b = ReadAll(p);
  std::remove(p.c_str());
  return b;
}

fb::Model* Mutable(std::vector<uint8_t>* b) {
  return fb::GetMutableSizePrefixedModel(b->data());
}

fb::Tensor* MutableTensor(std::vector<uint8_t>* b, const std::string& name) {
  auto* tensors = Mutable(b)->mutable_tensors();
  for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
    fb::Tensor* t = tensors->GetMutableObject(i);
    if (t->name()->str() == name) return t;
  }
  FAIL("no tensor " << name);
  return nullptr;
}

// Writes `b` (resealed: both checksums recomputed, as an attacker or a buggy
// writer would) and loads it.
eb::StatusOr<std::unique_ptr<eb::Model>> LoadSealed(std::vector<uint8_t> b,
                                                    bool verify = true) {
  REQUIRE(eb::SealModelFile(b.data(), b.size()).ok());
  const std::string p = TempPath("sealed.ebm");
  WriteAll(p, b);
  auto m = eb::Model::Load(p, verify);
  std::remove(p.c_str());
  return m;
}

eb::Status LoadAndCreate(std::vector<uint8_t> b) {
  auto m = LoadSealed(std::move(b));
  if (!m.ok()) return m.status();
  auto t = eb::Tagger::Create(*m.value(), {}, nullptr);
  if (!t.ok()) return t.status();
  eb::TagResult r;
  return t.value()->Tag("hello world 中国", &r);
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("item 1: a tensor's byte count is checked for every layout") {
  // The crafted file: the word embedding claims the packed int8
  // layout, 64 bytes, at the end of the data section. It used to load,
  // pass --verify and SEGV in the embedding gather (int8) / a memmove (f32).
  for (const char* precision : {"int8", "f32"}) {
    CAPTURE(precision);
    std::vector<uint8_t> b = Converted(precision);
    const fb::Model* m = Mutable(&b);
    fb::Tensor* t = MutableTensor(&b, eb::names::kWordEmbeddings);
    REQUIRE(t->mutate_layout(fb::Layout::I8PackedK4));
    REQUIRE(t->mutate_size(64));
    REQUIRE(t->mutate_offset(m->data_offset() + m->data_size() - 64));
    auto loaded = LoadSealed(b);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == eb::StatusCode::kDataLoss);
    CHECK(Contains(loaded.status().message(), eb::names::kWordEmbeddings));
    CHECK(Contains(loaded.status().message(), "I8PackedK4"));
  }
}

TEST_CASE("item 1: a tensor's layout must be the one its role requires") {
  // Both edits keep the byte count right ([64, 64] int8: packed and
  // row-major sizes coincide), so only the layout rules can refuse them.
  SUBCASE("row-major role (embedding table) given the packed layout") {
    std::vector<uint8_t> b = Converted("int8", "all");
    fb::Tensor* t = MutableTensor(&b, eb::names::kPositionEmbeddings);
    REQUIRE(t->dtype() == fb::DType::I8);
    REQUIRE(t->size() == eb::quant::PackedI8Size(64, 64));
    REQUIRE(t->mutate_layout(fb::Layout::I8PackedK4));
    const eb::Status s = LoadAndCreate(b);
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.ToString());
    CHECK(Contains(s.message(), eb::names::kPositionEmbeddings));
    CHECK(s.code() == eb::StatusCode::kDataLoss);
  }
  SUBCASE("int8 GEMM weight given the row-major layout") {
    const std::string w = eb::names::Layer(0, eb::names::kAttnOutWeight);
    std::vector<uint8_t> b = Converted("int8");
    fb::Tensor* t = MutableTensor(&b, w);
    REQUIRE(t->layout() == fb::Layout::I8PackedK4);
    REQUIRE(t->size() == 64 * 64);
    REQUIRE(t->mutate_layout(fb::Layout::RowMajor));
    const eb::Status s = LoadAndCreate(b);
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.ToString());
    CHECK(Contains(s.message(), w));
    CHECK(Contains(s.message(), "needs I8PackedK4"));
  }
}

// Found by tests/fuzz/fuzz_model.cc (corpus file regress_misaligned_shape):
// flatbuffers::Verifier aligns a vector's 4-byte length, not its elements,
// so a crafted shape vector made the validator read its int64 dimensions
// off alignment (UBSan: misaligned load).
TEST_CASE("a tensor's shape vector must be 8-byte aligned") {
  std::vector<uint8_t> b = Converted("f32");
  fb::Tensor* t =
      MutableTensor(&b, eb::names::Layer(0, eb::names::kAttnOutBias));
  REQUIRE(t->shape()->size() == 1);
  // Point the shape 4 bytes further: its length becomes the low word of the
  // single dimension (64) and its elements start 4 bytes off alignment.
  uint8_t* field = const_cast<uint8_t*>(
      reinterpret_cast<const flatbuffers::Table*>(t)->GetAddressOf(
          fb::Tensor::VT_SHAPE));
  REQUIRE(field != nullptr);
  flatbuffers::WriteScalar(field, flatbuffers::ReadScalar<uint32_t>(field) + 4);
  REQUIRE(t->shape()->size() == 64);
  auto loaded = LoadSealed(b);
  REQUIRE_FALSE(loaded.ok());
  CAPTURE(loaded.status().ToString());
  CHECK(loaded.status().code() == eb::StatusCode::kDataLoss);
  CHECK(Contains(loaded.status().message(), "shape vector at offset"));
  CHECK(Contains(loaded.status().message(), "is not 8-byte aligned"));
}

TEST_CASE("F32PackedN16: byte count, dtype and role are checked") {
  const std::string w = eb::names::Layer(1, eb::names::kFfnInWeight);
  SUBCASE("packed f32 GEMM weight one panel short") {
    std::vector<uint8_t> b = Converted("f32");
    fb::Tensor* t = MutableTensor(&b, w);
    REQUIRE(t->layout() == fb::Layout::F32PackedN16);
    REQUIRE(t->size() == eb::kernels::F32PackedBytes(128, 64));
    REQUIRE(t->mutate_size(t->size() - 16 * 64 * 4));
    auto loaded = LoadSealed(b);
    REQUIRE_FALSE(loaded.ok());
    CAPTURE(loaded.status().ToString());
    CHECK(loaded.status().code() == eb::StatusCode::kDataLoss);
    CHECK(Contains(loaded.status().message(), w));
    CHECK(Contains(loaded.status().message(), "F32PackedN16"));
  }
  SUBCASE("int8 tensor claiming F32PackedN16") {
    std::vector<uint8_t> b = Converted("int8");
    fb::Tensor* t = MutableTensor(&b, w);
    REQUIRE(t->mutate_layout(fb::Layout::F32PackedN16));
    auto loaded = LoadSealed(b);
    REQUIRE_FALSE(loaded.ok());
    CAPTURE(loaded.status().ToString());
    CHECK(Contains(loaded.status().message(), "needs an f32 [N, K] tensor"));
  }
  SUBCASE("row-major role (embedding table) given F32PackedN16") {
    // [64, 64] f32: packed and row-major sizes coincide.
    std::vector<uint8_t> b = Converted("f32");
    fb::Tensor* t = MutableTensor(&b, eb::names::kPositionEmbeddings);
    REQUIRE(t->size() == eb::kernels::F32PackedBytes(64, 64));
    REQUIRE(t->mutate_layout(fb::Layout::F32PackedN16));
    const eb::Status s = LoadAndCreate(b);
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.ToString());
    CHECK(Contains(s.message(), eb::names::kPositionEmbeddings));
    CHECK(Contains(s.message(), "needs RowMajor"));
  }
}

TEST_CASE(
    "f32 GEMM weights: packed file is used in place, row-major still loads") {
  // The same checkpoint written with row-major GEMM weights (files from
  // before F32PackedN16) and pre-packed (today's converter).
  auto ckpt = eb::LoadHfCheckpoint(kFixture);
  REQUIRE(ckpt.ok());
  eb::WriteOptions wopt;
  wopt.max_seq_len = 64;
  const std::string row_major = TempPath("row_major.ebm");
  REQUIRE(eb::WriteEbm(*ckpt, eb::F32Tensors(*ckpt), wopt, row_major).ok());
  const std::string packed = TempPath("packed.ebm");
  WriteAll(packed, Converted("f32"));
  std::vector<std::vector<float>> logits;
  std::vector<size_t> owned;
  for (const std::string& p : {row_major, packed}) {
    auto m = eb::Model::Load(p, /*verify=*/true);
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    eb::TaggerOptions o;
    o.f32_gemm = eb::TaggerOptions::F32Gemm::kHighway;
    auto t = eb::Tagger::Create(*m.value(), o, nullptr);
    REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    const int32_t ids[] = {2, 17, 40, 99, 5, 3};
    auto l = t.value()->Logits(ids, 6);
    REQUIRE(l.ok());
    const size_t labels = m.value()->config().labels.size();
    logits.emplace_back(l.value(), l.value() + 6 * labels);
    owned.push_back(t.value()->memory().shared_weight_bytes);
  }
  std::remove(row_major.c_str());
  std::remove(packed.c_str());
  // Same kernel, same summation order: identical logits.
  CHECK(logits[0] == logits[1]);
  // Row-major: a packed copy of every encoder GEMM weight (2 layers of
  // 4 * 64 * 64 + 2 * 128 * 64 floats); packed: biases (and the classifier).
  const size_t gemm_bytes = 2 * (4 * 64 * 64 + 2 * 128 * 64) * sizeof(float);
  CHECK(owned[0] >= gemm_bytes);
  CHECK(owned[1] < gemm_bytes / 8);
}

TEST_CASE("item 2: weight sums outside +-127 K are refused at load") {
  const std::string qkv = eb::names::Layer(0, eb::names::kQkvWeight);
  for (int32_t bad : {std::numeric_limits<int32_t>::max(),
                      std::numeric_limits<int32_t>::min(), 127 * 64 + 1}) {
    CAPTURE(bad);
    std::vector<uint8_t> b = Converted("int8");
    fb::Tensor* t = MutableTensor(&b, qkv);
    auto* sums = t->mutable_quant()->mutable_weight_sums();
    REQUIRE(sums->size() > 5);
    sums->Mutate(5, bad);
    auto m = LoadSealed(b);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == eb::StatusCode::kDataLoss);
    CHECK(Contains(m.status().message(), "weight_sums[5]"));
    CHECK(Contains(m.status().message(), qkv));
  }
  // A sum within bounds loads; a verifying load recomputes it.
  std::vector<uint8_t> b = Converted("int8");
  auto* sums = MutableTensor(&b, qkv)->mutable_quant()->mutable_weight_sums();
  sums->Mutate(7, sums->Get(7) + 1);
  CHECK(LoadSealed(b, /*verify=*/false).ok());
  auto m = LoadSealed(b, /*verify=*/true);
  REQUIRE_FALSE(m.ok());
  CHECK(Contains(m.status().message(), "weight_sums[7]"));
  CHECK(Contains(m.status().message(), "weights sum to"));
  CHECK(LoadSealed(Converted("int8"), /*verify=*/true).ok());
}

TEST_CASE("items 3-4: every corrupted byte is rejected; nothing may follow") {
  const std::vector<uint8_t> good = Converted("int8");
  const fb::Model* gm = fb::GetSizePrefixedModel(good.data());
  const size_t data_begin = gm->data_offset();
  REQUIRE(data_begin + gm->data_size() == good.size());
  const std::string p = TempPath("flip.ebm");
  SUBCASE("400 random bit flips") {
    std::mt19937 rng(13);
    std::uniform_int_distribution<size_t> header_pos(0, data_begin - 1);
    std::uniform_int_distribution<size_t> data_pos(data_begin, good.size() - 1);
    std::uniform_int_distribution<int> bit(0, 7);
    size_t header_flips = 0, data_flips = 0;
    for (int i = 0; i < 400; ++i) {
      // Half in the header (config, vocab, labels, tensor table, scales, sums,
      // metadata, report): refused by every load. Half in the tensor data:
      // refused by a verifying load.
      const bool in_header = i % 2 == 0;
      const size_t pos = in_header ? header_pos(rng) : data_pos(rng);
      std::vector<uint8_t> b = good;
      b[pos] ^= static_cast<uint8_t>(1u << bit(rng));
      WriteAll(p, b);
      CAPTURE(pos);
      auto m = eb::Model::Load(p, /*verify_checksum=*/!in_header);
      CHECK_FALSE(m.ok());
      if (!m.ok()) CHECK_FALSE(m.status().message().empty());
      (in_header ? header_flips : data_flips) += m.ok() ? 0 : 1;
    }
    MESSAGE("rejected " << header_flips << "/200 header and " << data_flips
                        << "/200 data byte flips");
  }
  SUBCASE("a stale header checksum names the problem") {
    std::vector<uint8_t> b = good;
    Mutable(&b)->mutable_encoder()->mutate_layer_norm_eps(1e-5f);
    WriteAll(p, b);
    auto m = eb::Model::Load(p);
    REQUIRE_FALSE(m.ok());
    CHECK(Contains(m.status().message(), "header checksum mismatch"));
  }
  SUBCASE("appended bytes") {
    for (size_t extra : {size_t{1}, size_t{64}, size_t{4096}}) {
      std::vector<uint8_t> b = good;
      b.resize(b.size() + extra, 0);
      WriteAll(p, b);
      auto m = eb::Model::Load(p);
      REQUIRE_FALSE(m.ok());
      CHECK(Contains(m.status().message(), "trailing"));
    }
  }
  SUBCASE("version 1 files are refused with advice") {
    std::vector<uint8_t> b = good;
    REQUIRE(Mutable(&b)->mutate_format_version(1));
    REQUIRE(eb::SealModelFile(b.data(), b.size()).ok());
    WriteAll(p, b);
    auto m = eb::Model::Load(p);
    REQUIRE_FALSE(m.ok());
    CHECK(Contains(m.status().message(), "re-convert"));
  }
  std::remove(p.c_str());
}

TEST_CASE("item 5: tokenizer parameters are bounded at load") {
  for (int bad : {0, -1, eb::kMaxInputCharsPerWordLimit + 1,
                  std::numeric_limits<int32_t>::max()}) {
    CAPTURE(bad);
    std::vector<uint8_t> b = Converted("f32");
    REQUIRE(
        Mutable(&b)->mutable_tokenizer()->mutate_max_input_chars_per_word(bad));
    auto m = LoadSealed(b);
    REQUIRE_FALSE(m.ok());
    CHECK(Contains(m.status().message(), "max_input_chars_per_word"));
    CHECK(Contains(m.status().message(), std::to_string(bad)));
  }
  std::vector<uint8_t> b = Converted("f32");
  REQUIRE(Mutable(&b)->mutable_tokenizer()->mutate_max_input_chars_per_word(
      eb::kMaxInputCharsPerWordLimit));
  CHECK(LoadSealed(b).ok());
  // The Tokenizer itself refuses the same values and over-long pieces.
  eb::TokenizerOptions o;
  o.max_input_chars_per_word = std::numeric_limits<int32_t>::max();
  CHECK_FALSE(eb::Tokenizer::Create({"[UNK]", "a"}, o).ok());
  auto long_piece = eb::Tokenizer::Create(
      {"[UNK]", std::string(eb::kMaxPieceBytes + 1, 'a')}, {});
  REQUIRE_FALSE(long_piece.ok());
  CHECK(Contains(long_piece.status().message(), "piece 1"));
}

TEST_CASE("item 7: a model truncated while in use gives an error, not SIGBUS") {
  if (eb::testing::SigbusRecoveryUnverifiedHere()) {
    MESSAGE("SKIPPED: SIGBUS recovery under this emulator (see test_env.h)");
    return;
  }
  const std::vector<uint8_t> good = Converted("int8");
  const std::string p = TempPath("truncated.ebm");
  for (bool mmap : {true, false}) {
    CAPTURE(mmap);
    WriteAll(p, good);
    eb::LoadOptions lo;
    lo.use_mmap = mmap;
    auto m = eb::Model::Load(p, lo);
    REQUIRE(m.ok());
    auto t = eb::Tagger::Create(*m.value(), {}, nullptr);
    REQUIRE(t.ok());
    eb::TagResult r;
    REQUIRE(t.value()->Tag("hello world 中国", &r).ok());
    REQUIRE(::truncate(p.c_str(), 4096) == 0);
    const eb::Status s = t.value()->Tag("hello world 中国", &r);
    if (!mmap) {  // the file was read into memory: unaffected.
      CHECK(s.ok());
      CHECK(m.value()->FileStatus().ok());
      continue;
    }
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == eb::StatusCode::kDataLoss);
    CHECK(Contains(s.message(), p));
    CHECK(Contains(s.message(), "truncated"));
    CHECK(r.entities.empty());
    CHECK_FALSE(m.value()->FileStatus().ok());
    // Every later call fails the same way (defined behaviour, no crash).
    CHECK_FALSE(t.value()->Tag("中国", &r).ok());
    const int32_t ids[] = {2, 3};
    CHECK_FALSE(t.value()->Logits(ids, 2).ok());
    CHECK_FALSE(eb::Tagger::Create(*m.value(), {}, nullptr).ok());
  }
  std::remove(p.c_str());
}
