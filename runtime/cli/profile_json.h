// JSON of `edgebert bench --profile` and of the peak rates in `info`.
#ifndef EDGEBERT_RUNTIME_CLI_PROFILE_JSON_H_
#define EDGEBERT_RUNTIME_CLI_PROFILE_JSON_H_

#include <cstddef>
#include <vector>

#include "nlohmann/json.hpp"
#include "runtime/kernels/peak.h"
#include "runtime/model/op_profile.h"

namespace edgebert::cli {

// {"int8", "int8_method", "int8_tile", "f32", "method"}: GMAC/s per core.
nlohmann::json PeakJson(const kernels::PeakRates& p);

// What the profile of a bench configuration is computed from.
struct ProfileInput {
  const std::vector<OpProfile>* runs;  // one per timed iteration.
  const std::vector<double>* run_ms;   // wall ms of each, same order.
  double p50_ms = 0.0;                 // of run_ms.
  double cpu_p50_ms = 0.0;             // process CPU time p50.
  kernels::PeakRates peak;
  size_t threads = 1;
  bool int8 = false;            // the model's GEMMs are int8 (else f32).
  bool int8_attention = false;  // the attention core is int8 (else f32).
};

// Per-op breakdown averaged over the runs whose total lies between the 40th
// and 60th percentile (so that it describes a p50 run even when a loaded
// machine spreads the totals): per part ms, share, cpu_ms and, for the GEMMs
// and attention, GMAC, GMAC/s and the fraction of the per-core peak times
// the threads; sum_ms, sum_over_p50 and the end-to-end rate.
nlohmann::json ProfileJson(const ProfileInput& in);

}  // namespace edgebert::cli

#endif  // EDGEBERT_RUNTIME_CLI_PROFILE_JSON_H_
