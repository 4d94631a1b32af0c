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

/* Train from the current weights: GD (net->b == NULL) or FA.  lr0 > 0 is a
 * fixed rate; lr0 == 0 chooses 0.5 / (L lambda_max s^(2(L-1)/L)) with s the
 * scale ||T||/||X||, halved whenever the loss goes up.  Stops when
 * 1/2k-normalised relative excess err - opt <= tol, at max_steps, or on
 * divergence (non-finite loss): FAL_ENOCONV with *note saying why.  *steps and *final_err (the
 * relative error sum||y-t||^2/sum||t||^2) are written; *note says why it
 * stopped early, NULL when converged.  curve_res (NULL: none) receives the
 * training curve of that relative error (src/core/curve.h). */
fal_status fal__dlin_train(fal__dlin *net, const double *X, const double *T, size_t k, double opt_err, double tol,
                           double lr0, uint64_t max_steps, uint64_t *steps, double *final_err, const char **note,
                           fal_result *curve_res);

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
