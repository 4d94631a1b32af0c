/* boolean.c -- N3, unrestricted Boolean networks A(n0, ..., nL).
 *
 * Every unit of layer i is an arbitrary Boolean function of layer i-1, kept
 * as its truth table of 2^(n_{i-1}) bits, so
 *     w = sum_{i=1..L} n_i 2^(n_{i-1})  bits of parameters
 * (one bit block, layout in src/kern/bitslice.h; params = the block's bit
 * count).  The error is the Hamming distance, reported as the fraction of
 * wrong output bits.  Without a bottleneck (every hidden n_i >= min(n0, nL))
 * every map H^n0 -> H^nL is realised -- the first hidden layer can copy the
 * input (n_i >= n0) or compute the target (n_i >= nL) and later layers pass
 * it on -- so there are e = 2^(nL 2^n0) classes of parameters, log2 e =
 * nL 2^n0 = the target bits of all 2^n0 examples, whatever L: w grows with
 * L, the examples needed do not.  Mean class size: 2^(w - nL 2^n0).
 *
 * Learning is a construction, not a search: it builds a random member of
 * the set of networks that fit the k examples.  D = the distinct seen inputs
 * (d of them), y(x) their targets (the per-bit majority over repeats of x in
 * --data; ties drawn at random).  Layer by layer, each class of seen inputs
 * (inputs with the same code so far) gets a code of layer i:
 *   - if the u classes fit (u <= 2^n_i): u distinct random codes (Floyd's
 *     sample, shuffled), so the layer is injective on the classes: always
 *     the case when n_i >= n0, since u <= d <= 2^n0;
 *   - otherwise (n_i < n0 and d > 2^n_i): classes with the same target
 *     merge, and the distinct targets get distinct random codes.  They fit:
 *     no bottleneck means n_i >= min(n0, nL), and here n_i < n0, so
 *     n_i >= nL and 2^n_i >= 2^nL >= the number of distinct targets.  A
 *     layer can carry the target itself, so min(n0, nL) is enough.
 * Layer i's tables are then fixed at the u entries its seen classes reach
 * (n_i u "fixed" bits; the output layer's are the targets); every other
 * entry keeps the random bit it was drawn with ("free" bits: visibly
 * undetermined by the data, and what decides the unseen inputs).  The seen
 * inputs are fitted exactly (optimally with contradictory repeats).
 *
 * Data: a seeded random teacher H^n0 -> H^nL (counter-based hash of the
 * input, so no table of 2^n0 targets is stored) on k distinct random inputs
 * (default k = 2^n0, all of them), or --data.  The whole input space is
 * enumerated (n0 <= 24): test_error is the error on every unseen input (null
 * when k = 2^n0: there is none), evaluated bit-sliced, 64 patterns a word.
 * With --data the rows after k are the test set, and unseen_error restricts
 * it to rows whose input was not among the training rows.
 *
 * bits_provided = k nL: the target bits.  The inputs are chosen by the
 * experimenter (here: enumerated or sampled), not learned, so they carry no
 * information about which map to realise; with all 2^n0 examples this equals
 * log2 e exactly.  k (n0 + nL) is reported as the extra bits_with_inputs. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boolean.h"
#include "../kern/bitslice.h"

#define CHUNK_WORDS 64          /* evaluation chunk: 4096 patterns */
#define CHUNK_BYTES ((size_t)8 << 20) /* per-thread buffers above this shrink the chunk */

typedef struct bnet_run {
    size_t L, n0, nL, nLw, maxw, maxm;
    size_t *width;       /* L + 1 */
    uint64_t *off;       /* L + 1 */
    uint64_t w;          /* parameter bits */
    size_t words;        /* ceil(w / 64) */
    uint64_t *tab;
    /* the training set, repeats merged: d distinct inputs, increasing */
    size_t d;
    uint32_t *xs;
    uint64_t *tg;        /* d x nLw majority targets */
    uint64_t minority;   /* training target bits no network can fit */
    uint64_t *seen;      /* 2^n0 bits: inputs among the training set */
    size_t seen_words;
    /* the rows of --data (rows = 0 with the teacher) */
    size_t rows, k;
    uint32_t *rcode;
    uint64_t *rtg;       /* rows x nLw */
    uint64_t key;        /* teacher */
} bnet_run;

static inline void setbit(uint64_t *t, uint64_t b, unsigned v)
{
    t[b >> 6] = (t[b >> 6] & ~(UINT64_C(1) << (b & 63))) | ((uint64_t)(v & 1) << (b & 63));
}

static inline int getbit(const uint64_t *t, uint64_t b) { return (int)((t[b >> 6] >> (b & 63)) & 1); }

/* The teacher's nL target bits of input x (a random map: a hash of (key, x)). */
static void teacher(uint64_t key, uint64_t x, size_t nL, size_t nLw, uint64_t *out)
{
    for (size_t q = 0; q < nLw; q++) out[q] = fal_hash64(key, x * nLw + q);
    if (nL % 64) out[nLw - 1] &= (UINT64_C(1) << (nL % 64)) - 1;
}

/* u distinct codes drawn uniformly from [0, 2^n), in uniformly random order
 * (Floyd's sample, then a Fisher-Yates shuffle).  mark: 2^n bits, zero on
 * entry and left zero unless keep. */
static void distinct_codes(fal_rng *r, size_t n, size_t u, uint32_t *out, uint64_t *mark, int keep)
{
    uint64_t N = UINT64_C(1) << n;
    size_t cnt = 0;
    for (uint64_t j = N - u; j < N; j++) {
        uint64_t t = fal_rng_below(r, j + 1);
        if (getbit(mark, t)) t = j;
        setbit(mark, t, 1);
        out[cnt++] = (uint32_t)t;
    }
    for (size_t i = u; i > 1; i--) {
        size_t j = (size_t)fal_rng_below(r, i);
        uint32_t s = out[i - 1];
        out[i - 1] = out[j];
        out[j] = s;
    }
    if (!keep)
        for (size_t i = 0; i < u; i++) setbit(mark, out[i], 0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- the architecture ---------------------------------------------------- */

static fal_status check_arch(fal_ctx *ctx, const fal_arch *arch, bnet_run *b)
{
    uint64_t L = fal_arch_depth(arch);
    size_t n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, L);
    size_t floor_w = n0 < nL ? n0 : nL;
    /* a uniform net has one width to check (and may be very deep) */
    for (uint64_t i = 0; i < (fal_arch_is_uniform(arch) ? 1 : L); i++) {
        size_t n = fal_arch_width(arch, i);
        if (n > FAL_BS_MAX_FANIN)
            return fal__fail(ctx, FAL_EINVAL,
                             "bool: layer %llu has %zu units, so each unit of layer %llu needs a truth table of 2^%zu "
                             "bits; the limit is %d units in every layer but the output",
                             (unsigned long long)i, n, (unsigned long long)(i + 1), n, FAL_BS_MAX_FANIN);
        if (i > 0 && n < floor_w)
            return fal__fail(ctx, FAL_EINVAL,
                             "bool: hidden layer %llu has %zu < min(n0, nL) = %zu units, a bottleneck that cannot "
                             "realise every map; compressive nets are the family bool-ae",
                             (unsigned long long)i, n, floor_w);
    }
    if (L + 1 > SIZE_MAX / (sizeof(size_t) + sizeof(uint64_t)))
        return fal__fail(ctx, FAL_ENOMEM, "bool needs more than 16 EiB (depth %llu)", (unsigned long long)L);
    b->L = (size_t)L;
    b->n0 = n0;
    b->nL = nL;
    b->nLw = (nL + 63) / 64;
    return FAL_OK;
}

/* ---- the training set ---------------------------------------------------- */

/* Rows of --data: 0/1 values only; input a of a row is column a (bit a of
 * its code), target b is column n0 + b. */
static fal_status read_rows(fal_ctx *ctx, const fal_table *tab, bnet_run *b)
{
    const double *v = fal_table_cdata(tab);
    size_t cols = b->n0 + b->nL;
    for (size_t r = 0; r < b->rows; r++) {
        uint32_t code = 0;
        uint64_t *t = b->rtg + r * b->nLw;
        for (size_t c = 0; c < cols; c++) {
            double x = v[r * cols + c];
            if (x != 0.0 && x != 1.0)
                return fal__fail(ctx, FAL_EINVAL, "--data row %zu, column %zu is %g; bool needs 0/1 values", r + 1,
                                 c + 1, x);
            if (x == 0.0) continue;
            if (c < b->n0) code |= UINT32_C(1) << c;
            else setbit(t, c - b->n0, 1);
        }
        b->rcode[r] = code;
    }
    return FAL_OK;
}

/* The training rows (the first k) merged by input: the distinct inputs in
 * increasing order, each with the per-bit majority of its rows' targets
 * (the Hamming optimum for that input; ties drawn from r).  minority counts
 * the bits that disagree with the majority: the optimum's errors. */
static fal_status merge_rows(fal_ctx *ctx, bnet_run *b, fal_rng *r)
{
    fal_status st = FAL_OK;
    size_t k = b->k;
    uint64_t *key = fal__calloc(ctx, k, sizeof *key, "bool: row keys");
    uint32_t *ones = fal__calloc(ctx, b->nL, sizeof *ones, "bool: vote counts");
    if (!key || !ones) {
        st = FAL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < k; i++) key[i] = (uint64_t)b->rcode[i] << 32 | i;
    qsort(key, k, sizeof *key, cmp_u64);
    b->d = 0;
    b->minority = 0;
    for (size_t i = 0; i < k;) {
        uint32_t code = (uint32_t)(key[i] >> 32);
        size_t e = i;
        while (e < k && (uint32_t)(key[e] >> 32) == code) e++;
        memset(ones, 0, b->nL * sizeof *ones);
        for (size_t q = i; q < e; q++) {
            const uint64_t *t = b->rtg + (size_t)(key[q] & 0xffffffffu) * b->nLw;
            for (size_t o = 0; o < b->nL; o++) ones[o] += (uint32_t)getbit(t, o);
        }
        uint64_t *t = b->tg + b->d * b->nLw;
        uint32_t cnt = (uint32_t)(e - i);
        for (size_t o = 0; o < b->nL; o++) {
            unsigned bit = 2 * ones[o] > cnt || (2 * ones[o] == cnt && (fal_rng_next(r) & 1));
            setbit(t, o, bit);
            b->minority += bit ? cnt - ones[o] : ones[o];
        }
        b->xs[b->d++] = code;
        setbit(b->seen, code, 1);
        i = e;
    }
done:
    fal__free(ctx, key, k * sizeof *key);
    fal__free(ctx, ones, b->nL * sizeof *ones);
    return st;
}

/* ---- the construction ---------------------------------------------------- */

typedef struct build_stats {
    uint64_t fixed;      /* table bits the seen inputs reach */
    size_t injective;    /* hidden layers injective on the seen inputs */
} build_stats;

/* Overwrite the bits of the block at pos..pos+len-1 (len <= 64) where mask
 * is set with those of v. */
static inline void putbits(uint64_t *t, uint64_t pos, unsigned len, uint64_t v, uint64_t mask)
{
    uint64_t q = pos >> 6;
    unsigned s = (unsigned)(pos & 63);
    if (len < 64) mask &= (UINT64_C(1) << len) - 1;
    v &= mask;
    t[q] = (t[q] & ~(mask << s)) | (v << s);
    if (s && s + len > 64) t[q + 1] = (t[q + 1] & ~(mask >> (64 - s))) | (v >> (64 - s));
}

/* Fix entry pcode[c] of every unit of layer i, for each class c < u, to
 * bit j of val[c] (hidden layers) or, with val == NULL, bit j of the target
 * of class c's representative.  Few classes: one write per bit.  Many: the
 * entries are gathered in increasing order (slot: class + 1 at each reached
 * entry, 2^m entries, zero on entry and on return; ev: 32 value bits per
 * entry), then each unit's table is rewritten a word at a time -- sequential
 * streams, not n random writes per class into tables 2^m bits apart. */
static void write_layer(bnet_run *b, size_t i, size_t u, const uint32_t *pcode, const uint32_t *val,
                        const uint32_t *rep, uint32_t *slot, uint32_t *ev)
{
    size_t m = b->width[i - 1], n = b->width[i], E = (size_t)1 << m;
    uint64_t base = b->off[i - 1];
    if (u <= (E >> 6)) {
        for (size_t c = 0; c < u; c++)
            for (size_t j = 0; j < n; j++) {
                unsigned v = val ? (val[c] >> j) & 1 : (unsigned)getbit(b->tg + (size_t)rep[c] * b->nLw, j);
                setbit(b->tab, base + ((uint64_t)j << m) + pcode[c], v);
            }
        return;
    }
    for (size_t c = 0; c < u; c++) slot[pcode[c]] = (uint32_t)c + 1;
    for (size_t jb = 0; jb < n; jb += 32) {
        for (size_t e = 0; e < E; e++) {
            size_t c = slot[e];
            if (!c--) continue;
            if (val) {
                ev[e] = val[c];
            } else {
                const uint64_t *t = b->tg + (size_t)rep[c] * b->nLw;
                ev[e] = (uint32_t)(t[jb / 64] >> (jb % 64));
            }
        }
        for (size_t j = jb; j < n && j < jb + 32; j++)
            for (size_t q = 0; 64 * q < E; q++) {
                unsigned len = E - 64 * q < 64 ? (unsigned)(E - 64 * q) : 64;
                uint64_t v = 0, mask = 0;
                for (unsigned t = 0; t < len; t++) {
                    size_t e = 64 * q + t;
                    uint64_t hit = slot[e] != 0;
                    mask |= hit << t;
                    v |= (hit & (ev[e] >> (j - jb))) << t;
                }
                if (mask) putbits(b->tab, base + ((uint64_t)j << m) + 64 * q, len, v, mask);
            }
    }
    for (size_t c = 0; c < u; c++) slot[pcode[c]] = 0;
}

/* Fill the block with random bits, then fix the entries the seen inputs
 * reach (see the header).  Classes: u of them, class c has the code pcode[c]
 * in the current layer and the representative seen input rep[c]. */
static fal_status construct(fal_ctx *ctx, bnet_run *b, fal_rng *r, build_stats *bs)
{
    fal_status st = FAL_OK;
    size_t d = b->d, mark_words = ((size_t)1 << b->maxw) / 64 + 1;
    uint32_t *pcode = fal__calloc(ctx, d, sizeof *pcode, "bool: class codes");
    uint32_t *ncode = fal__calloc(ctx, d, sizeof *ncode, "bool: class codes");
    uint32_t *rep = fal__calloc(ctx, d, sizeof *rep, "bool: class representatives");
    uint64_t *mark = fal__calloc(ctx, mark_words, sizeof *mark, "bool: code marks");
    size_t nslot = (size_t)1 << b->maxm;
    uint32_t *slot = fal__calloc(ctx, nslot, sizeof *slot, "bool: entry slots");
    uint32_t *ev = fal__calloc(ctx, nslot, sizeof *ev, "bool: entry values");
    uint64_t *ykey = NULL;
    uint32_t *ycls = NULL, *yrep = NULL, *ycode = NULL;
    size_t ny = 0;
    if (!pcode || !ncode || !rep || !mark || !slot || !ev) {
        st = FAL_ENOMEM;
        goto done;
    }
    for (size_t q = 0; q < b->words; q++) b->tab[q] = fal_rng_next(r);
    size_t u = d;
    int on_inputs = 1; /* classes are still the distinct seen inputs */
    for (size_t c = 0; c < d; c++) {
        pcode[c] = b->xs[c];
        rep[c] = (uint32_t)c;
    }
    bs->fixed = 0;
    bs->injective = 0;
    for (size_t i = 1; i <= b->L; i++) {
        size_t n = b->width[i];
        if (i == b->L) {
            write_layer(b, i, u, pcode, NULL, rep, slot, ev); /* the output layer: the targets */
            bs->fixed += (uint64_t)n * u;
            break;
        }
        if (u <= ((size_t)1 << n)) {
            distinct_codes(r, n, u, ncode, mark, 0);
            write_layer(b, i, u, pcode, ncode, rep, slot, ev);
            bs->fixed += (uint64_t)n * u;
            uint32_t *s = pcode;
            pcode = ncode;
            ncode = s;
            bs->injective += (size_t)on_inputs;
            continue;
        }
        /* merge the classes by target (here nL <= n < n0 <= 24: one word):
         * class c joins target class ycls[c], represented by yrep[.] */
        ny = u;
        ykey = fal__calloc(ctx, ny, sizeof *ykey, "bool: target classes");
        ycls = fal__calloc(ctx, ny, sizeof *ycls, "bool: target classes");
        yrep = fal__calloc(ctx, ny, sizeof *yrep, "bool: target classes");
        ycode = fal__calloc(ctx, ny, sizeof *ycode, "bool: target classes");
        if (!ykey || !ycls || !yrep || !ycode) {
            st = FAL_ENOMEM;
            goto done;
        }
        for (size_t c = 0; c < u; c++) ykey[c] = b->tg[(size_t)rep[c] * b->nLw] << 32 | c;
        qsort(ykey, u, sizeof *ykey, cmp_u64);
        size_t v = 0;
        for (size_t q = 0; q < u; q++) {
            uint32_t c = (uint32_t)(ykey[q] & 0xffffffffu);
            if (q > 0 && (ykey[q] >> 32) != (ykey[q - 1] >> 32)) v++;
            if (q == 0 || (ykey[q] >> 32) != (ykey[q - 1] >> 32)) yrep[v] = rep[c];
            ycls[c] = (uint32_t)v;
        }
        v++;
        if (v > ((size_t)1 << n)) {
            st = fal__fail(ctx, FAL_EINTERNAL, "bool: %zu distinct targets do not fit hidden layer %zu", v, i);
            goto done;
        }
        distinct_codes(r, n, v, ycode, mark, 0);
        for (size_t c = 0; c < u; c++) ncode[c] = ycode[ycls[c]];
        write_layer(b, i, u, pcode, ncode, rep, slot, ev);
        bs->fixed += (uint64_t)n * u;
        for (size_t y = 0; y < v; y++) {
            pcode[y] = ycode[y];
            rep[y] = yrep[y];
        }
        u = v;
        on_inputs = 0;
        fal__free(ctx, ykey, ny * sizeof *ykey);
        fal__free(ctx, ycls, ny * sizeof *ycls);
        fal__free(ctx, yrep, ny * sizeof *yrep);
        fal__free(ctx, ycode, ny * sizeof *ycode);
        ykey = NULL;
        ycls = yrep = ycode = NULL;
    }
done:
    fal__free(ctx, ykey, ny * sizeof *ykey);
    fal__free(ctx, ycls, ny * sizeof *ycls);
    fal__free(ctx, yrep, ny * sizeof *yrep);
    fal__free(ctx, ycode, ny * sizeof *ycode);
    fal__free(ctx, pcode, d * sizeof *pcode);
    fal__free(ctx, ncode, d * sizeof *ncode);
    fal__free(ctx, rep, d * sizeof *rep);
    fal__free(ctx, mark, mark_words * sizeof *mark);
    fal__free(ctx, slot, nslot * sizeof *slot);
    fal__free(ctx, ev, nslot * sizeof *ev);
    return st;
}

/* ---- measuring ------------------------------------------------------------ */

enum { WR_TRAIN, WR_TEST, WR_UNSEEN, N_UNSEEN, NCOUNT };

typedef struct meas {
    const bnet_run *b;
    fal__bnet net;
    uint64_t P;          /* patterns: 2^n0 inputs (teacher) or the rows of --data */
    size_t cw;           /* words per chunk */
    size_t ws_words;     /* per-thread workspace */
} meas;

/* One chunk of 64 cw patterns from p0: evaluate bit-sliced, compare with the
 * targets, count wrong bits by class (training / test / unseen test).  The
 * class masks have bits only for real patterns, so the padding of the last
 * word never counts. */
static void measure_chunk(const meas *M, uint64_t p0, uint64_t *ws, uint64_t *cnt)
{
    const bnet_run *b = M->b;
    size_t cw = M->cw, n0 = b->n0, nL = b->nL;
    size_t np = (size_t)(M->P - p0 < 64 * cw ? M->P - p0 : 64 * cw), nw = (np + 63) / 64;
    uint64_t *x = ws, *y = x + n0 * cw, *t = y + nL * cw, *mk = t + nL * cw, *tw = mk + 3 * cw;
    uint64_t *buf = tw + b->nLw, *scratch = buf + 2 * b->maxw * cw;
    int teach = b->rows == 0;
    if (teach) fal__bs_enum_inputs(n0, p0, x, cw, nw);
    else fal__bs_pack_inputs(n0, b->rcode + p0, np, x, cw, nw);
    fal__bs_eval(&M->net, x, cw, y, cw, nw, buf, scratch);
    for (size_t o = 0; o < nL; o++) memset(t + o * cw, 0, nw * sizeof *t);
    memset(mk, 0, 3 * cw * sizeof *mk);
    for (size_t q = 0; q < np; q++) {
        uint64_t p = p0 + q, bit = UINT64_C(1) << (q & 63);
        uint32_t code = teach ? (uint32_t)p : b->rcode[p];
        const uint64_t *tg = tw;
        if (teach) teacher(b->key, p, nL, b->nLw, tw);
        else tg = b->rtg + (size_t)p * b->nLw;
        for (size_t qq = 0; qq < b->nLw; qq++)
            for (uint64_t z = tg[qq]; z; z &= z - 1) t[(qq * 64 + (size_t)__builtin_ctzll(z)) * cw + (q >> 6)] |= bit;
        int train = teach ? getbit(b->seen, code) : p < b->k;
        if (train) {
            mk[q >> 6] |= bit;
        } else {
            mk[cw + (q >> 6)] |= bit;
            if (!getbit(b->seen, code)) {
                mk[2 * cw + (q >> 6)] |= bit;
                cnt[N_UNSEEN]++;
            }
        }
    }
    for (size_t o = 0; o < nL; o++)
        for (size_t v = 0; v < nw; v++) {
            uint64_t diff = y[o * cw + v] ^ t[o * cw + v];
            cnt[WR_TRAIN] += (uint64_t)__builtin_popcountll(diff & mk[v]);
            cnt[WR_TEST] += (uint64_t)__builtin_popcountll(diff & mk[cw + v]);
            cnt[WR_UNSEEN] += (uint64_t)__builtin_popcountll(diff & mk[2 * cw + v]);
        }
}

/* Words per chunk and per-thread workspace for b. */
static void measure_plan(const bnet_run *b, uint64_t P, meas *M)
{
    size_t rowsw = b->n0 + 2 * b->nL + 2 * b->maxw + 3, cw = CHUNK_WORDS;
    while (cw > FAL_BS_W && cw * rowsw * 8 > CHUNK_BYTES) cw /= 2;
    if ((uint64_t)cw * 64 > P) cw = (size_t)((P + 63) / 64);
    M->b = b;
    M->P = P;
    M->cw = cw;
    M->ws_words = rowsw * cw + b->nLw + fal__bs_scratch_words(b->maxm);
}

/* All patterns in chunks, in parallel; the counts are integer sums, the
 * same for every thread count. */
static fal_status measure(fal_ctx *ctx, const bnet_run *b, uint64_t cnt[NCOUNT])
{
    meas M;
    measure_plan(b, b->rows ? b->rows : UINT64_C(1) << b->n0, &M);
    M.net.tab = b->tab;
    M.net.width = b->width;
    M.net.off = b->off;
    M.net.L = b->L;
    uint64_t per = 64 * (uint64_t)M.cw, nch64 = (M.P + per - 1) / per;
    size_t nch = (size_t)nch64;
    int T = fal_ctx_threads(ctx);
    if ((uint64_t)T > nch64) T = (int)nch64;
    if (T < 1) T = 1;
    uint64_t *ws = fal__calloc(ctx, (size_t)T * M.ws_words, sizeof *ws, "bool: evaluation buffers");
    uint64_t *cc = fal__calloc(ctx, nch * NCOUNT, sizeof *cc, "bool: chunk counts");
    if (!ws || !cc) {
        fal__free(ctx, ws, (size_t)T * M.ws_words * sizeof *ws);
        fal__free(ctx, cc, nch * NCOUNT * sizeof *cc);
        return FAL_ENOMEM;
    }
    long nchl = (long)nch;
#pragma omp parallel num_threads(T)
    {
        uint64_t *mine = ws + (size_t)omp_get_thread_num() * M.ws_words;
#pragma omp for schedule(dynamic, 1)
        for (long ch = 0; ch < nchl; ch++) measure_chunk(&M, (uint64_t)ch * per, mine, cc + (size_t)ch * NCOUNT);
    }
    for (size_t i = 0; i < NCOUNT; i++) cnt[i] = 0;
    for (size_t ch = 0; ch < nch; ch++)
        for (size_t i = 0; i < NCOUNT; i++) cnt[i] += cc[ch * NCOUNT + i];
    fal__free(ctx, ws, (size_t)T * M.ws_words * sizeof *ws);
    fal__free(ctx, cc, nch * NCOUNT * sizeof *cc);
    return FAL_OK;
}

/* ---- parameter export (doc/params.md) ---------------------------------------- */

/* The network's nL output bits on input x (nLw words), unit by unit from the
 * tables: the exported predictions, apart from the bit-sliced measurement. */
static void eval_one(const bnet_run *b, uint64_t x, uint64_t *out)
{
    memset(out, 0, b->nLw * sizeof *out);
    for (size_t i = 1; i <= b->L; i++) {
        uint64_t base = b->off[i - 1], np = b->width[i - 1], y = 0;
        for (size_t j = 0; j < b->width[i]; j++) {
            unsigned v = (unsigned)getbit(b->tab, base + ((uint64_t)j << np) + x);
            if (i == b->L) setbit(out, j, v);
            else y |= (uint64_t)v << j;
        }
        x = y;
    }
}

/* x_SET, t_SET, pred_SET of rows inputs x[] (codes) with targets tg (rows x
 * nLw words, or NULL: the teacher's). */
static fal_status keep_rows(fal_ctx *ctx, fal_params *p, const char *set, const bnet_run *b, const uint32_t *x,
                            const uint64_t *tg, size_t rows)
{
    size_t nLw = b->nLw, len = (rows ? rows : 1) * nLw;
    uint64_t *xw = fal__alloc(ctx, (rows ? rows : 1) * sizeof *xw, "rows");
    uint64_t *t = xw ? fal__alloc(ctx, len * sizeof *t, "targets") : NULL;
    uint64_t *y = t ? fal__alloc(ctx, len * sizeof *y, "outputs") : NULL;
    fal_status st = y ? FAL_OK : FAL_ENOMEM;
    for (size_t r = 0; r < rows && st == FAL_OK; r++) {
        xw[r] = x[r];
        if (tg) memcpy(t + r * nLw, tg + r * nLw, nLw * sizeof *t);
        else teacher(b->key, x[r], b->nL, nLw, t + r * nLw);
        eval_one(b, x[r], y + r * nLw);
    }
    char name[FAL_ARRAY_NAME];
    snprintf(name, sizeof name, "x_%s", set);
    if (st == FAL_OK) st = fal__params_bits(p, name, xw, rows, b->n0, 1);
    snprintf(name, sizeof name, "t_%s", set);
    if (st == FAL_OK) st = fal__params_bits(p, name, t, rows, b->nL, nLw);
    snprintf(name, sizeof name, "pred_%s", set);
    if (st == FAL_OK) st = fal__params_bits(p, name, y, rows, b->nL, nLw);
    fal__free(ctx, y, len * sizeof *y);
    fal__free(ctx, t, len * sizeof *t);
    fal__free(ctx, xw, (rows ? rows : 1) * sizeof *xw);
    return st;
}

/* T_i (n_i x 2^(n_{i-1}): entry b of unit j is its output when layer i-1
 * reads b, unit 0 the least significant bit), then the rows: --data's
 * training and test rows as given, or the teacher's training inputs and
 * every unseen input as the test rows. */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const bnet_run *b)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    for (size_t i = 1; i <= b->L && st == FAL_OK; i++) {
        size_t N = (size_t)1 << b->width[i - 1], len = b->width[i] * N;
        double *v = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "truth tables");
        if (!v) return FAL_ENOMEM;
        for (size_t j = 0; j < b->width[i]; j++)
            for (size_t e = 0; e < N; e++) v[j * N + e] = getbit(b->tab, b->off[i - 1] + j * N + e);
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "T%zu", i);
        st = fal_params_add(p, name, FAL_DT_I8, 2, b->width[i], N, v);
        fal__free(ctx, v, (len ? len : 1) * sizeof(double));
    }
    if (st != FAL_OK) return st;
    if (b->rows) {
        st = keep_rows(ctx, p, "train", b, b->rcode, b->rtg, b->k);
        if (st == FAL_OK && b->rows > b->k)
            st = keep_rows(ctx, p, "test", b, b->rcode + b->k, b->rtg + b->k * b->nLw, b->rows - b->k);
        return st;
    }
    st = keep_rows(ctx, p, "train", b, b->xs, NULL, b->d);
    uint64_t N = UINT64_C(1) << b->n0;
    size_t nun = (size_t)(N - b->d);
    if (st == FAL_OK && nun) {
        uint32_t *un = fal__alloc(ctx, nun * sizeof *un, "unseen inputs");
        if (!un) return FAL_ENOMEM;
        size_t q = 0;
        for (uint64_t x = 0; x < N; x++)
            if (!getbit(b->seen, x)) un[q++] = (uint32_t)x;
        st = keep_rows(ctx, p, "test", b, un, NULL, q);
        fal__free(ctx, un, nun * sizeof *un);
    }
    return st;
}

/* ---- the run ---------------------------------------------------------------- */

/* log2 of the number of injective maps of d items into 2^n codes. */
static double log2_injections(size_t n, size_t d)
{
    double N = ldexp(1.0, (int)n);
    return (lgamma(N + 1) - lgamma(N - (double)d + 1)) / log(2.0);
}

fal_status fal__run_bool(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    return fal__bool_run(ctx, cfg, res, NULL);
}

fal_status fal__bool_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__bool_net *keep)
{
    fal_status st = FAL_OK;
    if (keep) memset(keep, 0, sizeof *keep);
    const fal_arch *arch = cfg->arch;
    if (!arch) {
        static const size_t def[4] = { 6, 8, 8, 3 };
        st = fal_arch_from_widths(ctx, def, 4, &res->owned_arch);
        if (st != FAL_OK) return st;
        arch = res->owned_arch;
    }
    res->arch = arch;
    if (cfg->algo != FAL_ALGO_DEFAULT && cfg->algo != FAL_ALGO_EXACT)
        return fal__fail(ctx, FAL_EINVAL, "bool learns by construction (--algo exact); %s does not apply",
                         fal_algo_name(cfg->algo));
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "bool is Boolean: --field complex does not apply");
    res->algo = fal_algo_name(FAL_ALGO_EXACT);
    bnet_run b;
    memset(&b, 0, sizeof b);
    st = check_arch(ctx, arch, &b);
    if (st != FAL_OK) return st;

    /* ---- sizes ---- */
    size_t k, ntest = 0;
    uint64_t N = UINT64_C(1) << b.n0;
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, b.n0 + b.nL, &k, &ntest);
        if (st != FAL_OK) return st;
        if (fal_table_field(cfg->data) != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "--data must be real 0/1 here");
        if (k + ntest > UINT32_MAX) return fal__fail(ctx, FAL_EINVAL, "--data has more than 2^32 - 1 rows");
        b.rows = k + ntest;
    } else {
        k = cfg->examples_set ? cfg->examples : (size_t)N;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
        if (k > N)
            return fal__fail(ctx, FAL_EINVAL, "--examples %zu exceeds the 2^%zu = %llu distinct inputs", k, b.n0,
                             (unsigned long long)N);
    }
    b.k = k;
    size_t L = b.L, nlay = L + 1;
    /* the table sizes from the architecture alone: a uniform net may be
     * 2^50 layers deep, so its layer table is not made before the budget */
    b.maxw = 1;
    uint64_t w = 0;
    int over = 0;
    for (size_t i = 1; i <= (fal_arch_is_uniform(arch) ? 1 : L); i++) {
        size_t np = fal_arch_width(arch, i - 1), ni = fal_arch_width(arch, i);
        uint64_t bits = (uint64_t)ni << np; /* ni <= 2^32, np <= FAL_BS_MAX_FANIN (check_arch) */
        if (fal_arch_is_uniform(arch)) over |= __builtin_mul_overflow(bits, (uint64_t)L, &bits);
        over |= __builtin_add_overflow(w, bits, &w);
        if (i < L && ni > b.maxw) b.maxw = ni;
        if (np > b.maxm) b.maxm = np;
    }
    if (over || w / 64 >= SIZE_MAX / 8) {
        st = fal__fail(ctx, FAL_ENOMEM, "bool needs more than 16 EiB (w = sum n_i 2^(n_(i-1)) bits overflows 64 bits)");
        goto done;
    }
    b.words = (size_t)((w + 63) / 64);
    b.seen_words = (size_t)(N / 64 + 1);
    if (cfg->keep_params) {
        /* --save: every table, and the teacher's rows (all 2^n0 inputs) */
        double vals = (double)w + (cfg->data ? 0.0 : ldexp((double)(b.n0 + 2 * b.nL), (int)b.n0));
        if (L > 60000) {
            st = fal__fail(ctx, FAL_EINVAL, "bool: --save writes one table array a layer: depth %zu is above 60000 "
                                            "(an archive holds at most 65535 arrays)", L);
            goto done;
        }
        if (vals > (double)FAL__PARAMS_MAX_VALUES) {
            st = fal__params_too_big(ctx, "bool", "every truth table and the teacher's rows", vals);
            goto done;
        }
    }

    /* ---- budget: everything large, before allocating any of it ---- */
    {
        meas M;
        measure_plan(&b, b.rows ? b.rows : N, &M);
        double kd = (double)k, rows = (double)b.rows, lw = (double)b.nLw;
        double need = 8.0 * (double)b.words + 8.0 * (double)b.seen_words + kd * (4 + 8 * lw) /* xs, tg */
                      + rows * (4 + 8 * lw) + 8 * kd                                    /* --data rows, keys */
                      + kd * (12 + 20) + ldexp(1.0, (int)b.maxw) / 8 + ldexp(8.0, (int)b.maxm) /* construction */
                      + 8.0 * (double)M.ws_words * fal_ctx_threads(ctx)                 /* evaluation */
                      + (double)nlay * (sizeof(size_t) + sizeof(uint64_t));             /* layer table */
        if (need >= 0x1p64) {
            st = fal__fail(ctx, FAL_ENOMEM, "bool needs more than 16 EiB (about %.3g bytes)", need);
            goto done;
        }
        st = fal__budget(ctx, (size_t)need, "bool");
        if (st != FAL_OK) goto done;
    }
    b.width = fal__calloc(ctx, nlay, sizeof *b.width, "bool: widths");
    b.off = fal__calloc(ctx, nlay, sizeof *b.off, "bool: table offsets");
    if (!b.width || !b.off) {
        st = FAL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i <= L; i++) b.width[i] = fal_arch_width(arch, i);
    b.w = fal__bs_layout(b.width, L, b.off);
    if (b.w != w) {
        st = fal__fail(ctx, FAL_EINTERNAL, "bool: the table layout disagrees with its size");
        goto done;
    }
    b.tab = fal__alloc(ctx, b.words * sizeof *b.tab, "bool: truth tables");
    if (b.tab) fal__advise_huge(b.tab, b.words * sizeof *b.tab); /* random lookups in tables of up to 2 MiB each */
    b.seen = fal__calloc(ctx, b.seen_words, sizeof *b.seen, "bool: seen inputs");
    b.xs = fal__calloc(ctx, k, sizeof *b.xs, "bool: training inputs");
    b.tg = fal__calloc(ctx, k * b.nLw, sizeof *b.tg, "bool: training targets");
    if (b.rows) {
        b.rcode = fal__calloc(ctx, b.rows, sizeof *b.rcode, "bool: --data inputs");
        b.rtg = fal__calloc(ctx, b.rows * b.nLw, sizeof *b.rtg, "bool: --data targets");
    }
    if (!b.tab || !b.seen || !b.xs || !b.tg || (b.rows && (!b.rcode || !b.rtg))) {
        st = FAL_ENOMEM;
        goto done;
    }

    /* ---- data ---- */
    fal_rng rdata, rinit;
    fal_rng_seed(&rdata, cfg->seed);
    rinit = rdata;
    fal_rng_jump(&rinit);
    if (cfg->data) {
        st = read_rows(ctx, cfg->data, &b);
        if (st == FAL_OK) st = merge_rows(ctx, &b, &rinit);
        if (st != FAL_OK) goto done;
    } else {
        b.key = fal_rng_next(&rdata);
        if (k < N) distinct_codes(&rdata, b.n0, k, b.xs, b.seen, 1);
        else
            for (uint64_t x = 0; x < N; x++) setbit(b.seen, x, 1);
        b.d = 0;
        for (uint64_t x = 0; x < N; x++) /* increasing order */
            if (getbit(b.seen, x)) b.xs[b.d++] = (uint32_t)x;
        for (size_t s = 0; s < b.d; s++) teacher(b.key, b.xs[s], b.nL, b.nLw, b.tg + s * b.nLw);
        b.minority = 0;
    }

    /* ---- construct ---- */
    build_stats bs;
    st = construct(ctx, &b, &rinit, &bs);
    if (st != FAL_OK) goto done;

    /* ---- measure ---- */
    uint64_t cnt[NCOUNT];
    st = measure(ctx, &b, cnt);
    if (st != FAL_OK) goto done;
    double nL = (double)b.nL, kd = (double)k;
    uint64_t ntest_all = b.rows ? ntest : N - k;
    res->params = b.w;
    res->examples = k;
    res->train_error = (double)cnt[WR_TRAIN] / (kd * nL);
    res->optimum_error = (double)b.minority / (kd * nL);
    res->test_error = ntest_all ? (double)cnt[WR_TEST] / ((double)ntest_all * nL) : NAN;
    res->log2_classes = nL * (double)N;
    res->bits_provided = kd * nL;
    res->converged = cnt[WR_TRAIN] == b.minority;
    res->steps = 0;
    res->note = res->converged ? NULL : "the construction does not reproduce the seen examples (a bug)";
    double lower = NAN;
    if (bs.injective + 1 == L) {
        lower = (double)(b.w - bs.fixed);
        for (size_t i = 1; i < L; i++) lower += log2_injections(b.width[i], b.d);
    }
    fal__result_extra(res, "fixed_bits", (double)bs.fixed);
    fal__result_extra(res, "free_bits", (double)(b.w - bs.fixed));
    fal__result_extra(res, "seen_error", res->train_error);
    fal__result_extra(res, "unseen_error",
                      cnt[N_UNSEEN] ? (double)cnt[WR_UNSEEN] / ((double)cnt[N_UNSEEN] * nL) : NAN);
    fal__result_extra(res, "unseen_inputs", (double)cnt[N_UNSEEN]);
    fal__result_extra(res, "distinct_seen", (double)b.d);
    fal__result_extra(res, "injective_layers", (double)bs.injective);
    fal__result_extra(res, "bits_with_inputs", kd * (double)(b.n0 + b.nL));
    fal__result_extra(res, "log2_mean_class", (double)b.w - res->log2_classes);
    fal__result_extra(res, "log2_agreeing_lower", lower);
    fal__result_extra(res, "param_bytes", (double)b.words * 8.0);
    st = res->converged ? FAL_OK : FAL_ENOCONV;
    if (cfg->keep_params) {
        fal_status s3 = keep_params(ctx, cfg, res, &b);
        if (s3 != FAL_OK) {
            st = s3;
            goto done;
        }
    }
    if (keep) { /* hand the network over: done frees NULL, a no-op */
        keep->L = L;
        keep->width = b.width;
        keep->off = b.off;
        keep->tab = b.tab;
        keep->w = b.w;
        keep->words = b.words;
        b.width = NULL;
        b.off = NULL;
        b.tab = NULL;
    }
done:
    fal__free(ctx, b.width, nlay * sizeof *b.width);
    fal__free(ctx, b.off, nlay * sizeof *b.off);
    fal__free(ctx, b.tab, b.words * sizeof *b.tab);
    fal__free(ctx, b.seen, b.seen_words * sizeof *b.seen);
    fal__free(ctx, b.xs, k * sizeof *b.xs);
    fal__free(ctx, b.tg, k * b.nLw * sizeof *b.tg);
    fal__free(ctx, b.rcode, b.rows * sizeof *b.rcode);
    fal__free(ctx, b.rtg, b.rows * b.nLw * sizeof *b.rtg);
    return st;
}
