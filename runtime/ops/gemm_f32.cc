#include "runtime/ops/gemm_f32.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <hwy/aligned_allocator.h>

#include "runtime/kernels/gemm_f32_hwy.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"

#if defined(EDGEBERT_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace edgebert {
namespace {

class HighwayGemm final : public GemmF32 {
 public:
  explicit HighwayGemm(kernels::GemmF32Hwy gemm) : gemm_(std::move(gemm)) {}
  void Run(const float* x, size_t m, float* y,
           ThreadPool* pool) const override {
    gemm_.Run(x, m, y, pool);
  }
  size_t packed_bytes() const override { return gemm_.owned_bytes(); }
  const char* backend_name() const override { return "highway"; }

 private:
  kernels::GemmF32Hwy gemm_;
};

#if defined(EDGEBERT_HAVE_XNNPACK)
// Output columns [col, col + cols) of the GEMM, one XNNPACK operator each
// (it packs only its columns of W and b). Slices run single-threaded on our
// ThreadPool: XNNPACK would need a pthreadpool, whose workers spin and wait
// for each other (runtime/base/thread_pool.h).
struct XnnpackSlice {
  xnn_operator_t op = nullptr;
  size_t col = 0, cols = 0;
};

// Up to this many column slices of at least kXnnpackMinSliceCols columns:
// enough items to balance 2-4 threads, wide enough for XNNPACK's tiles.
constexpr size_t kXnnpackMaxSlices = 8;
constexpr size_t kXnnpackMinSliceCols = 64;

class XnnpackGemm final : public GemmF32 {
 public:
  XnnpackGemm(std::vector<XnnpackSlice> slices, size_t k, size_t n)
      : slices_(std::move(slices)), k_(k), n_(n) {}
  ~XnnpackGemm() override {
    for (XnnpackSlice& s : slices_) xnn_delete_operator(s.op);
  }
  void Run(const float* x, size_t m, float* y,
           ThreadPool* pool) const override {
    if (m == 0) return;
    // The operators hold per-call setup state: one Run() of this GEMM at a
    // time (it is shared by every Tagger of the model).
    std::lock_guard<std::mutex> lock(mu_);
    RunArgs args{this, x, m, y};
    ParallelFor(pool, &RunSlice, &args, slices_.size());
  }
  // XNNPACK packs W and b into its own buffer: (k + 1) * n floats, plus the
  // padding of n to its register tile, which it does not expose.
  size_t packed_bytes() const override { return (k_ + 1) * n_ * sizeof(float); }
  const char* backend_name() const override { return "xnnpack"; }

 private:
  struct RunArgs {
    const XnnpackGemm* self;
    const float* x;
    size_t m;
    float* y;
  };
  static void RunSlice(void* ctx, size_t i) {
    const RunArgs& a = *static_cast<const RunArgs*>(ctx);
    const XnnpackSlice& s = a.self->slices_[i];
    // Both calls only fail on invalid arguments (a bug here, not bad input).
    EB_CHECK(xnn_setup_fully_connected_nc_f32(s.op, a.m, a.x, a.y + s.col,
                                              /*threadpool=*/nullptr) ==
             xnn_status_success);
    EB_CHECK(xnn_run_operator(s.op, /*threadpool=*/nullptr) ==
             xnn_status_success);
  }
  mutable std::mutex mu_;
  std::vector<XnnpackSlice> slices_;
  size_t k_, n_;
};

StatusOr<std::unique_ptr<GemmF32>> CreateXnnpackGemm(const float* weight,
                                                     const float* bias,
                                                     size_t k, size_t n) {
  const size_t slices = std::max<size_t>(
      1, std::min(kXnnpackMaxSlices, n / kXnnpackMinSliceCols));
  const size_t width = (n + slices - 1) / slices;
  std::vector<XnnpackSlice> ops;
  auto fail = [&](xnn_status s) {
    for (XnnpackSlice& o : ops) xnn_delete_operator(o.op);
    return Internal("xnn_create_fully_connected_nc_f32(k=" + std::to_string(k) +
                    ", n=" + std::to_string(n) + ") failed with status " +
                    std::to_string(static_cast<int>(s)));
  };
  for (size_t col = 0; col < n; col += width) {
    XnnpackSlice s;
    s.col = col;
    s.cols = std::min(width, n - col);
    const xnn_status st = xnn_create_fully_connected_nc_f32(
        k, s.cols, /*input_stride=*/k, /*output_stride=*/n, weight + col * k,
        bias == nullptr ? nullptr : bias + col,
        -std::numeric_limits<float>::infinity(),
        std::numeric_limits<float>::infinity(), /*flags=*/0, &s.op);
    if (st != xnn_status_success) return fail(st);
    ops.push_back(s);
  }
  return std::unique_ptr<GemmF32>(new XnnpackGemm(std::move(ops), k, n));
}
#endif

// The target's default backend (measured, see gemm_f32.h).
bool DefaultIsXnnpack() {
#if defined(__x86_64__) || defined(__i386__)
  return false;
#else
  return GemmF32::HaveXnnpack();
#endif
}

bool AutoIsXnnpack() {
  static const bool xnnpack = [] {
    const char* v = std::getenv("EDGEBERT_GEMM_BACKEND");
    if (v != nullptr && std::strcmp(v, "highway") == 0) return false;
    if (v != nullptr && std::strcmp(v, "xnnpack") == 0) {
      return GemmF32::HaveXnnpack();
    }
    return DefaultIsXnnpack();
  }();
  return xnnpack;
}

GemmF32::Backend Resolve(GemmF32::Backend b) {
  if (b != GemmF32::Backend::kAuto) return b;
  return AutoIsXnnpack() ? GemmF32::Backend::kXnnpack
                         : GemmF32::Backend::kHighway;
}

Status OutOfMemory(size_t k, size_t n) {
  return ResourceExhausted("GemmF32: cannot allocate weights for k=" +
                           std::to_string(k) + ", n=" + std::to_string(n));
}

StatusOr<std::unique_ptr<GemmF32>> WrapHighway(kernels::GemmF32Hwy gemm) {
  std::unique_ptr<GemmF32> out(new (std::nothrow) HighwayGemm(std::move(gemm)));
  if (!out) return ResourceExhausted("GemmF32: out of memory");
  return out;
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
  return AutoIsXnnpack() ? "xnnpack" : "highway";
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
  backend = Resolve(backend);
  if (backend == Backend::kXnnpack) {
#if defined(EDGEBERT_HAVE_XNNPACK)
    EB_RETURN_IF_ERROR(InitGemmBackend());
    return CreateXnnpackGemm(weight, bias, k, n);
#else
    return Unimplemented(
        "GemmF32: backend xnnpack requested but edgebert was built without "
        "XNNPACK");
#endif
  }
  kernels::GemmF32Hwy gemm;
  if (!gemm.Pack(weight, bias, k, n)) return OutOfMemory(k, n);
  return WrapHighway(std::move(gemm));
}

StatusOr<std::unique_ptr<GemmF32>> GemmF32::CreateFromPacked(
    const float* packed, const float* bias, size_t k, size_t n,
    Backend backend) {
  if (packed == nullptr) return InvalidArgument("GemmF32: weight is null");
  if (k == 0 || n == 0) {
    return InvalidArgument("GemmF32: k=" + std::to_string(k) +
                           " and n=" + std::to_string(n) + " must be >= 1");
  }
  if (Resolve(backend) == Backend::kXnnpack) {
    auto weight = hwy::AllocateAligned<float>(n * k);
    if (!weight) return OutOfMemory(k, n);
    kernels::UnpackF32Weights(packed, n, k, weight.get());
    return Create(weight.get(), bias, k, n, Backend::kXnnpack);
  }
  kernels::GemmF32Hwy gemm;
  if (!gemm.Wrap(packed, bias, k, n)) return OutOfMemory(k, n);
  return WrapHighway(std::move(gemm));
}

}  // namespace edgebert
