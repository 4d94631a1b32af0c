#!/usr/bin/python3
"""Write the seed corpora tests/fuzz/corpus/<target>/ (standard library only).

Run from anywhere:  python3 tests/fuzz/make_seeds.py
The .npy fixtures of tests/data are copied in as they are; the other seeds
are written here.  Crash inputs added by hand (tests/fuzz/README.md) live in
the same directories under names starting with "crash-": this script leaves
them alone.
"""
import glob
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin1")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(header, body, version=1):
    """A .npy file with numpy's padding (header + spaces + '\\n' to a
    multiple of 64 bytes)."""
    lenbytes = 2 if version == 1 else 4
    h = header.encode("latin1")
    pad = (-(8 + lenbytes + len(h) + 1)) % 64
    h = h + b" " * pad + b"\n"
    ln = struct.pack("<H" if version == 1 else "<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + ln + h + body


def f8(values):
    return b"".join(struct.pack("<d", v) for v in values)


def seeds_npy():
    for p in sorted(glob.glob(os.path.join(DATA, "*.npy"))):
        shutil.copy(p, os.path.join(HERE, "corpus", "npy", os.path.basename(p)))
    # 2100 doubles: the reader's second 16 KiB block
    vals = [k / 7.0 - 1.0 for k in range(2100)]
    out("npy", "f8_2blocks.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2100,), }", f8(vals)))
    out("npy", "f4_1d.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                                b"".join(struct.pack("<f", v) for v in (0.5, -1.0, 3.25, 1e-3))))
    out("npy", "c16_1d_v2.npy", npy("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
                                    f8([1.0, -1.0, 0.5, 2.0]), version=2))
    out("npy", "f8_0x5.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", b""))
    out("npy", "f8_dquote_order.npy",
        npy('{"shape": (2, 1), "fortran_order": False, "descr": "<f8"}', f8([1.0, 2.0])))
    out("npy", "f8_spaces.npy", npy("{ 'descr' : '<f8' ,\t'fortran_order':False,'shape':( 1 , 2 , ) }", f8([1.0, 2.0])))
    out("npy", "f8_v3_1d.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", f8([42.0]), version=3))


def seeds_csv():
    for p in sorted(glob.glob(os.path.join(DATA, "*.expected.csv"))):
        shutil.copy(p, os.path.join(HERE, "corpus", "csv", os.path.basename(p)))
    out("csv", "plain.csv", "1,2,3\n4,5,6\n")
    out("csv", "header.csv", "x,y\n1,2\n-3.5,4e-3\n")
    out("csv", "bom_crlf.csv", "\xef\xbb\xbfa,b\r\n1,2\r\n3,4\r\n")
    out("csv", "comments.csv", "# a comment\n\n  \t\nx , y\n# inside\n 1 ,\t2 \n3,4")
    out("csv", "one.csv", "7")
    out("csv", "exponents.csv", "1e-5,-2.5E+3,+.5,0.,-0,1e308,4.9e-324\n")
    out("csv", "ragged.csv", "1,2\n3\n")
    out("csv", "quoted.csv", 'a,"b,c"\n1,2\n')
    out("csv", "nan.csv", "1,nan\n")
    # issue 13, row 13: control bytes, named by the reader (a comment may hold them)
    out("csv", "vtab.csv", "1,2\v\n")
    out("csv", "formfeed.csv", "a,b\n1,\f2\n# \f in a comment\n")
    out("csv", "inf.csv", "-Infinity,1\n")
    out("csv", "hex.csv", "0x1p3,1\n")
    out("csv", "empty_field.csv", "1,,3\n")
    out("csv", "overflow.csv", "1e309\n")
    out("csv", "empty.csv", "")
    out("csv", "only_header.csv", "a,b,c\n")
    out("csv", "header_width.csv", "a,b\n1,2,3\n")
    out("csv", "nul.csv", "1,2\n3,\x004\n")
    out("csv", "long_line.csv", "#" + "-" * 3000 + "\n" + ",".join(str(k) for k in range(600)) + "\n")
    # 4200 values: the reader's second block of 4096
    out("csv", "blocks.csv", "".join("%d,%d,%d\n" % (k, -k, k * 3) for k in range(1400)))


FAMILIES = ["linear-chain", "linear", "linear-ae", "bool-chain", "power-chain", "bool", "bool-ae",
            "threshold-chain", "threshold-ae", "shallow", "threshold-gate"]


def args(mode, *argv):
    return bytes([mode]) + b"\0".join(a.encode("latin1") for a in argv)


def seeds_args():
    s = {
        "run_widths": args(0, "linear", "--widths", "3,4,5"),
        "run_depth": args(0, "linear-chain", "--depth", "1000", "--width", "1", "--seed", "7"),
        "run_all": args(0, "linear", "--widths", "8,32,8", "--examples", "1e3", "--test", "0", "--algo", "gd",
                        "--steps", "100", "--lr", "0.1", "--tol", "1e-9", "--seed", "18446744073709551615",
                        "--threads", "2", "--json"),
        "run_ae": args(0, "linear-ae", "--widths", "4,2,4", "--field", "complex", "--subspace", "3", "--init",
                       "signs"),
        "run_shallow": args(0, "shallow", "--features", "4294967296", "--examples", "10"),
        "run_power": args(0, "power-chain", "--depth", "3", "--power", "64"),
        "run_threshold": args(0, "threshold-ae", "--widths", "5,3,5", "--units", "heaviside", "--degree", "2"),
        "run_data_csv": args(0, "linear", "--data", "x,y\n1,2\n3,4\n", "--widths", "1,1"),
        "run_data_npy": args(0, "linear", "--data", "\x93NUMPY\x01\x00v\x01{'descr': '<f8'}"),
        "run_both": args(0, "linear", "--widths", "2,2", "--depth", "2"),
        "run_missing": args(0, "linear", "--depth"),
        "run_unknown": args(0, "nosuch", "--bogus", "1"),
        "run_big": args(0, "linear-chain", "--depth", "1e19", "--width", "4294967297"),
        "classes": args(1, "threshold-gate", "--verify", "--walk", "5", "--widths", "2,1"),
        "classes_bad": args(1, "linear", "--walk", "x1"),
        "sweep_grid": args(2, "linear,linear-chain", "--widths", "2,3;4,5^2", "--examples", "1,2,3", "--seeds",
                           "2", "--algo", "gd,exact", "--db", "x.sqlite"),
        "sweep_dw": args(2, "linear-chain", "--depth", "1,10,1e6", "--width", "1,2", "--features", "5,6"),
        "sweep_shard": args(2, "shallow", "--features", "10,20", "--shard", "2/3"),
        "store_widths": args(0, "8,32^2,8", "2^1000000001", "1^1125899906842625", "5^0", "0"),
    }
    for name, data in s.items():
        out("args", name, data)


TEMPLATE_KEY = ("family=linear;arch=2^2;k=4;test=1000;algo=default;init=default;field=real;subspace=0;"
                "features=0;power=2;units=sign;degree=1;steps=0;lr=0;tol=0;data=none;seed=1")


def pieces(*p):
    return b"\0".join(x.encode("latin1") for x in p)


def row(opts, **cols):
    names = ["key", "id", "family", "algo", "widths", "depth", "params", "examples", "seed", "train_error",
             "test_error", "optimum_error", "log2_classes", "bits_provided", "converged", "steps", "seconds",
             "note", "extras", "curve", "version", "threads", "blas", "host", "timestamp"]
    vals = [cols.get(n, "k") for n in names]
    return pieces(opts, *vals)


def seeds_store():
    s = {
        "template": row(""),
        "template_report": row("R"),
        "template_ranks": row("RJ", id="tL2", family="tlinear", widths="t3,2,3", params="i12", log2_classes="n"),
        "types": row("", depth="r1.5", params="tabc", examples="n", seed="i-1", train_error="tnot a number",
                     test_error="i3", converged="t1", steps="bxyz", threads="r2.5"),
        "nulls": row("R", note="n", curve="n", blas="n", host="n", seconds="n", bits_provided="n"),
        "not_null": row("", key="n"),
        "extras": row("R", extras='t{"gap":1e-3, "unseen_inputs":null, "n4_optimum":2,"a":-0}'),
        # found by this target: fal_store_extra gave +Inf for "inf"
        "extras_bad": row("", extras='t{"gap":inf,"a":0x10}'),
        # found by this target: converged read through its low 32 bits
        "converged_2pow32": row("", converged="i4294967296"),
        # found by this target in src/report/ (then report.c; UBSan): qsort(NULL, 0)
        # on a database without rows, and NULL + 0 for a plot without points
        "report_empty_db": row("R", key="n"),
        "report_no_points": pieces("R", *([""] * 20)),
        "curve": row("R", curve="t[[0,1],[1,null],[2,0.5],[18446744073709551615,1e-300]]"),
        "widths": row("R", widths="t8,32^2,8", key="t" + TEMPLATE_KEY.replace("arch=2^2", "arch=8,32^2,8")),
        "widths_big": row("R", widths="t4294967296^1125899906842625", depth="i1125899906842624"),
        "hex": row("", key="xt66616d696c793d00", note="xb000102", extras="xt7b2261223a317d"),
        "key_fields": row("R", key="tfamily=bool-ae;arch=4,2,4;k=16;field=complex;data=fnv1a:0011223344556677:3x4;seed=9",
                          id="tN4", family="tbool-ae", widths="t4,2,4"),
        "extra_pairs": row("", extras="k") + b"\0" + pieces('{"x": 1.5 , "y":null}', "x", ' {"a\\"b":2}', 'a"b'),
        # issue 13, the report's decoder on hostile cells.  Row 7: text or a
        # blob where a number belongs (refused, FAL_EFORMAT, never read as 0)
        "report_text_train_error": row("R", train_error="tabc"),
        "report_blob_test_error": row("R", test_error="xb00ff"),
        "report_text_params": row("R", params="tmany", examples="t4x"),
        "report_real_depth": row("R", depth="r2.5"),
        # row 8: IDs that are not plain letters and digits, and a 40-byte one
        "report_id_space": row("R", id="tL 1"),
        "report_id_underscore": row("R", id="tL_1"),
        "report_id_long": row("R", id="tZ123456789012345678901234567890-one-more", family="tlinear"),
        # row 9: invalid UTF-8 in the ID, the family and the widths' neighbours
        "report_utf8_bad": row("R", id="tbad\xff\xc3", family="tover\xc0\xafsurr\xed\xa0\x80"),
        "report_utf8_nonchar": row("R", id="t\xef\xbf\xbf\x01<&>", family="tok-\xc3\xa9",
                                   algo="t\xf4\x90\x80\x80"),
        "put": pieces("P", "L1", "linear-chain", "1^11", "", "0.5 0.25 0 nan inf 1.5", "10 1 7 100 1",
                      "0:1 1:0.5 2:nan 4:0.125 10:0", "gap", "1e-3", "unseen_inputs", "3"),
        "put_report": pieces("PR", "N4", "bool-ae", "4,2,4", "did not converge", "1 2 3 4 5 6",
                             "16 8 18446744073709551615 0 0", "", "gap", "nan", "n4_optimum", "2",
                             'we"ird', "1", "gap", "5"),
    }
    for name, data in s.items():
        out("store", name, data)


def main():
    for t in ("npy", "csv", "args", "store"):
        os.makedirs(os.path.join(HERE, "corpus", t), exist_ok=True)
    seeds_npy()
    seeds_csv()
    seeds_args()
    seeds_store()


if __name__ == "__main__":
    main()
