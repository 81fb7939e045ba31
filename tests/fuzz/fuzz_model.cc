// Model loader fuzzer: bytes -> .ebm file -> Model::Load -> Tagger::Create ->
// Tag of fixed texts. Any input must give a Status, never a crash or a
// sanitizer report.
//
// Input: one mode byte, then the file. Unless mode bits 4-5 are both set,
// the harness re-seals the file's data and header checksums
// (SealModelFile) before loading it, so that mutations reach the validation
// of the header's contents, the tensor checks and the tagger instead of
// stopping at the checksum; the other quarter of inputs keep their bytes
// and cover checksum rejection. Mode bits: 0 verify the tensor data
// (LoadOptions::verify_data), 1 read instead of mapping (use_mmap = false),
// 2 f32 GEMMs on Highway instead of the default backend, 3 lstm_unpadded.
// Seeds: tests/fuzz/corpus/fuzz_model (tests/tools/make_fuzz_model_seeds.py).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/api/edgebert.h"
#include "runtime/model/file_integrity.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

namespace {

constexpr uint8_t kVerifyData = 1, kNoMmap = 2, kHighwayGemm = 4,
                  kLstmUnpadded = 8, kKeepChecksums = 0x30;

void TagTexts(const eb::Model& model, uint8_t mode) {
  eb::TaggerOptions options;
  options.max_seq_len = 12;  // several windows per text, small arena.
  if (mode & kHighwayGemm) {
    options.f32_gemm = eb::TaggerOptions::F32Gemm::kHighway;
  }
  options.lstm_unpadded = (mode & kLstmUnpadded) != 0;
  eb::StatusOr<std::unique_ptr<eb::Tagger>> tagger =
      eb::Tagger::Create(model, options, nullptr);
  if (!tagger.ok()) return;
  eb::TagResult result;
  for (const char* text :
       {"高勇：男，中国国籍，无境外居留权，", "hello new york world ok",
        "的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的"}) {
    (void)tagger.value()->Tag(text, &result, /*want_tokens=*/true);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = eb::fuzz::ScratchPath("model.ebm");
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> file(data + 1, data + size);
  if ((mode & kKeepChecksums) != kKeepChecksums && !file.empty()) {
    (void)eb::SealModelFile(file.data(), file.size());  // fails: keep as is.
  }
  eb::fuzz::WriteFile(path, file.data(), file.size());
  eb::LoadOptions load;
  load.verify_data = (mode & kVerifyData) != 0;
  load.use_mmap = (mode & kNoMmap) == 0;
  eb::StatusOr<std::unique_ptr<eb::Model>> model = eb::Model::Load(path, load);
  if (model.ok()) TagTexts(*model.value(), mode);
  return 0;
}
