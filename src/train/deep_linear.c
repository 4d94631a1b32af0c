/* deep_linear.c -- forward, backward and the training loop of deep linear
 * networks over R and C (see deep_linear.h for the formulas). */
#include <lapacke.h>
#include <math.h>
#include <string.h>
#include "deep_linear.h"
#include "../kern/kern.h"
#include "../core/linalg.h"
#include "../core/curve.h"

/* The bytes of fal__dlin_bytes for values of esize bytes per real number. */
static fal_status dlin_bytes(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, size_t esize,
                             size_t *out)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1, L = (size_t)fal_arch_depth(a);
    size_t wl = 0, hl = 0, nmax = 0, t;
    if (fal_arch_is_uniform(a)) {
        /* closed form: a uniform net may be 2^50 layers deep, too many to walk */
        nmax = fal_arch_width(a, 0);
        if (fal__mul(nmax, nmax, &t) || fal__mul(t, L, &wl) || fal__mul(nmax, kmax, &t) || fal__mul(t, L + 1, &hl))
            goto over;
    }
    for (size_t i = 0; !fal_arch_is_uniform(a) && i <= L; i++) {
        size_t ni = fal_arch_width(a, i);
        if (ni > nmax) nmax = ni;
        if (fal__mul(ni, kmax, &t) || fal__add(hl, t, &hl)) goto over;
        if (i && (fal__mul(ni, fal_arch_width(a, i - 1), &t) || fal__add(wl, t, &wl))) goto over;
    }
    size_t d, total;
    if (fal__mul(nmax, kmax, &d) || fal__mul(d, 2, &d)) goto over;
    total = wl;
    if (fa && fal__add(total, wl, &total)) goto over;
    if (fal__add(total, hl, &total) || fal__add(total, d, &total) || fal__mul(total, per * esize, &total))
        goto over;
    if (fal__mul(L + 1, 3 * sizeof(size_t), &t) || fal__add(total, t, &total)) goto over;
    *out = total;
    return FAL_OK;
over:
    return fal__fail(ctx, FAL_ENOMEM, "deep linear network needs more than 16 EiB (its size overflows 64 bits)");
}

fal_status fal__dlin_bytes(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, size_t *out)
{
    return dlin_bytes(ctx, a, f, kmax, fa, sizeof(double), out);
}

/* fal__dlin_new and fal__dlin32_new: the shape is the same, the four value
 * blocks are doubles or (single) floats. */
static fal_status dlin_new(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, int single,
                           fal__dlin *net)
{
    memset(net, 0, sizeof *net);
    size_t bytes;
    fal_status st = dlin_bytes(ctx, a, f, kmax, fa, single ? sizeof(float) : sizeof(double), &bytes);
    if (st != FAL_OK) return st;
    st = fal__budget(ctx, bytes, "deep linear network");
    if (st != FAL_OK) return st;
    net->ctx = ctx;
    net->f = f;
    net->per = f == FAL_COMPLEX ? 2 : 1;
    net->L = (size_t)fal_arch_depth(a);
    net->kmax = kmax;
    size_t L = net->L;
    net->n = fal__calloc(ctx, L + 1, sizeof(size_t), "widths");
    net->woff = fal__calloc(ctx, L + 1, sizeof(size_t), "weight offsets");
    net->hoff = fal__calloc(ctx, L + 1, sizeof(size_t), "activation offsets");
    if (!net->n || !net->woff || !net->hoff) goto nomem;
    for (size_t i = 0; i <= L; i++) {
        net->n[i] = fal_arch_width(a, i);
        if (net->n[i] > net->nmax) net->nmax = net->n[i];
        net->hoff[i] = net->hlen;
        net->hlen += net->n[i] * kmax * net->per;
        if (i) {
            net->woff[i] = net->wlen;
            net->wlen += net->n[i] * net->n[i - 1] * net->per;
        }
    }
    size_t dl = net->nmax * kmax * net->per;
    if (single) {
        net->w32 = fal__calloc(ctx, net->wlen, sizeof(float), "weights");
        net->h32 = net->w32 ? fal__calloc(ctx, net->hlen, sizeof(float), "activations") : NULL;
        net->d0_32 = net->h32 ? fal__calloc(ctx, dl, sizeof(float), "deltas") : NULL;
        net->d1_32 = net->d0_32 ? fal__calloc(ctx, dl, sizeof(float), "deltas") : NULL;
        if (!net->d1_32) goto nomem;
        return FAL_OK;
    }
    net->w = fal__calloc(ctx, net->wlen, sizeof(double), "weights");
    net->h = net->w ? fal__calloc(ctx, net->hlen, sizeof(double), "activations") : NULL;
    net->d0 = net->h ? fal__calloc(ctx, dl, sizeof(double), "deltas") : NULL;
    net->d1 = net->d0 ? fal__calloc(ctx, dl, sizeof(double), "deltas") : NULL;
    if (!net->d1) goto nomem;
    if (fa) {
        net->b = fal__calloc(ctx, net->wlen, sizeof(double), "feedback weights");
        if (!net->b) goto nomem;
    }
    return FAL_OK;
nomem:
    fal__dlin_free(net);
    return FAL_ENOMEM;
}

fal_status fal__dlin_new(fal_ctx *ctx, const fal_arch *a, fal_field f, size_t kmax, int fa, fal__dlin *net)
{
    return dlin_new(ctx, a, f, kmax, fa, 0, net);
}

fal_status fal__dlin32_new(fal_ctx *ctx, const fal_arch *a, size_t kmax, fal__dlin *net)
{
    return dlin_new(ctx, a, FAL_REAL, kmax, 0, 1, net);
}

void fal__dlin_free(fal__dlin *net)
{
    fal_ctx *ctx = net->ctx;
    if (!ctx) return;
    size_t L = net->L, dl = net->nmax * net->kmax * net->per;
    fal__free(ctx, net->b, net->wlen * sizeof(double));
    fal__free(ctx, net->d1, dl * sizeof(double));
    fal__free(ctx, net->d0, dl * sizeof(double));
    fal__free(ctx, net->h, net->hlen * sizeof(double));
    fal__free(ctx, net->w, net->wlen * sizeof(double));
    fal__free(ctx, net->d1_32, dl * sizeof(float));
    fal__free(ctx, net->d0_32, dl * sizeof(float));
    fal__free(ctx, net->h32, net->hlen * sizeof(float));
    fal__free(ctx, net->w32, net->wlen * sizeof(float));
    fal__free(ctx, net->hoff, (L + 1) * sizeof(size_t));
    fal__free(ctx, net->woff, (L + 1) * sizeof(size_t));
    fal__free(ctx, net->n, (L + 1) * sizeof(size_t));
    memset(net, 0, sizeof *net);
}

const double *fal__dlin_forward(fal__dlin *net, const double *X, size_t k)
{
    memcpy(net->h, X, net->n[0] * k * net->per * sizeof(double));
    for (size_t i = 1; i <= net->L; i++)
        /* H_i [n_i x k] = W_i [n_i x n_{i-1}] H_{i-1} [n_{i-1} x k] */
        fal__gemm(net->f, 0, 0, net->n[i], k, net->n[i - 1], 1.0, fal__dlin_W(net, i), net->n[i],
                  net->h + net->hoff[i - 1], net->n[i - 1], 0.0, net->h + net->hoff[i], net->n[i]);
    return net->h + net->hoff[net->L];
}

double fal__dlin_half_sq(const fal__dlin *net, const double *T, size_t k)
{
    return 0.5 * fal__sumsq_diff(net->f, net->h + net->hoff[net->L], T, net->n[net->L] * k);
}

void fal__dlin_backward(fal__dlin *net, const double *T, size_t k, double lr, double *G)
{
    size_t L = net->L, len = net->n[L] * k * net->per;
    const double *Y = net->h + net->hoff[L];
    double *D = net->d0, *Dn = net->d1, inv = 1.0 / (double)k;
    for (size_t j = 0; j < len; j++) D[j] = (Y[j] - T[j]) * inv; /* D_L = (Y - T)/k */
    for (size_t i = L; i >= 1; i--) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double *W = fal__dlin_W(net, i);
        if (i > 1) {
            /* D_{i-1} [np x k] = M^H [np x ni] D_i, M = W_i (gd) or B_i (fa), before W_i moves */
            const double *M = net->b ? net->b + net->woff[i] : W;
            fal__gemm(net->f, 1, 0, np, k, ni, 1.0, M, ni, D, ni, 0.0, Dn, np);
        }
        /* G_i [ni x np] = D_i H_{i-1}^H; either stored or applied as W_i -= lr G_i */
        const double *H = net->h + net->hoff[i - 1];
        if (G) fal__gemm(net->f, 0, 1, ni, np, k, 1.0, D, ni, H, np, 0.0, G + net->woff[i], ni);
        else fal__gemm(net->f, 0, 1, ni, np, k, -lr, D, ni, H, np, 1.0, W, ni);
        double *t = D;
        D = Dn;
        Dn = t;
    }
}

/* ---- single precision ---------------------------------------------------
 * The same forward and backward as above, real and GD only, on the float
 * blocks and through fal__sgemm.  Only the step exists in float: training
 * loops and measuring stay in double. */

const float *fal__dlin32_forward(fal__dlin *net, const float *X, size_t k)
{
    memcpy(net->h32, X, net->n[0] * k * sizeof(float));
    for (size_t i = 1; i <= net->L; i++)
        fal__sgemm(0, 0, net->n[i], k, net->n[i - 1], 1.0f, fal__dlin32_W(net, i), net->n[i],
                   net->h32 + net->hoff[i - 1], net->n[i - 1], 0.0f, net->h32 + net->hoff[i], net->n[i]);
    return net->h32 + net->hoff[net->L];
}

double fal__dlin32_half_sq(const fal__dlin *net, const float *T, size_t k)
{
    const float *Y = net->h32 + net->hoff[net->L];
    double s = 0;
    for (size_t j = 0; j < net->n[net->L] * k; j++) {
        double d = (double)Y[j] - (double)T[j];
        s += d * d;
    }
    return 0.5 * s;
}

void fal__dlin32_backward(fal__dlin *net, const float *T, size_t k, float lr, float *G)
{
    size_t L = net->L, len = net->n[L] * k;
    const float *Y = net->h32 + net->hoff[L];
    float *D = net->d0_32, *Dn = net->d1_32, inv = 1.0f / (float)k;
    for (size_t j = 0; j < len; j++) D[j] = (Y[j] - T[j]) * inv;
    for (size_t i = L; i >= 1; i--) {
        size_t ni = net->n[i], np = net->n[i - 1];
        float *W = fal__dlin32_W(net, i);
        if (i > 1) fal__sgemm(1, 0, np, k, ni, 1.0f, W, ni, D, ni, 0.0f, Dn, np); /* before W_i moves */
        const float *H = net->h32 + net->hoff[i - 1];
        if (G) fal__sgemm(0, 1, ni, np, k, 1.0f, D, ni, H, np, 0.0f, G + net->woff[i], ni);
        else fal__sgemm(0, 1, ni, np, k, -lr, D, ni, H, np, 1.0f, W, ni);
        float *t = D;
        D = Dn;
        Dn = t;
    }
}

fal_status fal__dlin_product(const fal__dlin *net, double *P)
{
    size_t n0 = net->n[0], per = net->per, len = 2 * net->nmax * n0 * per;
    double *scratch = fal__alloc(net->ctx, len * sizeof(double), "product scratch");
    if (!scratch) return FAL_ENOMEM;
    double *cur = scratch, *nxt = scratch + net->nmax * n0 * per;
    memcpy(cur, fal__dlin_W(net, 1), net->n[1] * n0 * per * sizeof(double));
    for (size_t i = 2; i <= net->L; i++) {
        fal__gemm(net->f, 0, 0, net->n[i], n0, net->n[i - 1], 1.0, fal__dlin_W(net, i), net->n[i], cur,
                  net->n[i - 1], 0.0, nxt, net->n[i]);
        double *t = cur;
        cur = nxt;
        nxt = t;
    }
    memcpy(P, cur, net->n[net->L] * n0 * per * sizeof(double));
    fal__free(net->ctx, scratch, len * sizeof(double));
    return FAL_OK;
}

double fal__gram_lmax(fal_field f, const double *X, size_t n, size_t k, double *v, double *y)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    memset(v, 0, n * per * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i * per] = 1.0 / sqrt((double)n) * (1.0 + 0.1 * (double)(i % 7));
    double lam = 0;
    for (int it = 0; it < 50; it++) {
        double nv = sqrt(fal__sumsq(f, v, n));
        if (nv == 0) return 0;
        for (size_t i = 0; i < n * per; i++) v[i] /= nv;
        fal__gemm(f, 1, 0, k, 1, n, 1.0, X, n, v, n, 0.0, y, k);              /* y = X^H v */
        fal__gemm(f, 0, 0, n, 1, k, 1.0 / (double)k, X, n, y, k, 0.0, v, n); /* v = X y / k */
        lam = sqrt(fal__sumsq(f, v, n));
    }
    return lam;
}

/* ---- compression of the examples -------------------------------------- */

size_t fal__dlin_compress_bytes(fal_field f, size_t n0, size_t nL, size_t k, int autoenc)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    /* the factored copy of X, tau, T's copy (not for an autoencoder), the outputs */
    size_t d = fal__sadd(fal__sadd(fal__smul(n0, k), n0), fal__smul(n0, n0));
    if (!autoenc) d = fal__sadd(d, fal__smul(nL, fal__sadd(k, n0)));
    return fal__smul(fal__smul(d, per), sizeof(double));
}

void fal__dlin_compress_free(fal_ctx *ctx, fal_field f, size_t n0, size_t nL, double *Xc, double *Tc)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    if (Tc && Tc != Xc) fal__free(ctx, Tc, nL * n0 * per * sizeof(double));
    fal__free(ctx, Xc, n0 * n0 * per * sizeof(double));
}

fal_status fal__dlin_compress(fal_ctx *ctx, fal_field f, size_t n0, size_t nL, size_t k, const double *X,
                              const double *T, double **Xc, double **Tc, double *c0)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1, xl = n0 * k * per, tl = T ? nL * k * per : 0;
    *Xc = *Tc = NULL;
    *c0 = 0;
    if (k <= n0) return fal__fail(ctx, FAL_EINTERNAL, "compression needs more examples than inputs");
    double *A = fal__alloc(ctx, xl * sizeof(double), "LQ copy of the inputs");
    double *tau = A ? fal__alloc(ctx, n0 * per * sizeof(double), "LQ reflectors") : NULL;
    double *C = tau && T ? fal__alloc(ctx, tl * sizeof(double), "rotated targets") : NULL;
    double *L = tau && (C || !T) ? fal__calloc(ctx, n0 * n0 * per, sizeof(double), "compressed inputs") : NULL;
    double *Tq = L && T ? fal__alloc(ctx, nL * n0 * per * sizeof(double), "compressed targets") : NULL;
    fal_status st = L && (Tq || !T) ? FAL_OK : FAL_ENOMEM;
    lapack_int info = 0, N0 = (lapack_int)n0, K = (lapack_int)k, NL = (lapack_int)nL;
    if (st == FAL_OK) {
        memcpy(A, X, xl * sizeof(double));
        if (T) memcpy(C, T, tl * sizeof(double));
        if (f == FAL_REAL) {
            info = LAPACKE_dgelqf(LAPACK_COL_MAJOR, N0, K, A, N0, tau);
            /* C <- C Q^T: its first n0 columns are T Q1^T, the rest T's part outside row(X) */
            if (!info && T) info = LAPACKE_dormlq(LAPACK_COL_MAJOR, 'R', 'T', NL, K, N0, A, N0, tau, C, NL);
        } else {
            lapack_complex_double *Ac = (lapack_complex_double *)A, *tc = (lapack_complex_double *)tau;
            info = LAPACKE_zgelqf(LAPACK_COL_MAJOR, N0, K, Ac, N0, tc);
            if (!info && T)
                info = LAPACKE_zunmlq(LAPACK_COL_MAJOR, 'R', 'C', NL, K, N0, Ac, N0, tc, (lapack_complex_double *)C, NL);
        }
        if (info) st = fal__fail(ctx, FAL_EINTERNAL, "LQ factorisation of the examples failed (LAPACK info %d)", (int)info);
    }
    if (st == FAL_OK) {
        double s = sqrt((double)n0 / (double)k);
        for (size_t j = 0; j < n0; j++) /* the lower triangle of A's first n0 columns */
            for (size_t i = j; i < n0; i++)
                for (size_t p = 0; p < per; p++) L[(i + j * n0) * per + p] = s * A[(i + j * n0) * per + p];
        if (T) {
            for (size_t q = 0; q < nL * n0 * per; q++) Tq[q] = s * C[q];
            *c0 = (double)n0 / (double)k * fal__sumsq(f, C + nL * n0 * per, nL * (k - n0));
        }
        *Xc = L;
        *Tc = T ? Tq : L;
    } else {
        fal__free(ctx, Tq, nL * n0 * per * sizeof(double));
        fal__free(ctx, L, n0 * n0 * per * sizeof(double));
    }
    fal__free(ctx, C, tl * sizeof(double));
    fal__free(ctx, tau, n0 * per * sizeof(double));
    fal__free(ctx, A, xl * sizeof(double));
    return st;
}

fal_status fal__dlin_whiten(fal_ctx *ctx, fal_field f, size_t n0, size_t k, const double *X, double **Z, double **M)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1, mn = n0 < k ? n0 : k, xl = n0 * k * per;
    *Z = *M = NULL;
    double *A = fal__alloc(ctx, xl * sizeof(double), "SVD copy of the inputs");
    double *U = A ? fal__alloc(ctx, n0 * n0 * per * sizeof(double), "left singular vectors") : NULL;
    double *Vt = U ? fal__alloc(ctx, mn * k * per * sizeof(double), "right singular vectors") : NULL;
    double *sv = Vt ? fal__alloc(ctx, (2 * mn + 1) * sizeof(double), "singular values") : NULL;
    double *z = sv ? fal__calloc(ctx, xl, sizeof(double), "whitened inputs") : NULL;
    double *m = z ? fal__calloc(ctx, n0 * n0 * per, sizeof(double), "whitening map") : NULL;
    fal_status st = m ? FAL_OK : FAL_ENOMEM;
    if (st == FAL_OK) {
        memcpy(A, X, xl * sizeof(double));
        lapack_int info, N0 = (lapack_int)n0, K = (lapack_int)k, MN = (lapack_int)mn;
        if (f == FAL_REAL)
            info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', N0, K, A, N0, sv, U, N0, Vt, MN, sv + mn);
        else
            info = LAPACKE_zgesvd(LAPACK_COL_MAJOR, 'S', 'S', N0, K, (lapack_complex_double *)A, N0, sv,
                                  (lapack_complex_double *)U, N0, (lapack_complex_double *)Vt, MN, sv + mn);
        if (info)
            st = fal__fail(ctx, info < 0 ? FAL_EINTERNAL : FAL_ERANGE, "SVD of the examples failed (LAPACK info %d)",
                           (int)info);
    }
    if (st == FAL_OK) {
        /* the numerical rank: singular values above n eps s_max */
        size_t r = 0;
        while (r < mn && sv[r] > (double)(n0 > k ? n0 : k) * 2.3e-16 * sv[0]) r++;
        double rk = sqrt((double)k);
        /* Z = sqrt(k) U_r V_r^H; M = sqrt(k) U_r S_r^-1 U_r^H; scale U_r's columns in A's room */
        fal__gemm(f, 0, 0, n0, k, r, rk, U, n0, Vt, mn, 0.0, z, n0);
        memcpy(A, U, n0 * r * per * sizeof(double));
        for (size_t q = 0; q < r; q++)
            for (size_t i = 0; i < n0 * per; i++) A[q * n0 * per + i] /= sv[q];
        /* plus I - U_r U_r^H: what the data do not see keeps its start */
        fal__eye(f, n0, n0, m);
        if (r) fal__gemm(f, 0, 1, n0, n0, r, -1.0, U, n0, U, n0, 1.0, m, n0);
        if (r) fal__gemm(f, 0, 1, n0, n0, r, rk, A, n0, U, n0, 1.0, m, n0);
        *Z = z;
        *M = m;
    } else {
        fal__free(ctx, m, n0 * n0 * per * sizeof(double));
        fal__free(ctx, z, xl * sizeof(double));
    }
    fal__free(ctx, sv, (2 * mn + 1) * sizeof(double));
    fal__free(ctx, Vt, mn * k * per * sizeof(double));
    fal__free(ctx, U, n0 * n0 * per * sizeof(double));
    fal__free(ctx, A, xl * sizeof(double));
    return st;
}

fal_status fal__dlin_unwhiten(fal__dlin *net, const double *M)
{
    size_t n1 = net->n[1], n0 = net->n[0], len = n1 * n0 * net->per;
    double *W = fal__alloc(net->ctx, len * sizeof(double), "first layer");
    if (!W) return FAL_ENOMEM;
    memcpy(W, fal__dlin_W(net, 1), len * sizeof(double));
    fal__gemm(net->f, 0, 0, n1, n0, n0, 1.0, W, n1, M, n0, 0.0, fal__dlin_W(net, 1), n1);
    fal__free(net->ctx, W, len * sizeof(double));
    return FAL_OK;
}

/* ---- training ------------------------------------------------------------ */

/* One warm-started power iteration per layer on W_i^H W_i: sig2[i] becomes an
 * estimate (from below) of ||W_i||_2^2 and v (the concatenated unit vectors,
 * n_{i-1} values for layer i) moves towards the top right singular vectors.
 * u is scratch of nmax values. */
static void layer_norms(const fal__dlin *net, double *v, double *u, double *sig2, int iters)
{
    size_t off = 0, per = net->per;
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double *vi = v + off;
        const double *W = fal__dlin_W(net, i);
        double s = 0;
        for (int it = 0; it < iters; it++) {
            fal__gemm(net->f, 0, 0, ni, 1, np, 1.0, W, ni, vi, np, 0.0, u, ni); /* u = W v */
            fal__gemm(net->f, 1, 0, np, 1, ni, 1.0, W, ni, u, ni, 0.0, vi, np); /* v = W^H u */
            s = sqrt(fal__sumsq(net->f, vi, np));
            if (!(s > 0) || !isfinite(s)) {
                /* a zero layer (or a non-finite one): restart from a fixed vector */
                for (size_t q = 0; q < np * per; q++) vi[q] = q % per ? 0 : 1.0 / sqrt((double)np);
                break;
            }
            for (size_t q = 0; q < np * per; q++) vi[q] /= s;
        }
        sig2[i] = s; /* ||W^H W v|| for a unit v: a lower bound of ||W||_2^2, tight at the top vector */
        off += np * per;
    }
}

/* Lhat / lambda_max = sum_i prod_{j != i} sig2_j, by prefix and suffix
 * products (pre and suf hold L + 2 values). */
static double curvature_factor(size_t L, const double *sig2, double *pre, double *suf)
{
    pre[0] = 1;
    for (size_t i = 1; i <= L; i++) pre[i] = pre[i - 1] * sig2[i];
    suf[L + 1] = 1;
    for (size_t i = L; i >= 1; i--) suf[i] = suf[i + 1] * sig2[i];
    double c = 0;
    for (size_t i = 1; i <= L; i++) c += pre[i - 1] * suf[i + 1];
    return c;
}

/* Whether training stops after s steps at relative error err: converged
 * (st unchanged), or not (st = FAL_ENOCONV and *note says why: diverged,
 * the step limit, or no progress, `stalled`).  Both trainers stop alike. */
static int train_stop(double err, double opt_err, double tol, uint64_t s, uint64_t max_steps, int stalled,
                      const char **note, fal_status *st)
{
    if (!isfinite(err))
        *note = "diverged: the loss became infinite or NaN (learning rate too large?)";
    else if (fal__dlin_converged(err, opt_err, tol))
        return 1;
    else if (s >= max_steps)
        *note = "step limit reached";
    else if (stalled)
        *note = "the excess over the optimum stopped shrinking for 10000 steps";
    else
        return 0;
    *st = FAL_ENOCONV;
    return 1;
}

/* Feedback alignment: not a gradient, so no descent guarantee and no
 * curvature bound; the rate starts at 0.5 / (L lambda_max) and follows the
 * "bold driver" (x1.02 after a step that lowered the loss, x0.5 after one
 * that raised it, capped at 64 x the start). */
static fal_status train_fa(fal__dlin *net, const double *X, const double *T, size_t k, double c0, double opt_err,
                           double tol, double lr0, uint64_t max_steps, uint64_t *steps, double *final_err,
                           const char **note, fal_result *curve_res)
{
    size_t L = net->L, n0 = net->n[0], nL = net->n[L];
    double tt = fal__sumsq(net->f, T, nL * k) + c0;
    double lr = lr0;
    if (!(lr > 0)) {
        double lmax = fal__gram_lmax(net->f, X, n0, k, net->d0, net->d1);
        lr = 0.5 / ((double)L * (lmax > 0 ? lmax : 1.0));
    }
    double lr_max = 64 * lr;
    fal__dlin_forward(net, X, k);
    double err = tt > 0 ? (2 * fal__dlin_half_sq(net, T, k) + c0) / tt : 0;
    double best = err - opt_err;
    uint64_t since_best = 0, s = 0;
    *note = NULL;
    fal_status st = FAL_OK;
    for (;;) {
        fal__curve_add(curve_res, s, err); /* err after s steps */
        fal__progress(net->ctx, "train", s, max_steps, err, 0);
        if (train_stop(err, opt_err, tol, s, max_steps, since_best >= 10000, note, &st)) break;
        fal__dlin_backward(net, T, k, lr, NULL);
        fal__dlin_forward(net, X, k);
        double e2 = tt > 0 ? (2 * fal__dlin_half_sq(net, T, k) + c0) / tt : 0;
        if (lr0 <= 0) {
            if (e2 > err) lr *= 0.5;
            else if (lr * 1.02 <= lr_max) lr *= 1.02;
        }
        err = e2;
        if (err - opt_err < best * (1 - 1e-3)) {
            best = err - opt_err;
            since_best = 0;
        } else {
            since_best++;
        }
        s++;
    }
    *steps = s;
    *final_err = err;
    return st;
}

fal_status fal__dlin_train(fal__dlin *net, const double *X, const double *T, size_t k, double c0, double opt_err,
                           double tol, double lr0, int momentum, uint64_t max_steps, uint64_t *steps,
                           double *final_err, const char **note, fal_result *curve_res)
{
    if (net->b)
        return train_fa(net, X, T, k, c0, opt_err, tol, lr0, max_steps, steps, final_err, note, curve_res);
    fal_ctx *ctx = net->ctx;
    size_t L = net->L, n0 = net->n[0], nL = net->n[L], per = net->per, wl = net->wlen;
    size_t vlen = 0;
    for (size_t i = 1; i <= L; i++) vlen += net->n[i - 1] * per;
    /* the previous and the current iterate; the power iteration's vectors,
     * scratch and per-layer norms; the prefix and suffix products */
    size_t len = 2 * wl + vlen + net->nmax * per + 3 * (L + 2);
    double *buf = fal__alloc(ctx, len * sizeof(double), "training state");
    if (!buf) return FAL_ENOMEM;
    double *wprev = buf, *wcur = wprev + wl, *v = wcur + wl, *u = v + vlen, *sig2 = u + net->nmax * per;
    double *pre = sig2 + L + 2, *suf = pre + L + 2;
    memcpy(wprev, net->w, wl * sizeof(double));
    for (size_t q = 0, off = 0; q < L; q++) {
        size_t np = net->n[q];
        for (size_t j = 0; j < np * per; j++) v[off + j] = j % per ? 0 : (1.0 + 0.1 * (double)(j % 7)) / sqrt((double)np);
        off += np * per;
    }
    double tt = fal__sumsq(net->f, T, nL * k) + c0;
    double lmax = 0, eta = 1.0;
    if (!(lr0 > 0)) {
        lmax = fal__gram_lmax(net->f, X, n0, k, net->d0, net->d1);
        if (!(lmax > 0)) lmax = 1.0;
        layer_norms(net, v, u, sig2, 30);
    }
    fal__dlin_forward(net, X, k);
    double err = tt > 0 ? (2 * fal__dlin_half_sq(net, T, k) + c0) / tt : 0;
    double best = err - opt_err;
    uint64_t since_best = 0, s = 0, t = 0; /* t: steps since the momentum (re)started */
    int fresh = 1;                          /* the activations are those of net->w */
    *note = NULL;
    fal_status st = FAL_OK;
    for (;;) {
        fal__curve_add(curve_res, s, err); /* err after s steps */
        fal__progress(net->ctx, "train", s, max_steps, err, 0);
        if (train_stop(err, opt_err, tol, s, max_steps, since_best >= 10000 || eta < 1e-20, note, &st)) break;
        double lr = lr0;
        if (!(lr0 > 0)) {
            layer_norms(net, v, u, sig2, 1);
            double c = curvature_factor(L, sig2, pre, suf);
            if (!(c > 0) || !isfinite(c)) c = (double)L;
            lr = eta / (lmax * c);
        }
        /* Nesterov: the gradient is taken at y = w + beta (w - w_prev),
         * beta = t / (t + 3) (the (k - 1)/(k + 2) of Nesterov's sequence) */
        double beta = momentum ? (double)t / (double)(t + 3) : 0.0;
        memcpy(wcur, net->w, wl * sizeof(double));
        if (beta > 0) {
            for (size_t q = 0; q < wl; q++) net->w[q] += beta * (wcur[q] - wprev[q]);
            fal__dlin_forward(net, X, k);
        } else if (!fresh) {
            fal__dlin_forward(net, X, k);
        }
        fal__dlin_backward(net, T, k, lr, NULL);
        fal__dlin_forward(net, X, k);
        fresh = 1;
        double e2 = tt > 0 ? (2 * fal__dlin_half_sq(net, T, k) + c0) / tt : 0;
        s++;
        if (e2 > err && (beta > 0 || !(lr0 > 0))) {
            /* not a descent: back to w; restart the momentum, or, if the
             * plain step rose, halve the step */
            memcpy(net->w, wcur, wl * sizeof(double));
            fresh = 0;
            if (beta > 0) t = 0;
            else eta *= 0.5;
            since_best++;
            continue;
        }
        memcpy(wprev, wcur, wl * sizeof(double));
        err = e2;
        t++;
        /* the curvature bound is a worst case (a sum over the layers of
         * products of spectral norms): on a deep net it is far above the
         * real curvature (near-identity layers of norm 1.01 give 1.01^2L),
         * so a step that descended lets the rate grow by 2%; a rise halves
         * it (above) */
        if (!(lr0 > 0) && eta < 1e300) eta *= 1.02;
        if (err - opt_err < best * (1 - 1e-3)) {
            best = err - opt_err;
            since_best = 0;
        } else {
            since_best++;
        }
    }
    if (!fresh) fal__dlin_forward(net, X, k);
    *steps = s;
    *final_err = err;
    fal__free(ctx, buf, len * sizeof(double));
    return st;
}

fal_status fal__dlin_fit(fal__dlin *net, const double *X, const double *T, size_t k, double c0, double opt_err,
                         double tol, double lr0, int nesterov, uint64_t max_steps, uint64_t *steps,
                         double *final_err, const char **note, fal_result *curve_res)
{
    fal_ctx *ctx = net->ctx;
    size_t n0 = net->n[0];
    double *Z = NULL, *M = NULL;
    fal_status st = nesterov ? fal__dlin_whiten(ctx, net->f, n0, k, X, &Z, &M) : FAL_OK;
    if (st == FAL_OK)
        st = fal__dlin_train(net, Z ? Z : X, T, k, c0, opt_err, tol, lr0, nesterov, max_steps, steps, final_err,
                             note, curve_res);
    if (M && (st == FAL_OK || st == FAL_ENOCONV)) {
        fal_status s0 = fal__dlin_unwhiten(net, M);
        if (s0 != FAL_OK) st = s0;
    }
    fal__free(ctx, M, n0 * n0 * net->per * sizeof(double));
    fal__free(ctx, Z, n0 * k * net->per * sizeof(double));
    return st;
}

/* ---- starts ------------------------------------------------------------ */

/* W_i = E_i + sigma G for every layer of the block w (layout of net). */
void fal__dlin_init_near_identity(fal__dlin *net, double *w, fal_rng *r)
{
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1], len = ni * np;
        double *W = w + net->woff[i];
        double sigma = 0.01 / sqrt((double)(ni > np ? ni : np));
        fal__eye(net->f, ni, np, W);
        for (size_t j = 0; j < len * net->per; j++) W[j] += sigma * fal_rng_normal(r);
    }
}

/* A random partial isometry in every layer of w; mirrored layers share
 * their transposes when the architecture is a palindrome. */
fal_status fal__dlin_init_isometries(fal_ctx *ctx, fal__dlin *net, double *w, fal_rng *r)
{
    size_t L = net->L, per = net->per;
    int pal = 1;
    for (size_t i = 0; i <= L; i++) pal &= net->n[i] == net->n[L - i];
    for (size_t i = 1; i <= L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double *W = w + net->woff[i];
        if (pal && 2 * i > L) {
            /* W_i = W_{L+1-i}^H */
            const double *M = w + net->woff[L + 1 - i];
            for (size_t a = 0; a < ni; a++)
                for (size_t b = 0; b < np; b++) {
                    W[(a + b * ni) * per] = M[(b + a * np) * per];
                    if (per == 2) W[(a + b * ni) * per + 1] = -M[(b + a * np) * per + 1];
                }
            continue;
        }
        fal_status st;
        if (ni >= np) {
            st = fal__random_orthonormal(ctx, r, net->f, ni, np, W); /* orthonormal columns */
        } else {
            /* orthonormal rows: the conjugate transpose of an np x ni basis */
            double *Q = fal__alloc(ctx, ni * np * per * sizeof(double), "isometry");
            if (!Q) return FAL_ENOMEM;
            st = fal__random_orthonormal(ctx, r, net->f, np, ni, Q);
            for (size_t a = 0; a < ni && st == FAL_OK; a++)
                for (size_t b = 0; b < np; b++) {
                    W[(a + b * ni) * per] = Q[(b + a * np) * per];
                    if (per == 2) W[(a + b * ni) * per + 1] = -Q[(b + a * np) * per + 1];
                }
            fal__free(ctx, Q, ni * np * per * sizeof(double));
        }
        if (st != FAL_OK) return st;
    }
    return FAL_OK;
}

