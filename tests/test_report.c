/* test_report.c -- plots (SVG golden bytes, axes, escaping), the HTML
 * report of a runs database (files, one section per catalogue row,
 * verdicts computed from the numbers, the headline's k needed), `fallacy
 * report`, and the browser test (headless Chromium; skipped without it).
 *
 * Golden files: tests/data/report_golden_{log,lin}.svg.  After a deliberate
 * change of the drawing, regenerate them with
 *   FALLACY_WRITE_GOLDEN=1 ./build/test_fallacy test_report_svg_golden
 * and look at them before committing. */
#include <glob.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"

static int exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0 && sb.st_size > 0;
}

/* An independent HTML escape (the oracle for what the page must hold). */
static void escape(const char *s, char *out, size_t n)
{
    size_t j = 0;
    for (; *s && j + 7 < n; s++) {
        const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;"
                      : *s == '\'' ? "&#39;" : NULL;
        if (r) {
            strcpy(out + j, r);
            j += strlen(r);
        } else {
            out[j++] = *s;
        }
    }
    out[j] = '\0';
}

/* ---- plots -------------------------------------------------------------------- */

static const double GX1[] = { 1, 10, 100, 1000 }, GY1[] = { 1, 1, 1, 1 };
static const double GX2[] = { 10, 100, 1000 }, GY2[] = { 10, 100, 1000 };
static const double GX3[] = { 1, 10, 100, 1000 }, GY3[] = { 0, NAN, 5, 50 };
static const double GX4[] = { 1, 1000 }, GY4[] = { 1, 1000 };

static void golden_log_plot(fal_plot *p, fal_plot_series *s)
{
    fal_plot_init(p);
    s[0] = (fal_plot_series){ "deep (k = 1)", GX1, GY1, 4, FAL_PLOT_LINE };
    s[1] = (fal_plot_series){ "shallow <k = w>", GX2, GY2, 3, FAL_PLOT_LINE };
    s[2] = (fal_plot_series){ "zero & a gap", GX3, GY3, 4, FAL_PLOT_MARKERS };
    s[3] = (fal_plot_series){ "k = w", GX4, GY4, 2, FAL_PLOT_DASHED };
    p->title = "Golden: examples <needed> & \"w\"";
    p->xlabel = "parameters w";
    p->ylabel = "examples k";
    p->xlog = p->ylog = 1;
    p->series = s;
    p->nseries = 4;
}

static const double LX[] = { 0, 0.5, 1 }, LY[] = { 0, 1, 2 };

static void golden_lin_plot(fal_plot *p, fal_plot_series *s)
{
    fal_plot_init(p);
    s[0] = (fal_plot_series){ "a line", LX, LY, 3, FAL_PLOT_LINE };
    p->title = "linear axes";
    p->xlabel = "x";
    p->ylabel = "y";
    p->series = s;
    p->nseries = 1;
}

/* The SVG bytes of two small fixed plots equal the committed golden files,
 * and writing twice gives the same bytes. */
TEST(test_report_svg_golden)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], a[128], b[128];
    test_temp_dir(dir, sizeof dir, "report");
    const char *golden[] = { "tests/data/report_golden_log.svg", "tests/data/report_golden_lin.svg" };
    for (int g = 0; g < 2; g++) {
        fal_plot p;
        fal_plot_series s[4];
        if (g == 0) golden_log_plot(&p, s);
        else golden_lin_plot(&p, s);
        snprintf(a, sizeof a, "%s/a.svg", dir);
        snprintf(b, sizeof b, "%s/b.svg", dir);
        CHECK_OK(fal_plot_svg(ctx, &p, a));
        CHECK_OK(fal_plot_svg(ctx, &p, b));
        size_t na = 0, nb = 0, ng = 0;
        char *ta = test_slurp(a, &na), *tb = test_slurp(b, &nb);
        CHECK(ta && tb && na == nb && memcmp(ta, tb, na) == 0);
        if (getenv("FALLACY_WRITE_GOLDEN") && ta) {
            FILE *f = fopen(golden[g], "wb");
            CHECK(f && fwrite(ta, 1, na, f) == na);
            if (f) fclose(f);
            fprintf(stdout, "(wrote %s) ", golden[g]);
        }
        char *tg = test_slurp(golden[g], &ng);
        CHECK_MSG(tg != NULL, "%s missing (run from the repository root)", golden[g]);
        CHECK_MSG(tg && ta && ng == na && memcmp(tg, ta, na) == 0, "%s differs from the plot written now (%s)",
                  golden[g], a);
        free(ta);
        free(tb);
        free(tg);
    }
    test_remove_dir(dir);
}

/* Axes against hand-computed positions: on a 1..100 log axis 10 sits in
 * the middle of the plot area (x 78..540, y 380..40); labels escaped; a
 * zero on a log axis drawn hollow on the lower edge; the CSV keeps the
 * true values. */
TEST(test_report_plot_axes_and_csv)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], path[128];
    test_temp_dir(dir, sizeof dir, "report");
    static const double x[] = { 1, 10, 100 }, y[] = { 1, 10, 100 }, z[] = { 0, 1, 0.5 };
    fal_plot_series s[2] = { { "diag", x, y, 3, FAL_PLOT_LINE }, { "a,\"quoted\" name", x, z, 3, FAL_PLOT_LINE } };
    fal_plot p;
    fal_plot_init(&p);
    p.title = "<script>alert(1)</script>";
    p.xlabel = "w";
    p.ylabel = "k";
    p.xlog = p.ylog = 1;
    p.series = s;
    p.nseries = 1;
    snprintf(path, sizeof path, "%s/p.svg", dir);
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    char *t = test_slurp(path, NULL);
    CHECK(t && strstr(t, "<circle cx=\"309.00\" cy=\"210.00\"") != NULL); /* (10, 10): the middle */
    CHECK(t && strstr(t, "<circle cx=\"78.00\" cy=\"380.00\"") != NULL);  /* (1, 1): the corner */
    CHECK(t && strstr(t, "<script>") == NULL && strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(t && strstr(t, ">10</text>") && strstr(t, ">100</text>") && strstr(t, ">1</text>"));
    free(t);
    /* a zero on the log axis: hollow, on the edge y = 380 */
    p.nseries = 2;
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && strstr(t, "cy=\"380.00\" r=\"3.5\" fill=\"white\"") == NULL); /* marker 1 is a square */
    CHECK(t && strstr(t, "<rect x=\"74.50\" y=\"376.50\" width=\"7\" height=\"7\" fill=\"white\"") != NULL);
    free(t);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    CHECK_OK(fal_plot_csv(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && strcmp(t, "series,w,k\ndiag,1,1\ndiag,10,10\ndiag,100,100\n\"a,\"\"quoted\"\" name\",1,0\n"
                         "\"a,\"\"quoted\"\" name\",10,1\n\"a,\"\"quoted\"\" name\",100,0.5\n") == 0);
    free(t);
    /* decades beyond 10^2 use superscripts; linear axes nice steps */
    static const double bx[] = { 1e-9, 1e12 };
    fal_plot_series sb = { "wide", bx, bx, 2, FAL_PLOT_LINE };
    p.series = &sb;
    p.nseries = 1;
    snprintf(path, sizeof path, "%s/w.svg", dir);
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && strstr(t, "10<tspan dy=\"-5\" font-size=\"9\">-9</tspan>") &&
          strstr(t, "10<tspan dy=\"-5\" font-size=\"9\">12</tspan>") &&
          !strstr(t, "font-size=\"9\">11</tspan>") /* every third decade: 21 decades, at most 10 labels */);
    free(t);
    fal_plot_series ls[1];
    golden_lin_plot(&p, ls);
    snprintf(path, sizeof path, "%s/l.svg", dir);
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && strstr(t, ">0.2</text>") && strstr(t, ">0.8</text>") && strstr(t, ">1.5</text>") &&
          strstr(t, ">2</text>") && !strstr(t, "(log scale)"));
    free(t);
    /* an empty plot still draws its axes and says so */
    fal_plot_init(&p);
    p.title = "empty";
    snprintf(path, sizeof path, "%s/e.svg", dir);
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && strstr(t, ">no data</text>"));
    free(t);
    CHECK(fal_plot_svg(ctx, &p, "/nonexistent-dir/x.svg") == FAL_EIO);
    test_remove_dir(dir);
}

/* ---- the report ------------------------------------------------------------------ */

/* Store fal_run results of cfg for each k in ks and each seed < seeds. */
static void store_runs(fal_ctx *ctx, fal_store *s, fal_config cfg, const size_t *ks, size_t nk, unsigned seeds)
{
    for (size_t i = 0; i < nk; i++)
        for (unsigned seed = 0; seed < seeds; seed++) {
            cfg.examples = ks[i];
            cfg.examples_set = 1;
            cfg.seed = seed;
            fal_result res;
            fal_status st = fal_run(ctx, &cfg, &res);
            CHECK_MSG(st == FAL_OK || st == FAL_ENOCONV, "%s: %s", cfg.family->name, fal_ctx_message(ctx));
            if (st == FAL_OK || st == FAL_ENOCONV) CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
            fal_result_clear(&res);
        }
}

/* A small real database: L1 at three depths, L2 on two architectures with
 * k = 1..4 (n0 = 3), I2 with w = 4 and 8. */
static void make_db(fal_ctx *ctx, const char *db)
{
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.test = 200;
    const size_t k1[] = { 1 }, k4[] = { 1, 2, 3, 4 }, k8[] = { 2, 4, 8 };
    cfg.family = fal_family_find("linear-chain");
    for (uint64_t d = 1; d <= 100; d *= 10) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_uniform(ctx, d, 1, &a));
        cfg.arch = a;
        store_runs(ctx, s, cfg, k1, 1, 2);
        fal_arch_free(a);
    }
    cfg.family = fal_family_find("linear");
    const char *archs[] = { "3,3", "3,3,3" };
    for (int i = 0; i < 2; i++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_parse(ctx, archs[i], &a));
        cfg.arch = a;
        store_runs(ctx, s, cfg, k4, 4, 2);
        fal_arch_free(a);
    }
    cfg.family = fal_family_find("shallow");
    cfg.arch = NULL;
    for (size_t w = 4; w <= 8; w *= 2) {
        cfg.features = w;
        store_runs(ctx, s, cfg, k8, 3, 2);
    }
    fal_store_close(s);
}

/* The report's files, a section per catalogue row with its claim, the
 * verdicts, and the headline's k needed = the claims' k* (1 for the chain,
 * n0 = 3 for L2, w for I2), recovered from the stored numbers. */
TEST(test_report_files_sections_and_headline)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], out[128];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/report", dir);
    make_db(ctx, db);
    fal_report_opts o;
    fal_report_opts_init(&o);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, out, &o, &sum));
    CHECK(sum.runs == 6 + 16 + 12 && sum.sections == 3 && sum.holds == 3 && sum.fails == 0 && sum.unjudged == 0);
    const char *files[] = { "index.html", "headline.svg", "headline.csv", "information.csv", "L1-table.csv",
                            "L1-error-vs-depth.svg", "L1-error-vs-depth.csv", "L2-table.csv", "L2-error-vs-k.svg",
                            "L2-error-vs-k.csv", "L2-error-vs-depth.svg", "I2-table.csv", "I2-error-vs-k.svg",
                            "I2-error-vs-k.csv" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        CHECK_MSG(exists(out, files[i]), "%s/%s missing", out, files[i]);
    CHECK(sum.plots == 7); /* headline, L1 and L2 against depth, L2 and I2 against k, L1 and L2 curves */
    char path[256];
    snprintf(path, sizeof path, "%s/index.html", out);
    char *h = test_slurp(path, NULL);
    CHECK(h != NULL);
    const char *fams[] = { "linear-chain", "linear", "shallow" }, *ids[] = { "L1", "L2", "I2" };
    for (int i = 0; h && i < 3; i++) {
        char sec[64], claim[1024];
        snprintf(sec, sizeof sec, "<section id=\"%s\">", ids[i]);
        CHECK_MSG(strstr(h, sec) != NULL, "no section %s", ids[i]);
        escape(fal_family_find(fams[i])->claim, claim, sizeof claim);
        CHECK_MSG(strstr(h, claim) != NULL, "claim of %s missing", ids[i]);
    }
    CHECK(h && strstr(h, "Verdict: holds.") && !strstr(h, "FAILS") && strstr(h, "<img src=\"headline.svg\""));
    CHECK(h && strstr(h, "Training curves: none stored"));
    free(h);
    snprintf(path, sizeof path, "%s/headline.csv", out);
    h = test_slurp(path, NULL);
    const char *lines[] = { "L1 linear-chain,1,1\n", "L1 linear-chain,10,1\n", "L1 linear-chain,100,1\n",
                            "L2 linear,9,3\n", "L2 linear,18,3\n", "I2 shallow,4,4\n", "I2 shallow,8,8\n" };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        CHECK_MSG(h && strstr(h, lines[i]), "headline.csv lacks %s", lines[i]);
    free(h);
    /* the information table: the Jacobian rank of A(3,3,3) is n0 nL = 9, k_min n0 = 3 */
    snprintf(path, sizeof path, "%s/information.csv", out);
    h = test_slurp(path, NULL);
    CHECK_MSG(h && strstr(h, "L2,linear,3^3,18,,9,3,3,,9\n"), "%s", h ? h : "");
    free(h);
    /* the same database gives the same files */
    char out2[160];
    snprintf(out2, sizeof out2, "%s/again", dir);
    CHECK_OK(fal_report_write(ctx, db, out2, &o, NULL));
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p1[256], p2[256];
        size_t n1 = 0, n2 = 0;
        snprintf(p1, sizeof p1, "%s/%s", out, files[i]);
        snprintf(p2, sizeof p2, "%s/%s", out2, files[i]);
        char *a = test_slurp(p1, &n1), *b = test_slurp(p2, &n2);
        CHECK_MSG(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "%s differs between two reports", files[i]);
        free(a);
        free(b);
    }
    test_remove_dir(dir);
}

/* Numbers that contradict a claim give FAILS: L2 at k = n0 with a test
 * error of 0.5, and at k < n0 with 1e-12 (the claim is sharp). */
TEST(test_report_verdict_fails_on_contradicting_numbers)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], out[128];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/report", dir);
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "3,3", &a));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear");
    cfg.arch = a;
    cfg.examples_set = 1;
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    for (size_t k = 2; k <= 3; k++) {
        cfg.examples = k;
        fal_result res;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        res.test_error = k == 3 ? 0.5 : 1e-12;
        CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
        fal_result_clear(&res);
    }
    fal_store_close(s);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, out, NULL, &sum));
    CHECK(sum.sections == 1 && sum.fails == 1 && sum.holds == 0);
    char path[256];
    snprintf(path, sizeof path, "%s/L2-table.csv", out);
    char *t = test_slurp(path, NULL);
    CHECK_MSG(t && strstr(t, ",does not fit: k < k* = 3,FAILS,") && strstr(t, ",fits: k >= k* = 3,FAILS,"), "%s",
              t ? t : "");
    free(t);
    snprintf(path, sizeof path, "%s/index.html", out);
    t = test_slurp(path, NULL);
    CHECK(t && strstr(t, "Verdict: FAILS.") && strstr(t, "0 of 2 judged cells agree"));
    free(t);
    fal_arch_free(a);
    test_remove_dir(dir);
}

/* Whatever a database holds is escaped on its way into HTML and SVG; a
 * stored training curve is drawn. */
TEST(test_report_escapes_and_draws_curves)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], out[128];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/report", dir);
    static const fal_family evil = { "<b>evil</b>", "E<1>", "a claim", NULL, 0 };
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "2,2", &a));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = &evil;
    cfg.arch = a;
    fal_result res;
    memset(&res, 0, sizeof res);
    res.id = evil.id;
    res.family = evil.name;
    res.arch = a;
    res.params = 4;
    res.examples = 1;
    res.train_error = res.test_error = res.optimum_error = 0;
    res.log2_classes = res.bits_provided = NAN;
    res.algo = "<i>gd</i>";
    res.note = "<script>alert('x')</script>";
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
    /* and a real L1 run with a curve added by hand */
    fal_arch *chain = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 4, 1, &chain));
    fal_config c1;
    fal_config_init(&c1);
    c1.family = fal_family_find("linear-chain");
    c1.arch = chain;
    fal_result r1;
    CHECK_OK(fal_run(ctx, &c1, &r1));
    CHECK_OK(fal_store_put(s, &c1, &r1, NULL));
    fal_result_clear(&r1);
    fal_store_close(s);
    sqlite3 *sq = NULL;
    CHECK(sqlite3_open(db, &sq) == SQLITE_OK);
    CHECK(sqlite3_exec(sq, "UPDATE runs SET curve = '[[0,1],[1,0.01],[2,1e-6]]' WHERE family = 'linear-chain'", NULL,
                       NULL, NULL) == SQLITE_OK);
    sqlite3_close(sq);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, out, NULL, &sum));
    char path[256];
    snprintf(path, sizeof path, "%s/index.html", out);
    char *h = test_slurp(path, NULL);
    CHECK(h && !strstr(h, "<b>evil") && !strstr(h, "E<1>") && !strstr(h, "<script>"));
    CHECK(h && strstr(h, "&lt;b&gt;evil&lt;/b&gt;") && strstr(h, "E&lt;1&gt;"));
    CHECK(h && strstr(h, "runs with a training curve: 1"));
    free(h);
    snprintf(path, sizeof path, "%s/headline.svg", out);
    h = test_slurp(path, NULL);
    CHECK(h && !strstr(h, "<b>evil") && strstr(h, "E&lt;1&gt; &lt;b&gt;evil&lt;/b&gt;"));
    free(h);
    /* an ID that is not plain letters and digits: its letters, then its hash */
    char pat[256];
    snprintf(pat, sizeof pat, "%s/E_1_-%s-table.csv", out, "????????????????");
    glob_t g;
    CHECK(glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1);
    globfree(&g);
    snprintf(path, sizeof path, "%s/L1-curves.csv", out);
    h = test_slurp(path, NULL);
    /* drawn at step + 1 on a log axis */
    CHECK_MSG(h && strstr(h, "series,step + 1,relative training error\n") && strstr(h, ",1,1\n") &&
                  strstr(h, ",2,0.01\n") && strstr(h, ",3,9.9999999999999995e-07\n"),
              "%s", h ? h : "(missing)");
    free(h);
    CHECK(exists(out, "L1-curves.svg"));
    fal_arch_free(a);
    fal_arch_free(chain);
    test_remove_dir(dir);
}

TEST(test_report_cli)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], args[512], out[4096];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(args, sizeof args, "report --db %s/none.sqlite --out %s/r", dir, dir);
    CHECK(test_cli(args, out, sizeof out) == 2);
    snprintf(args, sizeof args, "report --out %s/r", dir);
    CHECK(test_cli(args, out, sizeof out) == 2);
    snprintf(args, sizeof args, "report --db %s --out %s/r --eps -1", db, dir);
    CHECK(test_cli(args, out, sizeof out) == 2);
    FILE *f = fopen(db, "w");
    fputs("not a database at all, but long enough for SQLite to look at its header......................\n", f);
    fclose(f);
    snprintf(args, sizeof args, "report --db %s --out %s/r", db, dir);
    CHECK(test_cli(args, out, sizeof out) == 2);
    remove(db);
    snprintf(args, sizeof args, "sweep linear-chain --depth 1,10 --seeds 2 --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 0);
    snprintf(args, sizeof args, "report --db %s --out %s/r --eps 1e-10", db, dir);
    CHECK(test_cli(args, out, sizeof out) == 0);
    CHECK_MSG(strstr(out, "index.html: 4 runs, 1 catalogue rows (1 hold, 0 fail, 0 not judged), 3 plots"), "%s", out);
    char rdir[128];
    snprintf(rdir, sizeof rdir, "%s/r", dir);
    CHECK(exists(rdir, "index.html") && exists(rdir, "headline.svg") && exists(rdir, "L1-error-vs-depth.csv"));
    (void)ctx;
    test_remove_dir(dir);
}

/* ---- the browser ---------------------------------------------------------------- */

#define BROWSER_CHECK "tests/browser/check_report.sh"

static int browser_check(const char *dir, const char *shot, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sh %s %s %s 2>&1", BROWSER_CHECK, dir, shot);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Headless Chromium opens the report: every image loads, no console
 * message, a screenshot is taken.  A broken copy (a missing image, a
 * console error) must fail, so the check can fail. */
TEST(test_report_browser)
{
    fal_ctx *ctx = test_ctx();
    if (access(BROWSER_CHECK, R_OK) != 0) {
        CHECK_MSG(0, "%s not found (run the tests from the repository root)", BROWSER_CHECK);
        return;
    }
    char dir[64], db[128], rep[128], shot[160], out[4096];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/report", dir);
    snprintf(shot, sizeof shot, "%s/screenshot.png", dir);
    make_db(ctx, db);
    CHECK_OK(fal_report_write(ctx, db, rep, NULL, NULL));
    int rc = browser_check(rep, shot, out, sizeof out);
    if (rc == 77) {
        out[strcspn(out, "\n")] = '\0';
        fprintf(stdout, "[%s] ", out); /* the SKIP line, then "ok" */
        test_remove_dir(dir);
        return;
    }
    CHECK_MSG(rc == 0, "browser check exited %d:\n%s", rc, out);
    CHECK(strstr(out, "PASS") && strstr(out, "images: IMAGES 7 BAD 0") && strstr(out, "console: no message"));
    struct stat sb;
    CHECK(stat(shot, &sb) == 0 && sb.st_size > 10000);
    /* break a copy: one image gone, one console error */
    char cmd[1024], bad[128];
    snprintf(bad, sizeof bad, "%s/broken", dir);
    snprintf(cmd, sizeof cmd,
             "cp -R %s %s && rm %s/L2-error-vs-k.svg && sed -i 's|</head>|<script>console.error(\"boom\")</script></head>|' "
             "%s/index.html",
             rep, bad, bad, bad);
    CHECK(system(cmd) == 0);
    rc = browser_check(bad, shot, out, sizeof out);
    CHECK_MSG(rc == 1 && strstr(out, "BAD 1 L2-error-vs-k.svg") && strstr(out, "\"boom\""),
              "the broken copy passed (exit %d):\n%s", rc, out);
    test_remove_dir(dir);
}

/* L3's k* is the dimension of the data (--subspace, default the smallest
 * hidden width m, read from the run-length widths of a deep autoencoder). */
TEST(test_report_l3_kstar_is_the_data_dimension)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], out[128];
    test_temp_dir(dir, sizeof dir, "report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/report", dir);
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-ae");
    cfg.test = 200;
    const size_t ks[] = { 1, 2, 3 };
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "6,4,2,4,6", &a)); /* m = 2: data in 2 dimensions */
    cfg.arch = a;
    store_runs(ctx, s, cfg, ks, 3, 1);
    fal_arch_free(a);
    CHECK_OK(fal_arch_parse(ctx, "6,3,6", &a)); /* --subspace 3 */
    cfg.arch = a;
    cfg.subspace = 3;
    store_runs(ctx, s, cfg, ks, 3, 1);
    fal_arch_free(a);
    fal_store_close(s);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, out, NULL, &sum));
    CHECK(sum.sections == 1 && sum.holds == 1);
    char path[256];
    snprintf(path, sizeof path, "%s/L3-table.csv", out);
    char *t = test_slurp(path, NULL);
    CHECK_MSG(t && strstr(t, "\"A(6,4,2,4,6) subspace=0\",64,4,1,1,1,") && strstr(t, "does not fit: k < k* = 2,holds") &&
                  strstr(t, "fits: k >= k* = 2,holds") && strstr(t, "does not fit: k < k* = 3,holds") &&
                  strstr(t, "fits: k >= k* = 3,holds"),
              "%s", t ? t : "(missing)");
    free(t);
    test_remove_dir(dir);
}
