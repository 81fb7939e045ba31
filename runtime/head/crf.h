// Viterbi decoding for a linear-chain CRF head (as in pytorch-crf / the
// BERT-CRF NER recipes): the score of a label path y[0..T) is
//   start[y0] + sum_t emissions[t][y_t] + sum_{t>0} transitions[y_{t-1}][y_t]
//   + end[y_{T-1}],
// and Viterbi() returns the path of maximal score. Without start / end scores
// (null) it is tf.contrib.crf.crf_decode (TF layout: transitions only).
#ifndef EDGEBERT_RUNTIME_HEAD_CRF_H_
#define EDGEBERT_RUNTIME_HEAD_CRF_H_

#include <cstddef>
#include <cstdint>

namespace edgebert {
namespace crf {

// Number of floats of scratch Viterbi() needs for `t` steps and `l` labels:
// 2 * l running scores + t * l back-pointers (stored as exact float
// integers, hence l <= 2^24).
size_t ScratchFloats(uint32_t t, uint32_t l);

// Best path under the CRF. Layouts (row-major, no padding):
//   emissions   [t, l]  (per-token label scores, e.g. classifier logits)
//   transitions [l, l]  transitions[from * l + to]
//   start, end  [l], or null = no start / end scores (0)
//   scratch     ScratchFloats(t, l) floats, overwritten
//   path        [t]     output label ids
// Returns the path's score. Ties pick the smaller label id (at each back-
// pointer and at the final step). Does not allocate. t == 0 writes nothing
// and returns 0. Requires l >= 1 and l <= 2^24 (EB_CHECK); no buffer may
// alias `scratch` or `path`.
float Viterbi(const float* emissions, uint32_t t, uint32_t l,
              const float* transitions, const float* start, const float* end,
              float* scratch, int32_t* path);

}  // namespace crf
}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_HEAD_CRF_H_
