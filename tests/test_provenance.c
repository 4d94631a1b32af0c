/* test_provenance.c -- what the runs database keeps of a run's making (the
 * config column: configuration, data file, build), old databases without
 * it, and `fallacy run --rerun KEY --db FILE` (the report's data sections:
 * tests/test_report_data.c).
 *
 * Oracles: the SHA-256 and size of the data file from sha256sum and stat;
 * the stored figures against the rerun's printed ones (bit for bit) and a
 * direct `fallacy run` (same bytes but seconds). */
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test.h"

#define STARTS(s, lit) (strncmp((s), (lit), sizeof(lit) - 1) == 0)

/* A copy of the database at src without the config column: a database
 * written before the column existed. */
static void old_copy(const char *src, const char *dst)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    CHECK(system(cmd) == 0);
    sqlite3 *q = NULL;
    CHECK(sqlite3_open(dst, &q) == SQLITE_OK);
    CHECK(sqlite3_exec(q, "ALTER TABLE runs DROP COLUMN config", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(q);
}

static int has_config_column(const char *db)
{
    sqlite3 *q = NULL;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_open(db, &q) == SQLITE_OK &&
             sqlite3_prepare_v2(q, "SELECT config FROM runs LIMIT 0", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    sqlite3_close(q);
    return ok;
}

/* The stored provenance of every run: the configuration (shuffle, the
 * family's defaults), the data file as given with its size and SHA-256
 * (sha256sum, stat), the shape, the build; the key tells shuffle draws
 * apart.  An old database (no column) opens, reads NULL, reports and
 * merges; opened for writing it gains the column. */
TEST(test_provenance_store_column)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], csv[128], db[128], old[128], out[128], rep[128];
    test_temp_dir(dir, sizeof dir, "prov");
    snprintf(csv, sizeof csv, "%s/d.csv", dir);
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(old, sizeof old, "%s/old.sqlite", dir);
    snprintf(out, sizeof out, "%s/merged.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/report", dir);
    test_write_csv(csv, 8, 4, 1);
    char want[65], json_want[512];
    struct stat sb;
    if (!CHECK(test_sha256sum(csv, want)) || !CHECK(stat(csv, &sb) == 0)) return;
    fal_table *t = NULL;
    fal_arch *a = NULL;
    CHECK_OK(fal_table_load(ctx, csv, &t));
    CHECK_OK(fal_arch_parse(ctx, "4,2,4", &a));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-ae");
    cfg.arch = a;
    cfg.data = t;
    cfg.data_path = csv;
    cfg.examples = 5;
    cfg.examples_set = 1;
    cfg.shuffle_set = 1;
    cfg.shuffle = 7;
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    for (uint64_t seed = 0; seed < 2; seed++) {
        cfg.seed = seed;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        CHECK(st == FAL_OK || st == FAL_ENOCONV);
        if (st == FAL_OK || st == FAL_ENOCONV) CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
        fal_result_clear(&res);
    }
    /* the key: the draw is part of it, and absent when rows are not drawn */
    char key[1024], key2[1024], text[8192];
    cfg.seed = 1;
    CHECK_OK(fal_store_key(ctx, &cfg, key, sizeof key, NULL));
    CHECK(strstr(key, ";shuffle=7;") != NULL);
    cfg.shuffle = 8;
    CHECK_OK(fal_store_key(ctx, &cfg, key2, sizeof key2, NULL));
    CHECK(strcmp(key, key2) != 0);
    cfg.shuffle_set = 0;
    CHECK_OK(fal_store_key(ctx, &cfg, key2, sizeof key2, NULL));
    CHECK(!strstr(key2, "shuffle"));
    int found = -1;
    size_t len = 0;
    CHECK_OK(fal_store_config(s, key, text, sizeof text, &len, &found));
    CHECK(found == 2 && len == strlen(text));
    snprintf(json_want, sizeof json_want, "\"data\":{\"path\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\",\"rows\":8,"
             "\"cols\":4,\"field\":\"real\"}", csv, (long long)sb.st_size, want);
    CHECK_MSG(strstr(text, json_want), "%s\nlacks %s", text, json_want);
    CHECK(STARTS(text, "{\"config\":{\"family\":\"linear-ae\",\"arch\":\"4,2,4\",\"examples\":5,"));
    CHECK(strstr(text, "\"seed\":1,\"shuffle\":7,") && strstr(text, "\"steps\":\"default\""));
    CHECK(strstr(text, "\"build\":{\"version\":\"" FAL_VERSION "\",\"blas\":"));
    CHECK(text[len - 1] == '}' && text[len - 2] == '}');
    /* a missing key; a small buffer */
    CHECK_OK(fal_store_config(s, "family=none", text, sizeof text, NULL, &found));
    CHECK(found == 0);
    char small[8];
    CHECK(fal_store_config(s, key, small, sizeof small, &len, &found) == FAL_ERANGE && found == 2 &&
          strlen(small) == 7);
    /* the iterator gives the same text */
    fal_store_iter *it = NULL;
    CHECK_OK(fal_store_iter_new(s, &it));
    fal_store_row row;
    int have = 0, rows = 0;
    while (fal_store_iter_next(it, &row, &have) == FAL_OK && have) {
        rows++;
        CHECK(row.config && strstr(row.config, json_want));
    }
    CHECK(rows == 2);
    fal_store_iter_free(it);
    fal_store_close(s);

    /* an old database: opens, reads NULL, reports */
    old_copy(db, old);
    CHECK(!has_config_column(old));
    CHECK_OK(fal_store_open(ctx, old, FAL_STORE_READ, &s));
    CHECK(!has_config_column(old)); /* reading does not change it */
    CHECK_OK(fal_store_config(s, key, text, sizeof text, NULL, &found));
    CHECK(found == 1);
    CHECK_OK(fal_store_iter_new(s, &it));
    rows = 0;
    while (fal_store_iter_next(it, &row, &have) == FAL_OK && have) rows += row.config == NULL;
    CHECK(rows == 2);
    fal_store_iter_free(it);
    fal_store_close(s);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, old, rep, NULL, &sum));
    CHECK(sum.runs == 2);
    /* merged: old into a new file (NULL config), new into the old one */
    fal_store_merge_stats ms;
    CHECK_OK(fal_store_open(ctx, out, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_merge(s, old, &ms));
    CHECK(ms.added == 2);
    CHECK_OK(fal_store_config(s, key, text, sizeof text, NULL, &found));
    CHECK(found == 1);
    fal_store_close(s);
    CHECK_OK(fal_store_open(ctx, old, FAL_STORE_CREATE, &s)); /* writing: the column is added */
    CHECK(has_config_column(old));
    fal_store_close(s);
    remove(out);
    CHECK_OK(fal_store_open(ctx, out, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_merge(s, db, &ms));
    CHECK(ms.added == 2 && ms.conflicts == 0);
    CHECK_OK(fal_store_config(s, key, text, sizeof text, NULL, &found));
    CHECK(found == 2 && strstr(text, json_want));
    CHECK_OK(fal_store_merge(s, old, &ms)); /* same keys: duplicates, not conflicts (config is not compared) */
    CHECK(ms.added == 0 && ms.duplicates == 2 && ms.conflicts == 0);
    fal_store_close(s);
    fal_table_free(t);
    fal_arch_free(a);
    test_remove_dir(dir);
}

/* The figure after "name": in a JSON text, as a double (NaN for null). */
static double json_num(const char *json, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", name);
    const char *p = strstr(json, pat);
    if (!p) return INFINITY;
    p += strlen(pat);
    return strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
}

static void strip_seconds(char *s)
{
    char *p = strstr(s, "\"seconds\":");
    if (p) *p = '\0';
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Every run of a sweep on --data (with --shuffle, and an mlp with its own
 * options) reruns from its key: the stored figures come out bit for bit,
 * and the bytes equal those of a direct `fallacy run` but for seconds.
 * An unknown key, --db alone and a database without the column: exit 2. */
TEST(test_provenance_rerun_stored_key)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], csv[128], db[128], old[128], args[4096];
    static char a[1 << 15], b[1 << 15];
    test_temp_dir(dir, sizeof dir, "rerunkey");
    snprintf(csv, sizeof csv, "%s/d.csv", dir);
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(old, sizeof old, "%s/old.sqlite", dir);
    test_write_csv(csv, 30, 6, 2);
    snprintf(args, sizeof args,
             "sweep linear-ae --widths 6,2,6 --examples 10,20 --seeds 2 --shuffle 3 --data %s --db %s", csv, db);
    CHECK(test_cli(args, a, sizeof a) == 0);
    snprintf(args, sizeof args, "sweep mlp --widths 3,4,1 --examples 8 --act tanh --steps 50 --db %s", db);
    int rc = test_cli(args, a, sizeof a);
    CHECK_MSG(rc == 0, "mlp sweep exit %d", rc);
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
    fal_store_iter *it = NULL;
    CHECK_OK(fal_store_iter_new(s, &it));
    fal_store_row row;
    int have = 0, n = 0, mlp = 0;
    while (fal_store_iter_next(it, &row, &have) == FAL_OK && have) {
        n++;
        snprintf(args, sizeof args, "run --rerun '%s' --db %s", row.key, db);
        rc = test_cli(args, a, sizeof a);
        if (!CHECK_MSG(rc == 0 || rc == 1, "%s: exit %d", args, rc)) continue;
        CHECK(rc == (row.converged ? 0 : 1));
        CHECK_MSG(same_double(json_num(a, "train_error"), row.train_error) &&
                      same_double(json_num(a, "test_error"), row.test_error) &&
                      same_double(json_num(a, "optimum_error"), row.optimum_error),
                  "%s: the rerun's figures differ from the stored ones:\n%s", row.key, a);
        CHECK(json_num(a, "steps") == (double)row.steps && json_num(a, "seed") == (double)row.seed);
        if (!strcmp(row.family, "mlp")) {
            mlp++;
            CHECK(strstr(a, "\"act\":\"tanh\",\"bias\":\"on\",\"init_scale\":1,\"teacher_widths\":\"same\""));
        }
    }
    CHECK(n == 5 && mlp == 1);
    fal_store_iter_free(it);
    fal_store_close(s);
    /* a direct run of one point: the same bytes but seconds */
    snprintf(args, sizeof args, "run linear-ae --widths 6,2,6 --examples 20 --seed 1 --shuffle 3 --data %s --json",
             csv);
    rc = test_cli(args, a, sizeof a);
    CHECK(rc == 0 || rc == 1);
    fal_table *t = NULL;
    fal_arch *ar = NULL;
    CHECK_OK(fal_table_load(ctx, csv, &t));
    CHECK_OK(fal_arch_parse(ctx, "6,2,6", &ar));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-ae");
    cfg.arch = ar;
    cfg.data = t;
    cfg.examples = 20;
    cfg.examples_set = 1;
    cfg.seed = 1;
    cfg.shuffle_set = 1;
    cfg.shuffle = 3;
    char key[1024];
    CHECK_OK(fal_store_key(ctx, &cfg, key, sizeof key, NULL));
    snprintf(args, sizeof args, "run --rerun '%s' --db %s", key, db);
    CHECK(test_cli(args, b, sizeof b) == rc);
    strip_seconds(a);
    strip_seconds(b);
    CHECK_MSG(strcmp(a, b) == 0, "direct and rerun differ:\n%s\n%s", a, b);
    /* bad inputs: nothing on stdout */
    snprintf(args, sizeof args, "run --rerun 'family=linear;seed=1' --db %s", db);
    CHECK(test_cli(args, b, sizeof b) == 2 && b[0] == '\0');
    snprintf(args, sizeof args, "run linear --db %s", db);
    CHECK(test_cli(args, b, sizeof b) == 2 && b[0] == '\0');
    snprintf(args, sizeof args, "run --rerun '%s' --db %s --seed 2", key, db);
    CHECK(test_cli(args, b, sizeof b) == 2 && b[0] == '\0');
    old_copy(db, old);
    snprintf(args, sizeof args, "run --rerun '%s' --db %s", key, old);
    CHECK(test_cli(args, b, sizeof b) == 2 && b[0] == '\0');
    /* the data file changed since: refused */
    test_write_csv(csv, 30, 6, 3);
    snprintf(args, sizeof args, "run --rerun '%s' --db %s", key, db);
    CHECK(test_cli(args, b, sizeof b) == 2 && b[0] == '\0');
    fal_table_free(t);
    fal_arch_free(ar);
    test_remove_dir(dir);
}

