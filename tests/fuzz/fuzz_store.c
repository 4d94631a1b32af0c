/* fuzz_store.c -- the runs database's row decoder (src/store/store.c,
 * key.c) and its consumers, on rows of arbitrary values and SQLite types.
 *
 * The input is NUL-separated pieces.  Piece 0 holds option letters:
 *   'P'  put mode: a fal_result is built from the pieces and stored with
 *        fal_store_put (the writer), then read back and compared;
 *   else raw mode: one row is written with SQLite directly, each of the 25
 *        columns taking a fuzzed value of a fuzzed type;
 *   'R'  then fal_report_write runs on the database (the report decodes
 *        every row: key fields, widths text, extras, the curve text);
 *        'J' lets it take Jacobian ranks (max_rank_w 1e5 instead of 0).
 * Raw mode: pieces 1..25 are the columns in schema order, each a type
 * letter and the value: 'i' integer (strtoll), 'r' real (strtod), 't' text,
 * 'b' blob, 'n' NULL, 'x' then 't' or 'b' then hex digits (bytes with NUL
 * inside), 'k' or absent: a valid template row's value; any other first
 * letter: the whole piece as text.  Pieces after the columns come in pairs
 * (JSON text, name) given to fal_store_extra.
 * Put mode: 1 id, 2 family, 3 widths (run-length text), 4 note ("" none),
 * 5 "train test optimum log2_classes bits seconds", 6 "params examples seed
 * steps converged", 7 curve "step:error ...", then pairs (extra name,
 * value).
 *
 * Oracles: values of a column's own type read back exactly (NULL reals as
 * NaN); a row with a cell its column's type does not take (text or a blob
 * for a number: SQLite's typeof) is refused with FAL_EFORMAT, by the
 * iterator and by the report, never read as 0; a written report's page
 * and headline figure are XML text (well-formed UTF-8, no control bytes); fal_store_put's row reads back as the result it came from (texts,
 * counts, doubles bit for bit or NaN for non-finite, the widths text
 * parsing to the same architecture, each extra found by fal_store_extra,
 * the curve in its documented [[step,error],...] form); fal_store_extra
 * returns NaN or a finite number; fal_store_key_field agrees with a naive
 * split of the key; the iterator ends after the one row; nothing allocated
 * through the context stays.  The database lives on tmpfs: the store's
 * synchronous commits cost no disk flush. */
#include <sqlite3.h>
#include <stddef.h>
#include "fuzz_common.h"

#define NCOLS 25
#define MAX_PIECES 96

static char db_path[600];
static char report_dir[600];
/* Our own connection, for writing rows directly; opened per input, so that
 * SQLite's caches are freed within the input (libFuzzer's leak check runs a
 * slow full scan after any input that ends with more mallocs than frees). */
static sqlite3 *raw;

static const char *const COLS[NCOLS] = { "key", "id", "family", "algo", "widths", "depth", "params", "examples",
                                         "seed", "train_error", "test_error", "optimum_error", "log2_classes",
                                         "bits_provided", "converged", "steps", "seconds", "note", "extras",
                                         "curve", "version", "threads", "blas", "host", "timestamp" };

/* A valid row, as fal_store_put writes one. */
static const char *const TEMPLATE[NCOLS] = {
    ("tfamily=linear;arch=2^2;k=4;test=1000;algo=default;init=default;field=real;subspace=0;features=0;power=2;"
     "units=sign;degree=1;steps=0;lr=0;tol=0;data=none;seed=1"),
    "tL1", "tlinear", "tgd", "t2^2", "i1", "i4", "i4", "i1", "r0.25", "r0.5", "r0.125", "n", "r12",
    "i1", "i10", "r0.01", "n", "t{\"gap\":0,\"unseen_inputs\":3}", "t[[0,1],[1,0.5],[2,0.25]]", "t0.1.0",
    "i1", "tOpenBLAS; threads=1", "thost", "t2024-01-01T00:00:00Z"
};

static void sql_ok(int rc, const char *what)
{
    FUZZ_CHECK(rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW, "%s: %s", what, sqlite3_errmsg(raw));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* No per-connection lookaside arena: each input opens connections, and
     * under ASan a fresh 120 KB arena per open costs more than the rest. */
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
    snprintf(db_path, sizeof db_path, "%s/runs.sqlite", fuzz_scratch());
    snprintf(report_dir, sizeof report_dir, "%s/report", fuzz_scratch());
    unlink(db_path);
    fal_ctx *ctx = fuzz_ctx();
    fal_store *s = NULL;
    FUZZ_CHECK(fal_store_open(ctx, db_path, FAL_STORE_CREATE, &s) == FAL_OK, "%s", fal_ctx_message(ctx));
    fal_store_close(s);
    fuzz_ctx_done(ctx);
    return 0;
}

/* ---- pieces and typed values --------------------------------------------------- */

typedef struct piece {
    const char *s;
    size_t n;
} piece;

typedef struct value {
    int type;            /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL */
    long long i;
    double r;
    const char *s;
    size_t n;
    unsigned char hex[2048];
} value;

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void decode_value(const char *p, size_t n, value *v)
{
    memset(v, 0, offsetof(value, hex));
    if (n == 0) { v->type = SQLITE_TEXT; v->s = p; return; }
    switch (p[0]) {
    case 'n': v->type = SQLITE_NULL; return;
    case 'i': v->type = SQLITE_INTEGER; v->i = strtoll(p + 1, NULL, 0); return;
    case 'r': v->type = SQLITE_FLOAT; v->r = strtod(p + 1, NULL); return;
    case 't': v->type = SQLITE_TEXT; v->s = p + 1; v->n = n - 1; return;
    case 'b': v->type = SQLITE_BLOB; v->s = p + 1; v->n = n - 1; return;
    case 'x': {
        v->type = n > 1 && p[1] == 'b' ? SQLITE_BLOB : SQLITE_TEXT;
        size_t k = 0;
        for (size_t j = 2; j + 1 < n && k < sizeof v->hex; j += 2) {
            int a = hexval(p[j]), b = hexval(p[j + 1]);
            if (a < 0 || b < 0) break;
            v->hex[k++] = (unsigned char)(a << 4 | b);
        }
        v->s = (const char *)v->hex;
        v->n = k;
        return;
    }
    default: v->type = SQLITE_TEXT; v->s = p; v->n = n; return;
    }
}

static void bind_value(sqlite3_stmt *q, int i, const value *v)
{
    switch (v->type) {
    case SQLITE_NULL: sqlite3_bind_null(q, i); break;
    case SQLITE_INTEGER: sqlite3_bind_int64(q, i, v->i); break;
    case SQLITE_FLOAT: sqlite3_bind_double(q, i, v->r); break;
    case SQLITE_TEXT: sqlite3_bind_text(q, i, v->s, (int)v->n, SQLITE_STATIC); break;
    default: sqlite3_bind_blob(q, i, v->s, (int)v->n, SQLITE_STATIC); break;
    }
}

/* ---- checks on a decoded row ---------------------------------------------------- */

/* fal_store_key_field against a naive split of the key at ';'. */
static void check_key_field(const char *key, const char *name)
{
    size_t nl = strlen(name);
    const char *want = NULL;
    size_t wn = 0;
    for (const char *p = key; p && *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            want = p + nl + 1;
            wn = len - nl - 1;
            break;
        }
        p = e ? e + 1 : NULL;
    }
    static const size_t caps[4] = { 0, 1, 5, 64 };
    for (int c = 0; c < 4; c++) {
        char buf[64];
        memset(buf, 'Z', sizeof buf);
        int got = fal_store_key_field(key, name, buf, caps[c]);
        FUZZ_CHECK(got == (want != NULL), "key field '%s': %d", name, got);
        if (caps[c] == 0) {
            FUZZ_CHECK(buf[0] == 'Z', "key field wrote into a 0-byte buffer");
            continue;
        }
        size_t n = want ? (wn < caps[c] ? wn : caps[c] - 1) : 0;
        FUZZ_CHECK(strlen(buf) == n && (n == 0 || memcmp(buf, want, n) == 0), "key field '%s' is '%s'", name, buf);
    }
}

static void check_extra(const char *json, const char *name)
{
    double v = fal_store_extra(json, name);
    FUZZ_CHECK(isnan(v) || isfinite(v), "fal_store_extra('%.60s', '%s') = %g: neither a number nor NaN", json, name,
               v);
}

/* Everything a reader does with a row, whatever its contents. */
static void decode_row(fal_ctx *ctx, const fal_store_row *r)
{
    FUZZ_CHECK(r->key && r->id && r->family && r->algo && r->widths && r->extras && r->version && r->blas &&
                   r->host && r->timestamp,
               "a NULL string where the decoder promises one");
    static const char *const names[] = { "gap", "unseen_inputs", "n4_optimum", "", "a" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) check_extra(r->extras, names[i]);
    static const char *const fields[] = { "family", "arch", "k", "seed", "data", "field", "" };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) check_key_field(r->key, fields[i]);
    fal_arch *a = NULL;
    fal_status st = fal_store_arch_parse(ctx, r->widths, &a);
    FUZZ_CHECK(st == FAL_OK || st == FAL_EINVAL || st == FAL_ERANGE || st == FAL_ENOMEM, "arch parse: %s",
               fal_errstr(st));
    FUZZ_CHECK((st == FAL_OK) == (a != NULL), "arch parse: status and result disagree");
    fal_arch_free(a);
}

/* ---- raw mode --------------------------------------------------------------------- */

static void raw_row(const piece *pc, size_t np, value *vals)
{
    sql_ok(sqlite3_exec(raw, "DELETE FROM runs", NULL, NULL, NULL), "delete");
    sqlite3_stmt *q = NULL;
    /* the columns named: the store's later columns (config) stay NULL, as
     * in a database written before them */
    char sql[1024];
    size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO runs(");
    for (int c = 0; c < NCOLS; c++) o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", c ? "," : "", COLS[c]);
    o += (size_t)snprintf(sql + o, sizeof sql - o, ") VALUES(");
    for (int c = 0; c < NCOLS; c++) o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?%d", c ? "," : "", c + 1);
    snprintf(sql + o, sizeof sql - o, ")");
    sql_ok(sqlite3_prepare_v2(raw, sql, -1, &q, NULL), "prepare");
    for (int c = 0; c < NCOLS; c++) {
        const char *p = TEMPLATE[c];
        size_t n = strlen(p);
        if ((size_t)c + 1 < np && !(pc[c + 1].n >= 1 && pc[c + 1].s[0] == 'k')) {
            p = pc[c + 1].s;
            n = pc[c + 1].n;
        }
        decode_value(p, n, &vals[c]);
        bind_value(q, c + 1, &vals[c]);
    }
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    /* a NULL in a NOT NULL column: no row, still a database to read */
    FUZZ_CHECK(rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT, "insert: %s", sqlite3_errmsg(raw));
    if (rc != SQLITE_DONE) vals[0].type = -1;
}

/* Does the stored row hold a cell of a type its column does not take (the
 * decoder refuses the row then, FAL_EFORMAT)?  Asked of SQLite's typeof,
 * against the schema's declared types: integers for the counts, a real,
 * an integer or NULL for the errors, text for the texts (NULL where the
 * schema allows it). */
static int stored_bad_types(void)
{
    static const char KINDS[NCOLS + 1] = "tttttiiiirrrrriirTtTtiTTt";
    char sql[1024] = "SELECT ";
    for (int c = 0; c < NCOLS; c++) {
        strcat(sql, c ? ", typeof(" : "typeof(");
        strcat(sql, COLS[c]);
        strcat(sql, ")");
    }
    strcat(sql, " FROM runs");
    sqlite3_stmt *q = NULL;
    sql_ok(sqlite3_prepare_v2(raw, sql, -1, &q, NULL), "typeof");
    int bad = 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        for (int c = 0; c < NCOLS; c++) {
            const char *t = (const char *)sqlite3_column_text(q, c);
            char k = KINDS[c];
            int ok = k == 'i'   ? !strcmp(t, "integer")
                     : k == 'r' ? !strcmp(t, "real") || !strcmp(t, "integer") || !strcmp(t, "null")
                     : k == 't' ? !strcmp(t, "text")
                                : !strcmp(t, "text") || !strcmp(t, "null");
            bad |= !ok;
        }
    sqlite3_finalize(q);
    return bad;
}

/* A column of a type the decoder reads as is comes back unchanged. */
static void check_raw(const fal_store_row *r, const value *vals)
{
    static const int text_cols[] = { 0, 1, 2, 3, 4, 17, 18, 19, 20, 22, 23, 24 };
    const char *texts[] = { r->key, r->id, r->family, r->algo, r->widths, r->note, r->extras, r->curve,
                            r->version, r->blas, r->host, r->timestamp };
    for (size_t i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++) {
        const value *v = &vals[text_cols[i]];
        if (v->type != SQLITE_TEXT || memchr(v->s, '\0', v->n)) continue;
        FUZZ_CHECK(texts[i] && strlen(texts[i]) == v->n && memcmp(texts[i], v->s, v->n) == 0, "column %s",
                   COLS[text_cols[i]]);
    }
    static const int int_cols[] = { 5, 6, 7, 8, 15 };
    const uint64_t ints[] = { r->depth, r->params, r->examples, r->seed, r->steps };
    for (size_t i = 0; i < 5; i++) {
        const value *v = &vals[int_cols[i]];
        if (v->type == SQLITE_INTEGER)
            FUZZ_CHECK(ints[i] == (uint64_t)v->i, "column %s: %llu, stored %lld", COLS[int_cols[i]],
                       (unsigned long long)ints[i], v->i);
    }
    static const int real_cols[] = { 9, 10, 11, 12, 13, 16 };
    const double reals[] = { r->train_error, r->test_error, r->optimum_error, r->log2_classes, r->bits_provided,
                             r->seconds };
    for (size_t i = 0; i < 6; i++) {
        const value *v = &vals[real_cols[i]];
        if (v->type == SQLITE_NULL || (v->type == SQLITE_FLOAT && isnan(v->r)))
            FUZZ_CHECK(isnan(reals[i]), "column %s: NULL read as %g", COLS[real_cols[i]], reals[i]);
        else if (v->type == SQLITE_FLOAT)
            FUZZ_CHECK(reals[i] == v->r, "column %s: %.17g, stored %.17g", COLS[real_cols[i]], reals[i], v->r);
    }
    if (vals[14].type == SQLITE_INTEGER) FUZZ_CHECK(r->converged == (vals[14].i != 0), "converged");
}

/* ---- put mode ------------------------------------------------------------------------ */

typedef struct put_in {
    fal_config cfg;
    fal_result res;
    fal_arch *arch;
    char widths[256];
} put_in;

static const char *pz(const piece *pc, size_t np, size_t i) { return i < np ? pc[i].s : ""; }

static void build_put(fal_ctx *ctx, const piece *pc, size_t np, put_in *in)
{
    memset(in, 0, sizeof *in);
    fal_config_init(&in->cfg);
    fal_result *res = &in->res;
    res->id = pz(pc, np, 1);
    res->family = pz(pc, np, 2);
    size_t nf;
    in->cfg.family = fal_family_find(res->family);
    if (!in->cfg.family) in->cfg.family = &fal_families(&nf)[0];
    if (fal_store_arch_parse(ctx, pz(pc, np, 3), &in->arch) != FAL_OK)
        FUZZ_CHECK(fal_arch_uniform(ctx, 1, 1, &in->arch) == FAL_OK, "uniform arch");
    in->cfg.arch = in->arch;
    res->arch = in->arch;
    res->note = np > 4 && pc[4].n ? pc[4].s : NULL;
    res->algo = "default";
    double d[6] = { NAN, NAN, NAN, NAN, NAN, NAN };
    const char *p = pz(pc, np, 5);
    for (int i = 0; i < 6 && *p; i++) {
        char *e;
        d[i] = strtod(p, &e);
        if (e == p) break;
        p = e;
    }
    res->train_error = d[0];
    res->test_error = d[1];
    res->optimum_error = d[2];
    res->log2_classes = d[3];
    res->bits_provided = d[4];
    res->seconds = d[5];
    unsigned long long u[5] = { 0, 0, 0, 0, 0 };
    p = pz(pc, np, 6);
    for (int i = 0; i < 5 && *p; i++) {
        char *e;
        u[i] = strtoull(p, &e, 0);
        if (e == p) break;
        p = e;
    }
    res->params = u[0];
    res->examples = u[1];
    res->seed = u[2];
    res->steps = u[3];
    res->converged = u[4] != 0;
    in->cfg.seed = u[2];
    in->cfg.examples = (size_t)u[1];
    in->cfg.examples_set = u[1] != 0;
    p = pz(pc, np, 7);
    while (*p && res->ncurve < FAL_MAX_CURVE) {
        char *e;
        unsigned long long s = strtoull(p, &e, 10);
        if (e == p || *e != ':') break;
        p = e + 1;
        double err = strncmp(p, "nan", 3) == 0 ? NAN : strtod(p, &e);
        if (e == p) break;
        p = e;
        res->curve[res->ncurve].step = s;
        res->curve[res->ncurve].error = err;
        res->ncurve++;
    }
    for (size_t i = 8; i + 1 < np && res->nextras < FAL_MAX_EXTRAS; i += 2) {
        res->extras[res->nextras].name = pc[i].s;
        res->extras[res->nextras].value = strtod(pc[i + 1].s, NULL);
        res->nextras++;
    }
    size_t len = 0;
    if (fal_store_arch_text(ctx, in->arch, in->widths, sizeof in->widths, &len) != FAL_OK) in->widths[0] = '\0';
}

static int same_real(double got, double put)
{
    if (!isfinite(put)) return isnan(got);
    return memcmp(&got, &put, sizeof got) == 0;
}

static int plain_name(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) return 0;
    return 1;
}

static void check_put(fal_ctx *ctx, const put_in *in, const fal_store_row *r)
{
    const fal_result *res = &in->res;
    FUZZ_CHECK(strcmp(r->id, res->id) == 0 && strcmp(r->family, res->family) == 0, "id or family");
    FUZZ_CHECK(res->note ? r->note && strcmp(r->note, res->note) == 0 : r->note == NULL, "note");
    FUZZ_CHECK(r->params == res->params && r->examples == res->examples && r->seed == res->seed &&
                   r->steps == res->steps && r->converged == res->converged,
               "counts");
    FUZZ_CHECK(r->depth == fal_arch_depth(in->arch), "depth");
    FUZZ_CHECK(same_real(r->train_error, res->train_error) && same_real(r->test_error, res->test_error) &&
                   same_real(r->optimum_error, res->optimum_error) &&
                   same_real(r->log2_classes, res->log2_classes) &&
                   same_real(r->bits_provided, res->bits_provided) && same_real(r->seconds, res->seconds),
               "doubles");
    if (in->widths[0]) FUZZ_CHECK(strcmp(r->widths, in->widths) == 0, "widths '%s', put '%s'", r->widths, in->widths);
    fal_arch *a = NULL;
    fal_status st = fal_store_arch_parse(ctx, r->widths, &a);
    FUZZ_CHECK(st == FAL_OK || st == FAL_ENOMEM, "stored widths '%s' do not parse: %s", r->widths,
               fal_ctx_message(ctx));
    if (a) {
        FUZZ_CHECK(fal_arch_depth(a) == fal_arch_depth(in->arch) && fal_arch_width(a, 0) == fal_arch_width(in->arch, 0),
                   "widths read back differ");
        fal_arch_free(a);
    }
    /* extras: the first of each name that needs no escaping */
    for (int i = 0; i < res->nextras; i++) {
        const char *nm = res->extras[i].name;
        int first = 1;
        for (int j = 0; j < i; j++) first &= strcmp(res->extras[j].name, nm) != 0;
        if (!first || !plain_name(nm)) continue;
        double v = fal_store_extra(r->extras, nm);
        FUZZ_CHECK(same_real(v, res->extras[i].value), "extra '%s' = %.17g, put %.17g (extras %s)", nm, v,
                   res->extras[i].value, r->extras);
    }
    /* the curve, as documented: [[step,error],...], null for a non-finite error */
    if (res->ncurve == 0) {
        FUZZ_CHECK(r->curve == NULL, "a curve without points: %s", r->curve);
    } else {
        FUZZ_CHECK(r->curve != NULL, "curve missing");
        char want[FAL_MAX_CURVE * 48 + 4];
        size_t n = 0;
        for (int i = 0; i < res->ncurve; i++) {
            n += (size_t)snprintf(want + n, sizeof want - n, "%s%llu,", i ? ",[" : "[[",
                                  (unsigned long long)res->curve[i].step);
            if (isfinite(res->curve[i].error)) n += (size_t)snprintf(want + n, sizeof want - n, "%.17g]", res->curve[i].error);
            else n += (size_t)snprintf(want + n, sizeof want - n, "null]");
        }
        snprintf(want + n, sizeof want - n, "]");
        FUZZ_CHECK(strcmp(r->curve, want) == 0, "curve '%s', expected '%s'", r->curve, want);
    }
    char buf[32], want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)res->seed);
    FUZZ_CHECK(fal_store_key_field(r->key, "seed", buf, sizeof buf) && strcmp(buf, want) == 0, "key seed '%s'", buf);
}

/* ---- the target ---------------------------------------------------------------------- */

/* The page and the headline figure are XML text whatever the database
 * holds (issue 13, row 9): well-formed UTF-8 (an independent reading of
 * RFC 3629: no overlong forms, surrogates, or code points past U+10FFFF),
 * no control character but tab, LF and CR, no U+FFFE or U+FFFF. */
static void check_xml_text(const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", report_dir, name);
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL, "%s: missing after a written report", name);
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t i = 0; i < n;) {
        unsigned c = buf[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        FUZZ_CHECK(len && i + len <= n, "%s: byte %zu (0x%02x) starts no UTF-8 sequence", name, i, c);
        unsigned cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t j = 1; j < len; j++) {
            FUZZ_CHECK((buf[i + j] & 0xC0) == 0x80, "%s: byte %zu: a cut UTF-8 sequence", name, i + j);
            cp = cp << 6 | (buf[i + j] & 0x3Fu);
        }
        static const unsigned MIN[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        FUZZ_CHECK(cp >= MIN[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF), "%s: byte %zu: U+%X", name,
                   i, cp);
        FUZZ_CHECK(cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r', "%s: control character %u", name, cp);
        FUZZ_CHECK(cp != 0xFFFE && cp != 0xFFFF, "%s: U+%X is not an XML character", name, cp);
        i += len;
    }
}

static void report(fal_ctx *ctx, int ranks, int bad)
{
    fal_report_opts o;
    fal_report_opts_init(&o);
    if (!ranks) o.max_rank_w = 0;
    fal_report_summary sum;
    fal_status st = fal_report_write(ctx, db_path, report_dir, &o, &sum);
    FUZZ_CHECK(st == FAL_OK || st == FAL_ENOMEM || st == FAL_EINVAL || (bad && st == FAL_EFORMAT),
               "report: %s: %s", fal_errstr(st), fal_ctx_message(ctx));
    if (st == FAL_OK) FUZZ_CHECK(sum.runs <= 1, "report read %zu runs", sum.runs);
    if (st == FAL_OK) {
        check_xml_text("index.html");
        check_xml_text("headline.svg");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf != NULL, "malloc");
    memcpy(buf, data, size);
    buf[size] = '\0';
    piece pc[MAX_PIECES];
    size_t np = 0;
    for (size_t at = 0; at <= size && np < MAX_PIECES;) {
        size_t n = strlen(buf + at);
        pc[np].s = buf + at;
        pc[np].n = n;
        np++;
        at += n + 1;
    }
    const char *opts = pc[0].s;
    int put = strchr(opts, 'P') != NULL;

    sql_ok(sqlite3_open_v2(db_path, &raw, SQLITE_OPEN_READWRITE, NULL), "open");
    sql_ok(sqlite3_exec(raw, "PRAGMA synchronous=OFF", NULL, NULL, NULL), "pragma");
    fal_ctx *ctx = fuzz_ctx();
    static value vals[NCOLS];
    put_in in;
    if (put) {
        sql_ok(sqlite3_exec(raw, "DELETE FROM runs", NULL, NULL, NULL), "delete");
        build_put(ctx, pc, np, &in);
        fal_store *s = NULL;
        fal_status st = fal_store_open(ctx, db_path, FAL_STORE_CREATE, &s);
        FUZZ_CHECK(st == FAL_OK, "open: %s", fal_ctx_message(ctx));
        int inserted = 0;
        st = fal_store_put(s, &in.cfg, &in.res, &inserted);
        FUZZ_CHECK((st == FAL_OK && inserted) || st == FAL_ENOMEM, "put: %s", fal_ctx_message(ctx));
        fal_store_close(s);
    } else {
        raw_row(pc, np, vals);
    }

    fal_store *s = NULL;
    fal_status st = fal_store_open(ctx, db_path, FAL_STORE_READ, &s);
    FUZZ_CHECK(st == FAL_OK, "open to read: %s", fal_ctx_message(ctx));
    fal_store_iter *it = NULL;
    FUZZ_CHECK(fal_store_iter_new(s, &it) == FAL_OK, "iter: %s", fal_ctx_message(ctx));
    size_t rows = 0;
    int bad = stored_bad_types();
    for (;;) {
        fal_store_row r;
        int have = 0;
        st = fal_store_iter_next(it, &r, &have);
        /* a wrongly typed cell is refused, never read as 0 */
        FUZZ_CHECK(bad ? st == FAL_EFORMAT : st == FAL_OK, "iter_next (%s a wrongly typed cell): %s: %s",
                   bad ? "with" : "without", fal_errstr(st), fal_ctx_message(ctx));
        if (st != FAL_OK || !have) break;
        rows++;
        decode_row(ctx, &r);
        if (put) check_put(ctx, &in, &r);
        else if (vals[0].type != -1) check_raw(&r, vals);
    }
    FUZZ_CHECK(rows <= 1, "%zu rows", rows);
    fal_store_iter_free(it);
    fal_store_close(s);
    if (put) fal_arch_free(in.arch);
    sqlite3_close(raw);

    /* fal_store_extra on the remaining pieces, in pairs */
    for (size_t i = put ? np : NCOLS + 1; i + 1 < np; i += 2) check_extra(pc[i].s, pc[i + 1].s);

    if (strchr(opts, 'R')) report(ctx, strchr(opts, 'J') != NULL, bad);
    fuzz_ctx_done(ctx);
    free(buf);
    return 0;
}
