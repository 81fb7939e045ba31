#include "quantize/int8/quantize_int8.h"

#include "quantize/int8/calibration.h"
#include "quantize/int8/calibration_text.h"
#include "quantize/int8/embeddings.h"
#include "quantize/int8/gemm_quantizer.h"
#include "quantize/int8/gemm_specs.h"
#include "quantize/int8/guard.h"
#include "quantize/int8/head_gemms.h"
#include "quantize/int8/report.h"
#include "quantize/int8/two_pass.h"

namespace edgebert {
namespace {

uint64_t TensorBytes(const std::vector<OutputTensor>& tensors) {
  uint64_t n = 0;
  for (const OutputTensor& t : tensors) n += t.bytes.size();
  return n;
}

}  // namespace

StatusOr<std::vector<OutputTensor>> QuantizeInt8(const Checkpoint& ckpt,
                                                 const Int8Options& opt,
                                                 int max_seq_len,
                                                 std::string* quant_report) {
  quant_report->clear();
  EB_RETURN_IF_ERROR(ValidateInt8Options(opt));
  const bool calibrated = !opt.calibration_path.empty();
  // GPTQ needs the calibration Hessian; without calibration: nearest.
  const WeightRounding rounding =
      calibrated ? opt.weight_rounding : WeightRounding::kNearest;
  const std::vector<GemmSpec> specs = GemmSpecs(ckpt);
  std::vector<GemmStats> stats =
      InitGemmStats(specs, rounding == WeightRounding::kGptq);
  CalibrationText calib;
  std::vector<SentenceTags> f32_tags;
  if (calibrated) {
    StatusOr<CalibrationText> c =
        ReadCalibrationText(opt.calibration_path, opt.calibration_limit);
    if (!c.ok()) return c.status();
    calib = std::move(c.value());
    EB_RETURN_IF_ERROR(Calibrate(ckpt, specs, calib.sentences, max_seq_len,
                                 opt.progress, &stats, &f32_tags));
  }
  GemmQuantizerOptions gopt;
  gopt.calibrated = calibrated;
  gopt.use_gptq = rounding == WeightRounding::kGptq;
  gopt.smooth_alpha = opt.smooth_alpha;
  gopt.alpha_search = opt.alpha_search;
  std::vector<GemmResult> gemms = QuantizeGemms(ckpt, specs, gopt, &stats);
  std::vector<EmbeddingResult> embeddings =
      QuantizeEmbeddings(ckpt, opt.int8_embeddings);

  EB_RETURN_IF_ERROR(MarkKeptF32(opt.keep_f32, specs, &gemms, &embeddings));
  EB_RETURN_IF_ERROR(MarkTwoPass(opt.two_pass, specs, &gemms));
  const std::vector<OutputTensor> f32_tensors = F32Tensors(ckpt);
  // The encoder GEMMs are replaced on top of this (the guard keeps some f32).
  std::vector<OutputTensor> base = f32_tensors;
  QuantizeHeadGemms(ckpt, &base);
  std::vector<OutputTensor> tensors;
  std::vector<GuardStep> steps;
  if (calibrated) {
    GuardInput in{&ckpt,
                  &base,
                  &specs,
                  &calib.sentences,
                  &f32_tags,
                  opt.min_fidelity,
                  max_seq_len,
                  opt.progress,
                  opt.attention == AttentionPrecision::kInt8};
    EB_RETURN_IF_ERROR(RunGuard(in, &gemms, &embeddings, &tensors, &steps));
  } else {
    tensors = AssembleInt8(base, specs, gemms, embeddings);
  }
  const Int8Run run{&opt,
                    rounding,
                    calibrated,
                    calib.format,
                    calib.sentences.size(),
                    &specs,
                    &gemms,
                    &stats,
                    &embeddings,
                    &steps,
                    TensorBytes(f32_tensors),
                    TensorBytes(tensors)};
  *quant_report = Int8ReportJson(run);
  if (opt.progress) PrintInt8Summary(run);
  return tensors;
}

}  // namespace edgebert
