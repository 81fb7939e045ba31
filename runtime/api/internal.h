// Internal runtime API for the converter (quantize/), the CLI and tests:
// the FlatBuffer behind a Model, loading a model from bytes in memory, and
// the GEMM observer hook. Not part of the public API (runtime/api/edgebert.h);
// may change without notice.
#ifndef EDGEBERT_RUNTIME_API_INTERNAL_H_
#define EDGEBERT_RUNTIME_API_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/api/edgebert.h"
#include "runtime/base/status.h"
#include "runtime/model/model_file.h"
#include "runtime/model/op_profile.h"

namespace edgebert {

// Calibration hook: sees the input x [rows, k] and output y [rows, n] of
// every encoder GEMM after it ran. `gemm` is one of "qkv", "attn_out",
// "ffn_in" (y after GELU), "ffn_out", "classifier"; layer is -1 for the
// classifier. Pointers are valid during the call only.
struct GemmObservation {
  int layer;
  const char* gemm;
  const float* x;
  const float* y;
  size_t rows, k, n;
};
using GemmObserver = std::function<void(const GemmObservation&)>;

namespace internal {

struct Access {
  static const ModelFile& File(const Model& model) { return *model.file_; }
  // Copies `size` bytes of an .ebm image (ModelFile::FromBytes) and loads it
  // like Model::Load; `name` stands for the path in error messages.
  static StatusOr<std::unique_ptr<Model>> LoadFromBytes(
      const uint8_t* data, size_t size, const std::string& name);
  // Null (the default) disables the hook; not for production latency.
  static void SetGemmObserver(Tagger* tagger, GemmObserver observer);
  // Each Logits/Tag call from now on adds its per-op times to *profile
  // (op_profile.h); null (the default) turns profiling off.
  static void SetOpProfile(Tagger* tagger, OpProfile* profile);
};

inline const ModelFile& File(const Model& model) { return Access::File(model); }

}  // namespace internal
}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_INTERNAL_H_
