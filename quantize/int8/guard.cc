#include "quantize/int8/guard.h"

#include <algorithm>
#include <map>
#include <string>

#include "quantize/int8/progress.h"
#include "quantize/int8/tag_all.h"

namespace edgebert {
namespace {

// Index of the highest-rel_err GEMM still int8 (with one activation pass
// only if `one_pass`), -1 if none.
int WorstInt8Gemm(const std::vector<GemmResult>& gemms, bool one_pass) {
  int worst = -1;
  for (size_t i = 0; i < gemms.size(); ++i) {
    const GemmResult& r = gemms[i];
    if (r.kept_f32) continue;
    if (one_pass && r.chosen.tensor.activation_passes != 1) continue;
    if (worst < 0 || !(r.rel_err <= gemms[worst].rel_err)) {
      worst = static_cast<int>(i);
    }
  }
  return worst;
}

// Switches the highest-error one-pass int8 GEMM to two activation passes.
// Its name, or "" if there is none.
std::string TwoPassNext(const std::vector<GemmSpec>& specs,
                        std::vector<GemmResult>* gemms) {
  const int worst = WorstInt8Gemm(*gemms, /*one_pass=*/true);
  if (worst < 0) return "";
  (*gemms)[worst].chosen.tensor.activation_passes = 2;
  return specs[worst].weight;
}

// Marks the next tensor to keep f32: the highest-error GEMM still int8,
// then the embeddings in order. Its name, or "" if everything is f32.
std::string KeepNextF32(const std::vector<GemmSpec>& specs,
                        std::vector<GemmResult>* gemms,
                        std::vector<EmbeddingResult>* embeddings) {
  const int worst = WorstInt8Gemm(*gemms, /*one_pass=*/false);
  if (worst >= 0) {
    (*gemms)[worst].kept_f32 = true;
    return specs[worst].weight;
  }
  auto next =
      std::find_if(embeddings->begin(), embeddings->end(),
                   [](const EmbeddingResult& er) { return !er.kept_f32; });
  if (next == embeddings->end()) return "";
  next->kept_f32 = true;
  return next->name;
}

}  // namespace

Status MarkKeptF32(const std::vector<std::string>& names,
                   const std::vector<GemmSpec>& specs,
                   std::vector<GemmResult>* gemms,
                   std::vector<EmbeddingResult>* embeddings) {
  for (const std::string& name : names) {
    bool found = false;
    std::string valid;
    for (size_t i = 0; i < specs.size(); ++i) {
      valid += (valid.empty() ? "" : ", ") + specs[i].weight;
      if (specs[i].weight != name) continue;
      (*gemms)[i].kept_f32 = found = true;
    }
    for (EmbeddingResult& er : *embeddings) {
      valid += std::string(", ") + er.name;
      if (name != er.name) continue;
      er.kept_f32 = found = true;
    }
    if (!found) {
      return InvalidArgument("--keep-f32 '" + name +
                             "' is not a GEMM weight or int8 embedding of "
                             "this model (one of: " +
                             valid + ")");
    }
  }
  return Status::Ok();
}

std::vector<OutputTensor> AssembleInt8(
    const std::vector<OutputTensor>& f32_tensors,
    const std::vector<GemmSpec>& specs, const std::vector<GemmResult>& gemms,
    const std::vector<EmbeddingResult>& embeddings) {
  std::vector<OutputTensor> out = f32_tensors;
  std::map<std::string, const OutputTensor*> repl;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!gemms[i].kept_f32) repl[specs[i].weight] = &gemms[i].chosen.tensor;
  }
  for (const EmbeddingResult& er : embeddings) {
    if (!er.kept_f32) repl[er.name] = &er.q;
  }
  for (OutputTensor& t : out) {
    auto it = repl.find(t.name);
    if (it != repl.end()) t = *it->second;
  }
  return out;
}

Status RunGuard(const GuardInput& in, std::vector<GemmResult>* gemms,
                std::vector<EmbeddingResult>* embeddings,
                std::vector<OutputTensor>* tensors,
                std::vector<GuardStep>* steps) {
  WriteOptions wopt;
  wopt.precision = Precision::kInt8;
  wopt.max_seq_len = in.max_seq_len;
  wopt.int8_attention = in.int8_attention;
  *tensors = AssembleInt8(*in.f32_tensors, *in.specs, *gemms, *embeddings);
  int two_pass = 0, kept = 0;
  for (int iter = 0;; ++iter) {
    std::vector<SentenceTags> cand_tags;
    Progress progress(in.progress,
                      iter == 0 ? "measuring int8"
                                : "re-measuring (" + std::to_string(two_pass) +
                                      " two-pass, " + std::to_string(kept) +
                                      " kept f32)",
                      in.sentences->size());
    EB_RETURN_IF_ERROR(TagAll(SerializeEbm(*in.ckpt, *tensors, wopt),
                              "int8 candidate model", *in.sentences, nullptr,
                              &progress, &cand_tags));
    GuardStep step;
    step.two_pass = two_pass;
    step.kept_f32 = kept;
    step.fidelity = Compare(*in.f32_tags, cand_tags);
    steps->push_back(step);
    if (in.min_fidelity <= 0 || step.fidelity.entity_f1 >= in.min_fidelity) {
      break;
    }
    GuardStep& last = steps->back();
    last.next_two_pass = TwoPassNext(*in.specs, gemms);
    if (!last.next_two_pass.empty()) {
      ++two_pass;
    } else {
      last.next_kept = KeepNextF32(*in.specs, gemms, embeddings);
      if (last.next_kept.empty()) break;  // everything is f32 already
      ++kept;
    }
    *tensors = AssembleInt8(*in.f32_tensors, *in.specs, *gemms, *embeddings);
  }
  return Status::Ok();
}

}  // namespace edgebert
