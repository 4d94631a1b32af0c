/* test_trust.c -- issue 13: nothing lost, nothing overwritten.  One test
 * (or more) per row of the issue; each failed on the code before the fix
 * (the report to the integrator says what each printed).  Oracles: the
 * files and rows themselves (counted, compared byte for byte), SQLite's
 * own reading of a database, python3's XML parser for the report's files,
 * the exit codes of the contract (SPEC.md). */
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"

static const char *bin(void)
{
    const char *b = getenv("FALLACY_BIN");
    return b ? b : "build/fallacy";
}

/* Run a shell command line where `fallacy` is the binary under test;
 * stderr into err (cap bytes).  Returns the exit status, or -1. */
static int sh(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *err, size_t cap, const char *fmt, ...)
{
    char cmd[4096], line[5000], errp[] = "/tmp/fallacy-trust-err-XXXXXX";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int fd = mkstemp(errp);
    if (fd < 0) return -1;
    close(fd);
    snprintf(line, sizeof line, "fallacy() { \"%s\" \"$@\"; }; { %s ; } 2>'%s'", bin(), cmd, errp);
    int st = system(line);
    if (err && cap) {
        size_t n = 0;
        char *e = test_slurp(errp, &n);
        /* keep the end when it does not fit: a sweep's batch log comes
         * first, the message that ended the command last */
        snprintf(err, cap, "%s", e ? (n >= cap ? e + (n - (cap - 1)) : e) : "");
        free(e);
    }
    unlink(errp);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long long count_runs(const char *db)
{
    sqlite3 *q = NULL;
    long long n = -1;
    if (sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(q, "SELECT count(*) FROM runs", -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(q);
    return n;
}

static int sql(const char *db, const char *text)
{
    sqlite3 *q = NULL;
    int rc = sqlite3_open(db, &q);
    if (rc == SQLITE_OK) rc = sqlite3_exec(q, text, NULL, NULL, NULL);
    sqlite3_close(q);
    return rc;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* A small valid database: 3 seeds of a 3-deep chain. */
static void small_db(const char *db)
{
    char err[512];
    CHECK_MSG(sh(err, sizeof err, "fallacy sweep linear-chain --depth 3 --seeds 3 --db '%s' >/dev/null", db) == 0,
              "%s", err);
}

/* ---- row 1: output to a full device ------------------------------------- */

TEST(test_i13_stdout_full_device_is_exit_3)
{
    char dir[128], db[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    small_db(db);
    const char *cmds[] = {
        "fallacy run linear-chain --depth 3 --json",
        "fallacy run linear-chain --depth 3",
        "fallacy classes linear-chain --depth 3",
        "fallacy need linear-chain --depth 3 --eps 1e-8",
        "fallacy list",
        "fallacy version",
        "fallacy report --db '%1$s/in.sqlite' --out '%1$s/rep'",
        "fallacy merge '%1$s/merged.sqlite' '%1$s/in.sqlite'",
        "fallacy sweep linear-chain --depth 3,4 --seeds 2 --db '%1$s/sw.sqlite' --json",
        "fallacy demo --out '%1$s/demo'",
    };
    char full[300];
    int have_full = test_full_device(full, sizeof full, dir);
    if (!have_full) printf("    (no full device here: /dev/full is not one and mknod failed; skipped)\n");
    for (size_t i = 0; have_full && i < sizeof cmds / sizeof cmds[0]; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, cmds[i], dir);
        int rc = sh(err, sizeof err, "%s >'%s'", cmd, full);
        CHECK_MSG(rc == 3, "'%s' >%s exited %d (stderr: %s)", cmd, full, rc, err);
        CHECK_MSG(strstr(err, "fallacy: cannot write the output: No space left on device") != NULL, "'%s': %s", cmd,
                  err);
    }
    /* a write error other than no space: a closed stdout is exit 2 */
    int rc = sh(err, sizeof err, "fallacy list >&-");
    CHECK_MSG(rc == 2 && strstr(err, "cannot write the output"), "list >&-: exit %d, %s", rc, err);
    /* and a plain run still exits 0 */
    CHECK(sh(err, sizeof err, "fallacy list >/dev/null") == 0);
    test_remove_dir(dir);
}

/* ---- rows 2 and 4: demo and report write only where they may ------------ */

TEST(test_i13_demo_keeps_the_users_database)
{
    char dir[128], db[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    small_db(db);
    long long before = count_runs(db);
    CHECK(before == 3);
    int rc = sh(err, sizeof err, "fallacy demo --out '%s' >/dev/null", dir);
    CHECK_MSG(rc == 2, "demo into a directory holding the user's database: exit %d", rc);
    CHECK_MSG(strstr(err, "holds 'runs.sqlite', which fallacy did not write"), "%s", err);
    CHECK_MSG(count_runs(db) == before, "the user's runs: %lld, were %lld", count_runs(db), before);
    char p[300];
    snprintf(p, sizeof p, "%s/index.html", dir);
    CHECK(!file_exists(p));
    test_remove_dir(dir);
}

TEST(test_i13_report_out_dir_rule)
{
    char dir[128], db[256], rep[256], p[400], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    small_db(db);
    /* a new directory, then the same one again: fallacy's own */
    CHECK(sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep) == 0);
    CHECK_MSG(sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep) == 0, "%s", err);
    /* a file of the user's in it: refused, the file untouched */
    snprintf(p, sizeof p, "%s/notes.txt", rep);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("mine\n", f);
        fclose(f);
    }
    int rc = sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep);
    CHECK_MSG(rc == 2 && strstr(err, "holds 'notes.txt', which fallacy did not write"), "exit %d: %s", rc, err);
    char *t = test_slurp(p, NULL);
    CHECK(t && strcmp(t, "mine\n") == 0);
    free(t);
    /* the database read may sit in the directory (the report never writes it) */
    char d2[300], db2[400];
    snprintf(d2, sizeof d2, "%s/withdb", dir);
    mkdir(d2, 0777);
    snprintf(db2, sizeof db2, "%s/runs.sqlite", d2);
    small_db(db2);
    CHECK_MSG(sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db2, d2) == 0, "%s", err);
    CHECK(count_runs(db2) == 3);
    /* row 4: a system directory, whatever it holds; nothing written there */
    int had = file_exists("/index.html");
    rc = sh(err, sizeof err, "fallacy report --db '%s' --out / >/dev/null", db);
    CHECK_MSG(rc == 2 && strstr(err, "a system directory"), "--out /: exit %d: %s", rc, err);
    CHECK(had || !file_exists("/index.html"));
    CHECK(!file_exists("/headline.svg") && !file_exists("/.fallacy-out"));
    rc = sh(err, sizeof err, "fallacy report --db '%s' --out /tmp >/dev/null", db);
    CHECK_MSG(rc == 2 && strstr(err, "a system directory"), "--out /tmp: exit %d: %s", rc, err);
    test_remove_dir(dir);
}

/* ---- row 3: no write through a planted symlink --------------------------- */

TEST(test_i13_report_never_writes_through_a_symlink)
{
    char dir[128], db[256], rep[256], victim[256], p[400], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    small_db(db);
    FILE *f = fopen(victim, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("precious\n", f);
        fclose(f);
    }
    /* the attack: a link at the old fixed temporary name */
    mkdir(rep, 0777);
    snprintf(p, sizeof p, "%s/index.html.tmp", rep);
    CHECK(symlink("../victim", p) == 0);
    int rc = sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep);
    char *t = test_slurp(victim, NULL);
    CHECK_MSG(t && strcmp(t, "precious\n") == 0, "victim now starts: %.40s", t ? t : "(gone)");
    free(t);
    CHECK_MSG(rc == 2, "exit %d: %s", rc, err);
    snprintf(p, sizeof p, "%s/index.html", rep);
    struct stat sb;
    CHECK(lstat(p, &sb) != 0 || !S_ISLNK(sb.st_mode));
    /* a link in place of a file the report owns is replaced, not followed */
    snprintf(p, sizeof p, "%s/index.html.tmp", rep);
    unlink(p);
    CHECK(sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep) == 0);
    snprintf(p, sizeof p, "%s/index.html", rep);
    unlink(p);
    CHECK(symlink("../victim", p) == 0);
    CHECK_MSG(sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep) == 0, "%s", err);
    t = test_slurp(victim, NULL);
    CHECK(t && strcmp(t, "precious\n") == 0);
    free(t);
    CHECK(lstat(p, &sb) == 0 && S_ISREG(sb.st_mode));
    test_remove_dir(dir);
}

/* ---- row 5: complex data with a real field -------------------------------- */

TEST(test_i13_complex_data_needs_field_complex)
{
    char err[1024];
    int rc = sh(err, sizeof err, "fallacy run linear --widths 2,2 --data tests/data/c16_2d.npy >/dev/null");
    CHECK_MSG(rc == 2 && strstr(err, "complex data needs --field complex"), "linear: exit %d: %s", rc, err);
    rc = sh(err, sizeof err,
            "fallacy run linear-ae --widths 2,1,2 --field real --data tests/data/c16_2d.npy >/dev/null");
    CHECK_MSG(rc == 2 && strstr(err, "complex data needs --field complex"), "linear-ae: exit %d: %s", rc, err);
    rc = sh(err, sizeof err,
            "fallacy run linear-ae --widths 3,2,3 --field complex --data tests/data/f8_2d.npy >/dev/null");
    CHECK_MSG(rc == 2 && strstr(err, "--field complex needs complex data"), "real data: exit %d: %s", rc, err);
    rc = sh(err, sizeof err, "fallacy run linear --widths 2,2 --field complex --data tests/data/c16_2d.npy --json "
                             "| grep -q '\"field\":\"complex\"\\|\"id\"'");
    CHECK_MSG(rc == 0, "linear --field complex on complex data: exit %d: %s", rc, err);
}

/* ---- row 6: a full file system ------------------------------------------- */

TEST(test_i13_sweep_out_of_space_is_exit_3_rows_intact)
{
    char dir[128], mnt[256], db[300], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(mnt, sizeof mnt, "%s/small", dir);
    mkdir(mnt, 0777);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=200k") != 0) {
        /* not root: a file-size limit stands for the full device */
        printf("    (no tmpfs: %s; using ulimit -f 200)\n", strerror(errno));
        snprintf(db, sizeof db, "%s/runs.sqlite", mnt);
        int rc = sh(err, sizeof err,
                    "(trap '' XFSZ; ulimit -f 200; exec \"$0\" sweep linear-chain --depth 3 --seeds 3000 "
                    "--db '%s') >/dev/null",
                    db);
        CHECK_MSG(rc == 3, "exit %d: %s", rc, err);
    } else {
        snprintf(db, sizeof db, "%s/runs.sqlite", mnt);
        int rc = sh(err, sizeof err, "fallacy sweep linear-chain --depth 3 --seeds 3000 --db '%s' >/dev/null", db);
        CHECK_MSG(rc == 3, "sweep onto a 200 KiB tmpfs: exit %d (stderr: %s)", rc, err);
        CHECK_MSG(strstr(err, "full"), "%s", err);
        /* the rows stored before stay, and the database is sound */
        long long n = count_runs(db);
        CHECK_MSG(n > 10 && n < 3000, "%lld rows kept", n);
        sqlite3 *q = NULL;
        CHECK(sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        sqlite3_stmt *s = NULL;
        CHECK(sqlite3_prepare_v2(q, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK);
        CHECK(sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0);
        sqlite3_finalize(s);
        sqlite3_close(q);
        /* a rerun on the full device: exit 3 again, not 0, rows unchanged */
        rc = sh(err, sizeof err, "fallacy sweep linear-chain --depth 3 --seeds 3000 --db '%s' >/dev/null", db);
        CHECK_MSG(rc == 3, "rerun: exit %d: %s", rc, err);
        CHECK(count_runs(db) == n);
        umount(mnt);
    }
    test_remove_dir(dir);
}

/* ---- row 7: cells that are not numbers ----------------------------------- */

TEST(test_i13_report_refuses_non_numeric_cells)
{
    char dir[128], db[256], rep[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    const char *bad[] = { "UPDATE runs SET train_error = 'abc' WHERE seed = 1",
                          "UPDATE runs SET test_error = x'00ff' WHERE seed = 1",
                          "UPDATE runs SET params = 'many' WHERE seed = 1" };
    for (size_t i = 0; i < 3; i++) {
        unlink(db);
        small_db(db);
        CHECK(sql(db, bad[i]) == SQLITE_OK);
        int rc = sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep);
        CHECK_MSG(rc == 2, "'%s': report exit %d", bad[i], rc);
        CHECK_MSG(strstr(err, "holds text, not a number") || strstr(err, "holds a blob, not a number") ||
                      strstr(err, "holds text, not an integer"),
                  "'%s': %s", bad[i], err);
        /* and the library's decoder says so too */
        fal_ctx *ctx = test_ctx();
        fal_store *s = NULL;
        CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
        fal_store_iter *it = NULL;
        CHECK_OK(fal_store_iter_new(s, &it));
        fal_status st = FAL_OK;
        for (;;) {
            fal_store_row r;
            int have = 0;
            st = fal_store_iter_next(it, &r, &have);
            if (st != FAL_OK || !have) break;
        }
        CHECK(st == FAL_EFORMAT);
        fal_store_iter_free(it);
        fal_store_close(s);
    }
    test_remove_dir(dir);
}

/* ---- rows 8 and 9: section file names, invalid UTF-8 --------------------- */

/* Copies of the database's rows under other catalogue ids (keys made
 * unique by a suffix). */
static void add_ids(const char *db, const char *const *ids, size_t n)
{
    sqlite3 *q = NULL;
    CHECK(sqlite3_open(db, &q) == SQLITE_OK);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = NULL;
        CHECK(sqlite3_exec(q, "DROP TABLE IF EXISTS temp.t; CREATE TEMP TABLE t AS SELECT * FROM main.runs "
                              "WHERE id = 'L1'",
                           NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(q, "UPDATE temp.t SET id = ?1, family = ?1, key = key || ';copy=' || ?2", -1, &s,
                                 NULL) == SQLITE_OK);
        sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, (int)i);
        CHECK(sqlite3_step(s) == SQLITE_DONE);
        sqlite3_finalize(s);
        CHECK(sqlite3_exec(q, "INSERT INTO main.runs SELECT * FROM temp.t", NULL, NULL, NULL) == SQLITE_OK);
    }
    sqlite3_close(q);
}

TEST(test_i13_report_file_names_unique_per_section)
{
    char dir[128], db[256], rep[256], p[600], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    small_db(db);
    static const char *const ids[] = { "L 1", "L_1", "Z123456789012345678901234567890-one",
                                       "Z123456789012345678901234567890-two" };
    add_ids(db, ids, 4);
    int rc = sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    /* one table per section: L1 and the four others, five distinct files */
    snprintf(p, sizeof p, "%s/*-table.csv", rep);
    glob_t g;
    CHECK(glob(p, 0, NULL, &g) == 0);
    CHECK_MSG(g.gl_pathc == 5, "%zu table files", g.gl_pathc);
    /* each links its own: every table file named once in the page */
    char *h = NULL;
    snprintf(p, sizeof p, "%s/index.html", rep);
    h = test_slurp(p, NULL);
    for (size_t i = 0; i < g.gl_pathc && h; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        char link[300];
        snprintf(link, sizeof link, "href=\"%s\"", base);
        const char *at = strstr(h, link);
        CHECK_MSG(at && !strstr(at + 1, link), "%s linked %s", base, at ? "twice" : "never");
    }
    /* L1 is plain letters and digits: its own name; "L 1" and "L_1" each get
     * their hash after "L_1" */
    snprintf(p, sizeof p, "%s/L1-table.csv", rep);
    CHECK(file_exists(p));
    snprintf(p, sizeof p, "%s/L_1-%s-table.csv", rep, "????????????????"); /* 16 hex digits */
    glob_t g2;
    CHECK(glob(p, 0, NULL, &g2) == 0 && g2.gl_pathc == 2);
    globfree(&g2);
    free(h);
    globfree(&g);
    test_remove_dir(dir);
}

TEST(test_i13_report_invalid_utf8_is_well_formed_xml)
{
    char dir[128], db[256], rep[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/in.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    small_db(db);
    static const char *const ids[] = {
        "bad\xff",              /* not UTF-8 at all */
        "cut\xc3",              /* a sequence cut short */
        "over\xc0\xaf",         /* an overlong '/' */
        "surr\xed\xa0\x80",     /* a UTF-16 surrogate */
        "nonchar\xef\xbf\xbf",  /* U+FFFF, not an XML character */
        "ok-\xc3\xa9\x01<&>",   /* valid e-acute, a control byte, markup */
    };
    add_ids(db, ids, sizeof ids / sizeof ids[0]);
    int rc = sh(err, sizeof err, "fallacy report --db '%s' --out '%s' >/dev/null", db, rep);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    /* every SVG and the page parse as XML (strict UTF-8) */
    rc = sh(err, sizeof err,
            "/usr/bin/python3 -c 'import glob, sys, xml.etree.ElementTree as E\n"
            "fs = glob.glob(sys.argv[1] + \"/*.svg\") + [sys.argv[1] + \"/index.html\"]\n"
            "assert len(fs) > 5, fs\n"
            "[E.fromstring(open(f, \"rb\").read().decode(\"utf-8\", \"strict\").encode()) for f in fs]' '%s'",
            rep);
    CHECK_MSG(rc == 0, "python3's XML parser: exit %d: %s", rc, err);
    char p[400];
    snprintf(p, sizeof p, "%s/index.html", rep);
    char *h = test_slurp(p, NULL);
    CHECK(h && strstr(h, "bad\xef\xbf\xbd") && strstr(h, "ok-\xc3\xa9&lt;&amp;&gt;"));
    free(h);
    test_remove_dir(dir);
}

/* ---- row 10: merge leaves nothing when an input is refused ---------------- */

TEST(test_i13_merge_creates_nothing_on_a_refused_input)
{
    char dir[128], good[256], bad[256], trig[256], out[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(good, sizeof good, "%s/good.sqlite", dir);
    snprintf(bad, sizeof bad, "%s/schema2.sqlite", dir);
    snprintf(trig, sizeof trig, "%s/trigger.sqlite", dir);
    snprintf(out, sizeof out, "%s/out.sqlite", dir);
    small_db(good);
    small_db(bad);
    CHECK(sql(bad, "UPDATE meta SET value = '2' WHERE name = 'schema'") == SQLITE_OK);
    small_db(trig);
    CHECK(sql(trig, "CREATE TRIGGER t AFTER INSERT ON runs BEGIN DELETE FROM runs; END") == SQLITE_OK);
    const char *ins[] = { bad, trig };
    for (int i = 0; i < 2; i++) {
        int rc = sh(err, sizeof err, "fallacy merge '%s' '%s' '%s' >/dev/null", out, good, ins[i]);
        CHECK_MSG(rc == 2, "merge with %s: exit %d", ins[i], rc);
        CHECK_MSG(!file_exists(out), "merge with a refused input left %s", out);
    }
    test_remove_dir(dir);
}

/* ---- row 11: the last seed must fit in 64 bits ----------------------------- */

TEST(test_i13_seeds_past_2_64_refused)
{
    char dir[128], db[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/s.sqlite", dir);
    int rc = sh(err, sizeof err,
                "fallacy sweep linear-chain --depth 3 --seed 18446744073709551615 --seeds 2 --db '%s' >/dev/null", db);
    CHECK_MSG(rc == 2 && strstr(err, "the last seed passes 2^64 - 1"), "exit %d: %s", rc, err);
    CHECK(!file_exists(db) || count_runs(db) == 0);
    /* the largest seed alone is fine, and stored as itself */
    rc = sh(err, sizeof err,
            "fallacy sweep linear-chain --depth 3 --seed 18446744073709551614 --seeds 2 --db '%s' >/dev/null", db);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    CHECK(count_runs(db) == 2);
    /* need, through the library */
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.seed = UINT64_MAX - 2;
    fal_need_result nr;
    memset(&nr, 0, sizeof nr);
    fal_status st = fal_need(ctx, &cfg, 1e-8, 4, 2, &nr);
    CHECK_MSG(st == FAL_EINVAL && strstr(fal_ctx_message(ctx), "2^64 - 1"), "%s", fal_ctx_message(ctx));
    test_remove_dir(dir);
}

/* ---- row 12: subnormal numbers are numbers --------------------------------- */

TEST(test_i13_subnormal_lr_and_tol_accepted)
{
    char err[1024];
    int rc = sh(err, sizeof err, "fallacy run linear-chain --depth 3 --lr 1e-320 --steps 5 --json >/dev/null");
    CHECK_MSG(rc == 0 || rc == 1, "--lr 1e-320: exit %d: %s", rc, err);
    rc = sh(err, sizeof err, "fallacy run linear-chain --depth 3 --tol 1e-320 --json >/dev/null");
    CHECK_MSG(rc == 0 || rc == 1, "--tol 1e-320: exit %d: %s", rc, err);
    /* an underflow to 0 is still no positive number */
    rc = sh(err, sizeof err, "fallacy run linear-chain --depth 3 --lr 1e-400 >/dev/null");
    CHECK_MSG(rc == 2 && strstr(err, "need a positive number"), "--lr 1e-400: exit %d: %s", rc, err);
}

/* ---- row 13 (the CSV half): control bytes named ---------------------------- */

TEST(test_i13_csv_control_bytes_named)
{
    char dir[128], p[256];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(p, sizeof p, "%s/x.csv", dir);
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "1,2\v\n", "x.csv:1: field 2 holds the byte \\x0b (vertical tab)" },
        { "a,b\n1,\f2\n", "x.csv:2: field 2 holds the byte \\x0c (form feed)" },
        { "a\x01,b\n1,2\n", "x.csv:1: field 1 holds the byte \\x01 (a control character)" },
        { "# a comment may hold \f\n1,2\n", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(p, "wb");
        CHECK(f != NULL);
        if (!f) break;
        fputs(cases[i].text, f);
        fclose(f);
        fal_ctx *ctx = test_ctx();
        fal_table *t = NULL;
        fal_status st = fal_table_load(ctx, p, &t);
        if (cases[i].want)
            CHECK_MSG(st == FAL_EFORMAT && strstr(fal_ctx_message(ctx), cases[i].want), "case %zu: %s", i,
                      fal_ctx_message(ctx));
        else
            CHECK_MSG(st == FAL_OK && fal_table_rows(t) == 1, "case %zu: %s", i, fal_ctx_message(ctx));
        fal_table_free(t);
    }
    test_remove_dir(dir);
}

/* ---- row 15: a schema with objects fallacy did not create ------------------ */

TEST(test_i13_store_refuses_triggers_and_views)
{
    char dir[128], db[256], err[1024];
    test_temp_dir(dir, sizeof dir, "trust");
    snprintf(db, sizeof db, "%s/t.sqlite", dir);
    static const char *const objs[] = { "CREATE TRIGGER t AFTER INSERT ON runs BEGIN DELETE FROM runs; END",
                                        "CREATE VIEW v AS SELECT * FROM runs" };
    static const char *const what[] = { "1 trigger", "1 view" };
    for (int i = 0; i < 2; i++) {
        unlink(db);
        small_db(db);
        CHECK(sql(db, objs[i]) == SQLITE_OK);
        int rc = sh(err, sizeof err, "fallacy sweep linear-chain --depth 3,4 --seeds 3 --db '%s' >/dev/null", db);
        CHECK_MSG(rc == 2, "sweep into a database with %s: exit %d", what[i], rc);
        CHECK_MSG(strstr(err, what[i]) && strstr(err, "that fallacy did not create"), "%s", err);
        CHECK_MSG(count_runs(db) == 3, "%lld runs left", count_runs(db));
        fal_ctx *ctx = test_ctx();
        fal_store *s = NULL;
        CHECK(fal_store_open(ctx, db, FAL_STORE_READ, &s) == FAL_EFORMAT);
        fal_store_close(s);
    }
    test_remove_dir(dir);
}
