/* test_cli.c -- the command-line contract: exit codes, JSON, determinism,
 * --data.  Runs the built binary (FALLACY_BIN). */
#include <string.h>
#include <unistd.h>
#include "test.h"

/* The JSON with its "seconds" value cut off (the one field allowed to
 * differ between runs). */
static void strip_seconds(char *s)
{
    char *p = strstr(s, "\"seconds\":");
    if (p) *p = '\0';
}

TEST(test_cli_exit_codes_for_bad_usage)
{
    const char *bad[] = {
        "run linear --widths 3,,4",     "run linear --widths 0",         "run linear --widths -1,2",
        "run linear --widths abc",      "run nosuchfamily",              "run linear --nosuchoption 1",
        "run linear-chain --depth 0",   "run linear-chain --depth x",    "run linear --examples 0",
        "run linear --algo sgd",        "run linear --field quaternion", "run linear --lr -1",
        "run linear --widths 4,4 --depth 3", "run linear --seed",        "frobnicate",
        "run linear-ae --widths 8,8,8",  "run linear --data /nonexistent.csv",
        "run linear --threads 0",
    };
    char out[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = test_cli(bad[i], out, sizeof out);
        CHECK_MSG(rc == 2, "'fallacy %s' exited %d, expected 2", bad[i], rc);
        CHECK_MSG(out[0] == '\0', "'fallacy %s' wrote to stdout", bad[i]);
    }
}

/* Exit 3 before allocating: 10^15 weights need 8 PB. */
TEST(test_cli_exit_3_when_it_cannot_fit)
{
    char out[256];
    CHECK(test_cli("run linear-chain --depth 1e15 --json", out, sizeof out) == 3);
    CHECK(test_cli("run linear --depth 100000 --width 100000 --json", out, sizeof out) == 3);
}

/* A run that diverges ran and did not converge: exit 1, the JSON says so
 * with a note, and holds no NaN or Inf. */
TEST(test_cli_divergence_is_exit_1_with_json)
{
    static char out[1 << 14];
    const char *cmds[] = { "run linear --widths 4,4,4 --lr 1e3 --json", "run linear-ae --lr 1e4 --json",
                           "run linear-ae --lr 1e4 --field complex --json", "run linear-chain --depth 10 --lr 1e6 --json" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        CHECK_MSG(test_cli(cmds[i], out, sizeof out) == 1, "%s", cmds[i]);
        CHECK(strstr(out, "\"converged\":false") != NULL);
        CHECK(strstr(out, "\"note\":\"") != NULL);
        /* a value, not the note's words: printf would write nan, -nan, inf, -inf */
        CHECK(!strstr(out, ":nan") && !strstr(out, ":-nan") && !strstr(out, ":inf") && !strstr(out, ":-inf"));
    }
}

TEST(test_cli_json_fields_and_same_bytes)
{
    static char a[1 << 16], b[1 << 16], c[1 << 16];
    const char *fields[] = { "\"id\":\"L2\"", "\"family\":\"linear\"", "\"widths\":[8,32,32,8]", "\"params\":1536",
                             "\"examples\":8", "\"seed\":7", "\"train_error\":", "\"test_error\":",
                             "\"optimum_error\":", "\"log2_classes\":", "\"bits_provided\":", "\"converged\":true",
                             "\"steps\":", "\"seconds\":" };
    CHECK(test_cli("run linear --widths 8,32,32,8 --seed 7 --json", a, sizeof a) == 0);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        CHECK_MSG(strstr(a, fields[i]) != NULL, "JSON lacks %s: %s", fields[i], a);
    CHECK(strstr(a, "nan") == NULL && strstr(a, "inf") == NULL);
    CHECK(test_cli("run linear --widths 8,32,32,8 --seed 7 --json", b, sizeof b) == 0);
    strip_seconds(a);
    strip_seconds(b);
    CHECK(strcmp(a, b) == 0);
    /* the chain across thread counts: same bytes */
    CHECK(test_cli("run linear-chain --depth 3000000 --seed 5 --threads 1 --json", b, sizeof b) == 0);
    CHECK(test_cli("run linear-chain --depth 3000000 --seed 5 --threads 2 --json", c, sizeof c) == 0);
    strip_seconds(b);
    strip_seconds(c);
    CHECK(strlen(b) > 100 && strcmp(b, c) == 0);
    CHECK(test_cli("run linear-ae --field complex --seed 3 --json", b, sizeof b) == 0);
    CHECK(test_cli("run linear-ae --field complex --seed 3 --json", c, sizeof c) == 0);
    strip_seconds(b);
    strip_seconds(c);
    CHECK(strlen(b) > 100 && strcmp(b, c) == 0);
}

TEST(test_cli_list_and_demo)
{
    static char out[1 << 14];
    CHECK(test_cli("list", out, sizeof out) == 0);
    CHECK(strstr(out, "L1") && strstr(out, "linear-chain") && strstr(out, "L2") && strstr(out, "linear-ae"));
    char dir[] = "/tmp/fallacy-demo-XXXXXX", cmd[256], path[512];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "demo --out %s", dir);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK(strstr(out, "every verdict holds") != NULL);
    CHECK(strstr(out, "FAILS") == NULL);
    /* the report and its database are on disk */
    snprintf(path, sizeof path, "%s/index.html", dir);
    CHECK(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/runs.sqlite", dir);
    CHECK(access(path, R_OK) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* --data: a CSV written here from a known 3 x 3 map; the first k rows
 * train, the rest test, and the learned map predicts the test rows. */
TEST(test_cli_data_csv_linear)
{
    char path[] = "/tmp/fallacy-test-XXXXXX.csv";
    int fd = mkstemps(path, 4);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    const double A[3][3] = { { 1.5, 0.2, -0.3 }, { 0.1, 0.9, 0.4 }, { -0.2, 0.3, 1.1 } };
    fal_rng r;
    fal_rng_seed(&r, 1);
    fprintf(f, "x1,x2,x3,y1,y2,y3\n# a comment\n");
    for (int j = 0; j < 10; j++) {
        double x[3];
        for (int i = 0; i < 3; i++) x[i] = fal_rng_normal(&r);
        fprintf(f, "%.17g,%.17g,%.17g", x[0], x[1], x[2]);
        for (int i = 0; i < 3; i++) fprintf(f, ",%.17g", A[i][0] * x[0] + A[i][1] * x[1] + A[i][2] * x[2]);
        fprintf(f, "\n");
    }
    fclose(f);
    static char out[1 << 14], cmd[512];
    snprintf(cmd, sizeof cmd, "run linear --widths 3,6,6,3 --data %s --examples 3 --json", path);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK(strstr(out, "\"examples\":3") != NULL);
    char *te = strstr(out, "\"test_error\":");
    CHECK(te != NULL);
    if (te) CHECK_LT(strtod(te + 13, NULL), 1e-10);
    snprintf(cmd, sizeof cmd, "run linear --widths 3,6,6,3 --data %s --json", path);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK(strstr(out, "\"test_error\":null") != NULL); /* every row trained */
    snprintf(cmd, sizeof cmd, "run linear --widths 4,4 --data %s --json", path);
    CHECK(test_cli(cmd, out, sizeof out) == 2); /* 6 columns, 8 needed */
    snprintf(cmd, sizeof cmd, "run linear --widths 3,3 --data %s --examples 11", path);
    CHECK(test_cli(cmd, out, sizeof out) == 2);
    unlink(path);
    /* NaN in the data: refused */
    char path2[] = "/tmp/fallacy-test-XXXXXX.csv";
    fd = mkstemps(path2, 4);
    f = fdopen(fd, "w");
    fprintf(f, "1,2\nnan,3\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "run linear-chain --depth 3 --data %s", path2);
    CHECK(test_cli(cmd, out, sizeof out) == 2);
    unlink(path2);
}

/* --data with a complex .npy fixture autoencoded (L4: --field complex,
 * which complex data needs, issue 13 row 5). */
TEST(test_cli_data_npy_complex_autoencoder)
{
    static char out[1 << 14];
    CHECK(test_cli("run linear-ae --widths 4,2,4 --data tests/data/c16_2d.npy --field complex --json", out,
                   sizeof out) == 0);
    CHECK(strstr(out, "\"id\":\"L3\"") != NULL);
    CHECK(strstr(out, "\"converged\":true") != NULL);
    CHECK(test_cli("run linear-ae --widths 3,2,3 --data tests/data/f8_2d.npy --json", out, sizeof out) == 0);
}
