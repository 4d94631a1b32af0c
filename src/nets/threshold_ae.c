/* threshold_ae.c -- N6, the threshold-gate autoencoder A(n, m, n) (and
 * A(n, h.., m, ..h, n)), every unit a polynomial threshold gate of degree d
 * (d = 1: a linear threshold gate, a perceptron) on the layer before:
 *   out = [P(z) > 0],  P(z) = sum_{S, |S| <= d} w_S prod_{i in S} z_i,
 * z_i in {-1, +1} (--units sign) or {0, 1} (--units heaviside); the bias is
 * the monomial S = {} (conventions in src/kern/ptf.h).  Weights are int64.
 *
 * Parameters: w = sum_i n_i sum_{j <= min(d, n_{i-1})} C(n_{i-1}, j), the
 * monomials of each unit's inputs; d = 1: sum_i n_i (n_{i-1} + 1), i.e.
 * 2nm + n + m for A(n, m, n) (the paper's 2nm plus the biases).
 *
 * What is optimal.  The network is an N4 network whose units are restricted,
 * so N4's optimum (the best Hamming clustering into <= 2^m groups, on the
 * same data: hamming.c, same seed streams as bool-ae) bounds its distortion
 * from below.  With d >= n every gate realises every Boolean function of its
 * inputs (the 2^n monomials span all functions on the cube), the bound is
 * reached, and the function classes are N4's.  With d < n the encoder's
 * code bits must be threshold functions of the input and the decoder's
 * outputs threshold functions of the code, and which cluster gets which code
 * matters: for d = 1 and m = 2, a decoder bit that is the XOR of the two code
 * bits is not realisable.
 *
 * Training.
 *  1. Cluster as N4 does (Lloyd with restarts; exact when small).
 *  2. d >= n: interpolate.  Encoder bit j is bit j of the code of the
 *     nearest centre, defined on all 2^n inputs; the decoder maps each used
 *     code to its group's majority (unused codes: random, free).  Exact
 *     integer interpolation (Moebius / Walsh transform) realises them.
 *  3. d < n: search code assignments.  Cluster 0 keeps code 0 (complementing
 *     a code bit complements one encoder gate and substitutes z_j -> -z_j or
 *     1 - z_j in the decoder, which preserves degree), then all remaining
 *     injections of clusters into codes when there are at most 120, else the
 *     identity and 23 random ones.  For each: fit each encoder gate to its
 *     code bit (perceptron with pocket, weighted by multiplicity), read the
 *     codes the gates actually produce, fit each decoder gate to the majority
 *     bit of each realised group (weighted by |ones - zeros|, what choosing
 *     the minority would cost; interpolated when d >= m), and measure the
 *     distortion.  Keep the best.
 *  4. Refine the best, Lloyd-style on the realised network: retarget each
 *     example to the code whose decoded output is nearest to it, refit the
 *     encoder from its current weights, refit the decoder; keep the best
 *     network seen, stop when a round does not improve it.
 * The gates of wide hidden layers beyond the m code carriers get random
 * weights and are read by nobody (zero weight downstream): free, like N4's.
 *
 * Equivalences (tested): permuting the m code units together with the
 * decoder's variables, and multiplying a gate's weights by a positive
 * integer, leave the function unchanged on all 2^n inputs. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "hamming.h"
#include "../kern/ptf.h"

#define THRAE_MAX_INTERP 20  /* an interpolated gate has 2^p weights */
#define THRAE_MAX_M 16       /* 2^m codes are enumerated */
#define THRAE_EPOCHS 100     /* perceptron epochs per fit (--steps) */
#define THRAE_ENUM_MAX 120   /* code assignments tried exhaustively up to this many */
#define THRAE_RANDOM 24      /* else: the identity and 23 random ones */
#define THRAE_ROUNDS 20      /* refinement rounds at most */

uint64_t fal__thr_ae_eval(const fal__thr_ae_net *net, uint64_t x)
{
    for (size_t i = 0; i < net->L; i++) {
        const fal__thr_layer *ly = &net->layer[i];
        uint64_t y = 0;
        for (unsigned j = 0; j < ly->width; j++)
            y |= (uint64_t)fal__ptf_out(ly->mono, ly->w + (size_t)j * ly->M, ly->M, net->sign, x) << j;
        x = y;
    }
    return x;
}

void fal__thr_ae_net_free(fal_ctx *ctx, fal__thr_ae_net *net)
{
    fal__free(ctx, net->layer, net->L * sizeof *net->layer);
    fal__free(ctx, net->wblock, net->nw * sizeof(int64_t));
    fal__free(ctx, net->mblock, net->nm * sizeof(uint64_t));
    memset(net, 0, sizeof *net);
}

/* sum_{j <= min(d, p)} C(p, j) by Pascal's rule, saturating: the closed
 * form, computed apart from the monomial lists it must agree with. */
static uint64_t monomials_closed_form(unsigned p, unsigned d)
{
    uint64_t row[65] = { 1 }, sum = 0;
    for (unsigned i = 1; i <= p; i++)
        for (unsigned j = i; j >= 1; j--) row[j] = row[j] + row[j - 1] < row[j] ? UINT64_MAX : row[j] + row[j - 1];
    for (unsigned j = 0; j <= d && j <= p; j++) sum = sum + row[j] < sum ? UINT64_MAX : sum + row[j];
    return sum;
}

/* The weights (nw) and monomial masks (nm) of the gates of arch at degree
 * d, checked: FAL_ENOMEM when they overflow. */
static fal_status net_size(fal_ctx *ctx, const fal_arch *arch, unsigned d, size_t *nw, size_t *nm)
{
    size_t L = (size_t)fal_arch_depth(arch);
    *nw = *nm = 0;
    for (size_t i = 0; i < L; i++) {
        uint64_t M = fal__ptf_nmono((unsigned)fal_arch_width(arch, i), d);
        size_t t;
        if (M > SIZE_MAX / 64 || fal__mul(fal_arch_width(arch, i + 1), (size_t)M, &t) || fal__add(*nw, t, nw) ||
            fal__add(*nm, (size_t)M, nm) || *nw > SIZE_MAX / 16)
            return fal__fail(ctx, FAL_ENOMEM,
                             "threshold-ae needs more than 16 EiB (degree %u gates have too many monomials)", d);
    }
    return FAL_OK;
}

static fal_status net_alloc(fal_ctx *ctx, const fal_arch *arch, unsigned d, int sign, fal__thr_ae_net *net)
{
    memset(net, 0, sizeof *net);
    size_t L = (size_t)fal_arch_depth(arch), nw, nm;
    fal_status st = net_size(ctx, arch, d, &nw, &nm);
    if (st != FAL_OK) return st;
    st = fal__budget(ctx, nw * sizeof(int64_t) + nm * sizeof(uint64_t), "threshold-ae weights");
    if (st != FAL_OK) return st;
    net->layer = fal__calloc(ctx, L, sizeof *net->layer, "threshold-ae layers");
    net->wblock = net->layer ? fal__calloc(ctx, nw, sizeof(int64_t), "threshold-ae weights") : NULL;
    net->mblock = net->wblock ? fal__alloc(ctx, nm * sizeof(uint64_t), "threshold-ae monomials") : NULL;
    if (!net->mblock) {
        fal__free(ctx, net->layer, L * sizeof *net->layer);
        fal__free(ctx, net->wblock, nw * sizeof(int64_t));
        memset(net, 0, sizeof *net);
        return FAL_ENOMEM;
    }
    net->L = L;
    net->nw = nw;
    net->nm = nm;
    net->sign = sign;
    net->degree = d;
    int64_t *w = net->wblock;
    uint64_t *mono = net->mblock;
    for (size_t i = 0; i < L; i++) {
        fal__thr_layer *ly = &net->layer[i];
        ly->p = (unsigned)fal_arch_width(arch, i);
        ly->width = (unsigned)fal_arch_width(arch, i + 1);
        ly->M = (size_t)fal__ptf_nmono(ly->p, d);
        ly->mono = mono;
        ly->w = w;
        fal__ptf_monomials(ly->p, d, mono);
        mono += ly->M;
        w += (size_t)ly->width * ly->M;
    }
    return FAL_OK;
}

/* ---- fitting ---------------------------------------------------------------- */

typedef struct fit {
    const fal__ham_set *s;
    unsigned n, m, d;
    int sign;
    size_t C, u;
    int exact_dec;          /* d >= m: decoder gates interpolated */
    size_t Me, Md;
    uint64_t *mono_e, *mono_d;
    int64_t *enc, *dec;     /* m x Me, n x Md: the current network */
    int64_t *enc_b, *dec_b; /* the best one */
    uint64_t best;          /* its distortion */
    /* scratch */
    uint8_t *y;             /* max(u, C) labels */
    uint64_t *v;            /* max(u, C) weights */
    uint64_t *z;            /* C used codes as points */
    int64_t *cur;           /* max(Me, Md, 2^m when exact_dec) */
    uint32_t *order;        /* max(u, C) */
    uint32_t *code;         /* u: codes the encoder produces */
    uint32_t *target;       /* u: codes asked of it */
    uint64_t *gcnt, *gtot;  /* C x n bit counts, C sizes of the realised groups */
    uint64_t *dout;         /* C decoded outputs */
    fal_rng r;
    uint64_t epochs, ran;
} fit;

static void fit_encoder(fit *F)
{
    for (unsigned j = 0; j < F->m; j++) {
        for (size_t i = 0; i < F->u; i++) {
            F->y[i] = (uint8_t)((F->target[i] >> j) & 1);
            F->v[i] = F->s->wt[i];
        }
        uint64_t ran;
        fal__ptf_fit(F->mono_e, F->Me, F->sign, F->s->pt, F->y, F->v, F->u, F->epochs, &F->r, F->enc + j * F->Me,
                     F->cur, F->order, &ran);
        F->ran += ran;
    }
}

static void realise_codes(fit *F)
{
    for (size_t i = 0; i < F->u; i++) {
        uint32_t c = 0;
        for (unsigned j = 0; j < F->m; j++)
            c |= (uint32_t)fal__ptf_out(F->mono_e, F->enc + j * F->Me, F->Me, F->sign, F->s->pt[i]) << j;
        F->code[i] = c;
    }
}

static uint64_t decode(const fit *F, uint64_t z)
{
    uint64_t o = 0;
    for (unsigned b = 0; b < F->n; b++) o |= (uint64_t)fal__ptf_out(F->mono_d, F->dec + b * F->Md, F->Md, F->sign, z) << b;
    return o;
}

/* Decoder gate b: the majority bit of each realised group. */
static void fit_decoder(fit *F)
{
    size_t C = F->C, n = F->n;
    memset(F->gcnt, 0, C * n * sizeof(uint64_t));
    memset(F->gtot, 0, C * sizeof(uint64_t));
    for (size_t i = 0; i < F->u; i++) {
        uint64_t *g = F->gcnt + (size_t)F->code[i] * n;
        for (unsigned b = 0; b < n; b++) g[b] += F->s->wt[i] * ((F->s->pt[i] >> b) & 1);
        F->gtot[F->code[i]] += F->s->wt[i];
    }
    size_t nz = 0;
    for (size_t c = 0; c < C; c++)
        if (F->gtot[c]) F->z[nz++] = c;
    for (unsigned b = 0; b < n; b++) {
        int64_t *w = F->dec + b * F->Md;
        if (F->exact_dec) {
            /* unused codes are never produced: random, free */
            for (size_t c = 0; c < C; c++) {
                unsigned f = F->gtot[c] ? 2 * F->gcnt[c * n + b] > F->gtot[c] : (unsigned)(fal_rng_next(&F->r) & 1);
                F->cur[c] = f ? 1 : -1;
            }
            fal__ptf_interpolate(F->cur, F->m, F->sign);
            for (size_t t = 0; t < F->Md; t++) w[t] = F->cur[F->mono_d[t]];
            continue;
        }
        for (size_t q = 0; q < nz; q++) {
            uint64_t c = F->z[q], ones = F->gcnt[c * n + b], zeros = F->gtot[c] - ones;
            F->y[q] = ones > zeros;
            F->v[q] = ones > zeros ? ones - zeros : zeros - ones;
        }
        uint64_t ran;
        fal__ptf_fit(F->mono_d, F->Md, F->sign, F->z, F->y, F->v, nz, F->epochs, &F->r, w, F->cur, F->order, &ran);
        F->ran += ran;
    }
}

static uint64_t distortion(fit *F)
{
    for (size_t c = 0; c < F->C; c++)
        if (F->gtot[c]) F->dout[c] = decode(F, c);
    uint64_t D = 0;
    for (size_t i = 0; i < F->u; i++) D += F->s->wt[i] * (uint64_t)__builtin_popcountll(F->s->pt[i] ^ F->dout[F->code[i]]);
    return D;
}

static void keep_if_best(fit *F, uint64_t D)
{
    if (D < F->best) {
        F->best = D;
        memcpy(F->enc_b, F->enc, F->m * F->Me * sizeof(int64_t));
        memcpy(F->dec_b, F->dec, F->n * F->Md * sizeof(int64_t));
    }
}

/* Fit a fresh network to the clustering under the code assignment perm. */
static uint64_t try_assignment(fit *F, const fal__ham_clust *cl, const uint32_t *perm)
{
    for (size_t i = 0; i < F->u; i++) F->target[i] = perm[cl->assign[i]];
    memset(F->enc, 0, F->m * F->Me * sizeof(int64_t));
    memset(F->dec, 0, F->n * F->Md * sizeof(int64_t));
    fit_encoder(F);
    realise_codes(F);
    fit_decoder(F);
    uint64_t D = distortion(F);
    keep_if_best(F, D);
    return D;
}

/* perm[0] = 0 and perm[1..c) the t-th injection into 1..C-1 (mixed radix). */
static void decode_injection(uint64_t t, size_t c, size_t C, uint32_t *perm, uint8_t *taken)
{
    memset(taken, 0, C);
    perm[0] = 0;
    taken[0] = 1;
    for (size_t i = 1; i < c; i++) {
        uint64_t radix = C - i, k = t % radix;
        t /= radix;
        size_t code = 0;
        for (;; code++)
            if (!taken[code] && k-- == 0) break;
        perm[i] = (uint32_t)code;
        taken[code] = 1;
    }
}

/* One refinement round: each example asks for the code whose decoded output
 * is nearest (its current code on ties, else the lowest). */
static int retarget(fit *F)
{
    for (size_t c = 0; c < F->C; c++) F->dout[c] = decode(F, c);
    int changed = 0;
    for (size_t i = 0; i < F->u; i++) {
        uint32_t cur = F->code[i], bestc = cur;
        unsigned bd = (unsigned)__builtin_popcountll(F->s->pt[i] ^ F->dout[cur]);
        for (size_t c = 0; c < F->C; c++) {
            unsigned d = (unsigned)__builtin_popcountll(F->s->pt[i] ^ F->dout[c]);
            if (d < bd) {
                bd = d;
                bestc = (uint32_t)c;
            }
        }
        F->target[i] = bestc;
        if (bestc != cur) changed = 1;
    }
    return changed;
}

/* ---- parameter export (doc/params.md) ---------------------------------------- */

/* The network's outputs, as fal__ham_keep_rows calls them. */
static uint64_t eval_rows(const void *net, uint64_t x) { return fal__thr_ae_eval(net, x); }

/* Every layer's gates: W_i (n_i x M_i, the integer weights, as '<i8') on
 * the monomials S_i (M_i x n_{i-1}, row t the 0/1 indicator of monomial
 * t's variables; row 0 the bias), N4's centres as bit rows with their
 * training rows, the rows and the outputs; only the centres with
 * FAL_KEEP_CENTRES. */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__thr_ae_net *net,
                              const fal__ham_clust *cl, const fal__ham_data *d)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    if (cfg->keep_params == FAL_KEEP_CENTRES) /* what the store records, nothing more */
        return fal__ham_keep_centres(ctx, p, cl->centre, cl->c, d->n, d->x, d->k);
    for (size_t i = 0; i < net->L && st == FAL_OK; i++) {
        const fal__thr_layer *ly = &net->layer[i];
        size_t len = (size_t)ly->width * ly->M;
        double *v = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "gate weights");
        if (!v) return FAL_ENOMEM;
        for (size_t t = 0; t < len && st == FAL_OK; t++) {
            /* doubles hold the integers exactly up to 2^53; the weights stay far below */
            if (ly->w[t] > ((int64_t)1 << 53) || ly->w[t] < -((int64_t)1 << 53))
                st = fal__fail(ctx, FAL_ERANGE, "threshold-ae: a weight of layer %zu exceeds 2^53", i + 1);
            v[t] = (double)ly->w[t];
        }
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "W%zu", i + 1);
        if (st == FAL_OK) st = fal_params_add(p, name, FAL_DT_I8, 2, ly->width, ly->M, v);
        fal__free(ctx, v, (len ? len : 1) * sizeof(double));
        snprintf(name, sizeof name, "S%zu", i + 1);
        if (st == FAL_OK) st = fal__params_bits(p, name, ly->mono, ly->M, ly->p, 1);
    }
    if (st == FAL_OK) st = fal__ham_keep_centres(ctx, p, cl->centre, cl->c, d->n, d->x, d->k);
    if (st == FAL_OK) st = fal__ham_keep_rows(ctx, p, "train", d->x, d->k, d->n, eval_rows, net);
    if (st == FAL_OK && d->ntest) st = fal__ham_keep_rows(ctx, p, "test", d->x + d->k, d->ntest, d->n, eval_rows, net);
    return st;
}

/* ---- the family ------------------------------------------------------------- */


fal_status fal__run_threshold_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    return fal__thr_ae_run(ctx, cfg, res, NULL);
}

fal_status fal__thr_ae_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__thr_ae_net *keep)
{
    fal_status st;
    const fal_arch *arch;
    size_t n, m;
    if (keep) memset(keep, 0, sizeof *keep);
    st = fal__ae_arch(ctx, cfg, res, "threshold-ae", 8, 2, NULL, &arch, &n, &m);
    if (st != FAL_OK) return st;
    uint64_t L64 = fal_arch_depth(arch);
    unsigned d = cfg->degree ? cfg->degree : 1;
    int sign = cfg->units == FAL_UNITS_SIGN;
    size_t L = (size_t)L64;
    for (size_t i = 0; i <= L; i++)
        if (fal_arch_width(arch, i) > 64)
            return fal__fail(ctx, FAL_EINVAL, "threshold-ae: width %zu of layer %zu; the limit is 64 (one word)",
                             fal_arch_width(arch, i), i);
    if (m > THRAE_MAX_M)
        return fal__fail(ctx, FAL_EINVAL, "threshold-ae: bottleneck m = %zu; the 2^m codes are enumerated up to m = %d",
                         m, THRAE_MAX_M);
    int exact_enc = d >= n;
    if (exact_enc && n > THRAE_MAX_INTERP)
        return fal__fail(ctx, FAL_EINVAL, "threshold-ae: --degree %u >= n = %zu interpolates 2^n weights per gate; "
                         "the limit is n <= %d at that degree", d, n, THRAE_MAX_INTERP);
    if (cfg->algo != FAL_ALGO_DEFAULT && cfg->algo != FAL_ALGO_EXACT)
        return fal__fail(ctx, FAL_EINVAL, "threshold-ae trains by clustering then fitting gates: --algo exact (exact "
                         "clustering) or the default, not %s", fal_algo_name(cfg->algo));
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "threshold-ae is Boolean: no --field complex");
    uint64_t params = 0;
    for (size_t i = 1; i <= L; i++) {
        uint64_t t;
        if (__builtin_mul_overflow((uint64_t)fal_arch_width(arch, i),
                                   monomials_closed_form((unsigned)fal_arch_width(arch, i - 1), d), &t) ||
            __builtin_add_overflow(params, t, &params))
            return fal__fail(ctx, FAL_ENOMEM, "threshold-ae needs more than 16 EiB (w overflows 64 bits)");
    }

    /* ---- data and clustering: the same streams as bool-ae ---- */
    fal_rng rdata, rstart, rtest, rfree, rfit;
    fal_rng_seed(&rdata, cfg->seed);
    rstart = rdata;
    fal_rng_jump(&rstart);
    rtest = rstart;
    fal_rng_jump(&rtest);
    rfree = rtest;
    fal_rng_jump(&rfree);
    rfit = rfree;
    fal_rng_jump(&rfit);
    fal__ham_data data = { 0 };
    fal__ham_set set = { 0 };
    fal__ham_solution sol = { 0 };
    fal__thr_ae_net net = { 0 };
    fit F = { 0 };
    uint32_t *label = NULL, *perm = NULL;
    uint8_t *taken = NULL;
    size_t C = (size_t)1 << m, N = exact_enc ? (size_t)1 << n : 0, scratch = 0, U = 0;
    /* What the architecture alone sizes (the gates, the fitting state but
     * its per-example part, every input's label) is made after the
     * clustering: it is budgeted now and reserved by lowering the limit
     * while the examples and the clustering take theirs (data_make budgets
     * the per-example part), so that no run allocates its examples and then
     * finds no room for its gates. */
    size_t lim = fal_ctx_mem_limit(ctx), reserve;
    {
        size_t nw, nm;
        st = net_size(ctx, arch, d, &nw, &nm);
        if (st != FAL_OK) return st;
        /* --save: the weights and the monomials' indicator rows */
        if (cfg->keep_params == FAL_KEEP_ALL && (double)nw + (double)nm * (double)n > (double)FAL__PARAMS_MAX_VALUES)
            return fal__params_too_big(ctx, "threshold-ae", "the gates' weights and monomials",
                                       (double)nw + (double)nm * (double)n);
        size_t Me = (size_t)fal__ptf_nmono((unsigned)n, d), Md = (size_t)fal__ptf_nmono((unsigned)m, d);
        size_t sc = Me > Md ? Me : Md;
        if (sc < C) sc = C;
        if (sc < N) sc = N;
        /* the words: gates, monomials, fitting gates (twice), scratch, group counts */
        size_t words = fal__sadd(fal__sadd(nw, nm), fal__sadd(fal__smul(2, fal__sadd(fal__smul(m, Me), fal__smul(n, Md))), fal__sadd(Md, sc)));
        words = fal__sadd(words, fal__smul(C, n + 3));
        /* N labels, and the search that finds them */
        reserve = fal__sadd(fal__smul(words, sizeof(uint64_t)), fal__smul(L, sizeof(fal__thr_layer)));
        reserve = fal__sadd(reserve, N * (2 * sizeof(uint32_t) + 1));
        reserve = fal__sadd(reserve, C * (1 + 2 * sizeof(uint64_t) + sizeof(uint32_t) + sizeof(uint32_t) + 1));
        if (reserve == SIZE_MAX)
            return fal__fail(ctx, FAL_ENOMEM, "threshold-ae needs more than 16 EiB (its size overflows 64 bits)");
        st = fal__budget(ctx, reserve, "threshold-ae");
        if (st != FAL_OK) return st;
    }
    st = fal__ham_data_make_reserved(ctx, cfg, (unsigned)n, (unsigned)m, &rdata, &rtest, reserve, "its gates", &data);
    if (st != FAL_OK) return st;
    st = fal__ham_set_new(ctx, (unsigned)n, data.x, data.k, &set);
    if (st != FAL_OK) goto done;
    st = fal__ham_solve(ctx, &set, C, cfg->algo == FAL_ALGO_EXACT, cfg->max_steps ? cfg->max_steps : 1000, &rstart,
                        &sol);
    fal_ctx_set_mem_limit(ctx, lim); /* the reserve is now the gates' */
    if (st != FAL_OK) goto done;
    st = net_alloc(ctx, arch, d, sign, &net);
    if (st != FAL_OK) goto done;

    /* ---- fitting state ---- */
    F.s = &set;
    F.n = (unsigned)n;
    F.m = (unsigned)m;
    F.d = d;
    F.sign = sign;
    F.C = C;
    F.u = set.u;
    F.exact_dec = d >= m;
    F.Me = net.layer[0].M;
    F.mono_e = net.layer[0].mono;
    F.Md = (size_t)fal__ptf_nmono((unsigned)m, d);
    F.r = rfit;
    F.epochs = cfg->max_steps ? cfg->max_steps : THRAE_EPOCHS;
    F.best = UINT64_MAX;
    U = set.u > C ? set.u : C;
    scratch = F.Me > F.Md ? F.Me : F.Md;
    if (scratch < C) scratch = C;
    if (scratch < N) scratch = N;
    {
        size_t need = 2 * (m * F.Me + n * F.Md) * sizeof(int64_t) + F.Md * sizeof(uint64_t) + scratch * sizeof(int64_t) +
                      U * (1 + 2 * sizeof(uint64_t) + sizeof(uint32_t)) + set.u * 2 * sizeof(uint32_t) +
                      C * (n + 3) * sizeof(uint64_t) + N * sizeof(uint32_t) + C * (sizeof(uint32_t) + 1);
        st = fal__budget(ctx, need, "threshold-ae fitting");
        if (st != FAL_OK) goto done;
    }
    F.mono_d = fal__alloc(ctx, F.Md * sizeof(uint64_t), "decoder monomials");
    F.enc = fal__calloc(ctx, m * F.Me, sizeof(int64_t), "encoder gates");
    F.dec = fal__calloc(ctx, n * F.Md, sizeof(int64_t), "decoder gates");
    F.enc_b = fal__calloc(ctx, m * F.Me, sizeof(int64_t), "best encoder gates");
    F.dec_b = fal__calloc(ctx, n * F.Md, sizeof(int64_t), "best decoder gates");
    F.cur = fal__alloc(ctx, scratch * sizeof(int64_t), "gate scratch");
    F.y = fal__alloc(ctx, U, "gate labels");
    F.v = fal__alloc(ctx, U * sizeof(uint64_t), "gate label weights");
    F.z = fal__alloc(ctx, U * sizeof(uint64_t), "used codes");
    F.order = fal__alloc(ctx, U * sizeof(uint32_t), "perceptron order");
    F.code = fal__alloc(ctx, set.u * sizeof(uint32_t), "realised codes");
    F.target = fal__alloc(ctx, set.u * sizeof(uint32_t), "target codes");
    F.gcnt = fal__alloc(ctx, C * n * sizeof(uint64_t), "group bit counts");
    F.gtot = fal__alloc(ctx, C * sizeof(uint64_t), "group sizes");
    F.dout = fal__alloc(ctx, C * sizeof(uint64_t), "decoded outputs");
    perm = fal__alloc(ctx, C * sizeof(uint32_t), "code assignment");
    taken = fal__alloc(ctx, C, "code assignment flags");
    label = N ? fal__alloc(ctx, N * sizeof(uint32_t), "nearest centre of every input") : NULL;
    if (!F.mono_d || !F.enc || !F.dec || !F.enc_b || !F.dec_b || !F.cur || !F.y || !F.v || !F.z || !F.order ||
        !F.code || !F.target || !F.gcnt || !F.gtot || !F.dout || !perm || !taken || (N && !label)) {
        st = FAL_ENOMEM;
        goto done;
    }
    fal__ptf_monomials((unsigned)m, d, F.mono_d);

    /* ---- train ---- */
    const fal__ham_clust *cl = &sol.cl;
    uint64_t tried = 0, rounds = 0;
    int settled = 1;
    if (exact_enc) {
        /* every Boolean function is a gate: encode every input to its nearest
         * centre's code, exactly */
        st = fal__ham_nearest_all(ctx, (unsigned)n, cl->centre, cl->c, label);
        if (st != FAL_OK) goto done;
        for (unsigned j = 0; j < m; j++) {
            for (size_t b = 0; b < N; b++) F.cur[b] = (label[b] >> j) & 1 ? 1 : -1;
            fal__ptf_interpolate(F.cur, (unsigned)n, sign);
            for (size_t t = 0; t < F.Me; t++) F.enc[j * F.Me + t] = F.cur[F.mono_e[t]];
        }
        realise_codes(&F);
        fit_decoder(&F);
        keep_if_best(&F, distortion(&F));
        tried = 1;
    } else {
        /* the code assignments: all injections with cluster 0 -> code 0 when
         * few, else the identity and random ones */
        size_t c = cl->c;
        uint64_t P = 1;
        for (size_t i = 1; i < c && P <= THRAE_ENUM_MAX; i++) P *= C - i;
        int all = P <= THRAE_ENUM_MAX;
        uint64_t count = all ? P : THRAE_RANDOM;
        for (uint64_t t = 0; t < count; t++) {
            if (all) {
                decode_injection(t, c, C, perm, taken);
            } else {
                for (size_t q = 0; q < C; q++) perm[q] = (uint32_t)q;
                if (t > 0) /* a random injection: shuffle codes 1..C-1, keep the first c-1 */
                    for (size_t q = C - 1; q > 1; q--) {
                        size_t r = 1 + (size_t)fal_rng_below(&F.r, q);
                        uint32_t tmp = perm[q];
                        perm[q] = perm[r];
                        perm[r] = tmp;
                    }
            }
            try_assignment(&F, cl, perm);
            tried++;
        }
        /* refine the best network Lloyd-style */
        memcpy(F.enc, F.enc_b, m * F.Me * sizeof(int64_t));
        memcpy(F.dec, F.dec_b, n * F.Md * sizeof(int64_t));
        realise_codes(&F);
        settled = 0;
        while (rounds < THRAE_ROUNDS) {
            if (!retarget(&F)) {
                settled = 1;
                break;
            }
            rounds++;
            fit_encoder(&F);
            realise_codes(&F);
            fit_decoder(&F);
            uint64_t before = F.best;
            keep_if_best(&F, distortion(&F));
            if (F.best == before) {
                settled = 1;
                break;
            }
        }
    }

    /* ---- write the network ---- */
    for (size_t i = 0; i + 1 < L; i++) {
        fal__thr_layer *ly = &net.layer[i];
        for (unsigned j = 0; j < ly->width; j++) {
            int64_t *w = ly->w + (size_t)j * ly->M;
            if (j < m && i == 0) {
                memcpy(w, F.enc_b + j * F.Me, F.Me * sizeof(int64_t));
            } else if (j < m) {
                /* carry code bit j: sign(z_j), or H(2 z_j - 1); monomial 0 is the bias */
                w[0] = sign ? 0 : -1;
                w[fal__ptf_find(ly->mono, ly->M, (uint64_t)1 << j)] = sign ? 1 : 2;
            } else {
                for (size_t t = 0; t < ly->M; t++) w[t] = (int64_t)fal_rng_below(&rfree, 7) - 3;
            }
        }
    }
    {
        /* the decoder reads the m code bits only: its monomials over them */
        fal__thr_layer *last = &net.layer[L - 1];
        for (unsigned b = 0; b < n; b++)
            for (size_t t = 0; t < F.Md; t++)
                last->w[(size_t)b * last->M + fal__ptf_find(last->mono, last->M, F.mono_d[t])] = F.dec_b[b * F.Md + t];
    }

    /* ---- measure ---- */
    uint64_t dtr = 0, dte = 0, d4te = 0;
    for (size_t i = 0; i < data.k; i++) dtr += (uint64_t)__builtin_popcountll(fal__thr_ae_eval(&net, data.x[i]) ^ data.x[i]);
    for (size_t i = data.k; i < data.k + data.ntest; i++) {
        dte += (uint64_t)__builtin_popcountll(fal__thr_ae_eval(&net, data.x[i]) ^ data.x[i]);
        uint64_t c4 = cl->centre[fal__ham_nearest(data.x[i], cl->centre, cl->c, NULL)];
        d4te += (uint64_t)__builtin_popcountll(c4 ^ data.x[i]);
    }
    if (dtr != F.best) {
        st = fal__fail(ctx, FAL_EINTERNAL, "threshold-ae: the written network's distortion %llu differs from the fit's %llu",
                       (unsigned long long)dtr, (unsigned long long)F.best);
        goto done;
    }
    if (exact_enc && dtr > cl->cost) {
        st = fal__fail(ctx, FAL_EINTERNAL, "threshold-ae: degree %u >= n did not reach the clustering's %llu (got %llu)",
                       d, (unsigned long long)cl->cost, (unsigned long long)dtr);
        goto done;
    }
    double kn = (double)data.k * (double)n;
    uint64_t n4 = sol.optimum != UINT64_MAX ? sol.optimum : cl->cost;
    int method = -1;
    int conv = settled && sol.fixed;
    res->params = params;
    res->examples = data.k;
    res->train_error = (double)dtr / kn;
    res->test_error = data.ntest ? (double)dte / ((double)data.ntest * (double)n) : NAN;
    /* known exactly only where the gates are universal and N4's optimum is known */
    res->optimum_error = exact_enc && sol.optimum != UINT64_MAX ? (double)sol.optimum / kn : NAN;
    res->log2_classes = exact_enc ? fal__ham_log2_maps((uint64_t)1 << n, (uint64_t)C, &method) : NAN;
    res->bits_provided = kn;
    res->converged = conv;
    res->steps = sol.iters + F.ran;
    res->note = conv ? NULL
                : !sol.fixed ? "Lloyd's round limit (--steps) came before a fixed point"
                             : "refinement still improving after its last round";
    res->algo = exact_enc ? "cluster+interpolate" : "cluster+pocket";
    fal__result_extra(res, "distortion", (double)dtr);
    fal__result_extra(res, "n4_optimum", (double)n4);
    fal__result_extra(res, "n4_exact", sol.optimum != UINT64_MAX);
    fal__result_extra(res, "gap", (double)dtr - (double)n4);
    fal__result_extra(res, "n4_lower_bound", sol.lower != UINT64_MAX ? (double)sol.lower : NAN);
    fal__result_extra(res, "n4_test_error", data.ntest ? (double)d4te / ((double)data.ntest * (double)n) : NAN);
    fal__result_extra(res, "degree", d);
    fal__result_extra(res, "clusters", (double)cl->c);
    fal__result_extra(res, "assignments_tried", (double)tried);
    fal__result_extra(res, "refine_rounds", (double)rounds);
    fal__result_extra(res, "interpolated_gates", (double)(exact_enc ? m : 0) + (F.exact_dec ? (double)n : 0));
    fal__result_extra(res, "param_block", (double)net.nw);
    fal__result_extra(res, "log2_classes_method", method >= 0 ? (double)method : NAN);
    fal__result_extra(res, "teacher_flip_prob", data.teacher ? FAL__HAM_FLIP_PROB : NAN);
    st = conv ? FAL_OK : FAL_ENOCONV;
    if (cfg->keep_params) {
        fal_status s3 = keep_params(ctx, cfg, res, &net, cl, &data);
        if (s3 != FAL_OK) {
            st = s3;
            goto done;
        }
    }
    if (keep) {
        net.m = (unsigned)m;
        *keep = net;
        memset(&net, 0, sizeof net);
    }
done:
    fal_ctx_set_mem_limit(ctx, lim);
    fal__free(ctx, F.mono_d, F.Md * sizeof(uint64_t));
    fal__free(ctx, F.enc, m * F.Me * sizeof(int64_t));
    fal__free(ctx, F.dec, n * F.Md * sizeof(int64_t));
    fal__free(ctx, F.enc_b, m * F.Me * sizeof(int64_t));
    fal__free(ctx, F.dec_b, n * F.Md * sizeof(int64_t));
    fal__free(ctx, F.cur, scratch * sizeof(int64_t));
    fal__free(ctx, F.y, U);
    fal__free(ctx, F.v, U * sizeof(uint64_t));
    fal__free(ctx, F.z, U * sizeof(uint64_t));
    fal__free(ctx, F.order, U * sizeof(uint32_t));
    fal__free(ctx, F.code, set.u * sizeof(uint32_t));
    fal__free(ctx, F.target, set.u * sizeof(uint32_t));
    fal__free(ctx, F.gcnt, C * n * sizeof(uint64_t));
    fal__free(ctx, F.gtot, C * sizeof(uint64_t));
    fal__free(ctx, F.dout, C * sizeof(uint64_t));
    fal__free(ctx, perm, C * sizeof(uint32_t));
    fal__free(ctx, taken, C);
    fal__free(ctx, label, N * sizeof(uint32_t));
    if (net.layer) fal__thr_ae_net_free(ctx, &net);
    fal__ham_solution_free(ctx, &sol);
    fal__ham_set_free(ctx, &set);
    fal__ham_data_free(ctx, &data);
    return st;
}
