#!/usr/bin/python3
"""bench/report.py on a small raw directory: the issue-12 acceptance table
compares against the right bounds (inclusive), says when ORT is missing, and
the per-core peak fractions use bert-base's MAC count.
Run: python3 bench/test_report.py
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402

# p50 ms by (name, seq, threads); ORT is 100 ms everywhere.
EB = {"bert-base-f32": 90.0, "bert-base-int8": 71.0}
PEAKS = {"f32": 50.0, "int8": 200.0}


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as fp:
        for r in rows:
            fp.write(json.dumps(r) + "\n")


def write_raw(d, with_ort, ort_note=""):
    with open(os.path.join(d, "machine.txt"), "w", encoding="utf-8") as fp:
        fp.write("date=2026-01-01 00:00 UTC\ncpu=test\nnproc=2\n")
        if ort_note:
            fp.write("ort=%s\n" % ort_note)
    write_jsonl(os.path.join(d, "files.jsonl"), [
        {"name": "bert-base-f32", "precision": "f32", "bytes": 400 * 2**20},
        {"name": "bert-base-int8", "precision": "int8",
         "bytes": 100 * 2**20}])
    eb = []
    for name, ms in EB.items():
        for seq in (32, 128):
            for th in (1, 2):
                eb.append({"name": name, "cache": "cold", "seq": seq,
                           "threads": th, "p50_ms": ms, "p90_ms": ms,
                           "min_ms": ms, "load_ms": 25.0 if th == 1 else 12.5,
                           "peak_rss_mb": 10.0})
    write_jsonl(os.path.join(d, "edgebert.jsonl"), eb)
    ort = [{"name": "ort-bert-base-" + p, "seq": seq, "threads": th,
            "p50_ms": 100.0, "load_ms": 300.0, "peak_rss_mb": 20.0}
           for p in ("f32", "int8") for seq in (32, 128) for th in (1, 2)]
    write_jsonl(os.path.join(d, "ort.jsonl"), ort if with_ort else [])
    prof = []
    for name, of_peak, sum_over in (("bert-base-int8", 0.75, 1.06),
                                    ("bert-base-f32", 0.5, 0.95)):
        prof.append({"name": name, "seq": 128, "threads": 1, "p50_ms": 50.0,
                     "profile": {
                         "peak_gmacs_per_core": dict(PEAKS),
                         "sum_over_p50": sum_over, "parts": {},
                         "end_to_end": {"gmac": 11.17, "gmacs": 150.0,
                                        "of_peak": of_peak,
                                        "of_peak_cpu_time": 0.8}}})
    write_jsonl(os.path.join(d, "profile.jsonl"), prof)
    write_jsonl(os.path.join(d, "tag.jsonl"), [
        {"name": "bert-base-f32", "max_rss_kb": 433 * 1024, "wall": "0:01",
         "lines": 1}])


def run_report(d):
    out = os.path.join(d, "RESULTS.md")
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), d, out],
                   check=True)
    with open(out, encoding="utf-8") as fp:
        return fp.read()


def section(text, title):
    """The lines of the `## title...` section."""
    part = text.split("\n## " + title, 1)[1]
    return part.split("\n## ", 1)[0]


def table_row(text, start):
    rows = [l for l in text.splitlines() if l.startswith("| " + start)]
    if len(rows) != 1:
        raise AssertionError("%d rows start with %r" % (len(rows), start))
    return [c.strip() for c in rows[0].strip("|").split("|")]


class ReportTest(unittest.TestCase):
    def test_gmac_of_bert_base(self):
        # 12 x (128 (4 768^2 + 2 768 3072) + 2 128^2 768) + 128 768 7: the
        # count `edgebert bench --profile` reports end to end.
        self.assertEqual(report.bert_gmac(128, **report.BERT_BASE) * 1e9,
                         11174313984)
        self.assertAlmostEqual(report.bert_gmac(32, **report.BERT_BASE),
                               2.736955392)

    def test_acceptance_table(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=True)
            text = run_report(d)
        for seq in (32, 128):
            for th, s in ((1, ""), (2, "s")):
                # 90 / 100 = 0.9: the f32 bound is inclusive.
                # Meeting the bound: bert_gmac(seq) in 90 (f32) or 70 (int8)
                # ms against the peak (50 or 200 GMAC/s per core) x threads.
                gmac = report.bert_gmac(seq, **report.BERT_BASE)
                row = table_row(text, "f32 p50 <= 0.9x ORT f32, seq %d, %d "
                                      "thread%s" % (seq, th, s))
                self.assertEqual(row[1:], [
                    "90.0 / 100.0 ms = 0.90x; needs %.0f%% of the f32 peak"
                    % (100 * gmac / 0.09 / (50 * th)), "met"])
                row = table_row(text, "int8 p50 <= 0.7x ORT int8, seq %d, %d "
                                      "thread%s" % (seq, th, s))
                self.assertEqual(row[1:], [
                    "71.0 / 100.0 ms = 0.71x; needs %.0f%% of the int8 peak"
                    % (100 * gmac / 0.07 / (200 * th)), "not met"])
        # 433 MB vs 400 + 32; warm load is the 2-thread re-map (12.5 ms).
        self.assertEqual(table_row(text, "f32 peak RSS")[2], "not met")
        self.assertEqual(table_row(text, "warm f32 load")[1:],
                         ["12.5 ms", "met"])
        self.assertEqual(table_row(text, "int8 end to end >= 75%")[2], "met")
        self.assertEqual(table_row(text, "`info` names")[2], "—")
        self.assertEqual(table_row(text, "bert-base-int8 profile")[1:],
                         ["106.0%", "not met"])
        self.assertEqual(table_row(text, "bert-base-f32 profile")[1:],
                         ["95.0%", "met"])

    def test_cpu_time_ratio_with_one_thread(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=True)
            for f, ms in (("edgebert.jsonl", 45.0), ("ort.jsonl", 60.0)):
                path = os.path.join(d, f)
                with open(path, encoding="utf-8") as fp:
                    rows = [json.loads(l) for l in fp]
                for r in rows:
                    r["cpu_p50_ms"] = ms
                write_jsonl(path, rows)
            text = run_report(d)
        peaks = section(text, "Fraction of the per-core peak")
        row = [c.strip() for c in next(
            l for l in peaks.splitlines()
            if l.startswith("| ORT int8 | 1 |")).strip("|").split("|")]
        self.assertEqual(row[6], "%.0f%%" % (100 * 11.174313984 / 0.06 / 200))
        # The verdict stays on wall time; CPU time is shown for 1 thread.
        self.assertEqual(
            table_row(text, "f32 p50 <= 0.9x ORT f32, seq 128, 1 thread")[1:],
            ["90.0 / 100.0 ms = 0.90x (CPU time 45.0 / 60.0 ms = 0.75x); "
             "needs 248% of the f32 peak", "met"])
        self.assertEqual(
            table_row(text, "f32 p50 <= 0.9x ORT f32, seq 128, 2 threads")[1],
            "90.0 / 100.0 ms = 0.90x; needs 124% of the f32 peak")

    def test_peak_fractions(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=True)
            text = section(run_report(d), "Fraction of the per-core peak")
        gmacs = 11.174313984 / 0.1  # at 100 ms
        for label, peak in (("ORT f32", 50.0), ("ORT int8", 200.0)):
            for th in (1, 2):
                rows = [l for l in text.splitlines()
                        if l.startswith("| %s | %d |" % (label, th))]
                self.assertEqual(len(rows), 1, label)
                cells = [c.strip() for c in rows[0].strip("|").split("|")]
                self.assertEqual(cells[3], "%.1f" % gmacs)
                self.assertEqual(cells[4], "%.1f" % (peak * th))
                self.assertEqual(cells[5],
                                 "%.0f%%" % (100 * gmacs / (peak * th)))
                self.assertEqual(cells[6], "-")  # no cpu_p50_ms here

    def test_without_ort(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=False, ort_note="not installable (test)")
            text = run_report(d)
            write_raw(d, with_ort=False, ort_note="a|b")
            # A "|" in npm's message must not split the table cell.
            self.assertIn("| ONNX Runtime | not run: a\\|b |",
                          run_report(d).splitlines())
        self.assertIn("No ONNX Runtime figures in this run: onnxruntime-node "
                      "is not installable (test).", text)
        self.assertEqual(table_row(text, "f32 p50 <= 0.9x ORT f32, seq 32, "
                                         "1 thread")[1:], ["-", "—"])
        self.assertFalse(any(
            l.startswith("| ORT f32 |") for l in
            section(text, "Fraction of the per-core peak").splitlines()))


if __name__ == "__main__":
    unittest.main()
