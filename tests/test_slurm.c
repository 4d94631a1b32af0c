/* test_slurm.c -- `fallacy slurm`: the generated scripts run by hand (no
 * Slurm needed) and against a real Slurm started by tests/slurm/run.sh.
 *
 * The oracle is the same sweep done in one process (`fallacy sweep` into
 * one database): the merged database of the array must hold exactly its
 * keys, with every result column equal (all but seconds and the columns
 * that describe the machine: threads, blas, host, timestamp, version),
 * compared by SQLite itself on the two files. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"

static const char *bin(void)
{
    const char *b = getenv("FALLACY_BIN");
    return b ? b : "build/fallacy";
}

/* system() with its exit status (-1 if not exited) */
static int sh(const char *cmd)
{
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long long one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

#define RESULT_COLS                                                                                               \
    "id, family, algo, widths, depth, params, examples, seed, train_error, test_error, optimum_error, "          \
    "log2_classes, bits_provided, converged, steps, note, extras, curve"

/* How many rows of part are in whole with every result column the same
 * (typeof and value: a NULL matches only NULL, 1 does not match 1.0);
 * *rows_part and *rows_whole receive the row counts. */
static long long same_rows(const char *part, const char *whole, long long *rows_part, long long *rows_whole)
{
    sqlite3 *db = NULL;
    long long n = -1;
    *rows_part = *rows_whole = -1;
    if (sqlite3_open_v2(part, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    char *sql = sqlite3_mprintf("ATTACH %Q AS w", whole);
    int ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    if (ok) {
        *rows_part = one_int(db, "SELECT count(*) FROM main.runs");
        *rows_whole = one_int(db, "SELECT count(*) FROM w.runs");
        n = one_int(db, "SELECT count(*) FROM main.runs a JOIN w.runs b ON a.key = b.key WHERE "
                        "(SELECT count(*) FROM (SELECT " RESULT_COLS " FROM main.runs WHERE key = a.key "
                        "INTERSECT SELECT " RESULT_COLS " FROM w.runs WHERE key = a.key)) = 1 "
                        "AND typeof(a.train_error) = typeof(b.train_error) AND typeof(a.test_error) = "
                        "typeof(b.test_error) AND typeof(a.curve) = typeof(b.curve)");
    }
    sqlite3_close(db);
    return n;
}

/* part and whole hold the same runs (keys and result columns). */
static void check_same_runs(const char *got, const char *want, long long expect_rows)
{
    long long rg, rw, same = same_rows(got, want, &rg, &rw);
    CHECK_MSG(rg == expect_rows && rw == expect_rows && same == expect_rows,
              "%s: %lld runs, %s: %lld runs, %lld the same (want %lld)", got, rg, want, rw, same, expect_rows);
}

/* The grid of the by-hand test and of the one-process oracle. */
#define GRID "linear-chain,linear --depth 2,5 --examples 1,2 --seeds 2"

/* The scripts run by hand (bash with SLURM_ARRAY_TASK_ID set, as Slurm
 * runs them) in a directory whose name holds a space, a quote and a %:
 * three tasks, then the merge job, which says task 1 is MISSING while it
 * has not run (exit 1) and that all are complete once it has; the merged
 * runs equal the one-process sweep's.  --dry-run prints the same scripts
 * and writes nothing. */
TEST(test_slurm_scripts_by_hand_match_one_process)
{
    char dir[64], cmd[4096], d[256], one[128], out[256];
    test_temp_dir(dir, sizeof dir, "slurm");
    snprintf(d, sizeof d, "%s/it's a 100%% dir", dir);
    snprintf(one, sizeof one, "%s/one.sqlite", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "%s sweep " GRID " --db %s 2>/dev/null", bin(), one);
    CHECK(sh(cmd) == 0);
    /* --dry-run: nothing written */
    snprintf(cmd, sizeof cmd, "%s slurm " GRID " --dir \"%s\" --tasks 3 --dry-run > %s", bin(), d, out);
    CHECK(sh(cmd) == 0);
    struct stat sb;
    CHECK(stat(d, &sb) != 0);
    char *dry = test_slurp(out, NULL);
    /* write them */
    snprintf(cmd, sizeof cmd, "%s slurm " GRID " --dir \"%s\" --tasks 3 > %s", bin(), d, out);
    CHECK(sh(cmd) == 0);
    char path[512];
    const char *names[] = { "sweep.sbatch", "merge.sbatch", "submit.sh" };
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", d, names[i]);
        char *txt = test_slurp(path, NULL);
        CHECK_MSG(txt && dry && strstr(dry, txt), "%s not as --dry-run printed it", names[i]);
        CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0111));
        free(txt);
    }
    free(dry);
    /* the submit script quotes the directory for sh and escapes % for Slurm */
    snprintf(path, sizeof path, "%s/submit.sh", d);
    char *sub = test_slurp(path, NULL);
    CHECK_MSG(sub && strstr(sub, "it'\\''s a 100%% dir/slurm-%A_%a.out'") && strstr(sub, "--dependency=afterany:") &&
                  strstr(sub, "--array=0-2"),
              "%s", sub ? sub : "(none)");
    free(sub);
    /* tasks 0 and 2, then the merge job: task 1 missing */
    for (int t = 0; t < 3; t += 2) {
        snprintf(cmd, sizeof cmd, "cd / && SLURM_ARRAY_TASK_ID=%d bash \"%s/sweep.sbatch\" 2>/dev/null", t, d);
        CHECK(sh(cmd) == 0);
    }
    snprintf(cmd, sizeof cmd, "cd / && bash \"%s/merge.sbatch\" > %s 2>&1", d, out);
    CHECK(sh(cmd) == 1);
    char *log = test_slurp(out, NULL);
    CHECK_MSG(log && strstr(log, "task 0 (shard 1/3): complete, 6 points") &&
                  strstr(log, "task 1 (shard 2/3): MISSING: no shard-1.sqlite") &&
                  strstr(log, "task 2 (shard 3/3): complete, 5 points") &&
                  strstr(log, "1 of 3 tasks missing or incomplete (1)"),
              "%s", log ? log : "(none)");
    free(log);
    /* a task outside an array refuses */
    snprintf(cmd, sizeof cmd, "cd / && env -u SLURM_ARRAY_TASK_ID bash \"%s/sweep.sbatch\" 2>/dev/null", d);
    CHECK(sh(cmd) != 0);
    snprintf(cmd, sizeof cmd, "cd / && SLURM_ARRAY_TASK_ID=1 bash \"%s/sweep.sbatch\" 2>/dev/null", d);
    CHECK(sh(cmd) == 0);
    snprintf(cmd, sizeof cmd, "cd / && bash \"%s/merge.sbatch\" > %s 2>&1", d, out);
    CHECK(sh(cmd) == 0);
    log = test_slurp(out, NULL);
    CHECK_MSG(log && strstr(log, "all 3 tasks complete: 16 points") && strstr(log, "report/index.html written"), "%s",
              log ? log : "(none)");
    free(log);
    snprintf(path, sizeof path, "%s/runs.sqlite", d);
    check_same_runs(path, one, 16);
    /* the comparison sees a one-ulp change in one cell, and a changed curve */
    for (int c = 0; c < 2; c++) {
        char copy[256];
        snprintf(copy, sizeof copy, "%s/copy.sqlite", dir);
        snprintf(cmd, sizeof cmd, "cp \"%s\" %s", path, copy);
        CHECK(sh(cmd) == 0);
        sqlite3 *db = NULL;
        CHECK(sqlite3_open(copy, &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db,
                           c ? "UPDATE runs SET curve = '[[0,1]]' WHERE rowid = 3"
                             : "UPDATE runs SET train_error = train_error * (1 + 2.3e-16) WHERE rowid = 3 AND "
                               "train_error > 0",
                           NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_changes(db) == 1);
        sqlite3_close(db);
        long long rp, rw;
        CHECK(same_rows(copy, one, &rp, &rw) == 15 && rp == 16 && rw == 16);
    }
    snprintf(path, sizeof path, "%s/report/index.html", d);
    CHECK(stat(path, &sb) == 0);
    /* the same command with another grid into that directory is refused */
    snprintf(cmd, sizeof cmd, "%s slurm " GRID " --dir \"%s\" --tasks 4 >/dev/null 2>&1", bin(), d);
    CHECK(sh(cmd) == 2);
    test_remove_dir(dir);
}

/* The tasks get the sweep's words as the table's parser read them, and
 * only those: "--opt=value" kept as one word, "--opt value" as two, --data
 * made absolute (the tasks start elsewhere), the family after "--" handed
 * on; slurm's own options (--time, --tasks, --sbatch-arg, --dir, --dry-run)
 * stay out of the sweep line.  The oracle is the command line itself. */
TEST(test_slurm_forwards_the_sweep_words_as_parsed)
{
    char dir[64], cmd[4096], out[256], csv[256], want[2048];
    test_temp_dir(dir, sizeof dir, "slurmfwd");
    char *abs_dir = realpath(dir, NULL), *abs_bin = realpath(bin(), NULL);
    CHECK(abs_dir && abs_bin);
    if (!abs_dir || !abs_bin) {
        free(abs_dir);
        free(abs_bin);
        return;
    }
    snprintf(csv, sizeof csv, "%s/d.csv", dir);
    FILE *f = fopen(csv, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("1,2\n2,4\n3,6\n", f);
        fclose(f);
    }
    snprintf(out, sizeof out, "%s/out.txt", abs_dir);
    const char *forms[] = {
        "linear-chain --time 5 --depth=1,2 --seeds 2 --data=d.csv --tasks 2 --sbatch-arg --mem=1G --dir o --dry-run",
        "--time=5 --depth=1,2 --seeds 2 --data d.csv --tasks=2 --sbatch-arg=--mem=1G --dir=o --dry-run -- linear-chain",
    };
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' slurm %s > '%s'", abs_dir, abs_bin, forms[k], out);
        CHECK_MSG(sh(cmd) == 0, "%s", cmd);
        char *txt = test_slurp(out, NULL);
        if (k == 0)
            snprintf(want, sizeof want,
                     "sweep 'linear-chain' '--depth=1,2' '--seeds' '2' '--data' '%s/d.csv' --shard \"$((i + 1))/2\"",
                     abs_dir);
        else
            snprintf(want, sizeof want,
                     "sweep '--depth=1,2' '--seeds' '2' '--data' '%s/d.csv' 'linear-chain' --shard \"$((i + 1))/2\"",
                     abs_dir);
        CHECK_MSG(txt && strstr(txt, want), "want\n  %s\nin\n%s", want, txt ? txt : "(none)");
        /* the merge job reads the same grid (and slurm's --dir, --tasks) */
        char *merge_want = strstr(want, "' --shard");
        if (merge_want) snprintf(merge_want, sizeof want - (size_t)(merge_want - want), "' --dir '%s/o' --tasks 2 --collect", abs_dir);
        memcpy(want, "slurm", 5);
        CHECK_MSG(txt && strstr(txt, want), "want\n  %s\nin\n%s", want, txt ? txt : "(none)");
        CHECK(txt && strstr(txt, "'--time' '5' '--mem=1G'"));
        free(txt);
    }
    free(abs_dir);
    free(abs_bin);
    test_remove_dir(dir);
}

/* Against a real Slurm (tests/slurm/run.sh starts and stops munged,
 * slurmctld and slurmd): a 4-task array of a small grid gives exactly the
 * one-process sweep's runs; a task cancelled mid-run leaves a subset of
 * them (nothing half written), and the resubmission completes the set with
 * nothing lost or duplicated.  Skipped, with the reason, only where Slurm
 * cannot start. */
TEST(test_slurm_array_on_a_real_cluster)
{
    char dir[64], cmd[1024], log[128], a[256], b[256];
    test_temp_dir(dir, sizeof dir, "slurm");
    snprintf(log, sizeof log, "%s/run.log", dir);
    snprintf(cmd, sizeof cmd, "tests/slurm/run.sh %s/w > %s 2>&1", dir, log);
    int rc = sh(cmd);
    char *txt = test_slurp(log, NULL);
    const char *last = txt ? strstr(txt, "slurm test: SKIPPED") : NULL;
    if (rc == 77 && last) {
        fprintf(stdout, "[%.*s] ", (int)strcspn(last, "\n"), last); /* the SKIP line, then "ok" */
        free(txt);
        test_remove_dir(dir);
        return;
    }
    CHECK_MSG(rc == 0 && txt && strstr(txt, "slurm test: ok"), "tests/slurm/run.sh exited %d:\n%s", rc,
              txt ? txt : "(no output)");
    free(txt);
    if (rc == 0) {
        snprintf(a, sizeof a, "%s/w/run 1/runs.sqlite", dir);
        snprintf(b, sizeof b, "%s/w/one1.sqlite", dir);
        check_same_runs(a, b, 16);
        snprintf(a, sizeof a, "%s/w/run 2/runs.sqlite", dir);
        snprintf(b, sizeof b, "%s/w/one2.sqlite", dir);
        check_same_runs(a, b, 24);
        /* after the cancel: fewer runs, each equal to the one-process one */
        long long rp, rw;
        snprintf(a, sizeof a, "%s/w/after-cancel.sqlite", dir);
        long long same = same_rows(a, b, &rp, &rw);
        CHECK_MSG(rp >= 19 && rp <= 23 && same == rp, "after the cancel: %lld runs, %lld as in one process", rp, same);
    }
    test_remove_dir(dir);
}
