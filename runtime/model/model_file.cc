#include "runtime/model/model_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "flatbuffers/flatbuffers.h"
#include "runtime/model/checksum.h"

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
  if (base_ != nullptr) munmap(const_cast<uint8_t*>(base_), size_);
}

StatusOr<std::unique_ptr<ModelFile>> ModelFile::Open(const std::string& path) {
  std::unique_ptr<ModelFile> f(new ModelFile());
  f->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NotFound("cannot open model file '" + path +
                    "': " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("model path '" + path + "' is not a regular file");
  }
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ < 12) {
    ::close(fd);
    return DataLoss("model file '" + path + "' is " + std::to_string(f->size_) +
                    " bytes: too short to hold an edgebert header");
  }
  void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    return Internal("mmap of '" + path + "' failed: " + std::strerror(errno));
  }
  f->base_ = static_cast<const uint8_t*>(p);
  EB_RETURN_IF_ERROR(f->Validate());
  return f;
}

StatusOr<std::unique_ptr<ModelFile>> ModelFile::FromBytes(
    const uint8_t* data, size_t size, const std::string& name) {
  std::unique_ptr<ModelFile> f(new ModelFile());
  f->path_ = name;
  if (size < 12) {
    return DataLoss("model image '" + name + "' is " + std::to_string(size) +
                    " bytes: too short to hold an edgebert header");
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return ResourceExhausted("cannot map " + std::to_string(size) +
                             " bytes for model image '" + name +
                             "': " + std::strerror(errno));
  }
  std::memcpy(p, data, size);
  mprotect(p, size, PROT_READ);
  f->base_ = static_cast<const uint8_t*>(p);
  f->size_ = size;
  EB_RETURN_IF_ERROR(f->Validate());
  return f;
}

Status ModelFile::Validate() {
  const std::string where = "model file '" + path_ + "': ";
  if (!flatbuffers::BufferHasIdentifier(base_, fb::ModelIdentifier(),
                                        /*size_prefixed=*/true)) {
    return DataLoss(where + "file identifier is not \"" +
                    std::string(fb::ModelIdentifier()) +
                    "\": not an edgebert model");
  }
  uint32_t fb_size;
  std::memcpy(&fb_size, base_, 4);
  if (static_cast<uint64_t>(fb_size) + 4 > size_) {
    return DataLoss(where + "header declares a " + std::to_string(fb_size) +
                    "-byte FlatBuffer but the file has only " +
                    std::to_string(size_) + " bytes (truncated?)");
  }
  flatbuffers::Verifier verifier(base_, static_cast<size_t>(fb_size) + 4);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) {
    return DataLoss(where + "FlatBuffer verification failed (corrupt file)");
  }
  model_ = fb::GetSizePrefixedModel(base_);
  const fb::Model& m = *model_;
  if (m.format_version() != kFormatVersion) {
    return Unimplemented(where + "format_version " +
                         std::to_string(m.format_version()) +
                         " is not supported (this runtime reads version " +
                         std::to_string(kFormatVersion) + ")");
  }
  // Data section.
  const uint64_t data_begin = m.data_offset();
  const uint64_t data_end = data_begin + m.data_size();
  if (data_begin % kTensorAlignment != 0 || data_begin < fb_size + 4ull ||
      data_end < data_begin || data_end > size_) {
    return DataLoss(where + "data section [" + std::to_string(data_begin) +
                    ", " + std::to_string(data_end) +
                    ") does not fit the file of " + std::to_string(size_) +
                    " bytes (truncated?)");
  }
  // Encoder config.
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
  if (!(e.layer_norm_eps() > 0.f)) {
    return FailedPrecondition(where + "layer_norm_eps must be > 0");
  }
  // Tokenizer.
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
  if (t.max_input_chars_per_word() <= 0) {
    return FailedPrecondition(where +
                              "tokenizer.max_input_chars_per_word must be > 0");
  }
  // Labels and head.
  const int labels_n = static_cast<int>(m.labels()->size());
  if (labels_n == 0 || m.head()->num_labels() != labels_n) {
    return FailedPrecondition(
        where + "head.num_labels = " + std::to_string(m.head()->num_labels()) +
        " must equal the number of label names " + std::to_string(labels_n) +
        " (and be > 0)");
  }
  if (m.head()->kind() == fb::HeadKind::Crf) {
    const size_t l = static_cast<size_t>(labels_n);
    const auto* tr = m.head()->crf_transitions();
    const auto* cs = m.head()->crf_start();
    const auto* ce = m.head()->crf_end();
    if (!tr || tr->size() != l * l || !cs || cs->size() != l || !ce ||
        ce->size() != l) {
      return FailedPrecondition(where +
                                "CRF head needs transitions [labels x labels]"
                                " and start/end [labels]");
    }
  }
  // Tensors.
  for (const fb::Tensor* tensor : *m.tensors()) {
    const std::string name = tensor->name()->str();
    const std::string tw = where + "tensor '" + name + "': ";
    TensorView v;
    v.meta = tensor;
    uint64_t elements = 1;
    for (int64_t d : *tensor->shape()) {
      if (d <= 0 || d > (int64_t{1} << 32)) {
        return DataLoss(tw + "dimension " + std::to_string(d) +
                        " is outside [1, 2^32]");
      }
      v.shape.push_back(d);
      elements *= static_cast<uint64_t>(d);
    }
    const size_t elem = DTypeBytes(tensor->dtype());
    if (elem == 0) {
      return Unimplemented(tw + "unknown dtype " +
                           std::to_string(static_cast<int>(tensor->dtype())));
    }
    const uint64_t off = tensor->offset(), bytes = tensor->size();
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
    if (tensor->layout() == fb::Layout::RowMajor && bytes != elements * elem) {
      return DataLoss(tw + "holds " + std::to_string(bytes) +
                      " bytes but shape " + ShapeString(v.shape) + " of " +
                      DTypeName(tensor->dtype()) + " needs " +
                      std::to_string(elements * elem));
    }
    v.data = base_ + off;
    v.bytes = bytes;
    if (!tensors_.emplace(name, std::move(v)).second) {
      return DataLoss(tw + "appears twice");
    }
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
  return v;
}

Status ModelFile::VerifyChecksum() const {
  const fb::Model& m = *model_;
  const uint64_t got = Checksum64(base_ + m.data_offset(), m.data_size());
  if (got != m.data_checksum()) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "expected %016llx, computed %016llx",
                  static_cast<unsigned long long>(m.data_checksum()),
                  static_cast<unsigned long long>(got));
    return DataLoss("model file '" + path_ +
                    "': tensor data checksum mismatch (" + buf +
                    "): the file is corrupt");
  }
  return Status::Ok();
}

void ModelFile::Release(const TensorView& t) const {
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
