"""Sentences of a `char TAG` BIO file (blank line between sentences) as
strings: used by the tests (conftest.py) and bench/python_bench.py."""


def bio_texts(path):
    texts, chars = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts:
                chars.append(parts[0])
            elif chars:
                texts.append("".join(chars))
                chars = []
    if chars:
        texts.append("".join(chars))
    return texts
