/* walks.c -- class walks of N3 (bool) and N6 (threshold-ae).
 *
 * A class is the set of parameter settings that compute one function; a
 * walk trains a network, then moves inside its class and shows that the
 * parameters travel far while the function on every input stays put.
 *
 * N3.  Hidden layer i (1 <= i < L) hands layer i+1 a code c in H^(n_i).
 * Any permutation sigma of the 2^n_i codes can be undone by the next layer:
 *   layer i:    entry a of the n_i tables, code c(a), now spells sigma(c(a));
 *   layer i+1:  T'_q[sigma(c)] = T_q[c]  for every code c and unit q,
 * so T'_q[c'(a)] = T_q[c(a)]: every unit of layer i+1 and hence the output
 * is unchanged, whatever the architecture (codes the seen inputs never reach
 * included).  The moves draw sigma three ways: c xor mask (negate the
 * masked units' tables, permute the next tables' entries by index xor
 * mask), a permutation of the code's bits (of layer i's units, with the
 * matching permutation of layer i+1's inputs), and a uniformly random
 * permutation of all 2^n_i codes; one random hidden layer per move.  The
 * table bits the construction left free are random, so each move changes
 * about half of the two layers' bits: the distance tends to 1/2 once every
 * layer has been touched.
 *
 * N6.  Permuting hidden layer i's units (their incoming weight rows) and
 * substituting z_j -> z_pi(j) in layer i+1's monomials (the weight of S
 * moves to pi(S), which has the same degree, so it is in the list) leaves
 * every gate's sum on every input unchanged.  Multiplying a gate's weights,
 * bias included, by an integer c > 0 multiplies its integer sum P by c, so
 * [cP > 0] = [P > 0]; dividing by a common factor likewise.  Each move does
 * one permutation and one rescaling by c in [2, 9]; a gate whose largest
 * weight would pass 2^32 is divided by its weights' gcd instead, so the
 * sums stay exact in int64 however long the walk.
 *
 * The outputs are compared on all 2^n0 inputs (N3 bit-sliced, the family's
 * kernel; N6 by fal__thr_ae_eval), and on all inputs or 4096 of them by a
 * second evaluation one pattern at a time (N3: fal__bs_ref_eval; N6: the
 * gate sums written here from ptf.h's definitions), which must agree with
 * the first on both networks. */
#include <string.h>
#include "walks.h"
#include "../kern/bitslice.h"
#include "../kern/ptf.h"

#define WALK_SAMPLE 4096        /* patterns checked by the one-at-a-time evaluation */
#define WALK_CHUNK 64           /* words per bit-sliced chunk: 4096 patterns */
#define WALK_THR_WMAX ((int64_t)1 << 32)

static inline unsigned getbit(const uint64_t *t, uint64_t b) { return (unsigned)(t[b >> 6] >> (b & 63)) & 1u; }

static inline void putbit(uint64_t *t, uint64_t b, unsigned v)
{
    t[b >> 6] = (t[b >> 6] & ~(UINT64_C(1) << (b & 63))) | ((uint64_t)(v & 1u) << (b & 63));
}

static void shuffle_u32(fal_rng *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)fal_rng_below(r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* The sample of inputs of the one-at-a-time check: all of H^n when it has
 * at most WALK_SAMPLE points, else WALK_SAMPLE drawn from seed. */
static size_t sample_inputs(unsigned n, uint64_t seed, uint64_t *x)
{
    uint64_t P = UINT64_C(1) << n;
    if (P <= WALK_SAMPLE) {
        for (uint64_t p = 0; p < P; p++) x[p] = p;
        return (size_t)P;
    }
    fal_rng r;
    fal_rng_seed(&r, seed ^ 0x73616d706c65ULL);
    for (size_t s = 0; s < WALK_SAMPLE; s++) x[s] = fal_rng_below(&r, P);
    return WALK_SAMPLE;
}

/* ---- N3 ------------------------------------------------------------------- */

fal_status fal__bwalk_copy(fal_ctx *ctx, const fal__bool_net *src, fal__bool_net *dst)
{
    memset(dst, 0, sizeof *dst);
    size_t nl = src->L + 1;
    fal_status st = fal__budget(ctx, nl * (sizeof(size_t) + sizeof(uint64_t)) + src->words * sizeof(uint64_t),
                                "walk: network copy");
    if (st != FAL_OK) return st;
    dst->width = fal__alloc(ctx, nl * sizeof *dst->width, "walk: widths");
    dst->off = fal__alloc(ctx, nl * sizeof *dst->off, "walk: offsets");
    dst->tab = fal__alloc(ctx, src->words * sizeof *dst->tab, "walk: tables");
    dst->L = src->L;
    dst->words = src->words;
    if (!dst->width || !dst->off || !dst->tab) {
        fal__bool_net_free(ctx, dst);
        return FAL_ENOMEM;
    }
    dst->w = src->w;
    memcpy(dst->width, src->width, nl * sizeof *dst->width);
    memcpy(dst->off, src->off, nl * sizeof *dst->off);
    memcpy(dst->tab, src->tab, src->words * sizeof *dst->tab);
    return FAL_OK;
}

/* Realise sigma on layers i and i+1 (see the header).  code: 2^n_{i-1}
 * entries; tmp: 2^n_i bits. */
static void relabel(fal__bool_net *net, size_t i, const uint32_t *sigma, uint32_t *code, uint64_t *tmp)
{
    size_t m = net->width[i - 1], n = net->width[i], p = net->width[i + 1];
    uint64_t E = UINT64_C(1) << m, F = UINT64_C(1) << n, base = net->off[i - 1], next = net->off[i];
    uint64_t *t = net->tab;
    memset(code, 0, (size_t)E * sizeof *code);
    for (size_t j = 0; j < n; j++)
        for (uint64_t a = 0; a < E; a++) code[a] |= (uint32_t)getbit(t, base + (j << m) + a) << j;
    for (size_t j = 0; j < n; j++)
        for (uint64_t a = 0; a < E; a++) putbit(t, base + (j << m) + a, sigma[code[a]] >> j);
    for (size_t q = 0; q < p; q++) {
        uint64_t tq = next + ((uint64_t)q << n);
        memset(tmp, 0, (size_t)((F + 63) / 64) * sizeof *tmp);
        for (uint64_t c = 0; c < F; c++)
            if (getbit(t, tq + c)) putbit(tmp, sigma[c], 1);
        for (uint64_t c = 0; c < F; c++) putbit(t, tq + c, getbit(tmp, c));
    }
}

fal_status fal__bwalk_move(fal_ctx *ctx, fal__bool_net *net, size_t i, fal__bwalk_kind kind, fal_rng *r)
{
    if (i < 1 || i >= net->L) return fal__fail(ctx, FAL_EINVAL, "walk: layer %zu is not hidden (1..%zu)", i, net->L - 1);
    size_t m = net->width[i - 1], n = net->width[i];
    size_t E = (size_t)1 << m, F = (size_t)1 << n, tw = (F + 63) / 64;
    fal_status st = fal__budget(ctx, (F + E) * sizeof(uint32_t) + tw * sizeof(uint64_t), "walk: relabelling");
    if (st != FAL_OK) return st;
    uint32_t *sigma = fal__alloc(ctx, F * sizeof *sigma, "walk: code permutation");
    uint32_t *code = fal__alloc(ctx, E * sizeof *code, "walk: codes");
    uint64_t *tmp = fal__alloc(ctx, tw * sizeof *tmp, "walk: table scratch");
    if (!sigma || !code || !tmp) {
        st = FAL_ENOMEM;
        goto done;
    }
    if (kind == FAL__BWALK_XOR) {
        uint32_t mask = (uint32_t)(1 + fal_rng_below(r, F - 1)); /* not the identity */
        for (size_t c = 0; c < F; c++) sigma[c] = (uint32_t)c ^ mask;
    } else if (kind == FAL__BWALK_UNITS) {
        uint32_t pi[FAL_BS_MAX_FANIN];
        for (size_t j = 0; j < n; j++) pi[j] = (uint32_t)j;
        shuffle_u32(r, pi, n);
        for (size_t c = 0; c < F; c++) {
            uint32_t s = 0;
            for (size_t j = 0; j < n; j++) s |= (uint32_t)((c >> j) & 1) << pi[j];
            sigma[c] = s;
        }
    } else {
        for (size_t c = 0; c < F; c++) sigma[c] = (uint32_t)c;
        shuffle_u32(r, sigma, F);
    }
    relabel(net, i, sigma, code, tmp);
done:
    fal__free(ctx, sigma, F * sizeof *sigma);
    fal__free(ctx, code, E * sizeof *code);
    fal__free(ctx, tmp, tw * sizeof *tmp);
    return st;
}

fal_status fal__bwalk_compare(fal_ctx *ctx, const fal__bool_net *a, const fal__bool_net *b, uint64_t seed,
                              fal_walk *out)
{
    size_t L = a->L, n0 = a->width[0], nL = a->width[L], maxw = 1, maxm = 1;
    for (size_t i = 0; i < L; i++) {
        if (i > 0 && a->width[i] > maxw) maxw = a->width[i];
        if (a->width[i] > maxm) maxm = a->width[i];
    }
    uint64_t P = UINT64_C(1) << n0;
    size_t cw = P / 64 + 1 < WALK_CHUNK ? (size_t)(P / 64 + 1) : WALK_CHUNK;
    size_t words = (n0 + 2 * nL + 2 * maxw) * cw + fal__bs_scratch_words(maxm);
    size_t bytes = 2 * nL + 2 * maxw + n0;
    fal_status st = fal__budget(ctx, words * 8 + bytes + WALK_SAMPLE * 12, "walk: evaluation");
    if (st != FAL_OK) return st;
    uint64_t *ws = fal__calloc(ctx, words, sizeof *ws, "walk: evaluation buffers");
    uint8_t *rb = fal__calloc(ctx, bytes, 1, "walk: reference buffers");
    uint64_t *xs = fal__alloc(ctx, WALK_SAMPLE * sizeof *xs, "walk: sample");
    uint32_t *xc = fal__alloc(ctx, WALK_SAMPLE * sizeof *xc, "walk: sample codes");
    if (!ws || !rb || !xs || !xc) {
        st = FAL_ENOMEM;
        goto done;
    }
    uint64_t *x = ws, *ya = x + n0 * cw, *yb = ya + nL * cw, *buf = yb + nL * cw, *scratch = buf + 2 * maxw * cw;
    fal__bnet na = { a->tab, a->width, a->off, L }, nb = { b->tab, a->width, a->off, L };
    /* every input, bit-sliced */
    uint64_t diff = 0;
    for (uint64_t p0 = 0; p0 < P; p0 += 64 * (uint64_t)cw) {
        uint64_t np = P - p0 < 64 * (uint64_t)cw ? P - p0 : 64 * (uint64_t)cw;
        size_t nw = (size_t)((np + 63) / 64);
        uint64_t last = np % 64 ? (UINT64_C(1) << (np % 64)) - 1 : ~UINT64_C(0);
        fal__bs_enum_inputs(n0, p0, x, cw, nw);
        fal__bs_eval(&na, x, cw, ya, cw, nw, buf, scratch);
        fal__bs_eval(&nb, x, cw, yb, cw, nw, buf, scratch);
        for (size_t o = 0; o < nL; o++)
            for (size_t v = 0; v < nw; v++)
                diff += (uint64_t)__builtin_popcountll((ya[o * cw + v] ^ yb[o * cw + v]) & (v + 1 == nw ? last : ~UINT64_C(0)));
    }
    double frac = (double)diff / ((double)P * (double)nL);
    /* the sample, one pattern at a time, checked against the bit-sliced kernel */
    size_t S = sample_inputs((unsigned)n0, seed, xs), sw = (S + 63) / 64; /* S <= 64 cw */
    for (size_t s = 0; s < S; s++) xc[s] = (uint32_t)xs[s];
    fal__bs_pack_inputs(n0, xc, S, x, cw, sw);
    fal__bs_eval(&na, x, cw, ya, cw, sw, buf, scratch);
    fal__bs_eval(&nb, x, cw, yb, cw, sw, buf, scratch);
    uint8_t *in = rb, *oa = in + n0, *ob = oa + nL, *rbuf = ob + nL;
    uint64_t rdiff = 0;
    for (size_t s = 0; s < S && st == FAL_OK; s++) {
        for (size_t q = 0; q < n0; q++) in[q] = (uint8_t)((xc[s] >> q) & 1);
        fal__bs_ref_eval(&na, in, oa, rbuf);
        fal__bs_ref_eval(&nb, in, ob, rbuf);
        for (size_t o = 0; o < nL; o++) {
            if (oa[o] != getbit(ya + o * cw, s) || ob[o] != getbit(yb + o * cw, s)) {
                st = fal__fail(ctx, FAL_EINTERNAL, "walk: bit-sliced and reference evaluations differ on input %u",
                               (unsigned)xc[s]);
                break;
            }
            rdiff += oa[o] != ob[o];
        }
    }
    if (st != FAL_OK) goto done;
    double rfrac = (double)rdiff / ((double)S * (double)nL);
    uint64_t ham = 0;
    for (size_t q = 0; q < a->words; q++) ham += (uint64_t)__builtin_popcountll(a->tab[q] ^ b->tab[q]);
    out->max_output_change = frac > rfrac ? frac : rfrac;
    out->param_distance = a->w ? (double)ham / (double)a->w : 0.0;
done:
    fal__free(ctx, ws, words * sizeof *ws);
    fal__free(ctx, rb, bytes);
    fal__free(ctx, xs, WALK_SAMPLE * sizeof *xs);
    fal__free(ctx, xc, WALK_SAMPLE * sizeof *xc);
    return st;
}

fal_status fal__walk_bool(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out)
{
    memset(out, 0, sizeof *out);
    fal_result res;
    memset(&res, 0, sizeof res);
    fal__bool_net net, start;
    memset(&start, 0, sizeof start);
    fal_status st = fal__bool_run(ctx, cfg, &res, &net);
    fal_result_clear(&res);
    if (st == FAL_ENOCONV) st = FAL_OK; /* the walk needs a network, not the optimum */
    if (st != FAL_OK) return st;
    if (net.L < 2) {
        st = fal__fail(ctx, FAL_EINVAL, "walk: bool needs a hidden layer (with L = 1 the function fixes every table bit)");
        goto done;
    }
    st = fal__bwalk_copy(ctx, &net, &start);
    fal_rng r;
    fal_rng_seed(&r, cfg->seed ^ 0x626f6f6c77616c6bULL);
    for (uint64_t m = 0; m < moves && st == FAL_OK; m++) {
        size_t i = 1 + (size_t)fal_rng_below(&r, net.L - 1);
        st = fal__bwalk_move(ctx, &net, i, (fal__bwalk_kind)fal_rng_below(&r, 3), &r);
    }
    if (st == FAL_OK) st = fal__bwalk_compare(ctx, &start, &net, cfg->seed, out);
    out->moves = moves;
done:
    fal__bool_net_free(ctx, &start);
    fal__bool_net_free(ctx, &net);
    return st;
}

/* ---- N6 ------------------------------------------------------------------- */

fal_status fal__twalk_copy(fal_ctx *ctx, const fal__thr_ae_net *src, fal__thr_ae_net *dst)
{
    memset(dst, 0, sizeof *dst);
    fal_status st = fal__budget(ctx, src->L * sizeof *src->layer + src->nw * sizeof(int64_t) + src->nm * sizeof(uint64_t),
                                "walk: network copy");
    if (st != FAL_OK) return st;
    dst->layer = fal__alloc(ctx, src->L * sizeof *dst->layer, "walk: layers");
    dst->wblock = fal__alloc(ctx, src->nw * sizeof(int64_t), "walk: weights");
    dst->mblock = fal__alloc(ctx, src->nm * sizeof(uint64_t), "walk: monomials");
    dst->L = src->L;
    dst->nw = src->nw;
    dst->nm = src->nm;
    if (!dst->layer || !dst->wblock || !dst->mblock) {
        fal__thr_ae_net_free(ctx, dst);
        return FAL_ENOMEM;
    }
    dst->sign = src->sign;
    dst->degree = src->degree;
    dst->m = src->m;
    memcpy(dst->wblock, src->wblock, src->nw * sizeof(int64_t));
    memcpy(dst->mblock, src->mblock, src->nm * sizeof(uint64_t));
    for (size_t i = 0; i < src->L; i++) { /* the same offsets into the new blocks */
        dst->layer[i] = src->layer[i];
        dst->layer[i].w = dst->wblock + (src->layer[i].w - src->wblock);
        dst->layer[i].mono = dst->mblock + (src->layer[i].mono - src->mblock);
    }
    return FAL_OK;
}

fal_status fal__twalk_permute(fal_ctx *ctx, fal__thr_ae_net *net, size_t i, const unsigned *pi)
{
    if (i < 1 || i >= net->L) return fal__fail(ctx, FAL_EINVAL, "walk: layer %zu is not hidden (1..%zu)", i, net->L - 1);
    fal__thr_layer *in = &net->layer[i - 1], *rd = &net->layer[i];
    size_t rows = (size_t)in->width * in->M, tl = rows > rd->M ? rows : rd->M;
    fal_status st = fal__budget(ctx, tl * sizeof(int64_t) + rd->M * sizeof(size_t), "walk: permutation");
    if (st != FAL_OK) return st;
    int64_t *tmp = fal__alloc(ctx, tl * sizeof *tmp, "walk: weight scratch");
    size_t *to = fal__alloc(ctx, rd->M * sizeof *to, "walk: monomial map");
    if (!tmp || !to) {
        st = FAL_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < rd->M; t++) {
        uint64_t S = rd->mono[t], img = 0;
        for (uint64_t z = S; z; z &= z - 1) img |= UINT64_C(1) << pi[__builtin_ctzll(z)];
        to[t] = fal__ptf_find(rd->mono, rd->M, img);
        if (to[t] == SIZE_MAX) {
            st = fal__fail(ctx, FAL_EINTERNAL, "walk: a permuted monomial is missing from the list");
            goto done;
        }
    }
    for (unsigned j = 0; j < in->width; j++) memcpy(tmp + (size_t)pi[j] * in->M, in->w + (size_t)j * in->M, in->M * sizeof *tmp);
    memcpy(in->w, tmp, rows * sizeof *tmp);
    for (unsigned g = 0; g < rd->width; g++) {
        int64_t *w = rd->w + (size_t)g * rd->M;
        for (size_t t = 0; t < rd->M; t++) tmp[to[t]] = w[t];
        memcpy(w, tmp, rd->M * sizeof *tmp);
    }
done:
    fal__free(ctx, tmp, tl * sizeof *tmp);
    fal__free(ctx, to, rd->M * sizeof *to);
    return st;
}

void fal__twalk_rescale(fal__thr_ae_net *net, size_t l, unsigned j, int64_t c)
{
    const fal__thr_layer *ly = &net->layer[l];
    int64_t *w = ly->w + (size_t)j * ly->M;
    for (size_t t = 0; t < ly->M; t++) w[t] *= c;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The rescaling of a walk: by c, or by 1/gcd when c would take the gate
 * past WALK_THR_WMAX. */
static void walk_rescale(fal__thr_ae_net *net, size_t l, unsigned j, int64_t c)
{
    const fal__thr_layer *ly = &net->layer[l];
    int64_t *w = ly->w + (size_t)j * ly->M, big = 0, g = 0;
    for (size_t t = 0; t < ly->M; t++) {
        int64_t v = w[t] < 0 ? -w[t] : w[t];
        if (v > big) big = v;
        g = gcd64(g, v);
    }
    if (big <= WALK_THR_WMAX / c) fal__twalk_rescale(net, l, j, c);
    else if (g > 1)
        for (size_t t = 0; t < ly->M; t++) w[t] /= g;
}

/* The network one gate at a time from ptf.h's definitions: phi_S(z) =
 * [S subset of z] (heaviside) or (-1)^|S \ z| (sign), output [sum > 0]. */
static uint64_t thr_ref_eval(const fal__thr_ae_net *net, uint64_t x)
{
    for (size_t i = 0; i < net->L; i++) {
        const fal__thr_layer *ly = &net->layer[i];
        uint64_t y = 0;
        for (unsigned j = 0; j < ly->width; j++) {
            const int64_t *w = ly->w + (size_t)j * ly->M;
            int64_t s = 0;
            for (size_t t = 0; t < ly->M; t++) {
                uint64_t missing = ly->mono[t] & ~x;
                if (net->sign) s += __builtin_popcountll(missing) % 2 ? -w[t] : w[t];
                else if (!missing) s += w[t];
            }
            y |= (uint64_t)(s > 0) << j;
        }
        x = y;
    }
    return x;
}

fal_status fal__twalk_compare(fal_ctx *ctx, const fal__thr_ae_net *a, const fal__thr_ae_net *b, uint64_t seed,
                              fal_walk *out)
{
    unsigned n = a->layer[0].p, nout = a->layer[a->L - 1].width;
    if (n > FAL__WALK_THR_MAX_N)
        return fal__fail(ctx, FAL_EINVAL, "walk: threshold-ae probes all 2^n inputs; n = %u, the limit is %d", n,
                         FAL__WALK_THR_MAX_N);
    uint64_t P = UINT64_C(1) << n, diff = 0, rdiff = 0;
    for (uint64_t x = 0; x < P; x++) diff += (uint64_t)__builtin_popcountll(fal__thr_ae_eval(a, x) ^ fal__thr_ae_eval(b, x));
    uint64_t *xs = fal__alloc(ctx, WALK_SAMPLE * sizeof *xs, "walk: sample");
    if (!xs) return FAL_ENOMEM;
    size_t S = sample_inputs(n, seed, xs);
    fal_status st = FAL_OK;
    for (size_t s = 0; s < S; s++) {
        uint64_t ra = thr_ref_eval(a, xs[s]), rb = thr_ref_eval(b, xs[s]);
        if (ra != fal__thr_ae_eval(a, xs[s]) || rb != fal__thr_ae_eval(b, xs[s])) {
            st = fal__fail(ctx, FAL_EINTERNAL, "walk: the two threshold-ae evaluations differ on input %llu",
                           (unsigned long long)xs[s]);
            break;
        }
        rdiff += (uint64_t)__builtin_popcountll(ra ^ rb);
    }
    fal__free(ctx, xs, WALK_SAMPLE * sizeof *xs);
    if (st != FAL_OK) return st;
    double frac = (double)diff / ((double)P * nout), rfrac = (double)rdiff / ((double)S * nout);
    uint64_t moved = 0;
    for (size_t t = 0; t < a->nw; t++) moved += a->wblock[t] != b->wblock[t];
    out->max_output_change = frac > rfrac ? frac : rfrac;
    out->param_distance = a->nw ? (double)moved / (double)a->nw : 0.0;
    return FAL_OK;
}

fal_status fal__walk_threshold_ae(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out)
{
    memset(out, 0, sizeof *out);
    if (cfg->arch && fal_arch_width(cfg->arch, 0) > FAL__WALK_THR_MAX_N)
        return fal__fail(ctx, FAL_EINVAL, "walk: threshold-ae probes all 2^n inputs; n = %zu, the limit is %d",
                         fal_arch_width(cfg->arch, 0), FAL__WALK_THR_MAX_N);
    fal_result res;
    memset(&res, 0, sizeof res);
    fal__thr_ae_net net, start;
    memset(&start, 0, sizeof start);
    fal_status st = fal__thr_ae_run(ctx, cfg, &res, &net);
    fal_result_clear(&res);
    if (st == FAL_ENOCONV) st = FAL_OK; /* the walk needs a network, not the optimum */
    if (st != FAL_OK) return st;
    st = fal__twalk_copy(ctx, &net, &start);
    fal_rng r;
    fal_rng_seed(&r, cfg->seed ^ 0x7468726561ULL);
    unsigned pi[64];
    for (uint64_t m = 0; m < moves && st == FAL_OK; m++) {
        size_t i = 1 + (size_t)fal_rng_below(&r, net.L - 1), l = (size_t)fal_rng_below(&r, net.L);
        unsigned wd = net.layer[i - 1].width;
        for (unsigned j = 0; j < wd; j++) pi[j] = j;
        for (unsigned j = wd; j > 1; j--) {
            unsigned q = (unsigned)fal_rng_below(&r, j), t = pi[j - 1];
            pi[j - 1] = pi[q];
            pi[q] = t;
        }
        st = fal__twalk_permute(ctx, &net, i, pi);
        unsigned g = (unsigned)fal_rng_below(&r, net.layer[l].width);
        walk_rescale(&net, l, g, 2 + (int64_t)fal_rng_below(&r, 8));
    }
    if (st == FAL_OK) st = fal__twalk_compare(ctx, &start, &net, cfg->seed, out);
    out->moves = moves;
    if (start.layer) fal__thr_ae_net_free(ctx, &start);
    fal__thr_ae_net_free(ctx, &net);
    return st;
}
