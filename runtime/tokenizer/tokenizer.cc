// BERT tokenizer with Hugging Face `tokenizers` semantics (BertNormalizer +
// BertPreTokenizer + WordPiece). The reference rules (tokenizers crate,
// normalizers/bert.rs, pre_tokenizers/bert.rs, models/wordpiece,
// tokenizer/normalizer.rs):
//
//   is_whitespace(c) = c in {\t, \n, \r} or Rust char::is_whitespace (the
//                      Unicode White_Space property).
//   is_control(c)    = c not in {\t, \n, \r} and category in {Cc, Cf, Co}
//                      (unicode_categories' is_other(): no Cn, no Cs).
//   clean_text       : drop U+0000, U+FFFD and is_control chars, then map
//                      is_whitespace chars to ' '. Removal happens first, so
//                      U+000B, U+000C, U+001C..U+001F and U+0085 (Cc) are
//                      deleted, not turned into a separator.
//   chinese chars    : U+4E00-9FFF, 3400-4DBF, 20000-2A6DF, 2A700-2B73F,
//                      2B740-2B81F, 2B920-2CEAF (sic: HF skips 2B820-2B91F),
//                      F900-FAFF, 2F800-2FA1F get ' ' on both sides.
//   strip_accents    : NFD of the whole string, then drop category Mn.
//   lowercase        : Rust char::to_lowercase, i.e. the full (unconditional
//                      SpecialCasing) mapping; the only one-to-many lowercase
//                      mapping is U+0130 -> U+0069 U+0307.
//   pre-tokenizer    : split on Rust char::is_whitespace (removed), then
//                      isolate each punctuation char (ASCII punctuation, i.e.
//                      0x21-0x2F 0x3A-0x40 0x5B-0x60 0x7B-0x7E, or category
//                      P*). Empty words vanish; word ids count the rest.
//   WordPiece        : a word of more than max_input_chars_per_word chars
//                      (normalized) is one [UNK]; otherwise greedy longest
//                      match, non-first pieces looked up with the prefix; a
//                      word that cannot be covered is one [UNK].
//
// Offsets: HF keeps, per normalized byte, the original byte range it came
// from. Every normalization step above is char-local, so each normalized char
// aligns to exactly one original char: replaced chars keep their own
// alignment, inserted chars (CJK padding, NFD tails, lowercase tails) take the
// alignment of the original char they were produced from, and removed chars
// vanish. A token spans from the start of its first char's original char to
// the end of its last char's original char. The one non-local step is the
// canonical reordering inside NFD; HF assigns alignments positionally there
// (see ReorderMarks), which we reproduce.
//
// Unicode data comes from utf8proc (2.8: Unicode 15.0). HF takes general
// categories from the `unicode_categories` crate (Unicode 8.0 tables) and
// case mapping / White_Space from Rust std (Unicode 16). An exhaustive
// comparison over all 1,112,064 scalar values (tests/tokenizer_test.cc,
// EDGEBERT_HF_UNICODE_TABLE) finds 624 code points that behave differently,
// all assigned or re-categorized in Unicode >= 9.0; they are listed in
// tests/fixtures/tokenizer/unicode_divergences.tsv and kept out of the parity
// fixtures. We follow utf8proc there rather than freezing Unicode 8.0.
#include "runtime/tokenizer/tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace edgebert {
namespace {

// One char of the normalized text. `orig` is the index (in code points) of
// the original char it aligns to.
struct NChar {
  char32_t c;
  uint32_t orig;
};

// One char of the NFD output before mark filtering.
struct DChar {
  char32_t c;
  uint32_t orig;
  uint8_t ccc;    // canonical combining class.
  bool inserted;  // not the first char of its source char's decomposition.
};

// Per-call scratch, reused across calls on the same thread so that steady
// state tokenization does not allocate.
struct Scratch {
  std::vector<char32_t> cps;
  std::vector<uint32_t> byte_of;  // byte_of[i] = byte offset of code point i.
  std::vector<DChar> decomposed;
  std::vector<NChar> norm;
  std::string word;               // UTF-8 of the current word.
  std::vector<uint32_t> char_at;  // byte offset of each char of `word` + end.
  std::string key;                // continuing prefix + piece.
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Rust char::is_whitespace: the Unicode White_Space property.
inline bool IsWhiteSpaceProp(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// U+3400..U+9FFF (CJK Ext A, Yijing hexagrams, CJK Unified Ideographs):
// category Lo/So, no canonical decomposition, ccc 0, no case mapping, not
// punctuation or whitespace. Lets the common Chinese path skip utf8proc.
inline bool IsPlainIdeograph(char32_t c) { return c >= 0x3400 && c <= 0x9FFF; }

inline bool IsBertControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const utf8proc_category_t cat = utf8proc_category(static_cast<int32_t>(c));
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CO;
}

inline bool IsChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

inline bool IsBertPunctuation(char32_t c) {
  if (c < 0x80) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
  }
  const utf8proc_category_t cat = utf8proc_category(static_cast<int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

inline bool IsNonspacingMark(char32_t c) {
  return c >= 0x300 &&
         utf8proc_category(static_cast<int32_t>(c)) == UTF8PROC_CATEGORY_MN;
}

inline void AppendUtf8(char32_t c, std::string* s) {
  if (c < 0x80) {
    s->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    s->push_back(static_cast<char>(0xC0 | (c >> 6)));
    s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    s->push_back(static_cast<char>(0xE0 | (c >> 12)));
    s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    s->push_back(static_cast<char>(0xF0 | (c >> 18)));
    s->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string Hex(uint8_t b) {
  static const char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 15];
}

// Strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
// Fills cps and byte_of (size cps+1, last = text.size()).
Status DecodeUtf8(std::string_view text, std::vector<char32_t>* cps,
                  std::vector<uint32_t>* byte_of) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  cps->clear();
  byte_of->clear();
  size_t i = 0;
  while (i < n) {
    const uint8_t b0 = p[i];
    if (b0 < 0x80) {
      cps->push_back(b0);
      byte_of->push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    size_t len;
    char32_t c;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte.
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      c = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;  // overlong.
      if (b0 == 0xED) hi = 0x9F;  // surrogates.
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      c = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;  // overlong.
      if (b0 == 0xF4) hi = 0x8F;  // > U+10FFFF.
    } else {
      return InvalidArgument("text is not valid UTF-8: byte " + Hex(b0) +
                             " at byte offset " + std::to_string(i) +
                             " cannot start a sequence (overlong lead, "
                             "continuation byte or > U+10FFFF)");
    }
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n) {
        return InvalidArgument(
            "text is not valid UTF-8: truncated " + std::to_string(len) +
            "-byte sequence at byte offset " + std::to_string(i) +
            " (text ends after " + std::to_string(n - i) + " bytes)");
      }
      const uint8_t b = p[i + k];
      const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (b < l || b > h) {
        return InvalidArgument(
            "text is not valid UTF-8: byte " + Hex(b) + " at byte offset " +
            std::to_string(i + k) + " is not a valid continuation of the " +
            std::to_string(len) + "-byte sequence at byte offset " +
            std::to_string(i) +
            " (overlong encoding, surrogate, > U+10FFFF or truncated)");
      }
      c = (c << 6) | (b & 0x3F);
    }
    cps->push_back(c);
    byte_of->push_back(static_cast<uint32_t>(i));
    i += len;
  }
  byte_of->push_back(static_cast<uint32_t>(n));
  return Status::Ok();
}

// Canonical reordering of NFD output, with HF's alignment rule: the
// transform assigns each non-inserted output char the alignment of the next
// unconsumed input char, and each inserted char that of the last consumed
// one, in OUTPUT order. Within a run of marks (ccc > 0) that gets reordered,
// the set of input chars consumed is the same, so we sort the run stably by
// ccc and reassign `orig` positionally.
void ReorderMarks(std::vector<DChar>* d) {
  std::vector<DChar>& v = *d;
  std::vector<uint32_t> consumed;
  size_t i = 0;
  while (i < v.size()) {
    if (v[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    bool sorted = true;
    while (j < v.size() && v[j].ccc != 0) {
      if (j > i && v[j].ccc < v[j - 1].ccc) sorted = false;
      ++j;
    }
    if (!sorted) {
      consumed.clear();
      for (size_t k = i; k < j; ++k) {
        if (!v[k].inserted) consumed.push_back(v[k].orig);
      }
      const uint32_t before = i > 0 ? v[i - 1].orig : v[i].orig;
      std::stable_sort(
          v.begin() + i, v.begin() + j,
          [](const DChar& a, const DChar& b) { return a.ccc < b.ccc; });
      size_t next = 0;
      for (size_t k = i; k < j; ++k) {
        if (!v[k].inserted) {
          v[k].orig = consumed[next++];
        } else {
          v[k].orig = next > 0 ? consumed[next - 1] : before;
        }
      }
    }
    i = j;
  }
}

// Open-addressing hash map piece -> id over the vocab strings (linear
// probing, load factor <= 1/2, 32-bit hash tags to skip most compares).
class PieceTable {
 public:
  void Build(const std::vector<std::string>* vocab) {
    vocab_ = vocab;
    size_t cap = 16;
    while (cap < 2 * vocab->size()) cap *= 2;
    mask_ = cap - 1;
    slots_.assign(cap, Slot{0, -1});
    for (size_t i = 0; i < vocab->size(); ++i) {
      const std::string& piece = (*vocab)[i];
      const uint64_t h = Hash(piece);
      size_t at = static_cast<size_t>(h) & mask_;
      // Later duplicates win, as in HF's WordPiece vocab (a HashMap insert).
      while (slots_[at].id >= 0 &&
             !(slots_[at].tag == Tag(h) && (*vocab)[slots_[at].id] == piece)) {
        at = (at + 1) & mask_;
      }
      slots_[at] = Slot{Tag(h), static_cast<int32_t>(i)};
    }
  }

  int32_t Find(std::string_view s) const {
    const uint64_t h = Hash(s);
    const uint32_t tag = Tag(h);
    for (size_t at = static_cast<size_t>(h) & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.id < 0) return -1;
      if (slot.tag == tag && (*vocab_)[slot.id] == s) return slot.id;
    }
  }

 private:
  struct Slot {
    uint32_t tag;
    int32_t id;  // -1: empty.
  };
  // FNV-1a, then a murmur3 finalizer so the low bits are well mixed.
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

  const std::vector<std::string>* vocab_ = nullptr;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace

struct Tokenizer::Impl {
  std::vector<std::string> vocab;
  PieceTable ids;  // over `vocab`, which is never modified after Create().
  TokenizerOptions options;
  int32_t unk_id = -1;
  size_t max_piece_bytes = 0;  // longest vocab entry, bytes.

  void Normalize(Scratch* s) const;
  // Shared front of Tokenize() and Normalize(): length check, UTF-8 decode
  // into s->cps / s->byte_of, then Normalize() into s->norm.
  Status DecodeAndNormalize(std::string_view text, Scratch* s) const {
    if (text.size() >= std::numeric_limits<uint32_t>::max()) {
      return InvalidArgument("text is " + std::to_string(text.size()) +
                             " bytes, must be < 4 GiB");
    }
    EB_RETURN_IF_ERROR(DecodeUtf8(text, &s->cps, &s->byte_of));
    Normalize(s);
    return Status::Ok();
  }
  void EmitWord(const NChar* w, size_t n, uint32_t word_index, Scratch* s,
                std::vector<Token>* out) const;
  Token MakeToken(int32_t id, const NChar& first, const NChar& last,
                  uint32_t word, bool cont, const Scratch& s) const {
    Token t;
    t.id = id;
    t.start = first.orig;
    t.end = last.orig + 1;
    t.start_byte = s.byte_of[first.orig];
    t.end_byte = s.byte_of[last.orig + 1];
    t.word = word;
    t.continuation = cont;
    return t;
  }
};

// cps -> norm, following BertNormalizer step by step (steps fused per char
// except the NFD reordering, which needs the whole decomposed string).
void Tokenizer::Impl::Normalize(Scratch* s) const {
  const TokenizerOptions& o = options;
  std::vector<DChar>& dec = s->decomposed;
  dec.clear();
  bool needs_reorder = false;
  uint8_t last_ccc = 0;
  auto push = [&](char32_t c, uint32_t orig) {
    if (!o.strip_accents) {
      dec.push_back({c, orig, 0, false});
      return;
    }
    if (c < 0xC0 || IsPlainIdeograph(c)) {  // no decomposition, ccc 0.
      dec.push_back({c, orig, 0, false});
      last_ccc = 0;
      return;
    }
    utf8proc_int32_t buf[16];
    int boundclass = 0;
    utf8proc_ssize_t m =
        utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 16,
                                UTF8PROC_DECOMPOSE, &boundclass);
    EB_CHECK(m >= 1 && m <= 16);
    for (utf8proc_ssize_t k = 0; k < m; ++k) {
      const char32_t d = static_cast<char32_t>(buf[k]);
      const uint8_t ccc =
          static_cast<uint8_t>(utf8proc_get_property(buf[k])->combining_class);
      if (ccc != 0 && ccc < last_ccc) needs_reorder = true;
      last_ccc = ccc;
      dec.push_back({d, orig, ccc, k > 0});
    }
  };
  const uint32_t n = static_cast<uint32_t>(s->cps.size());
  for (uint32_t i = 0; i < n; ++i) {
    char32_t c = s->cps[i];
    // Plain ideographs are neither controls nor whitespace: the common Chinese
    // path skips those property lookups.
    if (o.clean_text && !IsPlainIdeograph(c)) {
      if (c == 0 || c == 0xFFFD || IsBertControl(c)) continue;
      if (IsWhiteSpaceProp(c)) c = ' ';
    }
    if (o.tokenize_chinese_chars && IsChineseChar(c)) {
      push(' ', i);
      push(c, i);
      push(' ', i);
    } else {
      push(c, i);
    }
  }
  if (needs_reorder) ReorderMarks(&dec);

  std::vector<NChar>& norm = s->norm;
  norm.clear();
  for (const DChar& d : dec) {
    if (IsPlainIdeograph(d.c)) {
      norm.push_back({d.c, d.orig});
      continue;
    }
    if (o.strip_accents && IsNonspacingMark(d.c)) continue;
    if (!o.lowercase) {
      norm.push_back({d.c, d.orig});
    } else if (d.c < 0x80) {
      const char32_t l = (d.c >= 'A' && d.c <= 'Z') ? d.c + 32 : d.c;
      norm.push_back({l, d.orig});
    } else if (d.c == 0x130) {  // SpecialCasing: İ -> i + COMBINING DOT ABOVE.
      norm.push_back({0x69, d.orig});
      norm.push_back({0x307, d.orig});
    } else {
      norm.push_back({static_cast<char32_t>(
                          utf8proc_tolower(static_cast<utf8proc_int32_t>(d.c))),
                      d.orig});
    }
  }
}

void Tokenizer::Impl::EmitWord(const NChar* w, size_t n, uint32_t word_index,
                               Scratch* s, std::vector<Token>* out) const {
  const size_t max_chars =
      static_cast<size_t>(options.max_input_chars_per_word);
  if (n > max_chars) {
    out->push_back(MakeToken(unk_id, w[0], w[n - 1], word_index, false, *s));
    return;
  }
  std::string& word = s->word;
  std::vector<uint32_t>& at = s->char_at;
  word.clear();
  at.clear();
  for (size_t i = 0; i < n; ++i) {
    at.push_back(static_cast<uint32_t>(word.size()));
    AppendUtf8(w[i].c, &word);
  }
  at.push_back(static_cast<uint32_t>(word.size()));

  const size_t out_begin = out->size();
  const std::string& prefix = options.continuing_prefix;
  size_t start = 0;
  while (start < n) {
    const char* base;
    size_t head;  // bytes before the piece in the key.
    if (start == 0) {
      base = word.data();
      head = 0;
    } else {
      s->key.assign(prefix);
      s->key.append(word, at[start], std::string::npos);
      base = s->key.data();
      head = prefix.size();
    }
    // A piece spans at most max_piece_bytes chars (each >= 1 byte): longer
    // candidates cannot match, so WordPiece stays linear in the word.
    size_t end = std::min(n, start + max_piece_bytes);
    int32_t id = -1;
    for (; end > start; --end) {
      const size_t len = head + at[end] - at[start];
      if (len > max_piece_bytes) continue;
      id = ids.Find(std::string_view(base, len));
      if (id >= 0) break;
    }
    if (id < 0) {
      out->resize(out_begin);
      out->push_back(MakeToken(unk_id, w[0], w[n - 1], word_index, false, *s));
      return;
    }
    out->push_back(
        MakeToken(id, w[start], w[end - 1], word_index, start > 0, *s));
    start = end;
  }
}

Status ValidateTokenizerOptions(const TokenizerOptions& options) {
  if (options.max_input_chars_per_word < 1 ||
      options.max_input_chars_per_word > kMaxInputCharsPerWordLimit) {
    return InvalidArgument("tokenizer max_input_chars_per_word = " +
                           std::to_string(options.max_input_chars_per_word) +
                           " is outside [1, " +
                           std::to_string(kMaxInputCharsPerWordLimit) + "]");
  }
  if (options.unk_token.size() > kMaxPieceBytes ||
      options.continuing_prefix.size() > kMaxPieceBytes) {
    return InvalidArgument(
        "tokenizer unk_token (" + std::to_string(options.unk_token.size()) +
        " bytes) or continuing_prefix (" +
        std::to_string(options.continuing_prefix.size()) +
        " bytes) is longer than " + std::to_string(kMaxPieceBytes) + " bytes");
  }
  return Status::Ok();
}

Status ValidateVocabPiece(std::string_view piece, size_t id) {
  if (piece.size() > kMaxPieceBytes) {
    return InvalidArgument("tokenizer vocab piece " + std::to_string(id) +
                           " is " + std::to_string(piece.size()) +
                           " bytes, longer than " +
                           std::to_string(kMaxPieceBytes));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(
    std::vector<std::string> vocab, const TokenizerOptions& options) {
  if (vocab.empty()) return InvalidArgument("tokenizer vocab is empty");
  if (vocab.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument("tokenizer vocab has " +
                           std::to_string(vocab.size()) +
                           " entries, more than INT32_MAX");
  }
  EB_RETURN_IF_ERROR(ValidateTokenizerOptions(options));
  for (size_t i = 0; i < vocab.size(); ++i) {
    EB_RETURN_IF_ERROR(ValidateVocabPiece(vocab[i], i));
  }
  auto impl = std::make_unique<Impl>();
  impl->vocab = std::move(vocab);
  impl->options = options;
  impl->ids.Build(&impl->vocab);
  for (const std::string& piece : impl->vocab) {
    impl->max_piece_bytes = std::max(impl->max_piece_bytes, piece.size());
  }
  impl->unk_id = impl->ids.Find(options.unk_token);
  if (impl->unk_id < 0) {
    return InvalidArgument("unk_token \"" + options.unk_token +
                           "\" is not in the vocab");
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Status Tokenizer::Tokenize(std::string_view text,
                           std::vector<Token>* out) const {
  out->clear();
  Scratch& s = ThreadScratch();
  EB_RETURN_IF_ERROR(impl_->DecodeAndNormalize(text, &s));

  // BertPreTokenizer over the normalized chars.
  const std::vector<NChar>& norm = s.norm;
  uint32_t word_index = 0;
  size_t word_start = 0;
  const size_t n = norm.size();
  for (size_t i = 0; i <= n; ++i) {
    const bool at_end = i == n;
    const bool space = !at_end && IsWhiteSpaceProp(norm[i].c);
    const bool punct = !at_end && !space && IsBertPunctuation(norm[i].c);
    if (at_end || space || punct) {
      if (i > word_start) {
        impl_->EmitWord(norm.data() + word_start, i - word_start, word_index++,
                        &s, out);
      }
      if (punct) impl_->EmitWord(norm.data() + i, 1, word_index++, &s, out);
      word_start = i + 1;
    }
  }
  return Status::Ok();
}

Status Tokenizer::Normalize(std::string_view text,
                            std::string* normalized) const {
  normalized->clear();
  Scratch& s = ThreadScratch();
  EB_RETURN_IF_ERROR(impl_->DecodeAndNormalize(text, &s));
  for (const NChar& c : s.norm) AppendUtf8(c.c, normalized);
  return Status::Ok();
}

int32_t Tokenizer::TokenToId(std::string_view piece) const {
  return impl_->ids.Find(piece);
}

const std::string& Tokenizer::IdToToken(int32_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= impl_->vocab.size()) return kEmpty;
  return impl_->vocab[static_cast<size_t>(id)];
}

size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }

}  // namespace edgebert
