// edgebert-convert: checkpoint directory -> .ebm model file
// (schema/edgebert.fbs). The pipeline only points down:
//
//   readers/hf_checkpoint.h   LoadHfCheckpoint(dir) -> Checkpoint, or
//   readers/tf/tf_checkpoint.h  LoadTfCheckpoint for TF1 folders
//                             (quantize/checkpoint.h: the neutral in-memory
//                             checkpoint every reader produces)
//   int8/quantize_int8.h      QuantizeInt8 (int8 precision) or
//   writer/ebm_writer.h       F32Tensors (f32) -> the tensors to store
//   writer/f32_packing.h      f32: GEMM weights pre-packed (F32PackedN16)
//   writer/ebm_writer.h       WriteEbm: FlatBuffer + 64-aligned data section,
//                             written to "<path>.tmp" and renamed onto path
//
// Convert / ConvertCheckpoint below run them; quantize/main.cc is the CLI.
#ifndef EDGEBERT_QUANTIZE_CONVERT_H_
#define EDGEBERT_QUANTIZE_CONVERT_H_

#include "quantize/checkpoint.h"
#include "quantize/options.h"
#include "runtime/base/status.h"

namespace edgebert {

// Reads options.input_dir (TF1 folder when it holds a `checkpoint` file or
// *.index, or with options.tf_checkpoint; else Hugging Face), stores the
// resolved window as a BiLSTM-CRF head's padded_window, then
// ConvertCheckpoint. --labels / --cased on a Hugging Face folder are
// InvalidArgument. Nothing is written on failure.
Status Convert(const ConvertOptions& options);
// Converts an already loaded checkpoint (options.input_dir is ignored).
// InvalidArgument for options out of range (the message names the flag).
Status ConvertCheckpoint(const Checkpoint& ckpt, const ConvertOptions& options);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_CONVERT_H_
