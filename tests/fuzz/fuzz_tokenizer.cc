// Tokenizer fuzzer: the first byte picks the options (lowercase, strip
// accents, Chinese chars, clean text, max chars per word), the rest is the
// text; vocab = the tiny_random fixture's. Checks the offsets contract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "runtime/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> vocab =
      eb::fuzz::ReadLines(std::string(EDGEBERT_SOURCE_DIR) +
                          "/tests/fixtures/tiny_random/vocab.txt");
  if (size == 0) return 0;
  eb::TokenizerOptions o;
  o.lowercase = (data[0] & 1) != 0;
  o.strip_accents = (data[0] & 2) != 0;
  o.tokenize_chinese_chars = (data[0] & 4) != 0;
  o.clean_text = (data[0] & 8) != 0;
  o.max_input_chars_per_word = 1 + (data[0] >> 4) * 8;
  eb::StatusOr<std::unique_ptr<eb::Tokenizer>> t =
      eb::Tokenizer::Create(vocab, o);
  if (!t.ok()) std::abort();  // the fixture vocab is valid.
  const std::string_view text(reinterpret_cast<const char*>(data + 1),
                              size - 1);
  std::vector<eb::Token> tokens;
  if (!t.value()->Tokenize(text, &tokens).ok()) return 0;
  uint32_t prev_end = 0;
  for (const eb::Token& tok : tokens) {
    // Pieces are in order, non-empty, inside the text, on valid ids.
    if (tok.start_byte < prev_end || tok.end_byte <= tok.start_byte ||
        tok.end_byte > text.size() || tok.end <= tok.start || tok.id < 0 ||
        static_cast<size_t>(tok.id) >= vocab.size()) {
      std::abort();
    }
    prev_end = tok.end_byte;
  }
  return 0;
}
