#!/usr/bin/python3
"""Writes TensorFlow TensorBundle V2 checkpoints for tests, without
TensorFlow (Debian's /usr/bin/python3 with numpy and python3-snappy; the
format is in tests/tools/tf_bundle.py).

  from-hf  --hf DIR --out DIR [--head softmax|crf|crf-output|bilstm-crf] [--adam]
           [--snappy] [--step N] [--lstm-units U] [--lstm-layers K]
           [--num-shards N] [--seed S] [--pickle-protocol P]
           [--sliced NAME]...
      A google-research/bert NER output folder (as its NER forks write it)
      from a Hugging Face BertForTokenClassification checkpoint
      (config.json, model.safetensors F32, vocab.txt):
        model.ckpt-STEP.index / .data-*, `checkpoint`, bert_config.json
        (hidden_act "gelu" = tanh GELU in TF), vocab.txt, label2id.pkl.
      Names: bert/embeddings/{word,position,token_type}_embeddings,
      bert/embeddings/LayerNorm/{gamma,beta}, bert/encoder/layer_N/
      attention/self/{query,key,value}/{kernel,bias}, .../attention/output/
      dense, .../attention/output/LayerNorm, .../intermediate/dense,
      .../output/dense, .../output/LayerNorm; kernels stored [in, out];
      bert/pooler/dense (random: the converter ignores it).
      Labels: 1-based label2id.pkl, id 0 = padding; X, [CLS], [SEP] appended
      if the HF labels lack them. Their head rows (and the padding row) get
      random weights and bias -10, so the HF model's own labels still win.
      Heads (extra weights deterministic random from --seed):
        softmax     output_weights [L, H], output_bias [L] (the HF classifier)
        crf         project/logits/{W [H, L], b [L]} (the HF classifier,
                    tanh applied by the graph) + crf_loss/transitions [L, L]
        crf-output  output_weights / output_bias (no tanh) + transitions
        bilstm-crf  rnn_layer/bidirectional_rnn/{fw,bw}/lstm_cell/{kernel
                    [H + U, 4U], bias [4U]} (--lstm-layers K > 1: .../{fw,bw}/
                    multi_rnn_cell/cell_k/lstm_cell/...), project/hidden/{W
                    [2U, U], b [U]}, project/logits/{W [U, L], b [L]},
                    crf_loss/transitions [L, L]
      --adam adds */adam_m and */adam_v slots for every variable; global_step
      (int64) is always written.

  rewrite  --prefix PREFIX --out PREFIX [--snappy]
      Reads a TF-written bundle and writes the same tensors; prints which
      files came out byte-identical.

  fixtures --out DIR
      The small bundles of tests/tf_bundle_test.cc: dtypes (float16,
      bfloat16, float64, int32, int64), two_shards, sliced.
"""
import argparse
import filecmp
import json
import os
import pickle
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_bundle  # noqa: E402

SEED_LABELS = ["X", "[CLS]", "[SEP]"]
HIDDEN_BIAS = -10.0  # bias of rows the HF model has no label for


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack_from("<Q", buf, 0)[0]
    header = json.loads(buf[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            raise SystemExit("%s: %s is %s; F32 only" % (path, name, t["dtype"]))
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(buf[8 + n + b:8 + n + e], "<f4").reshape(
            t["shape"]).copy()
    return out


def encoder_tensors(w, num_layers):
    """HF BertModel weights -> google-research/bert names and layouts."""
    out = {}

    def dense(tf_name, hf_name):
        out[tf_name + "/kernel"] = w[hf_name + ".weight"].T.copy()
        out[tf_name + "/bias"] = w[hf_name + ".bias"]

    def norm(tf_name, hf_name):
        out[tf_name + "/gamma"] = w[hf_name + ".weight"]
        out[tf_name + "/beta"] = w[hf_name + ".bias"]

    for kind in ("word", "position", "token_type"):
        out["bert/embeddings/%s_embeddings" % kind] = w[
            "bert.embeddings.%s_embeddings.weight" % kind]
    norm("bert/embeddings/LayerNorm", "bert.embeddings.LayerNorm")
    for i in range(num_layers):
        tf, hf = "bert/encoder/layer_%d" % i, "bert.encoder.layer.%d" % i
        for p in ("query", "key", "value"):
            dense(tf + "/attention/self/" + p, hf + ".attention.self." + p)
        dense(tf + "/attention/output/dense", hf + ".attention.output.dense")
        norm(tf + "/attention/output/LayerNorm",
             hf + ".attention.output.LayerNorm")
        dense(tf + "/intermediate/dense", hf + ".intermediate.dense")
        dense(tf + "/output/dense", hf + ".output.dense")
        norm(tf + "/output/LayerNorm", hf + ".output.LayerNorm")
    return out


def seed_labels(config):
    """HF id2label -> seed label list (ids 1..) plus which are new."""
    hf = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    extra = [l for l in SEED_LABELS if l not in hf]
    return hf + extra, len(extra)


def head_tensors(args, w, hidden, num_labels_hf, num_extra, rng):
    """The classifier of kind args.head, width L = 1 + HF labels + extra."""
    L = 1 + num_labels_hf + num_extra
    weight = (rng.standard_normal((L, hidden)) * 0.02).astype(np.float32)
    bias = np.full(L, HIDDEN_BIAS, np.float32)
    weight[1:1 + num_labels_hf] = w["classifier.weight"]
    bias[1:1 + num_labels_hf] = w["classifier.bias"]

    def rand(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    if args.head == "softmax":
        return {"output_weights": weight, "output_bias": bias}
    out = {"crf_loss/transitions": rand(L, L)}
    if args.head == "crf-output":
        out.update({"output_weights": weight, "output_bias": bias})
        return out
    if args.head == "crf":
        out["project/logits/W"] = weight.T.copy()
        out["project/logits/b"] = bias
        return out
    u = args.lstm_units
    for d in ("fw", "bw"):
        inp = hidden
        for k in range(args.lstm_layers):
            cell = ("rnn_layer/bidirectional_rnn/%s/" % d +
                    ("multi_rnn_cell/cell_%d/" % k if args.lstm_layers > 1
                     else "") + "lstm_cell/")
            out[cell + "kernel"] = rand(inp + u, 4 * u)
            out[cell + "bias"] = rand(4 * u)
            inp = u
    out["project/hidden/W"] = rand(2 * u, u)
    out["project/hidden/b"] = rand(u)
    out["project/logits/W"] = rand(u, L)
    out["project/logits/b"] = rand(L)
    return out


def bert_config(config):
    keys = ("attention_probs_dropout_prob", "hidden_dropout_prob",
            "hidden_size", "initializer_range", "intermediate_size",
            "max_position_embeddings", "num_attention_heads",
            "num_hidden_layers", "type_vocab_size", "vocab_size")
    out = {k: config[k] for k in keys if k in config}
    out.setdefault("attention_probs_dropout_prob", 0.1)
    out.setdefault("hidden_dropout_prob", 0.1)
    out.setdefault("initializer_range", 0.02)
    out["hidden_act"] = "gelu"
    return dict(sorted(out.items()))


def from_hf(args):
    with open(os.path.join(args.hf, "config.json")) as f:
        config = json.load(f)
    w = read_safetensors(os.path.join(args.hf, "model.safetensors"))
    rng = np.random.default_rng(args.seed)
    labels, num_extra = seed_labels(config)
    tensors = encoder_tensors(w, config["num_hidden_layers"])
    h = config["hidden_size"]
    tensors["bert/pooler/dense/kernel"] = (
        rng.standard_normal((h, h)) * 0.02).astype(np.float32)
    tensors["bert/pooler/dense/bias"] = np.zeros(h, np.float32)
    tensors.update(head_tensors(args, w, h, len(labels) - num_extra,
                                num_extra, rng))
    if args.adam:
        for name in list(tensors):
            shape = tensors[name].shape
            # Constant slots: the converter never reads them, and committed
            # fixtures stay compressible.
            tensors[name + "/adam_m"] = np.full(shape, 1e-4, np.float32)
            tensors[name + "/adam_v"] = np.full(shape, 1e-8, np.float32)
    tensors["global_step"] = np.array(args.step, np.int64)
    os.makedirs(args.out, exist_ok=True)
    name = "model.ckpt-%d" % args.step
    tf_bundle.write_bundle(os.path.join(args.out, name), tensors,
                           args.num_shards, args.snappy,
                           sliced=tuple(args.sliced))
    with open(os.path.join(args.out, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "%s"\n' % name)
        f.write('all_model_checkpoint_paths: "%s"\n' % name)
    with open(os.path.join(args.out, "bert_config.json"), "w") as f:
        json.dump(bert_config(config), f, indent=2)
        f.write("\n")
    shutil.copy(os.path.join(args.hf, "vocab.txt"), args.out)
    with open(os.path.join(args.out, "label2id.pkl"), "wb") as f:
        pickle.dump({l: i + 1 for i, l in enumerate(labels)}, f,
                    protocol=args.pickle_protocol)


def rewrite(args):
    t = tf_bundle.read_bundle(args.prefix)
    tensors = {}
    for name, (dtype, shape, data) in t.items():
        np_type = np.uint16 if dtype == tf_bundle.BFLOAT16 else \
            tf_bundle.DTYPES[dtype]
        tensors[name] = (dtype, np.frombuffer(data, np_type).reshape(shape))
    tf_bundle.write_bundle(args.out, tensors, snappy_index=args.snappy)
    for suffix in (".index", ".data-00000-of-00001"):
        same = filecmp.cmp(args.prefix + suffix, args.out + suffix,
                           shallow=False)
        print("%s%s: %s" % (os.path.basename(args.prefix), suffix,
                            "byte-identical" if same else "DIFFERS"))


def fixtures(args):
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(7)
    f32 = rng.standard_normal((3, 5)).astype(np.float32)
    tf_bundle.write_bundle(os.path.join(args.out, "dtypes"), {
        "f16": f32.astype(np.float16),
        "bf16": (tf_bundle.BFLOAT16,
                 (f32.view(np.uint32) >> 16).astype(np.uint16)),
        "f64": f32.astype(np.float64),
        "f32": f32,
        "i32": np.arange(6, dtype=np.int32).reshape(2, 3),
        "scalar": np.array(2.5, np.float32),
        "empty": np.zeros((0, 4), np.float32),
        "global_step": np.array(123, np.int64),
    }, snappy_index=True)
    tf_bundle.write_bundle(os.path.join(args.out, "two_shards"), {
        "a": np.arange(4, dtype=np.float32), "b": np.ones(3, np.float32),
        "c": np.full(2, -1.5, np.float32)}, num_shards=2)
    tf_bundle.write_bundle(os.path.join(args.out, "sliced"), {
        "part": np.ones((2, 2), np.float32),
        "whole": np.zeros(2, np.float32)}, sliced=("part",))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("from-hf")
    a.add_argument("--hf", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--head",
                   choices=("softmax", "crf", "crf-output", "bilstm-crf"),
                   default="softmax")
    a.add_argument("--adam", action="store_true")
    a.add_argument("--snappy", action="store_true")
    a.add_argument("--step", type=int, default=1000)
    a.add_argument("--lstm-units", type=int, default=128)
    a.add_argument("--lstm-layers", type=int, default=1)
    a.add_argument("--num-shards", type=int, default=1)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--sliced", action="append", default=[],
                   help="store this variable partitioned (repeatable)")
    a.add_argument("--pickle-protocol", type=int,
                   default=pickle.DEFAULT_PROTOCOL)
    r = sub.add_parser("rewrite")
    r.add_argument("--prefix", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--snappy", action="store_true")
    x = sub.add_parser("fixtures")
    x.add_argument("--out", required=True)
    args = p.parse_args()
    {"from-hf": from_hf, "rewrite": rewrite, "fixtures": fixtures}[args.cmd](
        args)


if __name__ == "__main__":
    main()
