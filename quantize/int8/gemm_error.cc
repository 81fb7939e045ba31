#include "quantize/int8/gemm_error.h"

#include <cmath>
#include <limits>
#include <utility>

#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

float GeluErf(float v) {
  return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
}

}  // namespace

QuantizedGemm PackGemm(const GemmSpec& g, const F32Tensor& w,
                       const std::vector<float>& smooth) {
  QuantizedGemm out;
  OutputTensor& t = out.tensor;
  t.name = g.weight;
  t.shape = {static_cast<int64_t>(g.n), static_cast<int64_t>(g.k)};
  t.dtype = fb::DType::I8;
  t.layout = fb::Layout::I8PackedK4;
  t.bytes.resize(quant::PackedI8Size(g.n, g.k));
  t.scales.resize(g.n);
  t.weight_sums.resize(g.n);
  t.smooth = smooth;
  int8_t* packed = reinterpret_cast<int8_t*>(t.bytes.data());
  quant::PackWeightsI8(w.data.data(), smooth.empty() ? nullptr : smooth.data(),
                       g.n, g.k, packed, t.scales.data(), t.weight_sums.data());
  out.q.resize(g.n * g.k);
  quant::UnpackWeightsI8(packed, g.n, g.k, out.q.data());
  return out;
}

QuantizedGemm WithRounded(const GemmSpec& g, const QuantizedGemm& base,
                          std::vector<int8_t> q) {
  QuantizedGemm out;
  out.tensor = base.tensor;
  OutputTensor& t = out.tensor;
  quant::PackQuantizedI8(q.data(), g.n, g.k,
                         reinterpret_cast<int8_t*>(t.bytes.data()),
                         t.weight_sums.data());
  out.q = std::move(q);
  return out;
}

namespace {

// RelErr over the sampled rows of use `use` (all rows if -1).
double RelErrOfUse(const GemmSpec& g, const GemmStats& st,
                   const QuantizedGemm& qg, const float* bias, int use) {
  std::vector<float> inv;
  for (float s : qg.tensor.smooth) inv.push_back(1.0f / s);
  std::vector<int8_t> xq(g.k);
  double num = 0, den = 0;
  for (size_t r = 0; r < st.sampled; ++r) {
    if (use >= 0 && st.use[r] != use) continue;
    const float rs =
        quant::QuantizeRow(st.xs.data() + r * g.k, g.k,
                           inv.empty() ? nullptr : inv.data(), xq.data());
    const float* yref = st.ys.data() + r * g.n;
    for (size_t n = 0; n < g.n; ++n) {
      const int8_t* wq = qg.q.data() + n * g.k;
      int32_t acc = 0;
      for (size_t i = 0; i < g.k; ++i) {
        acc += static_cast<int32_t>(xq[i]) * static_cast<int32_t>(wq[i]);
      }
      float y = static_cast<float>(acc) * (rs * qg.tensor.scales[n]) + bias[n];
      if (g.gelu) y = GeluErf(y);
      const double d = static_cast<double>(y) - yref[n];
      num += d * d;
      den += static_cast<double>(yref[n]) * yref[n];
    }
  }
  if (den == 0) return num == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(num / den);
}

}  // namespace

double RelErr(const GemmSpec& g, const GemmStats& st, const QuantizedGemm& qg,
              const float* bias) {
  return RelErrOfUse(g, st, qg, bias, -1);
}

std::vector<double> RelErrPerUse(const GemmSpec& g, const GemmStats& st,
                                 const QuantizedGemm& qg, const float* bias) {
  std::vector<double> out;
  for (size_t u = 0; u < g.uses.size(); ++u) {
    out.push_back(RelErrOfUse(g, st, qg, bias, static_cast<int>(u)));
  }
  return out;
}

}  // namespace edgebert
