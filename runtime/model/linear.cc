#include "runtime/model/linear.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/kernels/activation.h"
#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/quantize_i8.h"
#include "runtime/model/model_file.h"
#include "runtime/ops/gemm_f32.h"
#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

class LinearF32 final : public Linear {
 public:
  LinearF32(std::unique_ptr<GemmF32> gemm, size_t k, size_t n, Activation act)
      : Linear(k, n, act), gemm_(std::move(gemm)) {}
  void Run(const float* x, size_t m, float* y, void* /*scratch*/,
           ThreadPool* pool) const override {
    gemm_->Run(x, m, y, pool);
    if (act_ != Activation::kNone) {
      kernels::BiasActivation(y, nullptr, m, n_,
                              static_cast<kernels::Act>(act_));
    }
  }
  size_t ScratchBytes(size_t) const override { return 0; }
  size_t owned_bytes() const override { return gemm_->packed_bytes(); }
  const char* kind() const override { return gemm_->backend_name(); }

 private:
  std::unique_ptr<GemmF32> gemm_;
};

// int8 weights used in place from the mapping (I8PackedK4), activations
// quantized per row into the caller's scratch: [xq][row scales], and with
// two passes (codec.h ActivationResidual) xq / row scales hold 2m rows, then
// [residual: k floats][y of both passes: 2m x n floats].
class LinearI8 final : public Linear {
 public:
  LinearI8(const kernels::PackedWeightsI8View& w, std::vector<float> inv_smooth,
           int passes, Activation act)
      : Linear(w.k, w.n, act),
        w_(w),
        inv_smooth_(std::move(inv_smooth)),
        passes_(passes) {
    w_unbiased_ = w_;
    w_unbiased_.bias = nullptr;
  }
  void Run(const float* x, size_t m, float* y, void* scratch,
           ThreadPool* pool) const override {
    const size_t rows = m * passes_;
    int8_t* xq = static_cast<int8_t*>(scratch);
    float* row_scales = reinterpret_cast<float*>(xq + RowScalesOffset(rows));
    const float* inv_smooth =
        inv_smooth_.empty() ? nullptr : inv_smooth_.data();
    if (passes_ == 1) {
      kernels::QuantizeActivations(x, m, k_, k_, inv_smooth, xq, row_scales);
      kernels::GemmI8(w_, xq, row_scales, m, y, n_,
                      static_cast<kernels::GemmI8Epilogue>(act_), pool);
      return;
    }
    float* residual = row_scales + Align16(rows);
    float* y2 = residual + Align16(k_);
    kernels::QuantizeActivationsTwoPass(x, m, k_, k_, inv_smooth, xq,
                                        row_scales, residual);
    kernels::GemmI8(w_unbiased_, xq, row_scales, rows, y2, n_,
                    kernels::GemmI8Epilogue::kNone, pool);
    const float* y2b = y2 + m * n_;
    for (size_t i = 0; i < m * n_; ++i) y[i] = y2[i] + y2b[i];
    kernels::BiasActivation(y, w_.bias, m, n_, static_cast<kernels::Act>(act_));
  }
  size_t ScratchBytes(size_t max_m) const override {
    const size_t rows = max_m * passes_;
    size_t bytes = RowScalesOffset(rows) + Align16(rows) * sizeof(float);
    if (passes_ == 2) bytes += (Align16(k_) + rows * n_) * sizeof(float);
    return bytes;
  }
  size_t owned_bytes() const override {
    return inv_smooth_.size() * sizeof(float);
  }
  const char* kind() const override { return passes_ == 1 ? "int8" : "int8x2"; }

 private:
  static size_t Align16(size_t floats) { return (floats + 15) / 16 * 16; }
  size_t RowScalesOffset(size_t rows) const {
    return (kernels::QuantizedActivationBytes(rows, k_) + 63) / 64 * 64;
  }
  kernels::PackedWeightsI8View w_, w_unbiased_;
  std::vector<float> inv_smooth_;  // 1 / s[k], empty = no smoothing.
  int passes_;                     // 1, or 2 (codec.h ActivationResidual).
};

}  // namespace

StatusOr<std::unique_ptr<Linear>> CreateLinear(const ModelFile& file,
                                               const std::string& weight_name,
                                               const std::string& bias_name,
                                               size_t k, size_t n,
                                               Activation act,
                                               GemmF32::Backend f32_backend) {
  const int64_t kk = static_cast<int64_t>(k), nn = static_cast<int64_t>(n);
  StatusOr<const TensorView*> bias =
      file.Require(bias_name, fb::DType::F32, {nn});
  if (!bias.ok()) return bias.status();
  const TensorView* w = file.Find(weight_name);
  if (w == nullptr) {
    return FailedPrecondition("model file '" + file.path() + "': tensor '" +
                              weight_name + "' is missing");
  }
  if (w->meta->dtype() == fb::DType::F32 &&
      w->meta->layout() != fb::Layout::F32PackedN16) {
    StatusOr<const TensorView*> wf =
        file.Require(weight_name, fb::DType::F32, {nn, kk});
    if (!wf.ok()) return wf.status();
    StatusOr<std::unique_ptr<GemmF32>> gemm = GemmF32::Create(
        w->as<float>(), bias.value()->as<float>(), k, n, f32_backend);
    if (!gemm.ok()) return gemm.status();
    // The backend packed its own copy: drop the mapped pages from RSS.
    if (gemm.value()->packed_bytes() > 0) file.Release(*w);
    return std::unique_ptr<Linear>(
        new LinearF32(std::move(gemm.value()), k, n, act));
  }
  if (w->meta->dtype() == fb::DType::F32 &&
      w->meta->layout() == fb::Layout::F32PackedN16) {
    if (w->shape != std::vector<int64_t>{nn, kk}) {
      return FailedPrecondition("model file '" + file.path() + "': tensor '" +
                                weight_name + "' has shape " +
                                ShapeString(w->shape) + ", expected " +
                                ShapeString({nn, kk}));
    }
    // Byte count checked by the validator (model_file.cc LayoutBytes).
    StatusOr<std::unique_ptr<GemmF32>> gemm = GemmF32::CreateFromPacked(
        w->as<float>(), bias.value()->as<float>(), k, n, f32_backend);
    if (!gemm.ok()) return gemm.status();
    // XNNPACK made its own copy: drop the mapped pages from RSS (Highway
    // reads them in place).
    if (std::strcmp(gemm.value()->backend_name(), "highway") != 0) {
      file.Release(*w);
    }
    return std::unique_ptr<Linear>(
        new LinearF32(std::move(gemm.value()), k, n, act));
  }
  if (w->meta->dtype() == fb::DType::I8 &&
      w->meta->layout() == fb::Layout::I8PackedK4) {
    const std::string where =
        "model file '" + file.path() + "': tensor '" + weight_name + "': ";
    if (w->shape != std::vector<int64_t>{nn, kk}) {
      return FailedPrecondition(where + "has shape " + ShapeString(w->shape) +
                                ", expected " + ShapeString({nn, kk}));
    }
    if (w->bytes != quant::PackedI8Size(n, k)) {
      return FailedPrecondition(where + "holds " + std::to_string(w->bytes) +
                                " bytes, I8PackedK4 of that shape needs " +
                                std::to_string(quant::PackedI8Size(n, k)));
    }
    const fb::QuantParams* q = w->meta->quant();
    if (q == nullptr || q->scales() == nullptr || q->scales()->size() != n ||
        q->weight_sums() == nullptr || q->weight_sums()->size() != n) {
      return FailedPrecondition(where +
                                "int8 weight needs quant.scales and "
                                "quant.weight_sums with one entry per output "
                                "channel (" +
                                std::to_string(n) + ")");
    }
    std::vector<float> inv_smooth;
    if (q->smooth() != nullptr && q->smooth()->size() > 0) {
      if (q->smooth()->size() != k) {
        return FailedPrecondition(where + "quant.smooth has " +
                                  std::to_string(q->smooth()->size()) +
                                  " entries, expected " + std::to_string(k));
      }
      for (float s : *q->smooth()) {
        if (!(s > 0.f) || !std::isfinite(s)) {
          return FailedPrecondition(where + "quant.smooth factor " +
                                    std::to_string(s) +
                                    " must be finite and > 0");
        }
        inv_smooth.push_back(1.0f / s);
      }
    }
    for (float s : *q->scales()) {
      if (!(s >= 0.f) || !std::isfinite(s)) {
        return FailedPrecondition(where + "quant.scales entry " +
                                  std::to_string(s) +
                                  " must be finite and >= 0");
      }
    }
    kernels::PackedWeightsI8View view;
    view.packed = w->as<int8_t>();
    view.scales = q->scales()->data();
    view.weight_sums = q->weight_sums()->data();
    view.bias = bias.value()->as<float>();
    view.n = n;
    view.k = k;
    // activation_passes is 1 or 2 (checked by the validator).
    return std::unique_ptr<Linear>(
        new LinearI8(view, std::move(inv_smooth), q->activation_passes(), act));
  }
  if (w->meta->dtype() == fb::DType::I8) {
    return FailedPrecondition("model file '" + file.path() + "': tensor '" +
                              weight_name + "' has layout " +
                              fb::EnumNameLayout(w->meta->layout()) +
                              ", an int8 GEMM weight needs I8PackedK4");
  }
  return Unimplemented("model file '" + file.path() + "': tensor '" +
                       weight_name + "' has dtype " +
                       DTypeName(w->meta->dtype()) +
                       " which no GEMM backend of this build supports");
}

}  // namespace edgebert
