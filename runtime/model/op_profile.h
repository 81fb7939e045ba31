// Per-op time breakdown of encoder runs (`edgebert bench --profile`).
//
// An Encoder with a profile set (Encoder::SetProfile) adds the wall time and
// multiply-accumulates of each op to it, summed over layers; without one the
// hooks are a null check each (no clock read, allocation or logging).
#ifndef EDGEBERT_RUNTIME_MODEL_OP_PROFILE_H_
#define EDGEBERT_RUNTIME_MODEL_OP_PROFILE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace edgebert {

enum class OpPart : int {
  kEmbeddings = 0,  // gather + position add + LayerNorm of the embeddings.
  kQkv,             // fused Q/K/V projection GEMM.
  kAttention,       // QK^T, softmax and PV (one fused kernel, all heads).
  kAttnOut,         // attention output projection GEMM.
  kFfnUp,           // FFN intermediate GEMM (its GELU is fused in).
  kFfnDown,         // FFN output GEMM.
  kLayerNorm,       // residual add + LayerNorm, twice per layer.
  kHead,            // classifier GEMM or BiLSTM head.
  kCount,
};
inline constexpr int kOpPartCount = static_cast<int>(OpPart::kCount);

// "embeddings", "qkv", "attention", "attn_out", "ffn_up", "ffn_down",
// "layernorm", "head".
const char* OpPartName(OpPart part);

// The part of an encoder GEMM by its observer name ("qkv", "attn_out",
// "ffn_in", "ffn_out", "classifier").
OpPart OpPartOfGemm(const char* gemm);

struct OpProfile {
  double seconds[kOpPartCount] = {};
  // CPU time of the calling thread (equals the op's CPU time with 1 thread;
  // unlike wall time, it does not grow while the thread waits for a core).
  double cpu_seconds[kOpPartCount] = {};
  uint64_t macs[kOpPartCount] = {};
  void Clear() { *this = OpProfile(); }
};

// Adds the wall and thread CPU time of its scope (and `macs`) to
// profile->*[part]; does nothing when profile is null.
class ScopedOpTimer {
 public:
  ScopedOpTimer(OpProfile* profile, OpPart part, uint64_t macs = 0)
      : profile_(profile), part_(static_cast<int>(part)) {
    if (profile_ == nullptr) return;
    profile_->macs[part_] += macs;
    // The CPU clock is a system call, where a loaded machine may switch
    // threads: read it inside the wall-time window so that such waits count
    // as this op's wall time instead of falling between the parts.
    t0_ = Clock::now();
    cpu0_ = ThreadCpuSeconds();
  }
  ~ScopedOpTimer() {
    if (profile_ == nullptr) return;
    profile_->cpu_seconds[part_] += ThreadCpuSeconds() - cpu0_;
    profile_->seconds[part_] +=
        std::chrono::duration<double>(Clock::now() - t0_).count();
  }
  ScopedOpTimer(const ScopedOpTimer&) = delete;
  ScopedOpTimer& operator=(const ScopedOpTimer&) = delete;

 private:
  using Clock = std::chrono::steady_clock;
  static double ThreadCpuSeconds();
  OpProfile* profile_;
  int part_;
  Clock::time_point t0_;
  double cpu0_ = 0.0;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_OP_PROFILE_H_
