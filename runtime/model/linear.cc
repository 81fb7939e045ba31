#include "runtime/model/linear.h"

#include "runtime/kernels/kernels.h"
#include "runtime/model/model_file.h"
#include "runtime/ops/gemm_f32.h"

namespace edgebert {
namespace {

class LinearF32 final : public Linear {
 public:
  LinearF32(std::unique_ptr<GemmF32> gemm, size_t k, size_t n, Activation act)
      : Linear(k, n, act), gemm_(std::move(gemm)) {}
  void Run(const float* x, size_t m, float* y, void* /*scratch*/,
           pthreadpool_t pool) override {
    gemm_->Run(x, m, y, pool);
    if (act_ == Activation::kGeluErf) {
      kernels::BiasGeluErf(y, nullptr, m, n_);
    }
  }
  size_t ScratchBytes(size_t) const override { return 0; }
  size_t owned_bytes() const override { return gemm_->packed_bytes(); }
  const char* kind() const override { return gemm_->backend_name(); }

 private:
  std::unique_ptr<GemmF32> gemm_;
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
  if (w->meta->dtype() == fb::DType::F32) {
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
  return Unimplemented("model file '" + file.path() + "': tensor '" +
                       weight_name + "' has dtype " +
                       DTypeName(w->meta->dtype()) +
                       " which no GEMM backend of this build supports");
}

}  // namespace edgebert
