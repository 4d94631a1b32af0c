/* store.c -- runs in SQLite (include/fallacy/store.h): the schema, opening,
 * one transaction per finished run, key look-up, merging, the row decoder.
 *
 * Durability.  The rollback journal with synchronous = FULL: a commit is on
 * disk when COMMIT returns, and a process killed at any instant leaves
 * either the whole row or none of it (the next opener rolls a hot journal
 * back).  WAL would be faster but leaves -wal/-shm files beside the
 * database, and shards are files that users copy between machines.
 *
 * SQLite allocates through its own allocator, not the context's: only the
 * handle and the texts built here are counted in the context. */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "store_int.h"

#define SCHEMA_VERSION "1"
#define BUSY_MS 30000

struct fal_store {
    fal_ctx *ctx;
    sqlite3 *db;
    char *path;
    size_t path_size;
    int writable;
    int has_config; /* runs has the config column (databases written before it was added do not) */
    int has_centres; /* ... and the centres column, added after it */
    sqlite3_stmt *has, *put, *get;
    /* the SHA-256 of the last --data file stored, hashed once per handle
     * rather than once per run (a sweep stores many runs of one file) */
    char sha_file[4096], sha_hex[65];
    uint64_t sha_bytes;
};

struct fal_store_iter {
    fal_store *s;
    sqlite3_stmt *q;
    uint64_t n; /* rows read, for messages */
};

/* The columns of runs after key, in the order of fal_store_put's binds. */
#define RUN_COLUMNS                                                                                            \
    "key, id, family, algo, widths, depth, params, examples, seed, train_error, test_error, optimum_error, "   \
    "log2_classes, bits_provided, converged, steps, seconds, note, extras, curve, version, threads, blas, "   \
    "host, timestamp"
#define RUN_NCOLS 25
/* ... and the provenance and centres columns, added later (NULL in older
 * rows; absent from databases written before them: those read as NULL, and
 * gain them when opened for writing) */
#define RUN_NCOLS_ALL 27

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO meta(name, value) VALUES('schema', '" SCHEMA_VERSION "');"
    "CREATE TABLE IF NOT EXISTS runs("
    " key TEXT PRIMARY KEY NOT NULL,"   /* the canonical configuration and seed */
    " id TEXT NOT NULL, family TEXT NOT NULL, algo TEXT NOT NULL,"
    " widths TEXT NOT NULL, depth INTEGER NOT NULL, params INTEGER NOT NULL,"
    " examples INTEGER NOT NULL, seed INTEGER NOT NULL,"
    " train_error REAL, test_error REAL, optimum_error REAL, log2_classes REAL, bits_provided REAL,"
    " converged INTEGER NOT NULL, steps INTEGER NOT NULL, seconds REAL, note TEXT,"
    " extras TEXT NOT NULL,"            /* JSON object */
    " curve TEXT,"                      /* JSON [[step,error],...]; NULL: no iterative training */
    " version TEXT NOT NULL, threads INTEGER NOT NULL, blas TEXT, host TEXT, timestamp TEXT NOT NULL,"
    " config TEXT,"                     /* JSON {"config":{..},"data":..,"build":{..}}: the provenance */
    " centres TEXT);";                  /* JSON {"n":..,"centres":["0110",..],"train_rows":[..]} */

/* A message naming the file and SQLite's reason; malformed files are
 * FAL_EFORMAT, everything else FAL_EIO. */
static fal_status sql_fail(fal_ctx *ctx, sqlite3 *db, const char *path, const char *what)
{
    int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
    const char *why = db ? sqlite3_errmsg(db) : "cannot open";
    fal_status st = (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) ? FAL_EFORMAT : FAL_EIO;
    if (code == SQLITE_NOMEM) st = FAL_ENOMEM;
    /* out of space (or over a file-size limit): resources, exit 3; the
     * transaction is rolled back, rows committed before stay */
    int sys = db ? sqlite3_system_errno(db) : 0;
    if (code == SQLITE_FULL || ((code & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)))
        st = FAL_ENOSPC;
    return fal__fail(ctx, st, "%s: %s: %s", path, what, why);
}

static fal_status exec(fal_store *s, const char *sql, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) return sql_fail(s->ctx, s->db, s->path, what);
    return FAL_OK;
}

/* One integer from a one-row query; *found receives whether a row came. */
static fal_status query_int(fal_store *s, const char *sql, const char *what, int64_t *v, int *found)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) return sql_fail(s->ctx, s->db, s->path, what);
    int rc = sqlite3_step(q);
    if (found) *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) *v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_fail(s->ctx, s->db, s->path, what);
    return FAL_OK;
}

static int64_t as_i64(uint64_t v)
{
    int64_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

static uint64_t as_u64(int64_t v)
{
    uint64_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

/* Create the tables in a new or empty file; refuse a SQLite file that
 * holds other tables (someone else's database) or another schema. */
static fal_status init_schema(fal_store *s)
{
    fal_status st = exec(s, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN IMMEDIATE", "cannot open");
    if (st != FAL_OK) return st;
    int64_t tables = 0, ours = 0;
    st = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table'", "cannot read", &tables, NULL);
    if (st == FAL_OK)
        st = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('meta','runs')",
                       "cannot read", &ours, NULL);
    if (st == FAL_OK && tables > 0 && ours != 2)
        st = fal__fail(s->ctx, FAL_EFORMAT, "%s: a SQLite database, but not fallacy's (no meta and runs tables)",
                       s->path);
    if (st == FAL_OK && tables == 0) st = exec(s, SCHEMA, "cannot create the tables");
    if (st == FAL_OK) st = exec(s, "COMMIT", "cannot create the tables");
    if (st != FAL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* Objects in the schema that fallacy did not create: a trigger can delete
 * or rewrite every run stored, a view or another table is not ours.  Ours
 * are the tables meta and runs and SQLite's own (sqlite_*: the primary
 * keys' automatic indexes, ANALYZE's statistics). */
static fal_status foreign_objects(fal_store *s, const char *db, const char *path)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT type, count(*) FROM %s.sqlite_master WHERE NOT (name LIKE 'sqlite\\_%%' ESCAPE '\\' "
             "OR (type = 'table' AND name IN ('meta', 'runs'))) GROUP BY type ORDER BY type",
             db);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) return sql_fail(s->ctx, s->db, path, "cannot read");
    int rc = sqlite3_step(q);
    fal_status st = FAL_OK;
    if (rc == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(q, 0);
        long long n = sqlite3_column_int64(q, 1);
        st = fal__fail(s->ctx, FAL_EFORMAT,
                       "%s: its schema holds %lld %s%s that fallacy did not create; refusing it (it could change "
                       "or delete the runs)",
                       path, n, type ? type : "object", n == 1 ? "" : "s");
    } else if (rc != SQLITE_DONE) {
        st = sql_fail(s->ctx, s->db, path, "cannot read");
    }
    sqlite3_finalize(q);
    return st;
}

/* The schema this code reads: meta.schema = 1 in the database named db
 * ("main" or an attached one), checked before anything is read. */
static fal_status check_schema(fal_store *s, const char *db, const char *path)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT value FROM %s.meta WHERE name='schema'", db);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        fal_status st = sql_fail(s->ctx, s->db, path, "not a fallacy database");
        return st == FAL_EIO && sqlite3_errcode(s->db) == SQLITE_ERROR ? FAL_EFORMAT : st;
    }
    int rc = sqlite3_step(q);
    fal_status st = FAL_OK;
    if (rc == SQLITE_ROW) st = foreign_objects(s, db, path);
    if (st != FAL_OK) {
        /* reported */
    } else if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 0);
        if (!v || strcmp(v, SCHEMA_VERSION) != 0)
            st = fal__fail(s->ctx, FAL_EFORMAT, "%s: schema %s, this fallacy reads schema %s", path, v ? v : "?",
                           SCHEMA_VERSION);
    } else if (rc == SQLITE_DONE) {
        st = fal__fail(s->ctx, FAL_EFORMAT, "%s: not a fallacy database (no schema version)", path);
    } else {
        st = sql_fail(s->ctx, s->db, path, "cannot read");
    }
    sqlite3_finalize(q);
    return st;
}

/* Whether the table runs of database db has the column col. */
static int has_column(fal_store *s, const char *db, const char *col)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s.runs LIMIT 0", col, db);
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK;
    sqlite3_finalize(q);
    return ok;
}

/* A database written before the config column (or the centres column):
 * read as it is (every row's config, centres NULL); opened for writing, it
 * gains the columns (NULL in the rows it holds), so that its new runs carry
 * their provenance and centres.  Checked again inside the write lock:
 * another writer may have added them meanwhile. */
static fal_status added_columns(fal_store *s, int writable)
{
    s->has_config = has_column(s, "main", "config");
    s->has_centres = has_column(s, "main", "centres");
    if ((s->has_config && s->has_centres) || !writable) return FAL_OK;
    fal_status st = exec(s, "BEGIN IMMEDIATE", "cannot start a transaction");
    if (st != FAL_OK) return st;
    if (!has_column(s, "main", "config"))
        st = exec(s, "ALTER TABLE runs ADD COLUMN config TEXT", "cannot add the config column");
    if (st == FAL_OK && !has_column(s, "main", "centres"))
        st = exec(s, "ALTER TABLE runs ADD COLUMN centres TEXT", "cannot add the centres column");
    if (st == FAL_OK) st = exec(s, "COMMIT", "cannot add the config and centres columns");
    if (st != FAL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->has_config = s->has_centres = st == FAL_OK;
    return st;
}

fal_status fal_store_open(fal_ctx *ctx, const char *path, int flags, fal_store **out)
{
    *out = NULL;
    if (!path || !*path) return fal__fail(ctx, FAL_EINVAL, "store: no database file given");
    int create = (flags & FAL_STORE_CREATE) != 0;
    if (!create && access(path, R_OK) != 0)
        return fal__fail(ctx, FAL_EIO, "%s: cannot open: %s", path, strerror(errno));
    fal_store *s = fal__calloc(ctx, 1, sizeof *s, "store handle");
    if (!s) return FAL_ENOMEM;
    s->ctx = ctx;
    s->writable = create;
    s->path_size = strlen(path) + 1;
    s->path = fal__alloc(ctx, s->path_size, "store path");
    fal_status st = FAL_OK;
    if (!s->path) {
        st = FAL_ENOMEM;
        goto fail;
    }
    memcpy(s->path, path, s->path_size);
    /* Reading opens read-write when the file allows it: a hot journal left by
     * a killed writer must be rolled back before anything can be read, and a
     * read-only connection cannot (SQLITE_READONLY_ROLLBACK).  Nothing else
     * is written in this mode. */
    int oflags = create                     ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                 : access(path, W_OK) == 0 ? SQLITE_OPEN_READWRITE
                                           : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        st = sql_fail(ctx, s->db, path, "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, BUSY_MS);
    if (create) st = init_schema(s);
    if (st == FAL_OK) st = check_schema(s, "main", path);
    if (st == FAL_OK) st = added_columns(s, create);
    if (st != FAL_OK) goto fail;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE key = ?1", -1, &s->has, NULL) != SQLITE_OK) {
        st = sql_fail(ctx, s->db, path, "cannot read");
        goto fail;
    }
    if (create &&
        sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO runs(" RUN_COLUMNS ", config, centres) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
                           "?25, ?26, ?27)",
                           -1, &s->put, NULL) != SQLITE_OK) {
        st = sql_fail(ctx, s->db, path, "cannot prepare the insert");
        goto fail;
    }
    if (sqlite3_prepare_v2(s->db,
                           s->has_config ? "SELECT config FROM runs WHERE key = ?1"
                                         : "SELECT NULL FROM runs WHERE key = ?1",
                           -1, &s->get, NULL) != SQLITE_OK) {
        st = sql_fail(ctx, s->db, path, "cannot read");
        goto fail;
    }
    *out = s;
    return FAL_OK;
fail:
    fal_store_close(s);
    return st;
}

void fal_store_close(fal_store *s)
{
    if (!s) return;
    sqlite3_finalize(s->has);
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->get);
    sqlite3_close(s->db);
    if (s->path) fal__free(s->ctx, s->path, s->path_size);
    fal__free(s->ctx, s, sizeof *s);
}

fal_status fal_store_has(fal_store *s, const char *key, int *found)
{
    *found = 0;
    sqlite3_reset(s->has);
    sqlite3_bind_text(s->has, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s->has);
    if (rc == SQLITE_ROW) *found = 1;
    sqlite3_reset(s->has);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_fail(s->ctx, s->db, s->path, "cannot look a key up");
    return FAL_OK;
}

fal_status fal_store_has_config(fal_store *s, const fal_config *cfg, int *found)
{
    *found = 0;
    fal__sb key;
    fal__sb_init(&key, s->ctx);
    fal_status st = fal__store_key_sb(&key, cfg);
    if (st == FAL_OK) st = fal_store_has(s, key.p, found);
    fal__sb_free(&key);
    return st;
}

static void bind_real(sqlite3_stmt *q, int i, double v)
{
    if (isfinite(v)) sqlite3_bind_double(q, i, v);
    else sqlite3_bind_null(q, i);
}

/* The per-run metadata: where and with what the run was made. */
static void run_meta(char *blas, size_t nb, char *host, size_t nh, char *stamp, size_t ns)
{
    const char *cfg = openblas_get_config();
    snprintf(blas, nb, "%s; threads=%d", cfg ? cfg : "OpenBLAS", openblas_get_num_threads());
    if (gethostname(host, nh) != 0) snprintf(host, nh, "unknown");
    host[nh - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(stamp, ns, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(stamp, ns, "unknown");
}

/* The run's provenance JSON (fal__provenance_json), the data file hashed
 * once per handle and file name. */
static char *provenance(fal_store *s, const fal_config *cfg, size_t *size)
{
    const char *hex = NULL;
    if (cfg->data && cfg->data_path) {
        char file[sizeof s->sha_file];
        fal__data_file(cfg->data_path, file, sizeof file);
        if (!s->sha_hex[0] || strcmp(file, s->sha_file) != 0) {
            char saved[sizeof s->ctx->msg]; /* an unreadable file is written "unreadable", not an error */
            memcpy(saved, s->ctx->msg, sizeof saved);
            s->sha_hex[0] = '\0';
            if (fal_file_sha256(s->ctx, file, s->sha_hex, &s->sha_bytes) == FAL_OK) {
                snprintf(s->sha_file, sizeof s->sha_file, "%s", file);
            } else {
                s->sha_hex[0] = '\0';
            }
            memcpy(s->ctx->msg, saved, sizeof saved);
        }
        if (s->sha_hex[0]) hex = s->sha_hex;
    }
    return fal__provenance_json(s->ctx, cfg, hex, s->sha_bytes, size);
}

/* The column centres of a run whose result kept its Hamming centres
 * (bool-ae, threshold-ae with FAL_KEEP_CENTRES or FAL_KEEP_ALL: the arrays
 * "centres" and "centre_rows", doc/params.md) into b:
 *   {"n":N,"centres":["0110..",..],"train_rows":[r_0,..]}
 * character i of string j is bit i (the i-th data column) of centre j.
 * Nothing (the column stays NULL) without them, or when they hold more than
 * CENTRE_BITS_MAX bits: a row of the database stays small. */
#define CENTRE_BITS_MAX ((size_t)1 << 20)
static void centres_json(fal__sb *b, const fal_result *res)
{
    const fal_array *c = res->kept ? fal_params_find(res->kept, "centres") : NULL;
    const fal_array *r = res->kept ? fal_params_find(res->kept, "centre_rows") : NULL;
    if (!c || !r || c->rank != 2 || r->rank != 1 || r->shape[0] != c->shape[0] || !c->shape[1] ||
        c->shape[0] > CENTRE_BITS_MAX / c->shape[1])
        return;
    size_t nc = c->shape[0], n = c->shape[1];
    fal__sb_printf(b, "{\"n\":%zu,\"centres\":[", n);
    for (size_t j = 0; j < nc; j++) {
        fal__sb_puts(b, j ? ",\"" : "\"");
        for (size_t i = 0; i < n; i++) fal__sb_putc(b, c->v[j * n + i] != 0 ? '1' : '0');
        fal__sb_putc(b, '"');
    }
    fal__sb_puts(b, "],\"train_rows\":[");
    for (size_t j = 0; j < nc; j++) fal__sb_printf(b, j ? ",%.0f" : "%.0f", r->v[j]);
    fal__sb_puts(b, "]}");
}

fal_status fal_store_put(fal_store *s, const fal_config *cfg, const fal_result *res, int *inserted)
{
    if (inserted) *inserted = 0;
    if (!s->writable) return fal__fail(s->ctx, FAL_EINVAL, "%s: opened read-only", s->path);
    if (!res->arch || !res->family) return fal__fail(s->ctx, FAL_EINVAL, "store: the result has no architecture");
    fal__sb key, widths, extras, curve, centres;
    fal__sb_init(&key, s->ctx);
    fal__sb_init(&widths, s->ctx);
    fal__sb_init(&extras, s->ctx);
    fal__sb_init(&curve, s->ctx);
    fal__sb_init(&centres, s->ctx);
    fal_status st = fal__store_key_sb(&key, cfg);
    centres_json(&centres, res);
    if (st == FAL_OK) fal__store_arch_sb(&widths, res->arch);
    fal__sb_putc(&extras, '{');
    for (int i = 0; i < res->nextras; i++) {
        if (i) fal__sb_putc(&extras, ',');
        fal__sb_json_str(&extras, res->extras[i].name);
        fal__sb_putc(&extras, ':');
        fal__sb_num(&extras, res->extras[i].value, "null");
    }
    fal__sb_putc(&extras, '}');
    /* the training curve, compact JSON [[step,error],...]; a non-finite error is null */
    int ncurve = res->ncurve < 0 ? 0 : res->ncurve > FAL_MAX_CURVE ? FAL_MAX_CURVE : res->ncurve;
    for (int i = 0; i < ncurve; i++) {
        fal__sb_puts(&curve, i ? ",[" : "[[");
        fal__sb_printf(&curve, "%llu,", (unsigned long long)res->curve[i].step);
        fal__sb_num(&curve, res->curve[i].error, "null");
        fal__sb_putc(&curve, ']');
    }
    if (ncurve) fal__sb_putc(&curve, ']');
    if (st == FAL_OK) st = fal__sb_status(&curve);
    if (st == FAL_OK) st = fal__sb_status(&key);
    if (st == FAL_OK) st = fal__sb_status(&widths);
    if (st == FAL_OK) st = fal__sb_status(&extras);
    if (st == FAL_OK) st = fal__sb_status(&centres);
    if (st != FAL_OK) goto done;

    size_t prov_size = 0;
    char *prov = provenance(s, cfg, &prov_size);
    if (!prov) {
        st = FAL_ENOMEM;
        goto done;
    }
    char blas[512], host[256], stamp[32];
    run_meta(blas, sizeof blas, host, sizeof host, stamp, sizeof stamp);
    sqlite3_stmt *q = s->put;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_bind_text(q, 1, key.p, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, res->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, res->family, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, res->algo ? res->algo : "default", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, widths.p, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, as_i64(fal_arch_depth(res->arch)));
    sqlite3_bind_int64(q, 7, as_i64(res->params));
    sqlite3_bind_int64(q, 8, as_i64(res->examples));
    sqlite3_bind_int64(q, 9, as_i64(res->seed));
    bind_real(q, 10, res->train_error);
    bind_real(q, 11, res->test_error);
    bind_real(q, 12, res->optimum_error);
    bind_real(q, 13, res->log2_classes);
    bind_real(q, 14, res->bits_provided);
    sqlite3_bind_int(q, 15, res->converged ? 1 : 0);
    sqlite3_bind_int64(q, 16, as_i64(res->steps));
    bind_real(q, 17, res->seconds);
    if (res->note) sqlite3_bind_text(q, 18, res->note, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 18);
    sqlite3_bind_text(q, 19, extras.p, -1, SQLITE_STATIC);
    if (ncurve) sqlite3_bind_text(q, 20, curve.p, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 20); /* no iterative training: no curve */
    sqlite3_bind_text(q, 21, FAL_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 22, fal_ctx_threads(s->ctx));
    sqlite3_bind_text(q, 23, blas, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 24, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 25, stamp, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 26, prov, -1, SQLITE_STATIC);
    if (centres.len) sqlite3_bind_text(q, 27, centres.p, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 27);

    st = exec(s, "BEGIN IMMEDIATE", "cannot start a transaction");
    if (st == FAL_OK) {
        int rc = sqlite3_step(q);
        if (rc != SQLITE_DONE) st = sql_fail(s->ctx, s->db, s->path, "cannot insert the run");
        else if (inserted) *inserted = sqlite3_changes(s->db) > 0;
        sqlite3_reset(q);
        if (st == FAL_OK) st = exec(s, "COMMIT", "cannot commit the run");
        if (st != FAL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_clear_bindings(q);
    fal__free(s->ctx, prov, prov_size);
done:
    fal__sb_free(&key);
    fal__sb_free(&widths);
    fal__sb_free(&extras);
    fal__sb_free(&curve);
    fal__sb_free(&centres);
    return st;
}

/* A row given field by field (results that are not a fal_run's: qnet's
 * curves and class tables, tools/qnet.c): the same insert and transaction
 * as fal_store_put; version, threads, BLAS, host and time are this
 * process's whatever row holds. */
fal_status fal_store_put_row(fal_store *s, const fal_store_row *row, int *inserted)
{
    if (inserted) *inserted = 0;
    if (!s->writable) return fal__fail(s->ctx, FAL_EINVAL, "%s: opened read-only", s->path);
    if (!row->key || !row->id || !row->family || !row->widths || !row->extras)
        return fal__fail(s->ctx, FAL_EINVAL, "store: a row needs its key, id, family, widths and extras");
    char blas[512], host[256], stamp[32];
    run_meta(blas, sizeof blas, host, sizeof host, stamp, sizeof stamp);
    sqlite3_stmt *q = s->put;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_bind_text(q, 1, row->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, row->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, row->family, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, row->algo ? row->algo : "default", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, row->widths, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, as_i64(row->depth));
    sqlite3_bind_int64(q, 7, as_i64(row->params));
    sqlite3_bind_int64(q, 8, as_i64(row->examples));
    sqlite3_bind_int64(q, 9, as_i64(row->seed));
    bind_real(q, 10, row->train_error);
    bind_real(q, 11, row->test_error);
    bind_real(q, 12, row->optimum_error);
    bind_real(q, 13, row->log2_classes);
    bind_real(q, 14, row->bits_provided);
    sqlite3_bind_int(q, 15, row->converged ? 1 : 0);
    sqlite3_bind_int64(q, 16, as_i64(row->steps));
    bind_real(q, 17, row->seconds);
    if (row->note) sqlite3_bind_text(q, 18, row->note, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 18);
    sqlite3_bind_text(q, 19, row->extras, -1, SQLITE_STATIC);
    if (row->curve) sqlite3_bind_text(q, 20, row->curve, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 20);
    sqlite3_bind_text(q, 21, FAL_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 22, fal_ctx_threads(s->ctx));
    sqlite3_bind_text(q, 23, blas, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 24, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 25, stamp, -1, SQLITE_STATIC);
    fal_status st = exec(s, "BEGIN IMMEDIATE", "cannot start a transaction");
    if (st == FAL_OK) {
        int rc = sqlite3_step(q);
        if (rc != SQLITE_DONE) st = sql_fail(s->ctx, s->db, s->path, "cannot insert the run");
        else if (inserted) *inserted = sqlite3_changes(s->db) > 0;
        sqlite3_reset(q);
        if (st == FAL_OK) st = exec(s, "COMMIT", "cannot commit the run");
        if (st != FAL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_clear_bindings(q);
    return st;
}

fal_status fal_store_count(fal_store *s, uint64_t *n)
{
    int64_t v = 0;
    fal_status st = query_int(s, "SELECT count(*) FROM runs", "cannot count the runs", &v, NULL);
    *n = (uint64_t)(v < 0 ? 0 : v);
    return st;
}

/* ---- merge ---------------------------------------------------------------- */

/* Columns that a rerun of the same key reproduces; the others (seconds,
 * threads, blas, host, timestamp, version) say where and when. */
#define SAME(c) "m." c " IS s." c
static const char *CONFLICTS =
    "SELECT count(*) FROM src.runs AS s JOIN main.runs AS m ON m.key = s.key WHERE NOT ("
    SAME("id") " AND " SAME("family") " AND " SAME("algo") " AND " SAME("widths") " AND " SAME("depth") " AND "
    SAME("params") " AND " SAME("examples") " AND " SAME("seed") " AND " SAME("train_error") " AND "
    SAME("test_error") " AND " SAME("optimum_error") " AND " SAME("log2_classes") " AND " SAME("bits_provided")
    " AND " SAME("converged") " AND " SAME("steps") " AND " SAME("note") " AND " SAME("extras") " AND "
    SAME("curve") ")";
#undef SAME

fal_status fal_store_merge(fal_store *s, const char *in_path, fal_store_merge_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    if (!s->writable) return fal__fail(s->ctx, FAL_EINVAL, "%s: opened read-only", s->path);
    struct stat a, b;
    if (stat(in_path, &a) != 0) return fal__fail(s->ctx, FAL_EIO, "%s: cannot open: %s", in_path, strerror(errno));
    if (stat(s->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return fal__fail(s->ctx, FAL_EINVAL, "%s: is the output database itself", in_path);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS src", -1, &q, NULL) != SQLITE_OK)
        return sql_fail(s->ctx, s->db, in_path, "cannot attach");
    sqlite3_bind_text(q, 1, in_path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return sql_fail(s->ctx, s->db, in_path, "cannot attach");

    fal_status st = check_schema(s, "src", in_path);
    int64_t rows = 0, dups = 0, conflicts = 0;
    if (st == FAL_OK) st = exec(s, "BEGIN IMMEDIATE", "cannot start a transaction");
    if (st == FAL_OK) {
        st = query_int(s, "SELECT count(*) FROM src.runs", "cannot read the input", &rows, NULL);
        if (st == FAL_OK)
            st = query_int(s, "SELECT count(*) FROM src.runs AS s JOIN main.runs AS m ON m.key = s.key",
                           "cannot compare keys", &dups, NULL);
        if (st == FAL_OK) st = query_int(s, CONFLICTS, "cannot compare runs", &conflicts, NULL);
        /* the provenance and the centres go along; an input written
         * before those columns gives NULL (the output has them: it was
         * opened for writing) */
        if (st == FAL_OK) {
            int cf = has_column(s, "src", "config"), ce = has_column(s, "src", "centres");
            char sql[1024];
            snprintf(sql, sizeof sql,
                     "INSERT OR IGNORE INTO main.runs(" RUN_COLUMNS "%s%s) SELECT " RUN_COLUMNS
                     "%s%s FROM src.runs ORDER BY rowid",
                     cf ? ", config" : "", ce ? ", centres" : "", cf ? ", config" : "", ce ? ", centres" : "");
            st = exec(s, sql, "cannot copy the runs");
        }
        if (st == FAL_OK) stats->added = (uint64_t)sqlite3_changes(s->db);
        if (st == FAL_OK) st = exec(s, "COMMIT", "cannot commit the merge");
        if (st != FAL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    stats->rows = (uint64_t)rows;
    stats->duplicates = (uint64_t)dups;
    stats->conflicts = (uint64_t)conflicts;
    return st;
}

/* ---- the row decoder ------------------------------------------------------ */

fal_status fal_store_iter_new(fal_store *s, fal_store_iter **out)
{
    *out = NULL;
    fal_store_iter *it = fal__calloc(s->ctx, 1, sizeof *it, "store iterator");
    if (!it) return FAL_ENOMEM;
    it->s = s;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT " RUN_COLUMNS ", %s, %s FROM runs ORDER BY key",
             s->has_config ? "config" : "NULL", s->has_centres ? "centres" : "NULL");
    if (sqlite3_prepare_v2(s->db, sql, -1, &it->q, NULL) != SQLITE_OK) {
        fal_status st = sql_fail(s->ctx, s->db, s->path, "cannot read the runs");
        fal__free(s->ctx, it, sizeof *it);
        return st;
    }
    *out = it;
    return FAL_OK;
}

static const char *col_text(sqlite3_stmt *q, int i, const char *dflt)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : dflt;
}

static double col_real(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* The column kinds of RUN_COLUMNS: 'i' an integer, 'r' a real or NULL
 * (an integer is a real too), 't' text, 'T' text or NULL. */
static const char RUN_KINDS[RUN_NCOLS_ALL + 1] = "tttttiiiirrrrriirTtTtiTTtTT";

/* A cell the decoder would otherwise read wrongly: SQLite converts text
 * ('abc') or a blob to 0 when asked for a number, and a table created by
 * hand has no type to stop it.  Such a row is refused, never read as 0. */
static fal_status check_types(fal_store *s, sqlite3_stmt *q, uint64_t n)
{
    for (int i = 0; i < RUN_NCOLS_ALL; i++) {
        int t = sqlite3_column_type(q, i);
        char k = RUN_KINDS[i];
        int ok = k == 'i'   ? t == SQLITE_INTEGER
                 : k == 'r' ? t == SQLITE_FLOAT || t == SQLITE_INTEGER || t == SQLITE_NULL
                 : k == 't' ? t == SQLITE_TEXT
                            : t == SQLITE_TEXT || t == SQLITE_NULL;
        if (ok) continue;
        static const char *const TYPE[] = { "?", "an integer", "a real", "text", "a blob", "NULL" };
        return fal__fail(s->ctx, FAL_EFORMAT, "%s: run %llu (in key order): column %s holds %s, not %s",
                         s->path, (unsigned long long)n, sqlite3_column_name(q, i),
                         TYPE[t >= 1 && t <= 5 ? t : 0],
                         k == 'i' ? "an integer" : k == 'r' ? "a number" : "text");
    }
    return FAL_OK;
}

static fal_status decode_row(fal_store *s, sqlite3_stmt *q, uint64_t n, fal_store_row *row, int *have);

fal_status fal_store_iter_next(fal_store_iter *it, fal_store_row *row, int *have)
{
    *have = 0;
    memset(row, 0, sizeof *row);
    int rc = sqlite3_step(it->q);
    if (rc == SQLITE_DONE) return FAL_OK;
    if (rc != SQLITE_ROW) return sql_fail(it->s->ctx, it->s->db, it->s->path, "cannot read the runs");
    it->n++;
    return decode_row(it->s, it->q, it->n, row, have);
}

/* The current row of q (RUN_COLUMNS, config and centres) into row. */
static fal_status decode_row(fal_store *s, sqlite3_stmt *q, uint64_t n, fal_store_row *row, int *have)
{
    fal_status st = check_types(s, q, n);
    if (st != FAL_OK) return st;
    row->key = col_text(q, 0, "");
    row->id = col_text(q, 1, "");
    row->family = col_text(q, 2, "");
    row->algo = col_text(q, 3, "");
    row->widths = col_text(q, 4, "");
    row->depth = as_u64(sqlite3_column_int64(q, 5));
    row->params = as_u64(sqlite3_column_int64(q, 6));
    row->examples = as_u64(sqlite3_column_int64(q, 7));
    row->seed = as_u64(sqlite3_column_int64(q, 8));
    row->train_error = col_real(q, 9);
    row->test_error = col_real(q, 10);
    row->optimum_error = col_real(q, 11);
    row->log2_classes = col_real(q, 12);
    row->bits_provided = col_real(q, 13);
    row->converged = sqlite3_column_int64(q, 14) != 0; /* all 64 bits: 2^32 is not 0 */
    row->steps = as_u64(sqlite3_column_int64(q, 15));
    row->seconds = col_real(q, 16);
    row->note = col_text(q, 17, NULL);
    row->extras = col_text(q, 18, "{}");
    row->curve = col_text(q, 19, NULL);
    row->version = col_text(q, 20, "");
    row->threads = sqlite3_column_int(q, 21);
    row->blas = col_text(q, 22, "");
    row->host = col_text(q, 23, "");
    row->timestamp = col_text(q, 24, "");
    row->config = col_text(q, 25, NULL);
    row->centres = col_text(q, 26, NULL);
    *have = 1;
    return FAL_OK;
}

fal_status fal_store_config(fal_store *s, const char *key, char *buf, size_t cap, size_t *len, int *found)
{
    *found = 0;
    if (len) *len = 0;
    if (cap) buf[0] = '\0';
    sqlite3_reset(s->get);
    sqlite3_bind_text(s->get, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s->get);
    fal_status st = FAL_OK;
    if (rc == SQLITE_ROW) {
        int t = sqlite3_column_type(s->get, 0);
        const char *v = t == SQLITE_TEXT ? (const char *)sqlite3_column_text(s->get, 0) : NULL;
        if (t != SQLITE_TEXT && t != SQLITE_NULL) {
            st = fal__fail(s->ctx, FAL_EFORMAT, "%s: the config column of the run holds no text", s->path);
        } else if (v) {
            size_t n = strlen(v);
            *found = 2;
            if (len) *len = n;
            if (cap) {
                size_t c = n < cap ? n : cap - 1;
                memcpy(buf, v, c);
                buf[c] = '\0';
            }
            if (cap <= n && cap) st = fal__fail(s->ctx, FAL_ERANGE, "config of %zu bytes does not fit %zu", n, cap);
            else if (!cap) st = FAL_ERANGE;
        } else {
            *found = 1;
        }
    } else if (rc != SQLITE_DONE) {
        st = sql_fail(s->ctx, s->db, s->path, "cannot look a key up");
    }
    sqlite3_reset(s->get); /* no read lock kept between calls */
    return st;
}

void fal_store_iter_free(fal_store_iter *it)
{
    if (!it) return;
    sqlite3_finalize(it->q);
    fal__free(it->s->ctx, it, sizeof *it);
}

/* ---- extras ------------------------------------------------------------- */

/* Skip a JSON string at p (at its opening quote); returns past the closing
 * quote, or NULL.  *match receives whether its contents equal name (names
 * are written without escapes, so an escaped string never matches). */
static const char *json_skip_str(const char *p, const char *name, int *match)
{
    size_t nl = strlen(name);
    const char *s = ++p;
    int escaped = 0;
    while (*p && *p != '"') {
        if (*p == '\\') {
            escaped = 1;
            if (!*++p) return NULL;
        }
        p++;
    }
    if (*p != '"') return NULL;
    *match = !escaped && (size_t)(p - s) == nl && strncmp(s, name, nl) == 0;
    return p + 1;
}

double fal_store_extra(const char *json, const char *name)
{
    const char *p = json;
    if (!p) return NAN;
    while (*p == ' ') p++;
    if (*p++ != '{') return NAN;
    while (1) {
        while (*p == ' ') p++;
        if (*p != '"') return NAN;
        int match = 0;
        p = json_skip_str(p, name, &match);
        if (!p) return NAN;
        while (*p == ' ') p++;
        if (*p++ != ':') return NAN;
        while (*p == ' ') p++;
        char *end;
        double v = NAN;
        if (strncmp(p, "null", 4) == 0) end = (char *)p + 4;
        else v = strtod(p, &end);
        if (end == p) return NAN;
        /* JSON numbers only: strtod also reads inf, nan and hex, which the
         * store never writes; such a value is unreadable (NaN), not +-Inf. */
        if (strspn(p, "0123456789+-.eE") < (size_t)(end - p) || !isfinite(v)) v = NAN;
        if (match) return v;
        p = end;
        while (*p == ' ') p++;
        if (*p == ',') p++;
        else return NAN;
    }
}
