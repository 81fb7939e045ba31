#include "runtime/ops/gemm_f32.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "runtime/kernels/gemm_f32_hwy.h"

#if defined(EDGEBERT_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace edgebert {
namespace {

class HighwayGemm final : public GemmF32 {
 public:
  explicit HighwayGemm(kernels::GemmF32Hwy gemm) : gemm_(std::move(gemm)) {}
  void Run(const float* x, size_t m, float* y,
           pthreadpool_t pool) const override {
    gemm_.Run(x, m, y, pool);
  }
  size_t packed_bytes() const override { return gemm_.packed_bytes(); }
  const char* backend_name() const override { return "highway"; }

 private:
  kernels::GemmF32Hwy gemm_;
};

#if defined(EDGEBERT_HAVE_XNNPACK)
class XnnpackGemm final : public GemmF32 {
 public:
  XnnpackGemm(xnn_operator_t op, size_t k, size_t n) : op_(op), k_(k), n_(n) {}
  ~XnnpackGemm() override { xnn_delete_operator(op_); }
  void Run(const float* x, size_t m, float* y,
           pthreadpool_t pool) const override {
    if (m == 0) return;
    std::lock_guard<std::mutex> lock(mu_);  // setup state lives in op_.
    // Both calls only fail on invalid arguments (a bug here, not bad input).
    EB_CHECK(xnn_setup_fully_connected_nc_f32(op_, m, x, y, pool) ==
             xnn_status_success);
    EB_CHECK(xnn_run_operator(op_, pool) == xnn_status_success);
  }
  // XNNPACK packs W and b into its own buffer: (k + 1) * n floats, plus the
  // padding of n to its register tile, which it does not expose.
  size_t packed_bytes() const override { return (k_ + 1) * n_ * sizeof(float); }
  const char* backend_name() const override { return "xnnpack"; }

 private:
  mutable std::mutex mu_;
  xnn_operator_t op_;
  size_t k_, n_;
};
#endif

bool EnvForcesHighway() {
  static const bool forced = [] {
    const char* v = std::getenv("EDGEBERT_GEMM_BACKEND");
    return v != nullptr && std::strcmp(v, "highway") == 0;
  }();
  return forced;
}

// Result of the one xnn_initialize call; intentionally never freed (XNNPACK
// stays initialized for the process lifetime).
std::once_flag g_init_once;
Status* g_init_status = nullptr;

}  // namespace

Status InitGemmBackend() {
  std::call_once(g_init_once, [] {
#if defined(EDGEBERT_HAVE_XNNPACK)
    const xnn_status s = xnn_initialize(/*allocator=*/nullptr);
    g_init_status =
        new Status(s == xnn_status_success
                       ? Status::Ok()
                       : Internal("xnn_initialize failed with status " +
                                  std::to_string(static_cast<int>(s)) +
                                  " (unsupported CPU or out of memory)"));
#else
    g_init_status = new Status();
#endif
  });
  return *g_init_status;
}

bool GemmF32::HaveXnnpack() {
#if defined(EDGEBERT_HAVE_XNNPACK)
  return true;
#else
  return false;
#endif
}

const char* GemmF32::BackendName() {
  return HaveXnnpack() && !EnvForcesHighway() ? "xnnpack" : "highway";
}

StatusOr<std::unique_ptr<GemmF32>> GemmF32::Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n) {
  return Create(weight, bias, k, n, Backend::kAuto);
}

StatusOr<std::unique_ptr<GemmF32>> GemmF32::Create(const float* weight,
                                                   const float* bias, size_t k,
                                                   size_t n, Backend backend) {
  if (weight == nullptr) return InvalidArgument("GemmF32: weight is null");
  if (k == 0 || n == 0) {
    return InvalidArgument("GemmF32: k=" + std::to_string(k) +
                           " and n=" + std::to_string(n) + " must be >= 1");
  }
  if (backend == Backend::kAuto) {
    backend = std::strcmp(BackendName(), "xnnpack") == 0 ? Backend::kXnnpack
                                                         : Backend::kHighway;
  }
  if (backend == Backend::kXnnpack) {
#if defined(EDGEBERT_HAVE_XNNPACK)
    EB_RETURN_IF_ERROR(InitGemmBackend());
    xnn_operator_t op = nullptr;
    const xnn_status s = xnn_create_fully_connected_nc_f32(
        k, n, /*input_stride=*/k, /*output_stride=*/n, weight, bias,
        -std::numeric_limits<float>::infinity(),
        std::numeric_limits<float>::infinity(), /*flags=*/0, &op);
    if (s != xnn_status_success) {
      return Internal(
          "xnn_create_fully_connected_nc_f32(k=" + std::to_string(k) +
          ", n=" + std::to_string(n) + ") failed with status " +
          std::to_string(static_cast<int>(s)));
    }
    return std::unique_ptr<GemmF32>(new XnnpackGemm(op, k, n));
#else
    return Unimplemented(
        "GemmF32: backend xnnpack requested but edgebert was built without "
        "XNNPACK");
#endif
  }
  kernels::GemmF32Hwy gemm;
  if (!gemm.Pack(weight, bias, k, n)) {
    return ResourceExhausted("GemmF32: cannot allocate packed weights for k=" +
                             std::to_string(k) + ", n=" + std::to_string(n));
  }
  std::unique_ptr<GemmF32> out(new (std::nothrow) HighwayGemm(std::move(gemm)));
  if (!out) return ResourceExhausted("GemmF32: out of memory");
  return out;
}

}  // namespace edgebert
