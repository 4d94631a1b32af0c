/* gemm.c -- matrix products through CBLAS, and the reference loops. */
#include <cblas.h>
#include <math.h>
#include "kern.h"

void fal__gemm(fal_field f, int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A,
               size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (m == 0 || n == 0) return;
    if (f == FAL_REAL) {
        cblas_dgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m,
                    (blasint)n, (blasint)kk, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
    } else {
        double a[2] = { alpha, 0.0 }, b[2] = { beta, 0.0 };
        cblas_zgemm(CblasColMajor, ta ? CblasConjTrans : CblasNoTrans, tb ? CblasConjTrans : CblasNoTrans,
                    (blasint)m, (blasint)n, (blasint)kk, a, A, (blasint)lda, B, (blasint)ldb, b, C, (blasint)ldc);
    }
}

void fal__sgemm(int ta, int tb, size_t m, size_t n, size_t kk, float alpha, const float *A, size_t lda,
                const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)kk, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
}

void fal__gemm_ref(fal_field f, int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A,
                   size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            if (f == FAL_REAL) {
                double s = 0;
                for (size_t p = 0; p < kk; p++) {
                    double a = ta ? A[p + i * lda] : A[i + p * lda];
                    double b = tb ? B[j + p * ldb] : B[p + j * ldb];
                    s += a * b;
                }
                C[i + j * ldc] = alpha * s + (beta == 0.0 ? 0.0 : beta * C[i + j * ldc]);
            } else {
                double sr = 0, si = 0;
                for (size_t p = 0; p < kk; p++) {
                    const double *a = ta ? &A[2 * (p + i * lda)] : &A[2 * (i + p * lda)];
                    const double *b = tb ? &B[2 * (j + p * ldb)] : &B[2 * (p + j * ldb)];
                    double ar = a[0], ai = ta ? -a[1] : a[1];
                    double br = b[0], bi = tb ? -b[1] : b[1];
                    sr += ar * br - ai * bi;
                    si += ar * bi + ai * br;
                }
                double *c = &C[2 * (i + j * ldc)];
                c[0] = alpha * sr + (beta == 0.0 ? 0.0 : beta * c[0]);
                c[1] = alpha * si + (beta == 0.0 ? 0.0 : beta * c[1]);
            }
        }
}

double fal__sumsq(fal_field f, const double *x, size_t n)
{
    size_t len = f == FAL_COMPLEX ? 2 * n : n;
    double s = 0;
    for (size_t i = 0; i < len; i++) s += x[i] * x[i];
    return s;
}

double fal__sumsq_diff(fal_field f, const double *x, const double *y, size_t n)
{
    size_t len = f == FAL_COMPLEX ? 2 * n : n;
    double s = 0;
    for (size_t i = 0; i < len; i++) {
        double d = x[i] - y[i];
        s += d * d;
    }
    return s;
}
