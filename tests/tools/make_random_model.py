#!/usr/bin/python3
"""Builds tests/fixtures/tiny_random: a small random BERT token tagger.

Regenerate (deterministic: fixed seed, fixed vocab selection):

    /usr/bin/python3 tests/tools/make_random_model.py \
        --shared /work/shared --out tests/fixtures/tiny_random

Needs torch (1.13) + numpy. The vocab is picked from
<shared>/data/vocab/bert-base-chinese-vocab.txt and the Chinese characters are
the most frequent ones of <shared>/data/peoples_daily/example.dev; tests only
read the committed output, never <shared>.

Writes:
  config.json                 HF BertForTokenClassification config.
  vocab.txt                   [PAD] [UNK] [CLS] [SEP] [MASK] + ASCII, English
                              wordpieces and common Chinese characters.
  model.safetensors           F32 weights, HF tensor names ("bert." prefix).
  model_f16.safetensors       same tensors rounded to F16.
  model_bf16.safetensors      same tensors rounded to BF16 (round to nearest
                              even, as torch does).
  reference.json              for 8 token-id sequences: input_ids,
                              token_type_ids, attention_mask (all ones) and
                              logits [len][num_labels] of the F32 weights,
                              computed in float64 with HF
                              BertForTokenClassification semantics (eval
                              mode): embeddings word+position+type ->
                              LayerNorm(eps 1e-12); per layer self-attention
                              softmax(q k^T / sqrt(d) + (1 - mask) * -10000),
                              output dense + residual + LayerNorm, erf GELU
                              FFN + residual + LayerNorm; linear classifier.
The safetensors files are written here directly (8-byte LE header length,
JSON header padded with spaces to a multiple of 8, raw little-endian data).
"""

import argparse
import collections
import json
import math
import os

import torch

from safetensors_io import write_safetensors

HIDDEN = 64
LAYERS = 2
HEADS = 4
INTERMEDIATE = 128
MAX_POSITIONS = 64
TYPE_VOCAB = 2
LN_EPS = 1e-12
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "X", "[CLS]", "[SEP]"]
NUM_CHINESE = 260
ENGLISH = ["a", "the", "of", "and", "in", "to", "is", "it", "we", "he",
           "she", "ok", "new", "york", "world", "hello", "model", "test",
           "china", "##s", "##a", "##b", "##t", "##er", "##ing", "##ed",
           "##ly"]
SEQ_LENGTHS = [1, 2, 3, 7, 16, 31, 50, 64]


def build_vocab(shared):
  full = []
  with open(os.path.join(shared, "data/vocab/bert-base-chinese-vocab.txt"),
            encoding="utf-8") as f:
    for line in f:
      full.append(line.rstrip("\n"))
  known = set(full)
  vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
  vocab += [chr(c) for c in range(0x21, 0x7f)
            if chr(c) in known and not chr(c).isupper()]
  vocab += [w for w in ENGLISH if w in known]
  counts = collections.Counter()
  with open(os.path.join(shared, "data/peoples_daily/example.dev"),
            encoding="utf-8") as f:
    for line in f:
      parts = line.split()
      if parts and len(parts[0]) == 1 and ord(parts[0]) >= 0x4e00:
        counts[parts[0]] += 1
  chinese = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1],
                                                                  kv[0]))
             if c in known][:NUM_CHINESE]
  vocab += chinese
  vocab += ["，", "。", "、"]
  seen = set()
  out = []
  for v in vocab:
    if v not in seen:
      seen.add(v)
      out.append(v)
  return out


def random_weights(vocab_size, gen):
  def normal(shape, std, mean=0.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float32) * std +
            mean)

  w = collections.OrderedDict()
  p = "bert."
  w[p + "embeddings.word_embeddings.weight"] = normal((vocab_size, HIDDEN),
                                                     0.5)
  w[p + "embeddings.position_embeddings.weight"] = normal(
      (MAX_POSITIONS, HIDDEN), 0.5)
  w[p + "embeddings.token_type_embeddings.weight"] = normal(
      (TYPE_VOCAB, HIDDEN), 0.5)
  w[p + "embeddings.LayerNorm.weight"] = normal((HIDDEN,), 0.2, 1.0)
  w[p + "embeddings.LayerNorm.bias"] = normal((HIDDEN,), 0.1)
  for i in range(LAYERS):
    l = p + "encoder.layer.%d." % i
    for name in ("query", "key", "value"):
      w[l + "attention.self.%s.weight" % name] = normal((HIDDEN, HIDDEN), 0.2)
      w[l + "attention.self.%s.bias" % name] = normal((HIDDEN,), 0.1)
    w[l + "attention.output.dense.weight"] = normal((HIDDEN, HIDDEN), 0.2)
    w[l + "attention.output.dense.bias"] = normal((HIDDEN,), 0.1)
    w[l + "attention.output.LayerNorm.weight"] = normal((HIDDEN,), 0.2, 1.0)
    w[l + "attention.output.LayerNorm.bias"] = normal((HIDDEN,), 0.1)
    w[l + "intermediate.dense.weight"] = normal((INTERMEDIATE, HIDDEN), 0.2)
    w[l + "intermediate.dense.bias"] = normal((INTERMEDIATE,), 0.1)
    w[l + "output.dense.weight"] = normal((HIDDEN, INTERMEDIATE), 0.2)
    w[l + "output.dense.bias"] = normal((HIDDEN,), 0.1)
    w[l + "output.LayerNorm.weight"] = normal((HIDDEN,), 0.2, 1.0)
    w[l + "output.LayerNorm.bias"] = normal((HIDDEN,), 0.1)
  w["classifier.weight"] = normal((len(LABELS), HIDDEN), 0.2)
  w["classifier.bias"] = normal((len(LABELS),), 0.1)
  return w


def layer_norm(x, gamma, beta):
  return torch.nn.functional.layer_norm(x, (x.shape[-1],), gamma, beta,
                                        LN_EPS)


def forward(w, ids, types, mask):
  """HF BertForTokenClassification forward (eval), float64, one sequence."""
  w = {k: v.to(torch.float64) for k, v in w.items()}
  p = "bert."
  n = len(ids)
  ids = torch.tensor(ids)
  types = torch.tensor(types)
  mask = torch.tensor(mask, dtype=torch.float64)
  x = (w[p + "embeddings.word_embeddings.weight"][ids] +
       w[p + "embeddings.position_embeddings.weight"][torch.arange(n)] +
       w[p + "embeddings.token_type_embeddings.weight"][types])
  x = layer_norm(x, w[p + "embeddings.LayerNorm.weight"],
                 w[p + "embeddings.LayerNorm.bias"])
  d = HIDDEN // HEADS
  additive = (1.0 - mask)[None, None, :] * -10000.0
  for i in range(LAYERS):
    l = p + "encoder.layer.%d." % i

    def lin(t, name):
      return t @ w[l + name + ".weight"].T + w[l + name + ".bias"]

    def split(t):  # [n, H] -> [heads, n, d]
      return t.view(n, HEADS, d).permute(1, 0, 2)

    q = split(lin(x, "attention.self.query"))
    k = split(lin(x, "attention.self.key"))
    v = split(lin(x, "attention.self.value"))
    scores = q @ k.transpose(1, 2) / math.sqrt(d) + additive
    probs = torch.softmax(scores, dim=-1)
    ctx = (probs @ v).permute(1, 0, 2).reshape(n, HIDDEN)
    x = layer_norm(lin(ctx, "attention.output.dense") + x,
                   w[l + "attention.output.LayerNorm.weight"],
                   w[l + "attention.output.LayerNorm.bias"])
    h = lin(x, "intermediate.dense")
    h = h * 0.5 * (1.0 + torch.erf(h / math.sqrt(2.0)))
    x = layer_norm(lin(h, "output.dense") + x,
                   w[l + "output.LayerNorm.weight"],
                   w[l + "output.LayerNorm.bias"])
  return x @ w["classifier.weight"].T + w["classifier.bias"]


def reference_inputs(vocab, gen):
  """The reference sequences: [CLS] + random ids (>= 5) + [SEP] of
  SEQ_LENGTHS tokens (just [CLS] for 1), mask all ones; the 31-token one
  carries a second segment (token type 1 on its last 15 tokens)."""
  cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
  out = []
  for n in SEQ_LENGTHS:
    if n == 1:
      ids = [cls_id]
    else:
      body = torch.randint(5, len(vocab), (n - 2,), generator=gen).tolist()
      ids = [cls_id] + body + [sep_id]
    types = [0] * n if n != 31 else [0] * 16 + [1] * 15
    out.append({"input_ids": ids, "token_type_ids": types,
                "attention_mask": [1] * n})
  return out


def logits_json(logits):
  """[n][labels] tensor -> nested lists of 9-significant-digit floats."""
  return [[float("%.9g" % v) for v in row] for row in logits.tolist()]


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--shared", default="/work/shared")
  ap.add_argument("--out", required=True)
  args = ap.parse_args()
  os.makedirs(args.out, exist_ok=True)

  vocab = build_vocab(args.shared)
  with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
    f.write("".join(v + "\n" for v in vocab))

  config = {
      "architectures": ["BertForTokenClassification"],
      "model_type": "bert",
      "vocab_size": len(vocab),
      "hidden_size": HIDDEN,
      "num_hidden_layers": LAYERS,
      "num_attention_heads": HEADS,
      "intermediate_size": INTERMEDIATE,
      "hidden_act": "gelu",
      "max_position_embeddings": MAX_POSITIONS,
      "type_vocab_size": TYPE_VOCAB,
      "layer_norm_eps": LN_EPS,
      "position_embedding_type": "absolute",
      "pad_token_id": 0,
      "id2label": {str(i): l for i, l in enumerate(LABELS)},
      "label2id": {l: i for i, l in enumerate(LABELS)},
  }
  with open(os.path.join(args.out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")

  gen = torch.Generator().manual_seed(20240611)
  w = random_weights(len(vocab), gen)
  write_safetensors(os.path.join(args.out, "model.safetensors"), w, "F32")
  write_safetensors(os.path.join(args.out, "model_f16.safetensors"), w, "F16")
  write_safetensors(os.path.join(args.out, "model_bf16.safetensors"), w,
                    "BF16")

  sequences = []
  with torch.no_grad():
    for seq in reference_inputs(vocab, gen):
      logits = forward(w, seq["input_ids"], seq["token_type_ids"],
                       seq["attention_mask"])
      seq["logits"] = logits_json(logits)
      sequences.append(seq)
  ref = {
      "description": "float64 logits of HF BertForTokenClassification "
                     "semantics for model.safetensors (F32 weights)",
      "labels": LABELS,
      "sequences": sequences,
  }
  with open(os.path.join(args.out, "reference.json"), "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")


if __name__ == "__main__":
  main()
