#!/usr/bin/python3
"""Bad TF1 input through edgebert-convert (issue 8): each case must exit 1
with one error line naming the problem, and leave no output file (nor its
.tmp). Cases are made from the committed fixture tests/fixtures/tf/
seed_softmax (and, for a partitioned variable, write_tf_checkpoint.py):

  truncated index, wrong table magic, flipped byte in an index block,
  flipped byte in a tensor the converter reads, missing data shard,
  sliced (partitioned) variable, label2id.pkl with GLOBAL/REDUCE, label map
  with a gap, label map shorter than the head, bert_config.json
  hidden_size / num_hidden_layers disagreeing with the tensors, unknown
  tensor, missing encoder tensor, no head, CRF emissions without
  transitions, misshapen transitions, hidden_act not supported.

  check_tf_convert_errors.py CONVERTER SOURCE_DIR
Exit 0 pass, 1 fail, 77 skipped (numpy / python3-snappy missing: the
sliced case needs the writer).
"""
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import numpy as np  # noqa: F401
    import snappy  # noqa: F401
    import tf_bundle
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)

PREFIX = "model.ckpt-1000"
INDEX = PREFIX + ".index"
DATA = PREFIX + ".data-00000-of-00001"


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x55]))


def truncate(path, size):
    with open(path, "r+b") as f:
        f.truncate(size)


def tensor_offset(folder, name):
    with open(os.path.join(folder, INDEX), "rb") as f:
        items = tf_bundle.read_table(f.read())
    for key, value in items:
        if key == name.encode():
            return tf_bundle.parse_entry(value)["offset"]
    raise KeyError(name)


def edit_config(folder, **kv):
    path = os.path.join(folder, "bert_config.json")
    cfg = json.load(open(path))
    cfg.update(kv)
    json.dump(cfg, open(path, "w"))


def write_pickle(folder, obj_bytes):
    with open(os.path.join(folder, "label2id.pkl"), "wb") as f:
        f.write(obj_bytes)


def sliced_checkpoint(folder, src):
    shutil.rmtree(folder)
    subprocess.run(["/usr/bin/python3", os.path.join(HERE,
                    "write_tf_checkpoint.py"), "from-hf", "--hf",
                    os.path.join(src, "tests/fixtures/tiny_random"), "--out",
                    folder, "--sliced", "bert/embeddings/word_embeddings"],
                   check=True)


def rewrite(folder, add=None, drop=()):
    """The checkpoint with tensors `add` ({name: array}) added and `drop`
    removed."""
    prefix = os.path.join(folder, PREFIX)
    tensors = {}
    for name, (dtype, shape, data) in tf_bundle.read_bundle(prefix).items():
        if name not in drop:
            tensors[name] = (dtype, np.frombuffer(
                data, tf_bundle.DTYPES[dtype]).reshape(shape))
    tensors.update(add or {})
    tf_bundle.write_bundle(prefix, tensors, snappy_index=True)


# (name, mutation(folder, src), substrings the error must contain)
CASES = [
    ("truncated index", lambda d, s: truncate(os.path.join(d, INDEX), 40),
     [INDEX]),
    ("wrong magic", lambda d, s: flip(os.path.join(d, INDEX),
                                      os.path.getsize(os.path.join(d, INDEX))
                                      - 1), ["magic"]),
    ("flipped byte in an index block",
     lambda d, s: flip(os.path.join(d, INDEX), 20), ["checksum"]),
    ("flipped byte in a tensor",
     lambda d, s: flip(os.path.join(d, DATA), tensor_offset(
         d, "bert/embeddings/word_embeddings") + 100),
     ["bert/embeddings/word_embeddings", "checksum"]),
    ("missing data shard", lambda d, s: os.remove(os.path.join(d, DATA)),
     [DATA]),
    ("sliced variable", sliced_checkpoint,
     ["bert/embeddings/word_embeddings", "partitioned"]),
    ("pickle with GLOBAL/REDUCE",
     lambda d, s: write_pickle(d, b"cos\nsystem\n(S'echo pwned'\ntR."),
     ["label2id.pkl", "GLOBAL"]),
    ("label map with a gap",
     lambda d, s: write_pickle(d, pickle.dumps(
         {"O": 1, "B-PER": 2, "I-PER": 3, "B-LOC": 4, "X": 6, "[CLS]": 7,
          "[SEP]": 8})), ["label2id.pkl", "5"]),
    ("label map shorter than the head",
     lambda d, s: write_pickle(d, pickle.dumps(
         {"O": 1, "B-PER": 2, "I-PER": 3, "B-LOC": 4, "I-LOC": 5, "X": 6,
          "[CLS]": 7})), ["label2id.pkl", "9"]),
    ("config hidden_size vs shapes",
     lambda d, s: edit_config(d, hidden_size=32),
     ["bert/embeddings/word_embeddings", "[360, 32]", "bert_config.json"]),
    ("config num_hidden_layers vs tensors",
     lambda d, s: edit_config(d, num_hidden_layers=1),
     ["layer_1", "num_hidden_layers"]),
    ("unknown tensor", lambda d, s: rewrite(
        d, add={"bert/encoder/adapter/kernel": np.zeros((4, 4), np.float32)}),
     ["bert/encoder/adapter/kernel"]),
    ("missing encoder tensor", lambda d, s: rewrite(
        d, drop=("bert/encoder/layer_1/attention/self/key/kernel",)),
     ["bert/encoder/layer_1/attention/self/key/kernel", "[64, 64]"]),
    ("no classifier head", lambda d, s: rewrite(
        d, drop=("output_weights", "output_bias")),
     ["no classifier head", "output_weights"]),
    ("CRF emissions without transitions", lambda d, s: rewrite(
        d, drop=("output_weights", "output_bias"),
        add={"project/logits/W": np.zeros((64, 9), np.float32),
             "project/logits/b": np.zeros(9, np.float32)}),
     ["project/logits/W", "crf_loss/transitions"]),
    ("misshapen transitions", lambda d, s: rewrite(
        d, add={"crf_loss/transitions": np.zeros((9, 8), np.float32)}),
     ["crf_loss/transitions", "[9, 9]"]),
    ("hidden_act not supported",
     lambda d, s: edit_config(d, hidden_act="swish"), ["hidden_act", "swish"]),
]


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    converter, src = sys.argv[1], sys.argv[2]
    fixture = os.path.join(src, "tests/fixtures/tf/seed_softmax")
    tmp = tempfile.mkdtemp(prefix="tf-convert-errors-")
    failed = 0
    try:
        for name, mutate, want in CASES:
            folder = os.path.join(tmp, "in")
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(fixture, folder)
            mutate(folder, src)
            out = os.path.join(tmp, "out.ebm")
            r = subprocess.run([converter, "--input", folder, "--output", out,
                                "--precision", "f32", "--quiet"],
                               capture_output=True, text=True)
            err = r.stderr.strip()
            problems = []
            if r.returncode != 1:
                problems.append("exit %d (want 1)" % r.returncode)
            problems += ["message lacks %r" % w for w in want if w not in err]
            if len(err.splitlines()) != 1:
                problems.append("%d stderr lines" % len(err.splitlines()))
            for p in (out, out + ".tmp"):
                if os.path.exists(p):
                    problems.append("left %s" % p)
                    os.remove(p)
            print("%s %s: %s" % ("ok  " if not problems else "FAIL", name, err))
            for p in problems:
                print("     " + p)
            failed += bool(problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d/%d cases failed" % (failed, len(CASES)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
