/* linalg.h -- dense linear algebra the families share, over R or C, on
 * column-major matrices: random draws, orthonormal bases, Hermitian
 * eigenproblems, least squares, singular values.  LAPACK does the work;
 * these wrappers allocate its workspace through the context and turn its
 * info codes into statuses. */
#ifndef FALLACY_LINALG_H
#define FALLACY_LINALG_H

#include "internal.h"

/* a[0..n) = scale * N(0,1) values (complex: real and imaginary parts each
 * N(0, 1/2) times scale, so E|a|^2 = scale^2). */
void fal__gauss_fill(fal_rng *r, fal_field f, double *a, size_t n, double scale);
/* Q (m x n, m >= n) with orthonormal columns spanning a random subspace
 * (Haar: QR of a Gaussian matrix with the signs of R's diagonal fixed). */
fal_status fal__random_orthonormal(fal_ctx *ctx, fal_rng *r, fal_field f, size_t m, size_t n, double *Q);
/* Orthonormalise the columns of A (m x n, m >= n) in place (QR). */
fal_status fal__orthonormalise(fal_ctx *ctx, fal_field f, size_t m, size_t n, double *A);
/* Eigen-decomposition of a Hermitian n x n A: eigenvalues ascending into
 * ev, orthonormal eigenvectors into A's columns. */
fal_status fal__herm_eig(fal_ctx *ctx, fal_field f, size_t n, double *A, double *ev);
/* Eigenvalues only (ascending) of a Hermitian n x n A; A is destroyed. */
fal_status fal__herm_eig_values(fal_ctx *ctx, fal_field f, size_t n, double *A, double *ev);
/* Minimum-norm least squares P (m x n) minimising ||P X - T||_F with X
 * (n x k) and T (m x k); LAPACK gelsd on X^T P^T = T^T. */
fal_status fal__lstsq(fal_ctx *ctx, fal_field f, size_t n, size_t m, size_t k, const double *X, const double *T,
                      double *P);
/* Singular values of A (m x n), descending, into sv (min(m, n) values). */
fal_status fal__singular_values(fal_ctx *ctx, fal_field f, size_t m, size_t n, const double *A, double *sv);
/* The m x n matrix with ones on the diagonal: the "identity" of a
 * non-square layer. */
void fal__eye(fal_field f, size_t m, size_t n, double *A);

/* Relative error sum ||P x_j - t_j||^2 / sum ||t_j||^2 of the map P (m x n)
 * on k examples X (n x k), T (m x k). */
fal_status fal__map_rel_err(fal_ctx *ctx, fal_field f, const double *P, size_t m, size_t n, const double *X,
                            const double *T, size_t k, double *out);
/* ||A - B||_F / ||B||_F over len values, complex ones counted once
 * (||A - B||_F when B = 0). */
double fal__mat_rel_dev(fal_field f, const double *A, const double *B, size_t len);

#endif
