/* test_report_data.c -- the report's sections for real data (data set
 * identity, medians and bands over seeds, no verdict) and the plot's
 * facets and bands.
 *
 * Oracles: the file's SHA-256 from sha256sum; the medians and ranges
 * computed here from the results the library returned; SVG and HTML parsed
 * by Python's xml.etree (skipped without /usr/bin/python3). */
#include <string.h>
#include <unistd.h>
#include "test.h"

#define STARTS(s, lit) (strncmp((s), (lit), sizeof(lit) - 1) == 0)

/* ---- the report on real data ------------------------------------------------ */

static int python_xml_ok(const char *dir)
{
    if (access("/usr/bin/python3", X_OK) != 0) return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import glob, sys, xml.etree.ElementTree as E\n"
             "fs = glob.glob(sys.argv[1] + \"/*.svg\") + [sys.argv[1] + \"/index.html\"]\n"
             "[E.parse(f) for f in fs]' %s",
             dir);
    return system(cmd) == 0;
}

static int cmp_d(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return x < y ? -1 : x > y;
}

/* A database of linear-ae runs on a CSV table (two architectures, two k,
 * three seeds each, rows drawn by --shuffle) and one teacher run: the page
 * has a section for the data set naming the file, its shape and SHA-256;
 * the L3 cells on data are not judged; the table's medians and ranges are
 * those of the stored results (computed here); the figures carry bands;
 * the SVG and HTML parse as XML. */
TEST(test_report_data_sections)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], csv[128], db[128], rep[128], path[256];
    test_temp_dir(dir, sizeof dir, "repdata");
    snprintf(csv, sizeof csv, "%s/tab<le>.csv", dir);
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/report", dir);
    test_write_csv(csv, 40, 6, 4);
    char sha[65];
    if (!CHECK(test_sha256sum(csv, sha))) return;
    fal_table *t = NULL;
    CHECK_OK(fal_table_load(ctx, csv, &t));
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    static const char *const archs[] = { "6,1,6", "6,2,6" };
    static const size_t ks[] = { 10, 20 };
    double test[2][2][3], gap[2][2][3];
    for (int ai = 0; ai < 2; ai++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_parse(ctx, archs[ai], &a));
        for (int ki = 0; ki < 2; ki++)
            for (int seed = 0; seed < 3; seed++) {
                fal_config cfg;
                fal_config_init(&cfg);
                cfg.family = fal_family_find("linear-ae");
                cfg.arch = a;
                cfg.data = t;
                cfg.data_path = csv;
                cfg.examples = ks[ki];
                cfg.examples_set = 1;
                cfg.shuffle_set = 1;
                cfg.shuffle = 5;
                cfg.seed = (uint64_t)seed;
                fal_result res;
                fal_status st = fal_run(ctx, &cfg, &res);
                CHECK(st == FAL_OK || st == FAL_ENOCONV);
                test[ai][ki][seed] = res.test_error;
                gap[ai][ki][seed] = (res.train_error - res.optimum_error) / res.optimum_error;
                if (st == FAL_OK || st == FAL_ENOCONV) CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
                fal_result_clear(&res);
            }
        fal_arch_free(a);
    }
    /* a teacher run beside them keeps its verdict */
    fal_config c1;
    fal_config_init(&c1);
    c1.family = fal_family_find("linear-chain");
    fal_arch *chain = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 5, 1, &chain));
    c1.arch = chain;
    fal_result r1;
    CHECK_OK(fal_run(ctx, &c1, &r1));
    CHECK_OK(fal_store_put(s, &c1, &r1, NULL));
    fal_result_clear(&r1);
    fal_store_close(s);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, rep, NULL, &sum));
    CHECK(sum.holds == 1 && sum.unjudged == 1 && sum.fails == 0);
    snprintf(path, sizeof path, "%s/index.html", rep);
    char *h = test_slurp(path, NULL);
    char esc[256];
    snprintf(esc, sizeof esc, "<code>%s/tab&lt;le&gt;.csv</code>", dir);
    CHECK(h && strstr(h, "<h2>Data set 1: ") && strstr(h, esc) && strstr(h, sha) && strstr(h, ">40x6</td>"));
    CHECK(h && strstr(h, "No teacher, no verdict") && !strstr(h, "FAILS"));
    free(h);
    /* the table's medians and ranges, against the results */
    snprintf(path, sizeof path, "%s/data-1-table.csv", rep);
    h = test_slurp(path, NULL);
    for (int ai = 0; ai < 2 && h; ai++)
        for (int ki = 0; ki < 2; ki++) {
            double v[3], g[3];
            memcpy(v, test[ai][ki], sizeof v);
            memcpy(g, gap[ai][ki], sizeof g);
            qsort(v, 3, sizeof *v, cmp_d);
            qsort(g, 3, sizeof *g, cmp_d);
            char want[256], wantg[256];
            snprintf(want, sizeof want, ",%.17g,%.17g,%.17g,", v[1], v[0], v[2]);
            snprintf(wantg, sizeof wantg, ",%.17g,%.17g,%.17g,", g[1], g[0], g[2]);
            CHECK_MSG(strstr(h, want) && strstr(h, wantg), "%s: no median/min/max %s or gap %s in\n%s", archs[ai],
                      want, wantg, h);
        }
    free(h);
    snprintf(path, sizeof path, "%s/data-1-error-vs-k.svg", rep);
    h = test_slurp(path, NULL);
    CHECK(h && strstr(h, "<polygon fill=\"#0072B2\" fill-opacity=\"0.15\"") && strstr(h, "fill=\"#D55E00\" fill-opacity"));
    free(h);
    snprintf(path, sizeof path, "%s/data-1-gap-vs-k.csv", rep);
    h = test_slurp(path, NULL);
    CHECK(h && STARTS(h, "series,examples k,(train - optimum) / optimum,low,high\n"));
    free(h);
    int xml = python_xml_ok(rep);
    if (xml < 0) printf("(XML parse skipped: no /usr/bin/python3) ");
    else CHECK_MSG(xml == 1, "the report's SVG or HTML does not parse as XML");
    fal_table_free(t);
    fal_arch_free(chain);
    test_remove_dir(dir);
}

/* More than 8 lines: panels of at most 8, each with the dashed line again
 * and its own colours and markers; the bands' ends in the CSV. */
TEST(test_report_plot_facets_and_bands)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], path[256];
    test_temp_dir(dir, sizeof dir, "facet");
    static double x[3] = { 1, 10, 100 }, y[20][3], lo[3] = { 0.5, 5, 50 }, hi[3] = { 2, 20, 200 };
    fal_plot_series s[21];
    char names[20][16];
    for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 3; j++) y[i][j] = (i + 1) * x[j];
        snprintf(names[i], sizeof names[i], "s%d", i);
        s[i] = (fal_plot_series){ names[i], x, y[i], 3, FAL_PLOT_LINE };
    }
    s[20] = (fal_plot_series){ "ref", x, x, 3, FAL_PLOT_DASHED };
    const double *blo[21] = { lo }, *bhi[21] = { hi }; /* series 0 only */
    fal_plot p;
    fal_plot_init(&p);
    p.title = "facets";
    p.xlabel = "x";
    p.ylabel = "y";
    p.xlog = p.ylog = 1;
    p.series = s;
    p.nseries = 21;
    p.band_lo = blo;
    p.band_hi = bhi;
    snprintf(path, sizeof path, "%s/f.svg", dir);
    CHECK_OK(fal_plot_svg(ctx, &p, path));
    char *t = test_slurp(path, NULL);
    CHECK(t && strstr(t, "width=\"760\" height=\"1320\" viewBox=\"0 0 760 1320\""));
    CHECK(t && strstr(t, "facets (1 of 3: series 1-8 of 20)") && strstr(t, "facets (3 of 3: series 17-20 of 20)"));
    CHECK(t && strstr(t, "<g transform=\"translate(0,440)\">") && strstr(t, "<g transform=\"translate(0,880)\">"));
    /* the reference line in each panel (plus its legend line), the 8th colour used */
    size_t dashed = 0;
    for (const char *q = t; q && (q = strstr(q, "stroke-dasharray")); q++) dashed++;
    CHECK(dashed == 6);
    CHECK(t && strstr(t, "#882255"));
    /* series 8 (the first of panel 2) has series 0's colour and marker: a circle */
    CHECK(t && strstr(t, ">s8</text>") && strstr(t, ">s16</text>"));
    /* one band, a polygon through hi forward and lo back */
    CHECK(t && strstr(t, "<polygon fill=\"#0072B2\" fill-opacity=\"0.15\" stroke=\"none\" points=\""));
    free(t);
    snprintf(path, sizeof path, "%s/f.csv", dir);
    CHECK_OK(fal_plot_csv(ctx, &p, path));
    t = test_slurp(path, NULL);
    CHECK(t && STARTS(t, "series,x,y,low,high\ns0,1,1,0.5,2\ns0,10,10,5,20\n") &&
          strstr(t, "\ns1,1,2,,\n") && strstr(t, "\nref,100,100,,\n"));
    free(t);
    test_remove_dir(dir);
}

/* ---- the learned centres (bool-ae, threshold-ae) ----------------------------- */

/* The store's centres column: a run kept with FAL_KEEP_CENTRES stores the
 * bits and rows per centre of fal_run_params' "centres" and "centre_rows"
 * for the same configuration (the text rebuilt here from those arrays),
 * and keeping them changes no figure of the run; a run without them
 * stores NULL. */
TEST(test_report_data_centres_stored)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], csv[128], db[128];
    test_temp_dir(dir, sizeof dir, "centres");
    snprintf(csv, sizeof csv, "%s/bits.csv", dir);
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    FILE *f = fopen(csv, "w");
    if (!CHECK(f)) return;
    for (unsigned i = 0, z = 7; i < 30; i++) {
        for (int j = 0; j < 6; j++) {
            z = z * 1103515245u + 12345u;
            fprintf(f, j ? ",%u" : "%u", (z >> 16) & 1u);
        }
        fputc('\n', f);
    }
    fclose(f);
    fal_table *t = NULL;
    fal_arch *a = NULL;
    CHECK_OK(fal_table_load(ctx, csv, &t));
    CHECK_OK(fal_arch_parse(ctx, "6,2,6", &a));
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    static const char *const fams[] = { "bool-ae", "threshold-ae" };
    char want[2][512];
    for (int fi = 0; fi < 2; fi++) {
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(fams[fi]);
        cfg.arch = a;
        cfg.data = t;
        cfg.examples = 20;
        cfg.examples_set = 1;
        fal_result plain, kept;
        fal_params *p = NULL;
        fal_status s1 = fal_run(ctx, &cfg, &plain);
        fal_status s2 = fal_run_params(ctx, &cfg, &kept, &p);
        CHECK(s1 == s2 && (s1 == FAL_OK || s1 == FAL_ENOCONV));
        CHECK(plain.train_error == kept.train_error && plain.test_error == kept.test_error);
        const fal_array *c = p ? fal_params_find(p, "centres") : NULL, *r = p ? fal_params_find(p, "centre_rows") : NULL;
        if (!CHECK(c && r && c->shape[1] == 6 && r->shape[0] == c->shape[0])) continue;
        size_t o = (size_t)snprintf(want[fi], sizeof want[fi], "{\"n\":6,\"centres\":[");
        double total = 0;
        for (size_t j = 0; j < c->shape[0]; j++) {
            o += (size_t)snprintf(want[fi] + o, sizeof want[fi] - o, j ? ",\"" : "\"");
            for (size_t i = 0; i < 6; i++) want[fi][o++] = c->v[j * 6 + i] ? '1' : '0';
            o += (size_t)snprintf(want[fi] + o, sizeof want[fi] - o, "\"");
        }
        o += (size_t)snprintf(want[fi] + o, sizeof want[fi] - o, "],\"train_rows\":[");
        for (size_t j = 0; j < r->shape[0]; j++) {
            o += (size_t)snprintf(want[fi] + o, sizeof want[fi] - o, j ? ",%.0f" : "%.0f", r->v[j]);
            total += r->v[j];
        }
        snprintf(want[fi] + o, sizeof want[fi] - o, "]}");
        CHECK(total == 20);
        fal_params_free(p);
        fal_result_clear(&kept);
        /* stored: with FAL_KEEP_CENTRES, and once more (seed 1) without */
        cfg.keep_params = FAL_KEEP_CENTRES;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        CHECK(st == s1 && res.train_error == plain.train_error);
        if (st == FAL_OK || st == FAL_ENOCONV) CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
        CHECK(res.kept && !fal_params_find(res.kept, "x_train") && !fal_params_find(res.kept, "T1") &&
              !fal_params_find(res.kept, "W1"));
        fal_result_clear(&res);
        fal_result_clear(&plain);
        cfg.keep_params = 0;
        cfg.seed = 1;
        st = fal_run(ctx, &cfg, &res);
        if (st == FAL_OK || st == FAL_ENOCONV) CHECK_OK(fal_store_put(s, &cfg, &res, NULL));
        fal_result_clear(&res);
    }
    fal_store_iter *it = NULL;
    CHECK_OK(fal_store_iter_new(s, &it));
    fal_store_row row;
    int have = 0, n = 0;
    while (it && fal_store_iter_next(it, &row, &have) == FAL_OK && have) {
        int fi = strcmp(row.family, "bool-ae") != 0;
        n++;
        if (row.seed == 1) CHECK(row.centres == NULL);
        else CHECK_MSG(row.centres && !strcmp(row.centres, want[fi]), "%s: stored %s, want %s", row.family,
                       row.centres ? row.centres : "NULL", want[fi]);
    }
    CHECK(n == 4);
    fal_store_iter_free(it);
    fal_store_close(s);
    fal_table_free(t);
    fal_arch_free(a);
    test_remove_dir(dir);
}

/* The report's picture of the centres, as a user makes it (sweep, report,
 * run --save, merge) and checked by NumPy (tests/check_centres.py): the
 * bits drawn are the archive's centres, the counts the nearest-centre
 * counts of its training rows, the representative the lower median seed
 * at the largest k, the seeds' distances a brute-force matching; an old
 * database (no centres column) reports with the reason, merge keeps the
 * column.  Needs /usr/bin/python3 with numpy and sklearn's digits; says so
 * and passes without them. */
TEST(test_report_data_centres_picture)
{
    if (!test_numpy_digits()) return;
    char dir[64];
    test_temp_dir(dir, sizeof dir, "centres-pic");
    if (!CHECK(dir[0])) return;
    const char *bin = getenv("FALLACY_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/check_centres.py %s %s", bin ? bin : "build/fallacy", dir);
    int rc = system(cmd);
    CHECK_MSG(rc == 0, "%s exited %d", cmd, rc);
    test_remove_dir(dir);
}
