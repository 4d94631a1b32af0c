/* test_data.c -- the strict table readers (src/data/csv.c, src/data/npy.c).
 *
 * Oracles: CSV values are written with %.17g (or literally) and must come
 * back bit for bit; .npy fixtures (tests/data/make_fixtures.py) hold values
 * recomputed here with the same IEEE operations, and again as repr() text in
 * *.expected.csv; every refusal is checked for its status, the file name and
 * the line, field or key named in the message; an allocator that fails at
 * the N-th call drives every out-of-memory path. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"

/* ------------------------------------------------------------- helpers */

/* tests/data/NAME, found next to this source file. */
static void fixture(char *buf, size_t cap, const char *name)
{
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    int dir = slash ? (int)(slash - src + 1) : 0;
    snprintf(buf, cap, "%.*sdata/%s", dir, src, name);
}

/* A new file under /tmp holding n bytes of data; its name ends in suffix.
 * path receives the name (cap >= 64).  Returns 1 on success. */
static int tmp_file(char *path, size_t cap, const char *suffix, const void *data, size_t n)
{
    snprintf(path, cap, "/tmp/fal_test_data_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (!CHECK_MSG(fd >= 0, "mkstemps: %s", strerror(errno))) return 0;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return 0;
    }
    int ok = fwrite(data, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!CHECK_MSG(ok, "cannot write %s", path)) {
        unlink(path);
        return 0;
    }
    return 1;
}

/* The message names the file and contains frag. */
static int check_msg(fal_ctx *ctx, const char *file, const char *frag, const char *where, int line)
{
    const char *m = fal_ctx_message(ctx);
    return test_check(strstr(m, file) != NULL && strstr(m, frag) != NULL, where, line,
                      "message \"%s\" lacks the file \"%s\" or \"%s\"", m, file, frag);
}
#define CHECK_MSG_HAS(ctx, file, frag) check_msg((ctx), (file), (frag), __FILE__, __LINE__)

static int check_status(fal_status got, fal_status want, const char *what, int line)
{
    return test_check(got == want, __FILE__, line, "%s: status %s, expected %s", what, fal_errstr(got),
                      fal_errstr(want));
}

/* Load CSV text through a temporary file. */
static fal_status load_csv_text(fal_ctx *ctx, const char *text, size_t n, char *path, size_t cap, fal_table **t)
{
    *t = NULL;
    if (!tmp_file(path, cap, ".csv", text, n)) return FAL_EIO;
    fal_status st = fal_table_load_csv(ctx, path, t);
    unlink(path);
    return st;
}

/* Every value of t equals want[i] bit for bit (== on finite doubles). */
static void check_values(const fal_table *t, const double *want, size_t n, const char *what)
{
    const double *v = fal_table_cdata(t);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] != want[i] && bad++ < 3)
            CHECK_MSG(0, "%s: value %zu is %.17g, expected %.17g", what, i, v[i], want[i]);
    }
    CHECK_MSG(bad == 0, "%s: %zu of %zu values differ", what, bad, n);
}

/* ------------------------------------------------------- CSV, accepted */

TEST(test_data_csv_plain)
{
    fal_ctx *ctx = test_ctx();
    char path[128];
    fal_table *t;
    const char *text = "1,2,3\n-4.5,5e-3,+6\n0.1,-0,1e308";  /* no final newline */
    CHECK_OK(load_csv_text(ctx, text, strlen(text), path, sizeof path, &t));
    if (!t) return;
    CHECK(fal_table_rows(t) == 3);
    CHECK(fal_table_cols(t) == 3);
    CHECK(fal_table_field(t) == FAL_REAL);
    const double want[9] = { 1, 2, 3, -4.5, 5e-3, 6, 0.1, -0.0, 1e308 };
    check_values(t, want, 9, "plain");
    fal_table_free(t);

    /* Underflow is not refused: the nearest double (0 or a subnormal). */
    const char *tiny = "5e-324,1e-400,-2.5e-310\n";
    CHECK_OK(load_csv_text(ctx, tiny, strlen(tiny), path, sizeof path, &t));
    if (!t) return;
    const double want2[3] = { 4.9406564584124654e-324, 0.0, -2.5e-310 };
    check_values(t, want2, 3, "underflow");
    fal_table_free(t);
}

TEST(test_data_csv_header_comments_blanks)
{
    fal_ctx *ctx = test_ctx();
    char path[128];
    fal_table *t;
    /* A comment and a blank line before the header; blanks around fields;
     * comments and blank lines between rows; a header field that is a
     * number ("2") does not stop it being a header. */
    const char *text = "# made by hand\n"
                       "\n"
                       "x, y ,2\n"
                       "  # indented comment\n"
                       "1.5,\t-2 ,7\n"
                       "\t\n"
                       "3e2,4,0.125\n"
                       "# trailing comment\n";
    CHECK_OK(load_csv_text(ctx, text, strlen(text), path, sizeof path, &t));
    if (!t) return;
    CHECK(fal_table_rows(t) == 2);
    CHECK(fal_table_cols(t) == 3);
    const double want[6] = { 1.5, -2, 7, 300, 4, 0.125 };
    check_values(t, want, 6, "header");
    fal_table_free(t);

    /* A header with an empty name (what pandas writes for the index). */
    const char *idx = ",a,b\n0,1.25,2.5\n1,3.75,5\n";
    CHECK_OK(load_csv_text(ctx, idx, strlen(idx), path, sizeof path, &t));
    if (!t) return;
    CHECK(fal_table_rows(t) == 2 && fal_table_cols(t) == 3);
    const double want2[6] = { 0, 1.25, 2.5, 1, 3.75, 5 };
    check_values(t, want2, 6, "index header");
    fal_table_free(t);
}

TEST(test_data_csv_crlf_and_bom)
{
    fal_ctx *ctx = test_ctx();
    char path[128];
    fal_table *t;
    const char *text = "a,b\r\n# c\r\n\r\n1,2\r\n3,4\r\n";
    CHECK_OK(load_csv_text(ctx, text, strlen(text), path, sizeof path, &t));
    if (!t) return;
    CHECK(fal_table_rows(t) == 2 && fal_table_cols(t) == 2);
    const double want[4] = { 1, 2, 3, 4 };
    check_values(t, want, 4, "crlf");
    fal_table_free(t);

    /* A UTF-8 byte order mark before a data row: the row is data, not a
     * header. */
    const char *bom = "\xEF\xBB\xBF" "1,2\r\n3,4";
    CHECK_OK(load_csv_text(ctx, bom, strlen(bom), path, sizeof path, &t));
    if (!t) return;
    CHECK(fal_table_rows(t) == 2 && fal_table_cols(t) == 2);
    check_values(t, want, 4, "bom");
    fal_table_free(t);
}

/* Lines far beyond any fixed buffer: 3 rows of 10000 %.17g values (about
 * 200 KiB each) come back bit for bit. */
TEST(test_data_csv_long_lines)
{
    enum { R = 3, C = 10000 };
    fal_ctx *ctx = test_ctx();
    size_t cap = (size_t)R * C * 32 + 64;
    char *text = malloc(cap);
    double *want = malloc(sizeof(double) * R * C);
    if (!CHECK(text && want)) { free(text); free(want); return; }
    size_t n = 0;
    for (int r = 0; r < R; r++) {
        size_t start = n;
        for (int c = 0; c < C; c++) {
            double v = (double)(r * C + c) / 7.0 - 1.0;
            want[r * C + c] = v;
            n += (size_t)snprintf(text + n, cap - n, "%s%.17g", c ? "," : "", v);
        }
        CHECK(n - start > 64 * 1024);
        n += (size_t)snprintf(text + n, cap - n, "\n");
    }
    char path[128];
    fal_table *t;
    CHECK_OK(load_csv_text(ctx, text, n, path, sizeof path, &t));
    if (t) {
        CHECK(fal_table_rows(t) == R && fal_table_cols(t) == C);
        check_values(t, want, (size_t)R * C, "long lines");
        fal_table_free(t);
    }
    free(text);
    free(want);
}

/* The 16 MiB line limit: a line of exactly 16 MiB (one number written with
 * 16 Mi - 1 leading zeros) is read; one byte more is refused. */
TEST(test_data_csv_line_limit)
{
    fal_ctx *ctx = test_ctx();
    size_t lim = (size_t)16 << 20;
    char *text = malloc(lim + 2);
    if (!CHECK(text)) return;
    memset(text, '0', lim + 1);
    text[lim - 1] = '1';
    text[lim] = '\n';
    char path[128];
    fal_table *t;
    CHECK_OK(load_csv_text(ctx, text, lim + 1, path, sizeof path, &t));
    if (t) {
        CHECK(fal_table_rows(t) == 1 && fal_table_cols(t) == 1);
        CHECK(fal_table_cdata(t)[0] == 1.0);
        fal_table_free(t);
    }
    text[lim - 1] = '0';
    text[lim] = '1';
    text[lim + 1] = '\n';
    fal_status st = load_csv_text(ctx, text, lim + 2, path, sizeof path, &t);
    check_status(st, FAL_EFORMAT, "17 MiB line", __LINE__);
    CHECK(t == NULL);
    CHECK_MSG_HAS(ctx, path, ":1: line longer than 16 MiB");
    free(text);
}

/* ------------------------------------------------------- CSV, refused */

typedef struct csv_bad {
    const char *text;
    size_t len;          /* 0: strlen(text) */
    const char *frag;    /* the message contains "PATH" and this */
} csv_bad;

TEST(test_data_csv_rejects)
{
    static const csv_bad cases[] = {
        { "1,2\nabc,4\n", 0, ":2: field 1 'abc' is not a number" },
        { "x,y\n1,2\n3,4 5\n", 0, ":3: field 2 '4 5' is not a number" },
        { "1,2\n3,1.2.3\n", 0, ":2: field 2 '1.2.3' is not a number" },
        { "1,2\n3,4 # note\n", 0, ":2: field 2 '4 # note' is not a number" },
        { "1,2\n3,1e\n", 0, ":2: field 2 '1e' is not a number" },
        { "1,2,3,4\n5,6,7,8\n# c\n9,10,11\n", 0, ":4: 3 fields, expected 4 (ragged row)" },
        { "1,2\n3,4,5\n", 0, ":2: 3 fields, expected 2 (ragged row)" },
        { "a,b,c\n1,2\n", 0, ":2: 2 fields, expected 3 (the header on line 1 has 3)" },
        { "1,,3\n", 0, ":1: field 2 is empty" },
        { "1,2\n3,\n", 0, ":2: field 2 is empty" },
        { "1,2\n,\n", 0, ":2: field 1 is empty" },
        { "1,2\n0x1p3,4\n", 0, ":2: field 1 '0x1p3' is a hexadecimal number" },
        { "1,2\n-0X10,4\n", 0, ":2: field 1 '-0X10' is a hexadecimal number" },
        { "1,2\nnan,4\n", 0, ":2: field 1 'nan' is not finite" },
        { "nan,1\n2,3\n", 0, ":1: field 1 'nan' is not finite" },
        { "1,0x10\n2,3\n", 0, ":1: field 2 '0x10' is a hexadecimal number" },
        { "1,2\n3,4\n5,6,\n", 0, ":3: 3 fields, expected 2 (ragged row)" },
        { "1,2\n3,-Inf\n", 0, ":2: field 2 '-Inf' is not finite" },
        { "1,2\n3,infinity\n", 0, ":2: field 2 'infinity' is not finite" },
        { "1,2\n3,1e999\n", 0, ":2: field 2 '1e999' overflows a double" },
        { "1,2\n-1e400,1\n", 0, ":2: field 1 '-1e400' overflows a double" },
        { "\"a\",\"b\"\n1,2\n", 0, ":1: field 1 is quoted" },
        { "1,2\n3,\"4\"\n", 0, ":2: field 2 is quoted" },
        { "1,2\n3,\"4,5\"\n", 0, ":2: field 2 is quoted" },
        { "", 0, ": no data rows" },
        { "# only a comment\n\n", 0, ": no data rows" },
        { "x,y\n# nothing\n", 0, ": no data rows (only the header on line 1)" },
        { "1,2\n3\0,4\n", 10, ":2: NUL byte at column 2" },
    };
    fal_ctx *ctx = test_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const csv_bad *c = &cases[i];
        char path[128], what[64];
        fal_table *t = (fal_table *)&t;  /* must be reset to NULL */
        fal_status st = load_csv_text(ctx, c->text, c->len ? c->len : strlen(c->text), path, sizeof path, &t);
        snprintf(what, sizeof what, "case %zu", i);
        check_status(st, FAL_EFORMAT, what, __LINE__);
        CHECK_MSG(t == NULL, "%s: *out not NULL", what);
        if (st == FAL_OK) fal_table_free(t);
        CHECK_MSG_HAS(ctx, path, c->frag);
        CHECK_MSG(strchr(fal_ctx_message(ctx), '\n') == NULL, "%s: message spans lines", what);
    }
}

TEST(test_data_csv_missing_file)
{
    fal_ctx *ctx = test_ctx();
    fal_table *t;
    const char *path = "/tmp/fal_test_data_no_such_file.csv";
    unlink(path);
    check_status(fal_table_load_csv(ctx, path, &t), FAL_EIO, "missing csv", __LINE__);
    CHECK(t == NULL);
    CHECK_MSG_HAS(ctx, path, strerror(ENOENT));
}

/* ------------------------------------------------------- NPY, accepted */

/* The formula of make_fixtures.py. */
static double base(size_t k) { return (double)k / 7.0 - 1.0; }

/* Compare a fixture with its *.expected.csv, loaded by the CSV reader. */
static void check_against_csv(fal_ctx *ctx, const fal_table *t, const char *csv_name)
{
    char path[512];
    fixture(path, sizeof path, csv_name);
    fal_table *e;
    CHECK_OK(fal_table_load_csv(ctx, path, &e));
    if (!e) return;
    size_t per = fal_table_field(t) == FAL_COMPLEX ? 2 : 1;
    CHECK(fal_table_rows(e) == fal_table_rows(t));
    CHECK(fal_table_cols(e) == fal_table_cols(t) * per);
    if (fal_table_rows(e) == fal_table_rows(t) && fal_table_cols(e) == fal_table_cols(t) * per)
        check_values(t, fal_table_cdata(e), fal_table_rows(e) * fal_table_cols(e), csv_name);
    fal_table_free(e);
}

TEST(test_data_npy_accepted)
{
    static const struct {
        const char *name;
        size_t rows, cols;
        int kind;   /* 8: f8, 4: f4 widened, 16: c16 */
        const char *csv;
    } cases[] = {
        { "f8_2d.npy", 5, 3, 8, "f8_2d.expected.csv" },
        { "f4_2d.npy", 4, 3, 4, "f4_2d.expected.csv" },
        { "c16_2d.npy", 3, 4, 16, "c16_2d.expected.csv" },
        { "f8_1d.npy", 6, 1, 8, NULL },
        { "f8_v2.npy", 4, 2, 8, NULL },
        { "f8_v3.npy", 2, 4, 8, NULL },
        { "f8_empty.npy", 0, 3, 8, NULL },
    };
    fal_ctx *ctx = test_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        fixture(path, sizeof path, cases[i].name);
        fal_table *t;
        fal_status st = fal_table_load_npy(ctx, path, &t);
        if (!CHECK_MSG(st == FAL_OK, "%s: %s (%s)", cases[i].name, fal_errstr(st), fal_ctx_message(ctx))) continue;
        size_t rows = cases[i].rows, cols = cases[i].cols, n = rows * cols;
        CHECK_MSG(fal_table_rows(t) == rows && fal_table_cols(t) == cols, "%s: %zu x %zu, expected %zu x %zu",
                  cases[i].name, fal_table_rows(t), fal_table_cols(t), rows, cols);
        CHECK(fal_table_field(t) == (cases[i].kind == 16 ? FAL_COMPLEX : FAL_REAL));
        size_t per = cases[i].kind == 16 ? 2 : 1;
        double *want = malloc(sizeof(double) * (n * per + 1));
        if (!CHECK(want)) { fal_table_free(t); continue; }
        for (size_t k = 0; k < n; k++) {
            if (cases[i].kind == 8) want[k] = base(k);
            else if (cases[i].kind == 4) want[k] = (double)(float)base(k);
            else {
                want[2 * k] = base(k);
                want[2 * k + 1] = (double)k / 3.0;
            }
        }
        if (fal_table_rows(t) == rows && fal_table_cols(t) == cols) check_values(t, want, n * per, cases[i].name);
        if (cases[i].csv) check_against_csv(ctx, t, cases[i].csv);
        free(want);
        fal_table_free(t);
    }
}

/* Every dtype and order NumPy writes for plain numbers, against the values
 * Python's float() gives (tests/data/make_fixtures.py). */
TEST(test_data_npy_dtypes_and_orders)
{
    static const char *const names[] = {
        "dt_b1", "dt_i1", "dt_u1", "dt_i2_le", "dt_i2_be", "dt_u2_le", "dt_u2_be", "dt_i4_le", "dt_i4_be",
        "dt_u4_le", "dt_u4_be", "dt_i8_le", "dt_i8_be", "dt_u8_le", "dt_u8_be", "dt_f2_le", "dt_f2_be",
        "dt_f4_le", "dt_f4_be", "dt_f8_le", "dt_f8_be", "dt_c8_le", "dt_c8_be", "dt_c16_le", "dt_c16_be",
        "fortran_f8", "fortran_i4_be", "fortran_c8",
    };
    fal_ctx *ctx = test_ctx();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512], csv[128];
        snprintf(csv, sizeof csv, "%s.npy", names[i]);
        fixture(path, sizeof path, csv);
        fal_table *t;
        fal_status st = fal_table_load(ctx, path, &t);
        if (!CHECK_MSG(st == FAL_OK, "%s: %s (%s)", names[i], fal_errstr(st), fal_ctx_message(ctx))) continue;
        int cplx = strstr(names[i], "_c") != NULL;
        CHECK_MSG(fal_table_field(t) == (cplx ? FAL_COMPLEX : FAL_REAL), "%s: field", names[i]);
        snprintf(csv, sizeof csv, "%s.expected.csv", names[i]);
        check_against_csv(ctx, t, csv);
        fal_table_free(t);
    }
    /* -0.0 of float16 keeps its sign (== above cannot see it) */
    char path[512];
    fixture(path, sizeof path, "dt_f2_be.npy");
    fal_table *t;
    CHECK_OK(fal_table_load(ctx, path, &t));
    if (t) {
        CHECK(signbit(fal_table_cdata(t)[1]) && fal_table_cdata(t)[1] == 0.0);
        fal_table_free(t);
    }
}

/* .npz: stored and deflated members by name, the only member of a one-array
 * archive, and the refusals. */
TEST(test_data_npz)
{
    fal_ctx *ctx = test_ctx();
    static const struct {
        const char *spec, *csv;
    } ok[] = {
        { "npz_stored.npz:a", "npz_a.expected.csv" },
        { "npz_deflated.npz:a", "npz_a.expected.csv" },
        { "npz_stored.npz:counts", "npz_counts.expected.csv" },
        { "npz_deflated.npz:counts.npy", "npz_counts.expected.csv" },
        { "npz_one.npz", "fortran_f8.expected.csv" },
        { "npz_one.npz:arr_0", "fortran_f8.expected.csv" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char path[512];
        fixture(path, sizeof path, ok[i].spec);
        fal_table *t;
        fal_status st = fal_table_load(ctx, path, &t);
        if (!CHECK_MSG(st == FAL_OK, "%s: %s (%s)", ok[i].spec, fal_errstr(st), fal_ctx_message(ctx))) continue;
        check_against_csv(ctx, t, ok[i].csv);
        fal_table_free(t);
    }
    static const struct {
        const char *spec, *frag;
    } bad[] = {
        { "npz_stored.npz", "holds 2 arrays (a, counts); name one as" },
        { "npz_stored.npz:nope", "no array 'nope' in the archive (it holds: a, counts)" },
        { "bad_npz_crc.npz:a", "bad_npz_crc.npz:a: CRC-32 mismatch" },
        { "bad_npz_not_zip.npz", "not a .npz file (no zip end-of-directory record)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[512];
        fixture(path, sizeof path, bad[i].spec);
        fal_table *t = (fal_table *)&t;
        fal_status st = fal_table_load(ctx, path, &t);
        check_status(st, FAL_EFORMAT, bad[i].spec, __LINE__);
        CHECK(t == NULL);
        CHECK_MSG(strstr(fal_ctx_message(ctx), bad[i].frag) != NULL, "%s: message '%s' lacks '%s'", bad[i].spec,
                  fal_ctx_message(ctx), bad[i].frag);
    }
}

/* The writer: arrays written by fal_npz_write come back through the reader
 * bit for bit (numpy.load's view of the same file: test_cli_save_numpy). */
TEST(test_data_npz_write_roundtrip)
{
    fal_ctx *ctx = test_ctx();
    fal_params *p;
    CHECK_OK(fal_params_new(ctx, &p));
    if (!p) return;
    double a[6] = { 1.5, -2.0, 1e-300, 3.0, 0.1, -0.0 }, c[4] = { 1, 2, 3, -4 }, ints[3] = { -5, 0, 9007199254740992.0 };
    CHECK_OK(fal_params_add(p, "W1", FAL_DT_F8, 2, 2, 3, a));
    CHECK_OK(fal_params_add(p, "z", FAL_DT_C16, 1, 2, 0, c));
    CHECK_OK(fal_params_add(p, "n", FAL_DT_I8, 1, 3, 0, ints));
    CHECK_OK(fal_params_add_text(p, "json", "{\"id\":\"L3\"}"));
    CHECK(fal_params_add(p, "W1", FAL_DT_F8, 1, 1, 0, a) == FAL_EINVAL);
    CHECK(fal_params_add(p, "bad name", FAL_DT_F8, 1, 1, 0, a) == FAL_EINVAL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/fal_test_npz_%d.npz", (int)getpid());
    CHECK_OK(fal_npz_write(ctx, path, p));
    fal_table *t;
    CHECK_OK(fal_table_load_npz(ctx, path, "W1", &t));
    if (t) {
        CHECK(fal_table_rows(t) == 2 && fal_table_cols(t) == 3);
        check_values(t, a, 6, "W1");
        CHECK(signbit(fal_table_cdata(t)[5]));
        fal_table_free(t);
    }
    CHECK_OK(fal_table_load_npz(ctx, path, "z", &t));
    if (t) {
        CHECK(fal_table_field(t) == FAL_COMPLEX && fal_table_rows(t) == 2);
        check_values(t, c, 4, "z");
        fal_table_free(t);
    }
    CHECK_OK(fal_table_load_npz(ctx, path, "n", &t));
    if (t) {
        check_values(t, ints, 3, "n");
        fal_table_free(t);
    }
    /* the JSON member is a 0-d '<U11' array, which the table reader
     * refuses (it is text, not a table) */
    CHECK(fal_table_load_npz(ctx, path, "json", &t) == FAL_EFORMAT);
    CHECK(strstr(fal_ctx_message(ctx), ".npz:json: header key 'shape' is '()'") != NULL);
    unlink(path);
    /* a missing directory, a directory */
    CHECK(fal_npz_write(ctx, "/tmp/fal_no_such_dir_xyz/p.npz", p) == FAL_EIO);
    CHECK(strstr(fal_ctx_message(ctx), "cannot write: No such file or directory") != NULL);
    CHECK(fal_npz_write(ctx, "/tmp", p) == FAL_EIO);
    CHECK(strstr(fal_ctx_message(ctx), "/tmp: cannot write: Is a directory") != NULL);
    fal_params_free(p);
}

/* fal_table_load chooses the reader by the name. */
TEST(test_data_load_dispatch)
{
    fal_ctx *ctx = test_ctx();
    char path[512];
    fal_table *a, *b;
    fixture(path, sizeof path, "f8_2d.npy");
    CHECK_OK(fal_table_load(ctx, path, &a));
    fixture(path, sizeof path, "f8_2d.expected.csv");
    CHECK_OK(fal_table_load(ctx, path, &b));
    if (a && b) {
        CHECK(fal_table_rows(a) == 5 && fal_table_rows(b) == 5);
        check_values(a, fal_table_cdata(b), 15, "dispatch");
    }
    fal_table_free(a);
    fal_table_free(b);
}

/* ------------------------------------------------------- NPY, refused */

TEST(test_data_npy_rejects)
{
    static const struct {
        const char *name;
        const char *frag;
    } cases[] = {
        { "bad_magic.npy", "not a .npy file" },
        { "bad_version.npy", "version 4.0 is not supported" },
        { "bad_fortran_value.npy", "header key 'fortran_order' is '0', not True or False" },
        { "bad_bar_f8.npy", "dtype '|f8' is not supported" },
        { "bad_object.npy", "dtype '|O' (Python objects) is not supported" },
        { "bad_int64_inexact.npy", "row 2, column 2 (index [1, 1]) is 9007199254740993, which no double equals" },
        { "bad_uint64_inexact.npy", "row 2 (index [1]) is 18446744073709551615, which no double equals" },
        { "bad_f2_inf.npy", "row 1, column 2 (index [0, 1]) is +Inf" },
        { "bad_datetime.npy", "dtype '<M8[s]' is not supported" },
        { "bad_longdouble.npy", "dtype '<f16' is not supported" },
        { "bad_bool_byte.npy", "row 3 (index [2]) is byte 0x02, not a bool" },
        { "bad_structured.npy", "header key 'descr' is a list (a structured dtype)" },
        { "bad_missing_key.npy", "header has no key 'shape'" },
        { "bad_duplicate_key.npy", "header key 'descr' appears twice" },
        { "bad_extra_key.npy", "header has an extra key 'order'" },
        { "bad_not_dict.npy", "header is not a dict literal: expected '{' at byte 0, found '['" },
        { "bad_rank3.npy", "header key 'shape' is '(2, 2, 2)' with 3 dimensions" },
        { "bad_rank0.npy", "header key 'shape' is '()' with 0 dimensions" },
        { "bad_negative_shape.npy", "header key 'shape' has a negative entry '-2'" },
        { "bad_float_shape.npy", "header key 'shape' has a non-integer entry '2.0'" },
        { "bad_paren_shape.npy", "header key 'shape' is '(6)', an integer in parentheses, not a tuple" },
        { "bad_huge_shape.npy", "header key 'shape' entry '18446744073709551616' overflows size_t" },
        { "bad_overflow_shape.npy", "shape (4611686018427387904, 8) of 8-byte items overflows size_t" },
        { "bad_header_past_eof.npy", "header length 5000 runs past the end of the file" },
        { "bad_truncated.npy", "expected 176 (128 header + 2 x 3 x 8 data): data truncated" },
        { "bad_trailing.npy", "expected 176 (128 header + 2 x 3 x 8 data): trailing bytes" },
        { "bad_nan.npy", "row 2, column 3 (index [1, 2]) is NaN" },
        { "bad_inf_f4.npy", "row 2, column 1 (index [1, 0]) is -Inf" },
        { "bad_c16_nan_imag.npy", "the imaginary part of row 3, column 2 (index [2, 1]) is NaN" },
        { "bad_nan_1d.npy", "row 4 (index [3]) is +Inf" },
    };
    fal_ctx *ctx = test_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        fixture(path, sizeof path, cases[i].name);
        fal_table *t = (fal_table *)&t;
        fal_status st = fal_table_load_npy(ctx, path, &t);
        check_status(st, FAL_EFORMAT, cases[i].name, __LINE__);
        CHECK_MSG(t == NULL, "%s: *out not NULL", cases[i].name);
        if (st == FAL_OK) fal_table_free(t);
        CHECK_MSG_HAS(ctx, path, cases[i].frag);
        CHECK_MSG(strchr(fal_ctx_message(ctx), '\n') == NULL, "%s: message spans lines", cases[i].name);
    }
}

/* Refusals that need no fixture: a missing file, a file shorter than the
 * prefix, an empty file, a header over the length limit, a header with a NUL
 * byte. */
TEST(test_data_npy_missing_and_short)
{
    fal_ctx *ctx = test_ctx();
    fal_table *t;
    const char *missing = "/tmp/fal_test_data_no_such_file.npy";
    unlink(missing);
    check_status(fal_table_load_npy(ctx, missing, &t), FAL_EIO, "missing npy", __LINE__);
    CHECK(t == NULL);
    CHECK_MSG_HAS(ctx, missing, strerror(ENOENT));

    char path[128];
    if (tmp_file(path, sizeof path, ".npy", "\x93NUMPY\x01", 7)) {
        check_status(fal_table_load_npy(ctx, path, &t), FAL_EFORMAT, "7-byte npy", __LINE__);
        CHECK_MSG_HAS(ctx, path, "file too short");
        unlink(path);
    }
    if (tmp_file(path, sizeof path, ".npy", "", 0)) {
        check_status(fal_table_load_npy(ctx, path, &t), FAL_EFORMAT, "empty npy", __LINE__);
        CHECK_MSG_HAS(ctx, path, "not a .npy file");
        unlink(path);
    }
    /* A version 2.0 header length of 2 MiB in a file that long. */
    size_t big = ((size_t)2 << 20) + 12;
    unsigned char *b = calloc(big, 1);
    if (CHECK(b)) {
        memcpy(b, "\x93NUMPY\x02\x00\x00\x00\x20\x00", 12);
        if (tmp_file(path, sizeof path, ".npy", b, big)) {
            check_status(fal_table_load_npy(ctx, path, &t), FAL_EFORMAT, "2 MiB header", __LINE__);
            CHECK_MSG_HAS(ctx, path, ": header length 2097152 is over the 1 MiB limit");
            unlink(path);
        }
        free(b);
    }
    static const char nul[] = "\x93NUMPY\x01\x00\x06\x00{'de\0'";
    if (tmp_file(path, sizeof path, ".npy", nul, sizeof nul - 1)) {
        check_status(fal_table_load_npy(ctx, path, &t), FAL_EFORMAT, "npy NUL header", __LINE__);
        CHECK_MSG_HAS(ctx, path, ": header is not a dict literal: NUL byte at byte 4");
        unlink(path);
    }
}

/* ------------------------------------------------------ pipes (FIFOs) */

/* The whole of a fixture, malloc'd; NULL on failure. */
static unsigned char *slurp(const char *name, size_t *n)
{
    char path[512];
    fixture(path, sizeof path, name);
    FILE *f = fopen(path, "rb");
    if (!CHECK_MSG(f != NULL, "cannot open %s", path)) return NULL;
    unsigned char *b = malloc(1 << 16);
    *n = b ? fread(b, 1, 1 << 16, f) : 0;
    fclose(f);
    return b;
}

/* Load n bytes written by a child process into a FIFO named .../pipeSUFFIX
 * (path receives the name): the readers cannot stat a size there and must
 * find truncation and trailing bytes while reading. */
static fal_status load_fifo(fal_ctx *ctx, fal_status (*load)(fal_ctx *, const char *, fal_table **),
                            const void *data, size_t n, const char *suffix, char *path, size_t cap, fal_table **t)
{
    *t = NULL;
    char dir[] = "/tmp/fal_test_data_XXXXXX";
    if (!CHECK_MSG(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno))) return FAL_EIO;
    snprintf(path, cap, "%s/pipe%s", dir, suffix);
    fal_status st = FAL_EIO;
    if (CHECK_MSG(mkfifo(path, 0600) == 0, "mkfifo: %s", strerror(errno))) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(path, O_WRONLY);
            const char *p = data;
            while (fd >= 0 && n) {
                ssize_t w = write(fd, p, n);
                if (w <= 0) break;
                p += w;
                n -= (size_t)w;
            }
            _exit(0);
        }
        if (CHECK(pid > 0)) {
            st = load(ctx, path, t);
            waitpid(pid, NULL, 0);
        }
        unlink(path);
    }
    rmdir(dir);
    return st;
}

TEST(test_data_fifo)
{
    fal_ctx *ctx = test_ctx();
    char path[128];
    fal_table *t;
    size_t n;
    unsigned char *b = slurp("f8_2d.npy", &n);
    if (!b) return;
    CHECK(n == 128 + 15 * 8);
    CHECK_OK(load_fifo(ctx, fal_table_load_npy, b, n, ".npy", path, sizeof path, &t));
    if (t) {
        CHECK(fal_table_rows(t) == 5 && fal_table_cols(t) == 3);
        double want[15];
        for (size_t k = 0; k < 15; k++) want[k] = base(k);
        check_values(t, want, 15, "fifo");
        fal_table_free(t);
    }
    check_status(load_fifo(ctx, fal_table_load_npy, b, n - 12, ".npy", path, sizeof path, &t), FAL_EFORMAT,
                 "fifo truncated", __LINE__);
    CHECK_MSG_HAS(ctx, path, ": data truncated: 12 of 120 data bytes missing");
    memset(b + n, 0, 3);
    check_status(load_fifo(ctx, fal_table_load_npy, b, n + 3, ".npy", path, sizeof path, &t), FAL_EFORMAT,
                 "fifo trailing", __LINE__);
    CHECK_MSG_HAS(ctx, path, ": trailing bytes after the 120 data bytes");
    check_status(load_fifo(ctx, fal_table_load_npy, b, 100, ".npy", path, sizeof path, &t), FAL_EFORMAT,
                 "fifo short header", __LINE__);
    CHECK_MSG_HAS(ctx, path, ": header length 118 runs past the end of the file");
    free(b);

    const char *csv = "x,y\n1,2\n3,4\n";
    CHECK_OK(load_fifo(ctx, fal_table_load_csv, csv, strlen(csv), ".csv", path, sizeof path, &t));
    if (t) {
        const double want[4] = { 1, 2, 3, 4 };
        CHECK(fal_table_rows(t) == 2 && fal_table_cols(t) == 2);
        check_values(t, want, 4, "fifo csv");
        fal_table_free(t);
    }
}

/* ---------------------------------------------------- memory refusals */

/* Load with the N-th allocation refused, N = 1, 2, ... until the load
 * succeeds: every refusal is FAL_ENOMEM naming the file, with nothing left
 * allocated.  Returns the number of refusals seen. */
static long inject(fal_ctx *ctx, test_failing *f, const char *path, fal_status (*load)(fal_ctx *, const char *, fal_table **))
{
    for (long n = 1; n < 10000; n++) {
        f->count = 0;
        f->fail_at = n;
        fal_table *t;
        fal_status st = load(ctx, path, &t);
        f->fail_at = 0;
        if (st == FAL_OK) {
            CHECK(t != NULL);
            fal_table_free(t);
            CHECK(fal_ctx_mem_in_use(ctx) == 0);
            return n - 1;
        }
        CHECK_MSG(st == FAL_ENOMEM, "%s, allocation %ld refused: %s (%s)", path, n, fal_errstr(st),
                  fal_ctx_message(ctx));
        CHECK_MSG(t == NULL, "allocation %ld refused: *out not NULL", n);
        CHECK_MSG(fal_ctx_mem_in_use(ctx) == 0, "allocation %ld refused: %zu bytes left", n,
                  fal_ctx_mem_in_use(ctx));
        CHECK_MSG_HAS(ctx, path, "refused");
    }
    CHECK_MSG(0, "%s never loaded", path);
    return 0;
}

TEST(test_data_alloc_failure)
{
    test_failing f = { 0, 0 };
    fal_allocator a = test_failing_allocator(&f);
    fal_ctx *ctx;
    if (!CHECK(fal_ctx_new(&ctx, &a) == FAL_OK)) return;

    /* A CSV that grows the line buffer (a 2000-byte comment) and fills
     * several value blocks (3000 x 3 values). */
    size_t cap = 2100 + 3000 * 80;
    char *text = malloc(cap);
    if (CHECK(text)) {
        size_t n = 0;
        text[n++] = '#';
        memset(text + n, '-', 2000);
        n += 2000;
        n += (size_t)snprintf(text + n, cap - n, "\nx,y,z\n");
        for (int r = 0; r < 3000; r++)
            n += (size_t)snprintf(text + n, cap - n, "%.17g,%d,%.17g\n", base((size_t)r), r, -base((size_t)r));
        char path[128];
        if (tmp_file(path, sizeof path, ".csv", text, n)) {
            long refusals = inject(ctx, &f, path, fal_table_load_csv);
            CHECK_MSG(refusals >= 6, "only %ld allocations in the CSV load", refusals);
            unlink(path);
        }
        free(text);
    }

    static const char *const npy[] = { "f8_2d.npy", "f4_2d.npy", "c16_2d.npy" };
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        fixture(path, sizeof path, npy[i]);
        long refusals = inject(ctx, &f, path, fal_table_load_npy);
        CHECK_MSG(refusals >= 3, "only %ld allocations in the npy load", refusals);
    }
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
    fal_ctx_free(ctx);
}

/* The context's memory budget refuses the table before it is allocated. */
TEST(test_data_mem_budget)
{
    fal_ctx *ctx = test_ctx();
    char path[512];
    fal_table *t;
    fixture(path, sizeof path, "f8_2d.npy");
    fal_ctx_set_mem_limit(ctx, 200);
    check_status(fal_table_load_npy(ctx, path, &t), FAL_ENOMEM, "npy over budget", __LINE__);
    CHECK(t == NULL);
    CHECK_MSG_HAS(ctx, path, "available");
    fixture(path, sizeof path, "f8_2d.expected.csv");
    check_status(fal_table_load_csv(ctx, path, &t), FAL_ENOMEM, "csv over budget", __LINE__);
    CHECK(t == NULL);
    CHECK_MSG_HAS(ctx, path, "available");
    fal_ctx_set_mem_limit(ctx, 0);
}

/* --inputs/--targets: ranges, single columns, header names, order, and the
 * refusals; values checked against the source table cell by cell. */
TEST(test_data_table_select)
{
    fal_ctx *ctx = test_ctx();
    static const char text[] = "a, b ,c,d,t\n1,2,3,4,5\n6,7,8,9,10\n";
    char path[64];
    fal_table *t;
    if (!tmp_file(path, sizeof path, ".csv", text, sizeof text - 1)) return;
    CHECK_OK(fal_table_load_csv(ctx, path, &t));
    unlink(path);
    if (!t) return;
    static const struct {
        const char *in, *tg;
        size_t cols[5], n;
    } ok[] = {
        { "0:2", "4", { 0, 1, 4 }, 3 },
        { NULL, "t", { 0, 1, 2, 3, 4 }, 5 },
        { NULL, "b", { 0, 2, 3, 4, 1 }, 5 },
        { "d,b", "a", { 3, 1, 0 }, 3 },
        { ":2,3:", NULL, { 0, 1, 3, 4 }, 4 },
        { "2", NULL, { 2 }, 1 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        fal_table *s;
        fal_status st = fal_table_select(ctx, t, ok[i].in, ok[i].tg, &s);
        if (!CHECK_MSG(st == FAL_OK, "case %zu: %s", i, fal_ctx_message(ctx))) continue;
        CHECK(fal_table_rows(s) == 2 && fal_table_cols(s) == ok[i].n);
        for (size_t r = 0; r < 2 && fal_table_cols(s) == ok[i].n; r++)
            for (size_t j = 0; j < ok[i].n; j++)
                CHECK_MSG(fal_table_cdata(s)[r * ok[i].n + j] == fal_table_cdata(t)[r * 5 + ok[i].cols[j]],
                          "case %zu row %zu col %zu", i, r, j);
        fal_table_free(s);
    }
    static const struct {
        const char *in, *tg, *frag;
    } bad[] = {
        { "0:9", NULL, "--inputs '0:9': column range 0:9 is outside the table's 5 columns" },
        { "7", NULL, "--inputs '7': column 7 is outside the table's 5 columns" },
        { "zz", NULL, "--inputs 'zz': no column named 'zz' in the header" },
        { "3:1", NULL, "column range 3:1 is outside" },
        { "0:2", "1", "column 1 is both an input and a target" },
        { "", NULL, "--inputs '': no columns given" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fal_table *s = (fal_table *)&s;
        CHECK(fal_table_select(ctx, t, bad[i].in, bad[i].tg, &s) == FAL_EINVAL);
        CHECK(s == NULL);
        CHECK_MSG(strstr(fal_ctx_message(ctx), bad[i].frag) != NULL, "'%s' lacks '%s'", fal_ctx_message(ctx),
                  bad[i].frag);
    }
    fal_table_free(t);
}
