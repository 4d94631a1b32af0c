/* test_store.c -- the runs database (include/fallacy/store.h) and the
 * `fallacy sweep` / `fallacy merge` commands: schema round trip, key
 * canonicalisation, resuming after SIGKILL, stopping on SIGINT, progress
 * on a terminal only, sharding + merge = one sweep.
 *
 * The oracle for what is stored is SQLite itself, queried directly here
 * (not through the store's decoder), and the fal_result the row came from. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test.h"

/* ---- helpers ------------------------------------------------------------------ */

static const char *bin(void)
{
    const char *b = getenv("FALLACY_BIN");
    return b ? b : "build/fallacy";
}

/* One integer from SQL on the file at path (busy timeout for a live writer);
 * -1 on error. */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    long long v = -1;
    /* read-write (never create): a hot journal left by a killed writer is
     * rolled back on open, as any SQLite client does */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return v;
}

/* One text value (copied into buf); 0 on success. */
static int sql_text(const char *path, const char *sql, char *buf, size_t n)
{
    sqlite3 *db = NULL;
    int rc = -1;
    buf[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(q, 0);
            snprintf(buf, n, "%s", t ? (const char *)t : "(null)");
            rc = 0;
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return rc;
}

static int sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_close(db);
    return rc;
}

/* Start the CLI with args (NULL-terminated) and stdout/stderr into files
 * (NULL: /dev/null); returns the pid. */
static pid_t spawn(const char *const *args, const char *out, const char *err, int no_color)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    if (no_color) setenv("NO_COLOR", "1", 1);
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)bin();
    for (; args[n - 1] && n < 63; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    execv(bin(), argv);
    _exit(127);
}

static int wait_exit(pid_t pid, int *signaled)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (signaled) *signaled = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_cli(const char *const *args, const char *out, const char *err)
{
    return wait_exit(spawn(args, out, err, 1), NULL);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* Wait until the file at path holds at least n lines (or 30 s pass);
 * returns the lines seen.  The sweep prints a point's JSON line (--json)
 * after its commit, so n lines mean at least n stored runs -- and polling
 * a file does not compete with the writer for SQLite's locks (a reader
 * polling the database would mostly meet the commit's exclusive lock). */
static long wait_lines(const char *path, long n)
{
    long lines = 0;
    for (int i = 0; i < 30000 && lines < n; i++) {
        FILE *f = fopen(path, "r");
        lines = 0;
        if (f) {
            int c;
            while ((c = fgetc(f)) != EOF) lines += c == '\n';
            fclose(f);
        }
        if (lines < n) sleep_ms(1);
    }
    return lines;
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, cap - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return n;
}

/* ---- the library ------------------------------------------------------------- */

/* A result written and read back: every field equals what fal_run produced
 * (doubles bit for bit, NaN as SQL NULL), extras included. */
TEST(test_store_schema_round_trip)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 10, 1, &arch));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.arch = arch;
    cfg.examples = 1;
    cfg.examples_set = 1;
    cfg.seed = 3;
    fal_result res;
    CHECK_OK(fal_run(ctx, &cfg, &res));
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    int found = -1, inserted = -1;
    CHECK_OK(fal_store_has_config(s, &cfg, &found));
    CHECK(found == 0);
    CHECK_OK(fal_store_put(s, &cfg, &res, &inserted));
    CHECK(inserted == 1);
    CHECK_OK(fal_store_put(s, &cfg, &res, &inserted));
    CHECK(inserted == 0); /* the key is stored: kept once */
    CHECK_OK(fal_store_has_config(s, &cfg, &found));
    CHECK(found == 1);

    /* a hand-made result with nulls, a note with quotes, a seed >= 2^63 */
    fal_result h = res;
    h.seed = UINT64_MAX - 5;
    h.test_error = NAN;
    h.optimum_error = NAN;
    h.log2_classes = 12.5;
    h.note = "did \"not\" converge; 'why'";
    h.converged = 0;
    h.nextras = 0;
    fal_config hc = cfg;
    hc.seed = h.seed;
    CHECK_OK(fal_store_put(s, &hc, &h, &inserted));
    CHECK(inserted == 1);
    uint64_t n = 0;
    CHECK_OK(fal_store_count(s, &n));
    CHECK(n == 2);
    fal_store_close(s);

    /* SQLite's view: NULLs, the widths text, the metadata */
    char sql[512], txt[1024];
    CHECK(sql_int(db, "SELECT count(*) FROM runs WHERE test_error IS NULL AND optimum_error IS NULL") == 1);
    CHECK(sql_int(db, "SELECT count(*) FROM runs WHERE widths = '1^11' AND depth = 10 AND params = 10") == 2);
    CHECK(sql_int(db, "SELECT count(*) FROM runs WHERE curve LIKE '[[0,%]]'") == 2); /* GD runs: a curve */
    CHECK(sql_text(db, "SELECT version FROM runs LIMIT 1", txt, sizeof txt) == 0 && strcmp(txt, FAL_VERSION) == 0);
    CHECK(sql_text(db, "SELECT blas FROM runs LIMIT 1", txt, sizeof txt) == 0 && strstr(txt, "OpenBLAS") != NULL);
    CHECK(sql_text(db, "SELECT timestamp FROM runs LIMIT 1", txt, sizeof txt) == 0 && strlen(txt) == 20 &&
          txt[4] == '-' && txt[10] == 'T' && txt[19] == 'Z');
    char host[256] = "";
    gethostname(host, sizeof host);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE host = '%s'", host);
    CHECK(sql_int(db, sql) == 2);
    CHECK(sql_text(db, "SELECT value FROM meta WHERE name = 'schema'", txt, sizeof txt) == 0 && !strcmp(txt, "1"));
    CHECK(sql_text(db, "PRAGMA integrity_check", txt, sizeof txt) == 0 && strcmp(txt, "ok") == 0);

    /* the decoder: read-only, every field back */
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
    CHECK(fal_store_put(s, &cfg, &res, NULL) == FAL_EINVAL);
    fal_store_iter *it = NULL;
    CHECK_OK(fal_store_iter_new(s, &it));
    int have = 0, rows = 0;
    fal_store_row r;
    while (fal_store_iter_next(it, &r, &have) == FAL_OK && have) {
        rows++;
        const fal_result *src = r.seed == res.seed ? &res : &h;
        CHECK(strcmp(r.family, "linear-chain") == 0 && strcmp(r.id, "L1") == 0);
        CHECK(strcmp(r.widths, "1^11") == 0 && r.depth == 10 && r.params == src->params);
        CHECK(r.examples == src->examples && r.seed == src->seed && r.steps == src->steps);
        CHECK(memcmp(&r.train_error, &src->train_error, sizeof(double)) == 0);
        CHECK(isnan(src->test_error) ? isnan(r.test_error) : r.test_error == src->test_error);
        CHECK(isnan(src->optimum_error) ? isnan(r.optimum_error) : r.optimum_error == src->optimum_error);
        CHECK(isnan(src->log2_classes) ? isnan(r.log2_classes) : r.log2_classes == src->log2_classes);
        CHECK(r.converged == src->converged);
        CHECK(strcmp(r.algo, src->algo) == 0);
        CHECK((src->note == NULL && r.note == NULL) || (src->note && r.note && !strcmp(r.note, src->note)));
        CHECK(r.seconds == src->seconds);
        CHECK(r.threads == fal_ctx_threads(ctx));
        CHECK(r.curve != NULL && strncmp(r.curve, "[[0,", 4) == 0);
        for (int i = 0; i < src->nextras; i++) {
            double v = fal_store_extra(r.extras, src->extras[i].name);
            CHECK_MSG(isnan(src->extras[i].value) ? isnan(v) : v == src->extras[i].value, "extra %s",
                      src->extras[i].name);
        }
        char key[1024];
        CHECK_OK(fal_store_key(ctx, r.seed == res.seed ? &cfg : &hc, key, sizeof key, NULL));
        CHECK(strcmp(key, r.key) == 0);
    }
    CHECK(rows == 2);
    fal_store_iter_free(it);
    fal_store_close(s);
    fal_result_clear(&res);
    fal_arch_free(arch);
    test_remove_dir(dir);
}

/* Equal configurations give equal keys however they were written; any
 * change of a result-changing field changes the key. */
TEST(test_store_key_canonicalisation)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *u = NULL, *e = NULL, *x = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 3, 2, &u));       /* --depth 3 --width 2 */
    CHECK_OK(fal_arch_parse(ctx, "2,2,2,2", &e));    /* --widths 2,2,2,2 */
    CHECK_OK(fal_arch_parse(ctx, "8,32,32,8", &x));
    fal_config a, b;
    fal_config_init(&a);
    a.family = fal_family_find("linear");
    a.arch = u;
    a.examples = 1000; /* --examples 1e3 and 1000 parse to the same number */
    a.examples_set = 1;
    a.lr = 0.1;
    a.seed = 7;
    b = a;
    b.arch = e;
    b.lr = 1e-1;
    b.power = 2;  /* the documented default of 0 */
    b.degree = 1; /* likewise */
    char ka[1024], kb[1024];
    size_t len = 0;
    CHECK_OK(fal_store_key(ctx, &a, ka, sizeof ka, &len));
    CHECK_OK(fal_store_key(ctx, &b, kb, sizeof kb, NULL));
    CHECK_MSG(strcmp(ka, kb) == 0, "%s != %s", ka, kb);
    CHECK(len == strlen(ka));
    CHECK(strcmp(ka, "family=linear;arch=2^4;k=1000;test=1000;algo=default;init=default;field=real;subspace=0;"
                     "features=0;power=2;units=sign;degree=1;steps=0;lr=0.10000000000000001;tol=0;data=none;"
                     "seed=7") == 0);
    /* each field that can change a result changes the key */
    fal_config c = a;
    const char *changes[] = { "seed", "k", "test", "algo", "arch", "field", "lr", "steps" };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        c = a;
        switch (i) {
        case 0: c.seed = 8; break;
        case 1: c.examples = 999; break;
        case 2: c.test = 10; break;
        case 3: c.algo = FAL_ALGO_GD; break; /* the family's default is not assumed to be gd */
        case 4: c.arch = x; break;
        case 5: c.field = FAL_COMPLEX; break;
        case 6: c.lr = 0.2; break;
        default: c.max_steps = 5; break;
        }
        char kc[1024];
        CHECK_OK(fal_store_key(ctx, &c, kc, sizeof kc, NULL));
        CHECK_MSG(strcmp(kc, ka) != 0, "changing %s kept the key", changes[i]);
    }
    c = a;
    c.arch = x;
    CHECK_OK(fal_store_key(ctx, &c, kb, sizeof kb, NULL));
    char field[64];
    CHECK(fal_store_key_field(kb, "arch", field, sizeof field) == 1 && strcmp(field, "8,32^2,8") == 0);
    CHECK(fal_store_key_field(kb, "seed", field, sizeof field) == 1 && strcmp(field, "7") == 0);
    CHECK(fal_store_key_field(kb, "nosuch", field, sizeof field) == 0 && field[0] == '\0');
    c.arch = NULL;
    c.examples = 0;
    c.examples_set = 0;
    CHECK_OK(fal_store_key(ctx, &c, kb, sizeof kb, NULL));
    CHECK(strstr(kb, ";arch=default;k=default;") != NULL);
    /* snprintf-like truncation */
    char small[16];
    CHECK(fal_store_key(ctx, &a, small, sizeof small, &len) == FAL_ERANGE);
    CHECK(len == strlen(ka) && strlen(small) == 15 && strncmp(small, ka, 15) == 0);
    c.family = NULL;
    CHECK(fal_store_key(ctx, &c, kb, sizeof kb, NULL) == FAL_EINVAL);

    /* --data: the contents, not the file name */
    fal_table *t1 = NULL, *t2 = NULL;
    CHECK_OK(fal_table_new(ctx, 4, 3, FAL_REAL, &t1));
    CHECK_OK(fal_table_new(ctx, 4, 3, FAL_REAL, &t2));
    for (size_t i = 0; i < 12; i++) fal_table_data(t1)[i] = fal_table_data(t2)[i] = (double)i / 7;
    c = a;
    c.data = t1;
    CHECK_OK(fal_store_key(ctx, &c, ka, sizeof ka, NULL));
    c.data = t2;
    CHECK_OK(fal_store_key(ctx, &c, kb, sizeof kb, NULL));
    CHECK(strcmp(ka, kb) == 0 && strstr(ka, ";data=fnv1a:") && strstr(ka, ":4x3;"));
    fal_table_data(t2)[5] += 1e-15;
    CHECK_OK(fal_store_key(ctx, &c, kb, sizeof kb, NULL));
    CHECK(strcmp(ka, kb) != 0);

    /* the run-length text parses back to the same architecture */
    const char *texts[] = { "8,32^2,8", "2^4", "3,1", "5,2,5", "1^1000000001", "4^2,3^3,4" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        fal_arch *p = NULL;
        CHECK_OK(fal_store_arch_parse(ctx, texts[i], &p));
        char back[64];
        CHECK_OK(fal_store_arch_text(ctx, p, back, sizeof back, NULL));
        CHECK_MSG(strcmp(back, texts[i]) == 0, "%s -> %s", texts[i], back);
        fal_arch_free(p);
    }
    fal_arch *deep = NULL;
    CHECK_OK(fal_store_arch_parse(ctx, "1^1000000001", &deep));
    CHECK(fal_arch_is_uniform(deep) && fal_arch_depth(deep) == 1000000000u); /* no 10^9-entry array */
    fal_arch_free(deep);
    const char *bad[] = { "", "0", "3,", ",3", "a", "3^0", "5", "3^", "3^1", "3,,4", "-1,2" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fal_arch *p = NULL;
        CHECK_MSG(fal_store_arch_parse(ctx, bad[i], &p) == FAL_EINVAL && p == NULL, "'%s' accepted", bad[i]);
    }
    fal_table_free(t1);
    fal_table_free(t2);
    fal_arch_free(u);
    fal_arch_free(e);
    fal_arch_free(x);
}

TEST(test_store_extra_decoder)
{
    const char *j = "{\"a\":1.5,\"b\":null,\"with \\\"quote\":3,\"c\":-2e-300,\"d\":0}";
    CHECK(fal_store_extra(j, "a") == 1.5);
    CHECK(isnan(fal_store_extra(j, "b")));
    CHECK(fal_store_extra(j, "c") == -2e-300);
    CHECK(fal_store_extra(j, "d") == 0);
    CHECK(isnan(fal_store_extra(j, "e")));
    CHECK(isnan(fal_store_extra(j, "quote")));
    CHECK(isnan(fal_store_extra("{}", "a")));
    CHECK(isnan(fal_store_extra("not json", "a")));
    CHECK(isnan(fal_store_extra(NULL, "a")));
}

/* Files that are not a fallacy database are refused, and left alone. */
TEST(test_store_refuses_foreign_files)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], p[128];
    test_temp_dir(dir, sizeof dir, "store");
    fal_store *s = NULL;
    snprintf(p, sizeof p, "%s/text.sqlite", dir);
    FILE *f = fopen(p, "w");
    fputs("this is not a database, but it is long enough to have a header of 100 bytes....................\n", f);
    fclose(f);
    CHECK(fal_store_open(ctx, p, FAL_STORE_CREATE, &s) == FAL_EFORMAT && s == NULL);
    CHECK(strstr(fal_ctx_message(ctx), "text.sqlite") != NULL);
    CHECK(fal_store_open(ctx, p, FAL_STORE_READ, &s) == FAL_EFORMAT);
    snprintf(p, sizeof p, "%s/other.sqlite", dir);
    CHECK(sql_exec(p, "CREATE TABLE t(x); INSERT INTO t VALUES(1)") == 0);
    CHECK(fal_store_open(ctx, p, FAL_STORE_CREATE, &s) == FAL_EFORMAT);
    CHECK(sql_int(p, "SELECT count(*) FROM sqlite_master") == 1); /* untouched */
    snprintf(p, sizeof p, "%s/future.sqlite", dir);
    CHECK_OK(fal_store_open(ctx, p, FAL_STORE_CREATE, &s));
    fal_store_close(s);
    CHECK(sql_exec(p, "UPDATE meta SET value = '99' WHERE name = 'schema'") == 0);
    CHECK(fal_store_open(ctx, p, FAL_STORE_READ, &s) == FAL_EFORMAT);
    CHECK(strstr(fal_ctx_message(ctx), "schema 99") != NULL);
    snprintf(p, sizeof p, "%s/missing.sqlite", dir);
    CHECK(fal_store_open(ctx, p, FAL_STORE_READ, &s) == FAL_EIO);
    CHECK(access(p, F_OK) != 0); /* reading does not create */
    fal_store_close(NULL);
    test_remove_dir(dir);
}

/* merge: new keys added, duplicates kept once, differing duplicates
 * counted as conflicts, a file merged into itself refused. */
TEST(test_store_merge_counts_and_conflicts)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], a[128], b[128], o[128];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(a, sizeof a, "%s/a.sqlite", dir);
    snprintf(b, sizeof b, "%s/b.sqlite", dir);
    snprintf(o, sizeof o, "%s/o.sqlite", dir);
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 5, 1, &arch));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.arch = arch;
    fal_store *sa = NULL, *sb = NULL, *so = NULL;
    CHECK_OK(fal_store_open(ctx, a, FAL_STORE_CREATE, &sa));
    CHECK_OK(fal_store_open(ctx, b, FAL_STORE_CREATE, &sb));
    for (uint64_t seed = 0; seed < 5; seed++) { /* a: seeds 0-2, b: seeds 2-4 */
        cfg.seed = seed;
        fal_result res;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        if (seed <= 2) CHECK_OK(fal_store_put(sa, &cfg, &res, NULL));
        if (seed >= 2) CHECK_OK(fal_store_put(sb, &cfg, &res, NULL));
        fal_result_clear(&res);
    }
    fal_store_close(sa);
    fal_store_close(sb);
    CHECK_OK(fal_store_open(ctx, o, FAL_STORE_CREATE, &so));
    fal_store_merge_stats ms;
    CHECK_OK(fal_store_merge(so, a, &ms));
    CHECK(ms.rows == 3 && ms.added == 3 && ms.duplicates == 0 && ms.conflicts == 0);
    CHECK_OK(fal_store_merge(so, b, &ms));
    CHECK(ms.rows == 3 && ms.added == 2 && ms.duplicates == 1 && ms.conflicts == 0);
    CHECK_OK(fal_store_merge(so, b, &ms));
    CHECK(ms.added == 0 && ms.duplicates == 3);
    /* the same key with another measured value: a conflict, the stored row kept */
    CHECK(sql_exec(a, "UPDATE runs SET test_error = 0.5 WHERE seed = 1") == 0);
    CHECK_OK(fal_store_merge(so, a, &ms));
    CHECK(ms.added == 0 && ms.duplicates == 3 && ms.conflicts == 1);
    CHECK(sql_int(o, "SELECT count(*) FROM runs WHERE test_error = 0.5") == 0);
    /* where and when do not conflict */
    CHECK(sql_exec(b, "UPDATE runs SET host = 'elsewhere', seconds = 99, timestamp = 'x', threads = 7") == 0);
    CHECK_OK(fal_store_merge(so, b, &ms));
    CHECK(ms.conflicts == 0);
    uint64_t n = 0;
    CHECK_OK(fal_store_count(so, &n));
    CHECK(n == 5);
    CHECK(sql_int(o, "SELECT count(DISTINCT key) FROM runs") == 5);
    CHECK(fal_store_merge(so, o, &ms) == FAL_EINVAL);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.sqlite", dir);
    CHECK(fal_store_merge(so, missing, &ms) == FAL_EIO);
    CHECK(access(missing, F_OK) != 0);
    fal_store_close(so);
    fal_arch_free(arch);
    test_remove_dir(dir);
}

/* ---- the commands --------------------------------------------------------------- */

/* 60 points of about 10 ms each, half training, half the commit's fsyncs. */
#define KILL_GRID "linear-chain", "--depth", "1e5,2e5", "--examples", "1", "--seeds", "30", "--json"
#define KILL_POINTS 60

/* SIGKILL in the middle of a sweep: the rerun completes it, every point
 * stored exactly once, and SQLite finds the file intact. */
TEST(test_store_sweep_resumes_after_sigkill)
{
    char dir[64], db[128], out[128];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/stdout", dir);
    const char *args[] = { "sweep", KILL_GRID, "--db", db, NULL };
    pid_t pid = spawn(args, out, NULL, 1);
    long long before = wait_lines(out, 5);
    kill(pid, SIGKILL);
    int sig = 0;
    wait_exit(pid, &sig);
    CHECK(sig == SIGKILL);
    long long after_kill = sql_int(db, "SELECT count(*) FROM runs");
    CHECK_MSG(before >= 5 && after_kill >= before && after_kill < KILL_POINTS,
              "the kill did not land mid-sweep: %lld then %lld of %d", before, after_kill, KILL_POINTS);
    char txt[64];
    CHECK(sql_text(db, "PRAGMA integrity_check", txt, sizeof txt) == 0 && strcmp(txt, "ok") == 0);
    CHECK(run_cli(args, NULL, NULL) == 0);
    CHECK(sql_int(db, "SELECT count(*) FROM runs") == KILL_POINTS);
    CHECK(sql_int(db, "SELECT count(DISTINCT key) FROM runs") == KILL_POINTS);
    CHECK(sql_int(db, "SELECT count(DISTINCT depth || '/' || seed) FROM runs") == KILL_POINTS);
    CHECK(sql_text(db, "PRAGMA integrity_check", txt, sizeof txt) == 0 && strcmp(txt, "ok") == 0);
    /* nothing is rerun once complete: the rows (and their timestamps) stay */
    long long sum_before = sql_int(db, "SELECT sum(rowid) FROM runs");
    CHECK(run_cli(args, NULL, NULL) == 0);
    CHECK(sql_int(db, "SELECT count(*) FROM runs") == KILL_POINTS);
    CHECK(sql_int(db, "SELECT sum(rowid) FROM runs") == sum_before);
    test_remove_dir(dir);
}

/* SIGINT: the sweep finishes the point in progress, says how to resume,
 * exits 130; what it says is stored is what is stored. */
TEST(test_store_sweep_stops_cleanly_on_sigint)
{
    char dir[64], db[128], err[128], jout[128], out[4096];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    snprintf(jout, sizeof jout, "%s/stdout", dir);
    const char *args[] = { "sweep", KILL_GRID, "--db", db, NULL };
    pid_t pid = spawn(args, jout, err, 1);
    wait_lines(jout, 3);
    kill(pid, SIGINT);
    int sig = 0;
    int rc = wait_exit(pid, &sig);
    CHECK_MSG(rc == 130 && sig == 0, "exit %d, signal %d", rc, sig);
    read_file(err, out, sizeof out);
    CHECK_MSG(strstr(out, "interrupted by SIGINT") && strstr(out, "Run the same command again to resume"), "%s", out);
    long long n = sql_int(db, "SELECT count(*) FROM runs");
    char said[64];
    snprintf(said, sizeof said, "; %lld of %d points", n, KILL_POINTS);
    CHECK_MSG(strstr(out, said) != NULL, "db holds %lld; stderr: %s", n, out);
    CHECK(n >= 3 && n < KILL_POINTS);
    CHECK(access(db, F_OK) == 0);
    char journal[160];
    snprintf(journal, sizeof journal, "%s-journal", db);
    CHECK(access(journal, F_OK) != 0); /* closed cleanly: no hot journal */
    CHECK(run_cli(args, NULL, NULL) == 0);
    CHECK(sql_int(db, "SELECT count(DISTINCT key) FROM runs") == KILL_POINTS);
    CHECK(sql_int(db, "SELECT count(*) FROM runs") == KILL_POINTS);
    test_remove_dir(dir);
}

/* Three shards merged = the unsharded sweep, as sets of keys and values
 * (all but seconds, host, timestamp). */
TEST(test_store_sweep_shards_merge_to_one_sweep)
{
    char dir[64], one[128], s[3][128], m[128], out[128], txt[4096];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(one, sizeof one, "%s/one.sqlite", dir);
    snprintf(m, sizeof m, "%s/merged.sqlite", dir);
    snprintf(out, sizeof out, "%s/stdout", dir);
    const char *grid[] = { "linear,linear-ae", "--widths", "4,2,4;4,2,2,4", "--examples", "1,3", "--seeds", "3" };
    /* linear and linear-ae x 2 archs x 2 k x 3 seeds = 24 points */
    const char *a1[] = { "sweep", grid[0], grid[1], grid[2], grid[3], grid[4], grid[5], grid[6], "--db", one, NULL };
    CHECK(run_cli(a1, NULL, NULL) == 0);
    CHECK(sql_int(one, "SELECT count(*) FROM runs") == 24);
    for (int i = 0; i < 3; i++) {
        char shard[16];
        snprintf(s[i], sizeof s[i], "%s/shard%d.sqlite", dir, i + 1);
        snprintf(shard, sizeof shard, "%d/3", i + 1);
        const char *a[] = { "sweep", grid[0], grid[1], grid[2], grid[3], grid[4], grid[5], grid[6], "--db", s[i],
                            "--shard", shard, NULL };
        CHECK(run_cli(a, NULL, NULL) == 0);
        CHECK(sql_int(s[i], "SELECT count(*) FROM runs") == 8); /* 24 points, mod 3 */
    }
    const char *am[] = { "merge", m, s[0], s[1], s[2], NULL };
    CHECK(run_cli(am, out, NULL) == 0);
    read_file(out, txt, sizeof txt);
    CHECK_MSG(strstr(txt, "8 runs, 8 added, 0 already present") && strstr(txt, "merged.sqlite: 24 runs (24 added)"),
              "%s", txt);
    /* merging again adds nothing */
    CHECK(run_cli(am, out, NULL) == 0);
    read_file(out, txt, sizeof txt);
    CHECK_MSG(strstr(txt, "merged.sqlite: 24 runs (0 added)") != NULL, "%s", txt);
    /* the same sets, both ways */
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(m, &db) == SQLITE_OK);
    char sql[1024];
    snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS one", one);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    const char *cols = "key, id, family, algo, widths, depth, params, examples, seed, train_error, test_error, "
                       "optimum_error, log2_classes, bits_provided, converged, steps, note, extras, curve, version";
    for (int dirn = 0; dirn < 2; dirn++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT %s FROM %s.runs EXCEPT SELECT %s FROM %s.runs)", cols,
                 dirn ? "one" : "main", cols, dirn ? "main" : "one");
        sqlite3_stmt *q = NULL;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK);
        CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    /* bad shards are refused before anything is written */
    const char *bad[] = { "0/3", "4/3", "1/0", "x", "1/", "/3", "2" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char nodb[160];
        snprintf(nodb, sizeof nodb, "%s/bad.sqlite", dir);
        const char *a[] = { "sweep", "linear", "--db", nodb, "--shard", bad[i], NULL };
        CHECK_MSG(run_cli(a, NULL, NULL) == 2, "--shard %s", bad[i]);
        CHECK(access(nodb, F_OK) != 0);
    }
    test_remove_dir(dir);
}

TEST(test_store_sweep_usage_errors)
{
    char dir[64], db[128];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    const char *cases[][12] = {
        { "sweep", "linear", NULL },                                          /* no --db */
        { "sweep", "linear,nosuch", "--db", db, NULL },                       /* unknown family */
        { "sweep", "--db", db, NULL },                                        /* no family */
        { "sweep", "linear", "--widths", "4,4", "--depth", "2", "--db", db, NULL },
        { "sweep", "linear", "--examples", "1,,2", "--db", db, NULL },
        { "sweep", "linear", "--examples", "0", "--db", db, NULL },
        { "sweep", "linear", "--depth", "1,x", "--db", db, NULL },
        { "sweep", "linear", "--widths", "4,4;", "--db", db, NULL },
        { "sweep", "linear", "--algo", "gd,sgd", "--db", db, NULL },
        { "sweep", "linear", "--seeds", "0", "--db", db, NULL },
        { "sweep", "linear", "--nosuch", "1", "--db", db, NULL },
        { "merge", db, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run_cli(cases[i], NULL, NULL);
        CHECK_MSG(rc == 2, "case %zu (%s %s) exited %d", i, cases[i][1], cases[i][2] ? cases[i][2] : "", rc);
        CHECK_MSG(access(db, F_OK) != 0, "case %zu created the database", i);
    }
    /* merge: a missing input is refused before the output is created */
    char o[160], missing[160];
    snprintf(o, sizeof o, "%s/o.sqlite", dir);
    snprintf(missing, sizeof missing, "%s/none.sqlite", dir);
    const char *am[] = { "merge", o, missing, NULL };
    CHECK(run_cli(am, NULL, NULL) == 2);
    CHECK(access(o, F_OK) != 0);
    test_remove_dir(dir);
}

/* --list: the grid in order, the shard's slice (p mod N == i - 1), what is
 * stored; and --depth 1e3 is the same point as --depth 1000. */
TEST(test_store_sweep_list_and_grid_order)
{
    char dir[64], db[128], out[128], txt[8192], txt2[8192];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/stdout", dir);
    const char *a[] = { "sweep", "linear-chain", "--depth", "1e3,10", "--examples", "1,2", "--seeds", "2", "--list",
                        NULL };
    CHECK(run_cli(a, out, NULL) == 0);
    read_file(out, txt, sizeof txt);
    /* 2 depths x 2 k x 2 seeds, seed innermost then k then architecture */
    int lines = 0;
    for (char *p = txt; (p = strchr(p, '\n')); p++) lines++;
    CHECK(lines == 8);
    CHECK(strstr(txt, "0\ttodo\tfamily=linear-chain;arch=1^1001;k=1;") == txt);
    CHECK(strstr(txt, "1\ttodo\tfamily=linear-chain;arch=1^1001;k=1;") && strstr(txt, ";seed=1\n2\ttodo"));
    CHECK(strstr(txt, "2\ttodo\tfamily=linear-chain;arch=1^1001;k=2;") != NULL);
    CHECK(strstr(txt, "4\ttodo\tfamily=linear-chain;arch=1^11;k=1;") != NULL);
    CHECK(access(db, F_OK) != 0);
    /* store one point with --depth 1000 --examples 2 --seed 1; --list sees it as stored */
    const char *r[] = { "sweep", "linear-chain", "--depth", "1000", "--examples", "2", "--seed", "1", "--db", db, NULL };
    CHECK(run_cli(r, NULL, NULL) == 0);
    const char *l2[] = { "sweep", "linear-chain", "--depth", "1e3,10", "--examples", "1,2", "--seeds", "2", "--list",
                         "--db", db, "--shard", "2/2", NULL };
    CHECK(run_cli(l2, out, NULL) == 0);
    read_file(out, txt2, sizeof txt2);
    CHECK_MSG(strstr(txt2, "1\ttodo") && strstr(txt2, "3\tstored") && strstr(txt2, "5\ttodo") &&
                  strstr(txt2, "7\ttodo") && !strstr(txt2, "0\t") && !strstr(txt2, "2\t"),
              "%s", txt2);
    test_remove_dir(dir);
}

/* Progress: on a terminal only, bold unless NO_COLOR; silent into a file. */
TEST(test_store_sweep_progress_only_on_a_terminal)
{
    char dir[64], db[128], err[128], out[128], txt[4096];
    test_temp_dir(dir, sizeof dir, "store");
    for (int mode = 0; mode < 2; mode++) {
        snprintf(db, sizeof db, "%s/tty%d.sqlite", dir, mode);
        int master = -1;
        pid_t pid = forkpty(&master, NULL, NULL, NULL);
        if (pid == 0) {
            if (mode) setenv("NO_COLOR", "1", 1);
            else unsetenv("NO_COLOR");
            setenv("TERM", "xterm", 1);
            execl(bin(), bin(), "sweep", "linear-chain", "--depth", "10,20", "--seeds", "2", "--db", db, (char *)NULL);
            _exit(127);
        }
        size_t n = 0;
        while (n + 1 < sizeof txt) {
            ssize_t r = read(master, txt + n, sizeof txt - 1 - n);
            if (r <= 0) break; /* EIO once the child has exited */
            n += (size_t)r;
        }
        txt[n] = '\0';
        close(master);
        CHECK(wait_exit(pid, NULL) == 0);
        CHECK_MSG(strstr(txt, "points done") && strstr(txt, "left") && strstr(txt, "4/4"), "%s", txt);
        if (mode) CHECK_MSG(strchr(txt, '\033') == NULL, "NO_COLOR set, escape sequences written");
        else CHECK(strstr(txt, "\033[1m") != NULL);
    }
    /* not a terminal: no redrawn line, nothing on stdout (see the batch-log
     * test below for what stderr holds) */
    snprintf(db, sizeof db, "%s/file.sqlite", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    snprintf(out, sizeof out, "%s/stdout", dir);
    const char *a[] = { "sweep", "linear-chain", "--depth", "10,20", "--seeds", "2", "--db", db, NULL };
    CHECK(wait_exit(spawn(a, out, err, 0), NULL) == 0);
    CHECK(read_file(err, txt, sizeof txt) > 0);
    CHECK_MSG(strchr(txt, '\r') == NULL && strchr(txt, '\033') == NULL && !strstr(txt, "points done"), "%s", txt);
    CHECK(read_file(out, txt, sizeof txt) == 0);
    CHECK(sql_int(db, "SELECT count(*) FROM runs") == 4);
    test_remove_dir(dir);
}

/* Count the lines of buf that start with prefix. */
static int lines_starting(const char *buf, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, len) == 0;
    return n;
}

/* A batch log (stderr into a file, as slurm-%A_%a.out): a start line, one
 * line per run finished now with its key, converged flag and seconds, and
 * the closing summary with the number that did not converge.  The oracle
 * is the database itself: the keys, converged flags and counts the lines
 * name are the stored ones.  A rerun logs no run and says all were stored. */
TEST(test_store_sweep_batch_log_lines)
{
    char dir[64], db[128], err[128], txt[16384], want[256];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/log.sqlite", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    /* --steps 3: some points stop at the step limit (not converged) */
    const char *a[] = { "sweep", "linear-chain", "--depth", "1,10,100", "--seeds", "3", "--steps", "3", "--shard",
                        "2/2", "--db", db, NULL };
    CHECK(run_cli(a, NULL, err) == 0);
    read_file(err, txt, sizeof txt);
    long long total = sql_int(db, "SELECT count(*) FROM runs");
    long long noconv = sql_int(db, "SELECT count(*) FROM runs WHERE converged = 0");
    CHECK_MSG(total == 4 && noconv >= 1, "total %lld, not converged %lld", total, noconv);
    snprintf(want, sizeof want, "sweep: 4 points (shard 2/2), 0 stored before, 4 to run -> %s\n", db);
    CHECK_MSG(strncmp(txt, want, strlen(want)) == 0, "%s", txt);
    CHECK_MSG(lines_starting(txt, "sweep: [") == 4, "%s", txt);
    for (int i = 1; i <= 4; i++) {
        snprintf(want, sizeof want, "sweep: [%d/4] converged=", i);
        CHECK_MSG(strstr(txt, want) != NULL, "no line %d: %s", i, txt);
    }
    /* each logged key is stored, with the logged converged flag */
    int seen = 0;
    for (const char *p = strstr(txt, "sweep: ["); p; p = strstr(p + 1, "sweep: [")) {
        const char *c = strstr(p, "converged="), *k = strstr(p, " key="), *nl = strchr(p, '\n');
        if (!CHECK(c && k && nl && k < nl && strstr(p, " seconds="))) break;
        char key[1024], sql[1400];
        size_t kl = (size_t)(nl - (k + 5));
        if (!CHECK(kl < sizeof key)) break;
        memcpy(key, k + 5, kl);
        key[kl] = '\0';
        snprintf(sql, sizeof sql, "SELECT converged FROM runs WHERE key = '%s'", key);
        CHECK_MSG(sql_int(db, sql) == c[10] - '0', "%s", key);
        seen++;
    }
    CHECK(seen == 4);
    snprintf(want, sizeof want, "sweep: 4 points: 4 run now (%lld did not converge), 0 stored before -> %s\n", noconv,
             db);
    CHECK_MSG(strstr(txt, want) != NULL, "want %s in %s", want, txt);
    /* the rerun: nothing to run, and it says so */
    CHECK(run_cli(a, NULL, err) == 0);
    read_file(err, txt, sizeof txt);
    CHECK_MSG(lines_starting(txt, "sweep: [") == 0, "%s", txt);
    snprintf(want, sizeof want, "sweep: 4 points: 0 run now (0 did not converge), 4 stored before -> %s\n", db);
    CHECK_MSG(strstr(txt, want) != NULL, "%s", txt);
    test_remove_dir(dir);
}

/* Read everything a child on a pseudo-terminal writes until it exits. */
static size_t pty_slurp(int master, char *txt, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(master, txt + n, cap - 1 - n);
        if (r <= 0) break; /* EIO once the child has exited */
        n += (size_t)r;
    }
    txt[n] = '\0';
    return n;
}

/* `fallacy run` and `fallacy need` on a terminal: a progress line redrawn
 * in place (\r) from the library's callback, naming the step and its limit
 * (run) or the k probed (need), erased before the result.  The delay before
 * the first line is set to 0 so that the test does not depend on speed.
 * Into a file: no progress at all, the same stdout bytes. */
TEST(test_cli_progress_on_a_terminal)
{
    char txt[65536], dir[64], out[128], txt2[8192];
    const char *cases[][12] = {
        { "run", "linear", "--depth", "300", "--width", "2", "--steps", "400", "--seed", "3", NULL },
        { "need", "linear-chain", "--depth", "3", "--eps", "1e-6", "--seeds", "2", NULL },
    };
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(out, sizeof out, "%s/stdout", dir);
    for (int c = 0; c < 2; c++) {
        int master = -1;
        pid_t pid = forkpty(&master, NULL, NULL, NULL);
        if (pid == 0) {
            setenv("FALLACY_PROGRESS_DELAY", "0", 1);
            char *argv[16];
            int n = 0;
            argv[n++] = (char *)bin();
            for (int i = 0; cases[c][i]; i++) argv[n++] = (char *)cases[c][i];
            argv[n] = NULL;
            execv(bin(), argv);
            _exit(127);
        }
        pty_slurp(master, txt, sizeof txt);
        close(master);
        int rc = wait_exit(pid, NULL);
        CHECK(rc == 0 || rc == 1);
        if (c == 0) CHECK_MSG(strstr(txt, "\rrun: step 0 of at most 400, train error ") != NULL, "%.300s", txt);
        else CHECK_MSG(strstr(txt, "\rneed: 0 runs done, now k = 1 seed 0") != NULL, "%.300s", txt);
        /* the line is erased (blanks then \r) before the result */
        const char *last = strrchr(txt, '\r');
        CHECK(last != NULL);
        const char *erase = strstr(txt, " \r");
        if (!CHECK_MSG(erase != NULL, "%.300s", txt)) continue;
        /* the same command into files: stdout is what the terminal got
         * after the erased line (modulo the terminal's \r\n), stderr has no
         * progress */
        const char *args[12];
        int i = 0;
        for (; cases[c][i]; i++) args[i] = cases[c][i];
        args[i] = NULL;
        char err[128];
        snprintf(err, sizeof err, "%s/stderr", dir);
        int rc2 = run_cli(args, out, err);
        CHECK(rc2 == rc);
        read_file(err, txt2, sizeof txt2);
        CHECK_MSG(strstr(txt2, "step ") == NULL && strchr(txt2, '\r') == NULL, "%s", txt2);
        read_file(out, txt2, sizeof txt2);
        char first[128];
        const char *nl = strchr(txt2, '\n');
        size_t fl = nl ? (size_t)(nl - txt2) : strlen(txt2);
        if (fl >= sizeof first) fl = sizeof first - 1;
        memcpy(first, txt2, fl);
        first[fl] = '\0';
        CHECK_MSG(fl > 0 && strstr(erase, first) != NULL, "stdout line '%s' not after the erased progress", first);
    }
    test_remove_dir(dir);
}

/* A writer killed mid-transaction leaves a hot journal; opening the
 * database to read (the report, a merge) rolls it back and sees exactly
 * the committed runs. */
TEST(test_store_reader_recovers_a_hot_journal)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], journal[160];
    test_temp_dir(dir, sizeof dir, "store");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(journal, sizeof journal, "%s-journal", db);
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 3, 1, &arch));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.arch = arch;
    fal_result res;
    CHECK_OK(fal_run(ctx, &cfg, &res));
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
    fal_store_close(s);
    fal_result_clear(&res);
    fal_arch_free(arch);
    pid_t pid = fork();
    if (pid == 0) { /* a writer that dies inside its transaction, pages spilled to the file */
        sqlite3 *w = NULL;
        if (sqlite3_open(db, &w) != SQLITE_OK) _exit(1);
        sqlite3_exec(w, "PRAGMA cache_size=1; BEGIN", NULL, NULL, NULL);
        for (int i = 0; i < 500; i++)
            sqlite3_exec(w, "INSERT INTO runs SELECT key || hex(randomblob(8)), id, family, algo, widths, depth, "
                            "params, examples, seed, train_error, test_error, optimum_error, log2_classes, "
                            "bits_provided, converged, steps, seconds, note, extras || hex(randomblob(300)), curve, "
                            "version, threads, blas, host, timestamp, config, centres FROM runs LIMIT 1",
                         NULL, NULL, NULL);
        _exit(0);
    }
    CHECK(wait_exit(pid, NULL) == 0);
    CHECK(access(journal, F_OK) == 0);
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
    uint64_t n = 0;
    CHECK_OK(fal_store_count(s, &n));
    CHECK(n == 1);
    fal_store_close(s);
    CHECK(access(journal, F_OK) != 0);
    char txt[64];
    CHECK(sql_text(db, "PRAGMA integrity_check", txt, sizeof txt) == 0 && strcmp(txt, "ok") == 0);
    test_remove_dir(dir);
}

/* Found by tests/fuzz/fuzz_store.c: strtod read "inf", "nan" and hex where
 * the extras hold JSON numbers, so a hand-edited row gave +Inf instead of
 * "unreadable" (NaN); a bad value elsewhere does not hide the others. */
TEST(test_store_extra_refuses_non_json_numbers)
{
    CHECK(isnan(fal_store_extra("{\"gap\":inf}", "gap")));
    CHECK(isnan(fal_store_extra("{\"gap\":-Infinity}", "gap")));
    CHECK(isnan(fal_store_extra("{\"gap\":0x10}", "gap")));
    CHECK(isnan(fal_store_extra("{\"gap\":1e999}", "gap")));
    CHECK(isnan(fal_store_extra("{\"gap\":\t1}", "gap")));
    CHECK(fal_store_extra("{\"a\":inf,\"gap\":2.5}", "gap") == 2.5);
    CHECK(fal_store_extra("{\"gap\":-1.25e-3}", "gap") == -1.25e-3);
}

/* Found by tests/fuzz/fuzz_store.c: converged was read with
 * sqlite3_column_int, the low 32 bits, so a stored 2^32 read as "not
 * converged". */
TEST(test_store_decoder_reads_converged_in_64_bits)
{
    char dir[256], path[300];
    test_temp_dir(dir, sizeof dir, "store-conv");
    if (!CHECK(dir[0])) return;
    snprintf(path, sizeof path, "%s/runs.sqlite", dir);
    fal_ctx *ctx = test_ctx();
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, path, FAL_STORE_CREATE, &s));
    fal_store_close(s);
    s = NULL;
    CHECK(sql_exec(path, "INSERT INTO runs VALUES('k1','L1','linear-chain','gd','1^2',1,1,1,1,0,0,0,NULL,NULL,"
                         "4294967296,1,0,NULL,'{}',NULL,'0.1.0',1,'b','h','t',NULL,NULL),"
                         "('k2','L1','linear-chain','gd','1^2',1,1,1,1,0,0,0,NULL,NULL,"
                         "0,1,0,NULL,'{}',NULL,'0.1.0',1,'b','h','t',NULL,NULL)") == 0);
    CHECK_OK(fal_store_open(ctx, path, FAL_STORE_READ, &s));
    fal_store_iter *it = NULL;
    if (s) CHECK_OK(fal_store_iter_new(s, &it));
    int have = 0, seen = 0;
    fal_store_row r;
    while (it && fal_store_iter_next(it, &r, &have) == FAL_OK && have) {
        if (strcmp(r.key, "k1") == 0) CHECK(r.converged == 1);
        else CHECK(r.converged == 0);
        seen++;
    }
    CHECK(seen == 2);
    fal_store_iter_free(it);
    fal_store_close(s);
    test_remove_dir(dir);
}
