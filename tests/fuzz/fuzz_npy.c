/* fuzz_npy.c -- the .npy reader (src/data/npy.c) on arbitrary bytes.
 *
 * Each input is loaded three ways: as a regular file (the size checks run
 * before any allocation), through a pipe (size unknown: the reader must
 * still stop at the header limit, the budget and the end of the data), and,
 * when it starts with the magic, with its header length field rewritten to
 * end at the first '\n' (so that mutations of the header text are not all
 * lost to a length mismatch).  Oracles: every refusal names the file; an
 * accepted table matches an independent decoding of the data bytes (the
 * last rows x cols items of the file, in the dtype's byte order and kind,
 * placed by C or Fortran order) and holds only finite values; nothing
 * allocated through the context is left behind. */
#include <math.h>
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch();
    return 0;
}

/* The descr string of the header (between the quotes after 'descr'). */
static int header_descr(const char *hdr, size_t hlen, char *out, size_t cap)
{
    const char *k = memmem(hdr, hlen, "descr", 5);
    if (!k) return 0;
    const char *end = hdr + hlen, *p = k + 5;
    while (p < end && *p != ':') p++;
    while (p < end && *p != '\'' && *p != '"') p++;
    if (p >= end) return 0;
    char q = *p++;
    size_t n = 0;
    while (p + n < end && p[n] != q) n++;
    if (n + 1 > cap) return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* An independent decoding of one scalar of dtype (order, kind, size). */
static double scalar(const uint8_t *b, char order, char kind, size_t size)
{
    uint64_t u = 0;
    if (order == '>')
        for (size_t k = 0; k < size; k++) u = u << 8 | b[k];
    else
        for (size_t k = size; k-- > 0;) u = u << 8 | b[k];
    switch (kind) {
    case 'b':
    case 'u': return (double)u;
    case 'i': {
        int shift = (int)(64 - 8 * size);
        int64_t v = (int64_t)(u << shift) >> shift; /* sign-extend */
        return (double)v;
    }
    default:
        if (size == 2) {
            int e = (int)(u >> 10 & 31);
            double m = (double)(u & 1023);
            double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
            return (u >> 15) ? -v : v;
        }
        if (size == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, sizeof f);
            return (double)f;
        }
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
}

/* The accepted table t against the bytes of the file. */
static void check_table(const fal_table *t, const uint8_t *data, size_t size)
{
    FUZZ_CHECK(size >= 10 && memcmp(data, "\x93NUMPY", 6) == 0, "accepted a file without the magic");
    int major = data[6];
    FUZZ_CHECK((major == 1 || major == 2 || major == 3) && data[7] == 0, "accepted version %d.%d", major, data[7]);
    size_t prefix = major == 1 ? 10 : 12;
    FUZZ_CHECK(size >= prefix, "accepted a file shorter than its prefix");
    size_t hlen = major == 1 ? (size_t)data[8] | (size_t)data[9] << 8
                             : (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 | (size_t)data[11] << 24;
    FUZZ_CHECK(hlen <= size - prefix, "header length %zu past the end (%zu bytes)", hlen, size);
    const char *hdr = (const char *)data + prefix;
    FUZZ_CHECK(memmem(hdr, hlen, "descr", 5) && memmem(hdr, hlen, "fortran_order", 13) && memmem(hdr, hlen, "shape", 5),
               "accepted a header without its three keys");
    char descr[16];
    FUZZ_CHECK(header_descr(hdr, hlen, descr, sizeof descr), "accepted a header without a readable descr");
    size_t dl = strlen(descr);
    FUZZ_CHECK(dl >= 3 && strchr("<>|", descr[0]) && strchr("biufc", descr[1]), "accepted dtype '%s'", descr);
    char order = descr[0], kind = descr[1];
    size_t isz = (size_t)atoi(descr + 2), part = kind == 'c' ? isz / 2 : isz;
    /* Fortran order: the token after 'fortran_order': */
    const char *fo = memmem(hdr, hlen, "fortran_order", 13);
    const char *p = fo + 13, *hend = hdr + hlen;
    while (p < hend && (*p == ':' || *p == ' ' || *p == '\'' || *p == '"' || *p == '\t' || *p == '\n')) p++;
    int fortran = hend - p >= 4 && memcmp(p, "True", 4) == 0;
    size_t rows = fal_table_rows(t), cols = fal_table_cols(t);
    int complex_ = fal_table_field(t) == FAL_COMPLEX;
    FUZZ_CHECK(complex_ == (kind == 'c'), "field does not match dtype '%s'", descr);
    size_t body = size - prefix - hlen, n = rows * cols;
    FUZZ_CHECK(rows == 0 || cols == 0 || n / rows == cols, "shape %zu x %zu overflows", rows, cols);
    if (n == 0) {
        FUZZ_CHECK(body == 0, "empty table but %zu data bytes", body);
        return;
    }
    FUZZ_CHECK(isz * n == body, "%zu data bytes for %zu values of '%s'", body, n, descr);
    const double *v = fal_table_cdata(t);
    const uint8_t *d = data + prefix + hlen;
    size_t per = complex_ ? 2 : 1;
    for (size_t e = 0; e < n; e++) {
        size_t r = fortran && cols > 1 ? e % rows : e / cols, c = fortran && cols > 1 ? e / rows : e % cols;
        for (size_t q = 0; q < per; q++) {
            double want = scalar(d + e * isz + q * part, order, kind, part);
            double got = v[(r * cols + c) * per + q];
            FUZZ_CHECK(isfinite(got), "value %zu is not finite", e);
            FUZZ_CHECK(memcmp(&want, &got, sizeof want) == 0, "value %zu is %.17g, the file holds %.17g", e, got,
                       want);
        }
    }
}

static void load(const char *path, const uint8_t *data, size_t size, int check_values)
{
    fal_ctx *ctx = fuzz_ctx();
    fal_table *t = (fal_table *)&t; /* must be overwritten */
    fal_status st = fal_table_load_npy(ctx, path, &t);
    if (st == FAL_OK) {
        FUZZ_CHECK(t != NULL, "FAL_OK without a table");
        if (check_values) check_table(t, data, size);
        fal_table_free(t);
    } else {
        FUZZ_CHECK(t == NULL, "failed (%s) but *out was not cleared", fal_errstr(st));
        FUZZ_CHECK(st == FAL_EFORMAT || st == FAL_ENOMEM || st == FAL_EIO, "status %s", fal_errstr(st));
        FUZZ_CHECK(strstr(fal_ctx_message(ctx), path) != NULL, "message does not name the file: %s",
                   fal_ctx_message(ctx));
    }
    fuzz_ctx_done(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    fuzz_write_file("in.npy", data, size, path, sizeof path);
    load(path, data, size, 1);

    int rd;
    if (fuzz_pipe(data, size, &rd, path, sizeof path)) {
        load(path, data, size, 1);
        close(rd);
    }

    /* The header length field set to end the header at its first '\n'. */
    if (size >= 12 && memcmp(data, "\x93NUMPY", 6) == 0 && data[7] == 0 && data[6] >= 1 && data[6] <= 3) {
        size_t prefix = data[6] == 1 ? 10 : 12;
        const uint8_t *nl = memchr(data + prefix, '\n', size - prefix);
        if (nl) {
            size_t hlen = (size_t)(nl - data) + 1 - prefix;
            uint8_t *fixed = malloc(size);
            FUZZ_CHECK(fixed != NULL, "malloc");
            memcpy(fixed, data, size);
            for (size_t k = 0; k < prefix - 8; k++) fixed[8 + k] = (uint8_t)(hlen >> (8 * k));
            if (prefix == 10 && hlen > 0xffff) {
                free(fixed);
                return 0;
            }
            fuzz_write_file("fixed.npy", fixed, size, path, sizeof path);
            load(path, fixed, size, 1);
            free(fixed);
        }
    }
    return 0;
}
