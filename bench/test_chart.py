#!/usr/bin/python3
"""bench/chart.py on a small raw directory: the SVG parses, has one panel per
thread count, one polyline per measured series with the input points in
order, and names the series without data. Run: python3 bench/test_chart.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "{http://www.w3.org/2000/svg}"
SEQS = [8, 16, 32, 64, 128, 256]


def write_raw(d, with_ort):
    with open(os.path.join(d, "edgebert.jsonl"), "w") as fp:
        for name, base in (("bert-base-int8", 1.0), ("bert-base-f32", 4.0)):
            for th in (1, 2):
                for s in SEQS:
                    fp.write(json.dumps({"name": name, "seq": s, "threads": th,
                                         "p50_ms": base * s / th}) + "\n")
        # Other models are not drawn.
        fp.write(json.dumps({"name": "pd-tiny-int8", "seq": 32, "threads": 1,
                             "p50_ms": 0.5}) + "\n")
    with open(os.path.join(d, "ort.jsonl"), "w") as fp:
        if with_ort:
            for th in (1, 2):
                for s in SEQS:
                    fp.write(json.dumps({"name": "ort-bert-base-int8",
                                         "seq": s, "threads": th,
                                         "p50_ms": 1.5 * s / th}) + "\n")
        fp.write(json.dumps({"compare": {"max_abs": 0.1}}) + "\n")


def run_chart(d):
    out = os.path.join(d, "chart.svg")
    subprocess.run([sys.executable, os.path.join(HERE, "chart.py"), d, out],
                   check=True)
    return ET.parse(out).getroot()


class ChartTest(unittest.TestCase):
    def test_series_and_points(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=True)
            root = run_chart(d)
            panels = root.findall(f"{NS}g[@class='panel']")
            self.assertEqual([p.get("data-threads") for p in panels],
                             ["1", "2"])
            for panel in panels:
                th = int(panel.get("data-threads"))
                labels = [l.get("data-label") for l in
                          panel.findall(f"{NS}polyline[@class='series']")]
                self.assertEqual(labels,
                                 ["edgebert int8", "edgebert f32", "ORT int8"])
                for label, base in (("edgebert int8", 1.0),
                                    ("edgebert f32", 4.0), ("ORT int8", 1.5)):
                    pts = [c for c in panel.findall(f"{NS}circle")
                           if c.get("data-label") == label]
                    self.assertEqual([int(c.get("data-seq")) for c in pts],
                                     SEQS)
                    for c in pts:
                        self.assertAlmostEqual(
                            float(c.get("data-p50")),
                            base * int(c.get("data-seq")) / th, places=4)
                    # x grows with seq (log2 axis), y falls as p50 grows.
                    xs = [float(c.get("cx")) for c in pts]
                    ys = [float(c.get("cy")) for c in pts]
                    self.assertEqual(xs, sorted(xs))
                    self.assertEqual(ys, sorted(ys, reverse=True))
                    # Equal steps in log2(seq) are equal steps in x.
                    steps = [round(b - a, 1) for a, b in zip(xs, xs[1:])]
                    self.assertEqual(len(set(steps)), 1)
            note = root.find(f"{NS}text[@class='note']")
            self.assertIsNotNone(note)
            self.assertIn("ORT f32", note.text)
            self.assertNotIn("ORT int8", note.text)

    def test_without_ort(self):
        with tempfile.TemporaryDirectory() as d:
            write_raw(d, with_ort=False)
            root = run_chart(d)
            labels = {l.get("data-label") for l in
                      root.iter(f"{NS}polyline")}
            self.assertEqual(labels, {"edgebert int8", "edgebert f32"})
            note = root.find(f"{NS}text[@class='note']").text
            self.assertTrue(re.search(r"ORT int8, ORT f32|ORT f32, ORT int8",
                                      note), note)

    def test_no_rows_fails(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "edgebert.jsonl"), "w").close()
            r = subprocess.run([sys.executable, os.path.join(HERE, "chart.py"),
                                d, os.path.join(d, "c.svg")],
                               capture_output=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertFalse(os.path.exists(os.path.join(d, "c.svg")))


if __name__ == "__main__":
    unittest.main()
