#!/usr/bin/python3
"""The report's picture of the learned Hamming centres, checked as a user
would (called by test_report_data_centres in tests/test_report_data.c; needs
Debian's python3-numpy and python3-sklearn, whose digits table, binarised,
is the data).

    /usr/bin/python3 tests/check_centres.py build/fallacy /tmp/somedir

`fallacy sweep` of bool-ae (two architectures, two k, three seeds) and
threshold-ae (two seeds) on the binarised digits, `fallacy report`, then:
  * each panel of data-1-centres.svg names a run (k, seed): that k is the
    configuration's largest and that seed the lower median of the stored
    training errors (sqlite3 reads them; ties by seed);
  * the black/white cells drawn are, row for row, the "centres" of
    `fallacy run ... --save` of that run, read by numpy.load;
  * the counts drawn on the right are the training rows whose nearest
    centre (lowest index on ties) each is, computed here by numpy from the
    archive's x_train;
  * the page's matched distances of the other seeds are the least total
    Hamming distance over all permutations (brute force, padding n bits);
  * the report's SVG and HTML parse as XML, and headless Chromium loads
    every image of the page with no console message (tests/browser, where
    Chromium is installed);
  * a copy of the database without the centres column reports, with no
    picture and the stated reason; `fallacy merge` keeps the column's text.
Exit 0 (silent) on success; 1 and the first failure otherwise."""
import gzip
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("check_centres: " + msg)
    sys.exit(1)


def run(bin_, *args):
    p = subprocess.run([bin_] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def main():
    bin_, d = sys.argv[1], sys.argv[2]
    x = np.loadtxt(gzip.open(DIGITS), delimiter=",")[:400, :64]
    csv = os.path.join(d, "digits01.csv")
    np.savetxt(csv, (x >= 8).astype(int), fmt="%d", delimiter=",")
    db = os.path.join(d, "runs.sqlite")
    common = ["--data", csv, "--shuffle", "4", "--db", db]
    run(bin_, "sweep", "bool-ae", "--widths", "64,2,64;64,3,64", "--examples", "100,200", "--seeds", "3", *common)
    run(bin_, "sweep", "threshold-ae", "--widths", "64,2,64", "--examples", "100", "--seeds", "2", *common)
    rep = os.path.join(d, "report")
    run(bin_, "report", "--db", db, "--out", rep)
    for f in os.listdir(rep):
        if f.endswith(".svg") or f.endswith(".html"):
            ET.parse(os.path.join(rep, f))
    html = open(os.path.join(rep, "index.html")).read()

    con = sqlite3.connect(db)
    svg = ET.parse(os.path.join(rep, "data-1-centres.svg")).getroot()
    panels = [g for g in svg.iter(SVG + "g") if g.get("class") == "panel"]
    if len(panels) != 3:
        fail("%d panels, want 3 (two bool-ae architectures, one threshold-ae)" % len(panels))
    dist_tables = re.findall(r'<table class="centre-distance">(.*?)</table>', html, re.S)
    if len(dist_tables) != 3:
        fail("%d distance tables, want 3" % len(dist_tables))
    for pi, g in enumerate(panels):
        title = "".join(g.find(SVG + "text").itertext())
        m = re.match(r"(N4|N6) A\(64,(\d),64\), k = (\d+), seed (\d+) \(median training error of (\d) seeds\)", title)
        if not m:
            fail("panel title %r" % title)
        fam = "bool-ae" if m.group(1) == "N4" else "threshold-ae"
        arch, k, seed = "64,%s,64" % m.group(2), int(m.group(3)), int(m.group(4))
        # the representative: the largest k, the lower median of (train, seed)
        rows = con.execute("SELECT examples, seed, train_error FROM runs WHERE family = ? AND widths = ?",
                           (fam, arch)).fetchall()
        kmax = max(r[0] for r in rows)
        at = sorted((r[2], r[1]) for r in rows if r[0] == kmax)
        if k != kmax or seed != at[(len(at) - 1) // 2][1] or int(m.group(5)) != len(at):
            fail("panel %r: want k = %d, seed %d of %s" % (title, kmax, at[(len(at) - 1) // 2][1], at))
        # the drawn bits and counts against the archive of the same run
        def save(s):
            npz = os.path.join(d, "%s-%s-%d.npz" % (fam, arch, s))
            run(bin_, "run", fam, "--widths", arch, "--examples", str(k), "--seed", str(s), "--data", csv,
                "--shuffle", "4", "--save", npz)
            return np.load(npz)
        z = save(seed)
        C = z["centres"]
        drawn = []
        counts = []
        for row in [r for r in g.iter(SVG + "g") if r.get("class") == "centre"]:
            cells = sorted(row.iter(SVG + "rect"), key=lambda r: float(r.get("x")))
            drawn.append([1 if c.get("fill") == "#000" else 0 for c in cells])
            counts.append(int([t for t in row.iter(SVG + "text") if t.get("class") == "rows"][0].text))
        if not np.array_equal(np.array(drawn), C):
            fail("panel %r: the drawn bits are not the archive's centres\n%s\n%s" % (title, drawn, C))
        xt = z["x_train"]
        near = np.argmin((xt[:, None, :] != C[None, :, :]).sum(axis=2), axis=1)
        want = np.bincount(near, minlength=len(C))
        if counts != want.tolist() or sum(counts) != k:
            fail("panel %r: rows per centre %s, numpy %s" % (title, counts, want.tolist()))
        # the other seeds' matched distances, by brute force
        got = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td><td class=\"centre-d\">(\d+)</td>", dist_tables[pi])
        others = sorted(s for _, s in at if s != seed)
        if sorted(int(s) for s, _, _ in got) != others:
            fail("panel %r: distances for seeds %s, want %s" % (title, got, others))
        for s, c, dist in got:
            D = save(int(s))["centres"]
            N, n = max(len(C), len(D)), C.shape[1]
            best = min(sum(int((C[i] != D[p[i]]).sum()) if i < len(C) and p[i] < len(D) else n for i in range(N))
                       for p in itertools.permutations(range(N)))
            if int(dist) != best or int(c) != len(D):
                fail("panel %r seed %s: distance %s, brute force %d" % (title, s, dist, best))

    # in a real browser (headless Chromium, when installed): every image of
    # the page, the centres' SVG among them, loads and nothing is logged
    br = subprocess.run(["sh", os.path.join(os.path.dirname(__file__), "browser", "check_report.sh"), rep,
                         os.path.join(d, "screenshot.png")], capture_output=True, text=True)
    if br.returncode not in (0, 77) or (br.returncode == 0 and " BAD 0" not in br.stdout):
        fail("browser check exited %d:\n%s" % (br.returncode, br.stdout))

    # merge keeps the centres; an old database (no column) reports without them
    merged = os.path.join(d, "merged.sqlite")
    run(bin_, "merge", merged, db)
    a = con.execute("SELECT key, centres FROM runs ORDER BY key").fetchall()
    b = sqlite3.connect(merged).execute("SELECT key, centres FROM runs ORDER BY key").fetchall()
    if a != b or any(c is None for _, c in a):
        fail("merge changed the centres column")
    old = os.path.join(d, "old.sqlite")
    shutil.copy(db, old)
    o = sqlite3.connect(old)
    o.execute("ALTER TABLE runs DROP COLUMN centres")
    o.commit()
    o.close()
    rep2 = os.path.join(d, "report-old")
    run(bin_, "report", "--db", old, "--out", rep2)
    h2 = open(os.path.join(rep2, "index.html")).read()
    ET.parse(os.path.join(rep2, "index.html"))
    if os.path.exists(os.path.join(rep2, "data-1-centres.svg")) or h2.count("no picture of the centres") != 3 \
            or "none of its runs has stored centres" not in h2:
        fail("the old database's report does not state why it has no centres")
    merged2 = os.path.join(d, "merged-old.sqlite")
    run(bin_, "merge", merged2, old)
    if sqlite3.connect(merged2).execute("SELECT count(*) FROM runs WHERE centres IS NOT NULL").fetchone()[0] != 0:
        fail("merging an old database invented centres")


main()
