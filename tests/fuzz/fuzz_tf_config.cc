// TF1 folder fuzzer: bytes -> bert_config.json of a directory whose
// checkpoint, vocab.txt and label2id.pkl are the seed_softmax fixture's ->
// LoadTfCheckpoint (the bert_config.json parser, every shape check against
// it, the name tables and the head detection).
#include <cstddef>
#include <cstdint>
#include <string>

#include "quantize/readers/tf/tf_checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = eb::fuzz::FixtureCopy(
      "tf_config", "tf/seed_softmax",
      {"checkpoint", "label2id.pkl", "vocab.txt", "model.ckpt-1000.index",
       "model.ckpt-1000.data-00000-of-00001"});
  eb::fuzz::WriteFile(dir + "/bert_config.json", data, size);
  eb::TfReadOptions options;
  options.dir = dir;
  eb::StatusOr<eb::Checkpoint> ckpt = eb::LoadTfCheckpoint(options);
  static volatile size_t sink;
  sink = ckpt.ok() ? ckpt.value().weights.size() : 0;  // keep the load.
  return 0;
}
