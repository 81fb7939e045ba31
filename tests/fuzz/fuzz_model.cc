// Model loader fuzzer: bytes -> .ebm file -> Model::Load (with and without
// the checksum) -> Tagger::Create -> Tag of fixed texts. Any input must give
// a Status, never a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/api/edgebert.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = eb::fuzz::ScratchPath("model.ebm");
  eb::fuzz::WriteFile(path, data, size);
  const bool verify = size > 0 && (data[size - 1] & 1) != 0;
  eb::StatusOr<std::unique_ptr<eb::Model>> model =
      eb::Model::Load(path, verify);
  if (!model.ok()) return 0;
  eb::TaggerOptions options;
  options.max_seq_len = 16;  // several windows per text, small arena.
  eb::StatusOr<std::unique_ptr<eb::Tagger>> tagger =
      eb::Tagger::Create(*model.value(), options, nullptr);
  if (!tagger.ok()) return 0;
  eb::TagResult result;
  for (const char* text :
       {"高勇：男，中国国籍，无境外居留权，", "hello new york world ok",
        "的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的"}) {
    (void)tagger.value()->Tag(text, &result, /*want_tokens=*/true);
  }
  return 0;
}
