/* fuzz_npy.c -- the .npy reader (src/data/npy.c) on arbitrary bytes.
 *
 * Each input is loaded three ways: as a regular file (the size checks run
 * before any allocation), through a pipe (size unknown: the reader must
 * still stop at the header limit, the budget and the end of the data), and,
 * when it starts with the magic, with its header length field rewritten to
 * end at the first '\n' (so that mutations of the header text are not all
 * lost to a length mismatch).  Oracles: every refusal names the file; an
 * accepted table matches an independent decoding of the data bytes (the
 * last rows x cols items of the file, little-endian) and holds only finite
 * values; nothing allocated through the context is left behind. */
#include <math.h>
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch();
    return 0;
}

static double item_value(const uint8_t *b, size_t item)
{
    uint64_t u = 0;
    for (size_t k = item; k-- > 0;) u = u << 8 | b[k];
    if (item == 4) {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof f);
        return (double)f;
    }
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
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
    FUZZ_CHECK(memmem(hdr, hlen, "descr", 5) && memmem(hdr, hlen, "fortran_order", 13) &&
                   memmem(hdr, hlen, "False", 5) && memmem(hdr, hlen, "shape", 5),
               "accepted a header without its three keys");
    size_t rows = fal_table_rows(t), cols = fal_table_cols(t);
    int complex_ = fal_table_field(t) == FAL_COMPLEX;
    size_t body = size - prefix - hlen, n = rows * cols;
    FUZZ_CHECK(rows == 0 || cols == 0 || n / rows == cols, "shape %zu x %zu overflows", rows, cols);
    size_t item = n ? body / n : 0;
    if (n == 0) {
        FUZZ_CHECK(body == 0, "empty table but %zu data bytes", body);
        return;
    }
    FUZZ_CHECK(item * n == body, "%zu data bytes for %zu values", body, n);
    if (complex_) FUZZ_CHECK(item == 16 && memmem(hdr, hlen, "<c16", 4), "complex table of %zu-byte items", item);
    else
        FUZZ_CHECK((item == 8 && memmem(hdr, hlen, "<f8", 3)) || (item == 4 && memmem(hdr, hlen, "<f4", 3)),
                   "real table of %zu-byte items", item);
    const double *v = fal_table_cdata(t);
    const uint8_t *d = data + prefix + hlen;
    size_t per = complex_ ? 2 : 1, part = item / per;
    for (size_t e = 0; e < n * per; e++) {
        double want = item_value(d + e * part, part);
        FUZZ_CHECK(isfinite(v[e]), "value %zu is not finite", e);
        FUZZ_CHECK(memcmp(&want, &v[e], sizeof want) == 0, "value %zu is %.17g, the file holds %.17g", e, v[e],
                   want);
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
