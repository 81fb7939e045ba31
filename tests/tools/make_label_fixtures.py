#!/usr/bin/python3
"""Writes the label-map fixtures of tests/labels_test.cc into
tests/fixtures/labels/ (run from the repo root with Debian's /usr/bin/python3).

Python 3 pickles come from pickle.dumps at every protocol; the Python 2 ones
are the bytes Python 2.7's pickle writes for a dict of str (byte strings)
and of unicode, spelled out here since no Python 2 is installed.
"""
import collections
import json
import os
import pickle

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "fixtures", "labels")
# The seed's convention: ids from 1, id 0 = padding; X/[CLS]/[SEP] labels.
LABELS = ["O", "B-地名", "I-地名", "X", "[CLS]", "[SEP]"]
LABEL2ID = {l: i + 1 for i, l in enumerate(LABELS)}


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def py2_protocol0(d):
    """Python 2.7 pickle.dumps(d) of a dict of byte strings (repr-quoted)."""
    out = b"(dp0\n"
    memo = 1
    for k, v in d.items():
        kb = k.encode("utf-8")
        rep = "".join(chr(c) if 32 <= c < 127 and c not in (39, 92)
                      else "\\x%02x" % c for c in kb)
        out += b"S'" + rep.encode("ascii") + b"'\np%d\nI%d\ns" % (memo, v)
        memo += 1
    return out + b"."


def py2_protocol2(d):
    """Python 2.7 pickle.dumps(d, 2) of a dict of byte strings."""
    out = b"\x80\x02}q\x00("
    memo = 1
    for k, v in d.items():
        kb = k.encode("utf-8")
        out += b"U" + bytes([len(kb)]) + kb + b"q" + bytes([memo])
        out += b"K" + bytes([v])
        memo += 1
    return out + b"u."


def main():
    os.makedirs(OUT, exist_ok=True)
    for p in range(6):
        write("label2id_p%d.pkl" % p, pickle.dumps(LABEL2ID, protocol=p))
    write("label2id_py2_p0.pkl", py2_protocol0(LABEL2ID))
    write("label2id_py2_p2.pkl", py2_protocol2(LABEL2ID))
    # Every int opcode: BININT1, BININT2, BININT (negative), LONG1.
    write("ints_p2.pkl", pickle.dumps({"a": 300, "b": -5, "c": 2**40,
                                       "d": 70000, "e": 7}, protocol=2))
    write("ordereddict_p2.pkl", pickle.dumps(
        collections.OrderedDict(LABEL2ID), protocol=2))  # GLOBAL + REDUCE
    write("reduce_p0.pkl", b"cposix\nsystem\n(S'echo owned'\ntR.")
    gap = dict(LABEL2ID)
    del gap["I-地名"]  # id 3 missing
    write("gap_p3.pkl", pickle.dumps(gap, protocol=3))
    write("label2id.json",
          json.dumps(LABEL2ID, ensure_ascii=False).encode("utf-8"))
    write("id2label.json", json.dumps(
        {str(i): l for l, i in LABEL2ID.items()}, ensure_ascii=False)
        .encode("utf-8"))
    write("labels.txt", ("\n".join(LABELS) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
