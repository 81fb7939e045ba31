// libFuzzer harness for the label-map readers (quantize/pickle.h and
// quantize/labels.h, links edgebert_labels): the input as a pickle, and as
// labels.txt text. Seeds: tests/fuzz/corpus/fuzz_pickle/ (pickles of
// tests/fixtures/labels, protocols 0-5, Python 2 and refused opcodes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "quantize/labels.h"
#include "quantize/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto d = edgebert::ParseStrIntDictPickle(bytes, "fuzz");
  if (d.ok()) {
    (void)edgebert::LabelsFromIds(d.value(), edgebert::kAnyHeadWidth, "fuzz");
  }
  (void)edgebert::LabelsFromLines(bytes, 7, "fuzz");
  return 0;
}
