/* linalg.c -- see linalg.h. */
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>
#include "linalg.h"
#include "../kern/kern.h"

static size_t per_of(fal_field f) { return f == FAL_COMPLEX ? 2 : 1; }

void fal__gauss_fill(fal_rng *r, fal_field f, double *a, size_t n, double scale)
{
    if (f == FAL_REAL) {
        for (size_t i = 0; i < n; i++) a[i] = scale * fal_rng_normal(r);
    } else {
        double s = scale * sqrt(0.5);
        for (size_t i = 0; i < 2 * n; i++) a[i] = s * fal_rng_normal(r);
    }
}

void fal__eye(fal_field f, size_t m, size_t n, double *A)
{
    size_t per = per_of(f);
    memset(A, 0, m * n * per * sizeof(double));
    for (size_t i = 0; i < m && i < n; i++) A[(i + i * m) * per] = 1.0;
}

fal_status fal__orthonormalise(fal_ctx *ctx, fal_field f, size_t m, size_t n, double *A)
{
    if (n == 0) return FAL_OK;
    size_t per = per_of(f);
    double *tau = fal__calloc(ctx, n * per, sizeof(double), "QR workspace");
    if (!tau) return FAL_ENOMEM;
    lapack_int info, M = (lapack_int)m, N = (lapack_int)n;
    if (f == FAL_REAL) {
        info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, M, N, A, M, tau);
        if (!info) info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, M, N, N, A, M, tau);
    } else {
        lapack_complex_double *Ac = (lapack_complex_double *)A, *tc = (lapack_complex_double *)tau;
        info = LAPACKE_zgeqrf(LAPACK_COL_MAJOR, M, N, Ac, M, tc);
        if (!info) info = LAPACKE_zungqr(LAPACK_COL_MAJOR, M, N, N, Ac, M, tc);
    }
    fal__free(ctx, tau, n * per * sizeof(double));
    if (info) return fal__fail(ctx, info < 0 ? FAL_EINTERNAL : FAL_ENOMEM, "QR failed (LAPACK info %d)", (int)info);
    return FAL_OK;
}

fal_status fal__random_orthonormal(fal_ctx *ctx, fal_rng *r, fal_field f, size_t m, size_t n, double *Q)
{
    /* With the Householder QR of LAPACK the sign convention makes Q depend
     * continuously on the Gaussian draw; the subspace spanned is uniformly
     * distributed either way, which is all the families use. */
    fal__gauss_fill(r, f, Q, m * n, 1.0);
    return fal__orthonormalise(ctx, f, m, n, Q);
}

fal_status fal__herm_eig(fal_ctx *ctx, fal_field f, size_t n, double *A, double *ev)
{
    lapack_int info;
    (void)ctx;
    if (f == FAL_REAL) info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, A, (lapack_int)n, ev);
    else
        info = LAPACKE_zheevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, (lapack_complex_double *)A, (lapack_int)n,
                              ev);
    if (info) return fal__fail(ctx, FAL_ERANGE, "eigen-decomposition failed (LAPACK info %d: non-finite or extreme values in the data, or no convergence)", (int)info);
    return FAL_OK;
}

fal_status fal__herm_eig_values(fal_ctx *ctx, fal_field f, size_t n, double *A, double *ev)
{
    lapack_int info;
    if (f == FAL_REAL) info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, A, (lapack_int)n, ev);
    else
        info = LAPACKE_zheevd(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, (lapack_complex_double *)A, (lapack_int)n,
                              ev);
    if (info) return fal__fail(ctx, FAL_ERANGE, "eigenvalues failed (LAPACK info %d: non-finite or extreme values in the data, or no convergence)", (int)info);
    return FAL_OK;
}

fal_status fal__lstsq(fal_ctx *ctx, fal_field f, size_t n, size_t m, size_t k, const double *X, const double *T,
                      double *P)
{
    /* X^T (k x n) P^T (n x m) = T^T (k x m); gelsd wants B with max(k, n) rows. */
    size_t per = per_of(f), rows = k > n ? k : n, mn = k < n ? k : n;
    size_t a_len = k * n * per, b_len = rows * m * per;
    double *A = fal__calloc(ctx, a_len, sizeof(double), "least-squares matrix");
    double *B = A ? fal__calloc(ctx, b_len, sizeof(double), "least-squares right side") : NULL;
    double *s = B ? fal__calloc(ctx, mn ? mn : 1, sizeof(double), "singular values") : NULL;
    fal_status st = FAL_OK;
    if (!s) {
        st = FAL_ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++)
            memcpy(&A[(j + i * k) * per], &X[(i + j * n) * per], per * sizeof(double));
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < m; i++)
            memcpy(&B[(j + i * rows) * per], &T[(i + j * m) * per], per * sizeof(double));
    lapack_int rank, info;
    if (f == FAL_REAL)
        info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)n, (lapack_int)m, A, (lapack_int)k, B,
                              (lapack_int)rows, s, -1.0, &rank);
    else
        info = LAPACKE_zgelsd(LAPACK_COL_MAJOR, (lapack_int)k, (lapack_int)n, (lapack_int)m,
                              (lapack_complex_double *)A, (lapack_int)k, (lapack_complex_double *)B,
                              (lapack_int)rows, s, -1.0, &rank);
    if (info) {
        st = fal__fail(ctx, FAL_ERANGE, "least squares failed (LAPACK info %d: non-finite or extreme values in the data, or no convergence)", (int)info);
        goto out;
    }
    /* P[i, q] = (P^T)[q, i] = B[q + i*rows] */
    for (size_t i = 0; i < m; i++)
        for (size_t q = 0; q < n; q++) memcpy(&P[(i + q * m) * per], &B[(q + i * rows) * per], per * sizeof(double));
out:
    fal__free(ctx, s, (mn ? mn : 1) * sizeof(double));
    fal__free(ctx, B, b_len * sizeof(double));
    fal__free(ctx, A, a_len * sizeof(double));
    return st;
}

fal_status fal__singular_values(fal_ctx *ctx, fal_field f, size_t m, size_t n, const double *A, double *sv)
{
    size_t per = per_of(f), len = m * n * per, mn = m < n ? m : n;
    double *C = fal__alloc(ctx, len * sizeof(double), "SVD copy");
    double *sup = C ? fal__calloc(ctx, mn ? mn : 1, sizeof(double), "SVD workspace") : NULL;
    if (!sup) {
        fal__free(ctx, C, len * sizeof(double));
        return FAL_ENOMEM;
    }
    memcpy(C, A, len * sizeof(double));
    lapack_int info;
    if (f == FAL_REAL)
        info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)n, C, (lapack_int)m, sv, NULL, 1,
                              NULL, 1, sup);
    else
        info = LAPACKE_zgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)n, (lapack_complex_double *)C,
                              (lapack_int)m, sv, NULL, 1, NULL, 1, sup);
    fal__free(ctx, sup, (mn ? mn : 1) * sizeof(double));
    fal__free(ctx, C, len * sizeof(double));
    if (info) return fal__fail(ctx, FAL_ERANGE, "SVD failed (LAPACK info %d: non-finite or extreme values in the data, or no convergence)", (int)info);
    return FAL_OK;
}

fal_status fal__map_rel_err(fal_ctx *ctx, fal_field f, const double *P, size_t m, size_t n, const double *X,
                            const double *T, size_t k, double *out)
{
    size_t len = m * k * per_of(f);
    double *Y = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "map outputs");
    if (!Y) return FAL_ENOMEM;
    fal__gemm(f, 0, 0, m, k, n, 1.0, P, m, X, n, 0.0, Y, m);
    double d = fal__sumsq_diff(f, Y, T, m * k), t = fal__sumsq(f, T, m * k);
    *out = t == 0.0 ? (d == 0.0 ? 0.0 : INFINITY) : d / t;
    fal__free(ctx, Y, (len ? len : 1) * sizeof(double));
    return FAL_OK;
}

double fal__mat_rel_dev(fal_field f, const double *A, const double *B, size_t len)
{
    double d = fal__sumsq_diff(f, A, B, len), b = fal__sumsq(f, B, len);
    return b == 0.0 ? sqrt(d) : sqrt(d / b);
}
