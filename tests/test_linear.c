/* test_linear.c -- L2 deep linear nets, L3/L4 autoencoders, and the deep
 * linear trainer's gradient. */
#include <lapacke.h>
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/core/linalg.h"
#include "../src/kern/kern.h"
#include "../src/train/deep_linear.h"

static fal_status run_family(const char *family, const char *widths, size_t k, fal_algo algo, fal_field f,
                             size_t subspace, uint64_t seed, fal_result *res, fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    if (fal_arch_parse(ctx, widths, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    cfg.algo = algo;
    cfg.field = f;
    cfg.subspace = subspace;
    cfg.seed = seed;
    return fal_run(ctx, &cfg, res);
}

/* run_family with a tolerance (0: the family's default). */
static fal_status run_family_tol(const char *family, const char *widths, size_t k, fal_algo algo, fal_field f,
                                 size_t subspace, uint64_t seed, double tol, fal_result *res, fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    if (fal_arch_parse(ctx, widths, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    cfg.examples = k;
    cfg.examples_set = 1;
    cfg.algo = algo;
    cfg.field = f;
    cfg.subspace = subspace;
    cfg.seed = seed;
    cfg.tol = tol;
    return fal_run(ctx, &cfg, res);
}

/* Every test run of an iterative algorithm must converge with a margin:
 * its steps at most a third of the budget (100000 by default), so that
 * the last bits of a BLAS kernel cannot decide it (issue 11, item 7). */
#define CHECK_MARGIN(res) CHECK_MSG(3 * (res).steps <= 100000, "%llu steps: less than 3x under the budget", \
                                    (unsigned long long)(res).steps)

static char *uniform_widths(char *buf, size_t n, int L)
{
    size_t p = 0;
    for (int i = 0; i <= L; i++) p += (size_t)snprintf(buf + p, 4096 - p, i ? ",%zu" : "%zu", n);
    return buf;
}

/* L2: k = n0 inputs in general position fix the overall matrix (to 1e-8,
 * test error < 1e-10); k = n0 - 1 leave an unseen direction (> 1e-4). */
TEST(test_l2_n0_examples_fix_the_map)
{
    char buf[4096];
    const char *archs[2] = { uniform_widths(buf, 16, 50), "8,32,32,8" };
    const size_t n0s[2] = { 16, 8 };
    for (int a = 0; a < 2; a++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            fal_result res;
            fal_arch *arch = NULL;
            fal_status st = run_family("linear", archs[a], n0s[a], FAL_ALGO_GD, FAL_REAL, 0, seed, &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "arch %d seed %llu: %s", a, (unsigned long long)seed,
                      fal_errstr(st));
            CHECK_LT(fal_result_extra(&res, "teacher_rel_dev"), 1e-8);
            CHECK_LT(res.test_error, 1e-10);
            fal_result_clear(&res);
            fal_arch_free(arch);
            st = run_family("linear", archs[a], n0s[a] - 1, FAL_ALGO_GD, FAL_REAL, 0, seed, &res, &arch);
            CHECK(st == FAL_OK && res.converged); /* the training set is fitted... */
            CHECK_LT(res.train_error, 1e-18);
            CHECK_LT(1e-4, res.test_error); /* ...but the unseen direction is not */
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
}

/* L2 trained by feedback alignment and by the closed form. */
TEST(test_l2_fa_and_exact)
{
    fal_result res;
    fal_arch *arch = NULL;
    fal_status st = run_family("linear", "8,8,8,8,8", 8, FAL_ALGO_FA, FAL_REAL, 0, 3, &res, &arch);
    CHECK(st == FAL_OK && res.converged);
    CHECK_LT(res.test_error, 1e-10);
    fal_result_clear(&res);
    fal_arch_free(arch);
    st = run_family("linear", "8,8,8,8,8", 8, FAL_ALGO_EXACT, FAL_REAL, 0, 3, &res, &arch);
    CHECK(st == FAL_OK);
    CHECK_LT(fal_result_extra(&res, "teacher_rel_dev"), 1e-12);
    CHECK(res.params == 4 * 64);
    fal_result_clear(&res);
    fal_arch_free(arch);
}

/* Relative change of the map on a probe, and the gradient checks below. */
static void random_net(fal__dlin *net, fal_rng *r, double scale)
{
    for (size_t i = 0; i < net->wlen; i++) net->w[i] = scale * fal_rng_normal(r);
}

/* Every gradient GD uses, against central differences of
 * E = 1/(2k) sum ||y - t||^2, real and complex (d/dRe and d/dIm of each
 * weight), with a guard against an all-zero gradient.  Then the in-place
 * step (the path training takes) equals W - lr G. */
TEST(test_deep_linear_gradient_finite_differences)
{
    fal_ctx *ctx = test_ctx();
    for (int f = 0; f < 2; f++) {
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_parse(ctx, "3,4,2,5", &arch));
        fal__dlin net;
        size_t k = 4, per = f ? 2 : 1;
        CHECK_OK(fal__dlin_new(ctx, arch, (fal_field)f, k, 0, &net));
        fal_rng r;
        fal_rng_seed(&r, 5);
        random_net(&net, &r, 0.7);
        double X[2 * 3 * 4], T[2 * 5 * 4];
        for (size_t i = 0; i < 3 * k * per; i++) X[i] = fal_rng_normal(&r);
        for (size_t i = 0; i < 5 * k * per; i++) T[i] = fal_rng_normal(&r);
        double *G = calloc(net.wlen, sizeof(double)), *W0 = malloc(net.wlen * sizeof(double));
        memcpy(W0, net.w, net.wlen * sizeof(double));
        fal__dlin_forward(&net, X, k);
        fal__dlin_backward(&net, T, k, 0.0, G);
        double worst = 0, norm = 0;
        for (size_t j = 0; j < net.wlen; j++) {
            double h = 1e-6, keep = net.w[j];
            net.w[j] = keep + h;
            fal__dlin_forward(&net, X, k);
            double Ep = fal__dlin_half_sq(&net, T, k) / (double)k;
            net.w[j] = keep - h;
            fal__dlin_forward(&net, X, k);
            double Em = fal__dlin_half_sq(&net, T, k) / (double)k;
            net.w[j] = keep;
            double fd = (Ep - Em) / (2 * h);
            worst = fmax(worst, fabs(fd - G[j]) / fmax(1.0, fabs(fd)));
            norm += G[j] * G[j];
        }
        CHECK_MSG(worst < 1e-7, "field %d: worst relative gradient error %g", f, worst);
        CHECK_MSG(norm > 1e-3, "field %d: all-zero gradient", f);
        /* the in-place step */
        double lr = 0.01;
        fal__dlin_forward(&net, X, k);
        fal__dlin_backward(&net, T, k, lr, NULL);
        double dmax = 0;
        for (size_t j = 0; j < net.wlen; j++) dmax = fmax(dmax, fabs(net.w[j] - (W0[j] - lr * G[j])));
        CHECK_LT(dmax, 1e-14);
        free(G);
        free(W0);
        fal__dlin_free(&net);
        fal_arch_free(arch);
    }
}

/* L3: data in an m-dim subspace; m examples give fresh-subspace test error
 * < 1e-8, m - 1 do not.  Shallow A(20,3,20) and deep A(20,10,3,10,20),
 * real (L3) and complex (L4). */
TEST(test_l3_l4_m_examples_fix_the_subspace)
{
    const char *archs[2] = { "20,3,20", "20,10,3,10,20" };
    for (int f = 0; f < 2; f++)
        for (int a = 0; a < 2; a++) {
            fal_result res;
            fal_arch *arch = NULL;
            fal_status st = run_family("linear-ae", archs[a], 3, FAL_ALGO_DEFAULT, (fal_field)f, 3, 1, &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "field %d arch %s: %s", f, archs[a], fal_errstr(st));
            CHECK_MARGIN(res);
            CHECK_LT(res.test_error, 1e-8);
            CHECK_LT(fal_result_extra(&res, "max_sin_angle"), 1e-6);
            fal_result_clear(&res);
            fal_arch_free(arch);
            st = run_family("linear-ae", archs[a], 2, FAL_ALGO_DEFAULT, (fal_field)f, 3, 1, &res, &arch);
            CHECK(st == FAL_OK || st == FAL_ENOCONV);
            CHECK_LT(1e-4, res.test_error);
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
}

/* Oracle for the optimum: 1 - (top-m eigenvalues)/(trace) of the second
 * moment, from LAPACK's dsyev/zheev (not the dsyevd/zheevd the library
 * uses), on generic data; and the learned map spans the top-m eigenspace:
 * with --tol 1e-13 (the gap's rounding floor is ~1e-15) the largest
 * principal-angle sine is < 3e-6 (measured 4e-7 - 8e-7 on Prescott,
 * Haswell and SkylakeX kernels; the sine goes as the square root of the
 * gap).  Plain gd on the shallow net, default tolerance: converged within a
 * third of its budget too. */
TEST(test_l3_l4_generic_data_learns_pca)
{
    fal_ctx *ctx = test_ctx();
    for (int f = 0; f < 2; f++) {
        const char *archs[2] = { "20,3,20", "20,10,3,10,20" };
        for (int a = 0; a < 2; a++) {
            fal_result res;
            fal_arch *arch = NULL;
            fal_status st = run_family_tol("linear-ae", archs[a], 80, FAL_ALGO_DEFAULT, (fal_field)f, 20, 2, 1e-13,
                                           &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "field %d %s: %s", f, archs[a], fal_errstr(st));
            CHECK_MARGIN(res);
            CHECK(strcmp(res.algo, "nesterov") == 0 && res.tol == 1e-13);
            CHECK_LT(fal_result_extra(&res, "max_sin_angle"), 3e-6);
            CHECK_LT(res.train_error - res.optimum_error, 1e-13 * res.optimum_error);
            fal_result_clear(&res);
            fal_arch_free(arch);
            if (a == 0) {
                st = run_family("linear-ae", archs[a], 80, FAL_ALGO_GD, (fal_field)f, 20, 2, &res, &arch);
                CHECK_MSG(st == FAL_OK && res.converged, "gd field %d %s: %s", f, archs[a], fal_errstr(st));
                CHECK_MARGIN(res);
                CHECK(res.tol == 1e-10);
                CHECK_LT(res.train_error - res.optimum_error, 1e-10 * res.optimum_error);
                fal_result_clear(&res);
                fal_arch_free(arch);
            }
        }
        /* the optimum value itself, on data built here */
        size_t n = 6, k = 30, m = 2, per = f ? 2 : 1;
        fal_table *t = NULL;
        CHECK_OK(fal_table_new(ctx, k, n, (fal_field)f, &t));
        if (!t) continue;
        fal_rng r;
        fal_rng_seed(&r, 9);
        double *v = fal_table_data(t);
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < n * per; i++) v[j * n * per + i] = fal_rng_normal(&r) * (1.0 + (double)(i / per));
        double C[2 * 36] = { 0 }, ev[6];
        for (size_t j = 0; j < k; j++)
            for (size_t a = 0; a < n; a++)
                for (size_t b = 0; b < n; b++) {
                    const double *x = v + j * n * per;
                    if (!f) {
                        C[a + b * n] += x[a] * x[b];
                    } else { /* C = sum x x^H */
                        C[2 * (a + b * n)] += x[2 * a] * x[2 * b] + x[2 * a + 1] * x[2 * b + 1];
                        C[2 * (a + b * n) + 1] += x[2 * a + 1] * x[2 * b] - x[2 * a] * x[2 * b + 1];
                    }
                }
        int info = f ? LAPACKE_zheev(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, (lapack_complex_double *)C, (lapack_int)n, ev)
                     : LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, C, (lapack_int)n, ev);
        CHECK(info == 0);
        double tr = 0, top = 0;
        for (size_t i = 0; i < n; i++) tr += ev[i];
        for (size_t i = n - m; i < n; i++) top += ev[i];
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_parse(ctx, "6,2,6", &arch));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("linear-ae");
        cfg.arch = arch;
        cfg.data = t;
        cfg.field = (fal_field)f; /* complex data needs --field complex */
        cfg.algo = FAL_ALGO_EXACT;
        fal_result res;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        CHECK_NEAR(res.optimum_error, 1 - top / tr, 1e-12);
        CHECK(isnan(res.test_error)); /* every row trained */
        cfg.algo = FAL_ALGO_GD;
        fal_result_clear(&res);
        CHECK_OK(fal_run(ctx, &cfg, &res));
        CHECK_NEAR(res.train_error, 1 - top / tr, 1e-10);
        fal_result_clear(&res);
        fal_arch_free(arch);
        fal_table_free(t);
    }
}

/* The class of a map: W_1 -> C W_1, W_2 -> W_2 C^-1 for a random invertible
 * C on the hidden layer leaves P = W_2 W_1 unchanged (< 1e-12 relative),
 * while the weights move far. */
TEST(test_l3_l4_hidden_change_of_basis_keeps_the_map)
{
    fal_ctx *ctx = test_ctx();
    for (int f = 0; f < 2; f++) {
        size_t n = 20, m = 3, per = f ? 2 : 1;
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_parse(ctx, "20,3,20", &arch));
        fal__dlin net;
        CHECK_OK(fal__dlin_new(ctx, arch, (fal_field)f, 1, 0, &net));
        fal_rng r;
        fal_rng_seed(&r, 21);
        random_net(&net, &r, 1.0);
        double P0[2 * 400], P1[2 * 400], Cm[2 * 9], Ci[2 * 9], W1[2 * 60], W2[2 * 60];
        CHECK_OK(fal__dlin_product(&net, P0));
        fal__gauss_fill(&r, (fal_field)f, Cm, m * m, 1.0);
        for (size_t i = 0; i < m; i++) Cm[(i + i * m) * per] += 2.0; /* well conditioned */
        fal__eye((fal_field)f, m, m, Ci);
        lapack_int ipiv[3];
        double Cc[2 * 9];
        memcpy(Cc, Cm, sizeof Cc);
        int info = f ? LAPACKE_zgesv(LAPACK_COL_MAJOR, 3, 3, (lapack_complex_double *)Cc, 3, ipiv,
                                     (lapack_complex_double *)Ci, 3)
                     : LAPACKE_dgesv(LAPACK_COL_MAJOR, 3, 3, Cc, 3, ipiv, Ci, 3);
        CHECK(info == 0);
        double *A1 = fal__dlin_W(&net, 1), *A2 = fal__dlin_W(&net, 2);
        fal__gemm((fal_field)f, 0, 0, m, n, m, 1.0, Cm, m, A1, m, 0.0, W1, m);  /* C W_1 */
        fal__gemm((fal_field)f, 0, 0, n, m, m, 1.0, A2, n, Ci, m, 0.0, W2, n);  /* W_2 C^-1 */
        double moved = fal__mat_rel_dev((fal_field)f, W1, A1, m * n);
        memcpy(A1, W1, m * n * per * sizeof(double));
        memcpy(A2, W2, n * m * per * sizeof(double));
        CHECK_OK(fal__dlin_product(&net, P1));
        CHECK_LT(fal__mat_rel_dev((fal_field)f, P1, P0, n * n), 1e-12);
        CHECK_LT(0.5, moved);
        fal__dlin_free(&net);
        fal_arch_free(arch);
    }
}

/* Bad architectures for the linear families. */
TEST(test_linear_families_refuse_bad_architectures)
{
    fal_result res;
    fal_arch *arch = NULL;
    CHECK(run_family("linear-ae", "8,8,8", 8, FAL_ALGO_GD, FAL_REAL, 0, 1, &res, &arch) == FAL_EINVAL);
    fal_arch_free(arch);
    CHECK(run_family("linear-ae", "8,3,7", 8, FAL_ALGO_GD, FAL_REAL, 0, 1, &res, &arch) == FAL_EINVAL);
    fal_arch_free(arch);
    CHECK(run_family("linear-chain", "1,2,1", 1, FAL_ALGO_GD, FAL_REAL, 0, 1, &res, &arch) == FAL_EINVAL);
    fal_arch_free(arch);
}

/* ---- the float32 step ---------------------------------------------------- */

/* max |a_i - b_i| / max |b_i|: a float result against its double twin. */
static double rel_dev_f(const float *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num = fmax(num, fabs((double)a[i] - b[i]));
        den = fmax(den, fabs(b[i]));
    }
    return den > 0 ? num / den : num;
}

/* fal__sgemm against the double reference loops on float-representable
 * operands, every transpose, alpha and beta both active. */
TEST(test_deep_linear_sgemm_matches_reference)
{
    fal_rng r;
    fal_rng_seed(&r, 11);
    enum { M = 5, N = 3, KK = 7 };
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            float A[M * KK], B[KK * N], C[M * N];
            double Ad[M * KK], Bd[KK * N], Cd[M * N];
            for (size_t i = 0; i < M * KK; i++) Ad[i] = A[i] = (float)fal_rng_normal(&r);
            for (size_t i = 0; i < KK * N; i++) Bd[i] = B[i] = (float)fal_rng_normal(&r);
            for (size_t i = 0; i < M * N; i++) Cd[i] = C[i] = (float)fal_rng_normal(&r);
            size_t lda = ta ? KK : M, ldb = tb ? N : KK;
            fal__sgemm(ta, tb, M, N, KK, 0.75f, A, lda, B, ldb, -0.5f, C, M);
            fal__gemm_ref(FAL_REAL, ta, tb, M, N, KK, 0.75, Ad, lda, Bd, ldb, -0.5, Cd, M);
            CHECK_MSG(rel_dev_f(C, Cd, M * N) < 1e-6, "ta %d tb %d: relative deviation %g", ta, tb,
                      rel_dev_f(C, Cd, M * N));
        }
}

/* The float32 step against the float64 step from the same values (weights,
 * inputs and targets representable in float): output, loss, gradients and
 * the in-place update agree to 1e-5 relative, on a shallow rectangular net
 * and a 6-layer one.  The shallow net's float gradient is also checked
 * against the closed form G_2 = R (W_1 X)^T / k, G_1 = W_2^T R X^T / k with
 * R = W_2 W_1 X - T, evaluated by plain loops in double. */
TEST(test_deep_linear_float32_step_matches_float64)
{
    fal_ctx *ctx = test_ctx();
    const char *shapes[2] = { "3,4,5", "6,6,6,6,6,6,6" };
    for (int s = 0; s < 2; s++) {
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_parse(ctx, shapes[s], &arch));
        size_t L = (size_t)fal_arch_depth(arch), n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, L), k = 4;
        fal__dlin d, f;
        CHECK_OK(fal__dlin_new(ctx, arch, FAL_REAL, k, 0, &d));
        CHECK_OK(fal__dlin32_new(ctx, arch, k, &f));
        CHECK(f.w == NULL && d.w32 == NULL && f.wlen == d.wlen);
        fal_rng r;
        fal_rng_seed(&r, 7);
        for (size_t j = 0; j < d.wlen; j++) d.w[j] = f.w32[j] = (float)(0.45 * fal_rng_normal(&r));
        double Xd[6 * 4], Td[6 * 4];
        float X[6 * 4], T[6 * 4];
        for (size_t j = 0; j < n0 * k; j++) Xd[j] = X[j] = (float)fal_rng_normal(&r);
        for (size_t j = 0; j < nL * k; j++) Td[j] = T[j] = (float)fal_rng_normal(&r);

        const double *yd = fal__dlin_forward(&d, Xd, k);
        const float *yf = fal__dlin32_forward(&f, X, k);
        CHECK_LT(rel_dev_f(yf, yd, nL * k), 1e-5);
        double Ed = fal__dlin_half_sq(&d, Td, k);
        CHECK_NEAR(fal__dlin32_half_sq(&f, T, k), Ed, 1e-5 * Ed);

        double *Gd = calloc(d.wlen, sizeof(double)), *W0 = malloc(d.wlen * sizeof(double));
        float *Gf = calloc(d.wlen, sizeof(float)), *W0f = malloc(d.wlen * sizeof(float));
        fal__dlin_backward(&d, Td, k, 0.0, Gd);
        fal__dlin32_backward(&f, T, k, 0.0f, Gf);
        double gn = 0;
        for (size_t j = 0; j < d.wlen; j++) gn += Gd[j] * Gd[j];
        CHECK_MSG(gn > 1e-3, "shape %s: all-zero gradient", shapes[s]);
        CHECK_MSG(rel_dev_f(Gf, Gd, d.wlen) < 1e-5, "shape %s: float gradient off by %g", shapes[s],
                  rel_dev_f(Gf, Gd, d.wlen));
        if (s == 0) {
            const double *W1 = fal__dlin_W(&d, 1), *W2 = fal__dlin_W(&d, 2);
            double H1[4 * 4], R[5 * 4], S[4 * 4], G[12 + 20];
            for (size_t a = 0; a < 4; a++)
                for (size_t j = 0; j < k; j++) {
                    H1[a + 4 * j] = 0;
                    for (size_t b = 0; b < 3; b++) H1[a + 4 * j] += W1[a + 4 * b] * Xd[b + 3 * j];
                }
            for (size_t a = 0; a < 5; a++)
                for (size_t j = 0; j < k; j++) {
                    R[a + 5 * j] = -Td[a + 5 * j];
                    for (size_t b = 0; b < 4; b++) R[a + 5 * j] += W2[a + 5 * b] * H1[b + 4 * j];
                }
            for (size_t a = 0; a < 4; a++) /* S = W_2^T R */
                for (size_t j = 0; j < k; j++) {
                    S[a + 4 * j] = 0;
                    for (size_t b = 0; b < 5; b++) S[a + 4 * j] += W2[b + 5 * a] * R[b + 5 * j];
                }
            for (size_t a = 0; a < 4; a++) /* G_1 = S X^T / k, 4 x 3 */
                for (size_t b = 0; b < 3; b++) {
                    G[a + 4 * b] = 0;
                    for (size_t j = 0; j < k; j++) G[a + 4 * b] += S[a + 4 * j] * Xd[b + 3 * j] / (double)k;
                }
            for (size_t a = 0; a < 5; a++) /* G_2 = R H_1^T / k, 5 x 4 */
                for (size_t b = 0; b < 4; b++) {
                    G[12 + a + 5 * b] = 0;
                    for (size_t j = 0; j < k; j++) G[12 + a + 5 * b] += R[a + 5 * j] * H1[b + 4 * j] / (double)k;
                }
            CHECK(d.woff[1] == 0 && d.woff[2] == 12);
            CHECK_MSG(rel_dev_f(Gf, G, 32) < 1e-5, "float gradient against the closed form: %g", rel_dev_f(Gf, G, 32));
        }

        /* the in-place step, from the same weights */
        memcpy(W0, d.w, d.wlen * sizeof(double));
        memcpy(W0f, f.w32, d.wlen * sizeof(float));
        double lr = 0.1;
        fal__dlin_forward(&d, Xd, k);
        fal__dlin_backward(&d, Td, k, lr, NULL);
        fal__dlin32_forward(&f, X, k);
        fal__dlin32_backward(&f, T, k, (float)lr, NULL);
        double num = 0, den = 0, vs_g = 0;
        for (size_t j = 0; j < d.wlen; j++) {
            double sd = d.w[j] - W0[j], sf = (double)f.w32[j] - (double)W0f[j];
            num = fmax(num, fabs(sf - sd));
            den = fmax(den, fabs(sd));
            vs_g = fmax(vs_g, fabs(sf + lr * (double)Gf[j]));
        }
        CHECK_MSG(den > 1e-3 && num < 1e-5 * den, "shape %s: float step off by %g of %g", shapes[s], num, den);
        CHECK_MSG(vs_g < 1e-5 * den, "shape %s: float step is not -lr G: %g", shapes[s], vs_g);
        free(Gd), free(W0), free(Gf), free(W0f);
        fal__dlin_free(&f);
        fal__dlin_free(&d);
        CHECK(f.w32 == NULL);
        fal_arch_free(arch);
    }
}

/* Every allocation of a float32 network refused in turn: FAL_ENOMEM with
 * nothing left allocated, until it succeeds. */
TEST(test_deep_linear_float32_allocation_failures_leave_nothing)
{
    test_failing fl = { 0, 0 };
    fal_allocator al = test_failing_allocator(&fl);
    fal_ctx *ctx;
    if (!CHECK(fal_ctx_new(&ctx, &al) == FAL_OK)) return;
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_parse(ctx, "4,3,5", &arch));
    long n;
    for (n = 1; n < 50; n++) {
        size_t before = fal_ctx_mem_in_use(ctx);
        fal__dlin net;
        fl.count = 0;
        fl.fail_at = n;
        fal_status st = fal__dlin32_new(ctx, arch, 2, &net);
        fl.fail_at = 0;
        if (st == FAL_OK) {
            fal__dlin_free(&net);
            CHECK(fal_ctx_mem_in_use(ctx) == before);
            break;
        }
        CHECK_MSG(st == FAL_ENOMEM, "allocation %ld refused: %s", n, fal_errstr(st));
        CHECK_MSG(fal_ctx_mem_in_use(ctx) == before, "allocation %ld refused: %zu bytes left", n,
                  fal_ctx_mem_in_use(ctx) - before);
    }
    CHECK_MSG(n == 8, "%ld allocations, expected 7 (3 shape arrays, 4 float blocks)", n - 1);
    fal_arch_free(arch);
    fal_ctx_free(ctx);
}
