/* kern.h -- numerical kernels: raw pointers, sizes, shapes; no allocation,
 * no error paths.  Matrices are column-major; complex values are pairs of
 * doubles (real, imaginary). */
#ifndef FALLACY_KERN_H
#define FALLACY_KERN_H

#include <stddef.h>
#include <stdint.h>
#include "fallacy/table.h"

/* C[m x n] = alpha op(A) op(B) + beta C, op = identity or (conjugate)
 * transpose.  A is m x kk after op, B is kk x n after op.  Real or complex
 * by field; alpha and beta are real.  Goes to CBLAS dgemm/zgemm. */
void fal__gemm(fal_field f, int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A,
               size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);
/* The same, a triple loop: the reference the tests compare fal__gemm with. */
void fal__gemm_ref(fal_field f, int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A,
                   size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

/* Single precision, real: C = alpha op(A) op(B) + beta C through CBLAS
 * sgemm (the float32 deep-linear step). */
void fal__sgemm(int ta, int tb, size_t m, size_t n, size_t kk, float alpha, const float *A, size_t lda,
                const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* Real products without BLAS (gemm_small.c): the same contract as
 * fal__gemm (real) and fal__sgemm, register-blocked loops, no allocation
 * (a 32 KiB panel on the stack), deterministic.  For small shapes, where a
 * BLAS call's fixed cost and its kernel choice outweigh the arithmetic. */
void fal__gemm_small(int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A, size_t lda,
                     const double *B, size_t ldb, double beta, double *C, size_t ldc);
void fal__sgemm_small(int ta, int tb, size_t m, size_t n, size_t kk, float alpha, const float *A, size_t lda,
                      const float *B, size_t ldb, float beta, float *C, size_t ldc);
/* m n kk at or below which fal__gemm_auto and fal__sgemm_auto take the
 * loops above, CBLAS otherwise (chosen by measurement: bench/RESULTS.md
 * section 10). */
#define FAL__GEMM_SMALL_MAX (96.0 * 96.0 * 256.0)
void fal__gemm_auto(int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A, size_t lda,
                    const double *B, size_t ldb, double beta, double *C, size_t ldc);
void fal__sgemm_auto(int ta, int tb, size_t m, size_t n, size_t kk, float alpha, const float *A, size_t lda,
                     const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* sum |x_i|^2 over n values of field f (fixed order). */
double fal__sumsq(fal_field f, const double *x, size_t n);
/* sum |x_i - y_i|^2. */
double fal__sumsq_diff(fal_field f, const double *x, const double *y, size_t n);

/* ---- the scalar chain ------------------------------------------------- */

/* Statistics of a block of chain weights, combined in a fixed order so that
 * the totals do not depend on the thread count. */
typedef struct fal__chain_stats {
    int64_t exp2;      /* log2 prod |w_i| = exp2 + log2m: the integer part */
    double log2m;      /* and the rest, kept in [-1/2, 1/2] (by fal__chain_pass and _add) */
    uint64_t neg;      /* number of negative weights */
    uint64_t zero;     /* number of zero or non-finite weights */
    double inv2;       /* sum 1 / w_i^2 */
    double maxinv2;    /* max 1 / w_i^2 */
} fal__chain_stats;

void fal__chain_stats_zero(fal__chain_stats *s);
void fal__chain_stats_add(fal__chain_stats *acc, const fal__chain_stats *s);
/* ln|prod w_i| from the statistics. */
double fal__chain_stats_ln(const fal__chain_stats *s);

/* The chain's start on n weights: |w_i| = 1 + s u_i with u_i uniform on
 * [-1, 1), random signs; w_i from xoshiro stream i mod 16, stream l seeded
 * by fal_hash64(key, l).  The same bytes on every build. */
void fal__chain_draw(double *w, size_t n, double s, uint64_t key);
/* The same without SIMD (what fal__chain_draw does on builds without
 * AVX-512): the test of the vector draw. */
void fal__chain_draw_portable(double *w, size_t n, double s, uint64_t key);

/* One gradient-descent pass of the chain y = (prod w_i) x over n weights:
 * w_i <- w_i - kc / w_i (the gradient of the squared error with respect to
 * w_i is g P / w_i, so kc = lr g P), then the statistics of the new weights.
 * kc = 0 only measures. */
void fal__chain_pass(double *w, size_t n, double kc, fal__chain_stats *out);
/* The same, one element at a time with log(): the reference. */
void fal__chain_pass_ref(double *w, size_t n, double kc, fal__chain_stats *out);
/* The portable body (what fal__chain_pass runs on builds without AVX-512),
 * callable on every build so that both bodies are tested. */
void fal__chain_pass_portable(double *w, size_t n, double kc, fal__chain_stats *out);
/* 1 if fal__chain_pass and fal__chain_draw use the AVX-512 bodies. */
int fal__chain_simd(void);

#endif
