#!/usr/bin/python3
"""Acceptance check of edgebert-convert on TF1 google-research/bert NER
folders (issue 8): for each head, writes a seed-style TF checkpoint of a
Hugging Face tagger (tests/tools/write_tf_checkpoint.py: 1-based
label2id.pkl with X/[CLS]/[SEP], Adam slots, snappy index), converts it
with the CLI, tags sentences with `edgebert tag --tokens` and compares with
a float64 torch run of the TF graph built from the checkpoint's own tensors
(read back with tests/tools/tf_bundle.py, TF names and [in, out] kernels):

  encoder   modeling.py: LayerNorm eps 1e-12, tanh GELU, mask adder -10000,
            over the padded window (ids padded with 0 to --max-seq-len)
  softmax   h output_weights^T + output_bias, argmax
  crf       tanh(h W + b) (project/logits), crf_decode: Viterbi over
            [CLS] ... [SEP] with crf_loss/transitions
  crf-output  the same with emissions h output_weights^T + output_bias
  bilstm-crf  TF LSTMCell fw/bw over the whole padded window (stacked
            cells), tanh(project/hidden), project/logits, crf_decode

Checks per head (f32): every sentence's token labels equal the reference
path (hence identical entities), max |logit - reference| <=
LOGIT_TOLERANCE. int8: entity F1 of int8 against f32, >= --int8-f1 for
softmax (printed for the random CRF / BiLSTM-CRF heads). Prints the measured figures. Exit 0 pass, 1 fail, 77 skipped
(no torch / numpy / snappy, or no input data).

  check_tf_convert.py --bin DIR --hf DIR [--bio FILE | --random N]
      [--heads softmax,crf,bilstm-crf] [--max-seq-len W] [--lstm-units U]
      [--lstm-layers K] [--int8-f1 X] [--calibration FILE] [--tmp DIR]
      [--bilstm-every N]   (bilstm-crf: every N-th sentence only)
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import numpy as np
    import torch
    import tf_bundle  # noqa: E402 (needs numpy)
    import snappy  # noqa: F401 (the writer's snappy index)
    # modeling.py's tanh GELU; crf_decode's Viterbi (ties: smaller id).
    from make_tf_heads_reference import gelu_tanh, viterbi
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)

# f32 vs float64 logits. The runtime's f32 encoder on these small models
# stays within ~1e-4 (tests/model_test.cc kLogitTolerance budget: 4-9 GEMM
# stages of K <= 1024, gamma_K ~ 6e-5 relative, LayerNorm renormalising each
# layer); the heads add short GEMMs and tanh/sigmoid (<= 6 ulp, runtime/
# kernels/kernel_tolerances.h) and a contractive LSTM recurrence. 2e-3 is a
# hard ceiling with margin; the measured maximum is printed.
LOGIT_TOLERANCE = 2e-3


def read_bio(path, max_chars):
    """Sentences (strings) of a 'char TAG' file that fit max_chars."""
    out, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    out.append("".join(cur))
                cur = []
                continue
            cur.append(line.split()[0])
    if cur:
        out.append("".join(cur))
    return [s for s in out if 0 < len(s) <= max_chars]


def random_sentences(vocab_path, n, max_chars, seed=5):
    vocab = open(vocab_path, encoding="utf-8").read().split("\n")
    chars = [t for t in vocab if len(t) == 1 and 0x4E00 <= ord(t) <= 0x9FFF]
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(chars, int(rng.integers(1, max_chars + 1))))
            for _ in range(n)]


def load_tf(prefix):
    out = {}
    for name, (dtype, shape, data) in tf_bundle.read_bundle(prefix).items():
        if dtype != 1:
            continue
        a = np.frombuffer(data, "<f4").reshape(shape).astype(np.float64)
        out[name] = torch.from_numpy(a.copy())
    return out


def encoder(w, cfg, ids, lengths):
    """modeling.py BertModel over ids [B, W] with attention mask by length."""
    b, t = ids.shape
    hdim, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    d = hdim // heads
    e = "bert/embeddings/"
    ln = lambda x, p: torch.nn.functional.layer_norm(
        x, (hdim,), w[p + "/gamma"], w[p + "/beta"], 1e-12)
    x = (w[e + "word_embeddings"][ids] + w[e + "position_embeddings"][:t] +
         w[e + "token_type_embeddings"][0])
    x = ln(x, e + "LayerNorm")
    mask = (torch.arange(t)[None, :] < lengths[:, None]).to(torch.float64)
    adder = ((1.0 - mask) * -10000.0)[:, None, None, :]
    for i in range(cfg["num_hidden_layers"]):
        p = "bert/encoder/layer_%d/" % i
        dense = lambda y, n: y @ w[p + n + "/kernel"] + w[p + n + "/bias"]
        split = lambda y: y.view(b, t, heads, d).permute(0, 2, 1, 3)
        q = split(dense(x, "attention/self/query"))
        k = split(dense(x, "attention/self/key"))
        v = split(dense(x, "attention/self/value"))
        probs = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d) + adder, -1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, t, hdim)
        x = ln(dense(ctx, "attention/output/dense") + x,
               p + "attention/output/LayerNorm")
        h = gelu_tanh(dense(x, "intermediate/dense"))
        x = ln(dense(h, "output/dense") + x, p + "output/LayerNorm")
    return x


def lstm(x, kernel, bias, reverse):
    """TF LSTMCell over [B, T, in], forget_bias 1, gates i, j, f, o."""
    b, t, _ = x.shape
    u = kernel.shape[1] // 4
    h = torch.zeros(b, u, dtype=torch.float64)
    c = torch.zeros(b, u, dtype=torch.float64)
    out = [None] * t
    for s in (range(t - 1, -1, -1) if reverse else range(t)):
        z = torch.cat([x[:, s], h], 1) @ kernel + bias
        i, j, f, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(j)
        h = torch.sigmoid(o) * torch.tanh(c)
        out[s] = h
    return torch.stack(out, 1)


def bilstm_emissions(w, x, cells):
    outs = []
    for dname in ("fw", "bw"):
        y = x
        for k in range(cells):
            p = "rnn_layer/bidirectional_rnn/%s/" % dname + (
                "multi_rnn_cell/cell_%d/" % k if cells > 1 else "") + "lstm_cell/"
            y = lstm(y, w[p + "kernel"], w[p + "bias"], dname == "bw")
        outs.append(y)
    o = torch.cat(outs, 2)
    o = torch.tanh(o @ w["project/hidden/W"] + w["project/hidden/b"])
    return o @ w["project/logits/W"] + w["project/logits/b"]


def encode(w, cfg, rows, pad_to=None, batch=32):
    """Per sentence (list of ids), the encoder output: [n, H], or [pad_to,
    H] run over the window padded with id 0. Sentences are batched by
    length (attention masks the padding, so the real rows equal an unpadded
    run)."""
    out = [None] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    for s in range(0, len(order), batch):
        part = order[s:s + batch]
        t = pad_to or max(len(rows[i]) for i in part)
        ids = torch.zeros(len(part), t, dtype=torch.long)
        lengths = torch.tensor([len(rows[i]) for i in part])
        for k, i in enumerate(part):
            ids[k, :len(rows[i])] = torch.tensor(rows[i])
        h = encoder(w, cfg, ids, lengths)
        for k, i in enumerate(part):
            out[i] = h[k] if pad_to else h[k, :len(rows[i])]
    return out


def reference(w, head, cells, h, n):
    """Emissions [n, L] and decoded path of one sentence of n ids; h from
    encode() ([n, H], or the padded window for bilstm-crf)."""
    if head in ("softmax", "crf-output"):
        em = h @ w["output_weights"].T + w["output_bias"]
        if head == "softmax":
            return em, torch.argmax(em, 1).tolist()
    elif head == "crf":
        em = torch.tanh(h @ w["project/logits/W"] + w["project/logits/b"])
    else:
        em = bilstm_emissions(w, h[None], cells)[0, :n]
    return em, viterbi(em, w["crf_loss/transitions"])


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("FAIL: %s\n%s" % (" ".join(cmd), r.stderr))
    return r.stdout


def tag(bin_dir, model, sentences):
    out = run([os.path.join(bin_dir, "edgebert"), "tag", "-m", model,
               "--tokens"], "\n".join(sentences) + "\n")
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def entity_set(result):
    return {(e["start"], e["end"], e["entity_group"])
            for e in result["entities"]}


def f1(a_results, b_results):
    tp = na = nb = 0
    for a, b in zip(a_results, b_results):
        ea, eb = entity_set(a), entity_set(b)
        tp += len(ea & eb)
        na += len(ea)
        nb += len(eb)
    return 1.0 if na + nb == 0 else 2.0 * tp / (na + nb)


ENCODER_PREFIX = "bert/"


def check_head(args, head, tmp, sentences, cache):
    """Converts, tags and compares one head; cache holds the encoder
    outputs shared by the heads (their encoder tensors are identical)."""
    folder = os.path.join(tmp, head)
    run(["/usr/bin/python3", os.path.join(HERE, "write_tf_checkpoint.py"),
         "from-hf", "--hf", args.hf, "--out", folder, "--head", head, "--adam",
         "--snappy", "--lstm-units", str(args.lstm_units), "--lstm-layers",
         str(args.lstm_layers)])
    conv = [os.path.join(args.bin, "edgebert-convert"), "--input", folder,
            "--max-seq-len", str(args.max_seq_len), "--quiet"]
    f32 = os.path.join(tmp, head + "-f32.ebm")
    run(conv + ["--output", f32, "--precision", "f32"])
    # The padded BiLSTM reference runs the encoder over whole windows: every
    # args.bilstm_every-th sentence keeps the test short on reference BLAS.
    pick = list(range(0, len(sentences),
                      args.bilstm_every if head == "bilstm-crf" else 1))
    got = tag(args.bin, f32, [sentences[i] for i in pick])
    labels = json.loads(run([os.path.join(args.bin, "edgebert"), "info", "-m",
                             f32]))["labels"]
    w = load_tf(os.path.join(folder, "model.ckpt-1000"))
    cfg = json.load(open(os.path.join(folder, "bert_config.json")))
    enc = {k: v for k, v in w.items() if k.startswith(ENCODER_PREFIX)}
    if "weights" in cache:
        assert all(torch.equal(v, cache["weights"][k]) for k, v in enc.items())
    cache["weights"] = enc
    vocab = open(os.path.join(folder, "vocab.txt"), encoding="utf-8").read()
    vocab = vocab.split("\n")
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    rows = [[cls_id] + [t["id"] for t in r["tokens"]] + [sep_id] for r in got]
    if max(len(r) for r in rows) > args.max_seq_len:
        raise SystemExit("FAIL: a sentence exceeds the window")
    pad_to = args.max_seq_len if head == "bilstm-crf" else None
    key = (pad_to, tuple(pick))
    if key not in cache:
        cache[key] = encode(w, cfg, rows, pad_to)
    worst, same, bad = 0.0, 0, []
    for i, r in enumerate(got):
        n = len(rows[i])
        em, path = reference(w, head, args.lstm_layers, cache[key][i], n)
        rt_rows = np.array([t["logits"] for t in r["tokens"]], np.float64)
        worst = max(worst, float(np.abs(rt_rows - em[1:n - 1].numpy()).max()))
        want = [labels[k] for k in path[1:n - 1]]
        if [t["label"] for t in r["tokens"]] == want:
            same += 1
        else:
            bad.append(pick[i])
    n_ent = sum(len(r["entities"]) for r in got)
    print("%s f32: %d/%d sentences with identical labels (%d entities), "
          "max |logit diff| %.3g (tolerance %g)" %
          (head, same, len(got), n_ent, worst, LOGIT_TOLERANCE))
    sys.stdout.flush()
    ok = same == len(got) and worst <= LOGIT_TOLERANCE
    if bad:
        print("  differing sentences: %s" % bad[:10])
    # int8 (CRF / BiLSTM-CRF: random heads with near-tied scores, so their
    # F1 is printed, not checked).
    i8 = os.path.join(tmp, head + "-int8.ebm")
    cmd = conv + ["--output", i8, "--precision", "int8"]
    if args.calibration:
        cmd += ["--calibration", args.calibration]
    run(cmd)
    score = f1(got, tag(args.bin, i8, [sentences[i] for i in pick]))
    checked = head == "softmax"
    print("%s int8: entity F1 against f32 %.4f over %d sentences%s" %
          (head, score, len(got),
           " (threshold %g)" % args.int8_f1 if checked else ""))
    if checked:
        ok = ok and score >= args.int8_f1
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--hf", required=True)
    p.add_argument("--bio")
    p.add_argument("--random", type=int, default=0)
    p.add_argument("--heads", default="softmax,crf,bilstm-crf")
    p.add_argument("--max-seq-len", type=int, default=128)
    p.add_argument("--lstm-units", type=int, default=128)
    p.add_argument("--lstm-layers", type=int, default=1)
    p.add_argument("--int8-f1", type=float, default=0.995)
    p.add_argument("--calibration")
    p.add_argument("--bilstm-every", type=int, default=1)
    p.add_argument("--tmp")
    args = p.parse_args()
    if not os.path.isdir(args.hf) or (args.bio and not os.path.isfile(
            args.bio)):
        print("SKIP: %s / %s not found" % (args.hf, args.bio))
        return 77
    torch.set_num_threads(1)
    max_chars = args.max_seq_len - 2
    sentences = (read_bio(args.bio, max_chars) if args.bio else
                 random_sentences(os.path.join(args.hf, "vocab.txt"),
                                  args.random, max_chars))
    tmp = args.tmp or tempfile.mkdtemp(prefix="tf-convert-")
    try:
        cache = {}
        ok = all([check_head(args, h, tmp, sentences, cache)
                  for h in args.heads.split(",")])
    finally:
        if not args.tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
