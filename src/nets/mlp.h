/* mlp.h -- M1, the fully connected networks people train (src/nets/mlp.c),
 * shared with the class analysis (src/info/classes_mlp.c) and the tests.
 *
 *   H_0 = X,  Z_i = W_i H_{i-1} + b_i 1^T,  H_i = s(Z_i) (i < L),  H_L = Z_L
 *
 * All parameters live in one block p: for each layer i = 1..L, W_i
 * (n_i x n_{i-1}, column-major) at woff[i], then b_i (n_i) at boff[i] when
 * biases are on.  Activations H_0..H_L (n_i x kmax each) and two delta
 * buffers (nmax x kmax) are allocated once.  doc/mlp.md has the maths. */
#ifndef FALLACY_MLP_H
#define FALLACY_MLP_H

#include "../core/internal.h"

/* deepest mlp accepted (run and classes) */
#define FAL__MLP_MAX_DEPTH 100000

/* leaky ReLU slope on the negative side */
#define FAL__LEAKY 0.01

typedef struct fal__mlp {
    fal_ctx *ctx;
    fal_act act;        /* never FAL_ACT_DEFAULT (resolved to relu) */
    int bias;
    size_t L, kmax, nmax;
    size_t *n;          /* L + 1 widths */
    size_t *woff, *boff;/* offsets in p, indexed 1..L */
    size_t np;          /* w, the parameter count */
    double *p;
    size_t *hoff;       /* offset of H_i in h */
    size_t hlen;
    double *h;
    double *d0, *d1;    /* deltas */
    /* Single precision (fal__mlp32_new): the same layout in floats; the
     * double blocks then stay NULL. */
    float *p32, *h32, *d0_32, *d1_32;
} fal__mlp;

/* Parameter count of A(n0..nL) with or without biases (checked: FAL_ERANGE
 * on overflow of 64 bits, message set). */
fal_status fal__mlp_params(fal_ctx *ctx, const fal_arch *a, int bias, uint64_t *out);
/* Bytes fal__mlp_new takes for kmax columns (saturating at SIZE_MAX). */
size_t fal__mlp_bytes(const fal_arch *a, int bias, size_t kmax);
/* A network with zero parameters; budgeted, FAL_ENOMEM leaves nothing. */
fal_status fal__mlp_new(fal_ctx *ctx, const fal_arch *a, fal_act act, int bias, size_t kmax, fal__mlp *net);
void fal__mlp_free(fal__mlp *net);

/* The documented start (doc/mlp.md): W_i entries N(0, sd_i^2) with
 * sd_i = scale sqrt(2 / n_{i-1}) (He, relu and leaky-relu) or
 * scale sqrt(2 / (n_{i-1} + n_i)) (Glorot, tanh, sigmoid, linear); biases
 * N(0, bias_sd^2) (0 for a student, 0.1 scale for a teacher or a probe point). */
void fal__mlp_init(fal__mlp *net, fal_rng *r, double scale, double bias_sd);

/* Forward on k <= kmax columns X (n0 x k); returns H_L (borrowed). */
const double *fal__mlp_forward(fal__mlp *net, const double *X, size_t k);

/* Backward after a forward on the same k columns.  The caller puts
 * D_L = dE/dH_L (nL x k) into net->d0.  For i = L..1:
 *   G_{W_i} = D_i H_{i-1}^T,  G_{b_i} = D_i 1,
 *   D_{i-1} = (W_i^T D_i) o s'(H_{i-1})   (s' read from H: see mlp.c).
 * G (np doubles) receives the gradient when not NULL; Dsave (hlen doubles,
 * layout of h) receives every D_i at hoff[i] when not NULL. */
void fal__mlp_backward(fal__mlp *net, size_t k, double *G, double *Dsave);

/* ---- single precision: the GD step only (bench/mlp_step.c) ----------------
 * The same shapes and formulas in floats through sgemm; the loss is summed
 * in double.  Nothing else of the family runs in float. */
fal_status fal__mlp32_new(fal_ctx *ctx, const fal_arch *a, fal_act act, int bias, size_t kmax, fal__mlp *net);
void fal__mlp32_free(fal__mlp *net);
/* fal__mlp_init's draws (the same doubles), rounded to float. */
void fal__mlp32_init(fal__mlp *net, fal_rng *r, double scale, double bias_sd);
/* One full-batch GD step on k columns X (n0 x k), T (nL x k): forward,
 * D_L = (Y - T)/k, backward into G (np floats), p -= lr G.  Returns
 * E = 1/(2k) sum ||y - t||^2 before the step. */
double fal__mlp32_gd_step(fal__mlp *net, const float *X, const float *T, size_t k, float lr, float *G);

/* 1 where the activation's pre-activation z is > 0, read from h = s(z). */
int fal__mlp_positive(fal_act act, double h);

#endif
