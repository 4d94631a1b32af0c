"""fallacy: the libfallacy C library from Python, on NumPy arrays.

    import numpy as np, fallacy
    X = np.random.default_rng(0).standard_normal((100, 64))
    r = fallacy.run("linear-ae", widths=[64, 5, 64], data=X, examples=80, algo="exact")
    r["test_error"], r["params"]

Every option of `fallacy run` is a keyword of the same name (widths, depth,
width, examples, test, algo, steps, lr, tol, seed, threads, data, field,
subspace, init, power, units, degree, features); `data` is a 2-D array (any
dtype NumPy converts to float64 or complex128, any strides: a C-contiguous
float64 array is borrowed without a copy) or a file name as on the command
line.  The dict returned is the JSON object of `fallacy run --json` (the
library writes it: same names, same numbers, same bytes).  Library errors
raise fallacy.Error subclasses with the library's message and status.

The library is loaded with ctypes (doc/python.md says why), from
$FALLACY_LIB, else build/libfallacy.so of the source tree this package sits
in, else libfallacy.so.0 from the system (make install).
"""
import ctypes
import ctypes.util
import hashlib
import json
import os
import re
import sqlite3
import threading
import time

import numpy as np

__all__ = ["run", "classes", "need", "families", "version", "Error", "BadInput", "OutOfMemory", "FileError",
           "NotConverged", "InternalError", "RUN_OPTIONS"]

# ---- errors -------------------------------------------------------------------

OK, EINVAL, ENOMEM, EIO, EFORMAT, ERANGE, ENOCONV, EINTERNAL, ENOSPC = range(9)
_STATUS_NAMES = ["FAL_OK", "FAL_EINVAL", "FAL_ENOMEM", "FAL_EIO", "FAL_EFORMAT", "FAL_ERANGE", "FAL_ENOCONV",
                 "FAL_EINTERNAL", "FAL_ENOSPC"]


class Error(Exception):
    """A libfallacy failure: .message is the library's one-line message,
    .status its fal_status code (int) and .status_name its name."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = _STATUS_NAMES[status] if 0 <= status < len(_STATUS_NAMES) else str(status)


class BadInput(Error, ValueError):
    """Bad argument, option or data (FAL_EINVAL, FAL_EFORMAT, FAL_ERANGE)."""


class OutOfMemory(Error, MemoryError):
    """Refused for memory, before allocating (FAL_ENOMEM)."""


class FileError(Error, OSError):
    """A file could not be read or written (FAL_EIO), or not in full: no
    space left on its device (FAL_ENOSPC)."""


class NotConverged(Error):
    """need(): no k <= kmax reached the target (FAL_ENOCONV); .result holds the search."""


class InternalError(Error, RuntimeError):
    """A check inside the library failed (FAL_EINTERNAL): a bug."""


def _error(status, message):
    cls = {EINVAL: BadInput, EFORMAT: BadInput, ERANGE: BadInput, ENOMEM: OutOfMemory, EIO: FileError,
           ENOSPC: FileError, ENOCONV: NotConverged}.get(status, InternalError)
    return cls(message, status)


# ---- the library ----------------------------------------------------------------

def _find_library():
    env = os.environ.get("FALLACY_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.join(here, "..", "..", "build", "libfallacy.so")
    if os.path.exists(tree):
        return tree
    return ctypes.util.find_library("fallacy") or "libfallacy.so.0"


# ctypes.CDLL (not PyDLL): every foreign call releases the GIL, so other
# Python threads run while a long fal_run trains (tests/test_fallacy.py
# checks it).
_lib = ctypes.CDLL(_find_library())

c_size = ctypes.c_size_t
c_u64 = ctypes.c_uint64
c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_double = ctypes.c_double
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p

FAL_MAX_EXTRAS = 16
FAL_MAX_CURVE = 66
FAL_NEED_MAX_PROBES = 64
FAL_CLASSES_MAX_LAYERS = 32


# The structs this package reads or writes, field for field as in
# include/fallacy/*.h.  A field added in C must be added here too: the ABI
# check at every context creation compares these sizes with the library's
# and refuses a mismatch (Error with the library's message).
class _Family(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("id", c_char_p), ("claim", c_char_p), ("run", c_void_p), ("options", c_uint)]


class _Config(ctypes.Structure):
    _fields_ = [("family", c_void_p), ("arch", c_void_p), ("examples", c_size), ("examples_set", c_int),
                ("test", c_size), ("algo", c_int), ("init", c_int), ("field", c_int), ("subspace", c_size),
                ("features", c_size), ("power", c_uint), ("units", c_int), ("degree", c_uint),
                ("max_steps", c_u64), ("lr", c_double), ("tol", c_double), ("seed", c_u64), ("data", c_void_p),
                ("keep_params", c_int), ("shuffle_set", c_int), ("shuffle", c_u64), ("split_fraction", c_double),
                ("at", c_void_p), ("data_path", c_char_p), ("inputs", c_char_p), ("targets", c_char_p),
                # mlp (M1)
                ("act", c_int), ("bias_off", c_int), ("init_scale", c_double), ("teacher_arch", c_void_p),
                # mlp --draws: the class view over D parameter draws, as extras
                ("draws", c_u64),
                # mlp --restarts: students from independent starts, the best kept
                ("restarts", c_uint)]


class _Extra(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("value", c_double)]


class _CurvePoint(ctypes.Structure):
    _fields_ = [("step", c_u64), ("error", c_double)]


class _Result(ctypes.Structure):
    _fields_ = [("id", c_char_p), ("family", c_char_p), ("arch", c_void_p), ("params", c_u64), ("examples", c_u64),
                ("seed", c_u64), ("train_error", c_double), ("test_error", c_double), ("optimum_error", c_double),
                ("log2_classes", c_double), ("bits_provided", c_double), ("converged", c_int), ("steps", c_u64),
                ("seconds", c_double), ("algo", c_char_p), ("note", c_char_p),
                ("extras", _Extra * FAL_MAX_EXTRAS), ("nextras", c_int), ("owned_arch", c_void_p),
                ("curve", _CurvePoint * FAL_MAX_CURVE), ("ncurve", c_int), ("tol", c_double), ("kept", c_void_p)]


class _Classes(ctypes.Structure):
    _fields_ = [("id", c_char_p), ("family", c_char_p), ("params", c_u64), ("discrete", c_int),
                ("log2_classes", c_double), ("classes", c_double), ("log2_settings", c_double),
                ("log2_mean_class_size", c_double), ("bits_provided", c_double), ("examples", c_u64),
                ("function_dim", c_u64), ("class_dim", c_u64), ("k_min", c_u64), ("probes", c_u64),
                ("probe_tolerance", c_double), ("sigma_last", c_double), ("sigma_next", c_double),
                ("rank_method", c_char_p), ("field", c_char_p),
                # mlp (M1)
                ("act", c_char_p), ("symmetry_bound", c_u64), ("hidden_symmetries", ctypes.c_int64),
                ("rank_gap", c_double), ("hidden_units", c_u64), ("nlayers", c_int),
                ("dead", c_u64 * FAL_CLASSES_MAX_LAYERS), ("always_active", c_u64 * FAL_CLASSES_MAX_LAYERS),
                ("draws", c_u64), ("frac_at_bound", c_double), ("dim_mean", c_double), ("dim_min", c_u64),
                ("dim_max", c_u64), ("rank_stable", c_int)]


class _Walk(ctypes.Structure):
    _fields_ = [("moves", c_u64), ("max_output_change", c_double), ("param_distance", c_double)]


class _NeedProbe(ctypes.Structure):
    _fields_ = [("k", c_u64), ("worst_test_error", c_double), ("failed", c_uint), ("unconverged", c_uint),
                ("seen_all", c_uint), ("passed", c_int)]


class _NeedResult(ctypes.Structure):
    _fields_ = [("family", c_char_p), ("id", c_char_p), ("params", c_u64), ("found", c_int), ("k_needed", c_u64),
                ("eps", c_double), ("seeds", c_uint), ("kmax", c_u64), ("test_error_at_k", c_double),
                ("test_error_below", c_double), ("runs", c_u64), ("probes", _NeedProbe * FAL_NEED_MAX_PROBES),
                ("nprobes", c_int)]


# The exported parameters (include/fallacy/params.h): fal_run_params hands
# out the trained network as named arrays (W1..WL, pred_train, ...), which
# run(..., parameters=True) returns as NumPy arrays.  Both sizes are in the
# ABI check.
class _Array(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 32), ("dtype", c_int), ("rank", c_size), ("shape", c_size * 2),
                ("v", ctypes.POINTER(c_double)), ("text", c_char_p)]


class _Params(ctypes.Structure):
    _fields_ = [("ctx", c_void_p), ("n", c_size), ("cap", c_size), ("a", ctypes.POINTER(_Array))]


class _Abi(ctypes.Structure):
    _fields_ = [("version", c_uint), ("abi", c_size), ("config", c_size), ("result", c_size), ("classes", c_size),
                ("need_result", c_size), ("report_opts", c_size), ("walk", c_size), ("allocator", c_size),
                ("params", c_size), ("array", c_size)]


FAL_ABI_VERSION = 1

_P = ctypes.POINTER
_sig = {
    "fal_version": (c_char_p, []),
    "fal_abi_library": (_P(_Abi), []),
    "fal_ctx_new_abi": (c_int, [_P(c_void_p), c_void_p, _P(_Abi)]),
    "fal_ctx_free": (None, [c_void_p]),
    "fal_ctx_message": (c_char_p, [c_void_p]),
    "fal_ctx_set_mem_limit": (None, [c_void_p, c_size]),
    "fal_ctx_set_threads": (None, [c_void_p, c_int]),
    "fal_ctx_mem_in_use": (c_size, [c_void_p]),
    "fal_mem_available": (c_size, []),
    "fal_config_init": (None, [_P(_Config)]),
    "fal_families": (_P(_Family), [_P(c_size)]),
    "fal_classes_family": (c_void_p, [c_char_p]),
    "fal_algo_parse": (c_int, [c_void_p, c_char_p, _P(c_int)]),
    "fal_act_parse": (c_int, [c_void_p, c_char_p, _P(c_int)]),
    "fal_arch_parse": (c_int, [c_void_p, c_char_p, _P(c_void_p)]),
    "fal_arch_uniform": (c_int, [c_void_p, c_u64, c_size, _P(c_void_p)]),
    "fal_arch_free": (None, [c_void_p]),
    "fal_table_load": (c_int, [c_void_p, c_char_p, _P(c_void_p)]),
    "fal_table_wrap": (c_int, [c_void_p, c_void_p, c_size, c_size, ctypes.c_ssize_t, ctypes.c_ssize_t, c_int,
                               _P(c_void_p), _P(c_int)]),
    "fal_table_free": (None, [c_void_p]),
    "fal_run": (c_int, [c_void_p, _P(_Config), _P(_Result)]),
    "fal_result_clear": (None, [_P(_Result)]),
    "fal_result_json": (c_int, [c_void_p, _P(_Result), c_char_p, c_size, _P(c_size)]),
    "fal_classes_compute": (c_int, [c_void_p, _P(_Config), _P(_Classes)]),
    "fal_classes_walk": (c_int, [c_void_p, _P(_Config), c_u64, _P(_Walk)]),
    "fal_need": (c_int, [c_void_p, _P(_Config), c_double, c_uint, c_u64, _P(_NeedResult)]),
    "fal_run_json": (c_int, [c_void_p, _P(_Config), _P(_Result), c_char_p, c_size, _P(c_size)]),
    "fal_table_select": (c_int, [c_void_p, c_void_p, c_char_p, c_char_p, _P(c_void_p)]),
    "fal_run_params": (c_int, [c_void_p, _P(_Config), _P(_Result), _P(_P(_Params))]),
    "fal_params_free": (None, [_P(_Params)]),
    "fal_params_add_text": (c_int, [_P(_Params), c_char_p, c_char_p]),
    "fal_npz_write": (c_int, [c_void_p, c_char_p, _P(_Params)]),
}
for _name, (_res, _args) in _sig.items():
    _f = getattr(_lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def version():
    """The library's version (fal_version)."""
    return _lib.fal_version().decode()


def _abi():
    lib = _lib.fal_abi_library().contents
    # sizes of the structs mirrored here; the others are not read by Python
    return _Abi(FAL_ABI_VERSION, ctypes.sizeof(_Abi), ctypes.sizeof(_Config), ctypes.sizeof(_Result),
                ctypes.sizeof(_Classes), ctypes.sizeof(_NeedResult), lib.report_opts, ctypes.sizeof(_Walk),
                lib.allocator, ctypes.sizeof(_Params), ctypes.sizeof(_Array))


_ABI = _abi()

# fal_config_init's defaults, read once: each call copies them (a copy
# costs less than the foreign call; bench/py_overhead.py)
_CFG0 = _Config()
_lib.fal_config_init(ctypes.byref(_CFG0))
_CFG0 = bytes(_CFG0)

# family name -> its fal_family pointer (static in the library), filled
# as names are asked for; an unknown name is looked up again every time
_FAMILY = {}


_MEM = [0.0, 0]  # [time read, bytes]
_MEM_TTL = 0.25  # seconds


def _mem_available():
    """MemAvailable, read again when the last reading is older than
    _MEM_TTL: reading /proc/meminfo costs ~35 us, most of a small run's
    call (bench/py_overhead.py); a quarter-second-old figure still refuses
    what the machine cannot hold."""
    now = time.monotonic()
    if now - _MEM[0] > _MEM_TTL:
        _MEM[1] = _lib.fal_mem_available()
        _MEM[0] = now
    return _MEM[1]


class _Ctx:
    """A fal_ctx for one call: the ABI checked when the context is made, the
    memory budget the CLI uses (MemAvailable, read at every call), the
    thread count.  The context itself is kept per Python thread and reused
    (a context belongs to one thread at a time); what a call allocates
    through it is freed when the call ends."""

    _local = threading.local()

    def __init__(self, threads=1):
        p = getattr(_Ctx._local, "p", None)
        if p is None:
            p = c_void_p()
            st = _lib.fal_ctx_new_abi(ctypes.byref(p), None, ctypes.byref(_ABI))
            if st != OK:
                msg = (_lib.fal_ctx_message(p) or b"out of memory").decode("utf-8", "replace")
                if p:
                    _lib.fal_ctx_free(p)
                raise _error(st, msg)
            _Ctx._local.p = p
            _Ctx._local.buf = ctypes.create_string_buffer(8192)
        self.p = p
        self.buf = _Ctx._local.buf
        self.owned = []  # (free function, pointer), freed by close()
        _lib.fal_ctx_set_mem_limit(self.p, _mem_available())
        _lib.fal_ctx_set_threads(self.p, threads)

    def message(self):
        return (_lib.fal_ctx_message(self.p) or b"").decode("utf-8", "replace")

    def check(self, st, ok=(OK,)):
        if st not in ok:
            raise _error(st, self.message())
        return st

    def close(self):
        for free, p in reversed(self.owned):
            free(p)
        self.owned = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- options --------------------------------------------------------------------

# The run options of `fallacy run` (tools/options.c is the table; a test
# checks that these names are exactly its run rows, less --json and --help):
# name -> (kind, min, max, choices, fal_config field).
_UMAX = 2**64 - 1
_SMAX = 2**64 // 64 - 1
RUN_OPTIONS = {
    "widths": ("widths", None, None, None, None),
    "depth": ("uint", 1, _UMAX, None, None),
    "width": ("uint", 1, _UMAX, None, None),
    "examples": ("uint", 1, _SMAX, None, "examples"),
    "test": ("uint", 0, _SMAX, None, "test"),
    "algo": ("algo", None, None, ("gd", "nesterov", "fa", "exact", "adam", "lbfgs"), "algo"),
    "steps": ("uint", 1, _UMAX, None, "max_steps"),
    "lr": ("real", None, None, None, "lr"),
    "tol": ("real", None, None, None, "tol"),
    "seed": ("uint", 0, _UMAX, None, "seed"),
    "threads": ("uint", 1, 1024, None, None),
    "data": ("data", None, None, None, None),
    "field": ("choice", None, None, ("real", "complex"), "field"),
    "subspace": ("uint", 1, _SMAX, None, "subspace"),
    "init": ("choice", None, None, ("default", "signs"), "init"),
    "power": ("uint", 2, 64, None, "power"),
    "units": ("choice", None, None, ("sign", "heaviside"), "units"),
    "degree": ("uint", 1, 64, None, "degree"),
    "features": ("uint", 1, 2**32, None, "features"),
    "inputs": ("columns", None, None, None, "inputs"),
    "targets": ("columns", None, None, None, "targets"),
    "shuffle": ("uint", 0, _UMAX, None, "shuffle"),
    "split": ("split", None, None, None, None),
    "save": ("save", None, None, None, None),
    "rerun": ("rerun", None, None, None, None),
    "db": ("db", None, None, None, None),  # with rerun=KEY: the runs database (sweep --db)
    "act": ("act", None, None, None, "act"),  # one --act row for mlp and qnet: the library checks the name
    "bias": ("choice", None, None, ("on", "off"), "bias_off"),
    "init_scale": ("real", None, None, None, "init_scale"),
    "teacher_widths": ("teacher", None, None, None, None),
    "draws": ("uint", 1, 10000, None, "draws"),
    "restarts": ("uint", 1, 1000, None, "restarts"),
}


def _bad(msg):
    return BadInput(msg, EINVAL)


def _set_option(ctx, cfg, name, value):
    kind, lo, hi, choices, field = RUN_OPTIONS[name]
    if kind == "uint":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
            raise _bad("%s %r: need an integer in [%d, %d]" % (name, value, lo, hi))
        setattr(cfg, field, int(value))
        if name == "examples":
            cfg.examples_set = 1
        if name == "shuffle":
            cfg.shuffle_set = 1
    elif kind == "real":
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise _bad("%s %r: need a positive number" % (name, value))
        v = float(value)
        if not (np.isfinite(v) and v > 0):
            raise _bad("%s %r: need a positive number" % (name, value))
        setattr(cfg, field, v)
    elif kind == "choice":
        if value not in choices:
            raise _bad("%s %r: %s" % (name, value, " or ".join(choices)))
        setattr(cfg, field, choices.index(value))
    elif kind == "algo":
        a = c_int()
        ctx.check(_lib.fal_algo_parse(ctx.p, str(value).encode(), ctypes.byref(a)))
        cfg.algo = a.value
    elif kind == "act":
        a = c_int()
        ctx.check(_lib.fal_act_parse(ctx.p, str(value).encode(), ctypes.byref(a)))
        cfg.act = a.value
    elif kind == "teacher":
        t = c_void_p()
        text = value if isinstance(value, str) else ",".join(str(int(v)) for v in value)
        ctx.check(_lib.fal_arch_parse(ctx.p, text.encode(), ctypes.byref(t)))
        ctx.owned.append((_lib.fal_arch_free, t))
        cfg.teacher_arch = t


def _table(ctx, data):
    """data -> a fal_table pointer owned by ctx; the array kept alive by
    the returned reference."""
    if isinstance(data, (str, bytes, os.PathLike)):
        t = c_void_p()
        ctx.check(_lib.fal_table_load(ctx.p, os.fsencode(data), ctypes.byref(t)))
        ctx.owned.append((_lib.fal_table_free, t))
        return t, None, False
    try:
        x = np.asarray(data)
        if x.dtype.kind == "c":
            x = x.astype(np.complex128, copy=False)
        else:
            x = x.astype(np.float64, copy=False)
    except (TypeError, ValueError) as e:
        raise _bad("data: not an array of numbers (%s)" % e) from None
    if x.ndim == 1:
        x = x.reshape(-1, 1)  # as a 1-D .npy: one column
    if x.ndim != 2:
        raise _bad("data: shape %s with %d dimensions; only 1 or 2 are supported" % (x.shape, x.ndim))
    if not x.dtype.isnative:
        x = x.astype(x.dtype.newbyteorder("="))
    field = 1 if x.dtype.kind == "c" else 0
    t = c_void_p()
    borrowed = c_int()
    # the address from the array interface, not x.ctypes.data: NumPy's
    # ctypes helper objects accumulate (~6 kB per 1000 calls, tracemalloc)
    addr = x.__array_interface__["data"][0]
    ctx.check(_lib.fal_table_wrap(ctx.p, addr if x.size else None, x.shape[0], x.shape[1], x.strides[0],
                                  x.strides[1], field, ctypes.byref(t), ctypes.byref(borrowed)))
    ctx.owned.append((_lib.fal_table_free, t))
    return t, x, bool(borrowed.value)


def _config(ctx, family, opts, reads):
    """A fal_config from keywords; `reads` the option names the caller's
    command reads (the CLI's table, for classes: fewer)."""
    for k in opts:
        if k not in reads:
            raise TypeError("unexpected keyword %r (options: %s)" % (k, ", ".join(sorted(reads))))
    cfg = _Config.from_buffer_copy(_CFG0)
    fam = _FAMILY.get(family) if isinstance(family, str) else None
    if fam is None:
        fam = _lib.fal_classes_family(str(family).encode())
        if fam and isinstance(family, str):
            _FAMILY[family] = fam
    if not fam:
        near = _nearest(str(family))
        raise _bad("unknown family '%s' (see fallacy.families())%s" % (family, "; did you mean '%s'?" % near
                                                                       if near else ""))
    cfg.family = fam
    given = {k: v for k, v in opts.items() if v is not None}
    if "widths" in given and ("depth" in given or "width" in given):
        raise _bad("give either widths or depth/width, not both")
    arch = c_void_p()
    if "widths" in given:
        w = given["widths"]
        text = w if isinstance(w, str) else ",".join(str(int(v)) for v in w)
        ctx.check(_lib.fal_arch_parse(ctx.p, text.encode(), ctypes.byref(arch)))
    elif "depth" in given or "width" in given:
        for k in ("depth", "width"):
            if k in given:
                _check_uint(k, given[k])
        ctx.check(_lib.fal_arch_uniform(ctx.p, int(given.get("depth", 1)), int(given.get("width", 1)),
                                        ctypes.byref(arch)))
    if arch:
        ctx.owned.append((_lib.fal_arch_free, arch))
        cfg.arch = arch
    keep = None
    for k, v in given.items():
        if k in ("widths", "depth", "width", "threads", "inputs", "targets", "split"):
            continue
        if k == "data":
            t, keep, _ = _table(ctx, v)
            if isinstance(v, (str, bytes, os.PathLike)):  # a file, as --data FILE: its provenance is the file
                cfg.data_path = os.fsencode(v)  # ctypes keeps the bytes alive with cfg
            cfg.data = t
        else:
            _set_option(ctx, cfg, k, v)
    if "inputs" in given or "targets" in given:
        if "data" not in given:
            raise _bad("%s needs data" % ("inputs" if "inputs" in given else "targets"))
        spec = {}
        for k in ("inputs", "targets"):
            if k in given:
                v = given[k]
                spec[k] = (v if isinstance(v, str) else ",".join(str(int(c)) for c in v)).encode()
        sel = c_void_p()
        ctx.check(_lib.fal_table_select(ctx.p, cfg.data, spec.get("inputs"), spec.get("targets"), ctypes.byref(sel)))
        ctx.owned.append((_lib.fal_table_free, sel))
        cfg.data = sel
        keep = (keep, spec)
        cfg.inputs = spec.get("inputs")
        cfg.targets = spec.get("targets")
    if "split" in given:
        v = given["split"]
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 1 <= int(v) <= _SMAX:
            if cfg.examples_set and cfg.examples != int(v):
                raise _bad("split %r and examples disagree" % (v,))
            cfg.examples, cfg.examples_set = int(v), 1
        elif isinstance(v, (float, np.floating)) and 0 < float(v) < 1:
            cfg.split_fraction = float(v)
        else:
            raise _bad("split %r: need a row count k >= 1 or a fraction strictly between 0 and 1" % (v,))
    return cfg, keep


def _check_uint(name, value):
    _, lo, hi, _, _ = RUN_OPTIONS[name]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
        raise _bad("%s %r: need an integer in [%d, %d]" % (name, value, lo, hi))


def _threads(opts):
    t = opts.get("threads")
    if t is None:
        return 1
    _check_uint("threads", t)
    return int(t)


def _nearest(s):
    best, bd = None, None
    for name in [f["name"] for f in families()] + ["threshold-gate"]:
        d = _distance(s, name)
        if bd is None or d < bd:
            best, bd = name, d
    return best if bd and (bd <= 2 or bd <= len(best) // 3) else None


def _distance(a, b):
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


# ---- the calls ------------------------------------------------------------------

def families():
    """The families in catalogue order: dicts with id, name, claim (as `fallacy list`)."""
    n = c_size()
    f = _lib.fal_families(ctypes.byref(n))
    return [{"id": f[i].id.decode(), "name": f[i].name.decode(), "claim": f[i].claim.decode()}
            for i in range(n.value)]


def _run_json(ctx, cfg, res):
    """The run's JSON text, as `fallacy run --json` prints it (fal_run_json:
    the result, then the config, data and build objects)."""
    n = c_size()
    buf = ctx.buf  # the thread's, 8 kB: enough unless the widths list is long
    if _lib.fal_run_json(ctx.p, ctypes.byref(cfg), ctypes.byref(res), buf, len(buf), ctypes.byref(n)) != OK:
        buf = ctypes.create_string_buffer(n.value + 1)
        ctx.check(_lib.fal_run_json(ctx.p, ctypes.byref(cfg), ctypes.byref(res), buf, n.value + 1, None))
    return ctypes.string_at(buf, n.value).decode()


def _params_dict(p):
    out = {}
    for i in range(p.n):
        a = p.a[i]
        name = a.name.decode()
        if a.dtype == 3:  # FAL_DT_STR
            out[name] = a.text.decode()
            continue
        shape = tuple(a.shape[:a.rank])
        count = int(np.prod(shape)) if shape else 1
        per = 2 if a.dtype == 1 else 1  # FAL_DT_C16: pairs
        v = np.ctypeslib.as_array(a.v, shape=(count * per,)).copy() if count else np.zeros(0)
        if a.dtype == 1:
            v = v.view(np.complex128)
        elif a.dtype == 2:  # FAL_DT_I8
            v = v.astype(np.int64)
        out[name] = v.reshape(shape)
    return out


# The "config" keys of a run's JSON and the keywords they are (None: not an
# option); "default", null and the mlp's teacher "same" are left out, as
# `fallacy run --rerun` leaves them (tools/provenance.c).
_RERUN_KEYS = {"family": None, "arch": None, "examples": "examples", "test": "test", "algo": "algo", "init": "init",
               "field": "field", "subspace": "subspace", "features": "features", "power": "power", "units": "units",
               "degree": "degree", "steps": "steps", "lr": "lr", "tol": "tol", "seed": "seed", "shuffle": "shuffle",
               "split": "split", "rows": None, "inputs": "inputs", "targets": "targets", "act": "act",
               "bias": "bias", "init_scale": "init_scale", "teacher_widths": "teacher_widths"}


def _rerun_options(rerun, db, data):
    """(family, keywords) of the run a JSON describes: rerun is the run's
    dict, its JSON text, a FILE.json, or (with db) a key stored in db."""
    where = rerun
    if db is not None:
        try:
            con = sqlite3.connect("file:%s?mode=ro" % os.fspath(db), uri=True)
            try:
                cols = [r[1] for r in con.execute("PRAGMA table_info(runs)")]
                if not cols:
                    raise _bad("rerun: %s is not a fallacy database (no runs table)" % db)
                row = con.execute("SELECT %s FROM runs WHERE key = ?" % ("config" if "config" in cols else "NULL"),
                                  (str(rerun),)).fetchone()
            finally:
                con.close()
        except sqlite3.Error as e:
            raise _bad("rerun: %s: %s" % (db, e)) from None
        if row is None:
            raise _bad("rerun: %s holds no run with the key '%s'" % (db, rerun))
        if row[0] is None:
            raise _bad("rerun: %s: the run was stored without its configuration (a database written before the "
                       "config column)" % db)
        obj, where = json.loads(row[0]), db
    elif isinstance(rerun, dict):
        obj = rerun
    elif isinstance(rerun, str) and rerun.lstrip().startswith("{"):
        obj = json.loads(rerun)
    else:
        try:
            with open(rerun, "rb") as f:
                obj = json.loads(f.read().decode())
        except OSError as e:
            raise _bad("rerun %s: cannot open: %s" % (rerun, e.strerror)) from None
    build = obj.get("build") if isinstance(obj, dict) else None
    if not isinstance(build, dict) or "version" not in build:
        raise _bad("rerun %s: no \"build\" object with a version (not the JSON of a run)" % (where,))
    if build["version"] != version():
        raise _bad("rerun %s: written by another version (the JSON is from fallacy %s, this is %s)"
                   % (where, build["version"], version()))
    c = obj.get("config")
    if not isinstance(c, dict) or "family" not in c:
        raise _bad("rerun %s: no \"config\" object with a family" % (where,))
    kw = {}
    for k, v in c.items():
        if k not in _RERUN_KEYS:
            raise _bad("rerun %s: unknown field '%s' in \"config\"" % (where, k))
        name = _RERUN_KEYS[k]
        if k == "arch" and v != "default":
            m = re.fullmatch(r"depth=(\d+),width=(\d+)", v)
            if m:
                kw["depth"], kw["width"] = int(m.group(1)), int(m.group(2))
            else:
                kw["widths"] = v
        elif name and v is not None and v != "default" and not (k == "teacher_widths" and v == "same"):
            kw[name] = v
    d = obj.get("data")
    if d is not None:
        if data is None:
            if d.get("path") is None:
                raise _bad("rerun %s: the run's data came from memory; give the same array as data=" % (where,))
            data = d["path"]
            spec = data
            i = spec.rfind(".npz:")
            fname = spec[:i + 4] if i >= 0 and spec[i + 5:] else spec
            try:
                with open(fname, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
            except OSError as e:
                raise _bad("rerun %s: %s: cannot open: %s" % (where, fname, e.strerror)) from None
        else:
            x = np.ascontiguousarray(np.asarray(data, dtype=np.complex128 if d.get("field") == "complex"
                                                else np.float64))
            h = hashlib.sha256(x.tobytes()).hexdigest()
        if d.get("sha256") and h != d["sha256"]:
            raise _bad("rerun %s: the data has changed (SHA-256 %s..., the run read %s...)"
                       % (where, h[:12], d["sha256"][:12]))
        kw["data"] = data
    elif data is not None:
        raise _bad("rerun %s: the run had no data (a teacher); data= does not apply" % (where,))
    if isinstance(build.get("threads"), int):
        kw["threads"] = build["threads"]
    return c["family"], kw


def run(family=None, parameters=False, **options):
    """One experiment, as `fallacy run FAMILY --json`: a dict with the JSON
    contract's fields and the provenance objects config, data and build
    (converged False when it did not converge, as the CLI's exit 1; it does
    not raise).  parameters=True adds the trained parameters as NumPy arrays
    under "parameters"; save="FILE.npz" writes them (and the JSON) as
    `fallacy run --save` does.  rerun= repeats a run (as `fallacy run
    --rerun`): the dict this function returned, its JSON text, a FILE.json,
    or a key stored in the database db= (`fallacy sweep --db`); no family and
    no other option then (data= only for a run whose data came from memory)."""
    rerun, db = options.pop("rerun", None), options.pop("db", None)
    if rerun is not None:
        extra = sorted(k for k, v in options.items() if v is not None and k != "data")
        if family is not None or extra:
            raise _bad("rerun takes no family and no other option (%s)" % ", ".join(
                (["family"] if family is not None else []) + extra))
        family, options = _rerun_options(rerun, db, options.get("data"))
    elif db is not None:
        raise _bad("db applies to rerun=KEY (the stored run to repeat)")
    elif family is None:
        raise TypeError("run() needs a family (or rerun=)")
    save = options.pop("save", None)
    with _Ctx(_threads(options)) as ctx:
        cfg, keep = _config(ctx, family, options, RUN_OPTIONS)
        res = _Result()
        pp = None
        if parameters or save is not None:
            pp = _P(_Params)()
            st = _lib.fal_run_params(ctx.p, ctypes.byref(cfg), ctypes.byref(res), ctypes.byref(pp))
        else:
            st = _lib.fal_run(ctx.p, ctypes.byref(cfg), ctypes.byref(res))
        try:
            ctx.check(st, (OK, ENOCONV))
            text = _run_json(ctx, cfg, res)
            out = json.loads(text)
            if pp and parameters:
                out["parameters"] = _params_dict(pp.contents)
            if pp and save is not None:
                ctx.check(_lib.fal_params_add_text(pp, b"json", text.encode()))
                ctx.check(_lib.fal_npz_write(ctx.p, str(save).encode(), pp))
        finally:
            if pp:
                _lib.fal_params_free(pp)
            if st in (OK, ENOCONV):
                _lib.fal_result_clear(ctypes.byref(res))
        del keep
        return out


def _num(v):
    return float(v) if np.isfinite(v) else None


# the options `fallacy classes` reads (tools/options.c)
CLASSES_OPTIONS = ("widths", "depth", "width", "examples", "seed", "threads", "field", "units", "degree", "walk")


def classes(family, walk=None, **options):
    """The information view (I1), as `fallacy classes FAMILY --json`
    (without --verify, which is the CLI's training loop)."""
    opts = dict(options)
    with _Ctx(_threads(opts)) as ctx:
        cfg, _ = _config(ctx, family, opts, set(CLASSES_OPTIONS) - {"walk"})
        c = _Classes()
        ctx.check(_lib.fal_classes_compute(ctx.p, ctypes.byref(cfg), ctypes.byref(c)))
        d = {"id": c.id.decode(), "family": c.family.decode(), "params": c.params}
        if c.discrete:
            for k in ("classes", "log2_classes", "log2_settings", "log2_mean_class_size"):
                d[k] = _num(getattr(c, k))
        else:
            d.update(field=c.field.decode(), function_dim=c.function_dim, class_dim=c.class_dim, k_min=c.k_min,
                     probes=c.probes, probe_tolerance=_num(c.probe_tolerance), sigma_last=_num(c.sigma_last),
                     sigma_next=_num(c.sigma_next), rank_method=c.rank_method.decode(), log2_classes=None)
        d["examples"] = c.examples
        d["bits_provided"] = _num(c.bits_provided)
        if walk is not None:
            if isinstance(walk, bool) or not isinstance(walk, (int, np.integer)) or not 1 <= walk <= 10**6:
                raise _bad("walk %r: need an integer in [1, 10^6]" % (walk,))
            w = _Walk()
            st = _lib.fal_classes_walk(ctx.p, ctypes.byref(cfg), int(walk), ctypes.byref(w))
            if st != OK:
                raise _error(st, "walk: " + ctx.message())
            d.update(walk_moves=w.moves, walk_max_output_change=_num(w.max_output_change),
                     walk_param_distance=_num(w.param_distance))
        return d


def need(family, eps, seeds=3, kmax=0, **options):
    """The smallest k whose trained model reaches test error <= eps on
    every seed, as `fallacy need FAMILY --eps E --json`.  Raises
    NotConverged (with .result, the search) when no k <= kmax passed."""
    if "examples" in options:
        raise TypeError("need searches for examples; drop it")
    e = float(eps)
    if not (np.isfinite(e) and e > 0):
        raise _bad("eps %r: need a finite number > 0" % (eps,))
    with _Ctx(_threads(options)) as ctx:
        # (save and rerun are run's: need's --save is the CLI's)
        cfg, keep = _config(ctx, family, options, set(RUN_OPTIONS) - {"examples", "save", "rerun", "db"})
        r = _NeedResult()
        st = _lib.fal_need(ctx.p, ctypes.byref(cfg), e, int(seeds), int(kmax), ctypes.byref(r))
        ctx.check(st, (OK, ENOCONV))
        d = {"id": r.id.decode(), "family": r.family.decode(), "params": r.params,
             "k_needed": r.k_needed if r.found else None, "found": bool(r.found), "eps": _num(r.eps),
             "seeds": r.seeds, "seed": cfg.seed, "kmax": r.kmax, "runs": r.runs,
             "test_error_at_k": _num(r.test_error_at_k), "test_error_below": _num(r.test_error_below),
             "probes": [{"k": p.k, "worst_test_error": _num(p.worst_test_error), "passed": bool(p.passed),
                         "failed_seeds": p.failed, "unconverged": p.unconverged, "seen_all": p.seen_all}
                        for p in r.probes[:r.nprobes]]}
        del keep
        if st == ENOCONV:
            err = NotConverged("no k <= %d reached test error %g on every seed" % (r.kmax, r.eps), ENOCONV)
            err.result = d
            raise err
        return d
