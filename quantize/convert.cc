#include "quantize/convert.h"

#include <algorithm>
#include <string>
#include <vector>

#include "quantize/int8/quantize_int8.h"
#include "quantize/readers/hf_checkpoint.h"
#include "quantize/readers/tf/tf_checkpoint.h"
#include "quantize/validate.h"
#include "quantize/writer/ebm_writer.h"
#include "quantize/writer/f32_packing.h"

namespace edgebert {
namespace {

// The window length to store: options.max_seq_len, or the default.
StatusOr<int> ResolveMaxSeqLen(const Checkpoint& ckpt, int max_seq_len) {
  const int max_pos = ckpt.max_position_embeddings;
  if (max_seq_len == 0) return std::min(kDefaultMaxSeqLen, max_pos);
  if (max_seq_len < 3 || max_seq_len > max_pos) {
    return InvalidArgument("--max-seq-len " + std::to_string(max_seq_len) +
                           " must be in [3, max_position_embeddings = " +
                           std::to_string(max_pos) + "]");
  }
  return max_seq_len;
}

// The TF reader for a TF1 folder (or with --checkpoint), else Hugging Face;
// --labels / --checkpoint / --cased apply to TF folders only.
StatusOr<Checkpoint> LoadCheckpoint(const ConvertOptions& o) {
  if (!o.tf_checkpoint.empty() || IsTfCheckpointDir(o.input_dir)) {
    TfReadOptions t;
    t.dir = o.input_dir;
    t.checkpoint = o.tf_checkpoint;
    t.labels_path = o.labels_path;
    t.cased = o.cased;
    return LoadTfCheckpoint(t);
  }
  if (!o.labels_path.empty() || o.cased) {
    return InvalidArgument(
        "--labels / --cased apply to TF checkpoint folders only; " +
        o.input_dir +
        " is read as a Hugging Face folder (labels and casing from "
        "config.json / tokenizer_config.json)");
  }
  return LoadHfCheckpoint(o.input_dir);
}

}  // namespace

Status Convert(const ConvertOptions& options) {
  if (options.input_dir.empty()) return InvalidArgument("--input is empty");
  if (options.output_path.empty()) return InvalidArgument("--output is empty");
  StatusOr<Checkpoint> ckpt = LoadCheckpoint(options);
  if (!ckpt.ok()) return ckpt.status();
  // A BiLSTM-CRF head trained on padded windows runs on the stored window.
  if (ckpt->head.kind == fb::HeadKind::BiLstmCrf) {
    StatusOr<int> window = ResolveMaxSeqLen(*ckpt, options.max_seq_len);
    if (!window.ok()) return window.status();
    ckpt->head.padded_window = *window;
  }
  return ConvertCheckpoint(*ckpt, options);
}

Status ConvertCheckpoint(const Checkpoint& ckpt,
                         const ConvertOptions& options) {
  if (options.output_path.empty()) return InvalidArgument("--output is empty");
  if (options.precision == Precision::kF32 &&
      (!options.int8.calibration_path.empty() ||
       options.int8.min_fidelity != 0)) {
    return InvalidArgument(
        "--calibration / --min-fidelity apply to --precision int8 only");
  }
  EB_RETURN_IF_ERROR(CheckOutputPath(options.output_path));
  EB_RETURN_IF_ERROR(CheckMinFidelity(options.int8.min_fidelity));
  EB_RETURN_IF_ERROR(CheckFiniteWeights(ckpt));
  WriteOptions wopt;
  wopt.precision = options.precision;
  wopt.created = options.created;
  StatusOr<int> max_seq_len = ResolveMaxSeqLen(ckpt, options.max_seq_len);
  if (!max_seq_len.ok()) return max_seq_len.status();
  wopt.max_seq_len = *max_seq_len;
  std::vector<OutputTensor> tensors;
  if (options.precision == Precision::kF32) {
    tensors = F32Tensors(ckpt);
    PackF32GemmWeights(ckpt, &tensors);
  } else {
    StatusOr<std::vector<OutputTensor>> q =
        QuantizeInt8(ckpt, options.int8, wopt.max_seq_len, &wopt.quant_report);
    if (!q.ok()) return q.status();
    tensors = std::move(q.value());
  }
  return WriteEbm(ckpt, tensors, wopt, options.output_path);
}

}  // namespace edgebert
