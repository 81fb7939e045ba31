#include "quantize/int8/fidelity.h"

#include <algorithm>

namespace edgebert {

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

}  // namespace edgebert
