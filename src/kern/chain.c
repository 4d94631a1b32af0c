/* chain.c -- the scalar-chain pass: update every weight and gather the
 * log-domain statistics of the new product in the same sweep, so that one
 * GD step of a 10^9-deep chain reads and writes the parameters once.
 *
 * ln|P| = ln 2 * (sum of binary exponents + sum log2 mantissas).  Exponents
 * add exactly; mantissas in [1, 2) are multiplied in independent lanes and
 * renormalised after every factor, so the running product never leaves
 * [1, 4) and no log() is called per weight.  The rounding error of each of
 * those products is recovered exactly by an FMA and summed, relative to the
 * product, as a first-order correction to the logarithm, so that ln|P| of
 * 10^9 factors is accurate to ~1e-15 rather than ~1e-11.
 *
 * Compensated updates.  Near the optimum of a chain of depth L each weight
 * should move by a relative amount of about (P - P*)/(P L), which falls
 * below half an ulp of w ~ 1 once |P - P*|/|P| < L 2^-53: plain rounding
 * then freezes the product ~1e-7 away from P* at L = 10^9.  Each weight's
 * intended relative change -kc/w^2 is therefore applied together with the
 * part of the previous weight's change (same lane) that rounding dropped:
 *   target = w - kc/w + w c,   r = (fl(target) - w)/w   (w' - w is exact),
 *   c <- (-kc/w^2 + c) - r.
 * Every weight still moves along its gradient to within one ulp, and the
 * product moves by the intended amount to first order.
 *
 * max 1/w^2 is taken as 1/m^2 with m the smallest |w|: fl(w*w) and then
 * fl(1/x) are monotone, so this is the maximum of the per-weight values,
 * bit for bit, without one per weight.
 *
 * Two bodies compute the same statistics: an AVX-512 one (32 weights a
 * step, 4 carries, 16 lane products; 1/w and 1/w^2 by division, which runs
 * beside the FMA pipes; exponents and mantissas by getexp/getmant) where the
 * compiler targets AVX-512F+DQ, and a portable one (8 lanes, exponent bits
 * by integer ops), compiled everywhere and tested against the log()
 * reference on every build.  The weights they write differ in the last bit
 * at most (the carries travel along different lanes). */
#include <float.h>
#include <math.h>
#include <string.h>
#include "kern.h"
#include "fallacy/rng.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define CHAIN_AVX512 1
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__)
/* unoptimised, GCC's AVX-512 intrinsics are macros that trip -Wsign-conversion */
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#else
#define CHAIN_AVX512 0
#endif

void fal__chain_stats_zero(fal__chain_stats *s)
{
    memset(s, 0, sizeof *s);
}

/* Keep log2m in [-1/2, 1/2] by moving its nearest integer to exp2 (exact):
 * summed over the blocks of a deep chain, log2m would otherwise grow with
 * the number of blocks and lose digits (at 10^9 weights, ~1000 blocks of
 * log2m ~ 8 each: an ulp of 1e-12 on ln|P|). */
static void stats_norm(fal__chain_stats *s)
{
    if (!isfinite(s->log2m)) return;
    double k = nearbyint(s->log2m);
    s->exp2 += (int64_t)k;
    s->log2m -= k;
}

void fal__chain_stats_add(fal__chain_stats *acc, const fal__chain_stats *s)
{
    acc->exp2 += s->exp2;
    acc->log2m += s->log2m;
    stats_norm(acc);
    acc->neg += s->neg;
    acc->zero += s->zero;
    acc->inv2 += s->inv2;
    if (s->maxinv2 > acc->maxinv2) acc->maxinv2 = s->maxinv2;
}

double fal__chain_stats_ln(const fal__chain_stats *s)
{
    if (s->zero) return -INFINITY;
    return M_LN2 * ((double)s->exp2 + s->log2m);
}

int fal__chain_simd(void)
{
    return CHAIN_AVX512;
}

static inline uint64_t bits_of(double a)
{
    uint64_t b;
    memcpy(&b, &a, sizeof b);
    return b;
}

static inline double double_of(uint64_t b)
{
    double a;
    memcpy(&a, &b, sizeof a);
    return a;
}

/* ---- the start draw -----------------------------------------------------
 * Weight i comes from stream i mod DRAW_LANES, stream l seeded by
 * fal_hash64(key, l): independent lanes that a vector unit advances
 * together, and the same bytes from either body. */
#define DRAW_LANES 16

/* |w| = 1 + s u, u = (z >> 11) 2^-52 - 1 in [-1, 1) (exact), sign from bit 0
 * set without a branch (a random branch costs more than the rest). */
static inline double draw_one(uint64_t z, double s)
{
    double u = (double)(z >> 11) * 0x1.0p-52 - 1.0;
    double mag = 1.0 + s * u;
    return double_of(bits_of(mag) | z << 63);
}

static void draw_seed(fal_rng r[DRAW_LANES], uint64_t key)
{
    for (uint64_t l = 0; l < DRAW_LANES; l++) fal_rng_seed(&r[l], fal_hash64(key, l));
}

/* weights [i0, n) from the lane streams r (i0 = the position the streams are at) */
static void draw_scalar(double *w, size_t i0, size_t n, double s, fal_rng r[DRAW_LANES])
{
    for (size_t i = i0; i < n; i++) w[i] = draw_one(fal_rng_next_inline(&r[i % DRAW_LANES]), s);
}

void fal__chain_draw_portable(double *w, size_t n, double s, uint64_t key)
{
    fal_rng r[DRAW_LANES];
    draw_seed(r, key);
    draw_scalar(w, 0, n, s, r);
}

#if CHAIN_AVX512
/* xoshiro256** on 8 streams: s[k] holds word k of each. */
static inline __attribute__((always_inline)) __m512i xo8_next(__m512i s[4])
{
    __m512i s1 = s[1];
    __m512i r = _mm512_rol_epi64(_mm512_add_epi64(s1, _mm512_slli_epi64(s1, 2)), 7); /* rotl(s1 * 5, 7) */
    r = _mm512_add_epi64(r, _mm512_slli_epi64(r, 3));                               /* * 9 */
    __m512i t = _mm512_slli_epi64(s1, 17);
    s[2] = _mm512_xor_si512(s[2], s[0]);
    s[3] = _mm512_xor_si512(s[3], s1);
    s[1] = _mm512_xor_si512(s1, s[2]);
    s[0] = _mm512_xor_si512(s[0], s[3]);
    s[2] = _mm512_xor_si512(s[2], t);
    s[3] = _mm512_rol_epi64(s[3], 45);
    return r;
}

static inline __attribute__((always_inline)) __m512d draw8(__m512i z, __m512d sv)
{
    __m512d u = _mm512_fmadd_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(z, 11)), _mm512_set1_pd(0x1.0p-52),
                                _mm512_set1_pd(-1.0)); /* exact, as in draw_one */
    __m512d mag = _mm512_add_pd(_mm512_set1_pd(1.0), _mm512_mul_pd(sv, u));
    return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(mag), _mm512_slli_epi64(z, 63)));
}

/* Plain stores: stream stores (around the cache) measured twice slower
 * here, on 2^27 resident weights (bench/chain_big blocks). */
void fal__chain_draw(double *w, size_t n, double s, uint64_t key)
{
    fal_rng r[DRAW_LANES];
    draw_seed(r, key);
    uint64_t tmp[DRAW_LANES];
    __m512i a[4], b[4]; /* streams 0-7 and 8-15 */
    for (int q = 0; q < 4; q++) {
        for (int l = 0; l < DRAW_LANES; l++) tmp[l] = r[l].s[q];
        a[q] = _mm512_loadu_si512(tmp);
        b[q] = _mm512_loadu_si512(tmp + 8);
    }
    __m512d sv = _mm512_set1_pd(s);
    size_t body = n - n % DRAW_LANES;
    for (size_t i = 0; i < body; i += DRAW_LANES) {
        _mm512_storeu_pd(w + i, draw8(xo8_next(a), sv));
        _mm512_storeu_pd(w + i + 8, draw8(xo8_next(b), sv));
    }
    for (int q = 0; q < 4; q++) {
        _mm512_storeu_si512(tmp, a[q]);
        _mm512_storeu_si512(tmp + 8, b[q]);
        for (int l = 0; l < DRAW_LANES; l++) r[l].s[q] = tmp[l];
    }
    draw_scalar(w, body, n, s, r);
}
#else
void fal__chain_draw(double *w, size_t n, double s, uint64_t key)
{
    fal__chain_draw_portable(w, n, s, key);
}
#endif

/* ---- the reference pass -------------------------------------------------- */

/* The reference with the compensation carry starting at carry. */
static void chain_ref(double *w, size_t n, double kc, double carry, fal__chain_stats *out)
{
    /* Independent of the fast path: ln|v| from log(), Kahan-summed. */
    fal__chain_stats s;
    fal__chain_stats_zero(&s);
    double sum = 0, comp = 0;
    for (size_t i = 0; i < n; i++) {
        double v = w[i];
        if (kc != 0.0 && isfinite(v) && v != 0.0) {
            double inv = 1.0 / v;
            double nv = v - kc * inv + v * carry;
            carry = (carry - kc * inv * inv) - (nv - v) * inv;
            v = nv;
        }
        w[i] = v;
        if (!(fabs(v) >= DBL_MIN) || !isfinite(v)) {
            s.zero++;
            continue;
        }
        double y = log(fabs(v)) - comp;
        double t = sum + y;
        comp = (t - sum) - y;
        sum = t;
        s.neg += v < 0;
        double u = 1.0 / (v * v);
        s.inv2 += u;
        if (u > s.maxinv2) s.maxinv2 = u;
    }
    s.log2m = sum / M_LN2;
    stats_norm(&s);
    *out = s;
}

/* exp2 and log2m of the product of nl lane products mp[l] 2^(exponents
 * already counted) with relative corrections lc[l]: multiplied into one
 * mantissa first (the rounding of each product kept by FMA), so that a
 * block costs one log2() and one rounding of it rather than nl. */
static void lanes_log2(const double *mp, const double *lc, int nl, fal__chain_stats *s)
{
    double m = 1.0, c = 0.0;
    int64_t e = 0;
    for (int l = 0; l < nl; l++) {
        double p = m * mp[l];
        c += lc[l] + fma(m, mp[l], -p) / p;
        int ep;
        m = 2.0 * frexp(p, &ep); /* in [1, 2) */
        e += ep - 1;
    }
    /* m in [1/sqrt 2, sqrt 2): log2(m) is then small and rounds finely,
     * also when the product is close to a power of 2 from below */
    if (m > M_SQRT2) {
        m *= 0.5;
        e += 1;
    }
    s->exp2 += e;
    s->log2m += log2(m) + c / M_LN2;
    stats_norm(s);
}

void fal__chain_pass_ref(double *w, size_t n, double kc, fal__chain_stats *out)
{
    chain_ref(w, n, kc, 0.0, out);
}

/* The lanes' body ends before the last weight, so that the tail is never
 * empty: what the lanes' carries still hold (each up to half an ulp, all
 * of one sign when the step is far below an ulp) is summed and applied
 * through the tail, not dropped.  Dropped, it would stall the product at
 * about (lanes x blocks) half-ulps from where the step sends it: ~1e-13
 * at 10^8 weights in 2^20-weight blocks with 32 lanes. */
static size_t lanes_body(size_t n, size_t lanes)
{
    return n ? (n - 1) / lanes * lanes : 0;
}

/* ---- the portable pass --------------------------------------------------- */

#define LANES 8

/* The pass body; `update` is a compile-time constant at both call sites so
 * that each instantiation is a straight loop. */
static inline __attribute__((always_inline)) void chain_pass_body(double *w, size_t n, double kc, int update,
                                                                    fal__chain_stats *out)
{
    const uint64_t MANT = 0x000fffffffffffffULL, ONE = 0x3ff0000000000000ULL;
    double mp[LANES], inv2[LANES], minw[LANES], carry[LANES], lc[LANES];
    int64_t ex[LANES];
    uint64_t neg[LANES], bad[LANES];
    for (int l = 0; l < LANES; l++) {
        mp[l] = 1.0;
        lc[l] = 0.0;
        carry[l] = 0.0;
        inv2[l] = 0.0;
        minw[l] = INFINITY;
        ex[l] = 0;
        neg[l] = 0;
        bad[l] = 0;
    }
    size_t body = lanes_body(n, LANES);
    for (size_t i = 0; i < body; i += LANES) {
        for (int l = 0; l < LANES; l++) {
            double v = w[i + (size_t)l];
            if (update) {
                double v0 = v, inv0 = 1.0 / v0;
                v = v0 - kc * inv0 + v0 * carry[l];
                carry[l] = (carry[l] - kc * inv0 * inv0) - (v - v0) * inv0;
                w[i + (size_t)l] = v;
            }
            uint64_t b = bits_of(v);
            uint64_t e = (b >> 52) & 0x7ff;
            /* zero, subnormal, Inf or NaN: counted apart, mantissa taken as 1 */
            uint64_t ok = (uint64_t)(e != 0) & (uint64_t)(e != 0x7ff);
            bad[l] += 1 - ok;
            neg[l] += (b >> 63) & ok;
            ex[l] += ok ? (int64_t)e - 1023 : 0;
            double m = double_of(ok ? ((b & MANT) | ONE) : ONE);
            double p = mp[l] * m; /* in [1, 4) */
            /* the rounding of p, exact by FMA, as a ln correction; it is
             * ~1e-16, so a float reciprocal (6e-8 relative) is ample and
             * spares a double division */
            lc[l] += fma(mp[l], m, -p) * (double)(1.0f / (float)p);
            uint64_t pb = bits_of(p);
            ex[l] += (int64_t)((pb >> 52) & 0x7ff) - 1023;
            mp[l] = double_of((pb & MANT) | ONE);
            double a = ok ? fabs(v) : INFINITY;
            inv2[l] += ok ? 1.0 / (v * v) : 0.0;
            minw[l] = a < minw[l] ? a : minw[l];
        }
    }
    fal__chain_stats s, tail;
    fal__chain_stats_zero(&s);
    double mn = INFINITY, left = 0;
    lanes_log2(mp, lc, LANES, &s);
    for (int l = 0; l < LANES; l++) {
        left += carry[l];
        s.exp2 += ex[l];
        s.neg += neg[l];
        s.zero += bad[l];
        s.inv2 += inv2[l];
        if (minw[l] < mn) mn = minw[l];
    }
    s.maxinv2 = 1.0 / (mn * mn);
    chain_ref(w + body, n - body, kc, update ? left : 0.0, &tail);
    fal__chain_stats_add(&s, &tail);
    *out = s;
}

void fal__chain_pass_portable(double *w, size_t n, double kc, fal__chain_stats *out)
{
    /* A non-finite carry can only come from a zero or non-finite weight,
     * which the caller treats as the end of the run. */
    if (kc != 0.0) chain_pass_body(w, n, kc, 1, out);
    else chain_pass_body(w, n, 0.0, 0, out);
}

/* ---- the AVX-512 pass ----------------------------------------------------
 * A step takes 4 vectors of 8 weights, a b c d.  Each vector has its own
 * carry: the carry chain (FMA, subtraction, FMA: ~11 cycles) would
 * otherwise bound the loop.  a and c feed one set of 8 lane products, b and
 * d another: two factors per renormalisation, p1 = m w1, p2 = p1 w2, with
 * the rounding of both, e1 = m w1 - p1 and e2 = p1 w2 - p2 (exact by FMA),
 * taken relative to p2 as (e1 w2 + e2)/p2 (second order dropped).
 * Exponent sums, sums of 1/w^2 and the smallest |w| are shared by the four
 * vectors (combined pairwise first, which costs no more operations).
 *
 * Odd weights are not tested per vector: each leaves a mark that survives
 * to the end of its chunk.  A zero, Inf or NaN weight, or a lane product
 * that overflows, makes a log correction NaN or infinite; a subnormal
 * weight, or a pair whose product could underflow, leaves a smallest |w|
 * below 2^-511.  A marked chunk's statistics are recomputed one weight at
 * a time from the state saved at its start. */
#if CHAIN_AVX512
#define VLANES 32
#define CHUNK (VLANES * 64)

/* Exponent sums are doubles: exact while below 2^53 in magnitude, i.e. for
 * any n that fits in memory (a weight adds at most 1076). */
typedef struct vstate {
    __m512d mp[2], lc[2], carry[4];
    __m512d ex, inv2, mn;
    uint64_t neg, bad;
} vstate;

/* The statistics of n weights (a multiple of VLANES) one at a time, lane
 * for lane as the vector step takes them, exact division where the vector
 * step uses a reciprocal. */
static __attribute__((noinline, cold)) void vstate_careful(const double *w, size_t n, vstate *st)
{
    double mp[2][8], lc[2][8], ex[8], inv2[8], mn[8];
    for (int q = 0; q < 2; q++) {
        _mm512_storeu_pd(mp[q], st->mp[q]);
        _mm512_storeu_pd(lc[q], st->lc[q]);
    }
    _mm512_storeu_pd(ex, st->ex);
    _mm512_storeu_pd(inv2, st->inv2);
    _mm512_storeu_pd(mn, st->mn);
    for (size_t i = 0; i < n; i += VLANES)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 8; l++) {
                double v = w[i + (size_t)(8 * j + l)], a = fabs(v), *m = &mp[j & 1][l];
                if (!(a >= DBL_MIN) || !(a <= DBL_MAX)) {
                    st->bad++;
                    continue;
                }
                st->neg += v < 0;
                int e, ep;
                double f = 2.0 * frexp(a, &e); /* in [1, 2) */
                double p = *m * f;
                lc[j & 1][l] += fma(*m, f, -p) / p;
                *m = 2.0 * frexp(p, &ep);
                ex[l] += (double)(e - 1) + (double)(ep - 1);
                inv2[l] += 1.0 / (v * v);
                if (a < mn[l]) mn[l] = a;
            }
    for (int q = 0; q < 2; q++) {
        st->mp[q] = _mm512_loadu_pd(mp[q]);
        st->lc[q] = _mm512_loadu_pd(lc[q]);
    }
    st->ex = _mm512_loadu_pd(ex);
    st->inv2 = _mm512_loadu_pd(inv2);
    st->mn = _mm512_loadu_pd(mn);
}

/* One step over VLANES weights at wp: the update (if asked), then the
 * statistics of the new weights. */
static inline __attribute__((always_inline)) void vstate_step(double *wp, vstate *st, __m512d kcv, int update)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d v[4], u[4], ge[2];
    unsigned negm = 0;
    for (int j = 0; j < 4; j++) {
        v[j] = _mm512_loadu_pd(wp + 8 * j);
        if (update) {
            __m512d v0 = v[j], r0 = _mm512_div_pd(one, v0), kr = _mm512_mul_pd(kcv, r0);
            v[j] = _mm512_fmadd_pd(v0, st->carry[j], _mm512_sub_pd(v0, kr));
            /* carry = (carry - kc r0^2) - (v - v0) r0 */
            st->carry[j] =
                _mm512_fnmadd_pd(_mm512_sub_pd(v[j], v0), r0, _mm512_fnmadd_pd(kr, r0, st->carry[j]));
            _mm512_storeu_pd(wp + 8 * j, v[j]);
        }
        u[j] = _mm512_div_pd(one, _mm512_mul_pd(v[j], v[j]));
        negm |= (unsigned)_mm512_movepi64_mask(_mm512_castpd_si512(v[j])) << (8 * j);
    }
    for (int q = 0; q < 2; q++) {
        __m512d p1 = _mm512_mul_pd(st->mp[q], v[q]), e1 = _mm512_fmsub_pd(st->mp[q], v[q], p1);
        __m512d p2 = _mm512_mul_pd(p1, v[q + 2]), e2 = _mm512_fmsub_pd(p1, v[q + 2], p2);
        /* the relative rounding is ~1e-16: rcp14 and one Newton step
         * (2^-28) are ample */
        __m512d rp = _mm512_rcp14_pd(p2);
        rp = _mm512_fmadd_pd(rp, _mm512_fnmadd_pd(p2, rp, one), rp);
        st->lc[q] = _mm512_fmadd_pd(_mm512_fmadd_pd(e1, v[q + 2], e2), rp, st->lc[q]);
        ge[q] = _mm512_getexp_pd(p2);
        st->mp[q] = _mm512_getmant_pd(p2, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    }
    st->neg += (uint64_t)__builtin_popcount(negm);
    st->ex = _mm512_add_pd(st->ex, _mm512_add_pd(ge[0], ge[1]));
    st->inv2 = _mm512_add_pd(st->inv2, _mm512_add_pd(_mm512_add_pd(u[0], u[1]), _mm512_add_pd(u[2], u[3])));
    /* min |.|, sign cleared */
    __m512d m01 = _mm512_range_pd(v[0], v[1], 0x0A), m23 = _mm512_range_pd(v[2], v[3], 0x0A);
    st->mn = _mm512_range_pd(st->mn, _mm512_range_pd(m01, m23, 0x0A), 0x0A);
}

static inline __attribute__((always_inline)) void chain_pass_avx(double *w, size_t n, double kc, int update,
                                                                 fal__chain_stats *out)
{
    vstate st;
    for (int q = 0; q < 2; q++) {
        st.mp[q] = _mm512_set1_pd(1.0);
        st.lc[q] = _mm512_setzero_pd();
    }
    for (int j = 0; j < 4; j++) st.carry[j] = _mm512_setzero_pd();
    st.ex = st.inv2 = _mm512_setzero_pd();
    st.mn = _mm512_set1_pd(INFINITY);
    st.neg = st.bad = 0;
    __m512d kcv = _mm512_set1_pd(kc);
    size_t body = lanes_body(n, VLANES);
    for (size_t c0 = 0; c0 < body; c0 += CHUNK) {
        size_t c1 = body - c0 < CHUNK ? body : c0 + CHUNK;
        vstate start = st;
        for (size_t i = c0; i < c1; i += VLANES) vstate_step(w + i, &st, kcv, update);
        __mmask8 mark = (__mmask8)(_mm512_fpclass_pd_mask(st.lc[0], 0x99) /* NaN, +-Inf */
                                   | _mm512_fpclass_pd_mask(st.lc[1], 0x99)
                                   | _mm512_cmp_pd_mask(st.mn, _mm512_set1_pd(0x1.0p-511), _CMP_NGE_UQ));
        if (__builtin_expect(mark != 0, 0)) {
            /* the update stays; its statistics are redone */
            for (int j = 0; j < 4; j++) start.carry[j] = st.carry[j];
            vstate_careful(w + c0, c1 - c0, &start);
            st = start;
        }
    }
    double mp[2][8], lc[2][8], ex[8], inv2[8], mn[8], cy[4][8], left = 0;
    for (int q = 0; q < 2; q++) {
        _mm512_storeu_pd(mp[q], st.mp[q]);
        _mm512_storeu_pd(lc[q], st.lc[q]);
    }
    for (int j = 0; j < 4; j++) _mm512_storeu_pd(cy[j], st.carry[j]);
    _mm512_storeu_pd(ex, st.ex);
    _mm512_storeu_pd(inv2, st.inv2);
    _mm512_storeu_pd(mn, st.mn);
    fal__chain_stats s, tail;
    fal__chain_stats_zero(&s);
    double m = INFINITY;
    for (int l = 0; l < 8; l++) {
        s.exp2 += (int64_t)ex[l];
        s.inv2 += inv2[l];
        if (mn[l] < m) m = mn[l];
        for (int j = 0; j < 4; j++) left += cy[j][l];
    }
    lanes_log2(&mp[0][0], &lc[0][0], 16, &s);
    s.neg = st.neg;
    s.zero = st.bad;
    s.maxinv2 = 1.0 / (m * m);
    chain_ref(w + body, n - body, kc, update ? left : 0.0, &tail);
    fal__chain_stats_add(&s, &tail);
    *out = s;
}

void fal__chain_pass(double *w, size_t n, double kc, fal__chain_stats *out)
{
    /* A non-finite carry can only come from a zero or non-finite weight,
     * which the caller treats as the end of the run. */
    if (kc != 0.0) chain_pass_avx(w, n, kc, 1, out);
    else chain_pass_avx(w, n, 0.0, 0, out);
}
#else
void fal__chain_pass(double *w, size_t n, double kc, fal__chain_stats *out)
{
    fal__chain_pass_portable(w, n, kc, out);
}
#endif
