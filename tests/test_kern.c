/* test_kern.c -- fast kernels against their references. */
#include <float.h>
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

/* Both bodies of the pass (AVX-512 where built, and the portable one, which
 * the valgrind build runs as fal__chain_pass) against the log() reference:
 * measuring and updating, on a length with a tail, and an update large
 * enough (kc/w^2 up to 0.3) that every reciprocal matters. */
TEST(test_kern_chain_bodies_match_reference)
{
    size_t n = 50021;
    double *w0 = malloc(n * sizeof(double)), *wf = malloc(n * sizeof(double)), *wr = malloc(n * sizeof(double));
    fal_rng r;
    fal_rng_seed(&r, 12);
    for (size_t i = 0; i < n; i++) {
        double v = 0.6 + 0.8 * fal_rng_uniform(&r);
        w0[i] = (fal_rng_next(&r) & 1) ? -v : v;
    }
    typedef void (*pass_fn)(double *, size_t, double, fal__chain_stats *);
    const pass_fn fns[2] = { fal__chain_pass, fal__chain_pass_portable };
    const double kcs[3] = { 0.0, 1e-3, 0.1 };
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < 3; k++) {
            fal__chain_stats a, b;
            memcpy(wf, w0, n * sizeof(double));
            memcpy(wr, w0, n * sizeof(double));
            fns[f](wf, n, kcs[k], &a);
            fal__chain_pass_ref(wr, n, kcs[k], &b);
            double worst = 0;
            for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(wf[i] - wr[i]) / fabs(wr[i]));
            /* the lanes carry the compensation to a different neighbour than
             * the reference does: a weight may differ by its last bits */
            CHECK_MSG(worst < 1e-15, "body %d kc %g: weights differ by %g", f, kcs[k], worst);
            CHECK(a.neg == b.neg && a.zero == 0 && b.zero == 0);
            CHECK_NEAR(fal__chain_stats_ln(&a), fal__chain_stats_ln(&b), 1e-12 * fmax(1, fabs(fal__chain_stats_ln(&b))));
            CHECK_NEAR(a.inv2, b.inv2, 1e-13 * b.inv2);
            /* 1/min|w|^2 is the max, bit for bit, of the same weights */
            CHECK_NEAR(a.maxinv2, b.maxinv2, kcs[k] == 0 ? 0 : 2e-15 * b.maxinv2);
        }
    free(w0);
    free(wf);
    free(wr);
}

/* Zero, -0, subnormal, Inf, NaN, the largest and smallest normals, and
 * weights whose lane product would overflow, placed in several lanes of the
 * vector body and in the tail: each body counts them as the reference does
 * and measures the rest alike (kc = 0: the caller stops at a zero weight). */
TEST(test_kern_chain_special_values)
{
    const double cases[3][8] = {
        /* normal extremes with a finite sum of 1/w^2 */
        { DBL_MAX, -DBL_MAX, 0x1.8p1023, 1e-150, -2e-154, 3e-100, 1e300, -0x1.fp1022 },
        /* normal, but 1/w^2 overflows */
        { DBL_MIN, -DBL_MIN, 1e-300, 2.0, -0.5, 1e-200, 1e300, -3e-170 },
        /* counted apart */
        { 0.0, -0.0, 4.9e-324, -1e-310, INFINITY, -INFINITY, NAN, -NAN },
    };
    size_t n = 3 * 2048 + 13; /* three of the vector body's chunks and a tail */
    double *w = malloc(n * sizeof(double)), *w2 = malloc(n * sizeof(double));
    for (int pass = 0; pass < 3; pass++) {
        const double *ex = cases[pass];
        for (size_t i = 0; i < n; i++) w[i] = (i % 3 ? 1.0 : -1.0) * (1.0 + 1e-3 * (double)(i % 7));
        size_t at[8] = { 40, 73, 2117, 2118, 4500, 4731, n - 5, n - 1 };
        for (int j = 0; j < 8; j++) w[at[j]] = ex[j];
        if (!pass) {
            /* two huge weights in one lane: the lane product must not overflow */
            w[3132] = 0x1.fp1022;
            w[3164] = 0x1.fp1022;
        }
        typedef void (*pass_fn)(double *, size_t, double, fal__chain_stats *);
        const pass_fn fns[2] = { fal__chain_pass, fal__chain_pass_portable };
        fal__chain_stats b;
        memcpy(w2, w, n * sizeof(double));
        fal__chain_pass_ref(w2, n, 0.0, &b);
        for (int f = 0; f < 2; f++) {
            fal__chain_stats a;
            memcpy(w2, w, n * sizeof(double));
            fns[f](w2, n, 0.0, &a);
            CHECK_MSG(a.zero == b.zero && a.neg == b.neg, "case %d body %d: zero %llu/%llu neg %llu/%llu", pass, f,
                      (unsigned long long)a.zero, (unsigned long long)b.zero, (unsigned long long)a.neg,
                      (unsigned long long)b.neg);
            CHECK(a.zero == (pass == 2 ? 8u : 0u));
            /* ln|P| over the ordinary weights (the zero count makes _ln -Inf) */
            double la = M_LN2 * ((double)a.exp2 + a.log2m), lb = M_LN2 * ((double)b.exp2 + b.log2m);
            CHECK_NEAR(la, lb, 1e-12 * fmax(1, fabs(lb)));
            if (pass == 1) CHECK(isinf(a.inv2) && isinf(b.inv2) && isinf(a.maxinv2) && isinf(b.maxinv2));
            else CHECK_NEAR(a.inv2, b.inv2, 1e-13 * b.inv2);
            CHECK(a.maxinv2 == b.maxinv2);
        }
    }
    free(w);
    free(w2);
}

/* The vector draw gives the portable draw's bytes (weight i from stream
 * i mod 16) at every length and alignment, up to a run's 2^20-weight
 * block, and the law: |w| in [1 - s, 1 + s], about half negative,
 * u = (|w| - 1)/s of mean 0 and variance 1/3. */
TEST(test_kern_chain_draw_bodies_and_law)
{
    const size_t lens[] = { 0, 1, 15, 16, 17, 100003, ((size_t)1 << 20) + 21 }, cap = ((size_t)1 << 20) + 32;
    double *a = aligned_alloc(64, cap * sizeof(double)), *b = aligned_alloc(64, cap * sizeof(double));
    const size_t offs[] = { 0, 1, 3, 6 };
    for (size_t k = 0; k < 7; k++)
        for (size_t o = 0; o < 4; o++) {
            size_t off = offs[o];
            size_t n = lens[k];
            memset(a, 0, cap * sizeof(double));
            memset(b, 0, cap * sizeof(double));
            fal__chain_draw(a + off, n, 0.25, 77);
            fal__chain_draw_portable(b + off, n, 0.25, 77);
            CHECK_MSG(memcmp(a, b, cap * sizeof(double)) == 0, "n = %zu at +%zu: the bodies draw different bytes", n,
                      off);
        }
    fal__chain_draw(a, 100003, 0.25, 77);
    size_t n = 100003, negs = 0;
    double m1 = 0, m2 = 0, lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (fabs(a[i]) - 1.0) / 0.25;
        negs += a[i] < 0;
        m1 += u;
        m2 += u * u;
        lo = fmin(lo, fabs(a[i]));
        hi = fmax(hi, fabs(a[i]));
    }
    m1 /= (double)n;
    m2 /= (double)n;
    CHECK(lo >= 0.75 && hi <= 1.25 && lo < 0.7501 && hi > 1.2499);
    CHECK_NEAR((double)negs / (double)n, 0.5, 0.01);  /* 6 sigma: 0.0095 */
    CHECK_NEAR(m1, 0.0, 0.011);                       /* 6 sigma of the mean of U(-1,1) */
    CHECK_NEAR(m2, 1.0 / 3.0, 0.006);                 /* 6 sigma: sd(u^2) = 0.298 */
    /* neighbouring weights come from different streams, and lanes 0 and 16
     * from the same one advanced: no two of the first 32 alike */
    for (int i = 0; i < 32; i++)
        for (int j = i + 1; j < 32; j++) CHECK(a[i] != a[j]);
    free(a);
    free(b);
}

/* A step far below an ulp per lane: the lanes' leftover carries are
 * applied through the tail, so the product still moves by the intended
 * -kc S2 (2e-15 here, ~0.06 ulp per lane), as measured by the log()
 * reference; dropped, nothing would move. */
TEST(test_kern_chain_tiny_step_moves_product)
{
    size_t n = 1 << 20;
    double *w = malloc(n * sizeof(double)), *w0 = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) w0[i] = 1.0 + 1e-3 * ((double)(i % 97) / 96.0 - 0.5);
    typedef void (*pass_fn)(double *, size_t, double, fal__chain_stats *);
    const pass_fn fns[2] = { fal__chain_pass, fal__chain_pass_portable };
    for (int f = 0; f < 2; f++) {
        memcpy(w, w0, n * sizeof(double));
        fal__chain_stats s0, s1, r0, r1;
        fal__chain_pass_ref(w, n, 0.0, &r0);
        fns[f](w, n, 0.0, &s0);
        double kc = 2e-15 / s0.inv2;
        fns[f](w, n, kc, &s1);
        fal__chain_pass_ref(w, n, 0.0, &r1);
        double d = fal__chain_stats_ln(&r1) - fal__chain_stats_ln(&r0);
        CHECK_MSG(fabs(d + 2e-15) < 3e-16, "body %d: ln P moved by %g for an intended -2e-15", f, d);
        CHECK_NEAR(fal__chain_stats_ln(&s1) - fal__chain_stats_ln(&s0), d, 3e-16);
    }
    free(w);
    free(w0);
}

/* ln|P| summed over many blocks (as a deep run combines its 2^20-weight
 * blocks) keeps the digits of one pass over all weights: the blocks'
 * log2 mantissas would otherwise pile up (here to ~2000, an ulp of 2e-13)
 * and round at every addition. */
TEST(test_kern_chain_blocks_sum_keeps_digits)
{
    size_t n = 1 << 18, blk = 64; /* per block: one vector step and a tail */
    double *w = malloc(n * sizeof(double));
    fal_rng r;
    fal_rng_seed(&r, 21);
    /* pairs a, 1/a: |P| ~ 1, while each block's lane mantissas spread over [1, 2) */
    for (size_t i = 0; i < n; i += 2) {
        w[i] = 1.0 + 0.3 * fal_rng_uniform(&r);
        w[i + 1] = 1.0 / w[i];
    }
    /* the exact ln|P|: a fl(1/a) = 1 + d with d = fma(a, fl(1/a), -1) exact,
     * ln(1 + d) = d to 1e-32 */
    double exact = 0;
    for (size_t i = 0; i < n; i += 2) exact += fma(w[i], w[i + 1], -1.0);
    typedef void (*pass_fn)(double *, size_t, double, fal__chain_stats *);
    const pass_fn fns[3] = { fal__chain_pass, fal__chain_pass_portable, fal__chain_pass_ref };
    for (int f = 0; f < 3; f++) {
        fal__chain_stats tot, b;
        fal__chain_stats_zero(&tot);
        for (size_t lo = 0; lo < n; lo += blk) {
            fns[f](w + lo, blk, 0.0, &b);
            fal__chain_stats_add(&tot, &b);
        }
        CHECK_MSG(fabs(fal__chain_stats_ln(&tot) - exact) < 1e-14, "body %d: ln|P| = %.6g, exactly %.6g", f,
                  fal__chain_stats_ln(&tot), exact);
        CHECK_LT(fabs(tot.log2m), 0.5 + 1e-12);
    }
    /* the addition alone: 10^4 blocks of log2m 0.7 + i 2^-40, exp2 -1 */
    fal__chain_stats tot, b;
    fal__chain_stats_zero(&tot);
    fal__chain_stats_zero(&b);
    b.exp2 = -1;
    for (int i = 0; i < 10000; i++) {
        b.log2m = 0.7 + i * 0x1.0p-40;
        fal__chain_stats_add(&tot, &b);
    }
    /* exact: 10^4 (0.7 - 1) + 2^-40 (10^4 - 1) 10^4 / 2 (0.7's rounding is 1e-17 each) */
    double want = M_LN2 * (-3000.0 + 0x1.0p-40 * 9999.0 * 5000.0);
    CHECK_NEAR(fal__chain_stats_ln(&tot), want, 1e-12);
    free(w);
}

/* The small-matrix products (gemm_small.c) against the triple loop and
 * CBLAS, float and double, every op, odd shapes (row blocks of 16 or 32
 * with tails, column blocks of 6 with tails), leading dimensions above the
 * minimum, kk past one 256 chunk.  Tolerance per entry from the standard
 * bound |fl(C) - C| <= gamma_{kk+2} (|alpha| |A'||B'| + |beta| |C|),
 * gamma_j = j u / (1 - j u): twice it between two computations that each
 * obey it (the double reference is exact enough for float: its own error
 * is 2^-29 of the float bound). */
static void small_case(int single, int ta, int tb, size_t m, size_t n, size_t kk, double alpha, double beta,
                       fal_rng *r, double *worst_ratio)
{
    size_t lda = (ta ? kk : m) + 2, ldb = (tb ? n : kk) + 1, ldc = m + 3;
    size_t la = lda * (ta ? m : kk), lb = ldb * (tb ? kk : n), lc = ldc * n;
    double *A = malloc((la + 1) * sizeof(double)), *B = malloc((lb + 1) * sizeof(double));
    double *C0 = malloc(lc * sizeof(double)), *Cr = malloc(lc * sizeof(double)), *Cb = malloc(lc * sizeof(double));
    double *Cs = malloc(lc * sizeof(double)), *Cs2 = malloc(lc * sizeof(double));
    float *Af = malloc((la + 1) * sizeof(float)), *Bf = malloc((lb + 1) * sizeof(float));
    float *Cf = malloc(lc * sizeof(float)), *Cf2 = malloc(lc * sizeof(float)), *Cfb = malloc(lc * sizeof(float));
    for (size_t i = 0; i < la; i++) A[i] = single ? (double)(Af[i] = (float)fal_rng_normal(r)) : fal_rng_normal(r);
    for (size_t i = 0; i < lb; i++) B[i] = single ? (double)(Bf[i] = (float)fal_rng_normal(r)) : fal_rng_normal(r);
    for (size_t i = 0; i < lc; i++) {
        C0[i] = single ? (double)(float)fal_rng_normal(r) : fal_rng_normal(r);
        /* beta = 0: C is not read (a NaN there must not come through) */
        if (beta == 0 && i % 5 == 0) C0[i] = NAN;
        Cf[i] = Cf2[i] = Cfb[i] = (float)C0[i];
    }
    memcpy(Cr, C0, lc * sizeof(double));
    memcpy(Cb, C0, lc * sizeof(double));
    memcpy(Cs, C0, lc * sizeof(double));
    memcpy(Cs2, C0, lc * sizeof(double));
    fal__gemm_ref(FAL_REAL, ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, Cr, ldc);
    if (single) {
        fal__sgemm_small(ta, tb, m, n, kk, (float)alpha, Af, lda, Bf, ldb, (float)beta, Cf, ldc);
        fal__sgemm_small(ta, tb, m, n, kk, (float)alpha, Af, lda, Bf, ldb, (float)beta, Cf2, ldc);
        fal__sgemm(ta, tb, m, n, kk, (float)alpha, Af, lda, Bf, ldb, (float)beta, Cfb, ldc);
        for (size_t i = 0; i < lc; i++) {
            Cs[i] = Cf[i];
            Cb[i] = Cfb[i];
        }
        CHECK_MSG(memcmp(Cf, Cf2, lc * sizeof(float)) == 0, "f32 %zux%zux%zu: two calls differ", m, n, kk);
    } else {
        fal__gemm_small(ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, Cs, ldc);
        fal__gemm_small(ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, Cs2, ldc);
        fal__gemm(FAL_REAL, ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, Cb, ldc);
        CHECK_MSG(memcmp(Cs, Cs2, lc * sizeof(double)) == 0, "f64 %zux%zux%zu: two calls differ", m, n, kk);
    }
    double u = single ? FLT_EPSILON / 2 : DBL_EPSILON / 2, g = (double)(kk + 2) * u / (1 - (double)(kk + 2) * u);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < ldc; i++) {
            size_t at = i + j * ldc;
            if (i >= m) {
                /* the padding between columns is not written */
                CHECK_MSG(memcmp(&Cs[at], &C0[at], sizeof(double)) == 0, "row %zu past m = %zu written", i, m);
                continue;
            }
            double mag = beta == 0 ? 0 : fabs(beta * C0[at]);
            for (size_t p = 0; p < kk; p++)
                mag += fabs(alpha * (ta ? A[p + i * lda] : A[i + p * lda]) * (tb ? B[j + p * ldb] : B[p + j * ldb]));
            double tol = 2 * g * mag, e1 = fabs(Cs[at] - Cr[at]), e2 = fabs(Cs[at] - Cb[at]);
            int ok = isfinite(Cs[at]) && e1 <= tol && e2 <= tol;
            if (!ok || tol > 0) *worst_ratio = fmax(*worst_ratio, ok ? fmax(e1, e2) / tol : INFINITY);
            if (!ok) {
                CHECK_MSG(0, "%s ta %d tb %d %zux%zux%zu (%zu,%zu): small %.17g ref %.17g blas %.17g tol %.3g",
                          single ? "f32" : "f64", ta, tb, m, n, kk, i, j, Cs[at], Cr[at], Cb[at], tol);
                goto out;
            }
        }
out:
    free(A);
    free(B);
    free(C0);
    free(Cr);
    free(Cb);
    free(Cs);
    free(Cs2);
    free(Af);
    free(Bf);
    free(Cf);
    free(Cf2);
    free(Cfb);
}

TEST(test_kern_gemm_small_matches_reference_and_blas)
{
    static const size_t sz[] = { 1, 3, 7, 17, 33 };
    fal_rng r;
    fal_rng_seed(&r, 16);
    for (int single = 0; single < 2; single++) {
        double worst = 0;
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (size_t a = 0; a < 5; a++)
                    for (size_t b = 0; b < 5; b++)
                        for (size_t c = 0; c < 5; c++)
                            small_case(single, ta, tb, sz[a], sz[b], sz[c], 0.7, (a + b + c) % 3 == 0 ? 0.0 : 0.3, &r,
                                       &worst);
        /* past one inner chunk (256), the mlp's shapes, beta = 1 and kk = 0 */
        small_case(single, 0, 1, 33, 8, 300, 1.0, 0.0, &r, &worst);
        small_case(single, 1, 0, 32, 256, 32, 1.0, 1.0, &r, &worst);
        small_case(single, 0, 0, 1, 256, 32, 1.0, 1.0, &r, &worst);
        small_case(single, 0, 0, 5, 7, 0, 1.0, 0.5, &r, &worst);
        /* the bound is met with room, and the errors are not all zero (the
         * comparison can see a wrong answer) */
        CHECK_LT(worst, 1.0);
        CHECK_MSG(worst > 0, "%s: no rounding difference seen anywhere", single ? "f32" : "f64");
    }
}

/* fal__gemm_auto and fal__sgemm_auto give the small path's bytes below the
 * threshold and CBLAS's above it. */
TEST(test_kern_gemm_auto_routes_by_size)
{
    size_t m = 40, n = 50, kk = 60;
    CHECK((double)m * (double)n * (double)kk <= FAL__GEMM_SMALL_MAX);
    double *A = malloc(m * kk * sizeof(double)), *B = malloc(kk * n * sizeof(double));
    double *C1 = calloc(m * n, sizeof(double)), *C2 = calloc(m * n, sizeof(double));
    float *Af = malloc(m * kk * sizeof(float)), *Bf = malloc(kk * n * sizeof(float));
    float *F1 = calloc(m * n, sizeof(float)), *F2 = calloc(m * n, sizeof(float));
    fal_rng r;
    fal_rng_seed(&r, 17);
    for (size_t i = 0; i < m * kk; i++) Af[i] = (float)(A[i] = fal_rng_normal(&r));
    for (size_t i = 0; i < kk * n; i++) Bf[i] = (float)(B[i] = fal_rng_normal(&r));
    fal__gemm_auto(0, 0, m, n, kk, 1.0, A, m, B, kk, 0.0, C1, m);
    fal__gemm_small(0, 0, m, n, kk, 1.0, A, m, B, kk, 0.0, C2, m);
    CHECK(memcmp(C1, C2, m * n * sizeof(double)) == 0);
    fal__sgemm_auto(0, 0, m, n, kk, 1.0f, Af, m, Bf, kk, 0.0f, F1, m);
    fal__sgemm_small(0, 0, m, n, kk, 1.0f, Af, m, Bf, kk, 0.0f, F2, m);
    CHECK(memcmp(F1, F2, m * n * sizeof(float)) == 0);
    free(A);
    free(B);
    free(C1);
    free(C2);
    free(Af);
    free(Bf);
    free(F1);
    free(F2);
    size_t big = 160;
    CHECK((double)big * (double)big * (double)big > FAL__GEMM_SMALL_MAX);
    A = malloc(big * big * sizeof(double));
    B = malloc(big * big * sizeof(double));
    C1 = calloc(big * big, sizeof(double));
    C2 = calloc(big * big, sizeof(double));
    for (size_t i = 0; i < big * big; i++) {
        A[i] = fal_rng_normal(&r);
        B[i] = fal_rng_normal(&r);
    }
    fal__gemm_auto(1, 0, big, big, big, 1.0, A, big, B, big, 0.0, C1, big);
    fal__gemm(FAL_REAL, 1, 0, big, big, big, 1.0, A, big, B, big, 0.0, C2, big);
    CHECK(memcmp(C1, C2, big * big * sizeof(double)) == 0);
    free(A);
    free(B);
    free(C1);
    free(C2);
}
