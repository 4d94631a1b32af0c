"""Tests of the Python package against the command line (the oracle: the
same library through `fallacy run --json`, fed the same array as a .npy
file) and against the option table (`fallacy run --help`)."""
import gc
import json
import os
import re
import subprocess
import threading
import time
import tracemalloc

import numpy as np
import pytest

import fallacy

BIN = os.environ.get("FALLACY_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "fallacy"))


def cli(*args):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    rc, out, err = cli(*args, "--json")
    assert rc in (0, 1), err
    return json.loads(out)


def without_seconds(d):
    return {k: v for k, v in d.items() if k != "seconds"}


def same_figures(a, b):
    """Equal dicts, and every float written with 17 digits gives the same
    text: the same double, to the byte."""
    a, b = without_seconds(a), without_seconds(b)
    assert a.keys() == b.keys()
    if isinstance(a.get("data"), dict) and isinstance(b.get("data"), dict) and (a["data"]["path"] is None) != (
            b["data"]["path"] is None):
        # an array in memory against the same values in a file: the table
        # is the same, its provenance (path, bytes, hash of what was read) not
        da, db = a.pop("data"), b.pop("data")
        assert [da[k] for k in ("rows", "cols", "field")] == [db[k] for k in ("rows", "cols", "field")]
    for k in a:
        if isinstance(a[k], float) or isinstance(b[k], float):
            assert "%.17g" % a[k] == "%.17g" % b[k], k
        else:
            assert a[k] == b[k], k


@pytest.fixture
def npy(tmp_path):
    def save(x, name="x.npy"):
        p = tmp_path / name
        np.save(p, x)
        return str(p)
    return save


def data(rows=100, cols=64, seed=0):
    return np.random.default_rng(seed).standard_normal((rows, cols))


CASES = [
    ("linear-ae", dict(widths=[64, 5, 64], examples=80, algo="exact"), (100, 64)),
    ("linear-ae", dict(widths=[16, 3, 16], examples=40, seed=3, steps=200), (60, 16)),
    ("linear", dict(widths=[6, 9, 4], examples=12, seed=5), (20, 10)),
    ("linear-chain", dict(examples=3, seed=7), (8, 2)),
]


def cli_args(family, opts, path):
    args = ["run", family, "--data", path]
    for k, v in opts.items():
        args += ["--" + k, ",".join(map(str, v)) if isinstance(v, list) else v]
    return args


@pytest.mark.parametrize("family,opts,shape", CASES)
def test_in_memory_run_equals_the_cli_on_the_same_npy(npy, family, opts, shape):
    x = data(*shape)
    r = fallacy.run(family, data=x, **opts)
    c = cli_json(*cli_args(family, opts, npy(x)))
    same_figures(r, c)
    assert r["seconds"] >= 0


def test_same_seed_same_numbers_without_data():
    for seed in (0, 1, 12345):
        r = fallacy.run("linear-chain", depth=1000, seed=seed)
        same_figures(r, cli_json("run", "linear-chain", "--depth", 1000, "--seed", seed))
        same_figures(r, fallacy.run("linear-chain", depth=1000, seed=seed))
    r = fallacy.run("linear-ae", field="complex", seed=3)
    same_figures(r, cli_json("run", "linear-ae", "--field", "complex", "--seed", 3))


def test_non_contiguous_and_fortran_arrays(npy):
    base = data(200, 64, seed=2)
    views = {
        "C": np.ascontiguousarray(base[::2]),
        "rows strided": base[::2],
        "Fortran": np.asfortranarray(base[::2]),
        "reversed": np.ascontiguousarray(base[::2][::-1])[::-1],
        "float32 exact": np.ascontiguousarray(base[::2]).astype(np.float32).astype(np.float64),
    }
    ref = cli_json("run", "linear-ae", "--widths", "64,5,64", "--examples", 80, "--algo", "exact",
                   "--data", npy(views["C"]))
    for name, x in views.items():
        if name == "float32 exact":
            ref32 = cli_json("run", "linear-ae", "--widths", "64,5,64", "--examples", 80, "--algo", "exact",
                             "--data", npy(x, "f.npy"))
            same_figures(fallacy.run("linear-ae", widths=[64, 5, 64], examples=80, algo="exact", data=x), ref32)
            continue
        same_figures(fallacy.run("linear-ae", widths=[64, 5, 64], examples=80, algo="exact", data=x), ref)
    # columns strided: another array, also against its .npy
    xc = base[:100, ::2]
    assert not xc.flags.c_contiguous
    same_figures(fallacy.run("linear-ae", widths=[32, 4, 32], examples=50, algo="exact", data=xc),
                 cli_json("run", "linear-ae", "--widths", "32,4,32", "--examples", 50, "--algo", "exact",
                          "--data", npy(np.ascontiguousarray(xc), "c.npy")))


def test_contiguous_float64_is_borrowed_and_others_copied():
    x = data(10, 4)
    with fallacy._Ctx() as ctx:
        assert fallacy._table(ctx, x)[2] is True
        assert fallacy._table(ctx, np.asfortranarray(x))[2] is False
        assert fallacy._table(ctx, x[::2])[2] is False
        assert fallacy._table(ctx, x[:, 1:3])[2] is False


def test_complex_array(npy):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((30, 8)) + 1j * rng.standard_normal((30, 8))
    r = fallacy.run("linear-ae", widths=[8, 2, 8], field="complex", examples=20, algo="exact", data=x)
    same_figures(r, cli_json("run", "linear-ae", "--widths", "8,2,8", "--field", "complex", "--examples", 20,
                             "--algo", "exact", "--data", npy(x)))


def test_bad_shape_raises_with_the_library_message(npy):
    x = data(100, 7)
    with pytest.raises(fallacy.BadInput) as e:
        fallacy.run("linear-ae", widths=[64, 5, 64], data=x)
    rc, out, err = cli("run", "linear-ae", "--widths", "64,5,64", "--data", npy(x))
    assert rc == 2 and out == ""
    assert e.value.message == "--data has 7 columns; this architecture needs 64"
    assert err.rstrip("\n").endswith(e.value.message)
    assert isinstance(e.value, ValueError) and e.value.status == fallacy.EINVAL
    with pytest.raises(fallacy.BadInput, match="3 dimensions"):
        fallacy.run("linear-ae", data=np.zeros((2, 2, 2)))
    with pytest.raises(fallacy.BadInput, match=r"shape \(0, 64\)"):
        fallacy.run("linear-ae", data=np.zeros((0, 64)))
    bad = data(20, 20)
    bad[3, 4] = np.nan
    with pytest.raises(fallacy.BadInput, match=r"row 4, column 5 \(index \[3, 4\]\) is NaN"):
        fallacy.run("linear-ae", data=bad)


def test_errors_carry_status_and_message():
    with pytest.raises(fallacy.OutOfMemory) as e:
        fallacy.run("linear-chain", depth=10**15)
    assert isinstance(e.value, MemoryError) and e.value.status == fallacy.ENOMEM
    rc, out, err = cli("run", "linear-chain", "--depth", "1e15")
    # the memory available moves between the two calls: compare the rest
    avail = re.compile(r"[0-9.]+ [KMGT]?i?B available")
    assert rc == 3 and avail.sub("A available", err) == avail.sub("A available", "fallacy: " + e.value.message + "\n")
    with pytest.raises(fallacy.BadInput, match="did you mean 'linear'"):
        fallacy.run("linaer")
    with pytest.raises(fallacy.BadInput) as e:
        fallacy.run("bool-chain", units="heaviside")
    assert e.value.message == "bool-chain: --units does not apply (the family does not read it)"
    with pytest.raises(fallacy.BadInput, match="unknown algorithm 'sgd'"):
        fallacy.run("linear", algo="sgd")
    with pytest.raises(TypeError):
        fallacy.run("linear", lr_typo=0.1)
    with pytest.raises(fallacy.BadInput):
        fallacy.run("linear", threads=0)


def test_abi_mismatch_is_refused_with_a_message():
    import ctypes
    abi = fallacy._abi()
    abi.config += 8
    p = ctypes.c_void_p()
    st = fallacy._lib.fal_ctx_new_abi(ctypes.byref(p), None, ctypes.byref(abi))
    assert st == fallacy.EINVAL
    msg = fallacy._lib.fal_ctx_message(p).decode()
    fallacy._lib.fal_ctx_free(p)
    assert "sizeof(fal_config) = %d" % abi.config in msg and "rebuild" in msg


def test_keywords_are_the_run_options_of_the_table():
    rc, out, _ = cli("run", "--help")
    assert rc == 0
    rows = re.findall(r"^  --([a-z-]+)(?: (\S+))?", out, re.M)
    names = {n.replace("-", "_") for n, _ in rows} - {"help", "json"}
    assert names == set(fallacy.RUN_OPTIONS)
    for n, meta in rows:
        spec = fallacy.RUN_OPTIONS.get(n)
        if spec and spec[3]:
            assert tuple(meta.split("|")) == spec[3], n


def test_classes_need_families_equal_the_cli():
    same_figures(fallacy.classes("linear-ae", widths=[5, 2, 5]),
                 cli_json("classes", "linear-ae", "--widths", "5,2,5"))
    same_figures(fallacy.classes("threshold-gate", widths=[4, 1]),
                 cli_json("classes", "threshold-gate", "--widths", "4,1"))
    same_figures(fallacy.classes("linear", widths=[4, 4, 4], walk=20),
                 cli_json("classes", "linear", "--widths", "4,4,4", "--walk", 20))
    a = fallacy.need("shallow", eps=1e-8, features=16, seeds=2)
    b = cli_json("need", "shallow", "--features", 16, "--eps", 1e-8, "--seeds", 2)
    assert a == b and a["k_needed"] == 16
    with pytest.raises(fallacy.NotConverged) as e:
        fallacy.need("shallow", eps=1e-8, features=16, kmax=8)
    assert e.value.result == cli_json("need", "shallow", "--features", 16, "--eps", 1e-8, "--kmax", 8)
    rc, out, _ = cli("list")
    assert [f"{f['id']:<4} {f['name']:<16} {f['claim']}" for f in fallacy.families()] == out.splitlines()


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_1000_runs_do_not_grow_memory():
    x = data(30, 8)
    # warm up with the same 1000 runs first: allocator pools, ctypes and
    # NumPy caches fill once (up to ~22 kB seen), and a leak is what grows
    # again over the second 1000
    for i in range(1000):
        fallacy.run("linear-ae", widths=[8, 2, 8], examples=20, algo="exact", data=x, seed=i % 3)
    gc.collect()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    rss0 = rss_kib()
    for i in range(1000):
        r = fallacy.run("linear-ae", widths=[8, 2, 8], examples=20, algo="exact", data=x, seed=i % 3)
        assert r["converged"]
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(snap0, "filename"))
    tracemalloc.stop()
    rss1 = rss_kib()
    # a leak of one small object per run would be >= 1000 x 16 bytes here
    assert grown < 16 * 1000, grown
    # the C side: leaking the context and table of every run (about 600
    # bytes) grows RSS by ~620 KiB over these 1000 runs; none grows it by
    # ~4 KiB (measured)
    assert rss1 - rss0 < 256, (rss0, rss1)


def test_the_gil_is_released_during_a_long_call():
    state = {"started": False, "done": False}

    def work():
        state["started"] = True
        # plain gd: every one of the 300 steps is taken (nesterov may stop early)
        state["result"] = fallacy.run("linear", depth=20, width=64, steps=300, tol=1e-300, algo="gd")
        state["done"] = True

    t = threading.Thread(target=work)
    t.start()
    while not state["started"]:
        time.sleep(0.001)
    # the worker is in (or about to enter) the foreign call, which takes
    # about a second; if the call held the GIL this thread could not run
    # again before it returned
    time.sleep(0.05)
    seen_running = not state["done"]
    t.join()
    assert seen_running, "the main thread did not run while fal_run trained"
    assert state["result"]["steps"] == 300


def test_trained_parameters_as_arrays():
    x = data(40, 10, seed=6)
    r = fallacy.run("linear", widths=[6, 9, 4], examples=30, seed=1, data=x, parameters=True)
    p = r["parameters"]
    assert p["W1"].shape == (9, 6) and p["W2"].shape == (4, 9)
    # the network's outputs on the training rows are W2 W1 x
    pred = (p["W2"] @ p["W1"] @ x[:30, :6].T).T
    np.testing.assert_allclose(pred, p["pred_train"], rtol=1e-12, atol=1e-12)


# Every family beyond the linear ones (doc/params.md): the arrays of
# parameters=True, and numpy.load of the archive save= writes, hold the
# same values; the outputs recomputed here in NumPy from the parameters
# alone are the saved predictions and give the reported training error.
SAVE_CASES = [
    ("mlp", dict(widths=[3, 6, 2], act="tanh", examples=25, test=7, steps=200, seed=3)),
    ("bool-ae", dict(widths=[8, 2, 8], examples=50, test=20, seed=1)),
    ("threshold-ae", dict(widths=[6, 2, 6], examples=40, test=10, seed=2)),
    ("bool", dict(widths=[4, 5, 3], examples=10, seed=1)),
    ("bool-chain", dict(depth=300, seed=4)),
    ("threshold-chain", dict(depth=300, seed=4, units="heaviside")),
    ("power-chain", dict(depth=4, examples=2, test=3, seed=5)),
    ("shallow", dict(features=12, examples=8, test=9, seed=6)),
]


def _outputs(family, p, x):
    """The family's outputs on the rows x from its parameters p."""
    if family == "mlp":
        h = x
        L = sum(1 for k in p if re.fullmatch(r"W\d+", k))
        for i in range(1, L + 1):
            h = h @ p["W%d" % i].T + p["b%d" % i]
            if i < L:
                h = np.tanh(h)
        return h
    if family in ("bool-ae", "bool"):
        h = x
        L = sum(1 for k in p if re.fullmatch(r"T\d+", k))
        for i in range(1, L + 1):
            idx = h @ (1 << np.arange(h.shape[1]))
            h = p["T%d" % i][:, idx].T
        return h
    if family == "threshold-ae":
        h = x
        L = sum(1 for k in p if re.fullmatch(r"W\d+", k))
        for i in range(1, L + 1):
            z = 2 * h - 1  # --units sign (the default)
            S = p["S%d" % i].astype(bool)
            phi = np.stack([np.prod(np.where(S[t], z, 1), axis=1) for t in range(S.shape[0])], axis=1)
            h = (phi @ p["W%d" % i].T > 0).astype(np.int64)
        return h
    if family == "bool-chain":
        return x ^ (p["b"].sum() % 2)
    if family == "threshold-chain":  # heaviside: the +-1 reading s = 2h - 1
        return (((2 * x - 1) * np.prod(p["w"])) + 1) // 2
    if family == "power-chain":
        h = x
        for w in p["w"]:
            h = (w * h) ** 2
        return h
    return x @ p["W1"].T  # shallow


@pytest.mark.parametrize("family,opts", SAVE_CASES)
def test_every_family_saves_numpy_arrays(tmp_path, family, opts):
    path = tmp_path / "p.npz"
    r = fallacy.run(family, parameters=True, save=str(path), **opts)
    p = r["parameters"]
    z = np.load(path)
    assert set(z.files) == set(p) | {"json"}
    for k in p:
        assert z[k].dtype == p[k].dtype and z[k].shape == p[k].shape, k
        np.testing.assert_array_equal(z[k], p[k])
    assert json.loads(str(z["json"]))["family"] == family
    for s in ("train", "test"):
        if "x_" + s not in p:
            continue
        y = _outputs(family, p, p["x_" + s])
        np.testing.assert_allclose(y, p["pred_" + s], rtol=1e-9, atol=1e-12)
    t = p.get("t_train", p["x_train"])
    y = p["pred_train"].astype(float)
    if family in ("mlp", "power-chain", "shallow"):
        err = ((y - t) ** 2).sum() / (t ** 2).sum()
        assert abs(err - r["train_error"]) <= 1e-9 * max(err, 1e-300) + 1e-15
    else:
        assert (y != t).mean() == pytest.approx(r["train_error"], abs=1e-15)


def test_provenance_and_i12_options_equal_the_cli(npy, tmp_path):
    # the same file, columns, row draw and split through both: the whole
    # JSON (config, data with the file's SHA-256, build) is the same
    x = data(12, 5, seed=3)
    p = npy(x)
    a = fallacy.run("linear", widths=[3, 2], data=p, inputs="0,2,4", targets="1,3", shuffle=7, split=0.5,
                    seed=2, algo="exact")
    b = cli_json("run", "linear", "--widths", "3,2", "--data", p, "--inputs", "0,2,4", "--targets", "1,3",
                 "--shuffle", 7, "--split", 0.5, "--seed", 2, "--algo", "exact")
    same_figures(a, b)
    assert a["config"]["inputs"] == "0,2,4" and a["config"]["shuffle"] == 7 and a["config"]["split"] == 0.5
    assert a["data"]["path"] == p and a["data"]["cols"] == 5
    # save= writes what run --save writes: the parameters and the JSON
    out = tmp_path / "p.npz"
    fallacy.run("linear", widths=[3, 2], data=p, inputs="0,2,4", targets="1,3", examples=8, algo="exact",
                save=str(out))
    z = np.load(out)
    # the closed-form optimum exports its product P; the rows are the first 8, columns 0,2,4 -> 1,3
    np.testing.assert_array_equal(z["x_train"], x[:8][:, [0, 2, 4]])
    np.testing.assert_array_equal(z["t_train"], x[:8][:, [1, 3]])
    np.testing.assert_allclose(z["pred_train"], z["x_train"] @ z["P"].T, rtol=1e-12, atol=1e-12)
    assert json.loads(str(z["json"]))["config"]["examples"] == 8
    with pytest.raises(fallacy.BadInput):
        fallacy.run("linear", widths=[3, 2], data=p, split=1.5)
    with pytest.raises(fallacy.BadInput):
        fallacy.run("linear", inputs="0:2")


def test_rerun_from_dict_text_file_and_stored_key(npy, tmp_path):
    """rerun= repeats a run from what it returned, its JSON, a file, and a
    key a sweep stored: the same dict but for seconds; the stored key gives
    the CLI's `run --rerun KEY --db` JSON."""
    path = npy(data(rows=40, cols=6, seed=3))
    a = fallacy.run("linear-ae", widths=[6, 2, 6], data=path, examples=20, shuffle=3, seed=1)
    text = json.dumps(a)
    f = tmp_path / "r.json"
    f.write_text(text)
    for how in (a, text, str(f)):
        same_figures(fallacy.run(rerun=how), a)
    # an array in memory: the same array again, checked by its hash
    x = data(rows=40, cols=6, seed=3)
    m = fallacy.run("linear-ae", widths=[6, 2, 6], data=x, examples=20)
    same_figures(fallacy.run(rerun=m, data=x), m)
    with pytest.raises(fallacy.BadInput, match="data has changed"):
        fallacy.run(rerun=m, data=x + 1)
    with pytest.raises(fallacy.BadInput, match="came from memory"):
        fallacy.run(rerun=m)
    db = str(tmp_path / "runs.sqlite")
    rc, _, err = cli("sweep", "linear-ae", "--widths", "6,2,6", "--examples", "10,20", "--seeds", 2,
                     "--shuffle", 3, "--data", path, "--db", db)
    assert rc == 0, err
    import sqlite3
    keys = [r[0] for r in sqlite3.connect(db).execute("SELECT key FROM runs ORDER BY key")]
    assert len(keys) == 4
    for key in keys:
        rc, out, err = cli("run", "--rerun", key, "--db", db)
        assert rc in (0, 1), err
        same_figures(fallacy.run(rerun=key, db=db), json.loads(out))
    # the one the direct run made is among them
    assert any(fallacy.run(rerun=k, db=db)["train_error"] == a["train_error"] for k in keys)
    bad = dict(a, build=dict(a["build"], version="0.0.1"))
    with pytest.raises(fallacy.BadInput, match="another version"):
        fallacy.run(rerun=bad)
    bad = dict(a, config=dict(a["config"], colour="red"))
    with pytest.raises(fallacy.BadInput, match="unknown field 'colour'"):
        fallacy.run(rerun=bad)
    with pytest.raises(fallacy.BadInput, match="no run with the key"):
        fallacy.run(rerun="family=x", db=db)
    with pytest.raises(fallacy.BadInput, match="no family and no other option"):
        fallacy.run("linear-ae", rerun=a)
    with pytest.raises(fallacy.BadInput, match="db applies to rerun"):
        fallacy.run("linear-ae", db=db)
