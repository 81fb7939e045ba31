// f32 fully-connected layer: y[M, N] = x[M, K] * W[N, K]^T + b[N]
// (nn.Linear layout). Backends: the Highway GEMM (runtime/kernels/
// gemm_f32_hwy.*) and XNNPACK fully_connected_nc_f32 (when built with it).
//
// Default backend per target, chosen by measurement (ports/README.md table):
//   x86-64: Highway. On AMD Zen 4 (AVX-512, half-width FMA) it is within 3%
//     of Debian's XNNPACK at 1 thread, on Zen 5 (full-width AVX-512) 1.3-2.2x
//     faster (issue 12); its results are identical on every FMA target and
//     its weights can be used zero-copy from a pre-packed file.
//   arm64: XNNPACK when built with it (not measured on a device: under qemu
//     only correctness can be shown).
//   armhf and builds without XNNPACK: Highway.
// EDGEBERT_GEMM_BACKEND=highway|xnnpack overrides the default (read once;
// xnnpack is ignored when it is not compiled in).
//
// Create() packs the weights (the backend owns a copy; the caller's W and b
// may be released afterwards); CreateFromPacked() may use them in place.
// Run() does not allocate.
// Thread safety: Run() may be called concurrently (one GemmF32 serves every
// Tagger of a model). Highway: fully concurrent. XNNPACK: its operators hold
// per-call setup state, so concurrent Run()s of one object are serialized by
// a mutex (different objects still run concurrently).
#ifndef EDGEBERT_RUNTIME_OPS_GEMM_F32_H_
#define EDGEBERT_RUNTIME_OPS_GEMM_F32_H_

#include <cstddef>
#include <memory>

#include "runtime/base/status.h"
#include "runtime/base/thread_pool.h"

namespace edgebert {

class GemmF32 {
 public:
  // kAuto: the target's default or the environment override (above).
  // kXnnpack fails with kUnimplemented when XNNPACK is not compiled in.
  enum class Backend { kAuto, kXnnpack, kHighway };

  static StatusOr<std::unique_ptr<GemmF32>> Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n);
  static StatusOr<std::unique_ptr<GemmF32>> Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n, Backend backend);
  // W given in layout F32PackedN16 (runtime/kernels/gemm_f32_hwy_layout.h),
  // e.g. from a model file mapping. Highway uses it in place (`packed` must
  // outlive the result; only the bias is copied); XNNPACK gets an unpacked
  // copy. kAuto picks the backend as Create does.
  static StatusOr<std::unique_ptr<GemmF32>> CreateFromPacked(
      const float* packed, const float* bias, size_t k, size_t n,
      Backend backend);
  virtual ~GemmF32() = default;
  // x: m rows of stride k; y: m rows of stride n.
  virtual void Run(const float* x, size_t m, float* y,
                   ThreadPool* pool) const = 0;
  // Bytes of weights this object owns (0-copy Highway: the bias only).
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
