/* test_linear_data.c -- the linear families on a user's own data (issue
 * 11): the reduced-rank regression optimum of `linear` with a bottleneck
 * against LAPACK computed here (dgels + dgesvd, not the gelsd + syevd the
 * library uses), relative errors independent of the data's scale, refusals
 * of data whose relative error is undefined, and LAPACK failures as
 * statuses that exit 2. */
#include <lapacke.h>
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/core/linalg.h"

/* k rows of n0 Gaussian inputs, then nL targets = a fixed linear map of the
 * inputs plus noise (0.3 N(0, 1)), times scale. */
static fal_table *regression_table(size_t k, size_t n0, size_t nL, uint64_t seed, double scale)
{
    fal_table *t = NULL;
    if (fal_table_new(test_ctx(), k, n0 + nL, FAL_REAL, &t) != FAL_OK) return NULL;
    fal_rng r, ra;
    fal_rng_seed(&r, seed);
    fal_rng_seed(&ra, 77);
    double A[64];
    for (size_t i = 0; i < nL * n0; i++) A[i] = fal_rng_normal(&ra);
    double *v = fal_table_data(t);
    for (size_t j = 0; j < k; j++) {
        double *row = v + j * (n0 + nL);
        for (size_t i = 0; i < n0; i++) row[i] = fal_rng_normal(&r);
        for (size_t o = 0; o < nL; o++) {
            double y = 0.3 * fal_rng_normal(&r);
            for (size_t i = 0; i < n0; i++) y += A[o + i * nL] * row[i];
            row[n0 + o] = y;
        }
        for (size_t i = 0; i < n0 + nL; i++) row[i] *= scale;
    }
    return t;
}

/* The oracle: least squares by QR (dgels on the k x n0 inputs), the fitted
 * values' singular values by dgesvd, and the rank-r optimum's relative
 * error (||T - Yhat||^2 + sum_{i > r} s_i^2) / ||T||^2 (Eckart-Young). */
static double rrr_oracle(const fal_table *t, size_t n0, size_t nL, size_t r)
{
    size_t k = fal_table_rows(t), c = n0 + nL;
    const double *v = fal_table_cdata(t);
    double *X = malloc(k * n0 * sizeof(double)), *B = malloc(k * nL * sizeof(double));
    double *Y = malloc(k * nL * sizeof(double)), sv[16], sup[16];
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < n0; i++) X[j + i * k] = v[j * c + i];
        for (size_t o = 0; o < nL; o++) B[j + o * k] = v[j * c + n0 + o];
    }
    double *X2 = malloc(k * n0 * sizeof(double));
    memcpy(X2, X, k * n0 * sizeof(double));
    int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)k, (lapack_int)n0, (lapack_int)nL, X2, (lapack_int)k,
                             B, (lapack_int)k);
    CHECK(info == 0);
    /* Yhat = X Bhat (k x nL), Bhat the top n0 rows of B */
    double tt = 0, res = 0;
    for (size_t j = 0; j < k; j++)
        for (size_t o = 0; o < nL; o++) {
            double y = 0;
            for (size_t i = 0; i < n0; i++) y += X[j + i * k] * B[i + o * k];
            Y[j + o * k] = y;
            double tv = v[j * c + n0 + o];
            tt += tv * tv;
            res += (tv - y) * (tv - y);
        }
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)k, (lapack_int)nL, Y, (lapack_int)k, sv, NULL, 1,
                          NULL, 1, sup);
    CHECK(info == 0);
    for (size_t i = r; i < nL; i++) res += sv[i] * sv[i];
    free(X);
    free(X2);
    free(B);
    free(Y);
    return res / tt;
}

static fal_status run_data(const char *family, const char *widths, const fal_table *t, fal_algo algo, fal_result *res,
                           fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    *arch = NULL;
    if (widths && fal_arch_parse(ctx, widths, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    cfg.data = t;
    cfg.algo = algo;
    return fal_run(ctx, &cfg, res);
}

/* Reduced-rank regression: `linear` with the bottleneck at depth 1 and at
 * depth 2 has the optimum of the oracle (to 1e-12), --algo exact returns
 * it, and the default descent converges to it (the relative gap below the
 * default tol 1e-10, within a third of the step budget). */
TEST(test_l2_bottleneck_optimum_is_reduced_rank_regression)
{
    const char *archs[] = { "5,2,4", "5,3,2,3,4", "5,1,4" };
    const size_t rank[] = { 2, 2, 1 };
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fal_table *t = regression_table(30, 5, 4, seed, 1.0);
        CHECK(t != NULL);
        if (!t) return;
        for (int a = 0; a < 3; a++) {
            double want = rrr_oracle(t, 5, 4, rank[a]);
            /* the unconstrained least squares is strictly better: the bottleneck binds */
            CHECK_LT(rrr_oracle(t, 5, 4, 4), want * (1 - 1e-3));
            fal_arch *arch;
            fal_result res;
            CHECK_OK(run_data("linear", archs[a], t, FAL_ALGO_EXACT, &res, &arch));
            CHECK_NEAR(res.optimum_error, want, 1e-12 * want);
            CHECK_NEAR(res.train_error, want, 1e-12 * want);
            CHECK(res.converged);
            fal_result_clear(&res);
            fal_arch_free(arch);
            fal_status st = run_data("linear", archs[a], t, FAL_ALGO_DEFAULT, &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "%s seed %llu: %s", archs[a], (unsigned long long)seed,
                      fal_errstr(st));
            CHECK_NEAR(res.optimum_error, want, 1e-12 * want);
            CHECK(res.train_error - want <= 1e-10 * want + 1e-15 * want);
            CHECK(res.tol == 1e-10 && 3 * res.steps <= 100000);
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
        fal_table_free(t);
    }
}

/* Brute force on a tiny case: nL = 2 outputs, rank 1.  The best rank-1 map
 * is u u^T P_ls for a unit u = (cos a, sin a); a grid of 20000 angles,
 * refined, gives the optimum the closed form must match (to 1e-9; the grid
 * is quadratic at its minimum). */
TEST(test_l2_reduced_rank_brute_force_tiny)
{
    fal_table *t = regression_table(12, 3, 2, 5, 1.0);
    CHECK(t != NULL);
    if (!t) return;
    size_t k = 12, c = 5;
    const double *v = fal_table_cdata(t);
    /* P_ls from the normal equations (3 x 3 solve, independent of LAPACK's least squares) */
    double G[9] = { 0 }, H[6] = { 0 }, tt = 0;
    for (size_t j = 0; j < k; j++)
        for (size_t a = 0; a < 3; a++) {
            for (size_t b = 0; b < 3; b++) G[a + 3 * b] += v[j * c + a] * v[j * c + b];
            for (size_t o = 0; o < 2; o++) H[a + 3 * o] += v[j * c + a] * v[j * c + 3 + o];
        }
    for (size_t j = 0; j < k; j++) tt += v[j * c + 3] * v[j * c + 3] + v[j * c + 4] * v[j * c + 4];
    lapack_int ipiv[3];
    CHECK(LAPACKE_dgesv(LAPACK_COL_MAJOR, 3, 2, G, 3, ipiv, H, 3) == 0); /* H = P_ls^T (3 x 2) */
    double best = INFINITY, besta = 0;
    for (int pass = 0; pass < 2; pass++) {
        double lo = pass ? besta - 1e-3 : 0, hi = pass ? besta + 1e-3 : M_PI;
        for (int g = 0; g <= 20000; g++) {
            double ang = lo + (hi - lo) * g / 20000.0, u0 = cos(ang), u1 = sin(ang), e = 0;
            for (size_t j = 0; j < k; j++) {
                double y0 = 0, y1 = 0;
                for (size_t a = 0; a < 3; a++) {
                    y0 += H[a] * v[j * c + a];
                    y1 += H[a + 3] * v[j * c + a];
                }
                double p = u0 * y0 + u1 * y1, d0 = v[j * c + 3] - u0 * p, d1 = v[j * c + 4] - u1 * p;
                e += d0 * d0 + d1 * d1;
            }
            if (e < best) {
                best = e;
                besta = ang;
            }
        }
    }
    fal_arch *arch;
    fal_result res;
    CHECK_OK(run_data("linear", "3,1,2", t, FAL_ALGO_EXACT, &res, &arch));
    CHECK_NEAR(res.optimum_error, best / tt, 1e-9 * best / tt);
    CHECK(res.optimum_error <= best / tt * (1 + 1e-12)); /* no angle beats the closed form */
    fal_result_clear(&res);
    fal_arch_free(arch);
    fal_table_free(t);
}

/* Scale: the same table times 1e-300 and 1e160 gives the relative errors
 * of the unscaled one (to 1e-12 relative) in linear (with and without a
 * bottleneck), linear-ae and shallow, by --algo exact and by descent. */
TEST(test_linear_families_errors_do_not_depend_on_scale)
{
    const struct {
        const char *family, *widths;
        fal_algo algo;
    } runs[] = {
        { "linear", "5,4", FAL_ALGO_EXACT },       { "linear", "5,2,4", FAL_ALGO_EXACT },
        { "linear", "5,2,4", FAL_ALGO_DEFAULT },   { "linear-ae", "9,3,9", FAL_ALGO_EXACT },
        { "linear-ae", "9,3,9", FAL_ALGO_DEFAULT }, { "shallow", NULL, FAL_ALGO_DEFAULT },
    };
    const double scales[] = { 1e-300, 1e160 };
    fal_table *t1 = regression_table(40, 5, 4, 3, 1.0);
    fal_table *ts[2] = { regression_table(40, 5, 4, 3, scales[0]), regression_table(40, 5, 4, 3, scales[1]) };
    /* shallow reads 8 features then 1 target: the same 9 columns */
    CHECK(t1 && ts[0] && ts[1]);
    if (!t1 || !ts[0] || !ts[1]) return;
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        fal_arch *arch;
        fal_result r1, r2;
        fal_status s1 = run_data(runs[i].family, runs[i].widths, t1, runs[i].algo, &r1, &arch);
        fal_arch_free(arch);
        CHECK_MSG(s1 == FAL_OK, "%s %s: %s", runs[i].family, runs[i].widths, fal_errstr(s1));
        for (int s = 0; s < 2; s++) {
            fal_status s2 = run_data(runs[i].family, runs[i].widths, ts[s], runs[i].algo, &r2, &arch);
            fal_arch_free(arch);
            CHECK_MSG(s2 == FAL_OK, "%s %s x%g: %s", runs[i].family, runs[i].widths, scales[s], fal_errstr(s2));
            CHECK_MSG(isfinite(r2.train_error) && isfinite(r2.optimum_error) && r2.optimum_error > 0,
                      "%s x%g: train %g optimum %g", runs[i].family, scales[s], r2.train_error, r2.optimum_error);
            CHECK_NEAR(r2.optimum_error, r1.optimum_error, 1e-12 * r1.optimum_error);
            /* descent stops within its tolerance of the optimum, not at the same step */
            double tol = runs[i].algo == FAL_ALGO_DEFAULT && strcmp(runs[i].family, "shallow") ? 2e-10 : 1e-12;
            CHECK_NEAR(r2.train_error, r1.train_error, tol * r1.optimum_error);
            fal_result_clear(&r2);
        }
        fal_result_clear(&r1);
    }
    fal_table_free(t1);
    fal_table_free(ts[0]);
    fal_table_free(ts[1]);
}

/* Data whose relative error is undefined are refused (FAL_EINVAL, exit 2):
 * an all-zero table (linear, linear-ae, shallow), zero targets (linear). */
TEST(test_linear_families_refuse_zero_energy)
{
    fal_table *z = regression_table(20, 5, 4, 1, 0.0);
    fal_table *zt = regression_table(20, 5, 4, 1, 1.0);
    CHECK(z && zt);
    if (!z || !zt) return;
    double *v = fal_table_data(zt);
    for (size_t j = 0; j < 20; j++)
        for (size_t o = 0; o < 4; o++) v[j * 9 + 5 + o] = 0;
    const char *fam[] = { "linear", "linear", "linear-ae", "shallow" }, *wid[] = { "5,4", "5,2,4", "9,3,9", NULL };
    for (int i = 0; i < 4; i++) {
        fal_arch *arch;
        fal_result res;
        CHECK(run_data(fam[i], wid[i], z, FAL_ALGO_DEFAULT, &res, &arch) == FAL_EINVAL);
        CHECK(strstr(fal_ctx_message(test_ctx()), "all zero") != NULL);
        fal_arch_free(arch);
        if (i == 2) continue; /* the autoencoder's targets are its inputs */
        CHECK(run_data(fam[i], wid[i], zt, FAL_ALGO_EXACT, &res, &arch) == FAL_EINVAL);
        fal_arch_free(arch);
    }
    fal_table_free(z);
    fal_table_free(zt);
}

/* A LAPACK failure is a status that exits 2 with its message, never an
 * internal error (exit 1 without a result): a NaN handed to the
 * eigensolver. */
TEST(test_linalg_lapack_failure_is_a_range_error)
{
    fal_ctx *ctx = test_ctx();
    double A[4] = { 1, NAN, NAN, 1 }, ev[2];
    fal_status st = fal__herm_eig(ctx, FAL_REAL, 2, A, ev);
    CHECK(st == FAL_ERANGE);
    CHECK(strstr(fal_ctx_message(ctx), "LAPACK info") != NULL);
}
