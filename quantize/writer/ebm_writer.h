// The one .ebm writer (schema/edgebert.fbs): a Checkpoint's config,
// tokenizer and labels plus the tensors to store -> FlatBuffer + 64-aligned
// data section.
#ifndef EDGEBERT_QUANTIZE_WRITER_EBM_WRITER_H_
#define EDGEBERT_QUANTIZE_WRITER_EBM_WRITER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/options.h"
#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

inline constexpr const char* kConverterName = "edgebert-convert";

// One tensor of the output file.
struct OutputTensor {
  std::string name;
  std::vector<int64_t> shape;
  fb::DType dtype = fb::DType::F32;
  fb::Layout layout = fb::Layout::RowMajor;
  std::vector<uint8_t> bytes;  // exactly as stored (little-endian)
  // Quantized tensors only (fb::QuantParams); all empty = no quant table.
  std::vector<float> scales;
  std::vector<float> smooth;
  std::vector<int32_t> weight_sums;
};

// The f32 model's tensors: every canonical weight verbatim, F32 RowMajor,
// in CanonicalTensorNames order, then HeadTensorNames(ckpt.head).
std::vector<OutputTensor> F32Tensors(const Checkpoint& ckpt);

struct WriteOptions {
  Precision precision = Precision::kF32;  // the "precision" metadata
  int max_seq_len = 0;  // already resolved: 1 <= max_seq_len <= max pos
  std::string quant_report;
  std::string created;  // the "created" metadata; "" = the current UTC time
  // Extra metadata entries (override the defaults of the same key).
  std::map<std::string, std::string> extra_metadata;
};

// The complete file image: FlatBuffer, zero padding to 64, data section.
std::vector<uint8_t> SerializeEbm(const Checkpoint& ckpt,
                                  const std::vector<OutputTensor>& tensors,
                                  const WriteOptions& options);

// Writes SerializeEbm(...) to "<path>.tmp", opens it with the runtime
// (Model::Load verifying checksums, Tagger::Create), then renames it to
// path; on failure (including a file the runtime refuses) the temporary
// file is removed and path is left untouched.
Status WriteEbm(const Checkpoint& ckpt,
                const std::vector<OutputTensor>& tensors,
                const WriteOptions& options, const std::string& path);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_WRITER_EBM_WRITER_H_
