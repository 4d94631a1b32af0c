/* csv.c -- the strict CSV reader: comma-separated decimal numbers, one row
 * per line.
 *
 * Accepted: an optional UTF-8 byte order mark; '#' comment lines and blank
 * lines anywhere; an optional header (the first non-comment line, when one
 * of its fields is non-empty and not a number); LF or CRLF line ends; blanks
 * (spaces, tabs) around fields; lines of any length up to CSV_LINE_MAX.
 * Refused, with FAL_EFORMAT and "FILE:LINE: ..." naming the field: empty
 * fields, quoted fields, control characters other than tab outside comments
 * (named, with the byte as \xNN), hexadecimal numbers, NaN, Inf, values
 * overflowing a double, anything else strtod does not consume whole, ragged rows, a header
 * whose width differs from the data, files without a data row.
 *
 * One pass, so pipes work: values go into a list of fixed-size blocks while
 * the width and row count are unknown, then into the table.  Peak memory is
 * about twice the values plus one line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/internal.h"

/* Longest line accepted: bytes before the '\n' (a CR of CRLF included). */
#define CSV_LINE_MAX ((size_t)16 << 20)
/* Doubles per block of the value list. */
#define CSV_BLOCK 4096
/* Bytes of a field quoted in a message. */
#define CSV_SHOW 40

typedef struct csv_block {
    struct csv_block *next;
    size_t n;
    double v[CSV_BLOCK];
} csv_block;

typedef struct csv_reader {
    fal_ctx *ctx;
    const char *path;
    FILE *f;
    char *line;         /* NUL-terminated after read_line */
    size_t len, cap;    /* cap bytes allocated through ctx */
    size_t lineno;      /* 1-based number of the line in `line` */
    csv_block *head, *tail;
} csv_reader;

/* Prefix the allocator's message ("what: allocation of N refused") with the
 * place in the file. */
static fal_status csv_oom(csv_reader *r)
{
    char why[FAL_MSG_MAX];
    snprintf(why, sizeof why, "%s", fal_ctx_message(r->ctx));
    if (r->lineno == 0) return fal__fail(r->ctx, FAL_ENOMEM, "%s: %s", r->path, why);
    return fal__fail(r->ctx, FAL_ENOMEM, "%s:%zu: %s", r->path, r->lineno, why);
}

/* Double the line buffer (at least to `need` bytes).  Invalidates r->line. */
static fal_status csv_grow(csv_reader *r, size_t need)
{
    size_t cap = r->cap ? r->cap : need;
    while (cap < need) cap *= 2;
    if (cap > CSV_LINE_MAX + 2 && need <= CSV_LINE_MAX + 2) cap = CSV_LINE_MAX + 2;
    char *p = fal__alloc(r->ctx, cap, "CSV line buffer");
    if (!p) return csv_oom(r);
    if (r->len) memcpy(p, r->line, r->len);
    fal__free(r->ctx, r->line, r->cap);
    r->line = p;
    r->cap = cap;
    return FAL_OK;
}

/* Read the next line into r->line (allocated: r->cap > 0) without its
 * '\n' (a '\r' before it is kept; the caller strips it).  *got = 0 at end
 * of file.  May reallocate r->line. */
static fal_status csv_read_line(csv_reader *r, int *got)
{
    r->len = 0;
    r->lineno++;
    *got = 0;
    int c;
    while ((c = getc_unlocked(r->f)) != EOF) {
        *got = 1;
        if (c == '\n') break;
        if (r->len >= CSV_LINE_MAX)
            return fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: line longer than %zu MiB", r->path, r->lineno,
                             CSV_LINE_MAX >> 20);
        if (r->len + 1 >= r->cap) {
            fal_status st = csv_grow(r, r->len + 2);
            if (st != FAL_OK) return st;
        }
        r->line[r->len++] = (char)c;
    }
    if (c == EOF && ferror(r->f)) {
        int e = errno;
        return fal__fail(r->ctx, FAL_EIO, "%s:%zu: read error: %s", r->path, r->lineno, strerror(e));
    }
    r->line[r->len] = '\0';
    return FAL_OK;
}

static fal_status csv_push(csv_reader *r, double v)
{
    if (!r->tail || r->tail->n == CSV_BLOCK) {
        csv_block *b = fal__alloc(r->ctx, sizeof *b, "CSV values");
        if (!b) return csv_oom(r);
        b->next = NULL;
        b->n = 0;
        if (r->tail) r->tail->next = b;
        else r->head = b;
        r->tail = b;
    }
    r->tail->v[r->tail->n++] = v;
    return FAL_OK;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* A field of the current line: [s, s + n), blanks trimmed. */
typedef struct csv_field {
    char *s;
    size_t n;
} csv_field;

/* Split the line at commas into NUL-terminated, trimmed fields.  With
 * fields == NULL only counts them.  Returns the number of fields. */
static size_t csv_split(char *line, size_t len, csv_field *fields)
{
    size_t k = 0;
    char *p = line, *end = line + len;
    for (;;) {
        char *q = memchr(p, ',', (size_t)(end - p));
        char *e = q ? q : end;
        if (fields) {
            char *a = p, *b = e;
            while (a < b && is_blank(*a)) a++;
            while (b > a && is_blank(b[-1])) b--;
            *b = '\0';
            fields[k].s = a;
            fields[k].n = (size_t)(b - a);
        }
        k++;
        if (!q) break;
        p = q + 1;
    }
    return k;
}

/* strtod consumes the whole (non-empty) field: a number in C's broad sense,
 * hexadecimal, NaN and Inf included.  Decides header versus data. */
static int csv_numeric(const csv_field *fl)
{
    if (fl->n == 0) return 0;
    char *end;
    (void)strtod(fl->s, &end);
    return end == fl->s + fl->n;
}

/* Parse one data field, or fail naming it (k is 1-based).  The rule is
 * fal_number_parse's, which the command line uses too. */
static fal_status csv_number(csv_reader *r, const csv_field *fl, size_t k, double *out)
{
    const char *s = fl->s;
    int show = fl->n > CSV_SHOW ? CSV_SHOW : (int)fl->n;
    const char *more = fl->n > CSV_SHOW ? "..." : "";
    switch (fal_number_parse(s, out)) {
    case FAL_NUMBER_OK:
        return FAL_OK;
    case FAL_NUMBER_EMPTY:
        return fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: field %zu is empty", r->path, r->lineno, k);
    case FAL_NUMBER_HEX:
        return fal__fail(r->ctx, FAL_EFORMAT,
                         "%s:%zu: field %zu '%.*s%s' is a hexadecimal number; only decimal numbers are accepted",
                         r->path, r->lineno, k, show, s, more);
    case FAL_NUMBER_NONFINITE:
        return fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: field %zu '%.*s%s' is not finite; NaN and Inf are refused",
                         r->path, r->lineno, k, show, s, more);
    case FAL_NUMBER_OVERFLOW:
        return fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: field %zu '%.*s%s' overflows a double", r->path, r->lineno,
                         k, show, s, more);
    default:
        return fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: field %zu '%.*s%s' is not a number", r->path, r->lineno, k,
                         show, s, more);
    }
}

/* Read every line: header detection, widths, values into the block list.
 * On success *rows and *cols give the shape (rows >= 1). */
static fal_status csv_scan(csv_reader *r, size_t *rows, size_t *cols)
{
    csv_field *fields = NULL;  /* one per field of the current width */
    size_t nfields = 0;        /* entries allocated in `fields` */
    size_t width = 0;          /* fields per row, 0 until known */
    size_t width_line = 0;     /* the line that set it */
    int width_from_header = 0;
    int seen_content = 0;
    size_t nrows = 0;
    fal_status st = FAL_OK;

    for (;;) {
        int got;
        st = csv_read_line(r, &got);
        if (st != FAL_OK || !got) break;
        char *s = r->line;
        size_t n = r->len;
        if (r->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; n -= 3; }
        if (n && s[n - 1] == '\r') s[--n] = '\0';
        const char *nul = memchr(s, '\0', n);
        if (nul) {
            st = fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: NUL byte at column %zu (a binary file?)", r->path,
                           r->lineno, (size_t)(nul - s) + 1);
            break;
        }
        size_t i = 0;
        while (i < n && is_blank(s[i])) i++;
        if (i == n || s[i] == '#') continue;

        /* Before splitting: a quoted field may hold commas. */
        const char *quote = memchr(s, '"', n);
        if (quote) {
            size_t k = 1;
            for (const char *c = s; c < quote; c++) k += *c == ',';
            st = fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: field %zu is quoted; quoted fields are not supported",
                           r->path, r->lineno, k);
            break;
        }
        /* Control characters (other than tab): refused by name and byte,
         * before a field holding one (1,2\v) passes for a header word and
         * the file for one "without data rows" */
        for (size_t c = 0; c < n; c++) {
            unsigned char b = (unsigned char)s[c];
            if ((b >= 0x20 && b != 0x7f) || b == '\t') continue;
            static const char *const NAMES[] = { [0x08] = "backspace", [0x0b] = "vertical tab",
                                                 [0x0c] = "form feed", [0x0d] = "carriage return",
                                                 [0x1b] = "escape" };
            const char *nm = b < sizeof NAMES / sizeof NAMES[0] && NAMES[b] ? NAMES[b] : "a control character";
            size_t fk = 1;
            for (size_t j = 0; j < c; j++) fk += s[j] == ',';
            st = fal__fail(r->ctx, FAL_EFORMAT,
                           "%s:%zu: field %zu holds the byte \\x%02x (%s); only spaces and tabs may surround a "
                           "value",
                           r->path, r->lineno, fk, b, nm);
            break;
        }
        if (st != FAL_OK) break;
        size_t k = csv_split(s, n, NULL);
        if (width && k != width) {
            if (width_from_header && nrows == 0)
                st = fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: %zu fields, expected %zu (the header on line %zu has %zu)",
                               r->path, r->lineno, k, width, width_line, width);
            else
                st = fal__fail(r->ctx, FAL_EFORMAT, "%s:%zu: %zu fields, expected %zu (ragged row)", r->path,
                               r->lineno, k, width);
            break;
        }
        if (!fields) {
            /* Allocated once, on the line that sets the width. */
            fields = fal__calloc(r->ctx, k, sizeof *fields, "CSV field list");
            if (!fields) { st = csv_oom(r); break; }
            nfields = k;
        }
        csv_split(s, n, fields);

        if (!seen_content) {
            seen_content = 1;
            int header = 0;
            for (size_t j = 0; j < k; j++)
                if (fields[j].n && !csv_numeric(&fields[j])) header = 1;
            width = k;
            width_line = r->lineno;
            if (header) {
                width_from_header = 1;
                continue;
            }
        }
        for (size_t j = 0; j < k; j++) {
            double v = 0;
            st = csv_number(r, &fields[j], j + 1, &v);
            if (st == FAL_OK) st = csv_push(r, v);
            if (st != FAL_OK) break;
        }
        if (st != FAL_OK) break;
        nrows++;
    }
    fal__free(r->ctx, fields, nfields * sizeof *fields);
    if (st != FAL_OK) return st;
    if (nrows == 0) {
        if (width_from_header)
            return fal__fail(r->ctx, FAL_EFORMAT, "%s: no data rows (only the header on line %zu)", r->path,
                             width_line);
        return fal__fail(r->ctx, FAL_EFORMAT, "%s: no data rows", r->path);
    }
    *rows = nrows;
    *cols = width;
    return FAL_OK;
}

fal_status fal_table_load_csv(fal_ctx *ctx, const char *path, fal_table **out)
{
    if (!out) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_csv: out is NULL");
    *out = NULL;
    if (!path) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_csv: path is NULL");
    csv_reader r = { .ctx = ctx, .path = path };
    r.f = fopen(path, "r");
    if (!r.f) {
        int e = errno;
        return fal__fail(ctx, FAL_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    size_t rows = 0, cols = 0;
    fal_status st = csv_grow(&r, 256);
    if (st == FAL_OK) st = csv_scan(&r, &rows, &cols);
    fclose(r.f);
    fal__free(ctx, r.line, r.cap);
    r.line = NULL;

    fal_table *t = NULL;
    if (st == FAL_OK) {
        st = fal_table_new(ctx, rows, cols, FAL_REAL, &t);
        if (st != FAL_OK) {
            char why[FAL_MSG_MAX];
            snprintf(why, sizeof why, "%s", fal_ctx_message(ctx));
            st = fal__fail(ctx, st, "%s: %s", path, why);
        }
    }
    /* The block list holds rows * cols values in row order. */
    size_t at = 0;
    for (csv_block *b = r.head, *next; b; b = next) {
        next = b->next;
        if (t) memcpy(t->v + at, b->v, b->n * sizeof(double));
        at += b->n;
        fal__free(ctx, b, sizeof *b);
    }
    if (st != FAL_OK) return st;
    *out = t;
    return FAL_OK;
}
