#!/usr/bin/python3
"""The two figures of doc/qnet.md, as plain SVG (no plotting library).

Usage: qnet_figures.py collapse OUT.svg NEED.json...   expected error against
           k n0 / log2 e (left) and k / w (right), one line per architecture
           (the JSON of `fallacy need qnet ... --json`)
       qnet_figures.py rank OUT.svg RANKS.csv...        class size (or sample
           frequency) against rank on log-log axes (the CSV of
           `fallacy classes qnet ... --csv`)
"""
import csv
import json
import math
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf", "#000000", "#aec7e8", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2"]


def panel(out, x0, y0, w, h, series, xlabel, ylabel, xlog=False, ylog=False, title=""):
    xs = [x for s in series for x, _ in s[1]]
    ys = [y for s in series for _, y in s[1]]
    tx = (lambda v: math.log10(v)) if xlog else (lambda v: v)
    ty = (lambda v: math.log10(v)) if ylog else (lambda v: v)
    xmin, xmax = min(tx(v) for v in xs), max(tx(v) for v in xs)
    ymin, ymax = min(ty(v) for v in ys), max(ty(v) for v in ys)
    if not ylog:
        ymin = 0
    if xmax == xmin:
        xmax += 1
    if ymax == ymin:
        ymax += 1
    X = lambda v: x0 + 50 + (tx(v) - xmin) / (xmax - xmin) * (w - 60)
    Y = lambda v: y0 + h - 40 - (ty(v) - ymin) / (ymax - ymin) * (h - 60)
    out.append(f'<rect x="{x0 + 50}" y="{y0 + 20}" width="{w - 60}" height="{h - 60}" fill="none" stroke="#888"/>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + 14}" text-anchor="middle" font-size="13">{title}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h - 8}" text-anchor="middle" font-size="12">{xlabel}</text>')
    out.append(f'<text x="{x0 + 12}" y="{y0 + h / 2}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 {x0 + 12} {y0 + h / 2})">{ylabel}</text>')
    for i in range(5):  # ticks
        fx = xmin + (xmax - xmin) * i / 4
        fy = ymin + (ymax - ymin) * i / 4
        lx = f"1e{fx:.1f}" if xlog else f"{fx:.2g}"
        ly = f"1e{fy:.1f}" if ylog else f"{fy:.2g}"
        px = x0 + 50 + (w - 60) * i / 4
        py = y0 + h - 40 - (h - 60) * i / 4
        out.append(f'<text x="{px}" y="{y0 + h - 26}" text-anchor="middle" font-size="10">{lx}</text>')
        out.append(f'<text x="{x0 + 46}" y="{py + 3}" text-anchor="end" font-size="10">{ly}</text>')
    for i, (name, pts) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        d = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="1.5"/>')


def legend(out, x, y, names):
    for i, n in enumerate(names):
        c = COLORS[i % len(COLORS)]
        out.append(f'<line x1="{x}" y1="{y + 14 * i}" x2="{x + 18}" y2="{y + 14 * i}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{x + 22}" y="{y + 14 * i + 4}" font-size="10">{n}</text>')


def collapse(path, files):
    a, b = [], []
    for f in files:
        d = json.load(open(f))
        n0, l2e, w = d["widths"][0], d["log2_classes"], d["params"]
        wts = d["weights"] if isinstance(d["weights"], str) else ",".join(map(str, d["weights"]))
        name = f"A({','.join(map(str, d['widths']))}) {d['act']} {{{wts}}}"
        a.append((name, [(p["k"] * n0 / l2e, p["error"]) for p in d["curve"]]))
        b.append((name, [(p["k"] / w, p["error"]) for p in d["curve"]]))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="420" font-family="sans-serif">']
    panel(out, 0, 0, 400, 400, a, "k n0 / log2 e", "expected off-training error", title="against k n0 / log2 e")
    panel(out, 400, 0, 400, 400, b, "k / w", "", title="against k / w")
    legend(out, 815, 30, [s[0] for s in a])
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def rank(path, files):
    series = []
    for f in files:
        rows = list(csv.DictReader(open(f)))
        pts = []
        step = max(1, len(rows) // 2000)  # thin the tail, keep the head
        for i, r in enumerate(rows):
            if i < 200 or i % step == 0 or i == len(rows) - 1:
                pts.append((int(r["rank"]), float(r["frequency"])))
        series.append((f.split("/")[-1], pts))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="760" height="420" font-family="sans-serif">']
    panel(out, 0, 0, 520, 400, series, "rank", "probability", xlog=True, ylog=True, title="rank-frequency")
    legend(out, 530, 30, [s[0] for s in series])
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("collapse", "rank"):
        sys.exit(__doc__)
    (collapse if sys.argv[1] == "collapse" else rank)(sys.argv[2], sys.argv[3:])
