// Hugging Face checkpoint fuzzer: bytes -> config.json of a directory whose
// vocab.txt and model.safetensors are the tiny_random fixture's ->
// LoadHfCheckpoint (the config parser and every shape check against it).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "quantize/readers/hf_checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;
namespace fs = std::filesystem;

namespace {

std::string MakeDir() {
  const std::string dir = eb::fuzz::ScratchPath("ckpt");
  fs::create_directories(dir);
  const fs::path fixture =
      fs::path(EDGEBERT_SOURCE_DIR) / "tests/fixtures/tiny_random";
  for (const char* name : {"vocab.txt", "model.safetensors"}) {
    fs::copy_file(fixture / name, fs::path(dir) / name,
                  fs::copy_options::overwrite_existing);
  }
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = MakeDir();
  eb::fuzz::WriteFile(dir + "/config.json", data, size);
  eb::StatusOr<eb::Checkpoint> ckpt = eb::LoadHfCheckpoint(dir);
  static volatile size_t sink;
  sink = ckpt.ok() ? ckpt.value().weights.size() : 0;  // keep the load.
  return 0;
}
