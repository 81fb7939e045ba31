#include "runtime/model/model_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "flatbuffers/flatbuffers.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"
#include "runtime/model/checksum.h"
#include "runtime/model/file_integrity.h"
#include "runtime/model/head_config.h"
#include "runtime/model/layer_sharing.h"
#include "runtime/model/mapping_guard.h"
#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

size_t DTypeBytes(fb::DType t) {
  switch (t) {
    case fb::DType::F32:
      return 4;
    case fb::DType::F16:
      return 2;
    case fb::DType::I8:
      return 1;
    case fb::DType::I32:
      return 4;
  }
  return 0;
}

bool Positive(int v) { return v > 0; }

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(v));
  return buf;
}

// Bytes a tensor of this layout, dtype and shape occupies; an error if the
// layout does not admit that dtype or rank.
StatusOr<uint64_t> LayoutBytes(const fb::Tensor& t,
                               const std::vector<int64_t>& shape,
                               uint64_t row_major_bytes) {
  switch (t.layout()) {
    case fb::Layout::RowMajor:
      return row_major_bytes;
    case fb::Layout::I8PackedK4:
      if (t.dtype() != fb::DType::I8 || shape.size() != 2) {
        return FailedPrecondition(
            std::string("layout I8PackedK4 needs an i8 [N, K] tensor, not ") +
            DTypeName(t.dtype()) + " " + ShapeString(shape));
      }
      if (shape[1] > kMaxI8GemmK) {
        return FailedPrecondition("I8PackedK4 K = " + std::to_string(shape[1]) +
                                  " exceeds " + std::to_string(kMaxI8GemmK));
      }
      return quant::PackedI8Size(static_cast<size_t>(shape[0]),
                                 static_cast<size_t>(shape[1]));
    case fb::Layout::F32PackedN16:
      if (t.dtype() != fb::DType::F32 || shape.size() != 2) {
        return FailedPrecondition(
            std::string("layout F32PackedN16 needs an f32 [N, K] tensor, "
                        "not ") +
            DTypeName(t.dtype()) + " " + ShapeString(shape));
      }
      return kernels::F32PackedBytes(static_cast<uint64_t>(shape[0]),
                                     static_cast<uint64_t>(shape[1]));
  }
  return Unimplemented("unknown layout " +
                       std::to_string(static_cast<int>(t.layout())));
}

// quant of an I8PackedK4 weight [N, K]: N finite scales >= 0, N weight sums
// with |sum| <= 127 K (what N x K values in [-127, 127] can give), and no or
// K finite smoothing factors > 0; activation_passes 1 or 2.
Status ValidateI8GemmQuant(const fb::Tensor& t,
                           const std::vector<int64_t>& shape,
                           const std::string& tw) {
  const size_t n = static_cast<size_t>(shape[0]);
  const int64_t k = shape[1];
  const fb::QuantParams* q = t.quant();
  if (q == nullptr || q->scales() == nullptr || q->scales()->size() != n ||
      q->weight_sums() == nullptr || q->weight_sums()->size() != n) {
    return DataLoss(tw +
                    "int8 weight needs quant.scales and quant.weight_sums "
                    "with one entry per output channel (" +
                    std::to_string(n) + ")");
  }
  for (float s : *q->scales()) {
    if (!(s >= 0.f) || !std::isfinite(s)) {
      return DataLoss(tw + "quant.scales entry " + std::to_string(s) +
                      " must be finite and >= 0");
    }
  }
  if (q->activation_passes() != 1 && q->activation_passes() != 2) {
    return DataLoss(tw + "quant.activation_passes is " +
                    std::to_string(q->activation_passes()) +
                    ", must be 1 or 2");
  }
  const int64_t max_sum = 127 * k;
  for (size_t c = 0; c < n; ++c) {
    const int64_t ws =
        q->weight_sums()->Get(static_cast<flatbuffers::uoffset_t>(c));
    if (ws < -max_sum || ws > max_sum) {
      return DataLoss(
          tw + "quant.weight_sums[" + std::to_string(c) +
          "] = " + std::to_string(ws) + " is outside [-127 K, 127 K] = [" +
          std::to_string(-max_sum) + ", " + std::to_string(max_sum) + "]");
    }
  }
  if (q->smooth() != nullptr && q->smooth()->size() > 0) {
    if (q->smooth()->size() != static_cast<size_t>(k)) {
      return DataLoss(tw + "quant.smooth has " +
                      std::to_string(q->smooth()->size()) +
                      " entries, expected K = " + std::to_string(k));
    }
    for (float s : *q->smooth()) {
      if (!(s > 0.f) || !std::isfinite(s)) {
        return DataLoss(tw + "quant.smooth factor " + std::to_string(s) +
                        " must be finite and > 0");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const char* DTypeName(fb::DType t) {
  switch (t) {
    case fb::DType::F32:
      return "f32";
    case fb::DType::F16:
      return "f16";
    case fb::DType::I8:
      return "i8";
    case fb::DType::I32:
      return "i32";
  }
  return "unknown";
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

ModelFile::~ModelFile() {
  guard_.reset();
  if (base_ == nullptr) return;
  if (mapped_) {
    munmap(const_cast<uint8_t*>(base_), size_);
  } else {
    std::free(const_cast<uint8_t*>(base_));
  }
}

StatusOr<std::unique_ptr<ModelFile>> ModelFile::Open(
    const std::string& path, const OpenOptions& options) {
  std::unique_ptr<ModelFile> f(new ModelFile());
  f->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NotFound("cannot open model file '" + path +
                    "': " + std::strerror(errno));
  }
  const Status s = f->MapOrRead(fd, options.use_mmap);
  ::close(fd);
  EB_RETURN_IF_ERROR(s);
  EB_RETURN_IF_ERROR(f->Validate());
  return f;
}

StatusOr<std::unique_ptr<ModelFile>> ModelFile::FromBytes(
    const uint8_t* data, size_t size, const std::string& name) {
  std::unique_ptr<ModelFile> f(new ModelFile());
  f->path_ = name;
  f->size_ = size;
  if (size < 12) {
    return DataLoss("model image '" + name + "' is " + std::to_string(size) +
                    " bytes: too short to hold an edgebert header");
  }
  EB_RETURN_IF_ERROR(f->AllocateImage("for model image"));
  std::memcpy(const_cast<uint8_t*>(f->base_), data, size);
  EB_RETURN_IF_ERROR(f->Validate());
  return f;
}

Status ModelFile::AllocateImage(const char* what) {
  uint8_t* buf = static_cast<uint8_t*>(std::aligned_alloc(
      kTensorAlignment,
      (size_ + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment));
  if (buf == nullptr) {
    return ResourceExhausted("cannot allocate " + std::to_string(size_) +
                             " bytes " + what + " '" + path_ + "'");
  }
  base_ = buf;
  mapped_ = false;
  return Status::Ok();
}

Status ModelFile::MapOrRead(int fd, bool use_mmap) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument("model path '" + path_ + "' is not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ < 12) {
    return DataLoss("model file '" + path_ + "' is " + std::to_string(size_) +
                    " bytes: too short to hold an edgebert header");
  }
  if (use_mmap) {
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      return Internal("mmap of '" + path_ +
                      "' failed: " + std::strerror(errno));
    }
    base_ = static_cast<const uint8_t*>(p);
    mapped_ = true;
    guard_ = MappingGuard::Register(base_, size_);
    return Status::Ok();
  }
  EB_RETURN_IF_ERROR(AllocateImage("to read model file"));
  uint8_t* buf = const_cast<uint8_t*>(base_);
  size_t got = 0;
  while (got < size_) {
    const ssize_t r = ::read(fd, buf + got, size_ - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return DataLoss("model file '" + path_ + "': read failed after " +
                      std::to_string(got) + " of " + std::to_string(size_) +
                      " bytes (" + (r < 0 ? std::strerror(errno) : "EOF") +
                      "; file changed while loading?)");
    }
    got += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status ModelFile::Validate() {
  const std::string where = "model file '" + path_ + "': ";
  EB_RETURN_IF_ERROR(ValidateFraming(where));
  EB_RETURN_IF_ERROR(ValidateConfig(where));
  for (const fb::Tensor* tensor : *model_->tensors()) {
    EB_RETURN_IF_ERROR(ValidateTensor(*tensor, where));
  }
  return Status::Ok();
}

// Identifier, FlatBuffer structure, version, header checksum, and that the
// file is exactly [header][zero padding][data section].
Status ModelFile::ValidateFraming(const std::string& where) {
  if (!flatbuffers::BufferHasIdentifier(base_, fb::ModelIdentifier(),
                                        /*size_prefixed=*/true)) {
    return DataLoss(where + "file identifier is not \"" +
                    std::string(fb::ModelIdentifier()) +
                    "\": not an edgebert model");
  }
  uint32_t fb_size;
  std::memcpy(&fb_size, base_, 4);
  const uint64_t header_end = uint64_t{fb_size} + 4;
  if (header_end > size_) {
    return DataLoss(where + "header declares a " + std::to_string(fb_size) +
                    "-byte FlatBuffer but the file has only " +
                    std::to_string(size_) + " bytes (truncated?)");
  }
  flatbuffers::Verifier verifier(base_, static_cast<size_t>(header_end));
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) {
    return DataLoss(where + "FlatBuffer verification failed (corrupt file)");
  }
  model_ = fb::GetSizePrefixedModel(base_);
  const fb::Model& m = *model_;
  if (m.format_version() != kFormatVersion) {
    std::string msg = where + "format_version " +
                      std::to_string(m.format_version()) +
                      " is not supported (this runtime reads version " +
                      std::to_string(kFormatVersion) + ")";
    if (m.format_version() < kFormatVersion) {
      msg += "; re-convert the checkpoint with this edgebert-convert";
    }
    return Unimplemented(msg);
  }
  StatusOr<uint64_t> sum =
      HeaderChecksum(base_, static_cast<size_t>(header_end), m);
  if (!sum.ok()) return DataLoss(where + sum.status().message());
  if (sum.value() != m.header_checksum()) {
    return DataLoss(where + "header checksum mismatch (expected " +
                    Hex(m.header_checksum()) + ", computed " +
                    Hex(sum.value()) +
                    "): config, vocab, labels or tensor table are corrupt");
  }
  const uint64_t data_begin = m.data_offset();
  const uint64_t data_end = data_begin + m.data_size();
  if (data_begin % kTensorAlignment != 0 || data_begin < header_end ||
      data_end < data_begin || data_end > size_) {
    return DataLoss(where + "data section [" + std::to_string(data_begin) +
                    ", " + std::to_string(data_end) +
                    ") does not fit the file of " + std::to_string(size_) +
                    " bytes (truncated?)");
  }
  if (data_end != size_) {
    return DataLoss(
        where + "the file is " + std::to_string(size_) +
        " bytes but its header declares " + std::to_string(data_end) + ": " +
        std::to_string(size_ - data_end) + " unexpected trailing bytes");
  }
  for (uint64_t i = header_end; i < data_begin; ++i) {
    if (base_[i] != 0) {
      return DataLoss(where + "padding byte at offset " + std::to_string(i) +
                      " before the data section is not zero");
    }
  }
  return Status::Ok();
}

// Encoder, tokenizer, labels and head.
Status ModelFile::ValidateConfig(const std::string& where) const {
  const fb::Model& m = *model_;
  const fb::EncoderConfig& e = *m.encoder();
  struct {
    const char* name;
    int value;
  } positives[] = {{"num_layers", e.num_layers()},
                   {"hidden_size", e.hidden_size()},
                   {"num_heads", e.num_heads()},
                   {"intermediate_size", e.intermediate_size()},
                   {"max_position_embeddings", e.max_position_embeddings()},
                   {"type_vocab_size", e.type_vocab_size()},
                   {"vocab_size", e.vocab_size()},
                   {"max_seq_len", e.max_seq_len()}};
  for (const auto& p : positives) {
    if (!Positive(p.value)) {
      return FailedPrecondition(where + "encoder." + p.name + " = " +
                                std::to_string(p.value) + " must be > 0");
    }
  }
  if (e.hidden_size() % e.num_heads() != 0) {
    return FailedPrecondition(
        where + "hidden_size " + std::to_string(e.hidden_size()) +
        " is not a multiple of num_heads " + std::to_string(e.num_heads()));
  }
  if (e.max_seq_len() < 3 || e.max_seq_len() > e.max_position_embeddings()) {
    return FailedPrecondition(
        where + "max_seq_len " + std::to_string(e.max_seq_len()) +
        " must be in [3, max_position_embeddings = " +
        std::to_string(e.max_position_embeddings()) + "]");
  }
  if (!(e.layer_norm_eps() > 0.f) || !std::isfinite(e.layer_norm_eps())) {
    return FailedPrecondition(where + "layer_norm_eps must be finite and > 0");
  }
  EB_RETURN_IF_ERROR(ValidateLayerSharing(e, m.tensors()->size(), where));
  if (e.attention() != fb::AttentionPrecision::Float32 &&
      e.attention() != fb::AttentionPrecision::Int8) {
    return FailedPrecondition(where + "encoder.attention = " +
                              std::to_string(static_cast<int>(e.attention())) +
                              " is not Float32 (0) or Int8 (1)");
  }
  const fb::TokenizerConfig& t = *m.tokenizer();
  const int vocab_n = t.vocab() ? static_cast<int>(t.vocab()->size()) : 0;
  if (vocab_n != e.vocab_size()) {
    return FailedPrecondition(
        where + "tokenizer vocab has " + std::to_string(vocab_n) +
        " entries but encoder.vocab_size is " + std::to_string(e.vocab_size()));
  }
  struct {
    const char* name;
    int id;
  } ids[] = {{"unk_id", t.unk_id()},
             {"cls_id", t.cls_id()},
             {"sep_id", t.sep_id()},
             {"pad_id", t.pad_id()}};
  for (const auto& p : ids) {
    if (p.id < 0 || p.id >= vocab_n) {
      return FailedPrecondition(where + "tokenizer." + p.name + " = " +
                                std::to_string(p.id) + " is outside [0, " +
                                std::to_string(vocab_n) + ")");
    }
  }
  const int labels_n = static_cast<int>(m.labels()->size());
  if (labels_n == 0 || m.head()->num_labels() != labels_n) {
    return FailedPrecondition(
        where + "head.num_labels = " + std::to_string(m.head()->num_labels()) +
        " must equal the number of label names " + std::to_string(labels_n) +
        " (and be > 0)");
  }
  EB_RETURN_IF_ERROR(ValidateHeadConfig(m, where));
  if (m.metadata() != nullptr) {
    for (const fb::KeyValue* kv : *m.metadata()) {
      if (kv->key() == nullptr) {
        return FailedPrecondition(where + "a metadata entry has no key");
      }
    }
  }
  return Status::Ok();
}

Status ModelFile::ValidateTensor(const fb::Tensor& tensor,
                                 const std::string& where) {
  const std::string name = tensor.name()->str();
  const std::string tw = where + "tensor '" + name + "': ";
  TensorView v;
  v.meta = &tensor;
  // flatbuffers::Verifier aligns a vector's length field (4 bytes), not its
  // elements: a crafted file can place the int64 dimensions off 8 bytes.
  const flatbuffers::Vector<int64_t>& shape = *tensor.shape();
  const auto* dims = reinterpret_cast<const uint8_t*>(shape.data());
  if (static_cast<size_t>(dims - base_) % alignof(int64_t) != 0) {
    return DataLoss(tw + "shape vector at offset " +
                    std::to_string(dims - base_) + " is not " +
                    std::to_string(alignof(int64_t)) + "-byte aligned");
  }
  uint64_t elements = 1;
  for (int64_t d : shape) {
    if (d <= 0 || d > (int64_t{1} << 32)) {
      return DataLoss(tw + "dimension " + std::to_string(d) +
                      " is outside [1, 2^32]");
    }
    v.shape.push_back(d);
    elements *= static_cast<uint64_t>(d);
    if (elements > (uint64_t{1} << 48)) {
      return DataLoss(tw + "shape " + ShapeString(v.shape) + " is too large");
    }
  }
  const size_t elem = DTypeBytes(tensor.dtype());
  if (elem == 0) {
    return Unimplemented(tw + "unknown dtype " +
                         std::to_string(static_cast<int>(tensor.dtype())));
  }
  const uint64_t data_begin = model_->data_offset();
  const uint64_t data_end = data_begin + model_->data_size();
  const uint64_t off = tensor.offset(), bytes = tensor.size();
  if (off % kTensorAlignment != 0) {
    return DataLoss(tw + "offset " + std::to_string(off) +
                    " is not a multiple of 64");
  }
  if (off < data_begin || bytes > data_end || off > data_end - bytes) {
    return DataLoss(
        tw + "bytes [" + std::to_string(off) + ", " +
        std::to_string(off + bytes) + ") lie outside the data section [" +
        std::to_string(data_begin) + ", " + std::to_string(data_end) + ")");
  }
  StatusOr<uint64_t> need = LayoutBytes(tensor, v.shape, elements * elem);
  if (!need.ok()) return DataLoss(tw + need.status().message());
  if (bytes != need.value()) {
    return DataLoss(tw + "holds " + std::to_string(bytes) + " bytes but " +
                    fb::EnumNameLayout(tensor.layout()) + " shape " +
                    ShapeString(v.shape) + " of " + DTypeName(tensor.dtype()) +
                    " needs " + std::to_string(need.value()));
  }
  if (tensor.layout() == fb::Layout::I8PackedK4) {
    EB_RETURN_IF_ERROR(ValidateI8GemmQuant(tensor, v.shape, tw));
  } else if (tensor.quant() != nullptr &&
             tensor.quant()->activation_passes() != 1) {
    return DataLoss(tw + "quant.activation_passes is " +
                    std::to_string(tensor.quant()->activation_passes()) +
                    "; only an I8PackedK4 GEMM weight may have other than 1");
  }
  v.data = base_ + off;
  v.bytes = bytes;
  if (!tensors_.emplace(name, std::move(v)).second) {
    return DataLoss(tw + "appears twice");
  }
  return Status::Ok();
}

const TensorView* ModelFile::Find(std::string_view name) const {
  auto it = tensors_.find(std::string(name));
  return it == tensors_.end() ? nullptr : &it->second;
}

StatusOr<const TensorView*> ModelFile::Require(
    std::string_view name, fb::DType dtype,
    const std::vector<int64_t>& shape) const {
  const TensorView* v = Find(name);
  if (v == nullptr) {
    return FailedPrecondition("model file '" + path_ + "': tensor '" +
                              std::string(name) + "' is missing");
  }
  if (v->meta->dtype() != dtype) {
    return FailedPrecondition("model file '" + path_ + "': tensor '" +
                              std::string(name) + "' has dtype " +
                              DTypeName(v->meta->dtype()) + ", expected " +
                              DTypeName(dtype));
  }
  if (v->shape != shape) {
    return FailedPrecondition("model file '" + path_ + "': tensor '" +
                              std::string(name) + "' has shape " +
                              ShapeString(v->shape) + ", expected " +
                              ShapeString(shape));
  }
  if (v->meta->layout() != fb::Layout::RowMajor) {
    return FailedPrecondition("model file '" + path_ + "': tensor '" +
                              std::string(name) + "' has layout " +
                              fb::EnumNameLayout(v->meta->layout()) +
                              ", its role needs RowMajor");
  }
  return v;
}

Status ModelFile::VerifyChecksum() const {
  const fb::Model& m = *model_;
  const uint64_t got = Checksum64(base_ + m.data_offset(), m.data_size());
  if (got != m.data_checksum()) {
    return DataLoss("model file '" + path_ +
                    "': tensor data checksum mismatch (expected " +
                    Hex(m.data_checksum()) + ", computed " + Hex(got) +
                    "): the file is corrupt");
  }
  return Status::Ok();
}

Status ModelFile::FileStatus() const {
  if (guard_ == nullptr || !guard_->faulted()) return Status::Ok();
  return DataLoss("model file '" + path_ +
                  "' was truncated or rewritten in place while in use (bus "
                  "error reading offset " +
                  std::to_string(guard_->fault_offset()) +
                  "); results since are invalid: reload the model, and "
                  "replace model files atomically (write a new file, then "
                  "rename it over the old one)");
}

Status ModelFile::VerifyWeightSums() const {
  std::vector<int32_t> sums;
  for (const auto& [name, v] : tensors_) {
    if (v.meta->layout() != fb::Layout::I8PackedK4) continue;
    const quant::I8PackedDims d = quant::MakeI8PackedDims(
        static_cast<size_t>(v.shape[0]), static_cast<size_t>(v.shape[1]));
    sums.assign(d.n_padded, 0);
    const int8_t* q = v.as<int8_t>();
    // Each 64-byte block: 16 channels x 4 k (runtime/quant/codec.h).
    for (size_t p = 0; p < d.panels(); ++p) {
      int32_t* acc = sums.data() + p * quant::kI8PanelWidth;
      for (size_t g = 0; g < d.k_groups(); ++g) {
        for (size_t c = 0; c < quant::kI8PanelWidth;
             ++c, q += quant::kI8KGroup) {
          acc[c] += q[0] + q[1] + q[2] + q[3];
        }
      }
    }
    const auto* stored = v.meta->quant()->weight_sums();
    for (size_t c = 0; c < d.n; ++c) {
      if (sums[c] != stored->Get(static_cast<flatbuffers::uoffset_t>(c))) {
        return DataLoss("model file '" + path_ + "': tensor '" + name +
                        "': quant.weight_sums[" + std::to_string(c) + "] = " +
                        std::to_string(stored->Get(
                            static_cast<flatbuffers::uoffset_t>(c))) +
                        " but its weights sum to " + std::to_string(sums[c]));
      }
    }
  }
  return Status::Ok();
}

void ModelFile::Release(const TensorView& t) const {
  if (!mapped_) return;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t b = reinterpret_cast<uintptr_t>(t.data);
  uintptr_t e = b + t.bytes;
  b = (b + page - 1) & ~(page - 1);
  e &= ~(page - 1);
  if (e > b) {
    madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  }
}

std::string ModelFile::Metadata(std::string_view key) const {
  if (model_->metadata() == nullptr) return "";
  for (const fb::KeyValue* kv : *model_->metadata()) {
    if (kv->key() && kv->key()->string_view() == key && kv->value()) {
      return kv->value()->str();
    }
  }
  return "";
}

}  // namespace edgebert
