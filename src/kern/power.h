/* power.h -- the power chain A(1,...,1) with units h_i = (w_i h_{i-1})^q
 * (N2), evaluated literally: the forward pass, the backward pass, and the
 * product P = prod_i w_i^(q^(L-i+1)) in the log domain.
 *
 * These are the plain-double kernels: they are exact transcriptions of the
 * network and serve small depths (while x^(2 q^L) is a finite double) and
 * the tests.  src/nets/power_chain.c keeps large depths in the log domain.
 * Weights are w[0 .. L), w[0] the first layer (exponent q^L).  Kernels: raw
 * pointers, no allocation, no error paths. */
#ifndef FALLACY_POWER_H
#define FALLACY_POWER_H

#include <stddef.h>

/* a^q by repeated squaring (exact order of operations, so deterministic). */
double fal__ipow(double a, unsigned q);

/* y = h_L with h_0 = x, h_i = (w_i h_{i-1})^q.  h (L + 1 doubles, may be
 * NULL) receives h_0 .. h_L. */
double fal__power_forward(const double *w, size_t L, unsigned q, double x, double *h);

/* Backward pass for one input x: grad[i] += dy * dy/dw_i, where y is the
 * output on x, through
 *   dh_i/dw_i = q (w_i h_{i-1})^(q-1) h_{i-1},
 *   dh_i/dh_{i-1} = q (w_i h_{i-1})^(q-1) w_i.
 * h: workspace of L + 1 doubles.  Returns y. */
double fal__power_backprop(const double *w, size_t L, unsigned q, double x, double dy, double *grad, double *h);

/* E = 1/2 mean_j (y_j - t_j)^2 over k examples, and grad = dE/dw (L
 * doubles, overwritten).  h: workspace of L + 1 doubles. */
double fal__power_loss_grad(const double *w, size_t L, unsigned q, const double *x, const double *t, size_t k,
                            double *grad, double *h);

/* ln|P| with P = prod_i w_i^(q^(L-i+1)) (-inf if a weight is 0), its sign in
 * *sign (0 when P = 0; for even q always >= 0). */
double fal__power_ln_product(const double *w, size_t L, unsigned q, int *sign);

#endif
