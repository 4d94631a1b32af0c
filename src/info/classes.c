/* classes.c -- I1: equivalence classes, Jacobian ranks, examples needed.
 *
 * Continuous families (L1, L2, L3, L4) are deep linear networks
 * y = W_L ... W_1 x.  At a generic parameter point (the family's start plus
 * noise) the Jacobian J of parameters -> outputs on probe inputs
 * x_1..x_k has rows (j, a) (probe j, output a) and columns (i, p, q)
 * (entry W_i[p, q]):
 *   J[(j,a), (i,p,q)] = S_i[a, p] H_{i-1}[q, j],
 * S_i = W_L ... W_{i+1} (nL x n_i), H_{i-1} = W_{i-1} ... W_1 X.  Its rank
 * is the dimension of the function manifold near that point.  The map is
 * linear in x, so probes beyond n0 add no rank: n0 generic probes suffice.
 *
 * Two ways to the rank, checked against each other in the tests:
 *  - "svd": J formed explicitly, singular values from LAPACK (gesvd); used
 *    while J has at most 2^24 entries;
 *  - "gram": J J^H = sum_i (S_i S_i^H) (x) conj(H_{i-1}^H H_{i-1}) (a
 *    Kronecker sum over layers, size k nL, never forming J), eigenvalues
 *    from LAPACK (syevd/heevd); sigma = sqrt(lambda).  This is what makes
 *    w = 10^5 and beyond take seconds.
 * A singular value counts when it exceeds tol x the largest (tol = 1e-6;
 * the Gram route resolves ~1e-8 relative, the SVD ~1e-15); the smallest
 * counted and the largest uncounted are reported so the gap can be read.
 * Rows are ordered probe-major, so the Jacobian on the first k probes is
 * the leading block: k_min is found by bisection on k.
 * Over C the network is holomorphic in its weights: ranks are complex
 * dimensions.
 *
 * Discrete families: closed forms (N1, N5: e = 2; N3 without bottleneck:
 * log2 e = nL 2^n0, every table bit a setting).  One threshold gate of n
 * inputs ("threshold-gate", --widths n,1): the linearly separable Boolean
 * functions, counted by enumerating integer weight vectors in [-B, B] until
 * the count repeats for two successive B (n <= 5; the test checks the
 * known sequence 2, 4, 14, 104, 1882, 94572). */
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../core/internal.h"
#include "../core/linalg.h"
#include "../kern/kern.h"
#include "../kern/bits.h"
#include "../nets/hamming.h"
#include "kmin.h"
#include "../kern/ptf.h"
#include "walks.h"
#include "mlp_rank.h"
#include "../train/deep_linear.h"

#define RANK_TOL 1e-6
#define SVD_MAX_ENTRIES ((size_t)1 << 24)

/* ---- the generic point ---------------------------------------------------- */

typedef struct point {
    fal__dlin net;
    double *X;      /* n0 x k probes */
    size_t k;
    fal_field f;
    fal_arch *own;  /* the family default architecture, when cfg->arch is NULL */
} point;

static void point_free(fal_ctx *ctx, point *p)
{
    size_t per = p->f == FAL_COMPLEX ? 2 : 1;
    if (p->net.ctx) fal__free(ctx, p->X, p->net.n[0] * p->k * per * sizeof(double));
    fal__dlin_free(&p->net);
    fal_arch_free(p->own);
    memset(p, 0, sizeof *p);
}

static int is_continuous(const char *name)
{
    return !strcmp(name, "linear-chain") || !strcmp(name, "linear") || !strcmp(name, "linear-ae");
}

/* The architecture the family would use, checked the way the family checks it. */
static fal_status family_arch(fal_ctx *ctx, const fal_config *cfg, point *p, const fal_arch **out)
{
    const char *name = cfg->family->name;
    const fal_arch *a = cfg->arch;
    if (!a) {
        fal_status st;
        if (!strcmp(name, "linear-chain")) st = fal_arch_uniform(ctx, 1000, 1, &p->own);
        else if (!strcmp(name, "linear")) st = fal_arch_uniform(ctx, 50, 16, &p->own);
        else st = fal_arch_parse(ctx, "20,3,20", &p->own);
        if (st != FAL_OK) return st;
        a = p->own;
    }
    uint64_t L = fal_arch_depth(a);
    if (!strcmp(name, "linear-chain")) {
        if (L > 1000000) return fal__fail(ctx, FAL_EINVAL, "classes: linear-chain above depth 10^6 refused");
        for (uint64_t i = 0; i <= L; i++)
            if (fal_arch_width(a, i) != 1) return fal__fail(ctx, FAL_EINVAL, "linear-chain needs every width = 1");
    }
    if (!strcmp(name, "linear-ae") &&
        (fal_arch_width(a, L) != fal_arch_width(a, 0) || L < 2 || fal_arch_min_hidden(a) >= fal_arch_width(a, 0)))
        return fal__fail(ctx, FAL_EINVAL, "linear-ae needs A(n, .., m, .., n) with m < n");
    *out = a;
    return FAL_OK;
}

static size_t smax(size_t a, size_t b) { return a > b ? a : b; }

/* Does the rank at k probes use the explicit Jacobian (rows x w entries)? */
static int use_svd(int method, size_t rows, uint64_t w)
{
    return method == 1 || (method == 0 && fal__smul(rows, w > SIZE_MAX ? SIZE_MAX : (size_t)w) <= SVD_MAX_ENTRIES);
}

/* Bytes rank_at takes at k probes (jacobian_sv's blocks and the singular
 * values; LAPACK's own workspace aside), saturating. */
static size_t rank_bytes(size_t k, int method, size_t nL, size_t nmax, uint64_t w, size_t per)
{
    size_t rows = fal__smul(k, nL), ww = w > SIZE_MAX ? SIZE_MAX : (size_t)w;
    size_t b = fal__sadd(smax(rows, 1), fal__smul(fal__smul(fal__smul(nL, nmax), 2), per)); /* singular values, suffix products */
    if (use_svd(method, rows, w)) /* J, the SVD's copy of it */
        b = fal__sadd(b, fal__sadd(fal__smul(fal__smul(fal__smul(rows, ww), per), 2), smax(1, rows < ww ? rows : ww)));
    else /* the Gram matrix, S S^H, H^H H */
        b = fal__sadd(b, fal__smul(fal__sadd(fal__smul(rows, rows), fal__sadd(fal__smul(nL, nL), fal__smul(k, k))), per));
    return fal__smul(b, sizeof(double));
}

/* `classes --params`: the point is the given one.  W_i (row-major
 * n_i x n_{i-1}, as fal_run_params hands it out) goes into the network's
 * column-major layer; linear-chain's vector w holds its L scalar layers. */
static fal_status point_at(fal_ctx *ctx, const fal_config *cfg, point *p)
{
    fal__dlin *net = &p->net;
    const fal_params *at = cfg->at;
    const fal_array *w = fal_params_find(at, "w");
    if (w && !fal_params_find(at, "W1")) {
        if (net->wlen != net->L || w->rank != 1 || w->shape[0] != net->L || w->dtype != FAL_DT_F8)
            return fal__fail(ctx, FAL_EINVAL, "--params: 'w' has %zu values; the chain has %zu layers of width 1",
                             w->rank == 1 ? w->shape[0] : 0, net->L);
        for (size_t i = 1; i <= net->L; i++) fal__dlin_W(net, i)[0] = w->v[i - 1];
        return FAL_OK;
    }
    fal_dtype want = net->f == FAL_COMPLEX ? FAL_DT_C16 : FAL_DT_F8;
    for (size_t i = 1; i <= net->L; i++) {
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "W%zu", i);
        const fal_array *a = fal_params_find(at, name);
        if (!a)
            return fal__fail(ctx, FAL_EINVAL, "--params: no array '%s' (the architecture has %zu layers: W1..W%zu)",
                             name, net->L, net->L);
        size_t r = net->n[i], c = net->n[i - 1];
        if (a->rank != 2 || a->shape[0] != r || a->shape[1] != c)
            return fal__fail(ctx, FAL_EINVAL, "--params: %s has shape (%zu, %zu); the architecture needs (%zu, %zu)",
                             name, a->rank == 2 ? a->shape[0] : 0, a->rank == 2 ? a->shape[1] : 0, r, c);
        if (a->dtype != want)
            return fal__fail(ctx, FAL_EINVAL, "--params: %s is %s; this analysis is over the %s field", name,
                             a->dtype == FAL_DT_C16 ? "complex" : "real", want == FAL_DT_C16 ? "complex" : "real");
        double *W = fal__dlin_W(net, i);
        size_t per = net->per;
        for (size_t q = 0; q < r; q++)
            for (size_t j = 0; j < c; j++)
                for (size_t e = 0; e < per; e++) W[(j * r + q) * per + e] = a->v[(q * c + j) * per + e];
    }
    char extra[FAL_ARRAY_NAME];
    snprintf(extra, sizeof extra, "W%zu", net->L + 1);
    if (fal_params_find(at, extra))
        return fal__fail(ctx, FAL_EINVAL, "--params: has %s but the architecture has %zu layers", extra, net->L);
    return FAL_OK;
}

/* The family's start plus noise (a generic point of the parameter space),
 * and n0 Gaussian probes.  rank_k > 0: the ranks at 1..rank_k probes (at
 * most n0) will be taken with method; walk: a class walk will follow.
 * Their memory is budgeted with the point's before anything is allocated. */
static fal_status point_new(fal_ctx *ctx, const fal_config *cfg, point *p, size_t rank_k, int method, int walk)
{
    memset(p, 0, sizeof *p);
    const fal_arch *a = NULL;
    fal_status st = family_arch(ctx, cfg, p, &a);
    if (st != FAL_OK) return st;
    p->f = strcmp(cfg->family->name, "linear-ae") == 0 ? cfg->field : FAL_REAL;
    size_t n0 = fal_arch_width(a, 0), per = p->f == FAL_COMPLEX ? 2 : 1;
    p->k = n0;
    {
        uint64_t L = fal_arch_depth(a), w = 0;
        size_t nL = fal_arch_width(a, L), nmax = 0, net = 0;
        for (uint64_t i = 0; i <= (fal_arch_is_uniform(a) ? 0 : L); i++) nmax = smax(nmax, fal_arch_width(a, i));
        /* BLAS and LAPACK dimensions are 32-bit ints */
        if (nmax > INT_MAX || fal__smul(n0, nL) > INT_MAX)
            st = fal__fail(ctx, FAL_EINVAL, "classes: %zu probes x %zu outputs exceed the BLAS/LAPACK limit 2^31 - 1",
                           n0, nL);
        if (st == FAL_OK && fal__dlin_bytes(ctx, a, p->f, n0, 0, &net) != FAL_OK) net = SIZE_MAX;
        if (st == FAL_OK && fal_arch_linear_params(ctx, a, &w) != FAL_OK) w = UINT64_MAX;
        /* the network, the probes, an isometric start's copy and QR workspace */
        size_t need = fal__sadd(net, fal__smul(fal__sadd(fal__smul(n0, n0), fal__sadd(fal__smul(nmax, nmax), nmax)), per * sizeof(double)));
        if (rank_k > n0) rank_k = n0;
        if (st == FAL_OK && rank_k) {
            /* the largest k is the largest Gram; the largest k below the SVD
             * threshold the largest explicit Jacobian */
            size_t r = rank_bytes(rank_k, method, nL, nmax, w, per), ks = 0;
            if (method == 0 && w && w < SIZE_MAX && nL) ks = SVD_MAX_ENTRIES / fal__smul(nL, (size_t)w);
            if (ks > rank_k) ks = rank_k;
            if (ks) r = smax(r, rank_bytes(ks, method, nL, nmax, w, per));
            need = fal__sadd(need, r);
        }
        if (walk) { /* targets, outputs and the start (fal_classes_walk); a move's basis and scratch */
            size_t ww = w > SIZE_MAX ? SIZE_MAX : (size_t)w, y = fal__smul(fal__smul(nL, n0), per);
            size_t mv = fal__sadd(fal__smul(fal__smul(fal__sadd(fal__smul(nmax, nmax), nmax), 3), per), nmax);
            need = fal__sadd(need, fal__smul(fal__sadd(fal__sadd(fal__smul(y, 2), fal__smul(ww, per)), mv), sizeof(double)));
        }
        if (st == FAL_OK && need == SIZE_MAX)
            st = fal__fail(ctx, FAL_ENOMEM, "classes %s needs more than 16 EiB (its size overflows 64 bits)",
                           cfg->family->name);
        char what[64];
        snprintf(what, sizeof what, "classes %s", cfg->family->name);
        if (st == FAL_OK) st = fal__budget(ctx, need, what);
        if (st != FAL_OK) {
            fal_arch_free(p->own);
            p->own = NULL;
            return st;
        }
    }
    st = fal__dlin_new(ctx, a, p->f, p->k, 0, &p->net);
    if (st != FAL_OK) {
        fal_arch_free(p->own);
        p->own = NULL;
        return st;
    }
    fal_rng r;
    fal_rng_seed(&r, cfg->seed ^ 0x636c6173736573ULL);
    size_t L = p->net.L, nL = p->net.n[L], mn = n0 < nL ? n0 : nL;
    int bott = fal_arch_min_hidden(a) < mn;
    if (bott) st = fal__dlin_init_isometries(ctx, &p->net, p->net.w, &r);
    else fal__dlin_init_near_identity(&p->net, p->net.w, &r);
    for (size_t i = 1; i <= L && st == FAL_OK; i++) {
        /* noise of 0.1 / sqrt(fan-in): off any special (balanced, identity) point */
        double s = 0.1 / sqrt((double)p->net.n[i - 1]);
        double *W = fal__dlin_W(&p->net, i);
        for (size_t j = 0; j < p->net.n[i] * p->net.n[i - 1] * per; j++) W[j] += s * fal_rng_normal(&r);
    }
    if (st == FAL_OK && cfg->at) st = point_at(ctx, cfg, p);
    if (st == FAL_OK) {
        p->X = fal__alloc(ctx, n0 * p->k * per * sizeof(double), "probes");
        if (!p->X) st = FAL_ENOMEM;
        else fal__gauss_fill(&r, p->f, p->X, n0 * p->k, 1.0);
    }
    if (st != FAL_OK) point_free(ctx, p);
    else fal__dlin_forward(&p->net, p->X, p->k);
    return st;
}

static uint64_t point_params(const point *p)
{
    uint64_t w = 0;
    for (size_t i = 1; i <= p->net.L; i++) w += (uint64_t)p->net.n[i] * p->net.n[i - 1];
    return w;
}

/* ---- the two rank routes ----------------------------------------------------- */

/* Singular values (descending) of the Jacobian on the first k probes. */
static fal_status jacobian_sv(fal_ctx *ctx, point *p, size_t k, int method, double *sv, size_t *nsv,
                              const char **used)
{
    fal__dlin *net = &p->net;
    size_t L = net->L, nL = net->n[L], per = net->per, rows = k * nL;
    uint64_t w = point_params(p);
    fal_field f = p->f;
    /* suffix products S_i = W_L ... W_{i+1}, from S_L = I */
    size_t nmax = net->nmax;
    double *base = fal__alloc(ctx, 2 * nL * nmax * per * sizeof(double), "suffix products");
    if (!base) return FAL_ENOMEM;
    double *S = base, *Snext = base + nL * nmax * per;
    fal_status st = FAL_OK;
    int svd = use_svd(method, rows, w);
    double *J = NULL, *G = NULL, *M = NULL, *HH = NULL;
    size_t jlen = svd ? rows * (size_t)w * per : 0, glen = svd ? 0 : rows * rows * per;
    if (svd) J = fal__calloc(ctx, jlen ? jlen : 1, sizeof(double), "Jacobian");
    else {
        G = fal__calloc(ctx, glen, sizeof(double), "Jacobian Gram");
        M = G ? fal__alloc(ctx, nL * nL * per * sizeof(double), "S S^H") : NULL;
        HH = M ? fal__alloc(ctx, k * k * per * sizeof(double), "H^H H") : NULL;
    }
    if ((svd && !J) || (!svd && !HH)) {
        st = FAL_ENOMEM;
        goto out;
    }
    fal__eye(f, nL, nL, S);
    size_t col0 = (size_t)w; /* columns are filled from the last layer backwards */
    for (size_t i = L; i >= 1; i--) {
        size_t ni = net->n[i], np = net->n[i - 1];
        const double *H = net->h + net->hoff[i - 1]; /* np x kmax, first k columns */
        if (svd) {
            col0 -= ni * np;
            for (size_t q = 0; q < np; q++)
                for (size_t pp = 0; pp < ni; pp++) {
                    size_t col = col0 + pp + q * ni;
                    for (size_t j = 0; j < k; j++)
                        for (size_t a = 0; a < nL; a++) {
                            /* J[(j,a), col] = S[a, pp] * H[q, j] */
                            size_t row = j * nL + a;
                            const double *s = &S[(a + pp * nL) * per], *h = &H[(q + j * np) * per];
                            double *d = &J[(row + col * rows) * per];
                            if (per == 1) d[0] = s[0] * h[0];
                            else {
                                d[0] = s[0] * h[0] - s[1] * h[1];
                                d[1] = s[0] * h[1] + s[1] * h[0];
                            }
                        }
                }
        } else {
            fal__gemm(f, 0, 1, nL, nL, ni, 1.0, S, nL, S, nL, 0.0, M, nL);  /* M = S S^H */
            fal__gemm(f, 1, 0, k, k, np, 1.0, H, np, H, np, 0.0, HH, k);   /* HH = H^H H */
            for (size_t l = 0; l < k; l++)
                for (size_t j = 0; j < k; j++) {
                    /* G_i[j, l] = conj(HH[j, l]) */
                    double gr = HH[(j + l * k) * per], gi = per == 2 ? -HH[(j + l * k) * per + 1] : 0;
                    for (size_t b = 0; b < nL; b++)
                        for (size_t a = 0; a < nL; a++) {
                            double *d = &G[((j * nL + a) + (l * nL + b) * rows) * per];
                            const double *m = &M[(a + b * nL) * per];
                            if (per == 1) d[0] += m[0] * gr;
                            else {
                                d[0] += m[0] * gr - m[1] * gi;
                                d[1] += m[0] * gi + m[1] * gr;
                            }
                        }
                }
        }
        if (i > 1) { /* S_{i-1} = S_i W_i */
            fal__gemm(f, 0, 0, nL, np, ni, 1.0, S, nL, fal__dlin_W(net, i), ni, 0.0, Snext, nL);
            double *t = S;
            S = Snext;
            Snext = t;
        }
    }
    if (svd) {
        st = fal__singular_values(ctx, f, rows, (size_t)w, J, sv);
        *nsv = rows < w ? rows : (size_t)w;
        *used = "svd";
    } else {
        double *ev = sv;
        st = fal__herm_eig_values(ctx, f, rows, G, ev);
        if (st == FAL_OK) {
            /* ascending eigenvalues -> descending singular values */
            for (size_t i = 0; i < rows / 2; i++) {
                double t = ev[i];
                ev[i] = ev[rows - 1 - i];
                ev[rows - 1 - i] = t;
            }
            for (size_t i = 0; i < rows; i++) ev[i] = ev[i] > 0 ? sqrt(ev[i]) : 0.0;
        }
        *nsv = rows;
        *used = "gram";
    }
out:
    fal__free(ctx, HH, k * k * per * sizeof(double));
    fal__free(ctx, M, nL * nL * per * sizeof(double));
    fal__free(ctx, G, glen * sizeof(double));
    fal__free(ctx, J, (jlen ? jlen : 1) * sizeof(double));
    fal__free(ctx, base, 2 * nL * nmax * per * sizeof(double));
    return st;
}

static uint64_t count_rank(const double *sv, size_t n, double *last, double *next)
{
    uint64_t r = 0;
    double top = n ? sv[0] : 0;
    while (r < n && top > 0 && sv[r] > RANK_TOL * top) r++;
    if (last) *last = r && top > 0 ? sv[r - 1] / top : 0;
    if (next) *next = r < n && top > 0 ? sv[r] / top : 0;
    return r;
}

static fal_status rank_at(fal_ctx *ctx, point *p, size_t k, int method, uint64_t *rank, double *last,
                          double *next, const char **used)
{
    size_t rows = k * p->net.n[p->net.L];
    double *sv = fal__alloc(ctx, (rows ? rows : 1) * sizeof(double), "singular values");
    if (!sv) return FAL_ENOMEM;
    size_t nsv = 0;
    const char *m = NULL;
    fal_status st = jacobian_sv(ctx, p, k, method, sv, &nsv, &m);
    if (st == FAL_OK) *rank = count_rank(sv, nsv, last, next);
    if (used) *used = m;
    fal__free(ctx, sv, (rows ? rows : 1) * sizeof(double));
    return st;
}

fal_status fal__kmin_search(size_t kmax, uint64_t full, fal__rank_fn rank, void *ud, size_t *kmin)
{
    size_t lo = 1, hi = kmax;
    fal_status st = FAL_OK;
    while (st == FAL_OK && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t r = 0;
        st = rank(ud, mid, &r);
        if (r >= full) hi = mid;
        else lo = mid + 1;
    }
    *kmin = lo;
    return st;
}

struct rank_ud {
    fal_ctx *ctx;
    point *p;
};

static fal_status point_rank(void *ud, size_t k, uint64_t *r)
{
    struct rank_ud *u = ud;
    return rank_at(u->ctx, u->p, k, 0, r, NULL, NULL, NULL);
}

fal_status fal_classes_rank_at(fal_ctx *ctx, const fal_config *cfg, size_t k, int method, uint64_t *rank)
{
    if (!cfg->family || !is_continuous(cfg->family->name))
        return fal__fail(ctx, FAL_EINVAL, "no Jacobian for this family");
    point p;
    fal_status st = point_new(ctx, cfg, &p, k, method, 0);
    if (st != FAL_OK) return st;
    if (k < 1 || k > p.k) st = fal__fail(ctx, FAL_EINVAL, "k = %zu outside [1, %zu]", k, p.k);
    else st = rank_at(ctx, &p, k, method, rank, NULL, NULL, NULL);
    point_free(ctx, &p);
    return st;
}

/* ---- discrete closed forms --------------------------------------------------- */

/* Linearly separable Boolean functions of n inputs (with bias).  Negating
 * input i maps (w_i, b) to (-w_i, b + w_i), so every threshold function is
 * an input negation of one with weights >= 0.  Those are enumerated over
 * integer weights in [0, B] and biases in [-nB - 1, 1] (a zero sum counts as
 * 1: H(0) = 1 and sign conventions give the same set), B grown until the set
 * repeats for two successive B; then every member's 2^n input negations are
 * added.  Both sets live in open-addressing hash tables keyed by the truth
 * table + 1 (0 marks an empty slot). */
static int set_add(uint64_t *set, size_t cap, uint64_t tt)
{
    uint64_t key = tt + 1, h = fal_hash64(0x7468726573686f6cULL, key) & (cap - 1);
    while (set[h] && set[h] != key) h = (h + 1) & (cap - 1);
    if (set[h]) return 0;
    set[h] = key;
    return 1;
}

static fal_status count_threshold_functions(fal_ctx *ctx, unsigned n, uint64_t *out)
{
    if (n > 5) return fal__fail(ctx, FAL_EINVAL, "threshold-gate: exact count only for n <= 5");
    const size_t cap = (size_t)1 << 18; /* load below 0.4 for n = 5 (94572 functions) */
    uint64_t *pos = fal__calloc(ctx, cap, sizeof(uint64_t), "threshold function set");
    uint64_t *all = pos ? fal__calloc(ctx, cap, sizeof(uint64_t), "threshold function set") : NULL;
    if (!all) {
        fal__free(ctx, pos, cap * sizeof(uint64_t));
        return FAL_ENOMEM;
    }
    unsigned npat = 1u << n;
    uint64_t npos = 0, prev = 0;
    for (int B = 1; B <= 64; B++) {
        int len = B + 1, w[6] = { 0 };
        uint64_t total = 1;
        for (unsigned i = 0; i < n; i++) total *= (uint64_t)len;
        for (uint64_t idx = 0; idx < total; idx++) {
            uint64_t t = idx;
            for (unsigned i = 0; i < n; i++) {
                w[i] = (int)(t % (uint64_t)len);
                t /= (uint64_t)len;
            }
            int sum[32];
            sum[0] = 0;
            for (unsigned x = 1; x < npat; x++) sum[x] = sum[x & (x - 1)] + w[__builtin_ctz(x)];
            for (int bias = -(int)n * B - 1; bias <= 1; bias++) {
                uint64_t tt = 0;
                for (unsigned x = 0; x < npat; x++) tt |= (uint64_t)(sum[x] + bias >= 0) << x;
                npos += (uint64_t)set_add(pos, cap, tt);
            }
        }
        if (npos == prev && B >= 3) break;
        prev = npos;
    }
    uint64_t count = 0;
    for (size_t h = 0; h < cap; h++) {
        if (!pos[h]) continue;
        uint64_t tt = pos[h] - 1;
        for (unsigned mask = 0; mask < npat; mask++) {
            uint64_t u = 0; /* u(x) = tt(x xor mask) */
            for (unsigned x = 0; x < npat; x++) u |= (tt >> (x ^ mask) & 1) << x;
            count += (uint64_t)set_add(all, cap, u);
        }
    }
    fal__free(ctx, all, cap * sizeof(uint64_t));
    fal__free(ctx, pos, cap * sizeof(uint64_t));
    *out = count;
    return FAL_OK;
}

fal_status fal_classes_compute(fal_ctx *ctx, const fal_config *cfg, fal_classes *out)
{
    return fal_classes_compute_draws(ctx, cfg, 1, out);
}

fal_status fal_classes_compute_draws(fal_ctx *ctx, const fal_config *cfg, uint64_t draws, fal_classes *out)
{
    memset(out, 0, sizeof *out);
    out->log2_classes = out->log2_settings = out->log2_mean_class_size = out->classes = NAN;
    out->bits_provided = out->probe_tolerance = out->sigma_last = out->sigma_next = NAN;
    out->rank_gap = out->frac_at_bound = out->dim_mean = NAN;
    out->field = "real";
    if (!cfg->family) return fal__fail(ctx, FAL_EINVAL, "no family given");
    out->family = cfg->family->name;
    out->id = cfg->family->id;
    const char *name = cfg->family->name;
    if (cfg->at && !is_continuous(name) && strcmp(name, "mlp") != 0)
        return fal__fail(ctx, FAL_EINVAL, "--params: only linear-chain, linear, linear-ae and mlp take a given point");
    if (!strcmp(name, "mlp")) return fal__classes_mlp(ctx, cfg, draws, out);
    if (draws != 1) return fal__fail(ctx, FAL_EINVAL, "classes: --draws applies to mlp only");
    if (is_continuous(name)) {
        point p;
        fal_status st = point_new(ctx, cfg, &p, SIZE_MAX, 0, 0);
        if (st != FAL_OK) return st;
        out->params = point_params(&p);
        out->probes = p.k;
        out->probe_tolerance = RANK_TOL;
        out->field = p.f == FAL_COMPLEX ? "complex" : "real";
        if (p.f == FAL_COMPLEX) out->id = "L4";
        uint64_t full = 0;
        st = rank_at(ctx, &p, p.k, 0, &full, &out->sigma_last, &out->sigma_next, &out->rank_method);
        /* k_min: the smallest k whose leading block reaches full rank */
        size_t lo = p.k;
        struct rank_ud ud = { ctx, &p };
        if (st == FAL_OK) st = fal__kmin_search(p.k, full, point_rank, &ud, &lo);
        point_free(ctx, &p);
        if (st != FAL_OK) return st;
        out->function_dim = full;
        out->class_dim = out->params - full;
        out->k_min = lo;
        out->examples = cfg->examples_set ? cfg->examples : 0;
        return FAL_OK;
    }
    out->discrete = 1;
    const fal_arch *a = cfg->arch;
    uint64_t L = a ? fal_arch_depth(a) : 0;
    size_t n0 = a ? fal_arch_width(a, 0) : 1, nL = a ? fal_arch_width(a, L) : 1;
    if (!strcmp(name, "bool-chain") || !strcmp(name, "threshold-chain")) {
        if (!a) return fal__fail(ctx, FAL_EINVAL, "%s: give --depth L", name);
        /* 2^L settings (one bit per unit: identity/NOT, or the weight's sign),
         * 2 functions (identity, negation), 2^(L-1) settings each */
        out->params = L;
        out->log2_classes = 1;
        out->classes = 2;
        out->log2_settings = (double)L;
        out->log2_mean_class_size = (double)L - 1;
    } else if (!strcmp(name, "bool")) {
        if (!a) return fal__fail(ctx, FAL_EINVAL, "bool: give --widths");
        size_t mn = n0 < nL ? n0 : nL;
        if (fal_arch_min_hidden(a) < mn) return fal__fail(ctx, FAL_EINVAL, "bool: a bottleneck (see bool-ae)");
        double w = 0;
        /* a uniform net may be 2^50 layers deep: its L equal terms at once */
        for (uint64_t i = 1; i <= (fal_arch_is_uniform(a) ? 1 : L); i++) {
            if (fal_arch_width(a, i - 1) > 60) return fal__fail(ctx, FAL_EINVAL, "bool: fan-in above 60");
            w += (double)fal_arch_width(a, i) * ldexp(1.0, (int)fal_arch_width(a, i - 1));
        }
        if (fal_arch_is_uniform(a)) w *= (double)L;
        out->params = w < 1.8e19 ? (uint64_t)w : UINT64_MAX;
        out->log2_classes = (double)nL * ldexp(1.0, (int)n0);   /* every map H^n0 -> H^nL */
        if (out->log2_classes < 53) out->classes = ldexp(1.0, (int)out->log2_classes);
        out->log2_settings = w;                                 /* every table bit */
        out->log2_mean_class_size = w - out->log2_classes;
    } else if (!strcmp(name, "bool-ae")) {
        /* the functions are the maps H^n -> H^n whose image has at most 2^m
         * points (m the bottleneck): a Stirling sum (src/nets/hamming.c) */
        size_t m = a ? fal_arch_min_hidden(a) : 2, n = a ? n0 : 8;
        if (n > 24 || m >= n || (a && nL != n0)) return fal__fail(ctx, FAL_EINVAL, "bool-ae: need A(n,..,m,..,n), m < n <= 24");
        double w = 0;
        for (uint64_t i = 1; a && i <= L; i++) w += (double)fal_arch_width(a, i) * ldexp(1.0, (int)fal_arch_width(a, i - 1));
        if (!a) w = (double)m * ldexp(1.0, (int)n) + (double)n * ldexp(1.0, (int)m);
        int method = 0;
        out->params = (uint64_t)w;
        out->log2_classes = fal__ham_log2_maps((uint64_t)1 << n, (uint64_t)1 << m, &method);
        if (n <= 4) { /* the exact integer where it is one below 2^53 */
            unsigned __int128 e = fal__ham_maps_exact(1u << n, 1u << m);
            if (e < ((unsigned __int128)1 << 53)) out->classes = (double)(uint64_t)e;
        }
        out->log2_settings = w;
        out->log2_mean_class_size = w - out->log2_classes;
        nL = n;
    } else if (!strcmp(name, "threshold-ae")) {
        /* w: every gate has one weight per multilinear monomial of degree <= d
         * of its inputs (bias included); log2 e is N4's when d >= n (every
         * gate realises any Boolean function of its inputs), unknown below */
        unsigned d = cfg->degree ? cfg->degree : 1;
        size_t n = a ? n0 : 8, m = a ? fal_arch_min_hidden(a) : 2;
        if (n > 24 || m >= n || (a && nL != n0))
            return fal__fail(ctx, FAL_EINVAL, "threshold-ae: need A(n,..,m,..,n), m < n <= 24");
        double w = 0;
        for (uint64_t i = 1; a && i <= L; i++)
            w += (double)fal_arch_width(a, i) * (double)fal__ptf_nmono((unsigned)fal_arch_width(a, i - 1), d);
        if (!a) w = (double)m * (double)fal__ptf_nmono((unsigned)n, d) + (double)n * (double)fal__ptf_nmono((unsigned)m, d);
        int method = 0;
        out->params = (uint64_t)w;
        out->log2_classes = d >= n ? fal__ham_log2_maps((uint64_t)1 << n, (uint64_t)1 << m, &method) : NAN;
        nL = n;
    } else if (!strcmp(name, "threshold-gate")) {
        if (!a || L != 1 || nL != 1) return fal__fail(ctx, FAL_EINVAL, "threshold-gate: --widths n,1");
        /* before the cast to unsigned, which would wrap 2^32 to 0 */
        if (n0 > 5) return fal__fail(ctx, FAL_EINVAL, "threshold-gate: exact count only for n <= 5");
        uint64_t c = 0;
        fal_status st = count_threshold_functions(ctx, (unsigned)n0, &c);
        if (st != FAL_OK) return st;
        out->params = n0 + 1;
        out->log2_classes = log2((double)c);
        out->classes = (double)c;
    } else {
        return fal__fail(ctx, FAL_EINVAL, "classes: no analysis for %s yet", name);
    }
    if (cfg->examples_set) {
        /* each example carries its nL target bits (the inputs are chosen) */
        out->examples = cfg->examples;
        out->bits_provided = (double)cfg->examples * (double)nL;
    }
    return FAL_OK;
}

static fal_status gate_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    (void)cfg;
    (void)res;
    return fal__fail(ctx, FAL_EINVAL, "threshold-gate has a class analysis (fallacy classes) but no experiment");
}

static const fal_family gate_family = {
    "threshold-gate", "I1", "One linear threshold gate of n inputs: the linearly separable Boolean functions.",
    gate_run, 0
};

const fal_family *fal_classes_family(const char *name)
{
    if (strcmp(name, gate_family.name) == 0) return &gate_family;
    return fal_family_find(name);
}

/* ---- class walks ---------------------------------------------------------- */

/* One move inside the class: C = Q D between layers i and i+1 (W_i <- C W_i,
 * W_{i+1} <- W_{i+1} C^-1 with C^-1 = D^-1 Q^H), or for width-1 chains the
 * rescaling w_i r, w_j / r and a sign flip of two weights. */
static fal_status walk_move(fal_ctx *ctx, fal__dlin *net, fal_rng *r)
{
    size_t L = net->L, per = net->per;
    if (L < 2) return FAL_OK; /* one layer: the class is a point */
    size_t i = 1 + (size_t)fal_rng_below(r, L - 1), n = net->n[i];
    if (net->nmax == 1) {
        size_t a = (size_t)fal_rng_below(r, L), b = (size_t)fal_rng_below(r, L - 1);
        if (b >= a) b++;
        double f = exp(fal_rng_normal(r));
        net->w[net->woff[a + 1]] *= f;
        net->w[net->woff[b + 1]] /= f;
        if (fal_rng_next(r) & 1) {
            net->w[net->woff[a + 1]] = -net->w[net->woff[a + 1]];
            net->w[net->woff[b + 1]] = -net->w[net->woff[b + 1]];
        }
        return FAL_OK;
    }
    size_t np = net->n[i - 1], nn = net->n[i + 1];
    double *Q = fal__alloc(ctx, n * n * per * sizeof(double), "walk basis");
    double *d = Q ? fal__alloc(ctx, n * sizeof(double), "walk scales") : NULL;
    double *T = d ? fal__alloc(ctx, (n * np + nn * n) * per * sizeof(double), "walk scratch") : NULL;
    fal_status st = T ? fal__random_orthonormal(ctx, r, net->f, n, n, Q) : FAL_ENOMEM;
    if (st == FAL_OK) {
        for (size_t j = 0; j < n; j++) d[j] = exp(0.2 * fal_rng_normal(r));
        double *Wi = fal__dlin_W(net, i), *Wn = fal__dlin_W(net, i + 1), *T2 = T + n * np * per;
        /* W_i <- Q (D W_i) */
        for (size_t q = 0; q < np; q++)
            for (size_t a = 0; a < n; a++)
                for (size_t c = 0; c < per; c++) Wi[(a + q * n) * per + c] *= d[a];
        fal__gemm(net->f, 0, 0, n, np, n, 1.0, Q, n, Wi, n, 0.0, T, n);
        memcpy(Wi, T, n * np * per * sizeof(double));
        /* W_{i+1} <- (W_{i+1} D^-1) Q^H = W_{i+1} C^-1 */
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < nn; b++)
                for (size_t c = 0; c < per; c++) Wn[(b + a * nn) * per + c] /= d[a];
        fal__gemm(net->f, 0, 1, nn, n, n, 1.0, Wn, nn, Q, n, 0.0, T2, nn);
        memcpy(Wn, T2, nn * n * per * sizeof(double));
    }
    fal__free(ctx, T, (n * np + nn * n) * per * sizeof(double));
    fal__free(ctx, d, n * sizeof(double));
    fal__free(ctx, Q, n * n * per * sizeof(double));
    return st;
}

/* N1 and N5: a chain of L one-bit units (NOT units, negative weights),
 * trained on one example by the families' rule (flip one bit if wrong);
 * each move flips two distinct bits, which keeps the parity and so the
 * class.  The outputs are evaluated unit by unit on both inputs (the
 * reference, not the popcount the families use). */
static fal_status walk_parity(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out)
{
    int thr = strcmp(cfg->family->name, "threshold-chain") == 0;
    fal__thr_conv conv = cfg->units == FAL_UNITS_HEAVISIDE ? FAL__THR_HALF : FAL__THR_SIGN;
    uint64_t L = cfg->arch ? fal_arch_depth(cfg->arch) : 1000;
    if (L < 2 || L > 10000000) return fal__fail(ctx, FAL_EINVAL, "walk: chain depth must be in [2, 10^7]");
    size_t nw = fal__bits_words(L);
    uint64_t *w = fal__calloc(ctx, 2 * nw, sizeof(uint64_t), "walk bits");
    if (!w) return FAL_ENOMEM;
    uint64_t *w0 = w + nw;
    fal_rng r;
    fal_rng_seed(&r, cfg->seed ^ 0x70617269747957ULL);
    fal__bits_random(w, L, fal_rng_next(&r), 1);
    int lo = thr && conv == FAL__THR_SIGN ? -1 : 0; /* the two input values */
    int x = 1, t = (int)(fal_rng_next(&r) >> 63) ? lo : 1;
#define CHAIN(bits, in) (thr ? fal__thr_chain_ref(bits, L, in, conv) : fal__bool_chain_ref(bits, L, in))
    if (CHAIN(w, x) != t) fal__bits_flip(w, fal_rng_below(&r, L));
    int y0[2] = { CHAIN(w, lo), CHAIN(w, 1) };
    memcpy(w0, w, nw * sizeof(uint64_t));
    for (uint64_t m = 0; m < moves; m++) {
        uint64_t a = fal_rng_below(&r, L), b = fal_rng_below(&r, L - 1);
        if (b >= a) b++;
        fal__bits_flip(w, a);
        fal__bits_flip(w, b);
    }
    int y1[2] = { CHAIN(w, lo), CHAIN(w, 1) };
#undef CHAIN
    uint64_t ham = 0;
    for (size_t i = 0; i < nw; i++) ham += (uint64_t)__builtin_popcountll(w[i] ^ w0[i]);
    out->moves = moves;
    out->max_output_change = (double)((y0[0] != y1[0]) + (y0[1] != y1[1])) / 2.0; /* fraction of inputs changed */
    out->param_distance = (double)ham / (double)L;                               /* fraction of bits moved */
    fal__free(ctx, w, 2 * nw * sizeof(uint64_t));
    return FAL_OK;
}

fal_status fal_classes_walk(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out)
{
    memset(out, 0, sizeof *out);
    if (cfg->family && (!strcmp(cfg->family->name, "bool-chain") || !strcmp(cfg->family->name, "threshold-chain")))
        return walk_parity(ctx, cfg, moves, out);
    if (cfg->family && !strcmp(cfg->family->name, "bool")) return fal__walk_bool(ctx, cfg, moves, out);
    if (cfg->family && !strcmp(cfg->family->name, "threshold-ae")) return fal__walk_threshold_ae(ctx, cfg, moves, out);
    if (!cfg->family || !is_continuous(cfg->family->name))
        return fal__fail(ctx, FAL_EINVAL,
                         "walk: linear-chain, linear, linear-ae, bool-chain, threshold-chain, bool and threshold-ae");
    if (cfg->at && !is_continuous(cfg->family->name))
        return fal__fail(ctx, FAL_EINVAL, "--params: only linear-chain, linear, linear-ae and mlp take a given point");
    point p;
    fal_status st = point_new(ctx, cfg, &p, 0, 0, 1);
    if (st != FAL_OK) return st;
    fal__dlin *net = &p.net;
    size_t n0 = net->n[0], nL = net->n[net->L], per = net->per, ylen = nL * p.k * per;
    double *T = fal__alloc(ctx, ylen * sizeof(double), "walk targets");
    double *Y0 = T ? fal__alloc(ctx, ylen * sizeof(double), "walk outputs") : NULL;
    double *w0 = Y0 ? fal__alloc(ctx, net->wlen * sizeof(double), "walk start") : NULL;
    if (!w0) {
        st = FAL_ENOMEM;
        goto out;
    }
    /* a teacher of the family: a second generic point's outputs; train on the probes */
    {
        fal_rng r;
        fal_rng_seed(&r, cfg->seed ^ 0x77616c6bULL);
        memcpy(w0, net->w, net->wlen * sizeof(double));
        for (size_t j = 0; j < net->wlen; j++) net->w[j] += 0.05 * fal_rng_normal(&r) / sqrt((double)net->nmax);
        memcpy(T, fal__dlin_forward(net, p.X, p.k), ylen * sizeof(double));
        memcpy(net->w, w0, net->wlen * sizeof(double));
        uint64_t steps;
        double err;
        const char *note;
        /* with --params the walk starts at the given point, untrained */
        if (!cfg->at) st = fal__dlin_train(net, p.X, T, p.k, 0.0, 0.0, 1e-10, 0.0, 0, 20000, &steps, &err, &note, NULL);
        if (st == FAL_ENOCONV) st = FAL_OK; /* the walk needs a network, not the optimum */
        if (st != FAL_OK) goto out;
        memcpy(Y0, fal__dlin_forward(net, p.X, p.k), ylen * sizeof(double));
        memcpy(w0, net->w, net->wlen * sizeof(double));
        for (uint64_t m = 0; m < moves && st == FAL_OK; m++) st = walk_move(ctx, net, &r);
        if (st != FAL_OK) goto out;
        const double *Y = fal__dlin_forward(net, p.X, p.k);
        double dmax = 0, ymax = 0;
        for (size_t j = 0; j < nL * p.k; j++) {
            double dr = Y[j * per] - Y0[j * per], di = per == 2 ? Y[j * per + 1] - Y0[j * per + 1] : 0;
            double yr = Y0[j * per], yi = per == 2 ? Y0[j * per + 1] : 0;
            dmax = fmax(dmax, sqrt(dr * dr + di * di));
            ymax = fmax(ymax, sqrt(yr * yr + yi * yi));
        }
        out->moves = moves;
        out->max_output_change = ymax > 0 ? dmax / ymax : dmax;
        out->param_distance = sqrt(fal__sumsq_diff(FAL_REAL, net->w, w0, net->wlen) / fal__sumsq(FAL_REAL, w0, net->wlen));
        (void)n0;
    }
out:
    fal__free(ctx, w0, net->wlen * sizeof(double));
    fal__free(ctx, Y0, ylen * sizeof(double));
    fal__free(ctx, T, ylen * sizeof(double));
    point_free(ctx, &p);
    return st;
}
