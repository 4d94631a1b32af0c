/* classes_mlp.c -- I1 for the mlp (M1): the rank of the Jacobian of
 * parameters -> outputs on N probe inputs (function_dim), the bound the
 * known continuous symmetries leave (symmetry_bound), k_min, and per hidden
 * layer the units that never or always switch on the probes.
 *
 * The Jacobian J has one row per (probe j, output a), probe-major, and one
 * column per parameter: with D_i^a = dy_a/dZ_i (n_i x N, one backward pass
 * per output a),
 *   J[(j,a), W_i[p,q]] = D_i^a[p,j] H_{i-1}[q,j],   J[(j,a), b_i[p]] = D_i^a[p,j].
 * Three routes to its singular values (doc/mlp.md):
 *  - "svd": J formed, LAPACK dgesvd (rows x w at most 2^22 entries);
 *  - "gram-rows" (3 rows^2 <= w^2): J J^T never forming J, block (a, a') =
 *    sum_i (D_i^a^T D_i^a') o (H_{i-1}^T H_{i-1} + 1[bias]);
 *  - "gram-params" (otherwise): J^T J = sum over chunks of 256 probes of
 *    J_c^T J_c (dsyrk), so only a 256-probe slice of J exists at a time;
 * eigenvalues by dsyevd, sigma = sqrt(max(lambda, 0)).  A singular value
 * counts when it exceeds MLP_RANK_TOL times the largest. */
#include <limits.h>
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../core/internal.h"
#include "../core/linalg.h"
#include "../kern/kern.h"
#include "../nets/mlp.h"
#include "mlp_rank.h"

#define SVD_MAX ((size_t)1 << 22)
#define CHUNK 256

static size_t smax(size_t a, size_t b) { return a > b ? a : b; }
static size_t smin(size_t a, size_t b) { return a < b ? a : b; }

/* Rows [j0, j0 + c) x all outputs of J into Jc (c nL x np, column-major),
 * from the activations h and the saved deltas Dsave (nL blocks of hlen). */
static void fill_rows(const fal__mlp *net, const double *Dsave, size_t j0, size_t c, double *Jc)
{
    size_t nL = net->n[net->L], rows = c * nL;
    for (size_t a = 0; a < nL; a++) {
        const double *Da = Dsave + a * net->hlen;
        for (size_t i = 1; i <= net->L; i++) {
            size_t ni = net->n[i], np = net->n[i - 1];
            const double *D = Da + net->hoff[i], *H = net->h + net->hoff[i - 1];
            for (size_t q = 0; q < np; q++)
                for (size_t p = 0; p < ni; p++) {
                    double *col = Jc + (net->woff[i] + p + q * ni) * rows;
                    for (size_t j = 0; j < c; j++) col[j * nL + a] = D[p + (j0 + j) * ni] * H[q + (j0 + j) * np];
                }
            if (net->bias)
                for (size_t p = 0; p < ni; p++) {
                    double *col = Jc + (net->boff[i] + p) * rows;
                    for (size_t j = 0; j < c; j++) col[j * nL + a] = D[p + (j0 + j) * ni];
                }
        }
    }
}

fal_status fal__mlp_jacobian(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, double *J)
{
    size_t nL = net->n[net->L];
    if (k > net->kmax || k == 0) return fal__fail(ctx, FAL_EINTERNAL, "jacobian: k = %zu outside [1, %zu]", k, net->kmax);
    fal__mlp_forward(net, X, k);
    double *Dsave = fal__alloc(ctx, nL * net->hlen * sizeof(double), "Jacobian deltas");
    if (!Dsave) return FAL_ENOMEM;
    for (size_t a = 0; a < nL; a++) {
        memset(net->d0, 0, k * nL * sizeof(double));
        for (size_t j = 0; j < k; j++) net->d0[a + j * nL] = 1.0;
        fal__mlp_backward(net, k, NULL, Dsave + a * net->hlen);
    }
    fill_rows(net, Dsave, 0, k, J);
    fal__free(ctx, Dsave, nL * net->hlen * sizeof(double));
    return FAL_OK;
}

fal_status fal__mlp_jacobian_sv(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, int method, double *sv,
                                size_t *nsv, const char **used)
{
    size_t nL = net->n[net->L], rows = k * nL, w = net->np;
    if (k > net->kmax || k == 0) return fal__fail(ctx, FAL_EINTERNAL, "jacobian: k = %zu outside [1, %zu]", k, net->kmax);
    fal__mlp_forward(net, X, k);
    double *Dsave = fal__alloc(ctx, nL * net->hlen * sizeof(double), "Jacobian deltas");
    if (!Dsave) return FAL_ENOMEM;
    for (size_t a = 0; a < nL; a++) {
        /* dy_a/dH_L = e_a on every probe */
        memset(net->d0, 0, rows * sizeof(double));
        for (size_t j = 0; j < k; j++) net->d0[a + j * nL] = 1.0;
        fal__mlp_backward(net, k, NULL, Dsave + a * net->hlen);
    }
    fal_status st = FAL_OK;
    int svd = method == 1 || (method == 0 && rows * w <= SVD_MAX);
    if (svd) {
        double *J = fal__alloc(ctx, rows * w * sizeof(double), "Jacobian");
        if (!J) st = FAL_ENOMEM;
        else {
            fill_rows(net, Dsave, 0, k, J);
            st = fal__singular_values(ctx, FAL_REAL, rows, w, J, sv);
            *nsv = smin(rows, w);
            *used = "svd";
        }
        fal__free(ctx, J, rows * w * sizeof(double));
    } else if (rows <= w && 3 * rows * rows <= w * w) {
        /* J J^T by layers: (D^a^T D^a') o (H^T H + 1), never forming J */
        double *G = fal__calloc(ctx, rows * rows, sizeof(double), "Jacobian Gram");
        double *A = G ? fal__alloc(ctx, 2 * k * k * sizeof(double), "Gram blocks") : NULL;
        if (!A) st = FAL_ENOMEM;
        for (size_t i = 1; i <= net->L && st == FAL_OK; i++) {
            size_t ni = net->n[i], np = net->n[i - 1];
            double *C = A + k * k;
            const double *H = net->h + net->hoff[i - 1];
            fal__gemm(FAL_REAL, 1, 0, k, k, np, 1.0, H, np, H, np, 0.0, A, k); /* H^T H */
            if (net->bias)
                for (size_t j = 0; j < k * k; j++) A[j] += 1.0;
            for (size_t a = 0; a < nL; a++)
                for (size_t b = 0; b < nL; b++) {
                    const double *Da = Dsave + a * net->hlen + net->hoff[i], *Db = Dsave + b * net->hlen + net->hoff[i];
                    fal__gemm(FAL_REAL, 1, 0, k, k, ni, 1.0, Da, ni, Db, ni, 0.0, C, k);
                    for (size_t j2 = 0; j2 < k; j2++)
                        for (size_t j1 = 0; j1 < k; j1++)
                            G[(j1 * nL + a) + (j2 * nL + b) * rows] += C[j1 + j2 * k] * A[j1 + j2 * k];
                }
        }
        if (st == FAL_OK) st = fal__herm_eig_values(ctx, FAL_REAL, rows, G, sv);
        if (st == FAL_OK) {
            for (size_t i = 0; i < rows / 2; i++) {
                double t = sv[i];
                sv[i] = sv[rows - 1 - i];
                sv[rows - 1 - i] = t;
            }
            for (size_t i = 0; i < rows; i++) sv[i] = sv[i] > 0 ? sqrt(sv[i]) : 0.0;
            *nsv = rows;
            *used = "gram-rows";
        }
        fal__free(ctx, A, 2 * k * k * sizeof(double));
        fal__free(ctx, G, rows * rows * sizeof(double));
    } else {
        /* J^T J over 256-probe slices of J */
        size_t cl = CHUNK * nL;
        double *G = fal__calloc(ctx, w * w, sizeof(double), "Jacobian Gram");
        double *Jc = G ? fal__alloc(ctx, cl * w * sizeof(double), "Jacobian slice") : NULL;
        if (!Jc) st = FAL_ENOMEM;
        for (size_t j0 = 0; j0 < k && st == FAL_OK; j0 += CHUNK) {
            size_t c = smin(CHUNK, k - j0);
            fill_rows(net, Dsave, j0, c, Jc);
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (blasint)w, (blasint)(c * nL), 1.0, Jc,
                        (blasint)(c * nL), 1.0, G, (blasint)w);
        }
        if (st == FAL_OK) st = fal__herm_eig_values(ctx, FAL_REAL, w, G, sv);
        if (st == FAL_OK) {
            for (size_t i = 0; i < w / 2; i++) {
                double t = sv[i];
                sv[i] = sv[w - 1 - i];
                sv[w - 1 - i] = t;
            }
            for (size_t i = 0; i < w; i++) sv[i] = sv[i] > 0 ? sqrt(sv[i]) : 0.0;
            *nsv = w;
            *used = "gram-params";
        }
        fal__free(ctx, Jc, cl * w * sizeof(double));
        fal__free(ctx, G, w * w * sizeof(double));
    }
    fal__free(ctx, Dsave, nL * net->hlen * sizeof(double));
    return st;
}

uint64_t fal__mlp_count_rank(const double *sv, size_t n, double *last, double *next)
{
    uint64_t r = 0;
    double top = n ? sv[0] : 0;
    while (r < n && top > 0 && sv[r] > MLP_RANK_TOL * top) r++;
    if (last) *last = r && top > 0 ? sv[r - 1] / top : 0;
    if (next) *next = r < n && top > 0 ? sv[r] / top : 0;
    return r;
}

fal_status fal__mlp_rank(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, int method, uint64_t *rank,
                         double *last, double *next, const char **used)
{
    size_t n = smax(1, smin(k * net->n[net->L], net->np));
    size_t cap = smax(n, k * net->n[net->L]);
    cap = smax(cap, net->np);
    double *sv = fal__alloc(ctx, cap * sizeof(double), "singular values");
    if (!sv) return FAL_ENOMEM;
    size_t nsv = 0;
    const char *m = NULL;
    fal_status st = fal__mlp_jacobian_sv(ctx, net, X, k, method, sv, &nsv, &m);
    if (st == FAL_OK) *rank = fal__mlp_count_rank(sv, nsv, last, next);
    if (used) *used = m;
    fal__free(ctx, sv, cap * sizeof(double));
    return st;
}

uint64_t fal__mlp_symmetry_bound(const fal_arch *a, fal_act act, int bias, uint64_t w)
{
    uint64_t L = fal_arch_depth(a), hidden = 0;
    size_t n0 = fal_arch_width(a, 0), nL = fal_arch_width(a, L), r = smin(n0, nL);
    for (uint64_t i = 1; i < L; i++) {
        hidden += fal_arch_width(a, i);
        r = smin(r, fal_arch_width(a, i));
    }
    switch (act) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU:
    case FAL_ACT_LEAKY_RELU: return w - hidden; /* positive rescaling at each hidden unit */
    case FAL_ACT_TANH:
    case FAL_ACT_SIGMOID: return w;             /* only discrete symmetries */
    case FAL_ACT_LINEAR:
        /* y = P x + c: P of rank <= r (r (n0 + nL - r) dimensions), c free */
        return (uint64_t)r * (n0 + nL - r) + (bias ? nL : 0);
    }
    return w;
}

/* ---- the point and the probes ----------------------------------------------- */

typedef struct mlp_point {
    const fal_arch *arch;
    fal_arch *own;
    fal_act act;
    int bias;
    double scale;
    uint64_t w;
    double *p;      /* the parameters of the draw */
    double *X;      /* n0 x cap probes */
    size_t cap;
} mlp_point;

static const size_t default_widths[] = { 8, 32, 32, 1 };

/* The draw: the teacher's init (biases N(0, (0.1 scale)^2)) from seed. */
static void draw_params(fal__mlp *net, uint64_t seed, double scale)
{
    fal_rng r;
    fal_rng_seed(&r, seed ^ 0x6d6c70636c617373ULL);
    fal__mlp_init(net, &r, scale, 0.1 * scale);
}

/* `classes mlp --params`: the point is the given one.  W_i (row-major
 * n_i x n_{i-1}, as `run --save` writes it) into the network's
 * column-major layer, b_i into its biases; shapes and the presence of
 * biases must match the architecture and --bias. */
static fal_status point_at(fal_ctx *ctx, const fal_params *at, fal__mlp *net)
{
    for (size_t i = 1; i <= net->L; i++) {
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "W%zu", i);
        const fal_array *a = fal_params_find(at, name);
        size_t r = net->n[i], c = net->n[i - 1];
        if (!a)
            return fal__fail(ctx, FAL_EINVAL, "--params: no array '%s' (the architecture has %zu layers: W1..W%zu)",
                             name, net->L, net->L);
        if (a->rank != 2 || a->shape[0] != r || a->shape[1] != c)
            return fal__fail(ctx, FAL_EINVAL, "--params: %s has shape (%zu, %zu); the architecture needs (%zu, %zu)",
                             name, a->rank == 2 ? a->shape[0] : 0, a->rank == 2 ? a->shape[1] : 0, r, c);
        if (a->dtype != FAL_DT_F8) return fal__fail(ctx, FAL_EINVAL, "--params: %s is not real; the mlp is", name);
        double *W = net->p + net->woff[i];
        for (size_t q = 0; q < r; q++)
            for (size_t j = 0; j < c; j++) W[j * r + q] = a->v[q * c + j];
        snprintf(name, sizeof name, "b%zu", i);
        const fal_array *b = fal_params_find(at, name);
        if (net->bias) {
            if (!b)
                return fal__fail(ctx, FAL_EINVAL,
                                 "--params: no array '%s' (the mlp has biases; --bias off for a net without)", name);
            if (b->rank != 1 || b->shape[0] != r || b->dtype != FAL_DT_F8)
                return fal__fail(ctx, FAL_EINVAL, "--params: %s has %zu values; layer %zu has %zu units", name,
                                 b->rank == 1 ? b->shape[0] : 0, i, r);
            memcpy(net->p + net->boff[i], b->v, r * sizeof(double));
        } else if (b) {
            return fal__fail(ctx, FAL_EINVAL, "--params: the archive has biases (%s) but --bias off was given", name);
        }
    }
    char extra[FAL_ARRAY_NAME];
    snprintf(extra, sizeof extra, "W%zu", net->L + 1);
    if (fal_params_find(at, extra))
        return fal__fail(ctx, FAL_EINVAL, "--params: has %s but the architecture has %zu layers", extra, net->L);
    return FAL_OK;
}

/* Rank on the first k probes with the draw's parameters p. */
static fal_status rank_k(fal_ctx *ctx, mlp_point *pt, size_t k, uint64_t *rank, double *last, double *next,
                         const char **used, fal_classes *layers)
{
    fal__mlp net;
    fal_status st = fal__mlp_new(ctx, pt->arch, pt->act, pt->bias, k, &net);
    if (st != FAL_OK) return st;
    memcpy(net.p, pt->p, net.np * sizeof(double));
    st = fal__mlp_rank(ctx, &net, pt->X, k, 0, rank, last, next, used);
    if (st == FAL_OK && layers) {
        /* the forward of the rank pass is still in h: units never / always positive */
        int nl = 0;
        for (size_t i = 1; i < net.L && nl < FAL_CLASSES_MAX_LAYERS; i++, nl++) {
            uint64_t dead = 0, on = 0;
            const double *H = net.h + net.hoff[i];
            for (size_t u = 0; u < net.n[i]; u++) {
                size_t pos = 0;
                for (size_t j = 0; j < k; j++) pos += (size_t)fal__mlp_positive(net.act, H[u + j * net.n[i]]);
                dead += pos == 0;
                on += pos == k;
            }
            layers->dead[nl] = dead;
            layers->always_active[nl] = on;
        }
        layers->nlayers = nl;
    }
    fal__mlp_free(&net);
    return st;
}

/* Doublings of the probes: 3, and up to 5 while the Jacobian stays below
 * 2^27 entries (small nets, where ReLU ranks keep growing longest). */
#define MAX_GROW 5
#define GROW_ENTRIES ((size_t)1 << 27)
/* refusal_fits: depths it searches a width for, and the size that takes
 * 30 s on 2 cores: bench/RESULTS.md section 10 measured w = 1377 in 4.5 s
 * and w = 5313 in 255 s (k_min included), so ~w^3 puts 30 s near 2600 */
#define FAL__MLP_MAX_FIT_LAYERS 64
#define FAL__MLP_RANK_30S "2600"

/* The probes: N0 = 2 w / nL (each gives nL rows; twice what the rank could
 * use), at least n0 + 1; doubled (3 to 5 times, see MAX_GROW) while the
 * rank grows, so the nets are built for cap = N0 << grow columns.  0 when
 * the probes would not fit the BLAS limits. */
static int classes_plan(const fal_arch *a, int bias, uint64_t w, size_t *N0, int *grow, size_t *cap)
{
    (void)bias;
    uint64_t L = fal_arch_depth(a);
    size_t n0 = fal_arch_width(a, 0), nL = fal_arch_width(a, L);
    *N0 = smax(n0 + 1, (size_t)((2 * w + nL - 1) / nL));
    if (w > ((uint64_t)1 << 40) || *N0 > ((size_t)INT_MAX >> MAX_GROW) / smax(nL, 1)) return 0;
    int g = 3;
    while (g < MAX_GROW && fal__smul(fal__smul(*N0 << (g + 1), nL), (size_t)w) <= GROW_ENTRIES) g++;
    *grow = g;
    *cap = *N0 << g;
    return 1;
}

/* The bytes classes mlp asks for before allocating: the probes and
 * parameters, and the largest rank pass: a net of cap columns, its saved
 * deltas, the singular values and the largest route (an SVD of at most
 * SVD_MAX entries with its copy, or J^T J with a slice of J; the
 * gram-rows route is taken only below w^2 / 3 entries).  SIZE_MAX on
 * overflow. */
static size_t classes_bytes(const fal_arch *a, int bias, uint64_t wp, size_t cap)
{
    uint64_t L = fal_arch_depth(a);
    size_t n0 = fal_arch_width(a, 0), nL = fal_arch_width(a, L);
    size_t w = (size_t)wp, rows = fal__smul(cap, nL), hl = 0;
    for (uint64_t i = 0; i <= L; i++) hl = fal__sadd(hl, fal__smul(fal_arch_width(a, i), cap));
    size_t need = fal__smul(fal__sadd(fal__smul(n0, cap), w), sizeof(double));
    need = fal__sadd(need, fal__mlp_bytes(a, bias, cap));
    size_t route = smax(fal__sadd(2 * SVD_MAX, smin(rows, w)), fal__sadd(fal__smul(w, w), fal__smul(CHUNK * nL, w)));
    size_t rb = fal__sadd(fal__sadd(fal__smul(nL, hl), smax(rows, w)), route);
    return fal__sadd(need, fal__smul(rb, sizeof(double)));
}

/* After a refusal for memory: add to the message what does fit, the
 * widest uniform hidden width h of the same n0, depth and nL whose class
 * view fits the memory available now (bisection on h with the same byte
 * count), and why more is out of reach (doc/mlp.md, "What the scale
 * target asks"). */
static void refusal_fits(fal_ctx *ctx, const fal_arch *a, int bias)
{
    char msg[FAL_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", fal_ctx_message(ctx));
    uint64_t L = fal_arch_depth(a);
    size_t avail = ctx->mem_limit > ctx->in_use ? ctx->mem_limit - ctx->in_use : 0;
    size_t widths[FAL__MLP_MAX_FIT_LAYERS + 1];
    if (L < 2 || L > FAL__MLP_MAX_FIT_LAYERS) return;
    widths[0] = fal_arch_width(a, 0);
    widths[L] = fal_arch_width(a, L);
    size_t lo = 0, hi = fal_arch_width(a, 1);
    for (uint64_t i = 1; i < L; i++) hi = smax(hi, fal_arch_width(a, i));
    uint64_t wlo = 0;
    /* the trial architectures are made in a context of their own: a refusal
     * takes nothing from the caller's budget (tests/test_guards.c) */
    fal_ctx *tc = NULL;
    if (fal_ctx_new(&tc, NULL) != FAL_OK) return;
    while (lo < hi) { /* the largest h that fits: h = lo fits (or lo = 0), hi does not */
        size_t h = lo + (hi - lo + 1) / 2;
        for (uint64_t i = 1; i < L; i++) widths[i] = h;
        fal_arch *t = NULL;
        uint64_t w = 0;
        size_t N0 = 0, cap = 0;
        int grow = 0, fits = 0;
        if (fal_arch_from_widths(tc, widths, (size_t)L + 1, &t) == FAL_OK && fal__mlp_params(tc, t, bias, &w) == FAL_OK &&
            classes_plan(t, bias, w, &N0, &grow, &cap))
            fits = classes_bytes(t, bias, w, cap) <= avail;
        fal_arch_free(t);
        if (fits) {
            lo = h;
            wlo = w;
        } else {
            hi = h - 1;
        }
    }
    fal_ctx_free(tc);
    if (!lo) {
        fal__fail(ctx, FAL_ENOMEM, "%s (no hidden width of this depth fits)", msg);
        return;
    }
    fal__fail(ctx, FAL_ENOMEM,
              "%s; what fits: hidden width %zu at this depth (w = %llu), and the rank costs ~w^3 flops: "
              "about w = " FAL__MLP_RANK_30S " in 30 s on 2 cores, hours at w = 10^5 (doc/mlp.md)",
              msg, lo, (unsigned long long)wlo);
}

fal_status fal__classes_mlp(fal_ctx *ctx, const fal_config *cfg, uint64_t draws, fal_classes *out)
{
    mlp_point pt = { 0 };
    fal_status st = FAL_OK;
    pt.arch = cfg->arch;
    if (!pt.arch) {
        st = fal_arch_from_widths(ctx, default_widths, 4, &pt.own);
        if (st != FAL_OK) return st;
        pt.arch = pt.own;
    }
    pt.act = cfg->act == FAL_ACT_DEFAULT ? FAL_ACT_RELU : cfg->act;
    pt.bias = !cfg->bias_off;
    pt.scale = cfg->init_scale > 0 ? cfg->init_scale : 1.0;
    uint64_t L = fal_arch_depth(pt.arch);
    if (L > FAL__MLP_MAX_DEPTH) {
        fal_arch_free(pt.own);
        return fal__fail(ctx, FAL_EINVAL, "mlp: depth above %d layers refused", FAL__MLP_MAX_DEPTH);
    }
    size_t n0 = fal_arch_width(pt.arch, 0), nL = fal_arch_width(pt.arch, L), nmax = 0;
    for (uint64_t i = 0; i <= L; i++) nmax = smax(nmax, fal_arch_width(pt.arch, i));
    fal__mlp probe_net = { 0 };
    if (nmax > INT_MAX) {
        st = fal__fail(ctx, FAL_EINVAL, "classes mlp: width %zu exceeds the BLAS/LAPACK limit 2^31 - 1", nmax);
        goto out;
    }
    if (draws < 1 || draws > 10000) {
        st = fal__fail(ctx, FAL_EINVAL, "classes mlp: --draws must be in [1, 10^4]");
        goto out;
    }
    if (cfg->at && draws > 1) {
        st = fal__fail(ctx, FAL_EINVAL, "classes mlp: --draws takes random points; --params gives one");
        goto out;
    }
    st = fal__mlp_params(ctx, pt.arch, pt.bias, &pt.w);
    if (st != FAL_OK) goto out;
    size_t N0 = 0;
    int grow = 0;
    if (!classes_plan(pt.arch, pt.bias, pt.w, &N0, &grow, &pt.cap)) {
        st = fal__fail(ctx, FAL_ENOMEM, "classes mlp: w = %llu needs %zu probes, beyond what fits",
                       (unsigned long long)pt.w, N0);
        goto out;
    }
    {
        size_t need = classes_bytes(pt.arch, pt.bias, pt.w, pt.cap);
        if (need == SIZE_MAX) st = fal__fail(ctx, FAL_ENOMEM, "classes mlp needs more than 16 EiB");
        else st = fal__budget(ctx, need, "classes mlp");
        if (st == FAL_ENOMEM) refusal_fits(ctx, pt.arch, pt.bias);
        if (st != FAL_OK) goto out;
    }
    pt.X = fal__alloc(ctx, n0 * pt.cap * sizeof(double), "probes");
    pt.p = pt.X ? fal__alloc(ctx, pt.w * sizeof(double), "parameters") : NULL;
    if (!pt.p) {
        st = FAL_ENOMEM;
        goto out;
    }
    {
        fal_rng r;
        fal_rng_seed(&r, cfg->seed ^ 0x70726f626573ULL);
        for (size_t j = 0; j < n0 * pt.cap; j++) pt.X[j] = fal_rng_normal(&r);
    }
    st = fal__mlp_new(ctx, pt.arch, pt.act, pt.bias, 1, &probe_net);
    if (st != FAL_OK) goto out;
    draw_params(&probe_net, cfg->seed, pt.scale);
    if (cfg->at) st = point_at(ctx, cfg->at, &probe_net);
    if (st != FAL_OK) goto out;
    memcpy(pt.p, probe_net.p, pt.w * sizeof(double));

    out->act = fal_act_name(pt.act);
    out->params = pt.w;
    out->probe_tolerance = MLP_RANK_TOL;
    out->symmetry_bound = fal__mlp_symmetry_bound(pt.arch, pt.act, pt.bias, pt.w);
    for (uint64_t i = 1; i < L; i++) out->hidden_units += fal_arch_width(pt.arch, i);
    /* grow N until the rank stops growing */
    size_t N = N0, Nfull = N0; /* Nfull: the fewest probes known to reach r */
    uint64_t r = 0;
    st = rank_k(ctx, &pt, N, &r, &out->sigma_last, &out->sigma_next, &out->rank_method, out);
    for (int g = 0; g < grow && st == FAL_OK; g++) {
        uint64_t r2 = 0;
        double l2, n2;
        const char *u2;
        fal_classes lay;
        st = rank_k(ctx, &pt, 2 * N, &r2, &l2, &n2, &u2, &lay);
        if (st != FAL_OK) break;
        int grew = r2 > r;
        if (grew) Nfull = 2 * N;
        N *= 2;
        r = r2;
        out->sigma_last = l2;
        out->sigma_next = n2;
        out->rank_method = u2;
        out->nlayers = lay.nlayers;
        memcpy(out->dead, lay.dead, sizeof lay.dead);
        memcpy(out->always_active, lay.always_active, sizeof lay.always_active);
        if (!grew) {
            out->rank_stable = 1;
            break;
        }
    }
    if (st != FAL_OK) goto out;
    out->probes = N;
    out->function_dim = r;
    out->class_dim = pt.w - r;
    out->hidden_symmetries = (int64_t)out->symmetry_bound - (int64_t)r;
    out->rank_gap = out->sigma_next > 0 ? out->sigma_last / out->sigma_next : NAN;
    /* k_min: rank(k) <= k nL, so search [ceil(r / nL), N] by bisection */
    size_t lo = smax(1, (size_t)((r + nL - 1) / nL)), hi = Nfull;
    while (lo < hi && st == FAL_OK) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t rm = 0;
        st = rank_k(ctx, &pt, mid, &rm, NULL, NULL, NULL, NULL);
        if (rm >= r) hi = mid;
        else lo = mid + 1;
    }
    if (st != FAL_OK) goto out;
    out->k_min = r ? lo : 0;
    out->examples = cfg->examples_set ? cfg->examples : 0;
    /* the draws: function_dim at the same N for seeds seed + d */
    out->draws = draws;
    out->dim_min = out->dim_max = r;
    double sum = (double)r;
    uint64_t at = r == out->symmetry_bound;
    for (uint64_t d = 1; d < draws && st == FAL_OK; d++) {
        draw_params(&probe_net, cfg->seed + d, pt.scale);
        memcpy(pt.p, probe_net.p, pt.w * sizeof(double));
        uint64_t rd = 0;
        st = rank_k(ctx, &pt, N, &rd, NULL, NULL, NULL, NULL);
        sum += (double)rd;
        at += rd == out->symmetry_bound;
        if (rd < out->dim_min) out->dim_min = rd;
        if (rd > out->dim_max) out->dim_max = rd;
    }
    out->dim_mean = sum / (double)draws;
    out->frac_at_bound = (double)at / (double)draws;
out:
    fal__mlp_free(&probe_net);
    fal__free(ctx, pt.p, pt.w * sizeof(double));
    fal__free(ctx, pt.X, n0 * pt.cap * sizeof(double));
    fal_arch_free(pt.own);
    return st;
}
