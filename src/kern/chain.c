/* chain.c -- the scalar-chain pass: update every weight and gather the
 * log-domain statistics of the new product in the same sweep, so that one
 * GD step of a 10^9-deep chain reads and writes the parameters once.
 *
 * ln|P| = ln 2 * (sum of binary exponents + sum log2 mantissas).  Exponents
 * add exactly as integers; mantissas in [1, 2) are multiplied in eight
 * independent lanes and renormalised after every factor, so the running
 * product never leaves [1, 4) and no log() is called per weight.  The
 * rounding error of each of those products is recovered exactly by an FMA
 * and summed as a first-order correction to the logarithm, so that ln|P|
 * of 10^9 factors is accurate to ~1e-15 rather than ~1e-11.
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
 * product moves by the intended amount to first order. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "kern.h"
#include "fallacy/rng.h"

void fal__chain_stats_zero(fal__chain_stats *s)
{
    memset(s, 0, sizeof *s);
}

void fal__chain_stats_add(fal__chain_stats *acc, const fal__chain_stats *s)
{
    acc->exp2 += s->exp2;
    acc->log2m += s->log2m;
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

void fal__chain_draw(double *w, size_t n, double s, uint64_t key)
{
    fal_rng r;
    fal_rng_seed(&r, key);
    for (size_t i = 0; i < n; i++) {
        uint64_t z = fal_rng_next_inline(&r);
        double u = (double)(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
        double mag = 1.0 + s * u;
        /* the sign from bit 0, set without a branch (a random branch costs
         * more than the rest of the draw) */
        uint64_t bits;
        memcpy(&bits, &mag, sizeof bits);
        bits |= z << 63;
        memcpy(&w[i], &bits, sizeof bits);
    }
}

void fal__chain_pass_ref(double *w, size_t n, double kc, fal__chain_stats *out)
{
    /* Independent of the fast path: ln|v| from log(), Kahan-summed. */
    fal__chain_stats s;
    fal__chain_stats_zero(&s);
    double sum = 0, comp = 0, carry = 0;
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
    *out = s;
}

#define LANES 8

/* The pass body; `update` is a compile-time constant at both call sites so
 * that each instantiation is a straight vectorisable loop. */
static inline __attribute__((always_inline)) void chain_pass_body(double *w, size_t n, double kc, int update,
                                                                    fal__chain_stats *out)
{
    const uint64_t MANT = 0x000fffffffffffffULL, ONE = 0x3ff0000000000000ULL;
    double mp[LANES], inv2[LANES], maxu[LANES], carry[LANES], lc[LANES];
    int64_t ex[LANES];
    uint64_t neg[LANES], bad[LANES];
    for (int l = 0; l < LANES; l++) {
        mp[l] = 1.0;
        lc[l] = 0.0;
        carry[l] = 0.0;
        inv2[l] = 0.0;
        maxu[l] = 0.0;
        ex[l] = 0;
        neg[l] = 0;
        bad[l] = 0;
    }
    size_t body = n - n % LANES;
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
            neg[l] += b >> 63;
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
            double u = ok ? 1.0 / (v * v) : 0.0;
            inv2[l] += u;
            maxu[l] = u > maxu[l] ? u : maxu[l];
        }
    }
    fal__chain_stats s, tail;
    fal__chain_stats_zero(&s);
    for (int l = 0; l < LANES; l++) {
        s.exp2 += ex[l];
        s.log2m += log2(mp[l]) + lc[l] / M_LN2;
        s.neg += neg[l];
        s.zero += bad[l];
        s.inv2 += inv2[l];
        if (maxu[l] > s.maxinv2) s.maxinv2 = maxu[l];
    }
    fal__chain_pass_ref(w + body, n - body, kc, &tail);
    fal__chain_stats_add(&s, &tail);
    *out = s;
}

void fal__chain_pass(double *w, size_t n, double kc, fal__chain_stats *out)
{
    /* A non-finite carry can only come from a zero or non-finite weight,
     * which the caller treats as the end of the run. */
    if (kc != 0.0) chain_pass_body(w, n, kc, 1, out);
    else chain_pass_body(w, n, 0.0, 0, out);
}
