// Accuracy guard of the int8 path (calibrated only): the int8 candidate is
// serialized in memory, loaded and run on the calibration sentences;
// token-label agreement and entity F1 (exact type + span, f32 entities as
// gold) against the f32 tags. fidelity = that entity F1 (1 when neither
// model finds an entity). While fidelity < min_fidelity, the one-pass int8
// GEMM with the highest rel_err switches to two activation passes
// (two_pass.h); when all are two-pass, the not yet kept GEMM with the
// highest rel_err is stored as f32 (after all GEMMs: the word, then
// position, then token type embeddings); the candidate is re-measured after
// each change.
#ifndef EDGEBERT_QUANTIZE_INT8_GUARD_H_
#define EDGEBERT_QUANTIZE_INT8_GUARD_H_

#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/int8/embeddings.h"
#include "quantize/int8/fidelity.h"
#include "quantize/int8/gemm_quantizer.h"
#include "quantize/int8/gemm_specs.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/base/status.h"

namespace edgebert {

// The int8 model's tensors: f32_tensors with every GEMM weight and
// embedding table not kept f32 replaced by its quantized tensor.
std::vector<OutputTensor> AssembleInt8(
    const std::vector<OutputTensor>& f32_tensors,
    const std::vector<GemmSpec>& specs, const std::vector<GemmResult>& gemms,
    const std::vector<EmbeddingResult>& embeddings);

// Marks the tensors named in `names` (GEMM weight names as in GemmSpec,
// e.g. "layer.0.ffn.out.weight", or embedding table names) kept f32 before
// the guard runs. InvalidArgument "--keep-f32 '<name>' ..." listing the
// valid names for a name that is neither.
Status MarkKeptF32(const std::vector<std::string>& names,
                   const std::vector<GemmSpec>& specs,
                   std::vector<GemmResult>* gemms,
                   std::vector<EmbeddingResult>* embeddings);

// One measurement of the guard loop.
struct GuardStep {
  int two_pass = 0;  // GEMMs the guard had switched to two passes
  int kept_f32 = 0;  // tensors the guard had kept f32 when measured
  Fidelity fidelity;
  // The change after this measurement: at most one is set; both "" if the
  // loop stopped here.
  std::string next_two_pass, next_kept;
};

struct GuardInput {
  const Checkpoint* ckpt;
  const std::vector<OutputTensor>* f32_tensors;
  const std::vector<GemmSpec>* specs;
  const std::vector<std::string>* sentences;
  const std::vector<SentenceTags>* f32_tags;
  double min_fidelity = 0;  // 0: measure once
  int max_seq_len = 0;
  bool progress = false;
  bool int8_attention = false;  // the candidates' attention core
};

// Runs the loop above, marking kept_f32 in *gemms / *embeddings; *tensors
// receives the final model's tensors, *steps every measurement (the last
// one is the final fidelity).
Status RunGuard(const GuardInput& in, std::vector<GemmResult>* gemms,
                std::vector<EmbeddingResult>* embeddings,
                std::vector<OutputTensor>* tensors,
                std::vector<GuardStep>* steps);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GUARD_H_
