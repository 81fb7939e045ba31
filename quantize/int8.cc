#include "quantize/int8.h"

#include <pthreadpool.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/api/edgebert.h"
#include "runtime/api/internal.h"
#include "runtime/head/entities.h"
#include "runtime/kernels/gemm_f32_hwy.h"
#include "runtime/model/tensor_names.h"
#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Calibration text.

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> f;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) f.push_back(line.substr(i, j - i));
    i = j;
  }
  return f;
}

bool LooksLikeTag(const std::string& t) {
  if (t == "O") return true;
  if (t.size() < 3) return false;
  const char p = t[0];
  return (p == 'B' || p == 'I' || p == 'E' || p == 'S' || p == 'M') &&
         (t[1] == '-' || t[1] == '_');
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// ---------------------------------------------------------------------------
// GEMMs of the encoder, in file order.

struct GemmSpec {
  int layer;
  const char* gemm;  // observer name
  std::string weight, bias;
  size_t n, k;
  bool gelu;
};

std::vector<GemmSpec> GemmSpecs(const HfCheckpoint& c) {
  const size_t h = c.hidden_size, in = c.intermediate_size;
  std::vector<GemmSpec> out;
  for (int i = 0; i < c.num_layers; ++i) {
    namespace n = names;
    out.push_back({i, "qkv", n::Layer(i, n::kQkvWeight),
                   n::Layer(i, n::kQkvBias), 3 * h, h, false});
    out.push_back({i, "attn_out", n::Layer(i, n::kAttnOutWeight),
                   n::Layer(i, n::kAttnOutBias), h, h, false});
    out.push_back({i, "ffn_in", n::Layer(i, n::kFfnInWeight),
                   n::Layer(i, n::kFfnInBias), in, h, true});
    out.push_back({i, "ffn_out", n::Layer(i, n::kFfnOutWeight),
                   n::Layer(i, n::kFfnOutBias), h, in, false});
  }
  return out;
}

int GemmIndex(int layer, const char* gemm) {
  static const char* const kNames[] = {"qkv", "attn_out", "ffn_in", "ffn_out"};
  for (int j = 0; j < 4; ++j) {
    if (std::strcmp(gemm, kNames[j]) == 0) return layer * 4 + j;
  }
  return -1;
}

// Calibration statistics of one GEMM input / output.
struct GemmStats {
  std::vector<float> x_absmax;  // [k]
  std::vector<float> xs, ys;    // sampled rows: [rows, k], [rows, n]
  // H = X^T X over all observed rows, [k, k]; empty unless GPTQ rounding
  // is on.
  std::vector<float> hessian;
  size_t cap = 0;  // max sampled rows
  size_t sampled = 0;
  uint64_t seen = 0;
  uint64_t rng = 0;
};

// Buffers of AccumulateHessian, shared by all GEMMs (one call at a time).
struct HessianScratch {
  std::vector<float> xt;    // [k, rows]
  std::vector<float> prod;  // [k, k]
};

// h[i, j] += sum_r x[r, i] * x[r, j] (all i, j), x: [rows, k]. The product
// X^T X of one call (<= one window of rows) is formed in f32 by the runtime's
// f32 GEMM (kernels::GemmF32Hwy, y = x W^T with x = W = X^T), then added to h.
void AccumulateHessian(const float* x, size_t rows, size_t k, float* h,
                       HessianScratch* s) {
  if (rows == 0) return;
  s->xt.resize(k * rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < k; ++i) s->xt[i * rows + r] = x[r * k + i];
  }
  s->prod.resize(k * k);
  kernels::GemmF32Hwy gemm;
  if (gemm.Pack(s->xt.data(), nullptr, rows, k)) {
    gemm.Run(s->xt.data(), k, s->prod.data(), nullptr);
  } else {  // allocation failure: the same sums, scalar.
    for (size_t i = 0; i < k; ++i) {
      for (size_t j = 0; j < k; ++j) {
        float acc = 0.0f;
        for (size_t r = 0; r < rows; ++r) {
          acc += s->xt[i * rows + r] * s->xt[j * rows + r];
        }
        s->prod[i * k + j] = acc;
      }
    }
  }
  for (size_t i = 0; i < k * k; ++i) h[i] += s->prod[i];
}

// splitmix64 (Steele, Lea, Flood 2014).
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Rows sampled for a GEMM of n x k: up to kSampleRows, fewer for large GEMMs
// so that the scalar error measurement stays ~2^28 MACs per GEMM.
size_t SampleCap(size_t n, size_t k) {
  const size_t by_cost = (size_t{1} << 28) / std::max<size_t>(1, n * k);
  return std::min(kSampleRows, std::max<size_t>(128, by_cost));
}

// Reservoir sampling (Algorithm R) of the observed rows; the Hessian over
// all rows.
void Observe(const GemmObservation& o, GemmStats* s, HessianScratch* scratch) {
  if (!s->hessian.empty()) {
    AccumulateHessian(o.x, o.rows, o.k, s->hessian.data(), scratch);
  }
  for (size_t r = 0; r < o.rows; ++r) {
    const float* x = o.x + r * o.k;
    for (size_t i = 0; i < o.k; ++i) {
      s->x_absmax[i] = std::max(s->x_absmax[i], std::fabs(x[i]));
    }
    size_t slot = s->cap;
    if (s->sampled < s->cap) {
      slot = s->sampled++;
      s->xs.resize(s->sampled * o.k);
      s->ys.resize(s->sampled * o.n);
    } else {
      const uint64_t j = SplitMix64(&s->rng) % (s->seen + 1);
      if (j < s->cap) slot = static_cast<size_t>(j);
    }
    ++s->seen;
    if (slot < s->cap) {
      std::memcpy(s->xs.data() + slot * o.k, x, o.k * sizeof(float));
      std::memcpy(s->ys.data() + slot * o.n, o.y + r * o.n,
                  o.n * sizeof(float));
    }
  }
}

// ---------------------------------------------------------------------------
// Progress on stderr: a \r-updated bar on a TTY, else a line per 10%.

class Progress {
 public:
  Progress(bool enabled, std::string label, size_t total)
      : enabled_(enabled && total > 0),
        tty_(isatty(2) == 1),
        label_(std::move(label)),
        total_(total) {}
  void Update(size_t done) {
    if (!enabled_) return;
    if (tty_) {
      const int width = 30;
      const int fill = static_cast<int>(done * width / total_);
      std::string bar(fill, '#');
      bar.append(width - fill, '.');
      std::fprintf(stderr, "\r[%s] %s %zu/%zu", bar.c_str(), label_.c_str(),
                   done, total_);
      if (done == total_) std::fputc('\n', stderr);
      std::fflush(stderr);
    } else {
      const size_t decile = done * 10 / total_;
      if (decile > last_decile_ || done == total_) {
        last_decile_ = decile;
        std::fprintf(stderr, "%s %zu/%zu\n", label_.c_str(), done, total_);
      }
    }
  }

 private:
  bool enabled_, tty_;
  std::string label_;
  size_t total_;
  size_t last_decile_ = 0;
};

// A private temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  Status Create() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/edgebert_convert_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Internal("cannot create a temporary directory " + tmpl + " (" +
                      std::strerror(errno) + ")");
    }
    path_ = tmpl;
    return Status::Ok();
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Labels and entities of one sentence.
struct SentenceTags {
  std::vector<int32_t> labels;
  std::vector<SpanLabel> spans;
};

// Loads `model_path` and tags every sentence (with `observer` installed if
// not null).
Status TagAll(const std::string& model_path,
              const std::vector<std::string>& sentences,
              const GemmObserver& observer, Progress* progress,
              std::vector<SentenceTags>* out) {
  StatusOr<std::unique_ptr<Model>> model = Model::Load(model_path);
  if (!model.ok()) return model.status();
  // Threads only pay off for GEMMs of a real model; on tiny ones the pool's
  // wake-ups cost more than the work.
  const bool threaded = model.value()->config().hidden_size >= 256;
  std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)> pool(
      threaded ? pthreadpool_create(0) : nullptr, &pthreadpool_destroy);
  StatusOr<std::unique_ptr<Tagger>> tagger =
      Tagger::Create(*model.value(), TaggerOptions{}, pool.get());
  if (!tagger.ok()) return tagger.status();
  if (observer)
    internal::Access::SetGemmObserver(tagger.value().get(), observer);
  out->assign(sentences.size(), SentenceTags{});
  TagResult r;
  for (size_t i = 0; i < sentences.size(); ++i) {
    Status s = tagger.value()->Tag(sentences[i], &r, /*want_tokens=*/true);
    if (!s.ok()) {
      return InvalidArgument("calibration sentence " + std::to_string(i + 1) +
                             ": " + s.message());
    }
    SentenceTags& t = (*out)[i];
    for (const TokenResult& tok : r.tokens) t.labels.push_back(tok.label);
    for (const Entity& e : r.entities) {
      t.spans.push_back(SpanLabel{e.start, e.end, e.entity_group});
    }
    if (progress) progress->Update(i + 1);
  }
  internal::Access::SetGemmObserver(tagger.value().get(), nullptr);
  return Status::Ok();
}

struct Fidelity {
  double token_agreement = 0, entity_f1 = 0;
  uint64_t tokens = 0, ref_entities = 0, cand_entities = 0;
};

Fidelity Compare(const std::vector<SentenceTags>& ref,
                 const std::vector<SentenceTags>& cand) {
  Fidelity f;
  uint64_t agree = 0;
  PrfCounts prf;
  for (size_t i = 0; i < ref.size(); ++i) {
    const auto& a = ref[i].labels;
    const auto& b = cand[i].labels;
    const size_t common = std::min(a.size(), b.size());
    f.tokens += std::max(a.size(), b.size());
    for (size_t j = 0; j < common; ++j) agree += a[j] == b[j];
    prf.Add(ref[i].spans, cand[i].spans);
  }
  f.token_agreement = f.tokens ? static_cast<double>(agree) / f.tokens : 1.0;
  f.ref_entities = prf.gold;
  f.cand_entities = prf.predicted;
  f.entity_f1 = (prf.gold == 0 && prf.predicted == 0) ? 1.0 : prf.f1();
  return f;
}

// ---------------------------------------------------------------------------
// Quantized tensors and their error.

struct QuantizedGemm {
  OutputTensor tensor;    // I8 / I8PackedK4
  std::vector<int8_t> q;  // unpacked [n, k] (codec UnpackWeightsI8)
};

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

// `base` with its weights replaced by the rounded q[n, k] (same scales and
// smoothing), packed by codec.h PackQuantizedI8.
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

// Upper triangular u [k, k] row-major with A = U U^T, A = H + lambda I
// (only the upper triangle of h is read; h[i, i] == 0 -> A[i, i] = lambda).
// Column by column from the last: U[j, j] = sqrt(A[j, j] - sum_{m>j}
// U[j, m]^2), U[i, j] = (A[i, j] - sum_{m>j} U[i, m] U[j, m]) / U[j, j] for
// i < j. False if a pivot is not positive (A not positive definite).
bool ReverseCholesky(const float* h, size_t k, double lambda,
                     std::vector<double>* u_out) {
  std::vector<double>& u = *u_out;
  u.assign(k * k, 0.0);
  for (size_t jj = k; jj-- > 0;) {
    const double* uj = u.data() + jj * k;
    double d = static_cast<double>(h[jj * k + jj]) + lambda;
    for (size_t m = jj + 1; m < k; ++m) d -= uj[m] * uj[m];
    if (!(d > 0) || !std::isfinite(d)) return false;
    const double ujj = std::sqrt(d);
    u[jj * k + jj] = ujj;
    for (size_t i = 0; i < jj; ++i) {
      const double* ui = u.data() + i * k;
      double s = h[i * k + jj];
      for (size_t m = jj + 1; m < k; ++m) s -= ui[m] * uj[m];
      u[i * k + jj] = s / ujj;
    }
  }
  return true;
}

float GeluErf(float v) {
  return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
}

// ||y_int8 - y_f32||_F / ||y_f32||_F over the sampled rows, with the
// runtime's arithmetic (codec.h "GEMM output").
double RelErr(const GemmSpec& g, const GemmStats& st, const QuantizedGemm& qg,
              const float* bias) {
  std::vector<float> inv;
  for (float s : qg.tensor.smooth) inv.push_back(1.0f / s);
  std::vector<int8_t> xq(g.k);
  double num = 0, den = 0;
  for (size_t r = 0; r < st.sampled; ++r) {
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

double Median(std::vector<float> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (static_cast<double>(v[m - 1]) + v[m]);
}

json NumOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

struct GemmResult {
  QuantizedGemm chosen;
  double rel_err = NAN, rel_err_unsmoothed = NAN, rel_err_smoothed = NAN;
  double rel_err_nearest = NAN;  // chosen smoothing, nearest rounding
  bool gptq = false;             // weights rounded by GptqRound
  std::string gptq_error;        // why GptqRound failed ("" = it did not)
  bool smoothed = false, kept_f32 = false;
  float alpha = NAN;  // of the stored smoothing
  float max_abs_x = NAN;
  double outlier_ratio = NAN;
};

}  // namespace

StatusOr<CalibrationText> ReadCalibrationText(const std::string& path,
                                              int limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound("--calibration " + path + ": cannot open (" +
                    std::strerror(errno) + ")");
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lines.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    lines.push_back(line);
  }
  bool bio = false, any = false;
  for (const std::string& l : lines) {
    const std::vector<std::string> f = SplitFields(l);
    if (f.empty()) continue;
    any = true;
    bio = f.size() == 2 && LooksLikeTag(f[1]);
    if (!bio) break;
  }
  CalibrationText out;
  out.format = bio ? "bio" : "text";
  const size_t max = static_cast<size_t>(std::max(limit, 1));
  std::string cur;
  for (const std::string& l : lines) {
    if (out.sentences.size() >= max) break;
    if (bio) {
      const std::vector<std::string> f = SplitFields(l);
      if (f.empty()) {
        if (!cur.empty()) out.sentences.push_back(cur);
        cur.clear();
      } else {
        cur += f[0];
      }
    } else {
      const std::string t = Trim(l);
      if (!t.empty()) out.sentences.push_back(t);
    }
  }
  if (bio && !cur.empty() && out.sentences.size() < max) {
    out.sentences.push_back(cur);
  }
  if (!any || out.sentences.empty()) {
    return InvalidArgument("--calibration " + path +
                           ": holds no sentence (empty or blank lines only)");
  }
  return out;
}

std::vector<float> SmoothFactors(const std::vector<float>& x_absmax,
                                 const float* w, size_t n, size_t k,
                                 float alpha) {
  std::vector<float> w_absmax(k, 0.0f);
  for (size_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < k; ++i) {
      w_absmax[i] = std::max(w_absmax[i], std::fabs(w[r * k + i]));
    }
  }
  std::vector<float> s(k, 1.0f);
  for (size_t i = 0; i < k; ++i) {
    const double xa = x_absmax[i], wa = w_absmax[i];
    if (!(xa > 0) || !(wa > 0) || !std::isfinite(xa) || !std::isfinite(wa)) {
      continue;
    }
    const double v = std::pow(xa, alpha) / std::pow(wa, 1.0 - alpha);
    if (!std::isfinite(v) || !(v > 0)) continue;
    s[i] = static_cast<float>(
        std::min<double>(std::max<double>(v, kMinSmooth), kMaxSmooth));
  }
  return s;
}

const char* WeightRoundingName(WeightRounding r) {
  return r == WeightRounding::kGptq ? "gptq" : "nearest";
}

Status GptqRound(const float* w, size_t rows, size_t k, const float* scales,
                 const float* hessian, double damp, int8_t* q) {
  if (!(damp > 0) || !std::isfinite(damp)) {
    return InvalidArgument("GPTQ damping " + std::to_string(damp) +
                           " must be a finite number > 0");
  }
  double diag_sum = 0;
  size_t live = 0;
  for (size_t i = 0; i < k; ++i) {
    const double d = hessian[i * k + i];
    if (!std::isfinite(d) || d < 0) {
      return InvalidArgument("GPTQ Hessian diagonal H[" + std::to_string(i) +
                             ", " + std::to_string(i) +
                             "] = " + std::to_string(d) +
                             " must be finite and >= 0 (H = X^T X)");
    }
    if (d > 0) {
      diag_sum += d;
      ++live;
    }
  }
  // Coefficients c[i, j] = U[j, i] / U[i, i], j < i (row-major, f32).
  std::vector<float> coef;
  if (live > 0) {
    double lambda = damp * diag_sum / static_cast<double>(live);
    std::vector<double> u;
    bool ok = false;
    for (int attempt = 0; attempt < 5 && !ok; ++attempt, lambda *= 10) {
      ok = ReverseCholesky(hessian, k, lambda, &u);
    }
    if (!ok) {
      return FailedPrecondition(
          "GPTQ: H + lambda I is not positive definite even with lambda = " +
          std::to_string(1e4 * damp) + " * mean diag(H)");
    }
    coef.assign(k * k, 0.0f);
    for (size_t i = 0; i < k; ++i) {
      const double uii = u[i * k + i];
      for (size_t j = 0; j < i; ++j) {
        coef[i * k + j] = static_cast<float>(u[j * k + i] / uii);
      }
    }
  }
  // Rows in tiles so that each coefficient row is reused from cache.
  constexpr size_t kTile = 16;
  std::vector<double> err(kTile * k);
  for (size_t r0 = 0; r0 < rows; r0 += kTile) {
    const size_t nt = std::min(kTile, rows - r0);
    std::fill(err.begin(), err.end(), 0.0);
    for (size_t i = 0; i < k; ++i) {
      const float* c = coef.empty() ? nullptr : coef.data() + i * k;
      for (size_t t = 0; t < nt; ++t) {
        const size_t row = r0 + t;
        double* e = err.data() + t * k;
        const float scale = scales[row];
        if (!(scale > 0)) {
          q[row * k + i] = 0;
          e[i] = w[row * k + i];
          continue;
        }
        double v = w[row * k + i];
        if (c != nullptr) {
          double fb = 0;
          for (size_t j = 0; j < i; ++j) fb += static_cast<double>(c[j]) * e[j];
          v += fb;
        }
        const int8_t qi =
            quant::QuantizeValue(static_cast<float>(v) * (1.0f / scale));
        q[row * k + i] = qi;
        e[i] = static_cast<double>(w[row * k + i]) -
               static_cast<double>(scale) * qi;
      }
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<OutputTensor>> QuantizeInt8(const HfCheckpoint& ckpt,
                                                 const Int8Options& opt,
                                                 std::string* quant_report) {
  quant_report->clear();
  if (!(opt.smooth_alpha >= 0.0f && opt.smooth_alpha <= 1.0f)) {
    return InvalidArgument("--smooth-alpha " +
                           std::to_string(opt.smooth_alpha) +
                           " must be in [0, 1]");
  }
  if (opt.calibration_limit < 1) {
    return InvalidArgument("--calibration-limit " +
                           std::to_string(opt.calibration_limit) +
                           " must be >= 1");
  }
  if (!(opt.min_fidelity >= 0) || !std::isfinite(opt.min_fidelity)) {
    return InvalidArgument("--min-fidelity " +
                           std::to_string(opt.min_fidelity) +
                           " must be a finite number >= 0 (0 = off)");
  }
  const bool calibrated = !opt.calibration_path.empty();
  if (!calibrated && opt.min_fidelity > 0) {
    return InvalidArgument(
        "--min-fidelity needs --calibration (the guard measures fidelity on "
        "the calibration sentences)");
  }

  // GPTQ needs the calibration Hessian; without calibration: nearest.
  const WeightRounding rounding =
      calibrated ? opt.weight_rounding : WeightRounding::kNearest;
  const bool use_gptq = rounding == WeightRounding::kGptq;
  const std::vector<GemmSpec> specs = GemmSpecs(ckpt);
  std::vector<GemmStats> stats(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    stats[i].x_absmax.assign(specs[i].k, 0.0f);
    if (use_gptq) stats[i].hessian.assign(specs[i].k * specs[i].k, 0.0f);
    stats[i].cap = SampleCap(specs[i].n, specs[i].k);
    stats[i].rng = 0x5EEDull + i;
  }

  // 1. Calibration.
  TempDir tmp;
  CalibrationText calib;
  std::vector<SentenceTags> ref_tags;
  WriteOptions wopt;
  wopt.max_seq_len = opt.max_seq_len;
  if (calibrated) {
    StatusOr<CalibrationText> c =
        ReadCalibrationText(opt.calibration_path, opt.calibration_limit);
    if (!c.ok()) return c.status();
    calib = std::move(c.value());
    EB_RETURN_IF_ERROR(tmp.Create());
    wopt.precision = "f32";
    const std::string f32_path = tmp.File("f32.ebm");
    EB_RETURN_IF_ERROR(WriteEbm(ckpt, F32Tensors(ckpt), wopt, f32_path));
    HessianScratch hessian_scratch;
    GemmObserver observer = [&](const GemmObservation& o) {
      const int idx = GemmIndex(o.layer, o.gemm);
      if (idx < 0 || static_cast<size_t>(idx) >= specs.size()) return;
      EB_CHECK(o.k == specs[idx].k && o.n == specs[idx].n);
      Observe(o, &stats[idx], &hessian_scratch);
    };
    Progress progress(opt.progress, "calibrating", calib.sentences.size());
    EB_RETURN_IF_ERROR(
        TagAll(f32_path, calib.sentences, observer, &progress, &ref_tags));
  }

  // 2 + 3. Smoothing and per-GEMM error. GEMMs are independent (each reads
  // the checkpoint and its own stats[i], writes results[i] and frees its
  // Hessian), so they are spread over the machine's cores; the result does
  // not depend on the thread count.
  std::vector<GemmResult> results(specs.size());
  auto process = [&](size_t i) {
    const GemmSpec& g = specs[i];
    const F32Tensor& w = ckpt.weights.at(g.weight);
    const float* bias = ckpt.weights.at(g.bias).data.data();
    GemmResult& res = results[i];
    QuantizedGemm plain = PackGemm(g, w, {});
    if (!calibrated) {
      res.chosen = std::move(plain);
      return;
    }
    const GemmStats& st = stats[i];
    res.max_abs_x = *std::max_element(st.x_absmax.begin(), st.x_absmax.end());
    const double med = Median(st.x_absmax);
    res.outlier_ratio = med > 0 ? res.max_abs_x / med : NAN;
    res.rel_err_unsmoothed = RelErr(g, st, plain, bias);
    // rel_err_smoothed: with opt.smooth_alpha; the search may pick another.
    std::vector<float> alphas = {opt.smooth_alpha};
    if (opt.alpha_search) {
      for (float a : kAlphaGrid) {
        if (a != opt.smooth_alpha) alphas.push_back(a);
      }
    }
    res.rel_err = res.rel_err_unsmoothed;
    res.chosen = std::move(plain);
    for (float a : alphas) {
      QuantizedGemm smooth = PackGemm(
          g, w, SmoothFactors(st.x_absmax, w.data.data(), g.n, g.k, a));
      const double e = RelErr(g, st, smooth, bias);
      if (a == opt.smooth_alpha) res.rel_err_smoothed = e;
      if (e <= res.rel_err) {
        res.rel_err = e;
        res.smoothed = true;
        res.alpha = a;
        res.chosen = std::move(smooth);
      }
    }
    res.rel_err_nearest = res.rel_err;
    if (use_gptq) {
      // The Hessian of the smoothed input x' = x * inv_smooth (the runtime's
      // f32 multiply): H'[i, j] = H[i, j] * inv[i] * inv[j].
      // In place: H is not needed after this GEMM.
      std::vector<float>& h = stats[i].hessian;
      const std::vector<float>& smooth = res.chosen.tensor.smooth;
      if (!smooth.empty()) {
        for (size_t a = 0; a < g.k; ++a) {
          const float ia = 1.0f / smooth[a];
          for (size_t b = 0; b < g.k; ++b) {
            h[a * g.k + b] *= ia * (1.0f / smooth[b]);
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
          GptqRound(ws.data(), g.n, g.k, res.chosen.tensor.scales.data(),
                    h.data(), kGptqDamp, q.data());
      if (!gs.ok()) {
        res.gptq_error = gs.message();  // stays nearest-rounded
      } else {
        QuantizedGemm rounded = WithRounded(g, res.chosen, std::move(q));
        const double e = RelErr(g, st, rounded, bias);
        if (e < res.rel_err) {
          res.rel_err = e;
          res.gptq = true;
          res.chosen = std::move(rounded);
        }
      }
      std::vector<float>().swap(h);
    }
  };
  {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i; (i = next.fetch_add(1)) < specs.size();) process(i);
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
  }

  // Embedding tables (word, position, token type): per-row int8 with the
  // MSE-optimal clipped row scale (codec QuantizeEmbeddingRowsMse).
  struct EmbeddingResult {
    const char* name;
    OutputTensor q;
    double rel_err = 0;  // ||E_int8 - E||_F / ||E||_F
    bool kept_f32 = false;
  };
  std::vector<EmbeddingResult> embs;
  std::vector<const char*> emb_names = {names::kWordEmbeddings};
  if (opt.int8_position_type) {
    emb_names.push_back(names::kPositionEmbeddings);
    emb_names.push_back(names::kTokenTypeEmbeddings);
  }
  for (const char* name : emb_names) {
    EmbeddingResult er;
    er.name = name;
    const F32Tensor& e = ckpt.weights.at(name);
    const size_t rows = e.shape[0], dim = e.shape[1];
    OutputTensor& t = er.q;
    t.name = name;
    t.shape = e.shape;
    t.dtype = fb::DType::I8;
    t.layout = fb::Layout::RowMajor;
    t.bytes.resize(rows * dim);
    t.scales.resize(rows);
    int8_t* q = reinterpret_cast<int8_t*>(t.bytes.data());
    quant::QuantizeEmbeddingRowsMse(e.data.data(), rows, dim, q,
                                    t.scales.data());
    double num = 0, den = 0;
    for (size_t r = 0; r < rows; ++r) {
      for (size_t d = 0; d < dim; ++d) {
        const double ref = e.data[r * dim + d];
        const double v = t.scales[r] * static_cast<float>(q[r * dim + d]);
        num += (v - ref) * (v - ref);
        den += ref * ref;
      }
    }
    er.rel_err = den > 0 ? std::sqrt(num / den) : 0.0;
    embs.push_back(std::move(er));
  }

  const std::vector<OutputTensor> f32_tensors = F32Tensors(ckpt);
  auto assemble = [&]() {
    std::vector<OutputTensor> out = f32_tensors;
    std::map<std::string, const OutputTensor*> repl;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!results[i].kept_f32)
        repl[specs[i].weight] = &results[i].chosen.tensor;
    }
    for (const EmbeddingResult& er : embs) {
      if (!er.kept_f32) repl[er.name] = &er.q;
    }
    for (OutputTensor& t : out) {
      auto it = repl.find(t.name);
      if (it != repl.end()) t = *it->second;
    }
    return out;
  };

  // 4. Guard.
  std::vector<OutputTensor> tensors = assemble();
  Fidelity fid;
  json steps = json::array();
  if (calibrated) {
    wopt.precision = "int8";
    const std::string cand_path = tmp.File("int8.ebm");
    for (int iter = 0;; ++iter) {
      EB_RETURN_IF_ERROR(WriteEbm(ckpt, tensors, wopt, cand_path));
      std::vector<SentenceTags> cand_tags;
      Progress progress(
          opt.progress,
          iter == 0 ? "measuring int8"
                    : "re-measuring (" + std::to_string(iter) + " kept f32)",
          calib.sentences.size());
      EB_RETURN_IF_ERROR(
          TagAll(cand_path, calib.sentences, nullptr, &progress, &cand_tags));
      fid = Compare(ref_tags, cand_tags);
      json step = {{"kept_f32", iter},
                   {"token_agreement", fid.token_agreement},
                   {"entity_f1_vs_f32", fid.entity_f1}};
      steps.push_back(step);
      if (opt.min_fidelity <= 0 || fid.entity_f1 >= opt.min_fidelity) break;
      // Next to keep: the highest-error GEMM still int8, then the embeddings.
      int worst = -1;
      for (size_t i = 0; i < specs.size(); ++i) {
        if (results[i].kept_f32) continue;
        if (worst < 0 || !(results[i].rel_err <= results[worst].rel_err)) {
          worst = static_cast<int>(i);
        }
      }
      if (worst >= 0) {
        results[worst].kept_f32 = true;
        steps.back()["next_kept"] = specs[worst].weight;
      } else {
        auto next = std::find_if(
            embs.begin(), embs.end(),
            [](const EmbeddingResult& er) { return !er.kept_f32; });
        if (next == embs.end()) break;  // everything is f32 already
        next->kept_f32 = true;
        steps.back()["next_kept"] = next->name;
      }
      tensors = assemble();
    }
  }

  // 5. Report.
  json rep;
  rep["precision"] = "int8";
  rep["weight_rounding"] = WeightRoundingName(rounding);
  rep["weight_rounding_requested"] = WeightRoundingName(opt.weight_rounding);
  if (use_gptq) {
    rep["gptq"] = {
        {"damp", kGptqDamp},
        {"rule",
         "per GEMM: columns rounded in order with error feedback through the "
         "Cholesky factor of H + damp * mean(diag H) I, H = X^T X over all "
         "calibration rows (smoothed); kept only if it lowers rel_err"}};
  }
  if (calibrated) {
    rep["smoothing"] = {
        {"alpha", opt.smooth_alpha},
        {"alpha_search", opt.alpha_search},
        {"rule",
         "s[k] = max|x_k|^alpha / max_n|W[n,k]|^(1-alpha), clamped to [1e-5, "
         "1e5]; per GEMM kept only if it lowers rel_err"}};
    rep["calibration"] = {{"file", opt.calibration_path},
                          {"format", calib.format},
                          {"sentences", calib.sentences.size()},
                          {"limit", opt.calibration_limit},
                          {"tokens", fid.tokens}};
  } else {
    rep["smoothing"] = "off";
    rep["calibration"] = nullptr;
  }
  json gemms = json::array();
  std::vector<std::string> kept;
  uint64_t f32_bytes = 0, stored_bytes = 0;
  for (const OutputTensor& t : f32_tensors) f32_bytes += t.bytes.size();
  for (const OutputTensor& t : tensors) stored_bytes += t.bytes.size();
  for (size_t i = 0; i < specs.size(); ++i) {
    const GemmResult& r = results[i];
    if (r.kept_f32) kept.push_back(specs[i].weight);
    gemms.push_back({{"name", specs[i].weight},
                     {"layer", specs[i].layer},
                     {"gemm", specs[i].gemm},
                     {"n", specs[i].n},
                     {"k", specs[i].k},
                     {"rel_err", NumOrNull(r.rel_err)},
                     {"rel_err_unsmoothed", NumOrNull(r.rel_err_unsmoothed)},
                     {"rel_err_smoothed", NumOrNull(r.rel_err_smoothed)},
                     {"rel_err_nearest", NumOrNull(r.rel_err_nearest)},
                     {"rounding", r.gptq ? "gptq" : "nearest"},
                     {"gptq_error", r.gptq_error.empty() ? json(nullptr)
                                                         : json(r.gptq_error)},
                     {"smoothed", r.smoothed},
                     {"alpha", NumOrNull(r.alpha)},
                     {"kept_f32", r.kept_f32},
                     {"max_abs_x", NumOrNull(r.max_abs_x)},
                     {"outlier_ratio", NumOrNull(r.outlier_ratio)},
                     {"sampled_rows", stats[i].sampled}});
  }
  json emb_rep = json::object();
  for (const EmbeddingResult& er : embs) {
    if (er.kept_f32) kept.push_back(er.name);
    emb_rep[er.name] = {{"dtype", er.kept_f32 ? "f32" : "int8"},
                        {"rel_err", er.rel_err}};
  }
  rep["gemms"] = gemms;
  rep["word_embeddings"] = emb_rep[names::kWordEmbeddings];
  rep["embeddings"] = emb_rep;
  rep["token_agreement"] =
      calibrated ? json(fid.token_agreement) : json(nullptr);
  rep["entity_f1_vs_f32"] = calibrated ? json(fid.entity_f1) : json(nullptr);
  rep["fidelity"] = calibrated ? json(fid.entity_f1) : json(nullptr);
  rep["f32_entities"] = calibrated ? json(fid.ref_entities) : json(nullptr);
  rep["int8_entities"] = calibrated ? json(fid.cand_entities) : json(nullptr);
  rep["min_fidelity"] = opt.min_fidelity;
  rep["fidelity_met"] = opt.min_fidelity > 0
                            ? json(fid.entity_f1 >= opt.min_fidelity)
                            : json(nullptr);
  rep["guard_steps"] = steps;
  rep["kept_f32"] = kept;
  rep["sizes"] = {{"f32_tensor_bytes", f32_bytes},
                  {"stored_tensor_bytes", stored_bytes}};
  *quant_report = rep.dump();

  if (opt.progress) {
    std::fprintf(stderr, "%-32s %9s %9s %9s %6s %4s %9s %8s\n", "gemm",
                 "rel_err", "nearest", "no_smooth", "alpha", "f32", "max|x|",
                 "outlier");
    for (size_t i = 0; i < specs.size(); ++i) {
      const GemmResult& r = results[i];
      char alpha[16] = "-";
      if (r.smoothed) std::snprintf(alpha, sizeof(alpha), "%.2f", r.alpha);
      std::fprintf(stderr, "%-32s %9.5f %9.5f %9.5f %6s %4s %9.3f %8.1f\n",
                   specs[i].weight.c_str(), r.rel_err, r.rel_err_nearest,
                   r.rel_err_unsmoothed, alpha, r.kept_f32 ? "yes" : "no",
                   r.max_abs_x, r.outlier_ratio);
    }
    for (const EmbeddingResult& er : embs) {
      std::fprintf(stderr, "%s: %s, rel_err %.5f\n", er.name,
                   er.kept_f32 ? "f32" : "int8", er.rel_err);
    }
    std::fprintf(stderr, "weight rounding: %s%s\n",
                 WeightRoundingName(rounding),
                 calibrated || opt.weight_rounding == WeightRounding::kNearest
                     ? ""
                     : " (gptq needs --calibration)");
    if (calibrated) {
      std::fprintf(stderr,
                   "fidelity vs f32 on %zu calibration sentences: token "
                   "agreement %.5f, entity F1 %.5f (min %.4g%s)\n",
                   calib.sentences.size(), fid.token_agreement, fid.entity_f1,
                   opt.min_fidelity, opt.min_fidelity > 0 ? "" : " = off");
    } else {
      std::fprintf(stderr,
                   "no --calibration: smoothing off, fidelity not measured\n");
    }
    std::fprintf(stderr, "tensor bytes: %llu stored vs %llu f32\n",
                 static_cast<unsigned long long>(stored_bytes),
                 static_cast<unsigned long long>(f32_bytes));
  }
  return tensors;
}

}  // namespace edgebert
