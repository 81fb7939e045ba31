#include "quantize/int8/gemm_quantizer.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <utility>

#include "quantize/int8/gptq.h"
#include "quantize/int8/smoothing.h"

namespace edgebert {
namespace {

double Median(std::vector<float> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (static_cast<double>(v[m - 1]) + v[m]);
}

// Sets res->chosen to the lowest-error smoothing variant (ties: the later
// alpha); rel_err_smoothed is the error with opt.smooth_alpha.
void ChooseSmoothing(const GemmSpec& g, const F32Tensor& w, const float* bias,
                     const GemmQuantizerOptions& opt, const GemmStats& st,
                     QuantizedGemm plain, GemmResult* res) {
  res->rel_err_unsmoothed = RelErr(g, st, plain, bias);
  std::vector<float> alphas = {opt.smooth_alpha};
  if (opt.alpha_search) {
    for (float a : kAlphaGrid) {
      if (a != opt.smooth_alpha) alphas.push_back(a);
    }
  }
  res->rel_err = res->rel_err_unsmoothed;
  res->chosen = std::move(plain);
  for (float a : alphas) {
    QuantizedGemm smooth =
        PackGemm(g, w, SmoothFactors(st.x_absmax, w.data.data(), g.n, g.k, a));
    const double e = RelErr(g, st, smooth, bias);
    if (a == opt.smooth_alpha) res->rel_err_smoothed = e;
    if (e <= res->rel_err) {
      res->rel_err = e;
      res->smoothed = true;
      res->alpha = a;
      res->chosen = std::move(smooth);
    }
  }
}

// Re-rounds res->chosen with GptqRound; kept if its error is lower. h is the
// GEMM's Hessian, overwritten.
void TryGptq(const GemmSpec& g, const F32Tensor& w, const float* bias,
             const GemmStats& st, std::vector<float>* h, GemmResult* res) {
  // The Hessian of the smoothed input x' = x * inv_smooth (the runtime's
  // f32 multiply): H'[i, j] = H[i, j] * inv[i] * inv[j].
  const std::vector<float>& smooth = res->chosen.tensor.smooth;
  if (!smooth.empty()) {
    for (size_t a = 0; a < g.k; ++a) {
      const float ia = 1.0f / smooth[a];
      for (size_t b = 0; b < g.k; ++b) {
        (*h)[a * g.k + b] *= ia * (1.0f / smooth[b]);
      }
    }
  }
  // The smoothed weight W'[n, k] = W[n, k] * s[k] (codec.h).
  std::vector<float> ws(w.data.begin(), w.data.end());
  if (!smooth.empty()) {
    for (size_t r = 0; r < g.n; ++r) {
      for (size_t a = 0; a < g.k; ++a) ws[r * g.k + a] *= smooth[a];
    }
  }
  std::vector<int8_t> q(g.n * g.k);
  const Status gs =
      GptqRound(ws.data(), g.n, g.k, res->chosen.tensor.scales.data(),
                h->data(), kGptqDamp, q.data());
  if (!gs.ok()) {
    res->gptq_error = gs.message();  // stays nearest-rounded
    return;
  }
  QuantizedGemm rounded = WithRounded(g, res->chosen, std::move(q));
  const double e = RelErr(g, st, rounded, bias);
  if (e < res->rel_err) {
    res->rel_err = e;
    res->gptq = true;
    res->chosen = std::move(rounded);
  }
}

}  // namespace

GemmResult QuantizeGemm(const GemmSpec& g, const F32Tensor& w,
                        const float* bias, const GemmQuantizerOptions& opt,
                        GemmStats* st) {
  GemmResult res;
  QuantizedGemm plain = PackGemm(g, w, {});
  if (!opt.calibrated) {
    res.chosen = std::move(plain);
    return res;
  }
  res.max_abs_x = *std::max_element(st->x_absmax.begin(), st->x_absmax.end());
  const double med = Median(st->x_absmax);
  res.outlier_ratio = med > 0 ? res.max_abs_x / med : NAN;
  ChooseSmoothing(g, w, bias, opt, *st, std::move(plain), &res);
  res.rel_err_nearest = res.rel_err;
  if (opt.use_gptq) {
    TryGptq(g, w, bias, *st, &st->hessian, &res);
    std::vector<float>().swap(st->hessian);
  }
  res.rel_err_per_use = RelErrPerUse(g, *st, res.chosen, bias);
  return res;
}

std::vector<GemmResult> QuantizeGemms(const Checkpoint& ckpt,
                                      const std::vector<GemmSpec>& specs,
                                      const GemmQuantizerOptions& opt,
                                      std::vector<GemmStats>* stats) {
  std::vector<GemmResult> results(specs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < specs.size();) {
      const GemmSpec& g = specs[i];
      results[i] =
          QuantizeGemm(g, ckpt.weights.at(g.weight),
                       ckpt.weights.at(g.bias).data.data(), opt, &(*stats)[i]);
    }
  };
  const size_t threads = std::min<size_t>(
      specs.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  } catch (const std::system_error&) {
    // Fewer threads: the remaining ones (and this one) do all the work.
  }
  worker();
  for (std::thread& t : pool) t.join();
  return results;
}

}  // namespace edgebert
