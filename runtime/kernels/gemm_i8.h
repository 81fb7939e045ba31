// int8 fully-connected layer: dynamic per-row int8 activations x per-output-
// channel int8 weights packed as I8PackedK4 (formulas, rounding and layout in
// runtime/quant/codec.h):
//   acc[m, n] = sum_k xq[m, k] * wq[n, k]                      (int32, exact)
//   y[m, n]   = float(acc) * (row_scale[m] * scale[n]) + bias[n]  [-> GELU]
//
// Highway dynamic dispatch, once per call. Per-target micro-kernels
// (gemm_i8_{x86,neon,generic}-inl.h, driver in gemm_i8.cc):
//   AVX3_DL: vpdpbusd (activations fed as u8 = q + 128, corrected with
//            -128 * weight_sums[n]); AVX3 / AVX2: sign-extend to int16 +
//            vpmaddwd; NEON, SVE, SVE2: vdotq_s32 when the CPU has the dot
//            product extension (getauxval), else vmull_s8 + vpadalq_s16;
//            other targets (SSE4, SSSE3, EMU128, SCALAR): generic Highway
//            int32 code.
// Every path yields int32 accumulators bit-identical to gemm_i8_ref.h.
//
// No function allocates, validates or logs; preconditions are the caller's.
// All functions are safe to call concurrently on disjoint outputs.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_H_

#include <cstddef>
#include <cstdint>

#include "runtime/base/thread_pool.h"

namespace edgebert::kernels {

// A packed int8 weight, typically pointers into the mmapped model file.
struct PackedWeightsI8View {
  const int8_t* packed = nullptr;  // PackedI8Size(n, k) bytes, I8PackedK4.
  const float* scales = nullptr;   // n.
  const int32_t* weight_sums = nullptr;  // n, sum_k wq[n, k].
  const float* bias = nullptr;           // n, may be null (= 0).
  size_t n = 0;
  size_t k = 0;
};

// Values equal det::kAct* and kernels::Act (activation.h).
enum class GemmI8Epilogue : uint8_t {
  kNone = 0,  // y = dequantized acc + bias.
  // y = GELU(dequantized acc + bias), 0.5 v (1 + erf(v/sqrt2)), computed by
  // det::GeluErf (runtime/kernels/det_math-inl.h), the function of
  // kernels::BiasGeluErf: |erf error| <= tol::kErfMaxAbsErr.
  kGeluErf = 1,
  // y = tanh-form GELU (det::GeluTanh) / max(v, 0): the functions of
  // kernels::BiasActivation (activation.h).
  kGeluTanh = 2,
  kRelu = 3,
};

// y[m, n] (row stride y_stride floats) from xq, m rows quantized by
// kernels::QuantizeActivations (runtime/kernels/quantize_i8.h).
// Parallel over 16-channel panel groups with `pool` (may be null).
void GemmI8(const PackedWeightsI8View& w, const int8_t* xq,
            const float* row_scales, size_t m, float* y, size_t y_stride,
            GemmI8Epilogue epilogue, ThreadPool* pool);

// Same loop, but writes the exact int32 accumulators acc[m, n] (row stride
// acc_stride) instead of the f32 epilogue. For tests and debugging.
void GemmI8Int32(const PackedWeightsI8View& w, const int8_t* xq, size_t m,
                 int32_t* acc, size_t acc_stride, ThreadPool* pool);

// Name of the micro-kernel the current CPU / target mask dispatches to, e.g.
// "AVX3_DL:vnni", "AVX2:madd16", "NEON:dotprod", "EMU128:generic".
const char* GemmI8KernelName();

// Bit mask of the Highway targets compiled into gemm_i8.cc (HWY_TARGETS).
int64_t GemmI8CompiledTargets();

// Runs the current micro-kernel's full register tile `reps` times on
// L1-resident operands (k = 256, no epilogue) in the calling thread; returns
// the multiply-accumulates done. For the peak-rate loop (kernels/peak.h).
uint64_t GemmI8TileLoop(size_t reps);

// Runs `reps` rounds of the current kernel's dot-product instruction
// (vpdpbusd on AVX3_DL, sdot on Arm dotprod) in independent register chains;
// returns the multiply-accumulates done, 0 for kernels without such a loop.
uint64_t GemmI8DotLoop(size_t reps);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_H_
