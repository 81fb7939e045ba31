#include "quantize/writer/f32_packing.h"

#include <cstring>
#include <set>
#include <string>

#include "quantize/int8/gemm_specs.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"

namespace edgebert {

void PackF32GemmWeights(const Checkpoint& ckpt,
                        std::vector<OutputTensor>* tensors) {
  std::set<std::string> gemm_weights;
  for (const GemmSpec& s : GemmSpecs(ckpt)) gemm_weights.insert(s.weight);
  std::vector<float> row_major, packed;
  for (OutputTensor& t : *tensors) {
    if (gemm_weights.count(t.name) == 0 || t.dtype != fb::DType::F32 ||
        t.layout != fb::Layout::RowMajor || t.shape.size() != 2) {
      continue;
    }
    const size_t n = static_cast<size_t>(t.shape[0]);
    const size_t k = static_cast<size_t>(t.shape[1]);
    EB_CHECK(t.bytes.size() == n * k * sizeof(float));
    row_major.resize(n * k);
    std::memcpy(row_major.data(), t.bytes.data(), t.bytes.size());
    packed.resize(kernels::F32PackedFloats(n, k));
    kernels::PackF32Weights(row_major.data(), n, k, packed.data());
    t.bytes.resize(packed.size() * sizeof(float));
    std::memcpy(t.bytes.data(), packed.data(), t.bytes.size());
    t.layout = fb::Layout::F32PackedN16;
  }
}

}  // namespace edgebert
