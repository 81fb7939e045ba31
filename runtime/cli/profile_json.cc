#include "runtime/cli/profile_json.h"

#include <algorithm>
#include <cstdint>

namespace edgebert::cli {
namespace {

using nlohmann::json;

// Average of the runs between the 40th and 60th percentile of run_ms (at
// least one); *count receives how many.
OpProfile MedianBandAverage(const ProfileInput& in, size_t* count) {
  const std::vector<OpProfile>& runs = *in.runs;
  std::vector<size_t> order(runs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return (*in.run_ms)[a] < (*in.run_ms)[b];
  });
  const size_t lo = order.size() * 2 / 5;
  const size_t hi = std::max(lo + 1, (order.size() * 3 + 4) / 5);
  OpProfile avg;
  for (size_t i = lo; i < hi; ++i) {
    const OpProfile& r = runs[order[i]];
    for (int p = 0; p < kOpPartCount; ++p) {
      avg.seconds[p] += r.seconds[p] / (hi - lo);
      avg.cpu_seconds[p] += r.cpu_seconds[p] / (hi - lo);
      avg.macs[p] = r.macs[p];  // the same in every run.
    }
  }
  *count = hi - lo;
  return avg;
}

// The peak (GMAC/s, all threads) a part is measured against: the encoder
// GEMMs run in the model's precision, attention in the file's attention
// precision, the head in f32.
double PartPeak(const ProfileInput& in, OpPart part) {
  const bool f32 = part == OpPart::kAttention
                       ? !in.int8_attention
                       : !in.int8 || part == OpPart::kHead;
  return (f32 ? in.peak.f32_gmacs : in.peak.i8_gmacs) * in.threads;
}

json PartJson(const ProfileInput& in, const OpProfile& avg, int p,
              double sum_ms) {
  const double ms = avg.seconds[p] * 1e3;
  json j = {{"ms", ms},
            {"share", sum_ms > 0 ? ms / sum_ms : 0.0},
            {"cpu_ms", avg.cpu_seconds[p] * 1e3}};
  if (avg.macs[p] == 0) return j;
  const double gmac = avg.macs[p] / 1e9;
  const double gmacs = avg.seconds[p] > 0 ? gmac / avg.seconds[p] : 0.0;
  const double peak = PartPeak(in, static_cast<OpPart>(p));
  j["gmac"] = gmac;
  j["gmacs"] = gmacs;
  if (peak > 0) j["of_peak"] = gmacs / peak;
  if (in.threads == 1 && avg.cpu_seconds[p] > 0 && peak > 0) {
    j["of_peak_cpu_time"] = gmac / avg.cpu_seconds[p] / peak;
  }
  return j;
}

}  // namespace

json PeakJson(const kernels::PeakRates& p) {
  return {{"int8", p.i8_gmacs},
          {"int8_method", p.i8_method},
          {"int8_tile", p.i8_tile_gmacs},
          {"f32", p.f32_gmacs},
          {"method",
           "one core, best of 3 x 20 ms of thread CPU time: int8 = 16 chains "
           "of the kernel's dot-product instruction (tile where it has none), "
           "int8_tile = its register tile over k=256 in L1, f32 = 16 vector "
           "FMA chains"}};
}

json ProfileJson(const ProfileInput& in) {
  size_t count = 0;
  const OpProfile avg = MedianBandAverage(in, &count);
  double sum_ms = 0.0;
  uint64_t all_macs = 0;
  for (int p = 0; p < kOpPartCount; ++p) {
    sum_ms += avg.seconds[p] * 1e3;
    all_macs += avg.macs[p];
  }
  json parts = json::object();
  for (int p = 0; p < kOpPartCount; ++p) {
    parts[OpPartName(static_cast<OpPart>(p))] = PartJson(in, avg, p, sum_ms);
  }
  parts["gelu"] = {{"ms", 0.0}, {"share", 0.0}, {"fused_into", "ffn_up"}};
  const double gmac = all_macs / 1e9;
  const double peak =
      (in.int8 ? in.peak.i8_gmacs : in.peak.f32_gmacs) * in.threads;
  const double e2e = in.p50_ms > 0 ? gmac / (in.p50_ms * 1e-3) : 0.0;
  // On process CPU time (1 thread: robust to time-slicing on a loaded
  // machine).
  const double e2e_cpu =
      in.cpu_p50_ms > 0 ? gmac / (in.cpu_p50_ms * 1e-3) : 0.0;
  return {{"parts", parts},
          {"sum_ms", sum_ms},
          {"p50_ms", in.p50_ms},
          {"sum_over_p50", in.p50_ms > 0 ? sum_ms / in.p50_ms : 0.0},
          {"runs_averaged", count},
          {"peak_gmacs_per_core", PeakJson(in.peak)},
          {"end_to_end",
           {{"gmac", gmac},
            {"gmacs", e2e},
            {"of_peak", peak > 0 ? e2e / peak : 0.0},
            {"gmacs_cpu_time", e2e_cpu},
            {"of_peak_cpu_time", peak > 0 ? e2e_cpu / peak : 0.0}}}};
}

}  // namespace edgebert::cli
