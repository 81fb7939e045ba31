"""BIO data, BERT tokenization and entity scoring for the Python taggers.

Follows the reference rules of ../shared/models/*/README.md (and
runtime/head/entities.h): a sentence's characters are concatenated and
tokenized like HF BertTokenizer (clean text, CJK characters split out,
lowercase + strip accents, whitespace and punctuation split, WordPiece with
"##" and [UNK] for words over 100 characters or without a match); windows of
at most 126 tokens run as [CLS] window [SEP]; a word takes its first piece's
label and its characters take it as B-x then I-x; entities are maximal
B-x I-x* runs (an I-x without B starts one); a hit needs exact type and
character span.
"""

import unicodedata

MAX_WORD_CHARS = 100
WINDOW = 126


def read_bio(path):
  """[(chars, tags)] of a `char TAG` file (blank line = sentence end)."""
  sentences, chars, tags = [], [], []
  with open(path, encoding="utf-8") as f:
    for lineno, line in enumerate(f, 1):
      parts = line.split()
      if not parts:
        if chars:
          sentences.append((chars, tags))
        chars, tags = [], []
        continue
      if len(parts) != 2:
        raise ValueError("%s:%d: expected `char TAG`, got %r" %
                         (path, lineno, line.rstrip("\n")))
      chars.append(parts[0])
      tags.append(parts[1])
  if chars:
    sentences.append((chars, tags))
  return sentences


def read_vocab(path):
  with open(path, encoding="utf-8") as f:
    return [line.rstrip("\n") for line in f]


def _is_cjk(cp):
  return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or
          0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F or
          0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or
          0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punct(ch):
  cp = ord(ch)
  if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
    return True
  return unicodedata.category(ch).startswith("P")


def _is_space(ch):
  return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch):
  if ch in "\t\n\r":
    return False
  return unicodedata.category(ch) in ("Cc", "Cf")


class Tokenizer:
  """HF BertTokenizer (uncased) with code-point offsets into the input."""

  def __init__(self, vocab):
    self.vocab = vocab
    self.ids = {p: i for i, p in enumerate(vocab)}
    self.unk = self.ids["[UNK]"]
    self.cls = self.ids["[CLS]"]
    self.sep = self.ids["[SEP]"]
    self.pad = self.ids["[PAD]"]

  def _words(self, text):
    """Yields words as [(normalized char, source code point index)]."""
    word = []
    for pos, ch in enumerate(text):
      cp = ord(ch)
      if cp == 0 or cp == 0xFFFD or _is_control(ch):
        continue
      if _is_space(ch):
        if word:
          yield word
        word = []
        continue
      if _is_cjk(cp) or _is_punct(ch):
        if word:
          yield word
        word = []
        yield [(ch.lower(), pos)]
        continue
      norm = unicodedata.normalize("NFD", ch.lower())
      word.extend((c, pos) for c in norm
                  if unicodedata.category(c) != "Mn")
    if word:
      yield word

  def tokenize(self, text):
    """Returns [(id, start, end, first_piece)], start/end code points."""
    out = []
    for word in self._words(text):
      start, end = word[0][1], word[-1][1] + 1
      chars = "".join(c for c, _ in word)
      pieces = self._wordpiece(chars)
      if pieces is None:
        out.append((self.unk, start, end, True))
        continue
      for k, (pid, a, b) in enumerate(pieces):
        out.append((pid, word[a][1], word[b - 1][1] + 1, k == 0))
    return out

  def _wordpiece(self, chars):
    if len(chars) > MAX_WORD_CHARS:
      return None
    pieces, a = [], 0
    while a < len(chars):
      b = len(chars)
      while b > a:
        sub = chars[a:b] if a == 0 else "##" + chars[a:b]
        if sub in self.ids:
          pieces.append((self.ids[sub], a, b))
          break
        b -= 1
      if b == a:
        return None
      a = b
    return pieces


def windows(tokens, size=WINDOW):
  """Consecutive token windows of at most `size` (one empty window for none)."""
  if not tokens:
    return [[]]
  return [tokens[i:i + size] for i in range(0, len(tokens), size)]


def char_index(chars):
  """Code point index -> character index of the concatenated `chars`."""
  index = []
  for i, c in enumerate(chars):
    index.extend([i] * len(c))
  return index


def char_tags_from_word_labels(chars, tokens, labels):
  """One tag per character of `chars` from per-token label strings: a word
  (first piece + its continuation pieces) takes its first piece's label; its
  characters take it as B-x then I-x; uncovered characters are O."""
  tags = ["O"] * len(chars)
  cp2char = char_index(chars)
  label, seen = "O", set()
  for (_, start, end, first), token_label in zip(tokens, labels):
    if first:
      label, seen = token_label, set()
    for ci in sorted({cp2char[p] for p in range(start, end)}):
      if label == "O" or ci in seen:
        continue
      head = "B-" if not seen and label.startswith("B-") else "I-"
      tags[ci] = head + label[2:]
      seen.add(ci)
  return tags


def spans_from_tags(tags):
  """Set of (start, end, type) of maximal B-x I-x* runs."""
  spans, cur = [], None
  for i, tag in enumerate(tags + ["O"]):
    kind = tag[2:] if tag[:2] in ("B-", "I-") else None
    if cur and (kind != cur[2] or tag.startswith("B-")):
      spans.append((cur[0], i, cur[2]))
      cur = None
    if kind and cur is None:
      cur = (i, None, kind)
  return spans


class Prf:
  """Micro-averaged exact-span entity precision / recall / F1."""

  def __init__(self):
    self.gold = self.predicted = self.correct = 0

  def add(self, gold_spans, pred_spans):
    self.gold += len(gold_spans)
    self.predicted += len(pred_spans)
    remaining = list(gold_spans)
    for s in pred_spans:
      if s in remaining:
        remaining.remove(s)
        self.correct += 1

  def scores(self):
    p = self.correct / self.predicted if self.predicted else 0.0
    r = self.correct / self.gold if self.gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f
