#!/usr/bin/python3
"""NumPy's view of `fallacy run ... --save FILE.npz` (called by
test_cli_save_numpy in tests/test_cli.c; needs Debian's python3-numpy and
python3-sklearn, whose digits table is the data).

    /usr/bin/python3 tests/check_save.py build/fallacy /tmp/somedir

Checks, with numpy as the oracle:
  * numpy.load reads the archive; W1 (5, 64) and W2 (64, 5) multiply to P,
    and the predictions are that product applied to the rows:
    pred = x @ (W2 @ W1).T on the training and the test rows;
  * x_train / x_test are the table's rows, in order;
  * the "json" member is the JSON the run printed;
  * --algo exact: W1 = Um^H has orthonormal rows and W2 @ W1 is the
    projection on the top-5 eigenvectors of X^T X / k, from numpy.linalg.eigh;
  * the same table as uint8 counts (.npy) and as a deflated .npz member
    gives the same run as float64 (same JSON except "seconds").
Exit 0 (silent) on success; 1 and the first failure otherwise."""
import json
import os
import subprocess
import sys

import numpy as np

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"


def fail(msg):
    print("check_save: " + msg)
    sys.exit(1)


def run(binary, args):
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        fail("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout.strip()


def close(a, b, what, tol=1e-12):
    err = np.abs(a - b).max() / max(1.0, np.abs(b).max())
    if not err <= tol:
        fail("%s: relative difference %g > %g" % (what, err, tol))


def strip_seconds(j):
    d = json.loads(j)
    d.pop("seconds", None)
    d.pop("data", None)         # the file's name and hash differ by design
    return d


def main():
    binary, tmp = sys.argv[1], sys.argv[2]
    raw = np.loadtxt(DIGITS, delimiter=",")
    counts = raw[:, :-1]                    # drop the label column
    X = counts / 16.0
    np.save(os.path.join(tmp, "digits.npy"), X)
    np.save(os.path.join(tmp, "digits_u8.npy"), counts.astype(np.uint8))
    np.save(os.path.join(tmp, "counts_f8.npy"), counts)
    np.savez_compressed(os.path.join(tmp, "digits.npz"), X=X)
    k = 1000
    common = ["run", "linear-ae", "--widths", "64,5,64", "--examples", str(k), "--json"]

    p_npz = os.path.join(tmp, "p.npz")
    out = run(binary, common + ["--steps", "300", "--data", os.path.join(tmp, "digits.npy"), "--save", p_npz])
    z = np.load(p_npz)
    W1, W2 = z["W1"], z["W2"]
    if W1.shape != (5, 64) or W2.shape != (64, 5):
        fail("shapes %s %s" % (W1.shape, W2.shape))
    M = W2 @ W1
    close(M, z["P"], "W2 @ W1 vs P")
    if not np.array_equal(z["x_train"], X[:k]) or not np.array_equal(z["x_test"], X[k:]):
        fail("x_train / x_test are not the table's rows")
    close(z["pred_train"], z["x_train"] @ M.T, "pred_train vs x_train (W2 W1)^T")
    close(z["pred_test"], z["x_test"] @ M.T, "pred_test vs x_test (W2 W1)^T")
    if str(z["json"]) != out:
        fail("json member differs from the printed JSON")
    if json.loads(str(z["json"]))["id"] != "L3":
        fail("id")

    p2 = os.path.join(tmp, "exact.npz")
    run(binary, common + ["--algo", "exact", "--data", os.path.join(tmp, "digits.npy"), "--save", p2])
    e = np.load(p2)
    close(e["W1"] @ e["W1"].T, np.eye(5), "W1 W1^T = I (exact)", 1e-10)
    Xk = X[:k]
    w, V = np.linalg.eigh(Xk.T @ Xk / k)
    U = V[:, np.argsort(w)[::-1][:5]]
    close(e["W2"] @ e["W1"], U @ U.T, "exact W2 W1 vs numpy's top-5 projection", 1e-9)

    a = strip_seconds(run(binary, common + ["--steps", "50", "--data", os.path.join(tmp, "counts_f8.npy")]))
    b = strip_seconds(run(binary, common + ["--steps", "50", "--data", os.path.join(tmp, "digits_u8.npy")]))
    if a != b:
        fail("uint8 counts and float64 counts give different runs")
    c = strip_seconds(run(binary, common + ["--steps", "50", "--data", os.path.join(tmp, "digits.npy")]))
    d = strip_seconds(run(binary, common + ["--steps", "50", "--data", os.path.join(tmp, "digits.npz") + ":X"]))
    if c != d:
        fail(".npy and deflated .npz member give different runs")
    # success is silent: the C test prints the verdict


if __name__ == "__main__":
    main()
