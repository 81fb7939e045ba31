// f32 fully-connected layer: y[M, N] = x[M, K] * W[N, K]^T + b[N]
// (nn.Linear layout). Backend: XNNPACK fully_connected_nc_f32 when built
// with it, otherwise a Highway GEMM (runtime/kernels/gemm_f32_hwy.*).
//
// Create() packs the weights (the backend owns a copy; the caller's W and b
// may be released afterwards). Run() does not allocate.
// Thread safety: Run() may be called concurrently (one GemmF32 serves every
// Tagger of a model). Highway: fully concurrent. XNNPACK: its operators hold
// per-call setup state, so concurrent Run()s of one object are serialized by
// a mutex (different objects still run concurrently).
#ifndef EDGEBERT_RUNTIME_OPS_GEMM_F32_H_
#define EDGEBERT_RUNTIME_OPS_GEMM_F32_H_

#include <pthreadpool.h>

#include <cstddef>
#include <memory>

#include "runtime/base/status.h"

namespace edgebert {

class GemmF32 {
 public:
  // kAuto: XNNPACK when compiled in, unless the environment variable
  // EDGEBERT_GEMM_BACKEND=highway forces the Highway GEMM (read once).
  // kXnnpack fails with kUnimplemented when XNNPACK is not compiled in.
  enum class Backend { kAuto, kXnnpack, kHighway };

  static StatusOr<std::unique_ptr<GemmF32>> Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n);
  static StatusOr<std::unique_ptr<GemmF32>> Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n, Backend backend);
  virtual ~GemmF32() = default;
  // x: m rows of stride k; y: m rows of stride n.
  virtual void Run(const float* x, size_t m, float* y,
                   pthreadpool_t pool) const = 0;
  virtual size_t packed_bytes() const = 0;
  // Backend chosen by kAuto: "xnnpack" or "highway".
  static const char* BackendName();
  // Backend of this object: "xnnpack" or "highway".
  virtual const char* backend_name() const = 0;
  // Whether the XNNPACK backend is compiled in.
  static bool HaveXnnpack();
};

// Must be called once before GemmF32::Create (idempotent, thread-safe).
Status InitGemmBackend();

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_OPS_GEMM_F32_H_
