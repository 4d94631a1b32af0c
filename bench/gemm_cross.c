/* gemm_cross.c -- where the small-product loops (src/kern/gemm_small.c)
 * stop beating CBLAS: the threshold FAL__GEMM_SMALL_MAX on m n kk.
 *
 * Usage: gemm_cross f64|f32 [k=K] s [s ...]
 *   per s, the mlp step's three products at width s and K columns (default
 *   256): forward NN (s x K x s), weight gradient NT (s x s x K), delta TN
 *   (s x K x s); prints
 *   cross dtype=.. s=.. op=.. mnk=.. small_us=MEDIAN blas_us=MEDIAN
 * 51 samples of 20 calls each, medians; above m n kk = 10^8, 5 samples of
 * one call. */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "kern/kern.h"

static double time_us(int single, int small, int ta, int tb, size_t m, size_t n, size_t kk, const double *A,
                      const double *B, double *C, const float *Af, const float *Bf, float *Cf)
{
    size_t lda = ta ? kk : m, ldb = tb ? n : kk;
    double t[51];
    int big = (double)m * (double)n * (double)kk > 1e8, samples = big ? 5 : 51, calls = big ? 1 : 20;
    for (int s = 0; s < samples; s++) {
        double t0 = bench_now();
        for (int r = 0; r < calls; r++) {
            if (single && small) fal__sgemm_small(ta, tb, m, n, kk, 1.0f, Af, lda, Bf, ldb, 0.0f, Cf, m);
            else if (single) fal__sgemm(ta, tb, m, n, kk, 1.0f, Af, lda, Bf, ldb, 0.0f, Cf, m);
            else if (small) fal__gemm_small(ta, tb, m, n, kk, 1.0, A, lda, B, ldb, 0.0, C, m);
            else fal__gemm(FAL_REAL, ta, tb, m, n, kk, 1.0, A, lda, B, ldb, 0.0, C, m);
        }
        t[s] = (bench_now() - t0) * 1e6 / calls;
    }
    return bench_median(t, (size_t)samples);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gemm_cross f64|f32 [k=K] s [s ...]\n");
        return 2;
    }
    int single = strcmp(argv[1], "f32") == 0;
    printf("openblas_core=%s\n", openblas_get_corename());
    size_t k = 256;
    for (int a = 2; a < argc; a++) {
        if (strncmp(argv[a], "k=", 2) == 0) {
            k = (size_t)atol(argv[a] + 2);
            continue;
        }
        size_t s = (size_t)atol(argv[a]), len = s * k;
        double *A = malloc(len * sizeof(double)), *B = malloc(len * sizeof(double)), *C = malloc(len * sizeof(double));
        float *Af = malloc(len * sizeof(float)), *Bf = malloc(len * sizeof(float)), *Cf = malloc(len * sizeof(float));
        for (size_t i = 0; i < len; i++) {
            Af[i] = (float)(A[i] = (double)(i % 7) - 3.0);
            Bf[i] = (float)(B[i] = (double)(i % 5) - 2.0);
        }
        static const char *names[] = { "NN", "NT", "TN" };
        const int tas[] = { 0, 0, 1 }, tbs[] = { 0, 1, 0 };
        const size_t ms[] = { s, s, s }, ns[] = { k, s, k }, ks[] = { s, k, s };
        for (int o = 0; o < 3; o++) {
            double us = time_us(single, 1, tas[o], tbs[o], ms[o], ns[o], ks[o], A, B, C, Af, Bf, Cf);
            double ub = time_us(single, 0, tas[o], tbs[o], ms[o], ns[o], ks[o], A, B, C, Af, Bf, Cf);
            printf("cross dtype=%s s=%zu op=%s mnk=%zu small_us=%.2f blas_us=%.2f\n", single ? "f32" : "f64", s,
                   names[o], ms[o] * ns[o] * ks[o], us, ub);
        }
        free(A);
        free(B);
        free(C);
        free(Af);
        free(Bf);
        free(Cf);
    }
    return 0;
}
