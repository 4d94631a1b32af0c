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

Every other dtype NumPy writes (dt_*.npy: bool, int8..int64, uint8..uint64,
float16/32/64, complex64/128, little and big endian) and Fortran order
(fortran_*.npy, written by np.save of a transposed array) are checked only
against their *.expected.csv: float(x) of each element, as Python converts
it (exact for every value there; the int64/uint64 ones include the
extremes a double still holds exactly).  npz_*.npz are np.savez and
np.savez_compressed archives of such arrays (these carry zip time stamps:
regenerating them changes their bytes, not their contents).

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


def dtype_fixtures():
    """(name, array) for every plain dtype, both byte orders where there are
    two; values cover each type's extremes that a double holds exactly."""
    out = []
    out.append(("dt_b1", np.array([[True, False, True], [False, False, True]])))
    ints = {
        1: [-128, -1, 0, 1, 127],
        2: [-32768, -7, 0, 300, 32767],
        4: [-2**31, -70000, 0, 70000, 2**31 - 1],
        8: [-2**63, -2**53, 2**53, 2**62 + 2**10, 2**53 - 1],
    }
    uints = {
        1: [0, 1, 128, 200, 255],
        2: [0, 1, 300, 40000, 65535],
        4: [0, 1, 70000, 2**31, 2**32 - 1],
        8: [0, 2**53, 2**63, 2**64 - 2**11, 2**53 - 1],
    }
    for size in (1, 2, 4, 8):
        orders = ["|"] if size == 1 else ["<", ">"]
        for o in orders:
            tag = {"|": "", "<": "_le", ">": "_be"}[o]
            out.append(("dt_i%d%s" % (size, tag), np.array(ints[size], dtype="%si%d" % (o, size)).reshape(1, 5)))
            out.append(("dt_u%d%s" % (size, tag), np.array(uints[size], dtype="%su%d" % (o, size))))
    halfs = [0.0, -0.0, 1.0 / 3, 65504.0, -65504.0, 2.0**-24, 2.0**-14, -2.5]
    for o, tag in (("<", "_le"), (">", "_be")):
        out.append(("dt_f2" + tag, np.array(halfs, dtype=o + "f2").reshape(2, 4)))
        out.append(("dt_f4" + tag, (base(6) * 1e30).astype(o + "f4").reshape(3, 2)))
        out.append(("dt_f8" + tag, np.array([[5e-324, -1.7976931348623157e308, 0.1]], dtype=o + "f8")))
        z = (base(4) + 1j * (np.arange(4) / 3.0)).reshape(2, 2)
        out.append(("dt_c8" + tag, z.astype(o + "c8")))
        out.append(("dt_c16" + tag, z.astype(o + "c16")))
    return out


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

    # ---- every dtype and order numpy writes for plain numbers
    for name, a in dtype_fixtures():
        save(name + ".npy", a)
        expected_csv(name + ".expected.csv", a)
    x = base(12).reshape(3, 4)
    with open(path("fortran_f8.npy"), "wb") as f:
        np.save(f, x.T)            # a (4, 3) view of C data: numpy writes it in Fortran order
    expected_csv("fortran_f8.expected.csv", x.T)
    i4 = (np.arange(10, dtype="<i4") - 3).reshape(2, 5)
    with open(path("fortran_i4_be.npy"), "wb") as f:
        np.save(f, np.asfortranarray(i4.astype(">i4")))
    expected_csv("fortran_i4_be.expected.csv", i4)
    c8 = ((np.arange(6) / 4.0) + 1j * (np.arange(6) - 2.5)).astype("<c8").reshape(2, 3)
    with open(path("fortran_c8.npy"), "wb") as f:
        np.save(f, c8.T)
    expected_csv("fortran_c8.expected.csv", c8.T)
    assert np.load(path("fortran_f8.npy")).flags.f_contiguous

    # ---- .npz: stored (savez) and deflated (savez_compressed)
    u8 = np.arange(20, dtype="|u1").reshape(4, 5)
    np.savez(path("npz_stored.npz"), a=base(15).reshape(5, 3), counts=u8)
    np.savez_compressed(path("npz_deflated.npz"), a=base(15).reshape(5, 3), counts=u8)
    np.savez(path("npz_one.npz"), x.T)       # a single member, arr_0
    expected_csv("npz_a.expected.csv", base(15).reshape(5, 3))
    expected_csv("npz_counts.expected.csv", u8)
    # refused archives: a member with a broken CRC, a .npz that is not a zip
    with open(path("npz_stored.npz"), "rb") as f:
        z = bytearray(f.read())
    k = z.index(b"\x93NUMPY") + 200           # a data byte of the first member
    z[k] ^= 0xFF
    with open(path("bad_npz_crc.npz"), "wb") as f:
        f.write(bytes(z))
    with open(path("bad_npz_not_zip.npz"), "wb") as f:
        f.write(b"PK not really a zip archive, just text\n")

    # ---- refused: what numpy itself writes
    save("bad_object.npy", np.array([1.0, "a", None], dtype=object))
    save("bad_int64_inexact.npy", np.array([[1, 2], [3, 2**53 + 1]], dtype="<i8"))
    save("bad_uint64_inexact.npy", np.array([0, 2**64 - 1], dtype=">u8"))
    save("bad_f2_inf.npy", np.array([[1.0, np.inf]], dtype="<f2"))
    save("bad_datetime.npy", np.array([1, 2], dtype="<M8[s]"))
    save("bad_longdouble.npy", np.array([1, 2], dtype=np.longdouble))
    raw("bad_bool_byte.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b"\x01\x00\x02")
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
