#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_model.cc: tiny .ebm files (a few
KB each, so that the fuzzer runs thousands of inputs per second), each
preceded by the harness's mode byte.

    /usr/bin/python3 tests/tools/make_fuzz_model_seeds.py \
        --convert build/bin/edgebert-convert --out tests/fuzz/corpus/fuzz_model

Needs torch (random weights, tests/tools/safetensors_io.py) and numpy
(tests/tools/write_tf_checkpoint.py for the TF heads). Deterministic: the
converter runs with SOURCE_DATE_EPOCH=0 (fixed `created` metadata).

The model: BERT with 1 layer, hidden 8, 2 heads, intermediate 16, 16
positions, a 28-piece vocab holding the fuzzer's fixed texts, BIO labels.
Seeds (mode byte 0: re-seal the checksums, map the file, no --verify):
  softmax_f32, softmax_int8        Hugging Face checkpoint, classifier head
  softmax_int8_calib               int8 with calibration text (SmoothQuant
                                   factors, GPTQ, quantization report)
  softmax_int8_attn_twopass        int8 attention (EncoderConfig.attention)
                                   and two-pass activations in two GEMMs
  crf_int8                         TF checkpoint, project/logits + CRF
  bilstm_crf_f32, bilstm_crf_int8  TF checkpoint, BiLSTM (4 units) + CRF
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

HIDDEN = 8
INTERMEDIATE = 16
HEADS = 2
POSITIONS = 16
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
# The texts fuzz_model.cc tags, so that seeds produce real entities.
TEXTS = ["高勇：男，中国国籍，无境外居留权，", "hello new york world ok",
         "的的的的的的的的的"]
MODE_RESEAL = b"\x00"


def vocab():
  pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
  pieces += ["hello", "new", "york", "world", "ok", "##s", "##er", "a"]
  for text in TEXTS:
    for c in text:
      if ord(c) > 0x7f and c not in pieces:
        pieces.append(c)
  return pieces


def weights(vocab_size):
  gen = torch.Generator().manual_seed(13)

  def normal(*shape, std=0.5, mean=0.0):
    return torch.randn(*shape, generator=gen) * std + mean

  w = collections.OrderedDict()
  e = "bert.embeddings."
  w[e + "word_embeddings.weight"] = normal(vocab_size, HIDDEN)
  w[e + "position_embeddings.weight"] = normal(POSITIONS, HIDDEN)
  w[e + "token_type_embeddings.weight"] = normal(2, HIDDEN)
  w[e + "LayerNorm.weight"] = normal(HIDDEN, std=0.2, mean=1.0)
  w[e + "LayerNorm.bias"] = normal(HIDDEN, std=0.1)
  l = "bert.encoder.layer.0."
  for name in ("query", "key", "value"):
    w[l + "attention.self.%s.weight" % name] = normal(HIDDEN, HIDDEN)
    w[l + "attention.self.%s.bias" % name] = normal(HIDDEN, std=0.1)
  dense = [("attention.output.dense", HIDDEN, HIDDEN),
           ("intermediate.dense", INTERMEDIATE, HIDDEN),
           ("output.dense", HIDDEN, INTERMEDIATE)]
  for name, rows, cols in dense:
    w[l + name + ".weight"] = normal(rows, cols)
    w[l + name + ".bias"] = normal(rows, std=0.1)
  for name in ("attention.output.LayerNorm", "output.LayerNorm"):
    w[l + name + ".weight"] = normal(HIDDEN, std=0.2, mean=1.0)
    w[l + name + ".bias"] = normal(HIDDEN, std=0.1)
  w["classifier.weight"] = normal(len(LABELS), HIDDEN)
  w["classifier.bias"] = normal(len(LABELS), std=0.1)
  return w


def write_hf(folder):
  pieces = vocab()
  with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
    f.write("".join(p + "\n" for p in pieces))
  config = {
      "architectures": ["BertForTokenClassification"],
      "model_type": "bert", "vocab_size": len(pieces),
      "hidden_size": HIDDEN, "num_hidden_layers": 1,
      "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE,
      "hidden_act": "gelu", "max_position_embeddings": POSITIONS,
      "type_vocab_size": 2, "layer_norm_eps": 1e-12,
      "id2label": {str(i): l for i, l in enumerate(LABELS)},
  }
  with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
  write_safetensors(os.path.join(folder, "model.safetensors"),
                    weights(len(pieces)))


def write_tf(hf, folder, head):
  tool = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "write_tf_checkpoint.py")
  subprocess.run([sys.executable, tool, "from-hf", "--hf", hf, "--out",
                  folder, "--head", head, "--lstm-units", "4"], check=True)


def convert(binary, src, out, precision, extra=()):
  tmp = out + ".ebm"
  subprocess.run([binary, "--input", src, "--output", tmp, "--precision",
                  precision, "--quiet", *extra], check=True,
                 stdout=subprocess.DEVNULL,
                 env=dict(os.environ, SOURCE_DATE_EPOCH="0"))
  with open(tmp, "rb") as f:
    data = f.read()
  os.remove(tmp)
  with open(out, "wb") as f:
    f.write(MODE_RESEAL + data)
  print("%s: %d bytes" % (out, len(data) + 1))


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--convert", required=True, help="edgebert-convert binary")
  ap.add_argument("--out", required=True)
  args = ap.parse_args()
  os.makedirs(args.out, exist_ok=True)
  with tempfile.TemporaryDirectory(prefix="edgebert_seeds_") as tmp:
    hf = os.path.join(tmp, "hf")
    os.makedirs(hf)
    write_hf(hf)
    calib = os.path.join(tmp, "calib.txt")
    with open(calib, "w", encoding="utf-8") as f:
      f.write("".join(t + "\n" for t in TEXTS))
    out = lambda name: os.path.join(args.out, name)
    convert(args.convert, hf, out("softmax_f32"), "f32")
    convert(args.convert, hf, out("softmax_int8"), "int8")
    convert(args.convert, hf, out("softmax_int8_calib"), "int8",
            ["--calibration", calib])
    convert(args.convert, hf, out("softmax_int8_attn_twopass"), "int8",
            ["--attention", "int8", "--two-pass",
             "layer.0.attention.qkv.weight,layer.0.ffn.out.weight"])
    for head in ("crf", "bilstm-crf"):
      tf = os.path.join(tmp, head)
      write_tf(hf, tf, head)
      name = head.replace("-", "_")
      if head == "bilstm-crf":
        convert(args.convert, tf, out(name + "_f32"), "f32")
      convert(args.convert, tf, out(name + "_int8"), "int8")


if __name__ == "__main__":
  main()
