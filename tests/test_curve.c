/* test_curve.c -- training curves (issue 5): the schedule kept in a
 * fal_result (steps 0, 1, 2, 4, ... and the last), the curves of the
 * iterative families (L1, L2, L3, N2) checked against runs stopped early
 * (the error after s steps is the train_error of the same run given
 * --steps s), their round trip through SQLite, and the report's curve plot. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test.h"
#include "../src/core/curve.h"

static int on_schedule(uint64_t s) { return (s & (s - 1)) == 0; }

/* The curve's shape: increasing steps, 0 first, every point but the last
 * on the schedule, every scheduled step up to the last present, the last
 * point at res->steps with error res->train_error (bit for bit). */
static void check_shape(const fal_result *r, const char *what)
{
    CHECK_MSG(r->ncurve >= 1 && r->ncurve <= FAL_MAX_CURVE, "%s: ncurve = %d", what, r->ncurve);
    if (r->ncurve < 1) return;
    CHECK_MSG(r->curve[0].step == 0, "%s: first step %llu", what, (unsigned long long)r->curve[0].step);
    uint64_t want = 0; /* the next scheduled step */
    for (int i = 0; i + 1 < r->ncurve; i++) {
        CHECK_MSG(r->curve[i].step == want, "%s: point %d at step %llu, expected %llu", what, i,
                  (unsigned long long)r->curve[i].step, (unsigned long long)want);
        want = want ? 2 * want : 1;
    }
    /* the last: the next scheduled step, or an unscheduled one between the previous and it */
    uint64_t s = r->curve[r->ncurve - 1].step, prev = r->ncurve > 1 ? r->curve[r->ncurve - 2].step : 0;
    CHECK_MSG(r->ncurve == 1 || s == want || (s > prev && s < want && !on_schedule(s)),
              "%s: last step %llu after %llu", what, (unsigned long long)s, (unsigned long long)want);
    const fal_curve_point *last = &r->curve[r->ncurve - 1];
    CHECK_MSG(last->step == r->steps, "%s: last step %llu, steps %llu", what, (unsigned long long)last->step,
              (unsigned long long)r->steps);
    CHECK_MSG(memcmp(&last->error, &r->train_error, sizeof(double)) == 0, "%s: last error %.17g, train %.17g", what,
              last->error, r->train_error);
}

/* ---- the schedule ------------------------------------------------------------ */

TEST(test_curve_schedule_powers_of_two_and_last)
{
    fal_result r;
    memset(&r, 0, sizeof r);
    for (uint64_t s = 0; s <= 1000; s++) fal__curve_add(&r, s, 1.0 / (double)(s + 1));
    static const uint64_t want[] = { 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000 };
    CHECK(r.ncurve == (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < r.ncurve && i < 12; i++) {
        CHECK_MSG(r.curve[i].step == want[i], "point %d: %llu", i, (unsigned long long)r.curve[i].step);
        CHECK(r.curve[i].error == 1.0 / (double)(want[i] + 1));
    }
    /* the same step again overwrites; a scheduled last point is kept */
    fal__curve_add(&r, 1000, 7.0);
    CHECK(r.ncurve == 12 && r.curve[11].error == 7.0);
    fal__curve_add(&r, 1024, 8.0);
    fal__curve_add(&r, 1025, 9.0);
    CHECK(r.ncurve == 13 && r.curve[11].step == 1024 && r.curve[12].step == 1025 && r.curve[12].error == 9.0);
    /* steps may be skipped; NULL is a no-op */
    fal__curve_add(NULL, 3, 1.0);
    /* the largest run: 0, every power of two to 2^63, and a last step: 66 points, no overflow */
    memset(&r, 0, sizeof r);
    fal__curve_add(&r, 0, 1.0);
    for (int e = 0; e < 64; e++) {
        fal__curve_add(&r, (uint64_t)1 << e, 1.0);
        if (e > 1) fal__curve_add(&r, ((uint64_t)1 << e) + 1, 2.0); /* provisional, replaced next */
    }
    fal__curve_add(&r, UINT64_MAX, 0.5);
    CHECK(r.ncurve == 66 && FAL_MAX_CURVE == 66);
    CHECK(r.curve[64].step == (uint64_t)1 << 63 && r.curve[65].step == UINT64_MAX && r.curve[65].error == 0.5);
    for (int i = 1; i < 65; i++) CHECK_MSG(r.curve[i].step == (uint64_t)1 << (i - 1), "point %d", i);
}

/* ---- the families ------------------------------------------------------------ */

static fal_status run(fal_ctx *ctx, const char *family, const char *arch, fal_algo algo, uint64_t steps, double lr,
                      uint64_t seed, fal_result *res)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    fal_arch *a = NULL;
    if (arch && fal_arch_parse(ctx, arch, &a) != FAL_OK) return FAL_EINVAL;
    cfg.arch = a;
    cfg.algo = algo;
    cfg.max_steps = steps;
    cfg.lr = lr;
    cfg.seed = seed;
    cfg.test = 50;
    fal_status st = fal_run(ctx, &cfg, res);
    if (a) res->arch = NULL; /* borrowed from a, freed here */
    fal_arch_free(a);
    return st;
}

/* Oracle: the point at step s equals the train_error of the same
 * configuration stopped after s steps (the training path is deterministic,
 * and the early run measures its error independently, from its weights). */
static void check_against_stopped_runs(fal_ctx *ctx, const char *family, const char *arch, fal_algo algo, double lr,
                                       uint64_t seed, const fal_result *full, double rtol)
{
    for (int i = 1; i + 1 < full->ncurve; i++) {
        fal_result r;
        fal_status st = run(ctx, family, arch, algo, full->curve[i].step, lr, seed, &r);
        CHECK_MSG(st == FAL_ENOCONV && r.steps == full->curve[i].step, "%s stopped at %llu: %s, %llu steps", family,
                  (unsigned long long)full->curve[i].step, fal_errstr(st), (unsigned long long)r.steps);
        double a = full->curve[i].error, b = r.train_error;
        /* the stopped run's direct sum of (P x - t)^2 has an absolute rounding of ~eps^2 */
        CHECK_MSG(fabs(a - b) <= rtol * fabs(b) + (rtol > 0 ? 1e-26 : 0), "%s step %llu: curve %.17g, stopped run %.17g", family,
                  (unsigned long long)full->curve[i].step, a, b);
        fal_result_clear(&r);
    }
}

/* L2, GD from near the identity: the curve's last point is train_error,
 * every point is the error of the run stopped there, and GD brings the
 * error from its start to the converged floor without ever ending above
 * the start (the bold driver may let single steps rise). */
TEST(test_curve_l2_gd_points_are_stopped_runs)
{
    fal_ctx *ctx = test_ctx();
    fal_result r;
    fal_status st = run(ctx, "linear", "4,4,4,4", FAL_ALGO_GD, 0, 0, 3, &r);
    CHECK_OK(st);
    check_shape(&r, "linear");
    CHECK(r.ncurve >= 4);
    for (int i = 1; i < r.ncurve; i++) CHECK_LT(r.curve[i].error, r.curve[0].error);
    CHECK_LT(r.curve[r.ncurve - 1].error, 1e-15);
    /* monotone over the schedule, as GD on this convex-in-P problem with small steps is */
    int rises = 0;
    for (int i = 1; i < r.ncurve; i++) rises += r.curve[i].error > r.curve[i - 1].error;
    CHECK_MSG(rises <= 1, "%d rises", rises);
    check_against_stopped_runs(ctx, "linear", "4,4,4,4", FAL_ALGO_GD, 0, 3, &r, 0.0);
    /* deterministic: the same bytes again */
    fal_result r2;
    fal_ctx_set_threads(ctx, 1);
    CHECK_OK(run(ctx, "linear", "4,4,4,4", FAL_ALGO_GD, 0, 0, 3, &r2));
    CHECK(r2.ncurve == r.ncurve && memcmp(r2.curve, r.curve, sizeof r.curve) == 0);
}

/* L1: the O(1) per-step formula k beta (P - P*)^2 + sum (P* x - t)^2
 * agrees with the direct sum of the stopped runs; with a small fixed rate
 * the run is long enough to fill the schedule. */
TEST(test_curve_l1_formula_matches_direct_error)
{
    fal_ctx *ctx = test_ctx();
    fal_result r;
    fal_status st = run(ctx, "linear-chain", "1,1,1,1,1,1", FAL_ALGO_GD, 0, 0.02, 5, &r);
    CHECK_OK(st);
    check_shape(&r, "linear-chain lr");
    CHECK(r.ncurve >= 8);
    for (int i = 1; i < r.ncurve; i++) CHECK(r.curve[i].error <= r.curve[i - 1].error);
    check_against_stopped_runs(ctx, "linear-chain", "1,1,1,1,1,1", FAL_ALGO_GD, 0.02, 5, &r, 1e-6);
    /* the default step length at depth 1000 and feedback alignment record curves too */
    CHECK_OK(run(ctx, "linear-chain", NULL, FAL_ALGO_DEFAULT, 0, 0, 2, &r));
    check_shape(&r, "linear-chain default");
    fal_result_clear(&r);
    CHECK_OK(run(ctx, "linear-chain", "1,1,1,1,1", FAL_ALGO_FA, 0, 0, 2, &r));
    check_shape(&r, "linear-chain fa");
}

/* L3 and N2 (both of its iterative algorithms) record curves; closed forms
 * and non-iterative families record none. */
TEST(test_curve_l3_n2_and_the_families_without_steps)
{
    fal_ctx *ctx = test_ctx();
    fal_result r;
    CHECK_OK(run(ctx, "linear-ae", "6,2,6", FAL_ALGO_GD, 0, 0, 1, &r));
    check_shape(&r, "linear-ae");
    check_against_stopped_runs(ctx, "linear-ae", "6,2,6", FAL_ALGO_GD, 0, 1, &r, 0.0);
    CHECK_OK(run(ctx, "power-chain", "1,1,1,1", FAL_ALGO_GD, 0, 0, 3, &r));
    check_shape(&r, "power-chain gd");
    check_against_stopped_runs(ctx, "power-chain", "1,1,1,1", FAL_ALGO_GD, 0, 3, &r, 1e-12);
    CHECK_OK(run(ctx, "power-chain", NULL, FAL_ALGO_DEFAULT, 0, 0, 3, &r));
    check_shape(&r, "power-chain log-gd");
    fal_result_clear(&r);
    CHECK_OK(run(ctx, "linear", "4,4,4", FAL_ALGO_EXACT, 0, 0, 3, &r));
    CHECK(r.ncurve == 0);
    CHECK_OK(run(ctx, "linear-chain", "1,1,1", FAL_ALGO_EXACT, 0, 0, 3, &r));
    CHECK(r.ncurve == 0);
    CHECK_OK(run(ctx, "power-chain", "1,1,1", FAL_ALGO_EXACT, 0, 0, 3, &r));
    CHECK(r.ncurve == 0);
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("shallow");
    cfg.features = 20;
    cfg.test = 20;
    fal_status st = fal_run(ctx, &cfg, &r);
    CHECK(st == FAL_OK || st == FAL_ENOCONV);
    CHECK(r.ncurve == 0);
    fal_result_clear(&r);
}

/* ---- store and report ---------------------------------------------------------- */

/* Parse "[[s,e],[s,e],...]" with sscanf (independent of the report's
 * parser); returns the number of points, -1 if malformed. */
static int parse_curve(const char *txt, uint64_t *steps, double *errs, int cap)
{
    if (strncmp(txt, "[[", 2) != 0) return -1;
    const char *p = txt + 1;
    int n = 0;
    while (*p == '[' && n < cap) {
        unsigned long long s;
        int used = 0;
        if (sscanf(p, "[%llu,%lg]%n", &s, &errs[n], &used) != 2 || used == 0) return -1;
        steps[n++] = s;
        p += used;
        if (*p == ',') p++;
    }
    return strcmp(p, "]") == 0 ? n : -1;
}

/* The curve goes into the `curve` column as compact JSON and comes back
 * bit for bit (%.17g); a run without one stores NULL. */
TEST(test_curve_store_round_trip)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128];
    test_temp_dir(dir, sizeof dir, "curve");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    fal_arch *a = NULL, *b = NULL;
    CHECK_OK(fal_arch_parse(ctx, "3,3,3", &a));
    CHECK_OK(fal_arch_parse(ctx, "1,1,1,1", &b));
    fal_config c1, c2;
    fal_config_init(&c1);
    c1.family = fal_family_find("linear");
    c1.arch = a;
    c1.seed = 9;
    fal_config_init(&c2);
    c2.family = fal_family_find("linear-chain");
    c2.arch = b;
    c2.algo = FAL_ALGO_EXACT;
    fal_result r1, r2;
    CHECK_OK(fal_run(ctx, &c1, &r1));
    CHECK_OK(fal_run(ctx, &c2, &r2));
    CHECK(r1.ncurve >= 3 && r2.ncurve == 0);
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_put(s, &c1, &r1, NULL));
    CHECK_OK(fal_store_put(s, &c2, &r2, NULL));
    fal_store_close(s);
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
    fal_store_iter *it = NULL;
    CHECK_OK(fal_store_iter_new(s, &it));
    fal_store_row row;
    int have = 0, rows = 0;
    while (fal_store_iter_next(it, &row, &have) == FAL_OK && have) {
        rows++;
        if (strcmp(row.family, "linear-chain") == 0) {
            CHECK(row.curve == NULL);
            continue;
        }
        CHECK(row.curve != NULL && !strchr(row.curve, ' '));
        uint64_t st[FAL_MAX_CURVE];
        double er[FAL_MAX_CURVE];
        int n = row.curve ? parse_curve(row.curve, st, er, FAL_MAX_CURVE) : -1;
        CHECK_MSG(n == r1.ncurve, "parsed %d of %d points from %s", n, r1.ncurve, row.curve ? row.curve : "NULL");
        for (int i = 0; i < n && i < r1.ncurve; i++) {
            CHECK(st[i] == r1.curve[i].step);
            CHECK_MSG(memcmp(&er[i], &r1.curve[i].error, sizeof(double)) == 0, "point %d: %.17g vs %.17g", i, er[i],
                      r1.curve[i].error);
        }
    }
    CHECK(rows == 2);
    fal_store_iter_free(it);
    fal_store_close(s);
    fal_result_clear(&r1);
    fal_result_clear(&r2);
    fal_arch_free(a);
    fal_arch_free(b);
    test_remove_dir(dir);
}

/* The report draws the stored curves: an L2 sweep gives L2-curves.svg with
 * its CSV, whose rows are the stored points at step + 1. */
TEST(test_curve_report_draws_stored_curves)
{
    fal_ctx *ctx = test_ctx();
    char dir[64], db[128], out[128], path[256];
    test_temp_dir(dir, sizeof dir, "curve");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(out, sizeof out, "%s/report", dir);
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "3,3,3", &a));
    fal_config c;
    fal_config_init(&c);
    c.family = fal_family_find("linear");
    c.arch = a;
    c.examples = 3;
    c.examples_set = 1;
    c.test = 20;
    fal_result r;
    CHECK_OK(fal_run(ctx, &c, &r));
    fal_store *s = NULL;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_CREATE, &s));
    CHECK_OK(fal_store_put(s, &c, &r, NULL));
    fal_store_close(s);
    fal_report_summary sum;
    CHECK_OK(fal_report_write(ctx, db, out, NULL, &sum));
    snprintf(path, sizeof path, "%s/index.html", out);
    char *h = test_slurp(path, NULL);
    CHECK(h && strstr(h, "<img src=\"L2-curves.svg\"") && strstr(h, "runs with a training curve: 1"));
    free(h);
    snprintf(path, sizeof path, "%s/L2-curves.svg", out);
    h = test_slurp(path, NULL);
    CHECK(h && strstr(h, "<svg") && strstr(h, "relative training error"));
    free(h);
    snprintf(path, sizeof path, "%s/L2-curves.csv", out);
    h = test_slurp(path, NULL);
    CHECK(h && strstr(h, "series,step + 1,relative training error\n"));
    for (int i = 0; h && i < r.ncurve; i++) {
        char line[96];
        snprintf(line, sizeof line, ",%llu,%.17g\n", (unsigned long long)r.curve[i].step + 1, r.curve[i].error);
        CHECK_MSG(strstr(h, line) != NULL, "no row %s", line);
    }
    free(h);
    fal_result_clear(&r);
    fal_arch_free(a);
    test_remove_dir(dir);
}
