// Agreement of a candidate model's tags with the f32 model's on the same
// sentences (the int8 path's end-to-end fidelity).
#ifndef EDGEBERT_QUANTIZE_INT8_FIDELITY_H_
#define EDGEBERT_QUANTIZE_INT8_FIDELITY_H_

#include <cstdint>
#include <vector>

#include "runtime/head/entities.h"

namespace edgebert {

// Labels and entities of one sentence.
struct SentenceTags {
  std::vector<int32_t> labels;
  std::vector<SpanLabel> spans;
};

struct Fidelity {
  double token_agreement = 0, entity_f1 = 0;
  uint64_t tokens = 0, ref_entities = 0, cand_entities = 0;
};

// token_agreement: equal labels / tokens (the longer of the two label lists
// per sentence; 1 with no token); entity_f1: exact type + span, `ref` as gold
// (1 when neither side has an entity). ref and cand: same sentences.
Fidelity Compare(const std::vector<SentenceTags>& ref,
                 const std::vector<SentenceTags>& cand);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_FIDELITY_H_
