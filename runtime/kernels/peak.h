// Per-core peak multiply-accumulate rates of this CPU, measured by short
// built-in loops on register/L1-resident operands (for `edgebert info` and
// the achieved-vs-peak figures of `edgebert bench --profile`).
#ifndef EDGEBERT_RUNTIME_KERNELS_PEAK_H_
#define EDGEBERT_RUNTIME_KERNELS_PEAK_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

struct PeakRates {
  // int8: the dispatched kernel's dot-product instruction in independent
  // chains (GemmI8DotLoop: vpdpbusd, sdot) where it has one, else its tile.
  double i8_gmacs = 0.0;
  const char* i8_method = "";  // "instruction" or "tile".
  // int8: the dispatched int8 GEMM micro-kernel's full register tile over
  // k = 256 in L1 (GemmI8TileLoop), without memory traffic or epilogue.
  double i8_tile_gmacs = 0.0;
  // f32: independent vector FMA chains of the dispatched Highway target
  // (enough to cover FMA latency x 2 pipes), GMAC = lanes x FMAs.
  double f32_gmacs = 0.0;
};

// Best of 3 runs of about `seconds_per_run` each of the calling thread's CPU
// time (time waiting for a core on a loaded machine does not count).
PeakRates MeasurePeakRates(double seconds_per_run = 0.02);

// Runs `reps` rounds of the f32 FMA loop; returns the multiply-adds done.
uint64_t F32FmaLoop(size_t reps);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_PEAK_H_
