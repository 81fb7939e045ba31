#!/usr/bin/python3
"""Draws the bench/run.sh comparison chart as a standalone SVG (no plotting
library): p50 latency by sequence length for edgebert f32/int8 and ONNX
Runtime f32/int8 on the bert-base model, one panel per thread count.

Usage: /usr/bin/python3 bench/chart.py RAW_DIR OUT.svg
RAW_DIR holds edgebert.jsonl and ort.jsonl (bench/run.sh); series without
data (e.g. no ORT) are left out and named in the chart's note.
"""
import json
import math
import os
import sys
from xml.sax.saxutils import escape

# (label, source file, row name, colour, dash pattern)
SERIES = [
    ("edgebert int8", "edgebert.jsonl", "bert-base-int8", "#1b7837", ""),
    ("edgebert f32", "edgebert.jsonl", "bert-base-f32", "#2166ac", ""),
    ("ORT int8", "ort.jsonl", "ort-bert-base-int8", "#b2182b", "6,4"),
    ("ORT f32", "ort.jsonl", "ort-bert-base-f32", "#e08214", "6,4"),
]
PANEL_W, PANEL_H = 420, 300
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 16, 40, 48
LEGEND_H = 56


def read_jsonl(path):
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as fp:
        return [json.loads(l) for l in fp if l.strip().startswith("{")]


def collect(raw_dir):
    """{threads: {label: [(seq, p50_ms), ...] sorted by seq}} and the labels
    of series that had no rows."""
    rows = {}
    for fname in {s[1] for s in SERIES}:
        rows[fname] = read_jsonl(os.path.join(raw_dir, fname))
    panels, missing = {}, []
    for label, fname, name, _, _ in SERIES:
        found = False
        for r in rows[fname]:
            if r.get("name") != name or "p50_ms" not in r:
                continue
            found = True
            pts = panels.setdefault(int(r["threads"]), {}).setdefault(label, [])
            pts.append((int(r["seq"]), float(r["p50_ms"])))
        if not found:
            missing.append(label)
    for series in panels.values():
        for pts in series.values():
            pts.sort()
    return panels, missing


def log_ticks(lo, hi):
    """1-2-5 ticks covering [lo, hi] (lo > 0)."""
    ticks = []
    e = math.floor(math.log10(lo))
    while True:
        for m in (1, 2, 5):
            v = m * 10.0 ** e
            if v > hi * 1.0001:
                return ticks
            if v >= lo * 0.9999:
                ticks.append(v)
        e += 1


def fmt_ms(v):
    return ("%g" % v) if v >= 1 else ("%.2g" % v)


def panel_svg(x0, threads, series, seqs, y_lo, y_hi):
    """One panel: log2 x (sequence length), log10 y (p50 ms)."""
    pw = PANEL_W - MARGIN_L - MARGIN_R
    ph = PANEL_H - MARGIN_T - MARGIN_B
    sx_lo, sx_hi = math.log2(seqs[0]), math.log2(seqs[-1])
    ly_lo, ly_hi = math.log10(y_lo), math.log10(y_hi)

    def px(seq):
        f = 0.5 if sx_hi == sx_lo else (math.log2(seq) - sx_lo) / (sx_hi - sx_lo)
        return x0 + MARGIN_L + f * pw

    def py(ms):
        f = (math.log10(ms) - ly_lo) / (ly_hi - ly_lo)
        return MARGIN_T + (1 - f) * ph

    out = ['<g class="panel" data-threads="%d">' % threads]
    out.append('<text x="%.1f" y="%d" font-size="14" text-anchor="middle">'
               '%d thread%s</text>' % (x0 + MARGIN_L + pw / 2, MARGIN_T - 14,
                                      threads, "" if threads == 1 else "s"))
    out.append('<rect x="%.1f" y="%d" width="%d" height="%d" fill="none" '
               'stroke="#888"/>' % (x0 + MARGIN_L, MARGIN_T, pw, ph))
    for t in log_ticks(y_lo, y_hi):
        y = py(t)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                   'stroke="#ddd"/>' % (x0 + MARGIN_L, y, x0 + MARGIN_L + pw, y))
        out.append('<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">'
                   '%s</text>' % (x0 + MARGIN_L - 4, y + 4, fmt_ms(t)))
    for s in seqs:
        x = px(s)
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">'
                   '%d</text>' % (x, MARGIN_T + ph + 16, s))
    out.append('<text x="%.1f" y="%d" font-size="12" text-anchor="middle">'
               'sequence length (tokens)</text>'
               % (x0 + MARGIN_L + pw / 2, MARGIN_T + ph + 36))
    out.append('<text transform="translate(%.1f,%.1f) rotate(-90)" '
               'font-size="12" text-anchor="middle">p50 latency (ms, log)'
               '</text>' % (x0 + 16, MARGIN_T + ph / 2))
    for label, _, _, colour, dash in SERIES:
        pts = series.get(label)
        if not pts:
            continue
        coords = " ".join("%.1f,%.1f" % (px(s), py(ms)) for s, ms in pts)
        out.append('<polyline class="series" data-label="%s" points="%s" '
                   'fill="none" stroke="%s" stroke-width="2"%s/>'
                   % (escape(label), coords, colour,
                      ' stroke-dasharray="%s"' % dash if dash else ""))
        for s, ms in pts:
            out.append('<circle class="point" data-label="%s" data-seq="%d" '
                       'data-p50="%.6g" cx="%.1f" cy="%.1f" r="3" fill="%s">'
                       '<title>%s, %d tokens: %.3g ms</title></circle>'
                       % (escape(label), s, ms, px(s), py(ms), colour,
                          escape(label), s, ms))
    out.append("</g>")
    return out


def render(panels, missing, title):
    """The SVG text for {threads: {label: [(seq, ms)]}}."""
    threads = sorted(panels)
    all_pts = [p for t in threads for pts in panels[t].values() for p in pts]
    if not all_pts:
        raise ValueError("no bert-base p50 rows to draw")
    seqs = sorted({s for s, _ in all_pts})
    y_lo = 10.0 ** math.floor(math.log10(min(ms for _, ms in all_pts)))
    y_hi = 10.0 ** math.ceil(math.log10(max(ms for _, ms in all_pts)))
    if y_hi <= y_lo:
        y_hi = y_lo * 10
    width = PANEL_W * len(threads)
    height = PANEL_H + LEGEND_H
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif">'
           % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="15" text-anchor="middle">%s</text>'
           % (width // 2, escape(title))]
    for i, t in enumerate(threads):
        out += panel_svg(i * PANEL_W, t, panels[t], seqs, y_lo, y_hi)
    x = MARGIN_L
    y = PANEL_H + 16
    for label, _, _, colour, dash in SERIES:
        if label in missing:
            continue
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                   'stroke-width="2"%s/>' % (x, y, x + 24, y, colour,
                                            ' stroke-dasharray="%s"' % dash
                                            if dash else ""))
        out.append('<text x="%d" y="%d" font-size="12">%s</text>'
                   % (x + 30, y + 4, escape(label)))
        x += 150
    if missing:
        out.append('<text class="note" x="%d" y="%d" font-size="11" '
                   'fill="#555">not measured in this run: %s</text>'
                   % (MARGIN_L, y + 26, escape(", ".join(missing))))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py RAW_DIR OUT.svg")
    panels, missing = collect(sys.argv[1])
    svg = render(panels, missing,
                 "bert-base p50 latency by sequence length (one run)")
    with open(sys.argv[2], "w", encoding="utf-8") as fp:
        fp.write(svg)


if __name__ == "__main__":
    main()
