#!/usr/bin/python3
"""ctest tf_writer_check: tests/tools/write_tf_checkpoint.py still writes
the committed fixtures byte for byte, and re-writes the TF-written bundles
of ../shared/data/tf_bundle byte-identically (index and data).

Usage: check_tf_writer.py REPO_DIR SHARED_DIR. Exits 77 (ctest: skipped)
without numpy / python3-snappy; ../shared cases print SKIPPED when absent.
"""
import filecmp
import os
import subprocess
import sys
import tempfile

try:
    import numpy  # noqa: F401
    import snappy  # noqa: F401
except ImportError as e:
    print("SKIPPED: %s (install python3-numpy python3-snappy)" % e)
    sys.exit(77)

repo, shared = sys.argv[1], sys.argv[2]
tool = os.path.join(repo, "tests", "tools", "write_tf_checkpoint.py")
fixtures = os.path.join(repo, "tests", "fixtures", "tf")
failed = []


def run(*args):
    return subprocess.run([sys.executable, tool] + list(args), check=True,
                          capture_output=True, text=True).stdout


def same_files(a, b, names):
    for n in names:
        if not filecmp.cmp(os.path.join(a, n), os.path.join(b, n),
                           shallow=False):
            failed.append(os.path.join(b, n))


with tempfile.TemporaryDirectory() as tmp:
    run("fixtures", "--out", tmp)
    same_files(tmp, fixtures, [n for n in os.listdir(tmp)])
    seed = os.path.join(tmp, "seed")
    run("from-hf", "--hf", os.path.join(repo, "tests", "fixtures",
                                         "tiny_random"),
        "--out", seed, "--head", "softmax", "--adam", "--snappy",
        "--step", "1000")
    same_files(seed, os.path.join(fixtures, "seed_softmax"), os.listdir(seed))
    bundles = os.path.join(shared, "data", "tf_bundle")
    cases = [("keras_bert_tiny/bert_model.ckpt", False),
             ("saved_model_counter/variables", False),
             ("saved_model_half_plus_two_cpu/variables", True),
             ("saved_model_half_plus_two_mkl/variables", False)]
    for prefix, snappy_index in cases:
        src = os.path.join(bundles, prefix)
        if not os.path.exists(src + ".index"):
            print("SKIPPED: %s not present" % src)
            continue
        out = os.path.join(tmp, prefix.replace("/", "_"))
        report = run("rewrite", "--prefix", src, "--out", out,
                     *(["--snappy"] if snappy_index else []))
        print(prefix, report.strip().replace("\n", "; "))
        if "DIFFERS" in report:
            failed.append(prefix)

if failed:
    print("FAILED: not byte-identical: " + ", ".join(failed))
    sys.exit(1)
print("ok")
