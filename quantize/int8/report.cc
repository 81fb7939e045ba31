#include "quantize/int8/report.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "quantize/int8/gptq.h"

namespace edgebert {
namespace {

using nlohmann::json;

json NumOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The final measurement (zeros if not calibrated).
Fidelity FinalFidelity(const Int8Run& run) {
  return run.steps->empty() ? Fidelity{} : run.steps->back().fidelity;
}

json GemmsJson(const Int8Run& run) {
  json gemms = json::array();
  for (size_t i = 0; i < run.specs->size(); ++i) {
    const GemmSpec& g = (*run.specs)[i];
    const GemmResult& r = (*run.gemms)[i];
    gemms.push_back({{"name", g.weight},
                     {"layer", g.layer},
                     {"gemm", g.gemm},
                     {"n", g.n},
                     {"k", g.k},
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
                     // rel_err above is of one pass (see two_pass.h).
                     {"activation_passes", r.chosen.tensor.activation_passes},
                     {"max_abs_x", NumOrNull(r.max_abs_x)},
                     {"outlier_ratio", NumOrNull(r.outlier_ratio)},
                     {"sampled_rows", (*run.stats)[i].sampled}});
    // Shared weights (ALBERT): the layers running this GEMM and its error
    // on each one's calibration inputs.
    gemms.back()["layers"] = g.uses;
    json per_use = json::array();
    for (double e : r.rel_err_per_use) per_use.push_back(NumOrNull(e));
    gemms.back()["rel_err_per_use"] = per_use;
  }
  return gemms;
}

// "rounding", "smoothing", "calibration" and "gptq" entries of rep.
void MethodJson(const Int8Run& run, json* rep) {
  const Int8Options& opt = *run.options;
  (*rep)["weight_rounding"] = WeightRoundingName(run.rounding);
  (*rep)["weight_rounding_requested"] = WeightRoundingName(opt.weight_rounding);
  if (run.rounding == WeightRounding::kGptq) {
    (*rep)["gptq"] = {
        {"damp", kGptqDamp},
        {"rule",
         "per GEMM: columns rounded in order with error feedback through the "
         "Cholesky factor of H + damp * mean(diag H) I, H = X^T X over all "
         "calibration rows (smoothed); kept only if it lowers rel_err"}};
  }
  if (!run.calibrated) {
    (*rep)["smoothing"] = "off";
    (*rep)["calibration"] = nullptr;
    return;
  }
  (*rep)["smoothing"] = {
      {"alpha", opt.smooth_alpha},
      {"alpha_search", opt.alpha_search},
      {"rule",
       "s[k] = max|x_k|^alpha / max_n|W[n,k]|^(1-alpha), clamped to [1e-5, "
       "1e5]; per GEMM kept only if it lowers rel_err"}};
  (*rep)["calibration"] = {{"file", opt.calibration_path},
                           {"format", run.calibration_format},
                           {"sentences", run.calibration_sentences},
                           {"limit", opt.calibration_limit},
                           {"tokens", FinalFidelity(run).tokens}};
}

// "token_agreement", ..., "guard_steps" entries of rep.
void FidelityJson(const Int8Run& run, json* rep) {
  const Fidelity fid = FinalFidelity(run);
  const double min_fidelity = run.options->min_fidelity;
  auto if_calibrated = [&](json v) {
    return run.calibrated ? v : json(nullptr);
  };
  (*rep)["token_agreement"] = if_calibrated(fid.token_agreement);
  (*rep)["entity_f1_vs_f32"] = if_calibrated(fid.entity_f1);
  (*rep)["f32_entities"] = if_calibrated(fid.ref_entities);
  (*rep)["int8_entities"] = if_calibrated(fid.cand_entities);
  (*rep)["min_fidelity"] = min_fidelity;
  (*rep)["fidelity_met"] =
      min_fidelity > 0 ? json(fid.entity_f1 >= min_fidelity) : json(nullptr);
  json steps = json::array();
  for (const GuardStep& s : *run.steps) {
    json step = {{"two_pass", s.two_pass},
                 {"kept_f32", s.kept_f32},
                 {"token_agreement", s.fidelity.token_agreement},
                 {"entity_f1_vs_f32", s.fidelity.entity_f1}};
    if (!s.next_two_pass.empty()) step["next_two_pass"] = s.next_two_pass;
    if (!s.next_kept.empty()) step["next_kept"] = s.next_kept;
    steps.push_back(step);
  }
  (*rep)["guard_steps"] = steps;
}

}  // namespace

std::string Int8ReportJson(const Int8Run& run) {
  json rep;
  rep["precision"] = "int8";
  rep["attention"] = AttentionPrecisionName(run.options->attention);
  MethodJson(run, &rep);
  std::vector<std::string> kept;
  for (size_t i = 0; i < run.specs->size(); ++i) {
    if ((*run.gemms)[i].kept_f32) kept.push_back((*run.specs)[i].weight);
  }
  json emb_rep = json::object();
  for (const EmbeddingResult& er : *run.embeddings) {
    if (er.kept_f32) kept.push_back(er.name);
    emb_rep[er.name] = {{"dtype", er.kept_f32 ? "f32" : "int8"},
                        {"rel_err", er.rel_err}};
  }
  rep["gemms"] = GemmsJson(run);
  rep["embeddings"] = emb_rep;
  FidelityJson(run, &rep);
  rep["kept_f32"] = kept;
  rep["sizes"] = {{"f32_tensor_bytes", run.f32_bytes},
                  {"stored_tensor_bytes", run.stored_bytes}};
  return rep.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PrintInt8Summary(const Int8Run& run) {
  const Int8Options& opt = *run.options;
  std::fprintf(stderr, "%-32s %9s %9s %9s %6s %4s %6s %9s %8s\n", "gemm",
               "rel_err", "nearest", "no_smooth", "alpha", "f32", "passes",
               "max|x|", "outlier");
  for (size_t i = 0; i < run.specs->size(); ++i) {
    const GemmResult& r = (*run.gemms)[i];
    char alpha[16] = "-";
    if (r.smoothed) std::snprintf(alpha, sizeof(alpha), "%.2f", r.alpha);
    std::fprintf(stderr, "%-32s %9.5f %9.5f %9.5f %6s %4s %6d %9.3f %8.1f\n",
                 (*run.specs)[i].weight.c_str(), r.rel_err, r.rel_err_nearest,
                 r.rel_err_unsmoothed, alpha, r.kept_f32 ? "yes" : "no",
                 r.kept_f32 ? 0 : r.chosen.tensor.activation_passes,
                 r.max_abs_x, r.outlier_ratio);
  }
  for (const EmbeddingResult& er : *run.embeddings) {
    std::fprintf(stderr, "%s: %s, rel_err %.5f\n", er.name,
                 er.kept_f32 ? "f32" : "int8", er.rel_err);
  }
  std::fprintf(stderr, "weight rounding: %s%s\n",
               WeightRoundingName(run.rounding),
               run.calibrated || opt.weight_rounding == WeightRounding::kNearest
                   ? ""
                   : " (gptq needs --calibration)");
  if (run.calibrated) {
    const Fidelity fid = FinalFidelity(run);
    std::fprintf(stderr,
                 "fidelity vs f32 on %zu calibration sentences: token "
                 "agreement %.5f, entity F1 %.5f (min %.4g%s)\n",
                 run.calibration_sentences, fid.token_agreement, fid.entity_f1,
                 opt.min_fidelity, opt.min_fidelity > 0 ? "" : " = off");
  } else {
    std::fprintf(stderr,
                 "no --calibration: smoothing off, fidelity not measured\n");
  }
  std::fprintf(stderr, "tensor bytes: %llu stored vs %llu f32\n",
               static_cast<unsigned long long>(run.stored_bytes),
               static_cast<unsigned long long>(run.f32_bytes));
}

}  // namespace edgebert
