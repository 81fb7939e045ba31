#include "runtime/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace edgebert {

namespace {

struct DTypeInfo {
  const char* name;
  StDType type;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {"BOOL", StDType::kBool, 1},      {"U8", StDType::kU8, 1},
    {"I8", StDType::kI8, 1},          {"I16", StDType::kI16, 2},
    {"U16", StDType::kU16, 2},        {"F16", StDType::kF16, 2},
    {"BF16", StDType::kBF16, 2},      {"I32", StDType::kI32, 4},
    {"U32", StDType::kU32, 4},        {"F32", StDType::kF32, 4},
    {"F64", StDType::kF64, 8},        {"I64", StDType::kI64, 8},
    {"U64", StDType::kU64, 8},        {"F8_E4M3", StDType::kF8E4M3, 1},
    {"F8_E5M2", StDType::kF8E5M2, 1},
};

const DTypeInfo& Info(StDType t) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.type == t) return d;
  }
  EB_CHECK(false);
  return kDTypes[0];
}

}  // namespace

const char* StDTypeName(StDType t) { return Info(t).name; }
size_t StDTypeSize(StDType t) { return Info(t).size; }

struct SafetensorsFile::Impl {
  std::string path;
  void* map = nullptr;
  size_t map_size = 0;
  std::map<std::string, StTensor> tensors;
  std::map<std::string, std::string> metadata;

  ~Impl() {
    if (map != nullptr) munmap(map, map_size);
  }
};

SafetensorsFile::SafetensorsFile() = default;
SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept =
    default;

const std::string& SafetensorsFile::path() const { return impl_->path; }

const StTensor* SafetensorsFile::Find(const std::string& name) const {
  auto it = impl_->tensors.find(name);
  return it == impl_->tensors.end() ? nullptr : &it->second;
}

const std::map<std::string, StTensor>& SafetensorsFile::tensors() const {
  return impl_->tensors;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

namespace {

Status ParseHeader(const std::string& path, const uint8_t* header,
                   size_t header_len, const uint8_t* data, size_t data_size,
                   std::map<std::string, StTensor>* tensors,
                   std::map<std::string, std::string>* metadata) {
  nlohmann::json j = nlohmann::json::parse(
      header, header + header_len, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLoss(path + ": safetensors header is not a valid JSON object");
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) {
        return DataLoss(path + ": __metadata__ must be a JSON object");
      }
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (m.value().is_string()) {
          (*metadata)[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v["dtype"].is_string() ||
        !v.contains("shape") || !v["shape"].is_array() ||
        !v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2) {
      return DataLoss(where +
                      ": entry must be an object with string 'dtype', array "
                      "'shape' and 2-element 'data_offsets'");
    }
    StTensor t;
    t.name = name;
    const std::string dtype = v["dtype"].get<std::string>();
    const DTypeInfo* info = nullptr;
    for (const DTypeInfo& d : kDTypes) {
      if (dtype == d.name) info = &d;
    }
    if (info == nullptr) {
      return Unimplemented(where + ": unknown dtype '" + dtype + "'");
    }
    t.dtype = info->type;
    uint64_t count = 1;
    for (const nlohmann::json& d : v["shape"]) {
      if (!d.is_number_unsigned()) {
        return DataLoss(where +
                        ": shape entries must be non-negative integers");
      }
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 &&
          count > std::numeric_limits<uint64_t>::max() / info->size / dim) {
        return DataLoss(where + ": shape element count overflows");
      }
      count *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const nlohmann::json& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      return DataLoss(where + ": data_offsets must be non-negative integers");
    }
    const uint64_t begin = off[0].get<uint64_t>();
    const uint64_t end = off[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return DataLoss(
          where + ": data_offsets [" + std::to_string(begin) + ", " +
          std::to_string(end) + ") not inside the data area of " +
          std::to_string(data_size) + " bytes (file truncated or corrupt)");
    }
    if (end - begin != count * info->size) {
      return DataLoss(where + ": holds " + std::to_string(end - begin) +
                      " bytes but shape x " + dtype + " needs " +
                      std::to_string(count * info->size));
    }
    t.num_elements = static_cast<int64_t>(count);
    t.data = data + begin;
    t.size = static_cast<size_t>(end - begin);
    if (t.size > 0) ranges.emplace_back(begin, end);
    (*tensors)[name] = std::move(t);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      return DataLoss(path + ": tensors overlap at data offset " +
                      std::to_string(ranges[i].first));
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  SafetensorsFile f;
  f.impl_ = std::make_unique<Impl>();
  f.impl_->path = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Internal(path + ": fstat failed (" + std::strerror(e) + ")");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    return DataLoss(path + ": " + std::to_string(file_size) +
                    " bytes is shorter than the 8-byte safetensors header "
                    "length");
  }
  if (file_size > std::numeric_limits<size_t>::max()) {
    ::close(fd);
    return ResourceExhausted(path + ": file too large to map");
  }
  void* map = mmap(nullptr, static_cast<size_t>(file_size), PROT_READ,
                   MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    return Internal(path + ": mmap failed (" + std::strerror(map_errno) + ")");
  }
  f.impl_->map = map;
  f.impl_->map_size = static_cast<size_t>(file_size);
  const uint8_t* bytes = static_cast<const uint8_t*>(map);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > file_size - 8) {
    return DataLoss(path + ": header length " + std::to_string(header_len) +
                    " exceeds the file size " + std::to_string(file_size) +
                    " - 8 (truncated or not a safetensors file)");
  }
  const size_t data_begin = static_cast<size_t>(8 + header_len);
  try {
    EB_RETURN_IF_ERROR(ParseHeader(
        path, bytes + 8, static_cast<size_t>(header_len), bytes + data_begin,
        static_cast<size_t>(file_size) - data_begin, &f.impl_->tensors,
        &f.impl_->metadata));
  } catch (const std::exception& e) {  // nlohmann type errors
    return DataLoss(path + ": bad safetensors header: " + e.what());
  }
  return f;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {  // inf / NaN
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {  // normal
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {  // +-0
    bits = sign;
  } else {             // subnormal: mant * 2^-24, renormalized
    uint32_t e = 113;  // exponent of 2^-14 is 127 - 14
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float Bf16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Status ToF32(const StTensor& t, std::vector<float>* out) {
  const size_t n = static_cast<size_t>(t.num_elements);
  out->resize(n);
  float* dst = out->data();
  switch (t.dtype) {
    case StDType::kF32:
      // Little-endian host assumed (all supported targets).
      if (n > 0) std::memcpy(dst, t.data, n * 4);
      return Status::Ok();
    case StDType::kF16:
    case StDType::kBF16: {
      const bool half = t.dtype == StDType::kF16;
      for (size_t i = 0; i < n; ++i) {
        const uint16_t v =
            static_cast<uint16_t>(t.data[2 * i] | (t.data[2 * i + 1] << 8));
        dst[i] = half ? HalfToFloat(v) : Bf16ToFloat(v);
      }
      return Status::Ok();
    }
    default:
      out->clear();
      return Unimplemented("tensor '" + t.name + "' has dtype " +
                           StDTypeName(t.dtype) +
                           "; only F32, F16 and BF16 are supported");
  }
}

}  // namespace edgebert
