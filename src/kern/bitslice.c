/* bitslice.c -- bit-sliced evaluation of truth-table networks, and the
 * one-pattern-at-a-time reference (layout and conventions: bitslice.h).
 *
 * Why two strategies.  A unit with fan-in m is an arbitrary function of m
 * bits, so a bit-sliced evaluation that does not look at the patterns must
 * touch every one of its 2^m table bits: the Shannon expansion
 *   f(x) = x_{m-1} ? f_hi(x) : f_lo(x),   mux(a, b, s) = a ^ ((a ^ b) & s)
 * costs 3 word ops per internal node, about 3 2^m / 64 ops per
 * unit-evaluation.  Its leaves are functions of the k lowest inputs (k <= 3);
 * all 2^(2^k) of them are tabulated once per layer and block of patterns
 * (F[c] = F[c & (c - 1)] | minterm[ctz c], one OR each) and shared by the
 * layer's units, so a leaf is one load.  That wins for small fan-in (m = 4:
 * 3 merges and 4 loads per 64 patterns).  A per-pattern lookup costs O(1)
 * per unit-evaluation whatever m: beyond FAL_BS_MUX_MAX the layer's inputs
 * are transposed once into one index per pattern and each unit gathers its
 * bits (a 2^16-bit table: 3 2^16 / 64 = 3072 ops per unit-evaluation by
 * the tree against about 5 for the gather).  The crossover was measured
 * with bench/bool_eval.c (doc/bool.md). */
#include <string.h>
#include "bitslice.h"

#define GB 16                          /* words per gather block (1024 patterns) */
#define MUX_MAX_M 12                   /* the multiplexer kernel's own limit */
#define F_WORDS (256 * FAL_BS_W)       /* leaf functions of 3 inputs, W words each */
#define MT_WORDS (8 * FAL_BS_W)        /* minterms of 3 inputs */
#define ST_WORDS (((size_t)1 << (MUX_MAX_M - 1)) * FAL_BS_W) /* tree nodes */
#define LOC_WORDS (((size_t)1 << MUX_MAX_M) / 64) /* one aligned table */
#define IDX_WORDS (64 * GB)            /* gather indices */
#define MUX_WORDS (F_WORDS + MT_WORDS + ST_WORDS + LOC_WORDS)

uint64_t fal__bs_layout(const size_t *width, size_t L, uint64_t *off)
{
    uint64_t o = 0;
    off[0] = 0;
    for (size_t i = 1; i <= L; i++) {
        size_t m = width[i - 1];
        uint64_t bits;
        if (m > FAL_BS_MAX_FANIN || width[i] > (UINT64_MAX >> m)) return UINT64_MAX;
        bits = (uint64_t)width[i] << m;
        if (__builtin_add_overflow(o, bits, &o)) return UINT64_MAX;
        off[i] = o;
    }
    return o;
}

size_t fal__bs_scratch_words(size_t m)
{
    (void)m;
    size_t mux = MUX_WORDS + MUX_MAX_M * FAL_BS_W;
    return mux > IDX_WORDS ? mux : IDX_WORDS;
}

/* len (1..64) bits of the block from bit pos; reads the next word only when
 * the bits straddle it, so never past the block's end. */
static inline uint64_t getbits(const uint64_t *t, uint64_t pos, unsigned len)
{
    uint64_t q = pos >> 6;
    unsigned s = (unsigned)(pos & 63);
    uint64_t v = t[q] >> s;
    if (s && s + len > 64) v |= t[q + 1] << (64 - s);
    return len == 64 ? v : v & ((UINT64_C(1) << len) - 1);
}

/* Leaf size k in 1..min(3, m) minimising (2^(2^k) table entries shared by n
 * units) + (4 ops per leaf of each unit: load, merge, stack). */
static unsigned leaf_size(size_t m, size_t n)
{
    unsigned best = 1;
    double bestc = 0;
    for (unsigned k = 1; k <= 3 && k <= m; k++) {
        double c = (double)(1u << (1u << k)) / (double)n + 4.0 * (double)((size_t)1 << (m - k));
        if (k == 1 || c < bestc) {
            best = k;
            bestc = c;
        }
    }
    return best;
}

/* W words as one vector (GCC/Clang vector extension: AVX-512 or AVX2
 * registers where the target has them), accessed unaligned through
 * may_alias pointers; macros rather than functions, since a function
 * returning a 64-byte vector has a target-dependent ABI. */
typedef uint64_t vw __attribute__((vector_size(8 * FAL_BS_W), aligned(8), may_alias));
#define VLOAD(p) (*(const vw *)(const void *)(p))
#define VSTORE(p, v) (*(vw *)(void *)(p) = (v))
/* mux(a, b, s): b where s is 1, a where s is 0 (3 word ops). */
#define VMUX(a, b, s) ((a) ^ (((a) ^ (b)) & (s)))

/* The multiplexer tree on the FAL_BS_W words at x (row stride ldx), storing
 * the first nv (<= FAL_BS_W) words of each output row.  F[c]: leaf function
 * c (bit e of c = its value when the k lowest inputs spell e). */
static void mux_block(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                      uint64_t *y, size_t ldy, size_t nv, unsigned k, uint64_t *scratch)
{
    const size_t W = FAL_BS_W;
    uint64_t *F = scratch, *mt = F + F_WORDS, *st = mt + MT_WORDS, *loc = st + ST_WORDS;
    size_t nf = (size_t)1 << (1u << k), nmt = (size_t)1 << k, h = m - k;
    const vw zero = { 0 };
    /* minterms of the k lowest inputs, then every function of them */
    for (size_t e = 0; e < nmt; e++) {
        vw t = ~zero;
        for (unsigned a = 0; a < k; a++) {
            vw xa = VLOAD(x + a * ldx);
            t &= (e >> a) & 1 ? xa : ~xa;
        }
        VSTORE(mt + e * W, t);
    }
    VSTORE(F, zero);
    for (size_t c = 1; c < nf; c++)
        VSTORE(F + c * W, VLOAD(F + (c & (c - 1)) * W) | VLOAD(mt + (size_t)__builtin_ctzll(c) * W));
    size_t tbits = (size_t)1 << m, nloc = (tbits + 63) / 64, nleaf = (size_t)1 << h;
    unsigned clen = 1u << k, cmask = (1u << clen) - 1;
    for (size_t j = 0; j < n; j++) {
        uint64_t base = off + ((uint64_t)j << m);
        for (size_t q = 0; q < nloc; q++) loc[q] = getbits(tab, base + 64 * q, tbits < 64 ? (unsigned)tbits : 64);
#define LEAF(c) VLOAD(F + (size_t)((unsigned)(loc[((c) << k) >> 6] >> (((c) << k) & 63)) & cmask) * W)
        vw r;
        if (h == 0) {
            r = LEAF((size_t)0);
        } else {
            /* leaves merged pairwise on input k, then the tree level by
             * level: node c of level l + 1 merges nodes 2c (input k + l = 0)
             * and 2c + 1 (= 1) of level l, in place */
            vw s = VLOAD(x + k * ldx);
            for (size_t c = 0; c < nleaf / 2; c++) VSTORE(st + c * W, VMUX(LEAF(2 * c), LEAF(2 * c + 1), s));
            for (size_t l = 1; l < h; l++) {
                s = VLOAD(x + (k + l) * ldx);
                for (size_t c = 0; c < (nleaf >> (l + 1)); c++)
                    VSTORE(st + c * W, VMUX(VLOAD(st + 2 * c * W), VLOAD(st + (2 * c + 1) * W), s));
            }
            r = VLOAD(st);
        }
#undef LEAF
        if (nv == W) {
            VSTORE(y + j * ldy, r);
        } else {
            uint64_t tmp[FAL_BS_W];
            VSTORE(tmp, r);
            for (size_t v = 0; v < nv; v++) y[j * ldy + v] = tmp[v];
        }
    }
}

void fal__bs_layer_mux(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                       uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch)
{
    unsigned k = leaf_size(m, n);
    size_t w = 0;
    for (; w + FAL_BS_W <= nw; w += FAL_BS_W) mux_block(tab, off, m, n, x + w, ldx, y + w, ldy, FAL_BS_W, k, scratch);
    if (w < nw) {
        /* the last words, zero-padded to a whole vector */
        uint64_t *xr = scratch + MUX_WORDS;
        for (size_t a = 0; a < m; a++)
            for (size_t v = 0; v < FAL_BS_W; v++) xr[a * FAL_BS_W + v] = w + v < nw ? x[a * ldx + w + v] : 0;
        mux_block(tab, off, m, n, xr, FAL_BS_W, y + w, ldy, nw - w, k, scratch);
    }
}

void fal__bs_layer_gather(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                          uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch)
{
    uint64_t *idx = scratch;
    for (size_t w0 = 0; w0 < nw; w0 += GB) {
        size_t nb = nw - w0 < GB ? nw - w0 : GB;
        memset(idx, 0, 64 * nb * sizeof *idx);
        for (size_t a = 0; a < m; a++)
            for (size_t v = 0; v < nb; v++) {
                uint64_t xa = x[a * ldx + w0 + v], *ix = idx + 64 * v;
                for (unsigned b = 0; b < 64; b++) ix[b] |= ((xa >> b) & 1) << a;
            }
        for (size_t j = 0; j < n; j++) {
            uint64_t base = off + ((uint64_t)j << m);
            for (size_t v = 0; v < nb; v++) {
                const uint64_t *ix = idx + 64 * v;
                uint64_t acc = 0;
                for (unsigned b = 0; b < 64; b++) {
                    uint64_t pos = base + ix[b];
                    acc |= ((tab[pos >> 6] >> (pos & 63)) & 1) << b;
                }
                y[j * ldy + w0 + v] = acc;
            }
        }
    }
}

void fal__bs_layer(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                   uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch)
{
    if (m <= FAL_BS_MUX_MAX) fal__bs_layer_mux(tab, off, m, n, x, ldx, y, ldy, nw, scratch);
    else fal__bs_layer_gather(tab, off, m, n, x, ldx, y, ldy, nw, scratch);
}

void fal__bs_eval(const fal__bnet *net, const uint64_t *x, size_t ldx, uint64_t *y, size_t ldy, size_t nw,
                  uint64_t *buf, uint64_t *scratch)
{
    size_t maxw = 1;
    for (size_t i = 1; i < net->L; i++)
        if (net->width[i] > maxw) maxw = net->width[i];
    const uint64_t *in = x;
    size_t ldin = ldx;
    for (size_t i = 1; i <= net->L; i++) {
        uint64_t *out = i == net->L ? y : buf + (i & 1) * maxw * nw;
        size_t ldout = i == net->L ? ldy : nw;
        fal__bs_layer(net->tab, net->off[i - 1], net->width[i - 1], net->width[i], in, ldin, out, ldout, nw, scratch);
        in = out;
        ldin = ldout;
    }
}

void fal__bs_ref_eval(const fal__bnet *net, const uint8_t *in, uint8_t *out, uint8_t *buf)
{
    size_t maxw = 1;
    for (size_t i = 1; i < net->L; i++)
        if (net->width[i] > maxw) maxw = net->width[i];
    const uint8_t *h = in;
    for (size_t i = 1; i <= net->L; i++) {
        size_t m = net->width[i - 1];
        uint8_t *g = i == net->L ? out : buf + (i & 1) * maxw;
        uint64_t idx = 0;
        for (size_t a = 0; a < m; a++) idx |= (uint64_t)(h[a] & 1) << a;
        for (size_t j = 0; j < net->width[i]; j++)
            g[j] = (uint8_t)fal__bs_bit(net->tab, net->off[i - 1] + ((uint64_t)j << m) + idx);
        h = g;
    }
}

void fal__bs_enum_inputs(size_t n0, uint64_t p0, uint64_t *x, size_t ldx, size_t nw)
{
    static const uint64_t low[6] = { 0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull, 0xF0F0F0F0F0F0F0F0ull,
                                     0xFF00FF00FF00FF00ull, 0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull };
    uint64_t w0 = p0 >> 6;
    for (size_t a = 0; a < n0; a++)
        for (size_t v = 0; v < nw; v++)
            x[a * ldx + v] = a < 6 ? low[a] : (((w0 + v) >> (a - 6)) & 1 ? ~UINT64_C(0) : 0);
}

void fal__bs_pack_inputs(size_t n0, const uint32_t *code, size_t np, uint64_t *x, size_t ldx, size_t nw)
{
    for (size_t a = 0; a < n0; a++) memset(x + a * ldx, 0, nw * sizeof *x);
    for (size_t p = 0; p < np; p++)
        for (size_t a = 0; a < n0; a++) x[a * ldx + (p >> 6)] |= (uint64_t)((code[p] >> a) & 1) << (p & 63);
}
