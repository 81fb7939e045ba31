// BERT tokenizer identical to Hugging Face `tokenizers` BertNormalizer +
// BertPreTokenizer + WordPiece (as used by BertTokenizerFast).
//
// Pipeline (same order as HF):
//   1. Normalize (clean_text: drop U+0000, U+FFFD and control chars, map
//      whitespace to ' '; handle_chinese_chars: pad CJK ideographs with
//      spaces; strip_accents: NFD then drop Mn; lowercase).
//   2. Pre-tokenize: split on whitespace, isolate every punctuation char.
//   3. WordPiece: greedy longest-match-first with `continuing_prefix`;
//      a word longer than `max_input_chars_per_word` chars, or one that
//      cannot be covered, becomes a single [UNK].
// Offsets refer to the ORIGINAL input, both in code points and in bytes,
// end exclusive, exactly as HF reports them (HF reports code points).
//
// Thread safety: a Tokenizer is immutable after Create(); Tokenize() is
// const and may be called concurrently from many threads.
#ifndef EDGEBERT_RUNTIME_TOKENIZER_TOKENIZER_H_
#define EDGEBERT_RUNTIME_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

// Bounds on the parameters, checked by ValidateTokenizerOptions and Create:
// WordPiece costs O(chars * max piece bytes) per word, so both are capped
// (Hugging Face's defaults: 100 chars; real vocab pieces are < 64 bytes).
inline constexpr int kMaxInputCharsPerWordLimit = 1024;
inline constexpr size_t kMaxPieceBytes = 1024;

struct TokenizerOptions {
  bool clean_text = true;
  bool tokenize_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
  int max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
  std::string continuing_prefix = "##";
};

struct Token {
  int32_t id;
  uint32_t start;       // code point offset into the original text.
  uint32_t end;         // exclusive.
  uint32_t start_byte;  // byte offset into the original text.
  uint32_t end_byte;    // exclusive.
  uint32_t word;        // index of the pre-tokenized word this piece is from.
  bool continuation;    // true for non-first pieces of a word ("##...").
};

// InvalidArgument naming the parameter, its value and the bound when
// max_input_chars_per_word is outside [1, kMaxInputCharsPerWordLimit] or
// unk_token / continuing_prefix is longer than kMaxPieceBytes.
Status ValidateTokenizerOptions(const TokenizerOptions& options);

// InvalidArgument naming the id when a piece is longer than kMaxPieceBytes.
Status ValidateVocabPiece(std::string_view piece, size_t id);

class Tokenizer {
 public:
  // vocab[i] is the piece of id i. Fails if unk_token is not in the vocab,
  // the vocab is empty, or a piece or option is out of bounds (above).
  static StatusOr<std::unique_ptr<Tokenizer>> Create(
      std::vector<std::string> vocab, const TokenizerOptions& options);
  ~Tokenizer();

  // Appends the tokens of `text` (without [CLS]/[SEP]) to `out` after
  // clearing it. InvalidArgument if `text` is not valid UTF-8 (the message
  // names the byte offset).
  Status Tokenize(std::string_view text, std::vector<Token>* out) const;

  // The normalizer's output alone (HF `normalizer.normalize_str`), as UTF-8,
  // CJK padding spaces included. For diagnostics and parity tests; Tokenize
  // does not call it. InvalidArgument as Tokenize.
  Status Normalize(std::string_view text, std::string* normalized) const;

  // -1 if absent.
  int32_t TokenToId(std::string_view piece) const;
  // The empty string if id is out of range.
  const std::string& IdToToken(int32_t id) const;
  size_t vocab_size() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_TOKENIZER_TOKENIZER_H_
