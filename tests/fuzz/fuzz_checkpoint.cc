// Hugging Face checkpoint fuzzer: bytes -> config.json of a directory whose
// vocab.txt and model.safetensors are the tiny_random fixture's ->
// LoadHfCheckpoint (the config parser and every shape check against it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "quantize/readers/hf_checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = eb::fuzz::FixtureCopy(
      "ckpt", "tiny_random", {"vocab.txt", "model.safetensors"});
  eb::fuzz::WriteFile(dir + "/config.json", data, size);
  eb::StatusOr<eb::Checkpoint> ckpt = eb::LoadHfCheckpoint(dir);
  static volatile size_t sink;
  sink = ckpt.ok() ? ckpt.value().weights.size() : 0;  // keep the load.
  return 0;
}
