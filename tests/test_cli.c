/* test_cli.c -- the command-line contract: exit codes, JSON, determinism,
 * --data.  Runs the built binary (FALLACY_BIN). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
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
    test_mask_threads(b);
    test_mask_threads(c);
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
    /* Q1: the verdicts follow from the rows printed.  Each row's last three
     * numbers are k1/2 on the axes n0 / log2 e, 1 / w, nL / H; the CVs
     * recomputed from them (4 decimals) match the ones printed, and each
     * verdict is the comparison it names; A(3,1) with -3..3 has e = 104. */
    {
        double ax[3][8];
        size_t nq = 0;
        for (const char *p = strstr(out, "\nQ1  A("); p && nq < 8; p = strstr(p + 1, "\nQ1  A(")) {
            const char *e = strchr(p + 1, '\n');
            char line[256];
            size_t ll = e ? (size_t)(e - p - 1) : strlen(p + 1);
            if (ll >= sizeof line) break;
            memcpy(line, p + 1, ll);
            line[ll] = '\0';
            /* after the name's closing brace: w e log2e H err0 k1/2 a0 a1 a2 verdict */
            char *q = strchr(line, '}');
            double v[9];
            int got = q ? sscanf(q + 1, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                                 &v[6], &v[7], &v[8]) : 0;
            CHECK_MSG(got == 9, "Q1 row unreadable: %s", line);
            if (got != 9) break;
            if (strstr(line, "-3..3")) CHECK_MSG(v[1] == 104 && strstr(line, "holds (e = 104"), "%s", line);
            for (int a = 0; a < 3; a++) ax[a][nq] = v[6 + a];
            nq++;
        }
        CHECK(nq == 5);
        double cv[3];
        for (int a = 0; a < 3; a++) {
            double mean = 0, ss = 0;
            for (size_t i = 0; i < nq; i++) mean += ax[a][i] / (double)nq;
            for (size_t i = 0; i < nq; i++) ss += (ax[a][i] - mean) * (ax[a][i] - mean);
            cv[a] = sqrt(ss / (double)(nq - 1)) / mean;
        }
        const char *w = strstr(out, "(w is no yardstick)"), *h = strstr(out, "(the entropy axis collapses best)");
        double p1 = 0, p0 = 0, p2 = 0, p3 = 0;
        CHECK(w && sscanf(strstr(w, "(CV "), "(CV %lf > %lf)", &p1, &p0) == 2);
        CHECK(h && sscanf(strstr(h, "(CV "), "(CV %lf < %lf)", &p2, &p3) == 2);
        CHECK_NEAR(p0, cv[0], 2e-3);
        CHECK_NEAR(p3, cv[0], 2e-3);
        CHECK_NEAR(p1, cv[1], 2e-3);
        CHECK_NEAR(p2, cv[2], 2e-3);
        CHECK(w && strstr(w, cv[1] > cv[0] ? "holds" : "FAILS"));
        CHECK(h && strstr(h, cv[2] < cv[0] ? "holds" : "FAILS"));
    }
    CHECK(strstr(out, "M1  ReLU A(4,64,1)") != NULL); /* the mlp row ran (its verdict is among those above) */
    /* the report and its database are on disk */
    snprintf(path, sizeof path, "%s/index.html", dir);
    CHECK(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/runs.sqlite", dir);
    CHECK(access(path, R_OK) == 0);
    /* the report's Q1 section, from the qnet rows the demo stored */
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = test_slurp(path, NULL);
    CHECK(html && strstr(html, "<section id=\"Q1\">") && strstr(html, "A(3,2,1) relu {-1,0,1}"));
    free(html);
    snprintf(path, sizeof path, "%s/Q1-collapse-entropy.svg", dir);
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

/* --data with a complex .npy fixture autoencoded: L4 with --field complex,
 * refused on the real field (it used to run silently as L4 under "L3"). */
TEST(test_cli_data_npy_complex_autoencoder)
{
    static char out[1 << 14];
    CHECK(test_cli("run linear-ae --widths 4,2,4 --data tests/data/c16_2d.npy --json", out, sizeof out) == 2);
    CHECK(test_cli("run linear --widths 2,2 --data tests/data/c16_2d.npy --json", out, sizeof out) == 2);
    CHECK(test_cli("run linear-ae --widths 4,2,4 --data tests/data/c16_2d.npy --field complex --json", out,
                   sizeof out) == 0);
    CHECK(strstr(out, "\"id\":\"L4\"") != NULL);
    CHECK(strstr(out, "\"converged\":true") != NULL);
    CHECK(test_cli("run linear-ae --widths 3,2,3 --data tests/data/f8_2d.npy --json", out, sizeof out) == 0);
}

/* ---- --save: the parameters as a .npz -------------------------------- */

/* The project's own reader reads back what `run --save` wrote: W2 W1
 * (multiplied here by a triple loop) applied to the rows gives the
 * predictions, and the rows are the CSV's, bit for bit. */
TEST(test_cli_save_roundtrip)
{
    char dir[] = "/tmp/fal_save_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    char csv[128], npz[128], cmd[512];
    snprintf(csv, sizeof csv, "%s/x.csv", dir);
    snprintf(npz, sizeof npz, "%s/p.npz", dir);
    enum { ROWS = 40, N = 6, K = 30 };
    static double X[ROWS][N];
    FILE *f = fopen(csv, "w");
    if (!CHECK(f)) return;
    uint64_t s = 12345;
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < N; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            X[i][j] = (double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
            fprintf(f, "%.17g%s", X[i][j], j + 1 < N ? "," : "\n");
        }
    fclose(f);
    static char out[1 << 14];
    snprintf(cmd, sizeof cmd, "run linear-ae --widths 6,2,6 --data %s --examples %d --save %s --json", csv, K, npz);
    int rc = test_cli(cmd, out, sizeof out);
    CHECK(rc == 0 || rc == 1);
    fal_ctx *ctx = test_ctx();
    fal_table *w1 = NULL, *w2 = NULL, *xt = NULL, *pt = NULL, *xs = NULL, *ps = NULL;
    CHECK_OK(fal_table_load_npz(ctx, npz, "W1", &w1));
    CHECK_OK(fal_table_load_npz(ctx, npz, "W2", &w2));
    CHECK_OK(fal_table_load_npz(ctx, npz, "x_train", &xt));
    CHECK_OK(fal_table_load_npz(ctx, npz, "pred_train", &pt));
    CHECK_OK(fal_table_load_npz(ctx, npz, "x_test", &xs));
    CHECK_OK(fal_table_load_npz(ctx, npz, "pred_test", &ps));
    if (w1 && w2 && xt && pt && xs && ps) {
        CHECK(fal_table_rows(w1) == 2 && fal_table_cols(w1) == N);
        CHECK(fal_table_rows(w2) == N && fal_table_cols(w2) == 2);
        CHECK(fal_table_rows(xt) == K && fal_table_rows(xs) == ROWS - K);
        double M[N][N];
        const double *a = fal_table_cdata(w2), *b = fal_table_cdata(w1);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                M[i][j] = 0;
                for (int q = 0; q < 2; q++) M[i][j] += a[i * 2 + q] * b[q * N + j];
            }
        double worst = 0, scale = 0;
        int rows_equal = 1;
        for (int set = 0; set < 2; set++) {
            const fal_table *x = set ? xs : xt, *p = set ? ps : pt;
            for (size_t r = 0; r < fal_table_rows(x); r++) {
                for (int i = 0; i < N; i++) {
                    if (fal_table_cdata(x)[r * N + (size_t)i] != X[r + (set ? K : 0)][i]) rows_equal = 0;
                    double y = 0;
                    for (int j = 0; j < N; j++) y += M[i][j] * fal_table_cdata(x)[r * N + (size_t)j];
                    double d = fabs(y - fal_table_cdata(p)[r * N + (size_t)i]);
                    if (d > worst) worst = d;
                    if (fabs(y) > scale) scale = fabs(y);
                }
            }
        }
        CHECK(rows_equal);
        CHECK_MSG(worst <= 1e-13 * (scale > 1 ? scale : 1), "predictions differ from (W2 W1) x by %g", worst);
    }
    fal_table_free(w1);
    fal_table_free(w2);
    fal_table_free(xt);
    fal_table_free(pt);
    fal_table_free(xs);
    fal_table_free(ps);
    /* a missing directory, a directory: exit 2 before the run, no file */
    snprintf(cmd, sizeof cmd, "run linear-ae --widths 6,2,6 --data %s --save %s/no/p.npz", csv, dir);
    CHECK(test_cli(cmd, out, sizeof out) == 2);
    snprintf(cmd, sizeof cmd, "run linear-ae --widths 6,2,6 --data %s --save %s", csv, dir);
    CHECK(test_cli(cmd, out, sizeof out) == 2);
    CHECK(out[0] == '\0');
    unlink(csv);
    unlink(npz);
    rmdir(dir);
}

/* NumPy's view of --save on the digits table (tests/check_save.py): the
 * product of the weights is the learned map.  Needs /usr/bin/python3 with
 * numpy and sklearn's data (CI installs python3-numpy, python3-sklearn);
 * says so and passes without them. */
TEST(test_cli_save_numpy)
{
    if (!test_numpy_digits()) return;
    char dir[] = "/tmp/fal_numpy_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    const char *bin = getenv("FALLACY_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/check_save.py %s %s", bin ? bin : "build/fallacy", dir);
    int rc = system(cmd);
    CHECK_MSG(rc == 0, "%s exited %d", cmd, rc);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---- --rerun ------------------------------------------------------------ */

/* A run repeated from its own JSON prints the same bytes except seconds:
 * with data drawn by --shuffle, with a teacher, and with a uniform chain. */
TEST(test_cli_rerun_same_bytes)
{
    static const char *const runs[] = {
        "run linear-ae --widths 3,2,3 --data tests/data/f8_2d.npy --examples 3 --shuffle 4 --seed 2 --json",
        "run linear --widths 4,6,3 --examples 4 --lr 0.01 --steps 300 --seed 5 --json",
        "run linear-chain --depth 100 --init signs --seed 3 --test 10 --json",
        "run linear-ae --widths 2,1,2 --data tests/data/npz_stored.npz:a --inputs 2,0 --examples 4 --field real --json",
        /* the mlp's own options ride in its config (act, bias, init_scale, teacher, restarts, draws) */
        "run mlp --widths 3,4,1 --teacher-widths 3,5,1 --act tanh --bias off --init-scale 0.5 --restarts 2 "
        "--draws 2 --examples 20 --tol 1e-6 --test 50 --json",
    };
    char dir[] = "/tmp/fal_rerun_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    static char a[1 << 15], b[1 << 15];
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        int rc = test_cli(runs[i], a, sizeof a);
        if (!CHECK_MSG(rc == 0 || rc == 1, "%s: exit %d", runs[i], rc)) continue;
        char path[128], cmd[256];
        snprintf(path, sizeof path, "%s/r%zu.json", dir, i);
        FILE *f = fopen(path, "w");
        if (!CHECK(f)) continue;
        fputs(a, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "run --rerun %s", path);
        CHECK(test_cli(cmd, b, sizeof b) == rc);
        strip_seconds(a);
        strip_seconds(b);
        CHECK_MSG(strcmp(a, b) == 0, "%s: rerun differs:\n%s\n%s", runs[i], a, b);
        CHECK(strstr(a, "\"config\":{\"family\":") != NULL && strstr(a, "\"build\":{\"version\":") != NULL);
        unlink(path);
    }
    /* another version, an unknown field: exit 2, nothing on stdout */
    CHECK(test_cli(runs[0], a, sizeof a) == 0);
    char path[128], cmd[256], *v = strstr(a, "\"version\":\"");
    if (CHECK(v)) {
        snprintf(path, sizeof path, "%s/old.json", dir);
        FILE *f = fopen(path, "w");
        if (CHECK(f)) {
            fprintf(f, "%.*s\"version\":\"0.0.1\"%s", (int)(v - a), a, strchr(v + 11, '"') + 1);
            fclose(f);
        }
        snprintf(cmd, sizeof cmd, "run --rerun %s", path);
        CHECK(test_cli(cmd, b, sizeof b) == 2 && b[0] == '\0');
        unlink(path);
    }
    char *c = strstr(a, "\"config\":{");
    if (CHECK(c)) {
        snprintf(path, sizeof path, "%s/unk.json", dir);
        FILE *f = fopen(path, "w");
        if (CHECK(f)) {
            fprintf(f, "%.*s\"config\":{\"colour\":1,%s", (int)(c - a), a, c + 10);
            fclose(f);
        }
        snprintf(cmd, sizeof cmd, "run --rerun %s", path);
        CHECK(test_cli(cmd, b, sizeof b) == 2 && b[0] == '\0');
        unlink(path);
    }
    rmdir(dir);
}

/* need --save: the final run (k_needed examples, the base seed) is saved;
 * its rows and its JSON say so. */
TEST(test_cli_need_save)
{
    char dir[] = "/tmp/fal_needsave_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    char cmd[256], npz[128];
    snprintf(npz, sizeof npz, "%s/n.npz", dir);
    snprintf(cmd, sizeof cmd, "need linear --widths 3,4,2 --eps 1e-8 --save %s --json", npz);
    static char out[1 << 14];
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK(strstr(out, "\"k_needed\":3,") != NULL);
    fal_ctx *ctx = test_ctx();
    fal_table *x = NULL, *w = NULL;
    CHECK_OK(fal_table_load_npz(ctx, npz, "x_train", &x));
    CHECK_OK(fal_table_load_npz(ctx, npz, "W2", &w));
    if (x) CHECK(fal_table_rows(x) == 3 && fal_table_cols(x) == 3);
    if (w) CHECK(fal_table_rows(w) == 2 && fal_table_cols(w) == 4);
    fal_table_free(x);
    fal_table_free(w);
    unlink(npz);
    rmdir(dir);
}
