#!/usr/bin/python3
"""Builds tests/fixtures/tf_heads/reference.json: head weights and the
expected outputs of the TensorFlow NER graphs (google-research/bert encoder +
the heads of kyzhouhzau BERT-NER / macanv BERT-BiLSTM-CRF-NER), computed in
float64 with torch, for tests/tf_heads_test.cc.

Regenerate (deterministic, fixed seed):

    /usr/bin/python3 tests/tools/make_tf_heads_reference.py

The encoder is tests/fixtures/tiny_random (its model.safetensors, 2 layers,
hidden 64) run with google-research/bert semantics: LayerNorm eps 1e-12,
attention mask adder (1 - mask) * -10000, and modeling.py's tanh GELU
0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Heads, on top of the final
hidden states h [T, 64]:

  softmax      logits = h W^T + b (tiny_random's classifier).
  crf_only     e = tanh(h W + b) (project/logits, W [64, L]); TF crf_decode:
               Viterbi over [CLS] ... [SEP] with `transitions`, no start/end.
  pytorch_crf  e = classifier logits; Viterbi over the tokens between [CLS]
               and [SEP] with transitions + start/end (pytorch-crf).
  bilstm_crf   TF LSTMCell (z = [x, h_prev] kernel + bias; gates i, j, f, o;
               c = sig(f + 1) c + sig(i) tanh(j); h = sig(o) tanh(c)), 2
               stacked cells per direction (MultiRNNCell), 8 units,
               bidirectional_dynamic_rnn over the whole window padded to
               PADDED = 48 positions with [PAD] = 0 ids (no sequence_length:
               the backward stack starts at position 47), outputs [fw, bw];
               project/hidden tanh(o W + b) (8 units); project/logits o W + b;
               crf_decode over the first n positions.
  bilstm_crf_unpadded   the same weights, LSTM over the n real positions only.
  bilstm_1cell   one cell per direction, 5 units, no project/hidden layer.

Output: {"vocab_chinese": [...], "labels": [...], "padded": 48,
"heads": {name: {tensor: {"shape", "data"}}}, "sentences": [{"text", "ids",
"cases": {case: {"emissions": [[...]], "path": [...]}}}]}. Paths are label
ids per position of the decoded span ([CLS] .. [SEP] for the TF CRF, tokens
only for pytorch_crf, argmax per position for softmax).
"""

import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(ROOT, "tests", "fixtures", "tiny_random")
OUT = os.path.join(ROOT, "tests", "fixtures", "tf_heads", "reference.json")
HIDDEN, LAYERS, HEADS = 64, 2, 4
PADDED = 48
LENGTHS = [1, 5, 12, 30, 46]  # tokens; + [CLS]/[SEP] <= PADDED.


def read_safetensors(path):
  with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
  out = {}
  for name, m in header.items():
    if name == "__metadata__":
      continue
    a, b = m["data_offsets"]
    arr = np.frombuffer(data[a:b], dtype="<f4").reshape(m["shape"])
    out[name] = torch.tensor(arr.astype(np.float64))
  return out


def gelu_tanh(x):
  return 0.5 * x * (1.0 + torch.tanh(
      math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def encoder(w, ids, valid):
  """google-research/bert modeling.py forward, one sequence, float64."""
  p = "bert."
  n = len(ids)
  ln = lambda x, g, b: torch.nn.functional.layer_norm(x, (HIDDEN,), g, b,
                                                      1e-12)
  x = (w[p + "embeddings.word_embeddings.weight"][torch.tensor(ids)] +
       w[p + "embeddings.position_embeddings.weight"][:n] +
       w[p + "embeddings.token_type_embeddings.weight"][0])
  x = ln(x, w[p + "embeddings.LayerNorm.weight"],
         w[p + "embeddings.LayerNorm.bias"])
  d = HIDDEN // HEADS
  mask = torch.tensor([1.0 if i < valid else 0.0 for i in range(n)],
                      dtype=torch.float64)
  adder = (1.0 - mask)[None, None, :] * -10000.0
  for i in range(LAYERS):
    l = p + "encoder.layer.%d." % i
    lin = lambda t, name: t @ w[l + name + ".weight"].T + w[l + name + ".bias"]
    split = lambda t: t.view(n, HEADS, d).permute(1, 0, 2)
    q = split(lin(x, "attention.self.query"))
    k = split(lin(x, "attention.self.key"))
    v = split(lin(x, "attention.self.value"))
    probs = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d) + adder, -1)
    ctx = (probs @ v).permute(1, 0, 2).reshape(n, HIDDEN)
    x = ln(lin(ctx, "attention.output.dense") + x,
           w[l + "attention.output.LayerNorm.weight"],
           w[l + "attention.output.LayerNorm.bias"])
    h = gelu_tanh(lin(x, "intermediate.dense"))
    x = ln(lin(h, "output.dense") + x, w[l + "output.LayerNorm.weight"],
           w[l + "output.LayerNorm.bias"])
  return x


def lstm_cell_seq(x, kernel, bias, reverse):
  """TF LSTMCell over the rows of x (reversed if `reverse`), forget_bias 1."""
  u = kernel.shape[1] // 4
  h = torch.zeros(u, dtype=torch.float64)
  c = torch.zeros(u, dtype=torch.float64)
  out = [None] * x.shape[0]
  order = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
  for s in order:
    z = torch.cat([x[s], h]) @ kernel + bias
    i, j, f, o = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
    c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(j)
    h = torch.sigmoid(o) * torch.tanh(c)
    out[s] = h
  return torch.stack(out)


def bilstm_emissions(hw, x):
  outs = []
  for d in ("fw", "bw"):
    y = x
    for c in range(hw["cells"]):
      y = lstm_cell_seq(y, hw["%s/%d/kernel" % (d, c)],
                        hw["%s/%d/bias" % (d, c)], d == "bw")
    outs.append(y)
  o = torch.cat(outs, dim=1)
  if "hidden/W" in hw:
    o = torch.tanh(o @ hw["hidden/W"] + hw["hidden/b"])
  return o @ hw["logits/W"] + hw["logits/b"]


def viterbi(em, trans, start=None, end=None):
  """Best path; ties pick the smaller id (as runtime/head/crf.h)."""
  t, l = em.shape
  score = em[0] + (start if start is not None else 0.0)
  back = []
  for s in range(1, t):
    cand = score[:, None] + trans  # [from, to]
    best = torch.argmax(cand, dim=0)  # first max = smallest id
    score = cand.gather(0, best[None, :])[0] + em[s]
    back.append(best)
  if end is not None:
    score = score + end
  last = int(torch.argmax(score))
  path = [last]
  for b in reversed(back):
    last = int(b[last])
    path.append(last)
  return path[::-1]


def make_heads(gen, num_labels):
  def uni(shape, r):
    return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * r

  def f32(t):  # weights are stored as f32: round them now.
    return t.to(torch.float32).to(torch.float64)

  heads = {}
  heads["crf_only"] = {"logits/W": f32(uni((HIDDEN, num_labels), 0.4)),
                       "logits/b": f32(uni((num_labels,), 0.2)),
                       "transitions": f32(uni((num_labels, num_labels), 0.3))}
  heads["pytorch_crf"] = {"transitions": f32(uni((num_labels,) * 2, 0.3)),
                          "start": f32(uni((num_labels,), 1.0)),
                          "end": f32(uni((num_labels,), 1.0))}
  for name, units, cells, proj in (("bilstm_crf", 8, 2, 8),
                                   ("bilstm_1cell", 5, 1, 0)):
    hw = {"cells": cells, "units": units}
    for d in ("fw", "bw"):
      for c in range(cells):
        inp = HIDDEN if c == 0 else units
        hw["%s/%d/kernel" % (d, c)] = f32(uni((inp + units, 4 * units), 0.3))
        hw["%s/%d/bias" % (d, c)] = f32(uni((4 * units,), 0.2))
    width = 2 * units
    if proj:
      hw["hidden/W"] = f32(uni((width, proj), 0.5))
      hw["hidden/b"] = f32(uni((proj,), 0.2))
      width = proj
    hw["logits/W"] = f32(uni((width, num_labels), 0.8))
    hw["logits/b"] = f32(uni((num_labels,), 0.2))
    hw["transitions"] = f32(uni((num_labels, num_labels), 0.3))
    heads[name] = hw
  return heads


def r9(x):
  """9 significant digits: exact for f32 weights, ~1e-9 relative else."""
  if isinstance(x, list):
    return [r9(v) for v in x]
  return float("%.9g" % x)


def main():
  w = read_safetensors(os.path.join(TINY, "model.safetensors"))
  cfg = json.load(open(os.path.join(TINY, "config.json")))
  labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
  vocab = open(os.path.join(TINY, "vocab.txt"), encoding="utf-8").read()
  vocab = vocab.split("\n")
  cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
  chinese = [(i, t) for i, t in enumerate(vocab)
             if len(t) == 1 and 0x4E00 <= ord(t) <= 0x9FFF]
  gen = torch.Generator().manual_seed(20261129)
  heads = make_heads(gen, len(labels))
  cls_w, cls_b = w["classifier.weight"], w["classifier.bias"]
  sentences = []
  for n in LENGTHS:
    pick = torch.randint(0, len(chinese), (n,), generator=gen).tolist()
    ids = [cls_id] + [chinese[p][0] for p in pick] + [sep_id]
    text = "".join(chinese[p][1] for p in pick)
    m = len(ids)
    h = encoder(w, ids, m)
    hp = encoder(w, ids + [0] * (PADDED - m), m)
    cases = {}
    softmax = h @ cls_w.T + cls_b
    cases["softmax"] = (softmax, torch.argmax(softmax, 1).tolist())
    co = heads["crf_only"]
    e = torch.tanh(h @ co["logits/W"] + co["logits/b"])
    cases["crf_only"] = (e, viterbi(e, co["transitions"]))
    pc = heads["pytorch_crf"]
    cases["pytorch_crf"] = (softmax, viterbi(softmax[1:-1], pc["transitions"],
                                             pc["start"], pc["end"]))
    for name in ("bilstm_crf", "bilstm_1cell"):
      hw = heads[name]
      e = bilstm_emissions(hw, hp)[:m]
      cases[name] = (e, viterbi(e, hw["transitions"]))
    hw = heads["bilstm_crf"]
    e = bilstm_emissions(hw, h)
    cases["bilstm_crf_unpadded"] = (e, viterbi(e, hw["transitions"]))
    sentences.append({"text": text, "ids": ids, "cases": {
        k: {"emissions": r9(v[0].tolist()), "path": v[1]}
        for k, v in cases.items()}})
  out_heads = {}
  for name, hw in heads.items():
    out_heads[name] = {k: ({"shape": list(v.shape),
                            "data": r9(v.reshape(-1).tolist())}
                           if torch.is_tensor(v) else v)
                       for k, v in hw.items()}
  os.makedirs(os.path.dirname(OUT), exist_ok=True)
  with open(OUT, "w") as f:
    json.dump({"labels": labels, "padded": PADDED, "heads": out_heads,
               "sentences": sentences}, f, separators=(",", ":"))
  print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
  main()
