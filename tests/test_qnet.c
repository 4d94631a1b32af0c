/* test_qnet.c -- quantized networks: class tables against a plain
 * nested-loop enumerator, threshold-function counts, sampling against the
 * exact distribution, and the Gibbs learner's curve against an enumeration
 * of every training set, teacher and student. */
#include <string.h>
#include "test.h"
#include "../src/kern/qnet.h"

/* ---- the oracle: every setting by an odometer, evaluated input by input --- */

typedef struct oclass {
    uint64_t f[4];
    uint64_t count;
} oclass;

typedef struct otable {
    oclass *c;
    size_t n, cap, nw;
} otable;

static void oadd(otable *t, const uint64_t *f)
{
    for (size_t i = 0; i < t->n; i++)
        if (!memcmp(t->c[i].f, f, t->nw * sizeof(uint64_t))) {
            t->c[i].count++;
            return;
        }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->c = realloc(t->c, t->cap * sizeof(oclass));
    }
    memset(&t->c[t->n], 0, sizeof(oclass));
    memcpy(t->c[t->n].f, f, t->nw * sizeof(uint64_t));
    t->c[t->n].count = 1;
    t->n++;
}

/* The truth table of the setting with weight values w (layer by layer,
 * unit by unit, weights then bias), straight from the definition. */
static void oeval(const size_t *n, size_t L, int act, int bias, int in01, const long *w, uint64_t *out)
{
    size_t P = (size_t)1 << n[0], wpo = (P + 63) / 64;
    memset(out, 0, n[L] * wpo * sizeof(uint64_t));
    for (size_t p = 0; p < P; p++) {
        long a[64], b[64];
        for (size_t i = 0; i < n[0]; i++) a[i] = (p >> i) & 1 ? 1 : (in01 ? 0 : -1);
        const long *wp = w;
        for (size_t l = 1; l <= L; l++) {
            for (size_t u = 0; u < n[l]; u++) {
                long z = 0;
                for (size_t i = 0; i < n[l - 1]; i++) z += *wp++ * a[i];
                if (bias) z += *wp++;
                if (l == L) {
                    if (z >= 0) out[u * wpo + p / 64] |= 1ULL << (p % 64);
                } else if (act == 0) b[u] = z >= 0 ? 1 : -1;
                else if (act == 1) b[u] = z >= 0 ? 1 : 0;
                else b[u] = z > 0 ? z : 0;
            }
            memcpy(a, b, n[l] * sizeof(long));
        }
    }
}

static int cmp_oclass(const void *a, const void *b, void *nwp)
{
    size_t nw = *(size_t *)nwp;
    const oclass *x = a, *y = b;
    for (size_t i = 0; i < nw; i++)
        if (x->f[i] != y->f[i]) return x->f[i] < y->f[i] ? -1 : 1;
    return 0;
}

static otable oenumerate(const size_t *n, size_t L, int act, int bias, int in01, const long *vals, size_t V)
{
    size_t D = 0;
    for (size_t l = 1; l <= L; l++) D += n[l] * (n[l - 1] + (bias ? 1 : 0));
    size_t P = (size_t)1 << n[0];
    otable t = { NULL, 0, 0, n[L] * ((P + 63) / 64) };
    size_t dig[64] = { 0 };
    long w[64] = { 0 };
    for (;;) {
        for (size_t d = 0; d < D; d++) w[d] = vals[dig[d]];
        uint64_t f[4];
        oeval(n, L, act, bias, in01, w, f);
        oadd(&t, f);
        size_t d = 0;
        while (d < D && ++dig[d] == V) dig[d++] = 0;
        if (d == D) break;
    }
    qsort_r(t.c, t.n, sizeof(oclass), cmp_oclass, &t.nw);
    return t;
}

typedef struct qcase {
    const char *widths;
    int act, bias, in01;
    long vals[8];
    size_t V;
} qcase;

static const qcase cases[] = {
    { "2,1", 0, 1, 0, { -2, -1, 0, 1, 2 }, 5 },
    { "2,2,1", 0, 1, 0, { -1, 0, 1 }, 3 },
    { "3,2,1", 1, 1, 1, { -1, 0, 1 }, 3 },
    { "2,2,1", 2, 1, 0, { -1, 0, 2 }, 3 },
    { "3,1,1", 2, 0, 1, { -2, -1, 1, 3 }, 4 },
    { "2,2,2", 0, 1, 0, { -1, 1 }, 2 },
    { "2,1,2,1", 2, 1, 0, { -1, 0, 1 }, 3 },
    { "3,2,1", 0, 1, 0, { -1, 0, 1 }, 3 },
};

static void qcase_net(const qcase *c, fal_arch **a, fal_qnet *q, size_t *n, size_t *L)
{
    fal_ctx *ctx = test_ctx();
    CHECK_OK(fal_arch_parse(ctx, c->widths, a));
    fal_qnet_init(q);
    q->arch = *a;
    q->act = (fal_qact)c->act;
    q->bias = c->bias;
    q->inputs01 = c->in01;
    q->nvalues = (int)c->V;
    for (size_t i = 0; i < c->V; i++) q->values[i] = (int32_t)c->vals[i];
    *L = (size_t)fal_arch_depth(*a);
    for (size_t l = 0; l <= *L; l++) n[l] = fal_arch_width(*a, l);
}

static void same_table(const otable *o, const fal_qtable *t, const char *what, const char *widths)
{
    CHECK_MSG(fal_qtable_size(t) == o->n, "%s %s: %zu classes, the oracle %zu", what, widths, fal_qtable_size(t), o->n);
    CHECK(fal_qtable_words(t) == o->nw);
    size_t m = o->n < fal_qtable_size(t) ? o->n : fal_qtable_size(t);
    size_t bad = 0;
    for (size_t i = 0; i < m; i++)
        if (memcmp(fal_qtable_function(t, i), o->c[i].f, o->nw * sizeof(uint64_t)) || fal_qtable_count(t, i) != o->c[i].count)
            bad++;
    CHECK_MSG(bad == 0, "%s %s: %zu classes differ in table or size", what, widths, bad);
}

TEST(test_qnet_enumeration_oracle)
{
    fal_ctx *ctx = test_ctx();
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const qcase *c = &cases[ci];
        fal_arch *a;
        fal_qnet q;
        size_t n[8], L;
        qcase_net(c, &a, &q, n, &L);
        otable o = oenumerate(n, L, c->act, c->bias, c->in01, c->vals, c->V);
        for (int threads = 1; threads <= 3; threads++) {
            fal_ctx_set_threads(ctx, threads);
            fal_qtable *t = NULL;
            CHECK_OK(fal_qnet_enumerate(ctx, &q, &t));
            if (t) same_table(&o, t, "multisets", c->widths);
            fal_qtable_free(t);
            t = NULL;
            CHECK_OK(fal_qnet_enumerate_gray(ctx, &q, &t));
            if (t) same_table(&o, t, "gray", c->widths);
            fal_qtable_free(t);
        }
        fal_ctx_set_threads(ctx, 1);
        fal_qtable *t = NULL;
        CHECK_OK(fal_qnet_enumerate_plain(ctx, &q, &t));
        if (t) same_table(&o, t, "plain", c->widths);
        /* the statistics from the oracle's counts */
        fal_qnet_stats s;
        fal_qtable_stats(t, &s);
        double tot = 0, h = 0;
        uint64_t big = 0, small = UINT64_MAX;
        for (size_t i = 0; i < o.n; i++) tot += (double)o.c[i].count;
        for (size_t i = 0; i < o.n; i++) {
            double p = (double)o.c[i].count / tot;
            h -= p * log2(p);
            if (o.c[i].count > big) big = o.c[i].count;
            if (o.c[i].count < small) small = o.c[i].count;
        }
        CHECK(s.classes == o.n);
        CHECK(s.largest_class == big && s.smallest_class == small);
        CHECK_NEAR(s.entropy_plugin, h, 1e-12);
        CHECK_NEAR((double)s.total, tot, 0);
        /* one setting's function: the oracle's, digit by digit */
        uint32_t dig[64];
        long w[64];
        uint64_t d = 0, f1[4], f2[4];
        CHECK_OK(fal_qnet_check(ctx, &q, &d, NULL));
        for (uint64_t i = 0; i < d; i++) {
            dig[i] = (uint32_t)((i * 7 + 3) % c->V);
            w[i] = c->vals[dig[i]];
        }
        CHECK_OK(fal_qnet_eval(ctx, &q, dig, f1));
        oeval(n, L, c->act, c->bias, c->in01, w, f2);
        CHECK(!memcmp(f1, f2, o.nw * sizeof(uint64_t)));
        fal_qtable_free(t);
        free(o.c);
        fal_arch_free(a);
    }
}

/* One threshold gate with enough weight levels realises every linearly
 * separable function: 4, 14, 104, 1882, 94572 for n = 1..5 (OEIS A000609),
 * the counts of `fallacy classes threshold-gate`. */
TEST(test_qnet_threshold_gate_counts)
{
    fal_ctx *ctx = test_ctx();
    const double known[] = { 2, 4, 14, 104, 1882, 94572 };
    for (int n0 = 1; n0 <= 5; n0++) {
        char w[16];
        snprintf(w, sizeof w, "%d,1", n0);
        fal_arch *a;
        CHECK_OK(fal_arch_parse(ctx, w, &a));
        fal_qnet q;
        fal_qnet_init(&q);
        q.arch = a;
        CHECK_OK(fal_qnet_levels(ctx, n0 <= 2 ? 2 : n0 <= 4 ? 4 : 5, &q)); /* 5: 11^6 settings */
        fal_ctx_set_threads(ctx, 2);
        fal_qtable *t = NULL;
        CHECK_OK(fal_qnet_enumerate(ctx, &q, &t));
        fal_ctx_set_threads(ctx, 1);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_classes_family("threshold-gate");
        cfg.arch = a;
        CHECK_MSG((double)fal_qtable_size(t) == known[n0], "n = %d: %zu functions", n0, fal_qtable_size(t));
        if (n0 <= 4) { /* the tool's own count (n = 5 is test_classes') */
            fal_classes c;
            CHECK_OK(fal_classes_compute(ctx, &cfg, &c));
            CHECK((double)fal_qtable_size(t) == c.classes);
        }
        fal_qtable_free(t);
        fal_arch_free(a);
    }
}

/* Uniform sampling: every function's frequency within 5 standard errors of
 * its exact probability; the same table for 1 and 2 threads. */
TEST(test_qnet_sampling_uniform)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a;
    fal_qnet q;
    size_t n[8], L;
    qcase_net(&cases[1], &a, &q, n, &L);
    fal_qtable *ex = NULL, *s1 = NULL, *s2 = NULL;
    CHECK_OK(fal_qnet_enumerate(ctx, &q, &ex));
    const uint64_t S = 200000;
    CHECK_OK(fal_qnet_sample(ctx, &q, S, 7, &s1));
    fal_ctx_set_threads(ctx, 2);
    CHECK_OK(fal_qnet_sample(ctx, &q, S, 7, &s2));
    fal_ctx_set_threads(ctx, 1);
    CHECK(fal_qtable_size(s1) == fal_qtable_size(s2));
    int same = fal_qtable_size(s1) == fal_qtable_size(s2);
    for (size_t i = 0; same && i < fal_qtable_size(s1); i++)
        same = fal_qtable_count(s1, i) == fal_qtable_count(s2, i) && fal_qtable_function(s1, i)[0] == fal_qtable_function(s2, i)[0];
    CHECK(same);
    fal_qnet_stats es;
    fal_qtable_stats(ex, &es);
    size_t j = 0, bad = 0;
    for (size_t i = 0; i < fal_qtable_size(ex); i++) {
        double p = (double)fal_qtable_count(ex, i) / (double)es.total, got = 0;
        while (j < fal_qtable_size(s1) && fal_qtable_function(s1, j)[0] < fal_qtable_function(ex, i)[0]) j++;
        if (j < fal_qtable_size(s1) && fal_qtable_function(s1, j)[0] == fal_qtable_function(ex, i)[0])
            got = (double)fal_qtable_count(s1, j) / (double)S;
        if (fabs(got - p) > 5 * sqrt(p * (1 - p) / (double)S) + 1e-12) bad++;
    }
    CHECK_MSG(bad == 0, "%zu functions outside 5 standard errors", bad);
    /* the entropy estimate brackets the exact entropy */
    fal_qnet_stats ss;
    fal_qtable_stats(s1, &ss);
    CHECK_NEAR(ss.entropy_miller_madow, es.entropy_plugin, 5 * ss.entropy_stderr + 1e-3);
    CHECK(ss.classes <= es.classes);
    fal_qtable_free(ex);
    fal_qtable_free(s1);
    fal_qtable_free(s2);
    fal_arch_free(a);
}

/* Gaussian weights: A(1,1) computes [w x + b >= 0] with (w, b) isotropic,
 * so each of the 4 functions of one input has probability 1/4; A(2,1) the
 * 14 threshold functions of 2 inputs, never the 2 others (XOR, XNOR). */
TEST(test_qnet_sampling_gauss)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a;
    CHECK_OK(fal_arch_parse(ctx, "1,1", &a));
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = a;
    q.gauss = 1;
    fal_qtable *t = NULL;
    const uint64_t S = 100000;
    CHECK_OK(fal_qnet_sample(ctx, &q, S, 3, &t));
    CHECK(fal_qtable_size(t) == 4);
    for (size_t i = 0; i < fal_qtable_size(t); i++)
        CHECK_NEAR((double)fal_qtable_count(t, i) / (double)S, 0.25, 5 * sqrt(0.25 * 0.75 / (double)S));
    fal_qtable_free(t);
    fal_arch_free(a);
    CHECK_OK(fal_arch_parse(ctx, "2,1", &a));
    q.arch = a;
    CHECK_OK(fal_qnet_sample(ctx, &q, S, 4, &t));
    CHECK(fal_qtable_size(t) == 14);
    for (size_t i = 0; i < fal_qtable_size(t); i++) CHECK(fal_qtable_function(t, i)[0] != 6 && fal_qtable_function(t, i)[0] != 9);
    fal_qtable_free(t);
    fal_arch_free(a);
}

TEST(test_qnet_ziggurat_moments)
{
    fal__zig z;
    fal__zig_init(&z);
    fal_rng r;
    fal_rng_seed(&r, 11);
    const int N = 2000000;
    double m1 = 0, m2 = 0, m4 = 0, tail = 0;
    for (int i = 0; i < N; i++) {
        double x = fal__zig_normal(&z, &r);
        m1 += x;
        m2 += x * x;
        m4 += x * x * x * x;
        tail += fabs(x) > 3.0;
    }
    m1 /= N;
    m2 /= N;
    m4 /= N;
    CHECK_NEAR(m1, 0, 5 / sqrt(N));
    CHECK_NEAR(m2, 1, 5 * sqrt(2.0 / N));
    CHECK_NEAR(m4, 3, 5 * sqrt(96.0 / N));
    /* P(|x| > 3) = 2.6998e-3 */
    CHECK_NEAR(tail / N, 2.6998e-3, 5 * sqrt(2.7e-3 / N));
}

/* ---- the curve's oracle: every training set, teacher and student ------------ */

/* Expected off-training error for training set X (a mask of inputs), the
 * teacher drawn by uniform setting (tau < 0) or class tau. */
static double oerr(const otable *o, size_t P, size_t nL, uint64_t X, long tau)
{
    double tot = 0, acc = 0;
    for (size_t t = 0; t < o->n; t++) tot += (double)o->c[t].count;
    double sum = 0;
    for (size_t t = 0; t < o->n; t++) {
        if (tau >= 0 && (size_t)tau != t) continue;
        double Z = 0, e = 0;
        for (size_t c = 0; c < o->n; c++) {
            int agree = 1;
            double d = 0;
            for (size_t u = 0; u < nL; u++)
                for (size_t p = 0; p < P; p++) {
                    int bt = (int)((o->c[t].f[u] >> p) & 1), bc = (int)((o->c[c].f[u] >> p) & 1);
                    if ((X >> p) & 1) {
                        if (bt != bc) agree = 0;
                    } else
                        d += bt != bc;
                }
            if (!agree) continue;
            Z += (double)o->c[c].count;
            e += (double)o->c[c].count * d;
        }
        size_t k = (size_t)__builtin_popcountll(X);
        e /= Z * (double)nL * (double)(P - k);
        if (tau >= 0) return e;
        sum += (double)o->c[t].count / tot * e;
    }
    (void)acc;
    return sum;
}

TEST(test_qnet_curve_oracle)
{
    fal_ctx *ctx = test_ctx();
    const size_t pick[] = { 1, 2, 5, 7 };
    for (size_t pi = 0; pi < sizeof pick / sizeof pick[0]; pi++) {
        const qcase *c = &cases[pick[pi]];
        fal_arch *a;
        fal_qnet q;
        size_t n[8], L;
        qcase_net(c, &a, &q, n, &L);
        otable o = oenumerate(n, L, c->act, c->bias, c->in01, c->vals, c->V);
        fal_qtable *t = NULL;
        CHECK_OK(fal_qnet_enumerate(ctx, &q, &t));
        size_t P = (size_t)1 << n[0], nL = n[L];
        fal_qcurve_point cu[64], ct[64];
        for (int threads = 1; threads <= 2; threads++) {
            fal_ctx_set_threads(ctx, threads);
            CHECK_OK(fal_qnet_curve(ctx, t, n[0], nL, NULL, 10, 1, cu));
        }
        fal_ctx_set_threads(ctx, 1);
        long tau = (long)(o.n / 3);
        CHECK_OK(fal_qnet_curve(ctx, t, n[0], nL, o.c[tau].f, 10, 1, ct));
        for (size_t k = 0; k < P; k++) {
            double mu = 0, mt = 0, m2 = 0, cnt = 0, es[256];
            for (uint64_t X = 0; X < (1ULL << P); X++) {
                if ((size_t)__builtin_popcountll(X) != k) continue;
                double e = oerr(&o, P, nL, X, -1);
                es[(size_t)cnt] = e;
                mu += e;
                mt += oerr(&o, P, nL, X, tau);
                cnt++;
            }
            mu /= cnt;
            mt /= cnt;
            for (size_t i = 0; i < (size_t)cnt; i++) m2 += (es[i] - mu) * (es[i] - mu); /* two passes */
            double sd = cnt > 1 ? sqrt(m2 / (cnt - 1)) : 0;
            CHECK_NEAR(cu[k].error, mu, 1e-12);
            CHECK_NEAR(cu[k].spread, sd, 1e-9);
            CHECK_NEAR(ct[k].error, mt, 1e-12);
            CHECK(cu[k].exhaustive && cu[k].sets == (uint64_t)cnt && cu[k].stderr_ == 0);
        }
        /* k = 0: the Gibbs error is 2 sum_x p(x)(1 - p(x)) averaged */
        fal_qtable_free(t);
        free(o.c);
        fal_arch_free(a);
    }
}

/* Random training sets (n0 = 5: C(32, 10) > 10^6): the mean within 5
 * standard errors of the oracle's mean over its own random sets. */
TEST(test_qnet_curve_sampled_sets)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a;
    CHECK_OK(fal_arch_parse(ctx, "5,1", &a));
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = a;
    CHECK_OK(fal_qnet_parse_weights(ctx, "-1,1", &q));
    fal_qtable *t = NULL;
    CHECK_OK(fal_qnet_enumerate(ctx, &q, &t));
    size_t n[2] = { 5, 1 };
    long vals[2] = { -1, 1 };
    otable o = oenumerate(n, 1, 0, 1, 0, vals, 2);
    fal_qcurve_point cu[32];
    CHECK_OK(fal_qnet_curve(ctx, t, 5, 1, NULL, 400, 5, cu));
    size_t k = 10;
    CHECK(!cu[k].exhaustive && cu[k].sets == 400 && cu[k].stderr_ > 0);
    fal_rng r;
    fal_rng_seed(&r, 99);
    double m = 0, m2 = 0;
    const int S = 300;
    for (int s = 0; s < S; s++) {
        uint64_t X = 0;
        while ((size_t)__builtin_popcountll(X) < k) X |= 1ULL << fal_rng_below(&r, 32);
        double e = oerr(&o, 32, 1, X, -1);
        m += e;
        m2 += e * e;
    }
    m /= S;
    double se = sqrt(fmax(m2 / S - m * m, 0) / S);
    CHECK_NEAR(cu[k].error, m, 5 * sqrt(se * se + cu[k].stderr_ * cu[k].stderr_));
    /* k = 0 and 31 are exhaustive (1 and 32 sets) */
    CHECK(cu[0].exhaustive && cu[31].exhaustive && cu[31].sets == 32);
    free(o.c);
    fal_qtable_free(t);
    fal_arch_free(a);
}

TEST(test_qnet_guards)
{
    fal_ctx *ctx = NULL;
    CHECK_OK(fal_ctx_new(&ctx, NULL));
    fal_ctx_set_mem_limit(ctx, (size_t)1 << 30);
    fal_arch *a;
    CHECK_OK(fal_arch_parse(ctx, "4,100000000,1", &a));
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = a;
    fal_qtable *t = NULL;
    CHECK(fal_qnet_enumerate(ctx, &q, &t) == FAL_ENOMEM);
    CHECK(fal_qnet_sample(ctx, &q, 10, 1, &t) == FAL_ENOMEM);
    fal_arch_free(a);
    CHECK_OK(fal_arch_parse(ctx, "6,8,1", &a));
    q.arch = a;
    CHECK(fal_qnet_enumerate(ctx, &q, &t) == FAL_EINVAL); /* 3^65 settings */
    fal_arch_free(a);
    CHECK(fal_qnet_parse_weights(ctx, "1,,2", &q) == FAL_EINVAL);
    CHECK(fal_qnet_parse_weights(ctx, "1,1", &q) == FAL_EINVAL);
    CHECK(fal_qnet_parse_weights(ctx, "0.5,1", &q) == FAL_EINVAL);
    CHECK_OK(fal_qnet_parse_weights(ctx, "-3,2", &q));
    CHECK(q.nvalues == 2 && q.values[0] == -3 && q.values[1] == 2);
    fal_ctx_free(ctx);
}

/* Allocation failure at each allocation of a small enumeration, sampling
 * and curve: a status, nothing left allocated. */
TEST(test_qnet_alloc_failures)
{
    test_failing fa = { 0, 0 };
    fal_allocator al = test_failing_allocator(&fa);
    for (long at = 1; at < 200; at++) {
        fal_ctx *ctx = NULL;
        fa.count = 0;
        fa.fail_at = 0;
        if (fal_ctx_new(&ctx, &al) != FAL_OK) continue;
        fal_arch *a = NULL;
        fal_qnet q;
        fal_qnet_init(&q);
        if (fal_arch_parse(ctx, "2,2,1", &a) != FAL_OK) {
            fal_ctx_free(ctx);
            continue;
        }
        q.arch = a;
        fa.count = 0;
        fa.fail_at = at;
        fal_qtable *t = NULL, *s = NULL;
        fal_status st = fal_qnet_enumerate(ctx, &q, &t);
        fal_status st2 = fal_qnet_sample(ctx, &q, 100, 1, &s);
        fal_qcurve_point cu[4];
        fal_status st3 = t ? fal_qnet_curve(ctx, t, 2, 1, NULL, 5, 1, cu) : FAL_ENOMEM;
        CHECK(st == FAL_OK || st == FAL_ENOMEM);
        CHECK(st2 == FAL_OK || st2 == FAL_ENOMEM);
        CHECK(st3 == FAL_OK || st3 == FAL_ENOMEM);
        fal_qtable_free(t);
        fal_qtable_free(s);
        fa.fail_at = 0;
        fal_arch_free(a);
        CHECK(fal_ctx_mem_in_use(ctx) == 0);
        fal_ctx_free(ctx);
    }
}

TEST(test_qnet_cli)
{
    char out[1 << 16];
    CHECK(test_cli("classes qnet --widths 2,1 --levels 2 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"classes\":14,") != NULL);
    CHECK(strstr(out, "\"log2_settings\":") != NULL && strstr(out, "\"entropy\":") != NULL);
    CHECK(test_cli("need qnet --widths 2,2,1 --eps 0.35 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"curve\":[{\"k\":0,") != NULL && strstr(out, "{\"k\":3,") != NULL &&
          strstr(out, "{\"k\":4,") == NULL);
    CHECK(strstr(out, "\"bits_targets\":3,\"bits_inputs\":6}") != NULL && strstr(out, "\"k_needed\":2,") != NULL);
    CHECK(test_cli("need qnet --widths 2,2,1 --eps 1e-9", out, sizeof out) == 1);
    CHECK(test_cli("classes qnet --widths 3,2,1 --weights gauss --samples 1000 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"method\":\"sampling\"") != NULL && strstr(out, "\"classes_exact\":false") != NULL);
}

/* The one --act row and the one --bias row (shared with the mlp) reach the
 * qnet: the class count the tool prints for relu units, no biases, inputs
 * {0,1}, values {-2,-1,1,3} on A(3,1,1) equals the brute-force oracle's;
 * each family refuses the other's activation names. */
TEST(test_qnet_cli_act_bias)
{
    static const long vals[] = { -2, -1, 1, 3 };
    const size_t n[] = { 3, 1, 1 };
    otable o = oenumerate(n, 2, 2, 0, 1, vals, 4);
    char out[1 << 16], want[64];
    CHECK(test_cli("classes qnet --widths 3,1,1 --act relu --bias off --inputs 01 --weights -2,-1,1,3 --json", out,
                   sizeof out) == 0);
    snprintf(want, sizeof want, "\"classes\":%zu,", o.n);
    CHECK(strstr(out, want) != NULL);
    /* with biases the count differs (the oracle says so), so --bias off was read */
    otable ob = oenumerate(n, 2, 2, 1, 1, vals, 4);
    CHECK(ob.n != o.n);
    free(o.c);
    free(ob.c);
    CHECK(test_cli("classes qnet --widths 2,1 --act tanh", out, sizeof out) == 2);
    CHECK(test_cli("classes mlp --widths 2,3,1 --act sign", out, sizeof out) == 2);
    CHECK(test_cli("classes qnet --widths 2,1 --no-bias", out, sizeof out) == 2);
}

/* ---- the report's Q1 section, from a database a sweep filled ---------------- */

/* The CSV of a figure: the (x, y) of the lines whose series is `name` (the
 * last two fields of each line: the name itself may hold commas). */
static size_t csv_series(const char *csv, const char *name, double *x, double *y, size_t cap)
{
    size_t n = 0, len = strlen(name);
    for (const char *p = csv; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t ll = end ? (size_t)(end - p) : strlen(p);
        char line[512];
        if (ll < sizeof line) {
            memcpy(line, p, ll);
            line[ll] = '\0';
            char *c2 = strrchr(line, ','), *c1 = NULL;
            if (c2) {
                *c2 = '\0';
                c1 = strrchr(line, ',');
            }
            if (c1) {
                *c1 = '\0';
                /* the name, maybe quoted */
                char *nm = line;
                size_t nl = strlen(nm);
                if (nl >= 2 && nm[0] == '"' && nm[nl - 1] == '"') {
                    nm[nl - 1] = '\0';
                    nm++;
                }
                if (strlen(nm) == len && !memcmp(nm, name, len) && n < cap) {
                    x[n] = strtod(c1 + 1, NULL);
                    y[n] = strtod(c2 + 1, NULL);
                    n++;
                }
            }
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

/* k1/2 by the test's own reading of the definition: the first k whose error
 * is at most half the k = 0 one, interpolated linearly from k - 1. */
static double own_khalf(const double *e, size_t n)
{
    for (size_t k = 1; k < n; k++)
        if (e[k] <= e[0] / 2) return (double)(k - 1) + (e[k - 1] - e[0] / 2) / (e[k - 1] - e[k]);
    return NAN;
}

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* `fallacy sweep qnet` stores each net's exact curve and rank-frequency;
 * `fallacy report` draws the Q1 section from them.  Oracles: the
 * nested-loop enumerator (class sizes, e, H) and the brute force over every
 * training set, teacher and student (the curve); the figures' CSVs must
 * hold those numbers on the three axes, the table the k1/2 computed here,
 * the page the CVs computed here; SVGs and page parse as XML. */
TEST(test_qnet_report_section)
{
    static const char *const nets[] = { "2,1", "2,2,1", "3,1", "3,1,1" };
    enum { NN = 4 };
    char dir[128], db[256], rep[300], args[1024];
    static char out[1 << 16];
    test_temp_dir(dir, sizeof dir, "qnet-report");
    snprintf(db, sizeof db, "%s/runs.sqlite", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    snprintf(args, sizeof args, "sweep qnet --widths '2,1;2,2,1;3,1;3,1,1' --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 0);
    CHECK(test_cli(args, out, sizeof out) == 0); /* resumes: everything stored before */
    snprintf(args, sizeof args, "report --db %s --out %s", db, rep);
    CHECK(test_cli(args, out, sizeof out) == 0);
    /* two rows per net, nothing added by the rerun */
    fal_ctx *ctx = test_ctx();
    fal_store *s = NULL;
    uint64_t rows = 0;
    CHECK_OK(fal_store_open(ctx, db, FAL_STORE_READ, &s));
    CHECK_OK(fal_store_count(s, &rows));
    fal_store_close(s);
    CHECK(rows == 2 * NN);
    char path[400];
    char *fig[3], *rank, *table, *html;
    static const char *const files[] = { "Q1-collapse-log2e.csv", "Q1-collapse-w.csv", "Q1-collapse-entropy.csv" };
    for (int a = 0; a < 3; a++) {
        snprintf(path, sizeof path, "%s/%s", rep, files[a]);
        fig[a] = test_slurp(path, NULL);
        CHECK_MSG(fig[a] != NULL, "%s missing", path);
    }
    snprintf(path, sizeof path, "%s/Q1-rank.csv", rep);
    rank = test_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/Q1-table.csv", rep);
    table = test_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/index.html", rep);
    html = test_slurp(path, NULL);
    CHECK(rank && table && html && strstr(html, "<section id=\"Q1\">"));
    double kh[NN], sc[3][NN], n0s[NN];
    static const long vals[] = { -1, 0, 1 };
    for (int i = 0; i < NN && fig[0] && fig[1] && fig[2] && rank && table; i++) {
        size_t n[4] = { 0 }, L = 0;
        for (const char *p = nets[i]; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) n[L++] = strtoul(p, NULL, 10);
        L--;
        otable o = oenumerate(n, L, 0, 1, 0, vals, 3);
        size_t P = (size_t)1 << n[0], w = 0;
        for (size_t l = 1; l <= L; l++) w += n[l] * (n[l - 1] + 1);
        double tot = 0, H = 0, e[64];
        for (size_t c = 0; c < o.n; c++) tot += (double)o.c[c].count;
        for (size_t c = 0; c < o.n; c++) H -= (double)o.c[c].count / tot * log2((double)o.c[c].count / tot);
        for (size_t k = 0; k < P; k++) {
            double sum = 0, cnt = 0;
            for (uint64_t X = 0; X < (1ULL << P); X++)
                if ((size_t)__builtin_popcountll(X) == k) {
                    sum += oerr(&o, P, n[L], X, -1);
                    cnt++;
                }
            e[k] = sum / cnt;
        }
        double l2e = log2((double)o.n);
        kh[i] = own_khalf(e, P);
        n0s[i] = (double)n[0];
        sc[0][i] = (double)n[0] / l2e;
        sc[1][i] = 1.0 / (double)w;
        sc[2][i] = (double)n[L] / H;
        char name[64];
        snprintf(name, sizeof name, "A(%s) sign {-1,0,1}", nets[i]);
        for (int a = 0; a < 3; a++) {
            double x[64], y[64];
            size_t m = csv_series(fig[a], name, x, y, 64);
            CHECK_MSG(m == P, "%s: %s has %zu points, want %zu", files[a], name, m, P);
            for (size_t k = 0; k < m && k < P; k++) {
                CHECK_NEAR(y[k], e[k], 1e-12);
                CHECK_NEAR(x[k], (double)k * sc[a][i], 1e-12);
            }
        }
        /* the rank-frequency: the oracle's sizes sorted, at the first and
         * last rank of each run of equal sizes */
        uint64_t *cs = malloc(o.n * sizeof *cs);
        for (size_t c = 0; c < o.n; c++) cs[c] = o.c[c].count;
        qsort(cs, o.n, sizeof *cs, cmp_desc);
        double rx[4096], ry[4096];
        size_t m = csv_series(rank, name, rx, ry, 4096), bad = 0, j = 0;
        for (size_t r = 0; r < o.n; r++) {
            int first = r == 0 || cs[r] != cs[r - 1], last = r + 1 == o.n || cs[r + 1] != cs[r];
            if (!first && !last) continue;
            if (j >= m || rx[j] != (double)(r + 1) || fabs(ry[j] - (double)cs[r] / tot) > 1e-15) bad++;
            j++;
        }
        CHECK_MSG(bad == 0 && j == m, "%s: rank-frequency: %zu points differ (%zu drawn, %zu expected)", name, bad, m, j);
        free(cs);
        /* the table: e, log2 e, H, k1/2 and k1/2 on each axis */
        char *line = strstr(table, name);
        CHECK_MSG(line != NULL, "%s not in Q1-table.csv", name);
        if (line) {
            line = strchr(line + strlen(name), ',');
            double v[12];
            for (int f = 0; f < 12 && line; f++) {
                v[f] = *(line + 1) == ',' ? NAN : strtod(line + 1, NULL);
                line = strchr(line + 1, ',');
            }
            /* n0, nL, w, classes, log2_classes, entropy, error_k0, k_half, three axes */
            CHECK(v[0] == (double)n[0] && v[1] == (double)n[L] && v[2] == (double)w && v[3] == (double)o.n);
            CHECK_NEAR(v[4], l2e, 1e-12);
            CHECK_NEAR(v[5], H, 1e-12);
            CHECK_NEAR(v[6], e[0], 1e-12);
            if (isnan(kh[i])) CHECK(isnan(v[7]));
            else {
                CHECK_NEAR(v[7], kh[i], 1e-9);
                for (int a = 0; a < 3; a++) CHECK_NEAR(v[8 + a], kh[i] * sc[a][i], 1e-9);
            }
        }
        free(o.c);
    }
    /* the CVs the page prints, per n0 (two nets each here) */
    for (int g = 0; g < 2 && html; g++) {
        double n0 = g ? 3 : 2, cv[3];
        for (int a = 0; a < 3; a++) {
            double v[NN], mean = 0, ss = 0;
            size_t m = 0;
            for (int i = 0; i < NN; i++)
                if (n0s[i] == n0 && isfinite(kh[i])) v[m++] = kh[i] * sc[a][i];
            for (size_t i = 0; i < m; i++) mean += v[i] / (double)m;
            for (size_t i = 0; i < m; i++) ss += (v[i] - mean) * (v[i] - mean);
            cv[a] = m >= 2 ? sqrt(ss / (double)(m - 1)) / mean : NAN;
        }
        char want[256];
        if (isnan(cv[0])) snprintf(want, sizeof want, "n0 = %g: ", n0);
        else
            snprintf(want, sizeof want, "on k n0 / log2 e: %.3f, k / w: %.3f, k nL / H: %.3f.", cv[0], cv[1], cv[2]);
        CHECK_MSG(strstr(html, want) != NULL, "the page lacks '%s'", want);
    }
    /* every SVG and the page parse as XML */
    snprintf(args, sizeof args,
             "/usr/bin/python3 -c 'import glob, sys, xml.etree.ElementTree as E\n"
             "fs = glob.glob(sys.argv[1] + \"/Q1-*.svg\") + [sys.argv[1] + \"/index.html\"]\n"
             "assert len(fs) == 5, fs\n"
             "[E.fromstring(open(f, \"rb\").read()) for f in fs]' '%s'",
             rep);
    CHECK(system(args) == 0);
    for (int a = 0; a < 3; a++) free(fig[a]);
    free(rank);
    free(table);
    free(html);
    /* what sweep qnet refuses */
    snprintf(args, sizeof args, "sweep qnet --widths '7,1' --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 2);
    snprintf(args, sizeof args, "sweep qnet --depth 2 --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 2);
    snprintf(args, sizeof args, "sweep qnet --widths 2,1 --samples 10 --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 2);
    snprintf(args, sizeof args, "sweep linear --widths 2,2 --weights -1,1 --db %s", db);
    CHECK(test_cli(args, out, sizeof out) == 2);
    test_remove_dir(dir);
}
