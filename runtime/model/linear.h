// A fully-connected layer of the encoder, independent of its weight format:
//   y[m, n] = act(x[m, k] * W[n, k]^T + b[n]),  act = identity, GELU (erf or
//   tanh form) or ReLU (runtime/kernels/activation.h).
// Implementations: f32 (GemmF32: XNNPACK or Highway; weights stored
// F32PackedN16 are used zero-copy from the model file by Highway) and int8
// (dynamic per-row activation quantization x per-channel int8 weights, used
// zero-copy from the model file).
//
// Thread safety: Run() is const and may be called concurrently from several
// threads (distinct x, y and scratch): one Linear serves every Tagger of a
// model. Work inside Run() is spread over `pool`.
#ifndef EDGEBERT_RUNTIME_MODEL_LINEAR_H_
#define EDGEBERT_RUNTIME_MODEL_LINEAR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "runtime/base/status.h"
#include "runtime/base/thread_pool.h"
#include "runtime/ops/gemm_f32.h"

namespace edgebert {

class ModelFile;

// Values equal kernels::Act and kernels::GemmI8Epilogue.
enum class Activation { kNone = 0, kGeluErf = 1, kGeluTanh = 2, kRelu = 3 };

class Linear {
 public:
  virtual ~Linear() = default;
  // x: m rows, stride k. y: m rows, stride n. scratch: ScratchBytes(m)
  // bytes, 64-byte aligned, owned by the caller (the encoder arena).
  virtual void Run(const float* x, size_t m, float* y, void* scratch,
                   ThreadPool* pool) const = 0;
  // Scratch needed for up to `max_m` rows.
  virtual size_t ScratchBytes(size_t max_m) const = 0;
  // Bytes of weights this object owns beyond the model mapping.
  virtual size_t owned_bytes() const = 0;
  virtual const char* kind() const = 0;  // "f32/xnnpack", "int8", ...
  size_t k() const { return k_; }
  size_t n() const { return n_; }

 protected:
  Linear(size_t k, size_t n, Activation act) : k_(k), n_(n), act_(act) {}
  size_t k_, n_;
  Activation act_;
};

// Builds the layer `<weight_name>` / `<bias_name>` of shape [n, k] / [n] from
// the model file, whatever its stored format (f32 row-major or F32PackedN16,
// int8 I8PackedK4).
// The error names the tensor and the rule it broke.
StatusOr<std::unique_ptr<Linear>> CreateLinear(const ModelFile& file,
                                               const std::string& weight_name,
                                               const std::string& bias_name,
                                               size_t k, size_t n,
                                               Activation act,
                                               GemmF32::Backend f32_backend);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_LINEAR_H_
