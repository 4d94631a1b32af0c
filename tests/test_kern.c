/* test_kern.c -- fast kernels against their references. */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/kern/kern.h"

/* CBLAS gemm against the triple loop, real and complex, every op. */
TEST(test_kern_gemm_matches_reference)
{
    fal_rng r;
    fal_rng_seed(&r, 3);
    size_t m = 7, n = 5, kk = 6;
    for (int f = 0; f < 2; f++) {
        size_t per = f ? 2 : 1;
        double A[2 * 7 * 6], B[2 * 6 * 5], C1[2 * 7 * 5], C2[2 * 7 * 5];
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                for (size_t i = 0; i < sizeof A / sizeof A[0]; i++) A[i] = fal_rng_normal(&r);
                for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) B[i] = fal_rng_normal(&r);
                for (size_t i = 0; i < sizeof C1 / sizeof C1[0]; i++) C1[i] = C2[i] = fal_rng_normal(&r);
                size_t lda = ta ? kk : m, ldb = tb ? n : kk;
                fal__gemm((fal_field)f, ta, tb, m, n, kk, 0.7, A, lda, B, ldb, 0.3, C1, m);
                fal__gemm_ref((fal_field)f, ta, tb, m, n, kk, 0.7, A, lda, B, ldb, 0.3, C2, m);
                double worst = 0;
                for (size_t i = 0; i < m * n * per; i++) worst = fmax(worst, fabs(C1[i] - C2[i]));
                CHECK_MSG(worst < 1e-13, "field %d ta %d tb %d: max diff %g", f, ta, tb, worst);
            }
    }
}

/* The lane-parallel chain pass against the log()-based reference, and both
 * against ln|prod| computed directly on a small case. */
TEST(test_kern_chain_pass_matches_reference)
{
    size_t n = 100003;
    double *w1 = malloc(n * sizeof(double)), *w2 = malloc(n * sizeof(double));
    fal_rng r;
    fal_rng_seed(&r, 11);
    for (size_t i = 0; i < n; i++) {
        double v = 1.0 + 0.01 * (fal_rng_uniform(&r) - 0.5);
        w1[i] = w2[i] = (fal_rng_next(&r) & 1) ? -v : v;
    }
    fal__chain_stats a, b;
    fal__chain_pass(w1, n, 0.0, &a);
    fal__chain_pass_ref(w2, n, 0.0, &b);
    CHECK(a.neg == b.neg);
    CHECK(a.zero == 0 && b.zero == 0);
    CHECK_NEAR(fal__chain_stats_ln(&a), fal__chain_stats_ln(&b), 1e-11);
    CHECK_NEAR(a.inv2, b.inv2, 1e-9 * b.inv2);
    CHECK_NEAR(a.maxinv2, b.maxinv2, 0);
    /* an update: w <- w - kc/w, both kernels; weights agree to an ulp or so */
    fal__chain_pass(w1, n, 1e-3, &a);
    fal__chain_pass_ref(w2, n, 1e-3, &b);
    double worst = 0, direct = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs(w1[i] - w2[i]));
        direct += log(fabs(w2[i]));
    }
    CHECK_LT(worst, 1e-15);
    CHECK_NEAR(fal__chain_stats_ln(&a), fal__chain_stats_ln(&b), 1e-10);
    CHECK_NEAR(fal__chain_stats_ln(&b), direct, 1e-10);
    free(w1);
    free(w2);
}

/* Compensated updates: a step far below an ulp per weight still moves the
 * product by the intended amount (first order: d ln P = -kc S2). */
TEST(test_kern_chain_compensated_small_steps)
{
    size_t n = 1 << 20;
    double *w = malloc(n * sizeof(double));
    /* centred so that ln P ~ 0: a sum of ~500 could not resolve 1e-12 */
    for (size_t i = 0; i < n; i++) w[i] = 1.0 + 1e-3 * ((double)(i % 97) / 96.0 - 0.5);
    fal__chain_stats s0, s1, r0, r1;
    fal__chain_pass_ref(w, n, 0.0, &r0); /* measured by the log() reference */
    fal__chain_pass(w, n, 0.0, &s0);
    double kc = 1e-12 / s0.inv2; /* relative change ~1e-18 per weight: below half an ulp */
    fal__chain_pass(w, n, kc, &s1);
    fal__chain_pass_ref(w, n, 0.0, &r1);
    double d = fal__chain_stats_ln(&r1) - fal__chain_stats_ln(&r0);
    CHECK_NEAR(d, -kc * s0.inv2, 2e-15);
    /* the fast statistic sees the same change to within its rounding */
    CHECK_NEAR(fal__chain_stats_ln(&s1) - fal__chain_stats_ln(&s0), d, 5e-14);
    free(w);
}
