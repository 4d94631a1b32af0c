/* mlp.c -- M1, fully connected networks A(n0, ..., nL) with relu,
 * leaky-relu, tanh, sigmoid or linear hidden units, a linear output layer
 * and biases (on by default), trained full-batch by GD, Adam or L-BFGS on a
 * teacher of the same family (doc/mlp.md).
 *
 * Teacher-student (generated data): the teacher has the student's
 * architecture (or --teacher-widths: same n0 and nL), weights drawn by the
 * documented init and biases N(0, 0.1^2 scale^2); inputs N(0, I).  The
 * student starts from the same init with zero biases.  optimum_error is 0
 * when the teacher is realisable (same depth and every hidden width at
 * least the teacher's: pad with units whose outgoing weights are 0), null
 * otherwise and with --data.
 *
 * The loss is E = 1/(2k) sum_j ||y_j - t_j||^2; the reported errors are the
 * relative squared errors sum ||y - t||^2 / sum ||t||^2 of the contract. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nets.h"
#include "mlp.h"
#include "../core/curve.h"
#include "../core/linalg.h"
#include "../kern/kern.h"
#include "../info/mlp_rank.h"

/* ---- the network ---------------------------------------------------------- */

fal_status fal__mlp_params(fal_ctx *ctx, const fal_arch *a, int bias, uint64_t *out)
{
    uint64_t L = fal_arch_depth(a), w = 0;
    for (uint64_t i = 1; i <= L; i++) {
        uint64_t ni = fal_arch_width(a, i), t;
        if (__builtin_mul_overflow(ni, (uint64_t)fal_arch_width(a, i - 1) + (bias ? 1 : 0), &t) ||
            __builtin_add_overflow(w, t, &w))
            return fal__fail(ctx, FAL_ERANGE, "mlp: the parameter count overflows 64 bits");
    }
    *out = w;
    return FAL_OK;
}

size_t fal__mlp_bytes(const fal_arch *a, int bias, size_t kmax)
{
    uint64_t L = fal_arch_depth(a);
    size_t w = 0, hl = 0, nmax = 0;
    for (uint64_t i = 0; i <= L; i++) {
        size_t ni = fal_arch_width(a, i);
        if (ni > nmax) nmax = ni;
        hl = fal__sadd(hl, fal__smul(ni, kmax));
        if (i) w = fal__sadd(w, fal__smul(ni, fal__sadd(fal_arch_width(a, i - 1), bias ? 1 : 0)));
    }
    size_t d = fal__sadd(fal__sadd(w, hl), fal__smul(fal__smul(nmax, kmax), 2));
    size_t idx = fal__smul(fal__sadd((size_t)L, 1), 4 * sizeof(size_t));
    return fal__sadd(fal__smul(d, sizeof(double)), idx);
}

fal_status fal__mlp_new(fal_ctx *ctx, const fal_arch *a, fal_act act, int bias, size_t kmax, fal__mlp *net)
{
    memset(net, 0, sizeof *net);
    size_t bytes = fal__mlp_bytes(a, bias, kmax);
    if (bytes == SIZE_MAX) return fal__fail(ctx, FAL_ENOMEM, "mlp needs more than 16 EiB (its size overflows 64 bits)");
    fal_status st = fal__budget(ctx, bytes, "mlp network");
    if (st != FAL_OK) return st;
    net->ctx = ctx;
    net->act = act == FAL_ACT_DEFAULT ? FAL_ACT_RELU : act;
    net->bias = bias;
    net->L = (size_t)fal_arch_depth(a);
    net->kmax = kmax;
    size_t L = net->L;
    net->n = fal__calloc(ctx, L + 1, sizeof(size_t), "widths");
    net->woff = net->n ? fal__calloc(ctx, L + 1, sizeof(size_t), "weight offsets") : NULL;
    net->boff = net->woff ? fal__calloc(ctx, L + 1, sizeof(size_t), "bias offsets") : NULL;
    net->hoff = net->boff ? fal__calloc(ctx, L + 1, sizeof(size_t), "activation offsets") : NULL;
    if (!net->hoff) goto nomem;
    for (size_t i = 0; i <= L; i++) {
        net->n[i] = fal_arch_width(a, i);
        if (net->n[i] > net->nmax) net->nmax = net->n[i];
        net->hoff[i] = net->hlen;
        net->hlen += net->n[i] * kmax;
        if (i) {
            net->woff[i] = net->np;
            net->np += net->n[i] * net->n[i - 1];
            net->boff[i] = net->np;
            if (bias) net->np += net->n[i];
        }
    }
    net->p = fal__calloc(ctx, net->np ? net->np : 1, sizeof(double), "parameters");
    net->h = net->p ? fal__calloc(ctx, net->hlen, sizeof(double), "activations") : NULL;
    net->d0 = net->h ? fal__calloc(ctx, net->nmax * kmax, sizeof(double), "deltas") : NULL;
    net->d1 = net->d0 ? fal__calloc(ctx, net->nmax * kmax, sizeof(double), "deltas") : NULL;
    if (!net->d1) goto nomem;
    return FAL_OK;
nomem:
    fal__mlp_free(net);
    net->ctx = NULL;
    return FAL_ENOMEM;
}

void fal__mlp_free(fal__mlp *net)
{
    fal_ctx *ctx = net->ctx;
    if (!ctx) return;
    size_t L = net->L, dl = net->nmax * net->kmax;
    fal__free(ctx, net->d1, dl * sizeof(double));
    fal__free(ctx, net->d0, dl * sizeof(double));
    fal__free(ctx, net->h, net->hlen * sizeof(double));
    fal__free(ctx, net->p, (net->np ? net->np : 1) * sizeof(double));
    fal__free(ctx, net->hoff, (L + 1) * sizeof(size_t));
    fal__free(ctx, net->boff, (L + 1) * sizeof(size_t));
    fal__free(ctx, net->woff, (L + 1) * sizeof(size_t));
    fal__free(ctx, net->n, (L + 1) * sizeof(size_t));
    memset(net, 0, sizeof *net);
}

void fal__mlp_init(fal__mlp *net, fal_rng *r, double scale, double bias_sd)
{
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double sd = net->act == FAL_ACT_RELU || net->act == FAL_ACT_LEAKY_RELU ? sqrt(2.0 / (double)np)
                                                                               : sqrt(2.0 / (double)(np + ni));
        sd *= scale;
        double *W = net->p + net->woff[i];
        for (size_t j = 0; j < ni * np; j++) W[j] = sd * fal_rng_normal(r);
        if (net->bias) {
            double *b = net->p + net->boff[i];
            for (size_t j = 0; j < ni; j++) b[j] = bias_sd > 0 ? bias_sd * fal_rng_normal(r) : 0.0;
        }
    }
}

int fal__mlp_positive(fal_act act, double h)
{
    return act == FAL_ACT_SIGMOID ? h > 0.5 : h > 0.0;
}

/* H = s(H) in place over len values. */
static void activate(fal_act act, double *H, size_t len)
{
    switch (act) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU:
        for (size_t j = 0; j < len; j++) H[j] = H[j] > 0 ? H[j] : 0.0;
        break;
    case FAL_ACT_LEAKY_RELU:
        for (size_t j = 0; j < len; j++) H[j] = H[j] > 0 ? H[j] : FAL__LEAKY * H[j];
        break;
    case FAL_ACT_TANH:
        for (size_t j = 0; j < len; j++) H[j] = tanh(H[j]);
        break;
    case FAL_ACT_SIGMOID:
        for (size_t j = 0; j < len; j++) H[j] = 1.0 / (1.0 + exp(-H[j]));
        break;
    case FAL_ACT_LINEAR: break;
    }
}

/* D = D o s'(z) with s'(z) read from h = s(z): relu 1[h > 0] (0 at z = 0),
 * leaky 1 or 0.01 by the sign of h (= the sign of z), tanh 1 - h^2,
 * sigmoid h (1 - h), linear 1. */
static void times_deriv(fal_act act, double *D, const double *H, size_t len)
{
    switch (act) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU:
        for (size_t j = 0; j < len; j++) D[j] = H[j] > 0 ? D[j] : 0.0;
        break;
    case FAL_ACT_LEAKY_RELU:
        for (size_t j = 0; j < len; j++) D[j] = H[j] > 0 ? D[j] : FAL__LEAKY * D[j];
        break;
    case FAL_ACT_TANH:
        for (size_t j = 0; j < len; j++) D[j] *= 1.0 - H[j] * H[j];
        break;
    case FAL_ACT_SIGMOID:
        for (size_t j = 0; j < len; j++) D[j] *= H[j] * (1.0 - H[j]);
        break;
    case FAL_ACT_LINEAR: break;
    }
}

const double *fal__mlp_forward(fal__mlp *net, const double *X, size_t k)
{
    memcpy(net->h, X, net->n[0] * k * sizeof(double));
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double *H = net->h + net->hoff[i];
        if (net->bias) {
            /* Z_i = b_i 1^T + W_i H_{i-1} */
            const double *b = net->p + net->boff[i];
            for (size_t j = 0; j < k; j++) memcpy(H + j * ni, b, ni * sizeof(double));
        }
        /* H_i [ni x k] = W_i [ni x np] H_{i-1} [np x k] (+ the biases) */
        fal__gemm_auto(0, 0, ni, k, np, 1.0, net->p + net->woff[i], ni, net->h + net->hoff[i - 1], np,
                  net->bias ? 1.0 : 0.0, H, ni);
        if (i < net->L) activate(net->act, H, ni * k);
    }
    return net->h + net->hoff[net->L];
}

void fal__mlp_backward(fal__mlp *net, size_t k, double *G, double *Dsave)
{
    double *D = net->d0, *Dn = net->d1;
    for (size_t i = net->L; i >= 1; i--) {
        size_t ni = net->n[i], np = net->n[i - 1];
        const double *Hp = net->h + net->hoff[i - 1];
        if (Dsave) memcpy(Dsave + net->hoff[i], D, ni * k * sizeof(double));
        if (G) {
            /* G_{W_i} [ni x np] = D_i H_{i-1}^T */
            fal__gemm_auto(0, 1, ni, np, k, 1.0, D, ni, Hp, np, 0.0, G + net->woff[i], ni);
            if (net->bias) {
                /* G_{b_i} = D_i 1, each row summed in column order */
                double *gb = G + net->boff[i];
                memset(gb, 0, ni * sizeof(double));
                for (size_t j = 0; j < k; j++)
                    for (size_t a = 0; a < ni; a++) gb[a] += D[a + j * ni];
            }
        }
        if (i > 1) {
            /* D_{i-1} [np x k] = W_i^T D_i, then o s'(H_{i-1}) */
            fal__gemm_auto(1, 0, np, k, ni, 1.0, net->p + net->woff[i], ni, D, ni, 0.0, Dn, np);
            times_deriv(net->act, Dn, Hp, np * k);
            double *t = D;
            D = Dn;
            Dn = t;
        }
    }
}

/* ---- single precision ----------------------------------------------------- */

fal_status fal__mlp32_new(fal_ctx *ctx, const fal_arch *a, fal_act act, int bias, size_t kmax, fal__mlp *net)
{
    /* the shape and index arrays of a double net with one column, then the
     * float blocks for kmax columns */
    fal_status st = fal__mlp_new(ctx, a, act, bias, 1, net);
    if (st != FAL_OK) return st;
    fal__free(ctx, net->d1, net->nmax * sizeof(double));
    fal__free(ctx, net->d0, net->nmax * sizeof(double));
    fal__free(ctx, net->h, net->hlen * sizeof(double));
    fal__free(ctx, net->p, (net->np ? net->np : 1) * sizeof(double));
    net->p = net->h = net->d0 = net->d1 = NULL;
    net->kmax = kmax;
    net->hlen = 0;
    for (size_t i = 0; i <= net->L; i++) {
        net->hoff[i] = net->hlen;
        net->hlen += net->n[i] * kmax;
    }
    net->p32 = fal__calloc(ctx, net->np ? net->np : 1, sizeof(float), "parameters");
    net->h32 = net->p32 ? fal__calloc(ctx, net->hlen, sizeof(float), "activations") : NULL;
    net->d0_32 = net->h32 ? fal__calloc(ctx, net->nmax * kmax, sizeof(float), "deltas") : NULL;
    net->d1_32 = net->d0_32 ? fal__calloc(ctx, net->nmax * kmax, sizeof(float), "deltas") : NULL;
    if (!net->d1_32) {
        fal__mlp32_free(net);
        return FAL_ENOMEM;
    }
    return FAL_OK;
}

void fal__mlp32_free(fal__mlp *net)
{
    fal_ctx *ctx = net->ctx;
    if (!ctx) return;
    size_t dl = net->nmax * net->kmax;
    fal__free(ctx, net->d1_32, dl * sizeof(float));
    fal__free(ctx, net->d0_32, dl * sizeof(float));
    fal__free(ctx, net->h32, net->hlen * sizeof(float));
    fal__free(ctx, net->p32, (net->np ? net->np : 1) * sizeof(float));
    net->p32 = net->h32 = net->d0_32 = net->d1_32 = NULL;
    /* the double blocks are already gone: fal__mlp_free releases only the index arrays */
    net->kmax = 0;
    net->hlen = 0;
    net->np = 0;
    fal__mlp_free(net);
}

void fal__mlp32_init(fal__mlp *net, fal_rng *r, double scale, double bias_sd)
{
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double sd = net->act == FAL_ACT_RELU || net->act == FAL_ACT_LEAKY_RELU ? sqrt(2.0 / (double)np)
                                                                               : sqrt(2.0 / (double)(np + ni));
        sd *= scale;
        float *W = net->p32 + net->woff[i];
        for (size_t j = 0; j < ni * np; j++) W[j] = (float)(sd * fal_rng_normal(r));
        if (net->bias)
            for (size_t j = 0; j < ni; j++)
                net->p32[net->boff[i] + j] = bias_sd > 0 ? (float)(bias_sd * fal_rng_normal(r)) : 0.0f;
    }
}

static void activate32(fal_act act, float *H, size_t len)
{
    switch (act) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU:
        for (size_t j = 0; j < len; j++) H[j] = H[j] > 0 ? H[j] : 0.0f;
        break;
    case FAL_ACT_LEAKY_RELU:
        for (size_t j = 0; j < len; j++) H[j] = H[j] > 0 ? H[j] : (float)FAL__LEAKY * H[j];
        break;
    case FAL_ACT_TANH:
        for (size_t j = 0; j < len; j++) H[j] = tanhf(H[j]);
        break;
    case FAL_ACT_SIGMOID:
        for (size_t j = 0; j < len; j++) H[j] = 1.0f / (1.0f + expf(-H[j]));
        break;
    case FAL_ACT_LINEAR: break;
    }
}

static void times_deriv32(fal_act act, float *D, const float *H, size_t len)
{
    switch (act) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU:
        for (size_t j = 0; j < len; j++) D[j] = H[j] > 0 ? D[j] : 0.0f;
        break;
    case FAL_ACT_LEAKY_RELU:
        for (size_t j = 0; j < len; j++) D[j] = H[j] > 0 ? D[j] : (float)FAL__LEAKY * D[j];
        break;
    case FAL_ACT_TANH:
        for (size_t j = 0; j < len; j++) D[j] *= 1.0f - H[j] * H[j];
        break;
    case FAL_ACT_SIGMOID:
        for (size_t j = 0; j < len; j++) D[j] *= H[j] * (1.0f - H[j]);
        break;
    case FAL_ACT_LINEAR: break;
    }
}

double fal__mlp32_gd_step(fal__mlp *net, const float *X, const float *T, size_t k, float lr, float *G)
{
    size_t L = net->L, nL = net->n[L];
    memcpy(net->h32, X, net->n[0] * k * sizeof(float));
    for (size_t i = 1; i <= L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        float *H = net->h32 + net->hoff[i];
        if (net->bias)
            for (size_t j = 0; j < k; j++) memcpy(H + j * ni, net->p32 + net->boff[i], ni * sizeof(float));
        fal__sgemm_auto(0, 0, ni, k, np, 1.0f, net->p32 + net->woff[i], ni, net->h32 + net->hoff[i - 1], np,
                   net->bias ? 1.0f : 0.0f, H, ni);
        if (i < L) activate32(net->act, H, ni * k);
    }
    const float *Y = net->h32 + net->hoff[L];
    double s = 0;
    float inv = 1.0f / (float)k;
    float *D = net->d0_32, *Dn = net->d1_32;
    for (size_t j = 0; j < nL * k; j++) {
        double d = (double)Y[j] - (double)T[j];
        s += d * d;
        D[j] = (Y[j] - T[j]) * inv;
    }
    for (size_t i = L; i >= 1; i--) {
        size_t ni = net->n[i], np = net->n[i - 1];
        const float *Hp = net->h32 + net->hoff[i - 1];
        fal__sgemm_auto(0, 1, ni, np, k, 1.0f, D, ni, Hp, np, 0.0f, G + net->woff[i], ni);
        if (net->bias) {
            float *gb = G + net->boff[i];
            memset(gb, 0, ni * sizeof(float));
            for (size_t j = 0; j < k; j++)
                for (size_t a = 0; a < ni; a++) gb[a] += D[a + j * ni];
        }
        if (i > 1) {
            fal__sgemm_auto(1, 0, np, k, ni, 1.0f, net->p32 + net->woff[i], ni, D, ni, 0.0f, Dn, np);
            times_deriv32(net->act, Dn, Hp, np * k);
            float *t = D;
            D = Dn;
            Dn = t;
        }
    }
    for (size_t i = 0; i < net->np; i++) net->p32[i] -= lr * G[i];
    return 0.5 * s / (double)k;
}

/* ---- training --------------------------------------------------------------- */

/* Everything a training run reads and the optimiser state it keeps. */
typedef struct trainer {
    fal__mlp *net;
    const double *X, *T;
    size_t k, nL;
    double tt;          /* sum ||t||^2 */
    double *g;          /* gradient, np */
    uint64_t evals;
} trainer;

/* E = 1/(2k) sum ||y - t||^2 at the current parameters, its gradient into
 * g, and the relative error sum ||y - t||^2 / sum ||t||^2 into *rel. */
static double loss_grad(trainer *tr, double *rel)
{
    fal__mlp *net = tr->net;
    const double *Y = fal__mlp_forward(net, tr->X, tr->k);
    size_t len = tr->nL * tr->k;
    double s = 0, inv = 1.0 / (double)tr->k;
    for (size_t j = 0; j < len; j++) {
        double d = Y[j] - tr->T[j];
        s += d * d;
        net->d0[j] = d * inv; /* D_L = (Y - T)/k */
    }
    fal__mlp_backward(net, tr->k, tr->g, NULL);
    tr->evals++;
    *rel = tr->tt > 0 ? s / tr->tt : s;
    return 0.5 * s * inv;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

#define LBFGS_M 10

typedef struct train_out {
    uint64_t steps;
    double err;
    double grad_norm;
    const char *note;
} train_out;

/* Train from the current parameters.  Stops when the relative training
 * error is <= tol (converged), at max_steps, when the best error has not
 * improved by 0.1% for 5000 steps, on a non-finite loss, or (L-BFGS) when
 * no step along the search direction or the gradient lowers the loss.
 * Returns FAL_OK, FAL_ENOCONV or FAL_ENOMEM. */
static fal_status train(fal_ctx *ctx, fal__mlp *net, const double *X, const double *T, size_t k, fal_algo algo,
                        double lr0, double tol, uint64_t max_steps, fal_result *res, train_out *out)
{
    size_t np = net->np, nL = net->n[net->L];
    size_t nvec = algo == FAL_ALGO_GD ? 2 : algo == FAL_ALGO_ADAM ? 3 : 4 + 2 * LBFGS_M;
    size_t bytes = fal__smul(fal__smul(np, nvec), sizeof(double));
    double *mem = fal__alloc(ctx, bytes, "optimiser state");
    if (!mem) return FAL_ENOMEM;
    memset(mem, 0, bytes);
    trainer tr = { net, X, T, k, nL, fal__sumsq(FAL_REAL, T, nL * k), mem, 0 };
    double *aux = mem + np; /* gd: the last accepted parameters; adam: m, v; lbfgs: below */
    double rel, E = loss_grad(&tr, &rel), best = rel;
    uint64_t s = 0, since_best = 0;
    fal_status st = FAL_OK;
    out->note = NULL;
    double lr = lr0 > 0 ? lr0 : algo == FAL_ALGO_ADAM ? 1e-3 : algo == FAL_ALGO_GD ? 0.01 : 1.0;
    /* L-BFGS state: S, Y (m pairs), rho, the direction, the previous point and gradient */
    double *S = aux, *Yv = S + LBFGS_M * np, *dir = Yv + LBFGS_M * np, *p0 = dir + np, *g0 = p0 + np;
    double rho[LBFGS_M] = { 0 }, alpha_h[LBFGS_M];
    int head = 0, npairs = 0;
    for (;;) {
        fal__curve_add(res, s, rel);
        fal__progress(ctx, "train", s, max_steps, rel, 0);
        if (!isfinite(E)) {
            out->note = "diverged: the loss became infinite or NaN (learning rate too large?)";
            st = FAL_ENOCONV;
            break;
        }
        if (rel <= tol) break;
        if (s >= max_steps) {
            out->note = "step limit reached";
            st = FAL_ENOCONV;
            break;
        }
        if (since_best >= 5000) {
            out->note = "the training error stopped shrinking for 5000 steps";
            st = FAL_ENOCONV;
            break;
        }
        if (algo == FAL_ALGO_GD) {
            /* plain GD at a fixed --lr; without --lr the "bold driver":
             * a step that raises the loss is undone and the rate halved,
             * an accepted one grows the rate by 5% */
            memcpy(aux, net->p, np * sizeof(double));
            for (size_t i = 0; i < np; i++) net->p[i] -= lr * tr.g[i];
            double rel2, E2 = loss_grad(&tr, &rel2);
            if (lr0 <= 0 && !(E2 <= E)) {
                memcpy(net->p, aux, np * sizeof(double));
                lr *= 0.5;
                E = loss_grad(&tr, &rel);
                if (lr < 1e-300) {
                    out->note = "gd: no step size lowers the loss";
                    st = FAL_ENOCONV;
                    break;
                }
            } else {
                if (lr0 <= 0) lr *= 1.05;
                E = E2;
                rel = rel2;
            }
        } else if (algo == FAL_ALGO_ADAM) {
            /* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
             * p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
            const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
            double *m = aux, *v = aux + np;
            double c1 = 1 - pow(b1, (double)(s + 1)), c2 = 1 - pow(b2, (double)(s + 1));
            for (size_t i = 0; i < np; i++) {
                double gi = tr.g[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                net->p[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
            }
            E = loss_grad(&tr, &rel);
        } else {
            /* L-BFGS two-loop recursion: dir = -H g, H0 = (s'y / y'y) I */
            memcpy(dir, tr.g, np * sizeof(double));
            for (int c = 0; c < npairs; c++) {
                int j = (head - 1 - c + LBFGS_M) % LBFGS_M;
                alpha_h[j] = rho[j] * dot(S + (size_t)j * np, dir, np);
                for (size_t i = 0; i < np; i++) dir[i] -= alpha_h[j] * Yv[(size_t)j * np + i];
            }
            double gamma = 1.0;
            if (npairs) {
                int j = (head - 1 + LBFGS_M) % LBFGS_M;
                gamma = 1.0 / (rho[j] * dot(Yv + (size_t)j * np, Yv + (size_t)j * np, np));
            } else {
                double gn = sqrt(dot(tr.g, tr.g, np));
                gamma = gn > 0 ? fmin(1.0, 1.0 / gn) : 1.0; /* the first step has length <= 1 */
            }
            for (size_t i = 0; i < np; i++) dir[i] *= gamma;
            for (int c = npairs - 1; c >= 0; c--) {
                int j = (head - 1 - c + LBFGS_M) % LBFGS_M;
                double beta = rho[j] * dot(Yv + (size_t)j * np, dir, np);
                for (size_t i = 0; i < np; i++) dir[i] += (alpha_h[j] - beta) * S[(size_t)j * np + i];
            }
            for (size_t i = 0; i < np; i++) dir[i] = -dir[i];
            double slope = dot(tr.g, dir, np);
            if (!(slope < 0)) { /* not a descent direction: restart from the gradient */
                npairs = 0;
                double gn = sqrt(dot(tr.g, tr.g, np));
                for (size_t i = 0; i < np; i++) dir[i] = -tr.g[i] * (gn > 0 ? fmin(1.0, 1.0 / gn) : 1.0);
                slope = dot(tr.g, dir, np);
            }
            /* backtracking to the Armijo condition E(p + a d) <= E + 1e-4 a slope */
            memcpy(p0, net->p, np * sizeof(double));
            memcpy(g0, tr.g, np * sizeof(double));
            double a = lr, E2 = E, rel2 = rel;
            int ok = 0;
            for (int tries = 0; tries < 60 && slope < 0; tries++) {
                for (size_t i = 0; i < np; i++) net->p[i] = p0[i] + a * dir[i];
                E2 = loss_grad(&tr, &rel2);
                if (isfinite(E2) && E2 <= E + 1e-4 * a * slope) {
                    ok = 1;
                    break;
                }
                a *= 0.5;
            }
            if (!ok) {
                memcpy(net->p, p0, np * sizeof(double));
                E = loss_grad(&tr, &rel);
                if (npairs) { /* forget the curvature pairs and try the gradient once more */
                    npairs = 0;
                    s++;
                    continue;
                }
                out->note = "lbfgs: no step along the gradient lowers the loss (at the floor of rounding)";
                st = FAL_ENOCONV;
                break;
            }
            /* the new pair s = p - p0, y = g - g0, kept when s'y > 0 */
            double *sv = S + (size_t)head * np, *yv = Yv + (size_t)head * np;
            for (size_t i = 0; i < np; i++) {
                sv[i] = net->p[i] - p0[i];
                yv[i] = tr.g[i] - g0[i];
            }
            double sy = dot(sv, yv, np);
            if (sy > 1e-300) {
                rho[head] = 1.0 / sy;
                head = (head + 1) % LBFGS_M;
                if (npairs < LBFGS_M) npairs++;
            }
            E = E2;
            rel = rel2;
        }
        s++;
        if (rel < best * (1 - 1e-3)) {
            best = rel;
            since_best = 0;
        } else {
            since_best++;
        }
    }
    out->steps = s;
    out->err = rel;
    out->grad_norm = sqrt(dot(tr.g, tr.g, np));
    fal__curve_add(res, s, rel);
    fal__free(ctx, mem, bytes);
    return st;
}

/* ---- the family ------------------------------------------------------------- */

/* The mlp's default architecture A(8, 32, 32, 1). */
static const size_t default_widths[] = { 8, 32, 32, 1 };

/* Relative squared error of the network on k examples (X, T). */
static double net_rel_err(fal__mlp *net, const double *X, const double *T, size_t k)
{
    size_t nL = net->n[net->L];
    /* kmax may be smaller than k: evaluate in chunks of kmax columns */
    double s = 0, tt = 0;
    for (size_t j0 = 0; j0 < k; j0 += net->kmax) {
        size_t c = k - j0 < net->kmax ? k - j0 : net->kmax;
        const double *Y = fal__mlp_forward(net, X + j0 * net->n[0], c);
        s += fal__sumsq_diff(FAL_REAL, Y, T + j0 * nL, nL * c);
        tt += fal__sumsq(FAL_REAL, T + j0 * nL, nL * c);
    }
    return fal__rel_err(s, tt);
}

/* Targets T (nL x k) of the teacher on X, in chunks of its kmax columns. */
static void teacher_targets(fal__mlp *t, const double *X, double *T, size_t k)
{
    size_t n0 = t->n[0], nL = t->n[t->L];
    for (size_t j0 = 0; j0 < k; j0 += t->kmax) {
        size_t c = k - j0 < t->kmax ? k - j0 : t->kmax;
        memcpy(T + j0 * nL, fal__mlp_forward(t, X + j0 * n0, c), nL * c * sizeof(double));
    }
}

static size_t smax(size_t a, size_t b) { return a > b ? a : b; }
static size_t smin(size_t a, size_t b) { return a < b ? a : b; }

/* Columns the networks are built for: the training set, and chunks of the
 * test set no longer than that (at least 256) */
#define EVAL_CHUNK 256

/* ---- parameter export (doc/params.md) ------------------------------------ */

/* W_i (n_i x n_{i-1}, row-major) and b_i of net as PREFIX W1.., PREFIX b1.. */
static fal_status keep_layers(fal_params *p, const char *prefix, const fal__mlp *net)
{
    fal_status st = FAL_OK;
    for (size_t i = 1; i <= net->L && st == FAL_OK; i++) {
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "%sW%zu", prefix, i);
        st = fal__params_colmajor(p, name, FAL_REAL, net->n[i], net->n[i - 1], net->p + net->woff[i]);
        if (st == FAL_OK && net->bias) {
            snprintf(name, sizeof name, "%sb%zu", prefix, i);
            st = fal_params_add(p, name, FAL_DT_F8, 1, net->n[i], 0, net->p + net->boff[i]);
        }
    }
    return st;
}

/* x_SET, t_SET and pred_SET (the network's outputs, forward in chunks of
 * its kmax columns: the training set in one, as training evaluated it). */
static fal_status keep_rows(fal_ctx *ctx, fal_params *p, const char *set, fal__mlp *net, const fal__xy *xy)
{
    size_t n0 = net->n[0], nL = net->n[net->L], len = nL * xy->k;
    char name[FAL_ARRAY_NAME];
    snprintf(name, sizeof name, "x_%s", set);
    fal_status st = fal_params_add(p, name, FAL_DT_F8, 2, xy->k, n0, xy->x);
    snprintf(name, sizeof name, "t_%s", set);
    if (st == FAL_OK) st = fal_params_add(p, name, FAL_DT_F8, 2, xy->k, nL, xy->t);
    if (st != FAL_OK) return st;
    double *Y = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "predictions");
    if (!Y) return FAL_ENOMEM;
    for (size_t j0 = 0; j0 < xy->k; j0 += net->kmax) {
        size_t c = xy->k - j0 < net->kmax ? xy->k - j0 : net->kmax;
        memcpy(Y + j0 * nL, fal__mlp_forward(net, xy->x + j0 * n0, c), nL * c * sizeof(double));
    }
    snprintf(name, sizeof name, "pred_%s", set);
    st = fal_params_add(p, name, FAL_DT_F8, 2, xy->k, nL, Y);
    fal__free(ctx, Y, (len ? len : 1) * sizeof(double));
    return st;
}

fal_status fal__run_mlp(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    fal_status st;
    const fal_arch *arch = cfg->arch;
    if (!arch) {
        st = fal_arch_from_widths(ctx, default_widths, sizeof default_widths / sizeof default_widths[0],
                                  &res->owned_arch);
        if (st != FAL_OK) return st;
        arch = res->owned_arch;
    }
    res->arch = arch;
    /* a uniform architecture may be 2^50 layers deep; the layer loops below
     * walk every layer */
    if (fal_arch_depth(arch) > FAL__MLP_MAX_DEPTH || (cfg->teacher_arch && fal_arch_depth(cfg->teacher_arch) > FAL__MLP_MAX_DEPTH))
        return fal__fail(ctx, FAL_EINVAL, "mlp: depth above %d layers refused", FAL__MLP_MAX_DEPTH);
    fal_algo algo = cfg->algo == FAL_ALGO_DEFAULT ? FAL_ALGO_LBFGS : cfg->algo;
    res->algo = fal_algo_name(algo);
    if (algo != FAL_ALGO_GD && algo != FAL_ALGO_ADAM && algo != FAL_ALGO_LBFGS)
        return fal__fail(ctx, FAL_EINVAL, "mlp: --algo %s does not apply (gd, adam or lbfgs)", fal_algo_name(algo));
    if (!(cfg->init_scale >= 0) || !isfinite(cfg->init_scale))
        return fal__fail(ctx, FAL_EINVAL, "mlp: --init-scale must be a finite number > 0");
    double scale = cfg->init_scale > 0 ? cfg->init_scale : 1.0;
    int bias = !cfg->bias_off;
    fal_act act = cfg->act == FAL_ACT_DEFAULT ? FAL_ACT_RELU : cfg->act;
    size_t L = (size_t)fal_arch_depth(arch), n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, L);
    const fal_arch *tarch = cfg->teacher_arch ? cfg->teacher_arch : arch;
    if (cfg->teacher_arch && cfg->data)
        return fal__fail(ctx, FAL_EINVAL, "mlp: --teacher-widths and --data exclude each other");
    if (fal_arch_width(tarch, 0) != n0 || fal_arch_width(tarch, fal_arch_depth(tarch)) != nL)
        return fal__fail(ctx, FAL_EINVAL, "mlp: --teacher-widths must start with n0 = %zu and end with nL = %zu", n0,
                         nL);
    size_t k, ntest;
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, n0 + nL, &k, &ntest);
        if (st != FAL_OK) return st;
        if (fal_table_field(cfg->data) != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "mlp: --data must be real");
    } else {
        k = cfg->examples_set ? cfg->examples : 256;
        ntest = cfg->test;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    /* BLAS dimensions are 32-bit ints */
    size_t nmax = 0, tmax = 0;
    for (size_t i = 0; i <= L; i++) nmax = smax(nmax, fal_arch_width(arch, i));
    for (uint64_t i = 0; i <= fal_arch_depth(tarch); i++) tmax = smax(tmax, fal_arch_width(tarch, i));
    if (smax(nmax, tmax) > INT_MAX || k > INT_MAX || ntest > INT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "mlp: %s %zu exceeds the BLAS/LAPACK limit 2^31 - 1",
                         smax(nmax, tmax) > INT_MAX ? "width" : k > INT_MAX ? "--examples" : "--test",
                         smax(nmax, tmax) > INT_MAX ? smax(nmax, tmax) : k > INT_MAX ? k : ntest);
    uint64_t w;
    st = fal__mlp_params(ctx, arch, bias, &w);
    if (st != FAL_OK) return st;
    /* Refuse before allocating: the examples, the student (k columns), the
     * optimiser state and, while the targets are made, the teacher. */
    size_t tcols = smin(smax(k, ntest), EVAL_CHUNK > k ? EVAL_CHUNK : k);
    size_t ex = fal__smul(fal__smul(fal__sadd(n0, nL), fal__sadd(k, ntest)), sizeof(double));
    size_t scols = smax(k, smin(ntest, EVAL_CHUNK));
    size_t net_b = fal__mlp_bytes(arch, bias, scols);
    size_t nvec = algo == FAL_ALGO_GD ? 2 : algo == FAL_ALGO_ADAM ? 3 : 4 + 2 * LBFGS_M;
    size_t opt_b = fal__smul(fal__smul(w > SIZE_MAX ? SIZE_MAX : (size_t)w, nvec), sizeof(double));
    size_t teach_b = cfg->data ? 0 : fal__mlp_bytes(tarch, bias, tcols);
    unsigned restarts = cfg->restarts ? cfg->restarts : 1;
    if (restarts > 1) /* the best start's parameters, kept while the others train */
        opt_b = fal__sadd(opt_b, fal__smul(w > SIZE_MAX ? SIZE_MAX : (size_t)w, sizeof(double)));
    size_t need = fal__sadd(ex, smax(teach_b, fal__sadd(net_b, opt_b)));
    if (need == SIZE_MAX) return fal__fail(ctx, FAL_ENOMEM, "mlp needs more than 16 EiB (its size overflows 64 bits)");
    st = fal__budget(ctx, need, "mlp");
    if (st != FAL_OK) return st;

    fal_rng rdata, rinit, rtest;
    fal_rng_seed(&rdata, cfg->seed ^ 0x6d6c70ULL);
    rinit = rdata;
    fal_rng_jump(&rinit);
    rtest = rinit;
    fal_rng_jump(&rtest);

    fal__xy tr = { 0 }, te = { 0 };
    fal__mlp net = { 0 }, teacher = { 0 };
    double *best_p = NULL;
    if (cfg->data) {
        st = fal__xy_from_table(ctx, cfg->data, n0, nL, 0, 0, k, &tr);
        if (st == FAL_OK) st = fal__xy_from_table(ctx, cfg->data, n0, nL, 0, k, ntest, &te);
    } else {
        st = fal__xy_alloc(ctx, FAL_REAL, n0, nL, k, 0, &tr);
        if (st == FAL_OK) st = fal__xy_alloc(ctx, FAL_REAL, n0, nL, ntest, 0, &te);
        if (st == FAL_OK) st = fal__mlp_new(ctx, tarch, act, bias, tcols, &teacher);
        if (st == FAL_OK) {
            fal__mlp_init(&teacher, &rdata, scale, 0.1 * scale);
            /* inputs one example after another: the first k are the same for every k */
            for (size_t j = 0; j < n0 * k; j++) tr.x[j] = fal_rng_normal(&rdata);
            for (size_t j = 0; j < n0 * ntest; j++) te.x[j] = fal_rng_normal(&rtest);
            teacher_targets(&teacher, tr.x, tr.t, k);
            teacher_targets(&teacher, te.x, te.t, ntest);
        }
        if (st == FAL_OK && cfg->keep_params) { /* the teacher is gone before the student exists */
            st = fal__params_begin(ctx, cfg, res);
            if (st == FAL_OK) st = keep_layers(res->kept, "teacher_", &teacher);
        }
        fal__mlp_free(&teacher);
    }
    if (st != FAL_OK) goto done;
    st = fal__mlp_new(ctx, arch, act, bias, scols, &net);
    if (st != FAL_OK) goto done;
    fal__mlp_init(&net, &rinit, scale, 0.0);

    /* realisable: same depth, every hidden width at least the teacher's */
    int realisable = !cfg->data && fal_arch_depth(tarch) == L;
    for (size_t i = 1; realisable && i < L; i++) realisable = fal_arch_width(arch, i) >= fal_arch_width(tarch, i);
    double tol = cfg->tol > 0 ? cfg->tol : 1e-10;
    uint64_t max_steps = cfg->max_steps ? cfg->max_steps : algo == FAL_ALGO_LBFGS ? 5000 : 20000;
    train_out to;
    st = train(ctx, &net, tr.x, tr.t, k, algo, cfg->lr, tol, max_steps, res, &to);
    if (st != FAL_OK && st != FAL_ENOCONV) goto done;
    unsigned kept = 1, tried = 1;
    uint64_t steps_total = to.steps;
    if (restarts > 1 && st == FAL_ENOCONV) {
        /* --restarts R: more students from independent starts (streams
         * jumped past the test inputs'), until one converges; the one with
         * the lowest training error is kept (the first on ties), with its
         * curve, steps and note */
        best_p = fal__alloc(ctx, net.np * sizeof(double), "best start");
        if (!best_p) {
            st = FAL_ENOMEM;
            goto done;
        }
        memcpy(best_p, net.p, net.np * sizeof(double));
        train_out best = to;
        fal_curve_point bcurve[FAL_MAX_CURVE];
        int bn = res->ncurve;
        memcpy(bcurve, res->curve, sizeof bcurve);
        fal_rng rstart = rtest;
        for (unsigned r = 1; r < restarts && st == FAL_ENOCONV; r++) {
            fal_rng_jump(&rstart);
            fal_rng rr = rstart;
            fal__mlp_init(&net, &rr, scale, 0.0);
            res->ncurve = 0;
            st = train(ctx, &net, tr.x, tr.t, k, algo, cfg->lr, tol, max_steps, res, &to);
            if (st != FAL_OK && st != FAL_ENOCONV) goto done;
            tried++;
            steps_total += to.steps;
            if (st == FAL_OK || to.err < best.err) {
                best = to;
                kept = r + 1;
                memcpy(best_p, net.p, net.np * sizeof(double));
                bn = res->ncurve;
                memcpy(bcurve, res->curve, sizeof bcurve);
            }
        }
        memcpy(net.p, best_p, net.np * sizeof(double));
        memcpy(res->curve, bcurve, sizeof bcurve);
        res->ncurve = bn;
        to = best;
    }
    res->params = w;
    res->examples = k;
    res->train_error = to.err;
    res->test_error = ntest ? net_rel_err(&net, te.x, te.t, ntest) : NAN;
    res->optimum_error = realisable ? 0.0 : NAN;
    res->converged = st == FAL_OK;
    res->steps = to.steps;
    res->note = to.note;
    fal__result_extra(res, "grad_norm", to.grad_norm);
    fal__result_extra(res, "bias", bias);
    {
        uint64_t hidden = 0;
        for (size_t i = 1; i < L; i++) hidden += fal_arch_width(arch, i);
        fal__result_extra(res, "hidden_units", (double)hidden);
    }
    fal__result_extra(res, "init_scale", scale);
    if (restarts > 1) {
        fal__result_extra(res, "restarts_tried", tried);
        fal__result_extra(res, "restart_kept", kept);
        fal__result_extra(res, "steps_total", (double)steps_total);
    }
    if (cfg->draws > 1) {
        /* --draws D: the class view of this architecture over D parameter
         * draws (doc/mlp.md), what a sweep stores for the report's figure
         * of the fraction of draws at the symmetry bound against depth */
        fal_config cc = *cfg;
        cc.arch = arch;
        fal_classes c;
        st = fal__classes_mlp(ctx, &cc, cfg->draws, &c);
        if (st != FAL_OK) goto done;
        fal__result_extra(res, "function_dim", (double)c.function_dim);
        fal__result_extra(res, "symmetry_bound", (double)c.symmetry_bound);
        fal__result_extra(res, "draws", (double)c.draws);
        fal__result_extra(res, "frac_at_bound", c.frac_at_bound);
        fal__result_extra(res, "dim_mean", c.dim_mean);
        fal__result_extra(res, "dim_min", (double)c.dim_min);
        fal__result_extra(res, "dim_max", (double)c.dim_max);
        st = res->converged ? FAL_OK : FAL_ENOCONV;
    }
    if (cfg->keep_params) {
        fal_status s3 = fal__params_begin(ctx, cfg, res);
        if (s3 == FAL_OK) s3 = keep_layers(res->kept, "", &net);
        if (s3 == FAL_OK) s3 = keep_rows(ctx, res->kept, "train", &net, &tr);
        if (s3 == FAL_OK && ntest) s3 = keep_rows(ctx, res->kept, "test", &net, &te);
        if (s3 != FAL_OK) st = s3;
    }
done:
    if (best_p) fal__free(ctx, best_p, net.np * sizeof(double));
    fal__mlp_free(&net);
    fal__mlp_free(&teacher);
    fal__xy_free(ctx, &te);
    fal__xy_free(ctx, &tr);
    return st;
}
