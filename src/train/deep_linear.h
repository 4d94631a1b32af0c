/* deep_linear.h -- a deep linear network y = W_L ... W_1 x over R or C,
 * trained by full-batch GD or feedback alignment.  Shared by L2 (linear)
 * and L3/L4 (linear-ae).
 *
 * Layout: every W_i (n_i x n_{i-1}, column-major) is a view into one
 * parameter block; activations H_0..H_L (n_i x kmax) and two delta buffers
 * are allocated once.  The loss is E = 1/(2k) sum_j ||y_j - t_j||^2. */
#ifndef FALLACY_DEEP_LINEAR_H
#define FALLACY_DEEP_LINEAR_H

#include "../core/internal.h"

typedef struct fal__dlin {
    fal_ctx *ctx;
    fal_field f;
    size_t per;        /* doubles per value: 1 or 2 */
    size_t L, kmax;
    size_t *n;         /* L + 1 widths */
    size_t *woff;      /* offset of W_i (i = 1..L) in w, in doubles */
    size_t wlen;       /* doubles in the parameter block */
    double *w;         /* the parameters */
    double *b;         /* feedback matrices (fa), same layout, or NULL */
    size_t *hoff;      /* offset of H_i in h */
    size_t hlen;
    double *h;         /* activations, H_0 = inputs */
    double *d0, *d1;   /* deltas, nmax x kmax each */
    size_t nmax;
    size_t alloc_bytes;
    /* Single precision (fal__dlin32_new; real, GD): the same layout in
     * floats.  w, b, h, d0 and d1 then stay NULL, so that a double routine
     * handed such a net faults instead of reading floats as doubles. */
    float *w32, *h32, *d0_32, *d1_32;
} fal__dlin;

/* Bytes a network of this architecture needs (weights, activations for kmax
 * examples, deltas, feedback copy if fa): checked arithmetic, FAL_ERANGE on
 * overflow. */
fal_status fal__dlin_bytes(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, size_t *out);
fal_status fal__dlin_new(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, fal__dlin *net);
void fal__dlin_free(fal__dlin *net);

/* Pointer to W_i, 1 <= i <= L. */
static inline double *fal__dlin_W(const fal__dlin *net, size_t i) { return net->w + net->woff[i]; }

/* H_i = W_i H_{i-1} for k <= kmax examples X (n_0 x k); returns the output
 * H_L (borrowed, valid until the next forward). */
const double *fal__dlin_forward(fal__dlin *net, const double *X, size_t k);
/* 1/2 sum ||H_L - T||^2 after a forward pass. */
double fal__dlin_half_sq(const fal__dlin *net, const double *T, size_t k);

/* Backward pass after a forward pass on k examples with targets T.
 * D_L = (H_L - T)/k; for i = L..1: D_{i-1} = W_i^H D_i (fa: B_i D_i), then
 * G_i = D_i H_{i-1}^H.  With G != NULL the gradient is written there (same
 * layout as the parameters) and nothing moves; with G == NULL the step
 * W_i <- W_i - lr G_i is applied in place, layer by layer, so no gradient
 * array exists.  Complex: G is the real gradient (d/dRe, d/dIm), i.e.
 * 2 dE/dconj(W). */
void fal__dlin_backward(fal__dlin *net, const double *T, size_t k, double lr, double *G);

/* P = W_L ... W_1 (n_L x n_0) into P (scratch taken from the context). */
fal_status fal__dlin_product(const fal__dlin *net, double *P);

/* Largest eigenvalue of X X^H / k (power iteration, fixed start, 50 steps). */
double fal__gram_lmax(fal_field f, const double *X, size_t n, size_t k, double *tmp_n, double *tmp_k);

/* Compression of the examples (doc/linear.md, "Steps that cost O(n^2), not
 * O(k n)").  With k > n0 examples the loss 1/(2k) ||P X - T||^2 depends on
 * the data only through X X^H and T X^H: with the LQ factorisation
 * X = L Q (L n0 x n0 lower triangular, Q n0 x k with orthonormal rows),
 * ||P X - T||^2 = ||P L - T Q^H||^2 + c0, c0 = ||T||^2 - ||T Q^H||^2 the
 * target energy outside the row space of X (>= 0, computed as a sum of
 * squares, not as a difference).  *Xc = L s and *Tc = T Q^H s with
 * s = sqrt(n0/k), and *c0 is scaled by n0/k, so that n0 pseudo-examples
 * give exactly the loss, the gradient and the curvature of the k examples.
 * T == NULL: autoencoder, T = X, *Tc = *Xc (one block) and *c0 = 0.
 * Allocated through ctx: n0 x n0 (+ nL x n0 unless T == NULL) doubles per
 * value; free with fal__dlin_compress_free.  Needs k > n0. */
fal_status fal__dlin_compress(fal_ctx *ctx, fal_field f, size_t n0, size_t nL, size_t k, const double *X,
                              const double *T, double **Xc, double **Tc, double *c0);
void fal__dlin_compress_free(fal_ctx *ctx, fal_field f, size_t n0, size_t nL, double *Xc, double *Tc);
/* Bytes fal__dlin_compress holds at its peak (its outputs included). */
size_t fal__dlin_compress_bytes(fal_field f, size_t n0, size_t nL, size_t k, int autoenc);

/* Whitened first layer (doc/linear.md, "nesterov"): with the SVD
 * X = U S V^H of the (compressed) inputs X (n0 x k), *Z = sqrt(k) U_r V_r^H
 * (n0 x k, second moment Z Z^H / k = U_r U_r^H, the projector on the range
 * of X; r the numerical rank) and *M = sqrt(k) U_r S_r^-1 U_r^H +
 * (I - U_r U_r^H) (n0 x n0), so that W1' Z = (W1' M) X and the part of W1
 * on directions the data do not span keeps its value: a network trained on Z gives the network on
 * X whose first layer is W1' M (fal__dlin_unwhiten).  Descent on W1' is
 * descent on W1 preconditioned by (X X^H / k)^+.  Free both with
 * fal__free (n0 x k and n0 x n0 values). */
fal_status fal__dlin_whiten(fal_ctx *ctx, fal_field f, size_t n0, size_t k, const double *X, double **Z, double **M);
/* W_1 <- W_1 M (n_1 x n0 times n0 x n0); FAL_ENOMEM if its scratch is refused. */
fal_status fal__dlin_unwhiten(fal__dlin *net, const double *M);

/* Convergence, shared by the linear families: the relative error err is
 * within tol of the optimum opt relative to it, err - opt <= tol opt; when
 * opt < tol (a realisable fit) the test is err - opt <= tol^2, i.e. the
 * residual's norm within tol of the targets' norm.  One formula:
 * err - opt <= tol max(opt, tol). */
static inline int fal__dlin_converged(double err, double opt, double tol)
{
    return err - opt <= tol * (opt > tol ? opt : tol);
}
/* The default --tol of the linear families. */
#define FAL__DLIN_TOL 1e-10

/* Train from the current weights by gradient descent (momentum == 0) or
 * Nesterov's accelerated gradient with adaptive restart (momentum == 1),
 * or by feedback alignment (net->b != NULL, momentum ignored).  The
 * examples are X (n0 x k) and T (nL x k), possibly compressed
 * (fal__dlin_compress), plus c0 >= 0 the (scaled) target energy the
 * compression moved out of them: the relative error is
 * (||P X - T||^2 + c0) / (||T||^2 + c0).
 * lr0 > 0 is a fixed rate; lr0 == 0 chooses the step 1/Lhat from the
 * curvature, Lhat = lambda_max(X X^H / k) sum_i prod_{j != i} ||W_j||_2^2
 * (a bound on the largest eigenvalue of the Gauss-Newton Hessian; the
 * spectral norms are tracked by one warm-started power iteration per layer
 * and step), eta/Lhat with eta halved whenever a step would raise the
 * loss (that step is then not taken) and grown by 2% after a step that
 * descended (the bound is loose on deep nets, doc/linear.md).  Stops when fal__dlin_converged(err, opt_err,
 * tol), at max_steps, or on divergence/no progress: FAL_ENOCONV with *note
 * saying why.  *steps and *final_err (the relative error) are written;
 * curve_res (NULL: none) receives the training curve (src/core/curve.h). */
fal_status fal__dlin_train(fal__dlin *net, const double *X, const double *T, size_t k, double c0, double opt_err,
                           double tol, double lr0, int momentum, uint64_t max_steps, uint64_t *steps,
                           double *final_err, const char **note, fal_result *curve_res);

/* Train as fal__dlin_train, and with nesterov on the whitened inputs
 * (fal__dlin_whiten, then fal__dlin_unwhiten of the trained first layer):
 * what linear and linear-ae do after building and starting their net.  X
 * is n0 x k (possibly compressed), T nL x k. */
fal_status fal__dlin_fit(fal__dlin *net, const double *X, const double *T, size_t k, double c0, double opt_err,
                         double tol, double lr0, int nesterov, uint64_t max_steps, uint64_t *steps,
                         double *final_err, const char **note, fal_result *curve_res);

/* ---- single precision: the GD step in float ----------------------------
 * A real network whose weights, activations and deltas are floats, for the
 * benchmarks' float32 step; the formulas are those of fal__dlin_forward,
 * fal__dlin_half_sq and fal__dlin_backward (GD, no feedback matrices), the
 * products go through fal__sgemm.  Freed by fal__dlin_free. */
fal_status fal__dlin32_new(fal_ctx *ctx, const fal_arch *a, size_t kmax, fal__dlin *net);
static inline float *fal__dlin32_W(const fal__dlin *net, size_t i) { return net->w32 + net->woff[i]; }
const float *fal__dlin32_forward(fal__dlin *net, const float *X, size_t k);
/* Accumulated in double. */
double fal__dlin32_half_sq(const fal__dlin *net, const float *T, size_t k);
void fal__dlin32_backward(fal__dlin *net, const float *T, size_t k, float lr, float *G);

/* Starts, written into a parameter block w with the layout of net (net->w
 * or the feedback block net->b):
 * near the identity, W_i = E_i + 0.01/sqrt(max(n_i, n_{i-1})) G, E_i the
 * rectangular identity (L2: GD from the identity provably converges for a
 * positive definite teacher); */
void fal__dlin_init_near_identity(fal__dlin *net, double *w, fal_rng *r);
/* random partial isometries (orthonormal rows or columns), the decoder side
 * the conjugate transpose of the encoder side when the widths are a
 * palindrome, so that an autoencoder starts as a projection on a random
 * subspace (balanced). */
fal_status fal__dlin_init_isometries(fal_ctx *ctx, fal__dlin *net, double *w, fal_rng *r);

#endif
