/* fuzz_csv.c -- the CSV reader (src/data/csv.c) on arbitrary bytes.
 *
 * The input is written to a file and loaded with fal_table_load_csv and
 * through fal_table_load (the name picks the reader).  Oracle: a second,
 * deliberately naive reading of the same bytes (whole buffer in memory,
 * split at '\n', the rules of csv.c's header comment applied field by
 * field) must agree on accept or refuse, on the shape and on every value
 * bit for bit; a refusal names the file and, past the first line read, a
 * line number; nothing allocated through the context is left behind. */
#include <math.h>
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch();
    return 0;
}

/* ---- the reference reading ------------------------------------------------ */

typedef struct ref {
    int ok;
    size_t rows, cols;
    double *v;
    size_t n, cap;
} ref;

static int blank(char c) { return c == ' ' || c == '\t'; }

/* strtod takes the whole field (the header test of csv.c). */
static int whole_number(const char *s)
{
    char *end;
    if (!*s) return 0;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* A data field: decimal characters only, strtod takes it all, not hex,
 * not NaN/Inf, finite. */
static int data_value(const char *s, double *out)
{
    if (!*s) return 0;
    if (strspn(s, "0123456789.eE+-") != strlen(s)) return 0; /* also excludes x, n, a, i, f */
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static void push(ref *r, double v)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        FUZZ_CHECK(r->v != NULL, "realloc");
    }
    r->v[r->n++] = v;
}

static void reference(const uint8_t *data, size_t size, ref *r)
{
    memset(r, 0, sizeof *r);
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf != NULL, "malloc");
    memcpy(buf, data, size);
    buf[size] = '\0';
    int seen = 0;
    size_t width = 0, rows = 0;
    size_t at = 0, lineno = 0;
    while (at < size) {
        lineno++;
        char *line = buf + at;
        char *nl = memchr(line, '\n', size - at);
        size_t len = nl ? (size_t)(nl - line) : size - at;
        at += len + (nl ? 1 : 0);
        line[len] = '\0';
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) { line += 3; len -= 3; }
        if (len && line[len - 1] == '\r') line[--len] = '\0';
        if (strlen(line) != len) goto refuse; /* a NUL byte */
        size_t i = 0;
        while (i < len && blank(line[i])) i++;
        if (i == len || line[i] == '#') continue;
        if (strchr(line, '"')) goto refuse;
        for (size_t j = 0; j < len; j++) /* a control character other than tab */
            if (((unsigned char)line[j] < 0x20 && line[j] != '\t') || line[j] == 0x7f) goto refuse;
        /* fields */
        size_t k = 1;
        for (size_t j = 0; j < len; j++) k += line[j] == ',';
        if (seen && k != width) goto refuse;
        char **f = malloc(k * sizeof *f);
        FUZZ_CHECK(f != NULL, "malloc");
        char *p = line;
        for (size_t j = 0; j < k; j++) {
            char *c = strchr(p, ',');
            if (c) *c = '\0';
            while (blank(*p)) p++;
            char *e = p + strlen(p);
            while (e > p && blank(e[-1])) *--e = '\0';
            f[j] = p;
            p = c ? c + 1 : e;
        }
        int header = 0;
        if (!seen) {
            seen = 1;
            width = k;
            for (size_t j = 0; j < k; j++)
                if (*f[j] && !whole_number(f[j])) header = 1;
        }
        if (!header) {
            for (size_t j = 0; j < k; j++) {
                double v;
                if (!data_value(f[j], &v)) {
                    free(f);
                    goto refuse;
                }
                push(r, v);
            }
            rows++;
        }
        free(f);
    }
    free(buf);
    if (rows == 0) {
        r->ok = 0;
        return;
    }
    r->ok = 1;
    r->rows = rows;
    r->cols = width;
    return;
refuse:
    free(buf);
    r->ok = 0;
}

/* ---- the target ------------------------------------------------------------- */

static void load(const char *path, const ref *want, int by_name)
{
    fal_ctx *ctx = fuzz_ctx();
    fal_table *t = NULL;
    fal_status st = by_name ? fal_table_load(ctx, path, &t) : fal_table_load_csv(ctx, path, &t);
    const char *msg = fal_ctx_message(ctx);
    if (st == FAL_OK) {
        FUZZ_CHECK(want->ok, "accepted what the reference refuses (%zu x %zu)", fal_table_rows(t),
                   fal_table_cols(t));
        FUZZ_CHECK(fal_table_rows(t) == want->rows && fal_table_cols(t) == want->cols,
                   "shape %zu x %zu, the reference reads %zu x %zu", fal_table_rows(t), fal_table_cols(t),
                   want->rows, want->cols);
        FUZZ_CHECK(fal_table_field(t) == FAL_REAL, "a complex table from CSV");
        const double *v = fal_table_cdata(t);
        for (size_t e = 0; e < want->n; e++)
            FUZZ_CHECK(memcmp(&v[e], &want->v[e], sizeof v[e]) == 0, "value %zu is %.17g, the reference reads %.17g",
                       e, v[e], want->v[e]);
        fal_table_free(t);
    } else {
        FUZZ_CHECK(t == NULL, "failed but *out was set");
        if (st == FAL_EFORMAT)
            FUZZ_CHECK(!want->ok, "refused what the reference accepts (%zu x %zu): %s", want->rows, want->cols, msg);
        else
            FUZZ_CHECK(st == FAL_ENOMEM, "status %s: %s", fal_errstr(st), msg);
        FUZZ_CHECK(strncmp(msg, path, strlen(path)) == 0, "message does not start with the file: %s", msg);
    }
    fuzz_ctx_done(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ref want;
    reference(data, size, &want);
    char path[600];
    fuzz_write_file("in.csv", data, size, path, sizeof path);
    load(path, &want, size & 1);
    free(want.v);
    return 0;
}
