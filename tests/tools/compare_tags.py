#!/usr/bin/env python3
"""Entity agreement of two `edgebert tag` outputs on the same input lines.

  compare_tags.py REF.jsonl CAND.jsonl   # e.g. f32 tags, then int8 tags
  compare_tags.py --text FILE.bio        # the sentences of a `char TAG`
                                         # file, one a line, for `tag`

Entity = (type, start, end) as `tag` prints them (exact type + character
span); prints REF's and CAND's entity counts, the common ones and the micro
F1 of CAND against REF (1 when neither has an entity). README "ALBERT-tiny"
uses it for int8 vs f32 fidelity.
"""

import argparse
import json
import sys

from bio_ner import read_bio


def entities(path):
  with open(path, encoding="utf-8") as f:
    return [{(e["entity_group"], e["start"], e["end"])
             for e in json.loads(line)["entities"]} for line in f]


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("files", nargs="*", help="REF.jsonl CAND.jsonl")
  ap.add_argument("--text", help="print the sentences of this BIO file")
  a = ap.parse_args()
  if a.text:
    for chars, _ in read_bio(a.text):
      print("".join(chars))
    return 0
  if len(a.files) != 2:
    ap.error("expected REF.jsonl CAND.jsonl")
  ref, cand = entities(a.files[0]), entities(a.files[1])
  if len(ref) != len(cand):
    sys.exit("%s has %d lines, %s %d" %
             (a.files[0], len(ref), a.files[1], len(cand)))
  common = sum(len(r & c) for r, c in zip(ref, cand))
  n_ref, n_cand = sum(map(len, ref)), sum(map(len, cand))
  f1 = 2 * common / (n_ref + n_cand) if n_ref + n_cand else 1.0
  print("ref %d cand %d common %d F1 %.5f" % (n_ref, n_cand, common, f1))
  return 0


if __name__ == "__main__":
  sys.exit(main())
