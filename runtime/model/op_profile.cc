#include "runtime/model/op_profile.h"

#include <cstring>
#include <ctime>

namespace edgebert {

const char* OpPartName(OpPart part) {
  static const char* const kNames[kOpPartCount] = {
      "embeddings", "qkv",      "attention", "attn_out",
      "ffn_up",     "ffn_down", "layernorm", "head"};
  const int i = static_cast<int>(part);
  return i >= 0 && i < kOpPartCount ? kNames[i] : "unknown";
}

OpPart OpPartOfGemm(const char* gemm) {
  struct Entry {
    const char* name;
    OpPart part;
  };
  static const Entry kGemms[] = {{"qkv", OpPart::kQkv},
                                 {"attn_out", OpPart::kAttnOut},
                                 {"ffn_in", OpPart::kFfnUp},
                                 {"ffn_out", OpPart::kFfnDown}};
  for (const Entry& e : kGemms) {
    if (std::strcmp(gemm, e.name) == 0) return e.part;
  }
  return OpPart::kHead;  // "classifier"
}

double ScopedOpTimer::ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

}  // namespace edgebert
