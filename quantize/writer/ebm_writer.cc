#include "quantize/writer/ebm_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

#include "runtime/api/edgebert.h"
#include "runtime/model/checksum.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/model_file.h"
#include "runtime/model/tensor_names.h"

#ifndef EDGEBERT_VERSION
#define EDGEBERT_VERSION "0"
#endif

namespace edgebert {
namespace {

constexpr uint64_t kAlign = 64;

uint64_t AlignUp(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Serializes the FlatBuffer part for the given data section placement.
// ForceDefaults keeps the encoded size independent of field values.
void BuildFlatBuffer(const Checkpoint& c,
                     const std::vector<OutputTensor>& tensors,
                     const std::vector<uint64_t>& rel_offsets,
                     const WriteOptions& opt,
                     const std::map<std::string, std::string>& metadata,
                     uint64_t data_offset, uint64_t data_size,
                     uint64_t checksum, flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  fbb->ForceDefaults(true);
  auto layer_weights = fbb->CreateVector(c.layer_weights);
  auto encoder = fb::CreateEncoderConfig(
      *fbb, c.num_layers, c.hidden_size, c.num_heads, c.intermediate_size,
      c.max_position_embeddings, c.type_vocab_size, c.vocab_size,
      c.layer_norm_eps, c.activation, opt.max_seq_len, c.embedding_size,
      layer_weights, c.embedding_mapping);
  auto vocab = fbb->CreateVectorOfStrings(c.vocab);
  auto prefix = fbb->CreateString("##");
  auto tokenizer = fb::CreateTokenizerConfig(
      *fbb, vocab, c.do_lower_case, c.strip_accents, c.tokenize_chinese_chars,
      /*clean_text=*/true, /*max_input_chars_per_word=*/100, prefix, c.unk_id,
      c.cls_id, c.sep_id, c.pad_id, c.mask_id);
  auto labels = fbb->CreateVectorOfStrings(c.labels);
  const HeadOptions& h = c.head;
  auto head = fb::CreateHead(
      *fbb, h.kind, static_cast<int>(c.labels.size()),
      fbb->CreateVector(h.crf_transitions), fbb->CreateVector(h.crf_start),
      fbb->CreateVector(h.crf_end), h.crf_span, h.logits_tanh, h.lstm_units,
      h.lstm_layers, h.project_hidden, h.padded_window);
  std::vector<flatbuffers::Offset<fb::Tensor>> tvec;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const OutputTensor& t = tensors[i];
    flatbuffers::Offset<fb::QuantParams> quant = 0;
    if (!t.scales.empty() || !t.smooth.empty() || !t.weight_sums.empty()) {
      quant = fb::CreateQuantParams(*fbb, fbb->CreateVector(t.scales),
                                    fbb->CreateVector(t.smooth),
                                    fbb->CreateVector(t.weight_sums));
    }
    auto name = fbb->CreateString(t.name);
    auto shape = fbb->CreateVector(t.shape);
    tvec.push_back(fb::CreateTensor(*fbb, name, shape, t.dtype, t.layout,
                                    data_offset + rel_offsets[i],
                                    t.bytes.size(), quant));
  }
  auto tensors_off = fbb->CreateVector(tvec);
  std::vector<flatbuffers::Offset<fb::KeyValue>> kvs;
  for (const auto& kv : metadata) {
    kvs.push_back(fb::CreateKeyValue(*fbb, fbb->CreateString(kv.first),
                                     fbb->CreateString(kv.second)));
  }
  auto meta = fbb->CreateVectorOfSortedTables(&kvs);
  auto report = fbb->CreateString(opt.quant_report);
  auto model = fb::CreateModel(*fbb, kFormatVersion, encoder, tokenizer, labels,
                               c.tag_scheme, head, tensors_off, meta, report,
                               data_offset, data_size, checksum);
  fbb->FinishSizePrefixed(model, fb::ModelIdentifier());
}

// File-order placement of the tensors in the data section: each at a
// 64-aligned offset relative to the section start (the section itself starts
// 64-aligned), zero padding in between and after the last tensor.
uint64_t PlaceTensors(const std::vector<OutputTensor>& tensors,
                      std::vector<uint64_t>* rel) {
  rel->resize(tensors.size());
  uint64_t data_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    (*rel)[i] = data_size;
    data_size = AlignUp(data_size + tensors[i].bytes.size());
  }
  return data_size;
}

// The runtime's own checks on the written file: Model::Load with the data
// checksum and weight sums verified, then Tagger::Create (binds the head).
Status CheckRuntimeLoads(const std::string& tmp) {
  StatusOr<std::unique_ptr<Model>> m = Model::Load(tmp, true);
  Status s = m.status();
  if (s.ok()) s = Tagger::Create(*m.value(), TaggerOptions(), nullptr).status();
  if (s.ok()) return s;
  return Status(s.code(), "the runtime refuses the file just written (" +
                              s.message() +
                              "): a converter bug, please report it with "
                              "the input; no output written");
}

}  // namespace

std::vector<OutputTensor> F32Tensors(const Checkpoint& ckpt) {
  std::vector<OutputTensor> out;
  std::vector<std::string> order = CanonicalTensorNames(ckpt);
  for (std::string& n : HeadTensorNames(ckpt.head))
    order.push_back(std::move(n));
  for (const std::string& name : order) {
    auto it = ckpt.weights.find(name);
    EB_CHECK(it != ckpt.weights.end());
    OutputTensor t;
    t.name = name;
    t.shape = it->second.shape;
    t.dtype = fb::DType::F32;
    t.layout = fb::Layout::RowMajor;
    t.bytes.resize(it->second.data.size() * sizeof(float));
    if (!t.bytes.empty()) {
      std::memcpy(t.bytes.data(), it->second.data.data(), t.bytes.size());
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<uint8_t> SerializeEbm(const Checkpoint& ckpt,
                                  const std::vector<OutputTensor>& tensors,
                                  const WriteOptions& opt) {
  std::vector<uint64_t> rel;
  const uint64_t data_size = PlaceTensors(tensors, &rel);
  std::map<std::string, std::string> metadata = {
      {names::kMetaPrecision, PrecisionName(opt.precision)},
      {names::kMetaSource, ckpt.source_dir},
      {names::kMetaConverter,
       std::string(kConverterName) + " " + EDGEBERT_VERSION},
      {"created", opt.created.empty() ? UtcNow() : opt.created},
      {"source_dtype", ckpt.source_dtype},
  };
  for (const auto& kv : opt.extra_metadata) metadata[kv.first] = kv.second;

  // The FlatBuffer's size does not depend on the offsets and checksum it
  // stores (ForceDefaults, fixed-width fields), so one probe build fixes the
  // data offset; the loop re-checks that invariant.
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  uint64_t data_offset = 0;
  for (int iter = 0;; ++iter) {
    BuildFlatBuffer(ckpt, tensors, rel, opt, metadata, data_offset, data_size,
                    /*checksum=*/0, &fbb);
    const uint64_t need = AlignUp(fbb.GetSize());
    if (need == data_offset) break;
    EB_CHECK(iter < 4);
    data_offset = need;
  }
  std::vector<uint8_t> image(data_offset + data_size, 0);
  uint8_t* data = image.data() + data_offset;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].bytes.empty()) {
      std::memcpy(data + rel[i], tensors[i].bytes.data(),
                  tensors[i].bytes.size());
    }
  }
  const uint64_t checksum = Checksum64(data, data_size);
  BuildFlatBuffer(ckpt, tensors, rel, opt, metadata, data_offset, data_size,
                  checksum, &fbb);
  EB_CHECK(AlignUp(fbb.GetSize()) == data_offset);
  // Format version 2: the header checksum, sealed last.
  EB_CHECK(SealModelHeader(fbb.GetBufferPointer(), fbb.GetSize()).ok());
  std::memcpy(image.data(), fbb.GetBufferPointer(), fbb.GetSize());
  return image;
}

Status WriteEbm(const Checkpoint& ckpt,
                const std::vector<OutputTensor>& tensors,
                const WriteOptions& opt, const std::string& path) {
  const std::vector<uint8_t> image = SerializeEbm(ckpt, tensors, opt);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return InvalidArgument(tmp + ": cannot create output file (" +
                           std::strerror(errno) + ")");
  }
  bool ok = image.empty() ||
            std::fwrite(image.data(), 1, image.size(), f) == image.size();
  const int write_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return Internal(tmp + ": write failed (" + std::strerror(write_errno) +
                    ")");
  }
  const Status loads = CheckRuntimeLoads(tmp);
  if (!loads.ok()) {
    std::remove(tmp.c_str());
    return loads;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return Internal("rename " + tmp + " -> " + path + " failed (" +
                    std::strerror(e) + ")");
  }
  return Status::Ok();
}

}  // namespace edgebert
