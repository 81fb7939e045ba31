// From per-token labels to entity spans, sliding windows over long inputs,
// and entity-level evaluation (exact type + span match).
#ifndef EDGEBERT_RUNTIME_HEAD_ENTITIES_H_
#define EDGEBERT_RUNTIME_HEAD_ENTITIES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/tokenizer/tokenizer.h"

namespace edgebert {

// Parsed label name. "B-PER" -> {kBegin, "PER"}; "O", "X", "[CLS]", "[SEP]",
// "[PAD]" and anything without a recognised prefix or with an empty type ->
// {kOutside, ""}. Accepted prefixes (case-sensitive): B- I- E- S-, M-
// (BMES "middle", parsed as kInside), L- / U- (BILOU "last" / "unit", parsed
// as kEnd / kSingle), each also with '_' instead of '-'.
// (google-research/bert's NER recipe adds X, [CLS], [SEP]: they count as O.)
struct LabelInfo {
  enum Kind : uint8_t { kOutside, kBegin, kInside, kEnd, kSingle };
  Kind kind = kOutside;
  std::string type;
};
LabelInfo ParseLabel(std::string_view name);

struct Entity {
  std::string entity_group;     // label type, e.g. "PER".
  std::string word;             // exact substring of the original text.
  uint32_t start = 0, end = 0;  // code points, end exclusive.
  uint32_t start_byte = 0, end_byte = 0;  // bytes, end exclusive.
  float score = 0;  // mean probability (of its label) over its tokens.
};

// Decodes entities. `tokens` are the tokenizer output of `text`;
// `labels[i]` / `probs[i]` are the label id (index into `label_info`) and its
// softmax probability for token i. A word takes the label of its first piece
// (continuation pieces' labels and probabilities are both ignored: the score
// is the mean of the probabilities of the entity words' first pieces). A
// token starts a new word if it is the first, is not a continuation, or has
// a different `word` index than the previous token.
// Rules: B-x starts an entity; I-x continues an open entity of type x,
// otherwise starts one; E-x does the same and then closes it (after the
// word's continuation pieces); S-x is a one-word entity; O / X / [CLS] /
// [SEP] close. The span runs from the first word's start to the last word's
// end (so it includes any text between the words); `word` is
// text[start_byte, end_byte). Only the returned vector and its strings are
// allocated. Sizes of tokens / labels / probs must match, label ids must be
// valid and offsets must lie inside `text` (EB_CHECK).
std::vector<Entity> DecodeEntities(std::string_view text,
                                   const std::vector<Token>& tokens,
                                   const std::vector<int32_t>& labels,
                                   const std::vector<float>& probs,
                                   const std::vector<LabelInfo>& label_info);

// Windows over a token sequence of length n, each at most `max_tokens`
// tokens (excluding [CLS]/[SEP]); consecutive windows start `stride` tokens
// apart (stride <= max_tokens; stride == max_tokens means no overlap).
// Every token is covered; the last window ends at n.
// Window k = [k * stride, min(k * stride + max_tokens, n)); the plan stops at
// the first window that reaches n, so only the last window may be shorter
// (stride == max_tokens gives the reference's consecutive 126-token chunks).
// n == 0 -> no windows; n <= max_tokens -> one window [0, n).
// Requires 1 <= stride <= max_tokens (EB_CHECK: options are validated by the
// caller).
struct Window {
  uint32_t begin, end;  // token range [begin, end).
};
std::vector<Window> PlanWindows(uint32_t n, uint32_t max_tokens,
                                uint32_t stride);
// owner[i] = index of the window in which token i is farthest from a window
// edge (min distance to begin / end-1; ties -> earlier window). `w` must be
// sorted by begin with nondecreasing ends (as PlanWindows returns) and cover
// [0, n) (EB_CHECK).
std::vector<uint32_t> AssignTokensToWindows(uint32_t n,
                                            const std::vector<Window>& w);

// --- Evaluation ----------------------------------------------------------
// One sentence of a BIO file: characters (as UTF-8 strings) and gold tags.
struct BioSentence {
  std::vector<std::string> chars;
  std::vector<std::string> tags;
};
// Reads "char TAG" lines (exactly two fields separated by runs of spaces or
// tabs; the char may be any non-whitespace UTF-8 string, e.g. a full-width
// character), blank (or whitespace-only) lines between sentences. Tolerates
// \r\n line ends, a UTF-8 BOM, several blank lines in a row and a last
// sentence without a final blank line. NotFound if the file cannot be read;
// InvalidArgument naming the path and 1-based line number for a line with
// one field or more than two.
StatusOr<std::vector<BioSentence>> ReadBioFile(const std::string& path);

struct SpanLabel {
  uint32_t start, end;  // code points.
  std::string type;
  bool operator<(const SpanLabel& o) const;
  bool operator==(const SpanLabel& o) const;
};
// Entities of a BIO/BIOES tag sequence: maximal runs B-x I-x* (I-x without
// a B starts one). Same rules as DecodeEntities over tags: E-x closes after
// itself, S-x is a one-tag entity, anything ParseLabel maps to O closes.
// Spans are tag indices, end exclusive.
std::vector<SpanLabel> SpansFromTags(const std::vector<std::string>& tags);

// Per-character predicted tags for evaluation against a BIO file, following
// the reference rules (shared/models/*/README.md): `chars` are one sentence's
// characters, `tokens` the tokenizer output of their concatenation (no
// separator), `labels[i]` the argmax label id of token i. A word's label is
// that of its first piece; the characters its pieces cover take it as B-x
// then I-x (label B-x: B I I ..; I-x: I I ..; E-x: I .. I E; S-x: S for one
// character, else B I .. E); characters not covered by any token take "O".
// A character is covered by a token if any of its code points lies in the
// token's [start, end). Returns one tag per element of `chars`; feed it to
// SpansFromTags to get spans in character indices.
std::vector<std::string> CharTagsFromWordLabels(
    const std::vector<std::string>& chars, const std::vector<Token>& tokens,
    const std::vector<int32_t>& labels,
    const std::vector<LabelInfo>& label_info);

// Micro-averaged entity counts. Add() counts exact (start, end, type)
// matches as a multiset intersection. precision = correct / predicted,
// recall = correct / gold, f1 = 2PR / (P + R); each is 0 when its
// denominator is 0.
struct PrfCounts {
  uint64_t gold = 0, predicted = 0, correct = 0;
  void Add(const std::vector<SpanLabel>& gold_spans,
           const std::vector<SpanLabel>& pred_spans);
  double precision() const;
  double recall() const;
  double f1() const;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_HEAD_ENTITIES_H_
