#!/usr/bin/python3
"""Writes a random bert-base-chinese-shaped BertForTokenClassification checkpoint.

Usage (Debian python3 with numpy; torch only for --onnx):
  /usr/bin/python3 bench/make_bert_base.py [--out DIR] [--onnx FILE]
      [--layers 12 --hidden 768 --heads 12 --ffn 3072] [--seed 0]

DIR (default /tmp/edgebert-bench/bert-base, ~400 MB, never commit it) gets the
Hugging Face layout: config.json (id2label O B-PER I-PER B-ORG I-ORG B-LOC
I-LOC), vocab.txt (the bert-base-chinese vocab) and model.safetensors (F32),
written directly: 8-byte little-endian header length, JSON header padded with
spaces to a multiple of 8, then the tensors back to back in header order.

Weights follow BERT's initialisation: every matrix and embedding N(0, 0.02),
linear biases 0, LayerNorm gamma 1 and beta 0. Pretrained BERT, however, has a
few hidden channels whose LayerNorm gamma/beta are tens of times larger than
the rest (the well-known "outlier dimensions"); they are what makes naive
per-tensor int8 activation quantization fail. To mimic them, OUTLIER_CHANNELS
get gamma = OUTLIER_GAMMA (30x and 40x the usual 1) and beta = +-OUTLIER_BETA
(where the usual beta is ~0.1 in trained models) in every LayerNorm.

--onnx FILE also exports the same network (plain-torch re-implementation of
BertForTokenClassification in eval mode: erf GELU, LayerNorm eps 1e-12, no
attention mask because a single unpadded sequence needs none, token type 0)
with torch.onnx.export: input "input_ids" int64 [1, seq] (seq dynamic),
output "logits" float [1, seq, num_labels]. Linear layers export as
MatMul(x, W^T initializer) + Add(bias), the form bench/ort/quantize_onnx.py
quantizes.
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
# Hidden channels made into outliers (must be < hidden size), with their
# gamma (vs. 1 elsewhere) and |beta| (sign alternates; vs. 0 elsewhere).
OUTLIER_CHANNELS = [77, 308, 588]
OUTLIER_GAMMA = [30.0, 40.0, 30.0]
OUTLIER_BETA = 3.0

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB_CANDIDATES = [
    os.path.join(REPO, "..", "shared", "data", "vocab",
                 "bert-base-chinese-vocab.txt"),
    "/work/shared/data/vocab/bert-base-chinese-vocab.txt",
    os.path.join(REPO, "tests", "fixtures", "tokenizer", "vocab.txt"),
]


def make_weights(cfg, seed):
    """Returns [(hf_name, float32 array)] in a fixed order."""
    rng = np.random.default_rng(seed)
    h, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def normal(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02)

    def zeros(*shape):
        return np.zeros(shape, dtype=np.float32)

    def layer_norm(prefix, out):
        gamma = np.ones(h, dtype=np.float32)
        beta = np.zeros(h, dtype=np.float32)
        for k, (c, g) in enumerate(zip(OUTLIER_CHANNELS, OUTLIER_GAMMA)):
            if c < h:
                gamma[c] = g
                beta[c] = OUTLIER_BETA * (1 if k % 2 == 0 else -1)
        out.append((prefix + "LayerNorm.weight", gamma))
        out.append((prefix + "LayerNorm.bias", beta))

    w = []
    e = "bert.embeddings."
    w.append((e + "word_embeddings.weight", normal(v, h)))
    w.append((e + "position_embeddings.weight",
              normal(cfg["max_position_embeddings"], h)))
    w.append((e + "token_type_embeddings.weight",
              normal(cfg["type_vocab_size"], h)))
    layer_norm(e, w)
    for i in range(cfg["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % i
        for part in ("query", "key", "value"):
            w.append((p + "attention.self.%s.weight" % part, normal(h, h)))
            w.append((p + "attention.self.%s.bias" % part, zeros(h)))
        w.append((p + "attention.output.dense.weight", normal(h, h)))
        w.append((p + "attention.output.dense.bias", zeros(h)))
        layer_norm(p + "attention.output.", w)
        w.append((p + "intermediate.dense.weight", normal(f, h)))
        w.append((p + "intermediate.dense.bias", zeros(f)))
        w.append((p + "output.dense.weight", normal(h, f)))
        w.append((p + "output.dense.bias", zeros(h)))
        layer_norm(p + "output.", w)
    w.append(("classifier.weight", normal(len(LABELS), h)))
    w.append(("classifier.bias", zeros(len(LABELS))))
    return w


def write_safetensors(path, weights):
    header = {"__metadata__": {"format": "pt",
                               "source": "bench/make_bert_base.py (random)"}}
    offset = 0
    for name, a in weights:
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fp:
        fp.write(struct.pack("<Q", len(hj)))
        fp.write(hj)
        for _, a in weights:
            fp.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    os.replace(tmp, path)


def export_onnx(cfg, weights, path):
    import torch  # Debian python3-torch; only needed here.

    wd = {k: torch.from_numpy(a) for k, a in weights}
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    dh = h // nh
    eps = cfg["layer_norm_eps"]

    class Linear(torch.nn.Module):
        def __init__(self, name):
            super().__init__()
            # Stored transposed so the export is MatMul(x, W^T) + Add(b).
            self.wt = torch.nn.Parameter(wd[name + ".weight"].t().contiguous())
            self.b = torch.nn.Parameter(wd[name + ".bias"].clone())

        def forward(self, x):
            return torch.matmul(x, self.wt) + self.b

    class LN(torch.nn.Module):
        def __init__(self, name):
            super().__init__()
            self.g = torch.nn.Parameter(wd[name + ".weight"].clone())
            self.b = torch.nn.Parameter(wd[name + ".bias"].clone())

        def forward(self, x):
            return torch.nn.functional.layer_norm(x, (h,), self.g, self.b, eps)

    class Layer(torch.nn.Module):
        def __init__(self, p):
            super().__init__()
            self.q = Linear(p + "attention.self.query")
            self.k = Linear(p + "attention.self.key")
            self.v = Linear(p + "attention.self.value")
            self.o = Linear(p + "attention.output.dense")
            self.ln1 = LN(p + "attention.output.LayerNorm")
            self.ffn_in = Linear(p + "intermediate.dense")
            self.ffn_out = Linear(p + "output.dense")
            self.ln2 = LN(p + "output.LayerNorm")

        def forward(self, x):
            s = x.shape[1]

            def heads(t):  # [1, s, h] -> [1, nh, s, dh]
                return t.reshape(1, s, nh, dh).transpose(1, 2)

            q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
            att = torch.softmax(
                torch.matmul(q, k.transpose(2, 3)) / float(np.sqrt(dh)), -1)
            ctx = torch.matmul(att, v).transpose(1, 2).reshape(1, s, h)
            x = self.ln1(self.o(ctx) + x)
            y = torch.nn.functional.gelu(self.ffn_in(x))  # erf GELU
            return self.ln2(self.ffn_out(y) + x)

    class Bert(torch.nn.Module):
        def __init__(self):
            super().__init__()
            e = "bert.embeddings."
            self.word = torch.nn.Parameter(
                wd[e + "word_embeddings.weight"].clone())
            self.pos = torch.nn.Parameter(
                wd[e + "position_embeddings.weight"].clone())
            self.type0 = torch.nn.Parameter(
                wd[e + "token_type_embeddings.weight"][0].clone())
            self.ln = LN(e + "LayerNorm")
            self.layers = torch.nn.ModuleList(
                [Layer("bert.encoder.layer.%d." % i)
                 for i in range(cfg["num_hidden_layers"])])
            self.cls = Linear("classifier")

        def forward(self, input_ids):
            s = input_ids.shape[1]
            x = self.word[input_ids] + self.pos[:s] + self.type0
            x = self.ln(x)
            for layer in self.layers:
                x = layer(x)
            return self.cls(x)

    model = Bert().eval()
    ids = torch.randint(1000, cfg["vocab_size"], (1, 16), dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (ids,), path, input_names=["input_ids"],
                          output_names=["logits"],
                          dynamic_axes={"input_ids": {1: "seq"},
                                        "logits": {1: "seq"}},
                          opset_version=13, do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/edgebert-bench/bert-base")
    ap.add_argument("--onnx", default="", help="also export f32 ONNX here")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--ffn", type=int, default=3072)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    vocab = next((p for p in VOCAB_CANDIDATES if os.path.isfile(p)), None)
    if vocab is None:
        sys.exit("make_bert_base.py: no vocab.txt found in %s" %
                 VOCAB_CANDIDATES)
    with open(vocab, encoding="utf-8") as fp:
        vocab_size = sum(1 for _ in fp)
    cfg = {
        "architectures": ["BertForTokenClassification"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": args.hidden,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "intermediate_size": args.ffn,
        "hidden_act": "gelu",
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
    }
    os.makedirs(args.out, exist_ok=True)
    weights = make_weights(cfg, args.seed)
    write_safetensors(os.path.join(args.out, "model.safetensors"), weights)
    shutil.copyfile(vocab, os.path.join(args.out, "vocab.txt"))
    with open(os.path.join(args.out, "config.json"), "w") as fp:
        json.dump(cfg, fp, indent=2)
    n = sum(a.size for _, a in weights)
    print("wrote %s: %d tensors, %.1fM parameters, outlier channels %s" %
          (args.out, len(weights), n / 1e6, OUTLIER_CHANNELS))
    if args.onnx:
        export_onnx(cfg, weights, args.onnx)
        print("wrote %s" % args.onnx)


if __name__ == "__main__":
    main()
