// Runs the runtime on an in-memory .ebm image: the int8 path's calibration
// pass (with a GEMM observer) and its fidelity measurements.
#ifndef EDGEBERT_QUANTIZE_INT8_TAG_ALL_H_
#define EDGEBERT_QUANTIZE_INT8_TAG_ALL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "quantize/int8/fidelity.h"
#include "quantize/int8/progress.h"
#include "runtime/api/internal.h"
#include "runtime/base/status.h"

namespace edgebert {

// Loads `image` (quantize/writer SerializeEbm; `name` in messages) and tags
// every sentence with default TaggerOptions, `observer` installed if not
// null. InvalidArgument naming the 1-based sentence a Tag() call refused.
Status TagAll(const std::vector<uint8_t>& image, const std::string& name,
              const std::vector<std::string>& sentences,
              const GemmObserver& observer, Progress* progress,
              std::vector<SentenceTags>* out);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_TAG_ALL_H_
