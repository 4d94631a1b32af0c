/* npy.c -- the strict NumPy .npy reader.
 *
 * Layout (numpy/lib/format.py): "\x93NUMPY", major, minor, header length
 * (uint16 LE for 1.0, uint32 LE for 2.0 and 3.0), then the header: a Python
 * dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
 * padded with spaces and ended by '\n'; then rows * cols items, row-major.
 *
 * Accepted: every boolean, integer, unsigned, float and complex dtype NumPy
 * writes ('|b1', '|i1', '|u1', '<i2'..'<i8', '<u2'..'<u8', '<f2', '<f4',
 * '<f8', '<c8', '<c16', and each multi-byte one big-endian, '>...'),
 * converted exactly to double (complex dtypes give a FAL_COMPLEX table); C
 * or Fortran order; shape (n,) as n x 1 or (r, c).  A 64-bit integer that
 * no double equals (above 2^53 and odd, say) is refused, naming the value.
 * Everything else is refused with FAL_EFORMAT and a message naming the key
 * or value: missing, duplicate or extra keys, other dtypes, other ranks,
 * negative or non-integer extents, sizes that overflow, a file whose size is
 * not prefix + header + data, NaN or Inf values (row and column named).
 * The header is parsed here, never evaluated. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "../core/internal.h"
#include "npy_int.h"

/* numpy's own reader refuses headers over 10000 bytes by default; we allow
 * far more but not an allocation driven by a forged length. */
#define NPY_HEADER_MAX ((size_t)1 << 20)
/* Bytes of a header value quoted in a message. */
#define NPY_SHOW 40

/* ---------------------------------------------------------------- header */

typedef struct npy_span {
    const char *s;
    size_t n;
} npy_span;

typedef struct npy_parser {
    fal_ctx *ctx;
    const char *path;
    const char *s;      /* the header, n bytes (NUL-terminated copy) */
    size_t n, i;
} npy_parser;

typedef struct npy_header {
    npy_span descr;
    int fortran;
    size_t shape[2];
    size_t rank;
} npy_header;

static void npy_ws(npy_parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int npy_peek(npy_parser *p)
{
    npy_ws(p);
    return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static fal_status npy_syntax(npy_parser *p, const char *expected)
{
    if (p->i >= p->n)
        return fal__fail(p->ctx, FAL_EFORMAT, "%s: header is not a dict literal: expected %s, found the end", p->path,
                         expected);
    unsigned char c = (unsigned char)p->s[p->i];
    if (c >= 0x20 && c < 0x7f)
        return fal__fail(p->ctx, FAL_EFORMAT, "%s: header is not a dict literal: expected %s at byte %zu, found '%c'",
                         p->path, expected, p->i, c);
    return fal__fail(p->ctx, FAL_EFORMAT, "%s: header is not a dict literal: expected %s at byte %zu, found byte 0x%02x",
                     p->path, expected, p->i, c);
}

static fal_status npy_expect(npy_parser *p, char c, const char *what)
{
    if (npy_peek(p) != (unsigned char)c) return npy_syntax(p, what);
    p->i++;
    return FAL_OK;
}

/* A Python string literal in single or double quotes, without escapes. */
static int npy_string(npy_parser *p, npy_span *out)
{
    int q = npy_peek(p);
    if (q != '\'' && q != '"') return 0;
    size_t j = p->i + 1;
    while (j < p->n && p->s[j] != q && p->s[j] != '\\' && p->s[j] != '\n') j++;
    if (j >= p->n || p->s[j] != q) return 0;
    out->s = p->s + p->i + 1;
    out->n = j - p->i - 1;
    p->i = j + 1;
    return 1;
}

/* The span of the next value, up to the ',' or '}' that ends it at depth 0:
 * for messages only. */
static npy_span npy_value_text(const npy_parser *p)
{
    size_t j = p->i, depth = 0;
    while (j < p->n) {
        char c = p->s[j];
        if (c == '(' || c == '[' || c == '{') depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth) depth--;
        else if ((c == ',' || c == '}') && depth == 0) break;
        j++;
    }
    while (j > p->i && (p->s[j - 1] == ' ' || p->s[j - 1] == '\n')) j--;
    npy_span v = { p->s + p->i, j - p->i };
    return v;
}

static int show_len(npy_span v) { return v.n > NPY_SHOW ? NPY_SHOW : (int)v.n; }
static const char *show_more(npy_span v) { return v.n > NPY_SHOW ? "..." : ""; }

static fal_status npy_descr(npy_parser *p, npy_header *h)
{
    npy_ws(p);
    if (npy_string(p, &h->descr)) return FAL_OK;
    npy_span v = npy_value_text(p);
    if (p->i < p->n && p->s[p->i] == '[')
        return fal__fail(p->ctx, FAL_EFORMAT,
                         "%s: header key 'descr' is a list (a structured dtype); only plain numeric dtypes are supported",
                         p->path);
    return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key 'descr' is '%.*s%s', not a string", p->path, show_len(v),
                     v.s, show_more(v));
}

static fal_status npy_fortran(npy_parser *p, npy_header *h)
{
    npy_ws(p);
    size_t j = p->i;
    while (j < p->n && (p->s[j] == '_' || (p->s[j] >= 'A' && p->s[j] <= 'Z') || (p->s[j] >= 'a' && p->s[j] <= 'z') ||
                        (p->s[j] >= '0' && p->s[j] <= '9')))
        j++;
    if (j - p->i == 4 && memcmp(p->s + p->i, "True", 4) == 0) h->fortran = 1;
    else if (j - p->i == 5 && memcmp(p->s + p->i, "False", 5) == 0) h->fortran = 0;
    else {
        npy_span v = npy_value_text(p);
        return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key 'fortran_order' is '%.*s%s', not True or False",
                         p->path, show_len(v), v.s, show_more(v));
    }
    p->i = j;
    return FAL_OK;
}

/* A tuple of non-negative integers: "()", "(5,)", "(5, 3)", "(5, 3,)". */
static fal_status npy_shape(npy_parser *p, npy_header *h)
{
    npy_ws(p);
    npy_span whole = npy_value_text(p);
    if (p->i >= p->n || p->s[p->i] != '(')
        return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key 'shape' is '%.*s%s', not a tuple", p->path,
                         show_len(whole), whole.s, show_more(whole));
    p->i++;
    size_t rank = 0;
    int trailing_comma = 0;
    for (;;) {
        if (npy_peek(p) == ')') { p->i++; break; }
        size_t a = p->i;
        while (p->i < p->n && !strchr(",) \t\n\r", p->s[p->i])) p->i++;
        npy_span e = { p->s + a, p->i - a };
        if (e.n == 0) return npy_syntax(p, "an integer or ')' in 'shape'");
        size_t v = 0;
        int digits = 1;
        for (size_t k = 0; k < e.n && digits; k++) {
            if (e.s[k] < '0' || e.s[k] > '9') digits = 0;
            else if (fal__mul(v, 10, &v) || fal__add(v, (size_t)(e.s[k] - '0'), &v))
                return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key 'shape' entry '%.*s%s' overflows size_t",
                                 p->path, show_len(e), e.s, show_more(e));
        }
        if (!digits) {
            int negative = e.s[0] == '-' && e.n > 1 && strspn(e.s + 1, "0123456789") >= e.n - 1;
            return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key 'shape' has a %s entry '%.*s%s'", p->path,
                             negative ? "negative" : "non-integer", show_len(e), e.s, show_more(e));
        }
        if (rank < 2) h->shape[rank] = v;
        rank++;
        trailing_comma = 0;
        int c = npy_peek(p);
        if (c == ',') { p->i++; trailing_comma = 1; }
        else if (c == ')') { p->i++; break; }
        else return npy_syntax(p, "',' or ')' in 'shape'");
    }
    if (rank == 1 && !trailing_comma)
        return fal__fail(p->ctx, FAL_EFORMAT,
                         "%s: header key 'shape' is '%.*s%s', an integer in parentheses, not a tuple (a 1-tuple needs a trailing comma)",
                         p->path, show_len(whole), whole.s, show_more(whole));
    if (rank < 1 || rank > 2)
        return fal__fail(p->ctx, FAL_EFORMAT,
                         "%s: header key 'shape' is '%.*s%s' with %zu dimensions; only 1 or 2 are supported", p->path,
                         show_len(whole), whole.s, show_more(whole), rank);
    h->rank = rank;
    return FAL_OK;
}

/* The whole dict: exactly the three keys, in any order, each once. */
static fal_status npy_parse(npy_parser *p, npy_header *h)
{
    static const char *const keys[3] = { "descr", "fortran_order", "shape" };
    int seen[3] = { 0, 0, 0 };
    fal_status st = npy_expect(p, '{', "'{'");
    if (st != FAL_OK) return st;
    for (;;) {
        if (npy_peek(p) == '}') { p->i++; break; }
        npy_span key;
        if (!npy_string(p, &key)) return npy_syntax(p, "a quoted key or '}'");
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (strlen(keys[j]) == key.n && memcmp(keys[j], key.s, key.n) == 0) k = j;
        if (k < 0)
            return fal__fail(p->ctx, FAL_EFORMAT,
                             "%s: header has an extra key '%.*s%s'; expected exactly 'descr', 'fortran_order', 'shape'",
                             p->path, show_len(key), key.s, show_more(key));
        if (seen[k]) return fal__fail(p->ctx, FAL_EFORMAT, "%s: header key '%s' appears twice", p->path, keys[k]);
        seen[k] = 1;
        st = npy_expect(p, ':', "':' after a key");
        if (st != FAL_OK) return st;
        st = k == 0 ? npy_descr(p, h) : k == 1 ? npy_fortran(p, h) : npy_shape(p, h);
        if (st != FAL_OK) return st;
        int c = npy_peek(p);
        if (c == ',') p->i++;
        else if (c == '}') { p->i++; break; }
        else return npy_syntax(p, "',' or '}'");
    }
    npy_ws(p);
    if (p->i != p->n) return npy_syntax(p, "only blanks after the dict");
    for (int j = 0; j < 3; j++)
        if (!seen[j]) return fal__fail(p->ctx, FAL_EFORMAT, "%s: header has no key '%s'", p->path, keys[j]);
    return FAL_OK;
}

/* ------------------------------------------------------------------ data */

static size_t le_uint(const unsigned char *b, int n)
{
    size_t u = 0;
    for (int k = n - 1; k >= 0; k--) u = u << 8 | b[k];
    return u;
}

/* One item's bytes as an unsigned integer, in the file's byte order. */
static uint64_t item_bits(const unsigned char *b, size_t n, int big)
{
    uint64_t u = 0;
    if (big)
        for (size_t k = 0; k < n; k++) u = u << 8 | b[k];
    else
        for (size_t k = n; k-- > 0;) u = u << 8 | b[k];
    return u;
}

typedef enum npy_kind { K_BOOL, K_INT, K_UINT, K_FLOAT, K_COMPLEX } npy_kind;

typedef struct npy_dtype {
    npy_kind kind;
    size_t size;    /* bytes of one scalar (one part of a complex value) */
    int big;        /* big-endian */
} npy_dtype;

/* The dtypes NumPy writes for plain numbers: '|' for one-byte ones, '<' or
 * '>' for the others (numpy.lib.format always writes an explicit order). */
static int npy_dtype_parse(npy_span d, npy_dtype *out)
{
    if (d.n < 3 || d.n > 4) return 0;
    char order = d.s[0], k = d.s[1];
    size_t size = 0;
    for (size_t i = 2; i < d.n; i++) {
        if (d.s[i] < '0' || d.s[i] > '9') return 0;
        size = size * 10 + (size_t)(d.s[i] - '0');
    }
    if (d.s[2] == '0') return 0;
    npy_dtype t = { .size = size, .big = order == '>' };
    switch (k) {
    case 'b': t.kind = K_BOOL; if (size != 1) return 0; break;
    case 'i': t.kind = K_INT; if (size != 1 && size != 2 && size != 4 && size != 8) return 0; break;
    case 'u': t.kind = K_UINT; if (size != 1 && size != 2 && size != 4 && size != 8) return 0; break;
    case 'f': t.kind = K_FLOAT; if (size != 2 && size != 4 && size != 8) return 0; break;
    case 'c':
        t.kind = K_COMPLEX;
        if (size != 8 && size != 16) return 0;
        t.size = size / 2;
        break;
    default: return 0;
    }
    if (size == 1 ? order != '|' : order != '<' && order != '>') return 0;
    *out = t;
    return 1;
}

/* IEEE binary16 to double: every half value is a double exactly. */
static double half_to_double(uint64_t h)
{
    int sign = (int)(h >> 15 & 1), ex = (int)(h >> 10 & 31);
    double m = (double)(h & 1023);
    double v;
    if (ex == 31) v = (h & 1023) ? NAN : INFINITY;
    else if (ex == 0) v = ldexp(m, -24);
    else v = ldexp(m + 1024.0, ex - 25);
    return sign ? -v : v;
}

static double float_bits(uint64_t u, size_t size)
{
    if (size == 2) return half_to_double(u);
    if (size == 4) {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, sizeof f);
        return (double)f;
    }
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Where element (r, c) sits, for messages: 1-based and NumPy's index. */
static void npy_where(char *buf, size_t n, const npy_header *h, size_t r, size_t c)
{
    if (h->rank == 1) snprintf(buf, n, "row %zu (index [%zu])", r + 1, r);
    else snprintf(buf, n, "row %zu, column %zu (index [%zu, %zu])", r + 1, c + 1, r, c);
}

/* Refuse a non-finite value (part 1 = imaginary of a complex value). */
static fal_status npy_nonfinite(fal_ctx *ctx, const char *path, const npy_header *h, size_t r, size_t c,
                                int is_complex, int part, double v)
{
    const char *what = isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    const char *which = !is_complex ? "" : part ? "the imaginary part of " : "the real part of ";
    char where[96];
    npy_where(where, sizeof where, h, r, c);
    return fal__fail(ctx, FAL_EFORMAT, "%s: %s%s is %s; NaN and Inf are refused", path, which, where, what);
}

/* One scalar as a double, exactly, or a refusal naming it. */
static fal_status npy_scalar(fal_ctx *ctx, const char *path, const npy_header *h, const npy_dtype *dt,
                             const unsigned char *b, size_t r, size_t c, int part, double *out)
{
    uint64_t u = item_bits(b, dt->size, dt->big);
    char where[96];
    switch (dt->kind) {
    case K_BOOL:
        if (u > 1) {
            npy_where(where, sizeof where, h, r, c);
            return fal__fail(ctx, FAL_EFORMAT, "%s: %s is byte 0x%02x, not a bool (0 or 1)", path, where,
                             (unsigned)u);
        }
        *out = (double)u;
        return FAL_OK;
    case K_UINT:
        if (dt->size == 8) {
            /* 2^64 - 1 rounds up to 2^64, which has no uint64 twin; the
             * round-trip test below sees that. */
            double d = (double)u;
            if (d >= 18446744073709551616.0 || (uint64_t)d != u) goto inexact_u;
            *out = d;
        } else {
            *out = (double)u;
        }
        return FAL_OK;
    case K_INT: {
        int64_t v;
        if (dt->size < 8) {
            unsigned bits = (unsigned)(8 * dt->size);
            uint64_t sbit = (uint64_t)1 << (bits - 1);
            v = (u & sbit) ? (int64_t)(u | ~((sbit << 1) - 1)) : (int64_t)u;
            *out = (double)v;
            return FAL_OK;
        }
        memcpy(&v, &u, sizeof v);
        double d = (double)v;
        if (d >= 9223372036854775808.0 || (int64_t)d != v) {
            npy_where(where, sizeof where, h, r, c);
            return fal__fail(ctx, FAL_EFORMAT, "%s: %s is %lld, which no double equals (integers above 2^53 lose digits)",
                             path, where, (long long)v);
        }
        *out = d;
        return FAL_OK;
    }
    case K_FLOAT:
    case K_COMPLEX: {
        double d = float_bits(u, dt->size);
        if (!isfinite(d)) return npy_nonfinite(ctx, path, h, r, c, dt->kind == K_COMPLEX, part, d);
        *out = d;
        return FAL_OK;
    }
    }
    return fal__fail(ctx, FAL_EFORMAT, "%s: internal: unknown dtype kind", path);
inexact_u:
    npy_where(where, sizeof where, h, r, c);
    return fal__fail(ctx, FAL_EFORMAT, "%s: %s is %llu, which no double equals (integers above 2^53 lose digits)", path,
                     where, (unsigned long long)u);
}

fal_status fal__npy_read(fal_ctx *ctx, const char *path, FILE *f, int sized, size_t fsize, fal_table **out)
{
    fal_status st = FAL_OK;
    char *hdr = NULL;
    size_t hlen = 0;
    fal_table *t = NULL;

    unsigned char pre[12];
    size_t got = fread(pre, 1, 8, f);
    if (got < 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        if (ferror(f)) {
            int e = errno;
            st = fal__fail(ctx, FAL_EIO, "%s: read error: %s", path, strerror(e));
        } else if (got >= 6 && memcmp(pre, "\x93NUMPY", 6) == 0) {
            st = fal__fail(ctx, FAL_EFORMAT, "%s: file too short for a .npy header (%zu bytes)", path, got);
        } else {
            st = fal__fail(ctx, FAL_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", path);
        }
        goto done;
    }
    int major = pre[6], minor = pre[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: .npy version %d.%d is not supported (1.0, 2.0, 3.0 are)", path, major,
                       minor);
        goto done;
    }
    int lenbytes = major == 1 ? 2 : 4;
    if (fread(pre + 8, 1, (size_t)lenbytes, f) != (size_t)lenbytes) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: file too short for a .npy header", path);
        goto done;
    }
    size_t prefix = 8 + (size_t)lenbytes;
    hlen = le_uint(pre + 8, lenbytes);
    if (sized && (fsize < prefix || hlen > fsize - prefix)) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: header length %zu runs past the end of the file (%zu bytes)", path,
                       hlen, fsize);
        goto done;
    }
    if (hlen > NPY_HEADER_MAX) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: header length %zu is over the %zu MiB limit", path, hlen,
                       NPY_HEADER_MAX >> 20);
        goto done;
    }
    hdr = fal__alloc(ctx, hlen + 1, "npy header");
    if (!hdr) {
        char why[FAL_MSG_MAX];
        snprintf(why, sizeof why, "%s", fal_ctx_message(ctx));
        st = fal__fail(ctx, FAL_ENOMEM, "%s: %s", path, why);
        goto done;
    }
    if (fread(hdr, 1, hlen, f) != hlen) {
        if (ferror(f)) {
            int e = errno;
            st = fal__fail(ctx, FAL_EIO, "%s: read error: %s", path, strerror(e));
        } else {
            st = fal__fail(ctx, FAL_EFORMAT, "%s: header length %zu runs past the end of the file", path, hlen);
        }
        goto done;
    }
    hdr[hlen] = '\0';
    const char *nul = memchr(hdr, '\0', hlen);
    if (nul) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: header is not a dict literal: NUL byte at byte %zu", path,
                       (size_t)(nul - hdr));
        goto done;
    }

    npy_header h = { .rank = 0 };
    npy_parser p = { .ctx = ctx, .path = path, .s = hdr, .n = hlen, .i = 0 };
    st = npy_parse(&p, &h);
    if (st != FAL_OK) goto done;

    npy_dtype dt;
    npy_span d = h.descr;
    if (!npy_dtype_parse(d, &dt)) {
        const char *why = memchr(d.s, 'O', d.n) ? " (Python objects)" : "";
        st = fal__fail(ctx, FAL_EFORMAT,
                       "%s: dtype '%.*s%s'%s is not supported; only bool, integer, unsigned, float (f2, f4, f8) and "
                       "complex (c8, c16) ones are",
                       path, show_len(d), d.s, show_more(d), why);
        goto done;
    }
    int cplx = dt.kind == K_COMPLEX;
    size_t item = cplx ? 2 * dt.size : dt.size;
    fal_field field = cplx ? FAL_COMPLEX : FAL_REAL;
    size_t rows = h.shape[0], cols = h.rank == 2 ? h.shape[1] : 1;
    size_t n, nbytes, total;
    if (fal__mul(rows, cols, &n) || fal__mul(n, item, &nbytes) || fal__add(prefix + hlen, nbytes, &total)) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: shape (%zu, %zu) of %zu-byte items overflows size_t", path, rows, cols,
                       item);
        goto done;
    }
    if (sized && fsize != total) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: file has %zu bytes, expected %zu (%zu header + %zu x %zu x %zu data): %s",
                       path, fsize, total, prefix + hlen, rows, cols, item,
                       fsize < total ? "data truncated" : "trailing bytes after the data");
        goto done;
    }

    st = fal_table_new(ctx, rows, cols, field, &t);
    if (st != FAL_OK) {
        char why[FAL_MSG_MAX];
        snprintf(why, sizeof why, "%s", fal_ctx_message(ctx));
        st = fal__fail(ctx, st, "%s: %s", path, why);
        goto done;
    }

    /* Items in blocks; a block holds whole items (16384 is a multiple of
     * every item size).  Fortran order stores column after column: file
     * element e is (e % rows, e / rows) there, (e / cols, e % cols) in C
     * order; the table is row-major either way. */
    int fortran = h.fortran && h.rank == 2;
    unsigned char buf[16384];
    size_t e = 0;   /* next element (a complex value counts once) */
    size_t left = nbytes;
    while (left) {
        size_t want = left < sizeof buf ? left : sizeof buf;
        size_t gotn = fread(buf, 1, want, f);
        if (gotn != want) {
            if (ferror(f)) {
                int er = errno;
                st = fal__fail(ctx, FAL_EIO, "%s: read error: %s", path, strerror(er));
            } else {
                st = fal__fail(ctx, FAL_EFORMAT, "%s: data truncated: %zu of %zu data bytes missing", path,
                               left - gotn, nbytes);
            }
            goto done;
        }
        left -= want;
        for (size_t o = 0; o < want; o += item, e++) {
            size_t r = fortran ? e % rows : e / cols, c = fortran ? e / rows : e % cols;
            size_t at = r * cols + c;
            if (!cplx) {
                st = npy_scalar(ctx, path, &h, &dt, buf + o, r, c, 0, &t->v[at]);
                if (st != FAL_OK) goto done;
            } else {
                st = npy_scalar(ctx, path, &h, &dt, buf + o, r, c, 0, &t->v[2 * at]);
                if (st != FAL_OK) goto done;
                st = npy_scalar(ctx, path, &h, &dt, buf + o + dt.size, r, c, 1, &t->v[2 * at + 1]);
                if (st != FAL_OK) goto done;
            }
        }
    }
    if (getc(f) != EOF) {
        st = fal__fail(ctx, FAL_EFORMAT, "%s: trailing bytes after the %zu data bytes", path, nbytes);
        goto done;
    }
    if (ferror(f)) {
        int er = errno;
        st = fal__fail(ctx, FAL_EIO, "%s: read error: %s", path, strerror(er));
        goto done;
    }

done:
    fal__free(ctx, hdr, hlen + 1);
    if (st != FAL_OK) {
        fal_table_free(t);
        return st;
    }
    *out = t;
    return FAL_OK;
}

fal_status fal_table_load_npy(fal_ctx *ctx, const char *path, fal_table **out)
{
    if (!out) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_npy: out is NULL");
    *out = NULL;
    if (!path) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_npy: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return fal__fail(ctx, FAL_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    /* File size when it is a regular file, to refuse a bad length before
     * allocating for it. */
    struct stat sb;
    int sized = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
    size_t fsize = sized ? (size_t)sb.st_size : 0;
    fal_status st = fal__npy_read(ctx, path, f, sized, fsize, out);
    fclose(f);
    return st;
}
