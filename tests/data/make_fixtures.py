#!/usr/bin/python3
"""Write the .npy fixtures read by tests/test_data.c.

Run from anywhere:  /usr/bin/python3 tests/data/make_fixtures.py
The outputs are committed, so the tests need no Python.  Deterministic: the
same numpy writes the same bytes.

Accepted fixtures hold values the C test recomputes with the same IEEE
operations (k = 0, 1, ... in row-major order):
    f8_2d, f8_1d, f8_v2, f8_v3, f8_empty : k / 7.0 - 1.0
    f4_2d                               : float32(k / 7.0 - 1.0)
    c16_2d                              : (k / 7.0 - 1.0) + (k / 3.0) j
and each *.expected.csv repeats them as repr() text (exact round trip), a
second, independent oracle that also exercises the CSV reader.

Rejected fixtures (bad_*.npy) each break one rule; the table in
tests/test_data.c says which message each must produce.
"""
import io
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def base(n):
    return np.arange(n, dtype=np.float64) / 7.0 - 1.0


def save(name, a, version=None):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=True)


def raw(name, header, data=b"", version=(1, 0), hlen=None):
    """A .npy file with a hand-written header text (padded like numpy's:
    spaces then '\\n' to a multiple of 64 bytes); hlen overrides the length
    field."""
    lenbytes = 2 if version[0] == 1 else 4
    prefix = 8 + lenbytes
    h = header.encode("latin1")
    pad = (-(prefix + len(h) + 1)) % 64
    h = h + b" " * pad + b"\n"
    n = len(h) if hlen is None else hlen
    with open(path(name), "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version))
        f.write(n.to_bytes(lenbytes, "little"))
        f.write(h)
        f.write(data)


def expected_csv(name, a):
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    with open(path(name), "w", newline="\n") as f:
        f.write("# exact values of %s, repr() text\n" % name.replace(".expected.csv", ".npy"))
        for row in a:
            if np.iscomplexobj(a):
                cells = []
                for z in row:
                    cells += [repr(float(z.real)), repr(float(z.imag))]
            else:
                cells = [repr(float(x)) for x in row]
            f.write(",".join(cells) + "\n")


def main():
    # ---- accepted
    f8 = base(15).reshape(5, 3)
    save("f8_2d.npy", f8)
    expected_csv("f8_2d.expected.csv", f8)

    f4 = base(12).reshape(4, 3).astype(np.float32)
    save("f4_2d.npy", f4)
    expected_csv("f4_2d.expected.csv", f4.astype(np.float64))

    k = np.arange(12, dtype=np.float64)
    c16 = ((k / 7.0 - 1.0) + 1j * (k / 3.0)).reshape(3, 4)
    assert c16.dtype == np.complex128
    save("c16_2d.npy", c16)
    expected_csv("c16_2d.expected.csv", c16)

    save("f8_1d.npy", base(6))
    save("f8_v2.npy", base(8).reshape(4, 2), version=(2, 0))
    save("f8_v3.npy", base(8).reshape(2, 4), version=(3, 0))
    save("f8_empty.npy", np.zeros((0, 3)))

    # ---- refused: what numpy itself writes
    save("bad_fortran.npy", np.asfortranarray(base(6).reshape(2, 3)))
    save("bad_big_endian.npy", base(6).reshape(2, 3).astype(">f8"))
    save("bad_object.npy", np.array([1.0, "a", None], dtype=object))
    save("bad_int64.npy", np.arange(6, dtype="<i8").reshape(2, 3))
    save("bad_structured.npy", np.zeros(2, dtype=[("a", "<f8"), ("b", "<f8")]))
    save("bad_rank3.npy", base(8).reshape(2, 2, 2))
    save("bad_rank0.npy", np.float64(1.5))

    a = base(6).reshape(2, 3).copy()
    a[1, 2] = np.nan
    save("bad_nan.npy", a)
    b = base(6).reshape(3, 2).astype(np.float32)
    b[1, 0] = -np.inf
    save("bad_inf_f4.npy", b)
    c = c16.copy()
    c[2, 1] = complex(0.5, np.nan)
    save("bad_c16_nan_imag.npy", c)
    d = base(5)
    d[3] = np.inf
    save("bad_nan_1d.npy", d)

    # ---- refused: hand-made headers and sizes
    six = base(6).astype("<f8").tobytes()
    good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
    with open(path("bad_magic.npy"), "wb") as f:
        f.write(b"\x93NUMPX\x01\x00" + b"\x00" * 56)
    raw("bad_version.npy", good, six, version=(4, 0))
    raw("bad_missing_key.npy", "{'descr': '<f8', 'fortran_order': False, }", six)
    raw("bad_duplicate_key.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'descr': '<f8', }", six)
    raw("bad_extra_key.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'order': 'C', }", six)
    raw("bad_negative_shape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", six)
    raw("bad_float_shape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2.0, 3), }", six)
    raw("bad_paren_shape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (6), }", six)
    raw("bad_huge_shape.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616, 1), }", six)
    raw("bad_overflow_shape.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", six)
    raw("bad_fortran_value.npy", "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", six)
    raw("bad_not_dict.npy", "[('descr', '<f8')]", six)
    raw("bad_bar_f8.npy", "{'descr': '|f8', 'fortran_order': False, 'shape': (2, 3), }", six)
    raw("bad_header_past_eof.npy", good, b"", hlen=5000)
    raw("bad_truncated.npy", good, six[:-8])
    raw("bad_trailing.npy", good, six + b"\x00" * 8)


if __name__ == "__main__":
    main()
