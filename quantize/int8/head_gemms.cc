#include "quantize/int8/head_gemms.h"

#include <string>

#include "quantize/int8/gemm_error.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {

void QuantizeHeadGemms(const Checkpoint& ckpt,
                       std::vector<OutputTensor>* tensors) {
  if (ckpt.head.kind != fb::HeadKind::BiLstmCrf) return;
  for (OutputTensor& t : *tensors) {
    const std::string suffix = std::string(".") + names::kLstmInputWeight;
    if (t.name.rfind("lstm.", 0) != 0 || t.name.size() < suffix.size() ||
        t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) !=
            0) {
      continue;
    }
    const F32Tensor& w = ckpt.weights.at(t.name);
    const GemmSpec spec{-1,
                        "lstm_input",
                        t.name,
                        "",
                        static_cast<size_t>(w.shape[0]),
                        static_cast<size_t>(w.shape[1]),
                        false};
    t = PackGemm(spec, w, {}).tensor;
  }
}

}  // namespace edgebert
