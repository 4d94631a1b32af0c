/* power.c -- the power chain in plain doubles (see power.h).
 *
 * h_i = (w_i h_{i-1})^q unrolls to h_L = prod_i w_i^(q^(L-i+1)) x^(q^L):
 * w_i is raised to q once by its own unit and once more by each of the
 * L - i units above it.  The forward pass below computes the network as
 * built; fal__power_ln_product computes the closed form, and the tests check
 * one against the other. */
#include <math.h>
#include <string.h>
#include "power.h"

double fal__ipow(double a, unsigned q)
{
    double r = 1.0;
    while (q) {
        if (q & 1) r *= a;
        q >>= 1;
        if (q) a *= a;
    }
    return r;
}

double fal__power_forward(const double *w, size_t L, unsigned q, double x, double *h)
{
    if (h) h[0] = x;
    for (size_t i = 0; i < L; i++) {
        x = fal__ipow(w[i] * x, q);
        if (h) h[i + 1] = x;
    }
    return x;
}

double fal__power_backprop(const double *w, size_t L, unsigned q, double x, double dy, double *grad, double *h)
{
    double y = fal__power_forward(w, L, q, x, h);
    double d = dy; /* dE/dh_i, from the top down */
    for (size_t i = L; i-- > 0;) {
        double da = d * (double)q * fal__ipow(w[i] * h[i], q - 1); /* dE/d(w_i h_{i-1}) */
        grad[i] += da * h[i];
        d = da * w[i];
    }
    return y;
}

double fal__power_loss_grad(const double *w, size_t L, unsigned q, const double *x, const double *t, size_t k,
                            double *grad, double *h)
{
    memset(grad, 0, L * sizeof *grad);
    double E = 0;
    for (size_t j = 0; j < k; j++) {
        double y = fal__power_forward(w, L, q, x[j], NULL);
        double r = y - t[j];
        E += r * r;
        fal__power_backprop(w, L, q, x[j], r / (double)k, grad, h);
    }
    return 0.5 * E / (double)k;
}

double fal__power_ln_product(const double *w, size_t L, unsigned q, int *sign)
{
    double ln = 0;
    int s = 1;
    for (size_t i = 0; i < L; i++) {
        if (w[i] == 0) {
            *sign = 0;
            return -INFINITY;
        }
        double e = pow((double)q, (double)(L - i)); /* q^(L-i+1) for 1-based i */
        ln += e * log(fabs(w[i]));
        if (w[i] < 0 && (q & 1)) s = -s;
    }
    *sign = s;
    return ln;
}
