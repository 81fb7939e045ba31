#include "quantize/options.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace edgebert {
namespace {

// Looks `s` up among `names` (spellings of enum values 0..n-1).
template <typename E, size_t N>
StatusOr<E> ParseName(const char* flag, const std::string& s,
                      const char* const (&names)[N], const char* listed) {
  for (size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  return InvalidArgument(std::string("--") + flag + " '" + s +
                         "' is not one of: " + listed);
}

// Indexed by the enum values.
constexpr const char* kPrecisionNames[] = {"f32", "int8"};
constexpr const char* kWeightRoundingNames[] = {"nearest", "gptq"};
constexpr const char* kInt8EmbeddingsNames[] = {"word", "all"};

}  // namespace

const char* PrecisionName(Precision p) {
  return kPrecisionNames[static_cast<int>(p)];
}
const char* WeightRoundingName(WeightRounding r) {
  return kWeightRoundingNames[static_cast<int>(r)];
}
const char* Int8EmbeddingsName(Int8Embeddings e) {
  return kInt8EmbeddingsNames[static_cast<int>(e)];
}

StatusOr<Precision> ParsePrecision(const std::string& s) {
  return ParseName<Precision>("precision", s, kPrecisionNames, "f32, int8");
}
StatusOr<WeightRounding> ParseWeightRounding(const std::string& s) {
  return ParseName<WeightRounding>("weight-rounding", s, kWeightRoundingNames,
                                   "nearest, gptq");
}
StatusOr<Int8Embeddings> ParseInt8Embeddings(const std::string& s) {
  return ParseName<Int8Embeddings>("int8-embeddings", s, kInt8EmbeddingsNames,
                                   "all, word");
}

Status ValidateInt8Options(const Int8Options& o) {
  if (!(o.smooth_alpha >= 0.0f && o.smooth_alpha <= 1.0f)) {
    return InvalidArgument("--smooth-alpha " + std::to_string(o.smooth_alpha) +
                           " must be in [0, 1]");
  }
  if (o.calibration_limit < 1) {
    return InvalidArgument("--calibration-limit " +
                           std::to_string(o.calibration_limit) +
                           " must be >= 1");
  }
  if (!(o.min_fidelity >= 0) || !std::isfinite(o.min_fidelity)) {
    return InvalidArgument("--min-fidelity " + std::to_string(o.min_fidelity) +
                           " must be a finite number >= 0 (0 = off)");
  }
  if (o.calibration_path.empty() && o.min_fidelity > 0) {
    return InvalidArgument(
        "--min-fidelity needs --calibration (the guard measures fidelity on "
        "the calibration sentences)");
  }
  return Status::Ok();
}

StatusOr<std::string> CreatedFromSourceDateEpoch(const char* value) {
  if (value == nullptr) return std::string();
  const size_t n = std::strlen(value);
  bool digits = n >= 1 && n <= 18;
  for (size_t i = 0; digits && i < n; ++i) {
    digits = value[i] >= '0' && value[i] <= '9';
  }
  if (!digits) {
    return InvalidArgument(std::string("SOURCE_DATE_EPOCH '") + value +
                           "' must be 1 to 18 decimal digits (seconds since "
                           "1970-01-01 UTC)");
  }
  const std::time_t t =
      static_cast<std::time_t>(std::strtoll(value, nullptr, 10));
  std::tm tm{};
  char buf[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return InvalidArgument(std::string("SOURCE_DATE_EPOCH '") + value +
                           "' is not a representable UTC time");
  }
  return std::string(buf);
}

}  // namespace edgebert
