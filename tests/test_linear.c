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
            fal_status st = run_family("linear-ae", archs[a], 3, FAL_ALGO_GD, (fal_field)f, 3, 1, &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "field %d arch %s: %s", f, archs[a], fal_errstr(st));
            CHECK_LT(res.test_error, 1e-8);
            CHECK_LT(fal_result_extra(&res, "max_sin_angle"), 1e-6);
            fal_result_clear(&res);
            fal_arch_free(arch);
            st = run_family("linear-ae", archs[a], 2, FAL_ALGO_GD, (fal_field)f, 3, 1, &res, &arch);
            CHECK(st == FAL_OK || st == FAL_ENOCONV);
            CHECK_LT(1e-4, res.test_error);
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
}

/* Oracle for the optimum: 1 - (top-m eigenvalues)/(trace) of the second
 * moment, from LAPACK's dsyev/zheev (not the dsyevd/zheevd the library
 * uses), on generic data; and the learned map spans the top-m eigenspace
 * (largest principal-angle sine < 1e-6). */
TEST(test_l3_l4_generic_data_learns_pca)
{
    fal_ctx *ctx = test_ctx();
    for (int f = 0; f < 2; f++) {
        const char *archs[2] = { "20,3,20", "20,10,3,10,20" };
        for (int a = 0; a < 2; a++) {
            fal_result res;
            fal_arch *arch = NULL;
            fal_status st = run_family("linear-ae", archs[a], 80, FAL_ALGO_GD, (fal_field)f, 20, 2, &res, &arch);
            CHECK_MSG(st == FAL_OK && res.converged, "field %d %s: %s", f, archs[a], fal_errstr(st));
            CHECK_LT(fal_result_extra(&res, "max_sin_angle"), 1e-6);
            CHECK_NEAR(res.train_error, res.optimum_error, 1e-10);
            fal_result_clear(&res);
            fal_arch_free(arch);
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
