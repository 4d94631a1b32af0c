/* bool_eval.c -- evaluation throughput of Boolean truth-table networks (N3):
 * the bit-sliced kernel (src/kern/bitslice.c, 64 patterns per word) next to
 * the plain one-pattern-at-a-time reference, in the same process, on random
 * networks over all 2^n0 input patterns.
 *
 * Usage: bool_eval                 every section below, with the default cases
 *        bool_eval net N L [C]     one uniform net A(N, ..., N) of depth L on
 *                                  the 2^N patterns repeated C times (1)
 *
 * Output, one line per measurement, `key=value` fields:
 *   logic word_ops_per_s=...       the machine's 64-bit logic throughput: the
 *                                  multiplexer a ^= (a ^ b) & s (3 word ops per
 *                                  word) over L1-resident arrays, vectorised by
 *                                  the compiler as the kernel is
 *   layer m=.. n=.. mux_ns=.. gather_ns=..   one layer of fan-in m, ns per
 *                                  unit-evaluation by each strategy (the
 *                                  crossover that sets FAL_BS_MUX_MAX)
 *   bool n=.. L=.. patterns=.. ... one net: bs_ms / ref_ms = median ms per
 *                                  evaluation of all patterns, ueps = unit-
 *                                  evaluations (units x patterns) per second,
 *                                  speedup = ref_ms / bs_ms, agree = 1 when both
 *                                  give the same bits on every pattern,
 *                                  logic_ops_per_s = counted word ops of the
 *                                  multiplexer tree per second and of_logic =
 *                                  that / word_ops_per_s (n/a for the gather)
 * Medians of BENCH_REPS (default 7) samples of at least 20 ms each; the two
 * kernels' samples alternate so that drift of the machine hits both.  One
 * thread.  Exit status 1 if the kernels disagree on any bit. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "bench.h"
#include "fallacy.h"
#include "kern/bitslice.h"

#define MIN_SAMPLE_S 0.02

typedef struct net {
    fal__bnet b;
    uint64_t *tab;
    size_t *width;
    uint64_t *off;
    size_t maxw, maxm;
} net;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bool_eval: out of memory\n");
        exit(1);
    }
    return p;
}

static void net_make(net *nt, size_t n, size_t L, uint64_t seed)
{
    nt->width = xmalloc((L + 1) * sizeof *nt->width);
    nt->off = xmalloc((L + 1) * sizeof *nt->off);
    for (size_t i = 0; i <= L; i++) nt->width[i] = n;
    uint64_t w = fal__bs_layout(nt->width, L, nt->off);
    size_t words = (size_t)((w + 63) / 64);
    nt->tab = xmalloc(words * sizeof *nt->tab);
    fal_rng r;
    fal_rng_seed(&r, seed);
    for (size_t q = 0; q < words; q++) nt->tab[q] = fal_rng_next(&r);
    nt->b.tab = nt->tab;
    nt->b.width = nt->width;
    nt->b.off = nt->off;
    nt->b.L = L;
    nt->maxw = n;
    nt->maxm = n;
}

static void net_free(net *nt)
{
    free(nt->tab);
    free(nt->width);
    free(nt->off);
}

/* Word ops of the multiplexer kernel for one layer over nw words (as coded
 * in mux_block: minterms k ANDs each, 2^(2^k) - 1 ORs, 3 per merge). */
static double mux_ops(size_t m, size_t n, size_t nw)
{
    unsigned best = 1;
    double bestc = 0;
    for (unsigned k = 1; k <= 3 && k <= m; k++) { /* the kernel's leaf_size */
        double c = (double)(1u << (1u << k)) / (double)n + 4.0 * (double)((size_t)1 << (m - k));
        if (k == 1 || c < bestc) {
            best = k;
            bestc = c;
        }
    }
    unsigned k = best;
    double per_word = (double)((1u << k) * k) + (double)((1u << (1u << k)) - 1) +
                      (double)n * 3.0 * (double)(((size_t)1 << (m - k)) - 1);
    return per_word * (double)nw;
}

static double logic_rate(int reps)
{
    enum { N = 512 };
    uint64_t a[N], b[N], s[N];
    for (size_t i = 0; i < N; i++) {
        a[i] = i * 0x9E3779B97F4A7C15ull;
        b[i] = ~a[i] * 3;
        s[i] = a[i] ^ (a[i] >> 7);
    }
    double *t = xmalloc((size_t)reps * sizeof *t);
    size_t iters = 1000;
    for (;;) {
        double t0 = bench_now();
        for (size_t it = 0; it < iters; it++) {
            for (size_t i = 0; i < N; i++) a[i] ^= (a[i] ^ b[i]) & s[i];
            __asm__ volatile("" : : "r"(a) : "memory");
        }
        if (bench_now() - t0 >= MIN_SAMPLE_S) break;
        iters *= 2;
    }
    /* the empty asm with a memory clobber makes every sweep load and store
     * a[]: the compiler cannot fold the repeated (idempotent) multiplexer */
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        for (size_t it = 0; it < iters; it++) {
            for (size_t i = 0; i < N; i++) a[i] ^= (a[i] ^ b[i]) & s[i];
            __asm__ volatile("" : : "r"(a) : "memory");
        }
        t[r] = bench_now() - t0;
    }
    double med = bench_median(t, (size_t)reps);
    uint64_t sink = 0;
    for (size_t i = 0; i < N; i++) sink ^= a[i];
    free(t);
    if (sink == 42) fputs("", stderr);
    return 3.0 * N * (double)iters / med;
}

/* Samples of f(arg) with a repeat count that makes each >= MIN_SAMPLE_S. */
typedef void (*kern_fn)(void *arg);

static size_t calibrate(kern_fn f, void *arg)
{
    size_t rep = 1;
    for (;;) {
        double t0 = bench_now();
        for (size_t i = 0; i < rep; i++) f(arg);
        double dt = bench_now() - t0;
        if (dt >= MIN_SAMPLE_S) return rep;
        rep = dt > 0 ? (size_t)ceil((double)rep * MIN_SAMPLE_S * 1.2 / dt) : rep * 2;
        if (rep < 2) rep = 2;
    }
}

static double sample(kern_fn f, void *arg, size_t rep)
{
    double t0 = bench_now();
    for (size_t i = 0; i < rep; i++) f(arg);
    return (bench_now() - t0) / (double)rep;
}

typedef struct evalarg {
    const net *nt;
    size_t n0, nL, np, nw;
    uint64_t *x, *y, *buf, *scratch;
    uint8_t *in, *out, *rbuf;
    int strategy;   /* layer benchmark: 0 mux, 1 gather */
} evalarg;

static void bs_run(void *p)
{
    evalarg *e = p;
    fal__bs_eval(&e->nt->b, e->x, e->nw, e->y, e->nw, e->nw, e->buf, e->scratch);
}

static void ref_run(void *p)
{
    evalarg *e = p;
    for (size_t q = 0; q < e->np; q++) {
        for (size_t a = 0; a < e->n0; a++) e->in[a] = (uint8_t)((q >> a) & 1); /* bit a of q mod 2^n0 */
        fal__bs_ref_eval(&e->nt->b, e->in, e->out + q * e->nL, e->rbuf);
    }
}

static void layer_run(void *p)
{
    evalarg *e = p;
    if (e->strategy == 0)
        fal__bs_layer_mux(e->nt->tab, 0, e->n0, e->nL, e->x, e->nw, e->y, e->nw, e->nw, e->scratch);
    else
        fal__bs_layer_gather(e->nt->tab, 0, e->n0, e->nL, e->x, e->nw, e->y, e->nw, e->nw, e->scratch);
}

/* A(n, ..., n) of depth L on the 2^n patterns repeated `copies` times.
 * Returns the number of output bits on which the kernels disagree. */
static size_t bench_net(size_t n, size_t L, size_t copies, int reps, double word_ops)
{
    net nt;
    net_make(&nt, n, L, 1000 + n * 7 + L);
    size_t np = copies << n, nw = (np + 63) / 64;
    evalarg e = { &nt, n, n, np, nw, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
    e.x = xmalloc(n * nw * sizeof *e.x);
    e.y = xmalloc(n * nw * sizeof *e.y);
    e.buf = xmalloc(2 * nt.maxw * nw * sizeof *e.buf);
    e.scratch = xmalloc(fal__bs_scratch_words(nt.maxm) * sizeof *e.scratch);
    e.in = xmalloc(n);
    e.out = xmalloc(np * n);
    e.rbuf = xmalloc(2 * nt.maxw);
    fal__bs_enum_inputs(n, 0, e.x, nw, nw); /* patterns p: bits of p mod 2^n */

    /* agreement on every pattern and output */
    bs_run(&e);
    ref_run(&e);
    size_t bad = 0;
    for (size_t q = 0; q < np; q++)
        for (size_t j = 0; j < n; j++) bad += ((e.y[j * nw + q / 64] >> (q % 64)) & 1) != e.out[q * n + j];

    size_t rb = calibrate(bs_run, &e), rr = calibrate(ref_run, &e);
    double *tb = xmalloc((size_t)reps * sizeof *tb), *tr = xmalloc((size_t)reps * sizeof *tr);
    for (int r = 0; r < reps; r++) {
        tb[r] = sample(bs_run, &e, rb);
        tr[r] = sample(ref_run, &e, rr);
    }
    double mb = bench_median(tb, (size_t)reps), mr = bench_median(tr, (size_t)reps);
    double uevals = (double)np * (double)n * (double)L;
    int mux = n <= FAL_BS_MUX_MAX;
    double ops = mux ? mux_ops(n, n, nw) * (double)L : 0;
    printf("bool n=%zu L=%zu patterns=%zu copies=%zu units=%zu strategy=%s bs_ms=%.4f ref_ms=%.4f bs_ueps=%.4g ref_ueps=%.4g "
           "speedup=%.2f agree=%d mismatches=%zu",
           n, L, np, copies, n * L, mux ? "mux" : "gather", mb * 1e3, mr * 1e3, uevals / mb, uevals / mr, mr / mb,
           bad == 0, bad);
    if (mux) printf(" logic_ops_per_s=%.4g of_logic=%.3f\n", ops / mb, ops / mb / word_ops);
    else printf(" logic_ops_per_s=n/a of_logic=n/a\n");
    fflush(stdout);
    free(tb);
    free(tr);
    free(e.x);
    free(e.y);
    free(e.buf);
    free(e.scratch);
    free(e.in);
    free(e.out);
    free(e.rbuf);
    net_free(&nt);
    return bad;
}

/* One layer A(m, n) over nw random words: both strategies.  Returns 1 if
 * they disagree. */
static int bench_layer(size_t m, size_t n, size_t nw, int reps)
{
    net nt;
    size_t widths[2] = { m, n };
    nt.width = xmalloc(2 * sizeof *nt.width);
    nt.off = xmalloc(2 * sizeof *nt.off);
    nt.width[0] = widths[0];
    nt.width[1] = widths[1];
    uint64_t w = fal__bs_layout(nt.width, 1, nt.off);
    size_t words = (size_t)((w + 63) / 64);
    nt.tab = xmalloc(words * sizeof *nt.tab);
    fal_rng r;
    fal_rng_seed(&r, 77 + m);
    for (size_t q = 0; q < words; q++) nt.tab[q] = fal_rng_next(&r);
    evalarg e = { &nt, m, n, 64 * nw, nw, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
    e.x = xmalloc(m * nw * sizeof *e.x);
    e.y = xmalloc(n * nw * sizeof *e.y);
    uint64_t *y2 = xmalloc(n * nw * sizeof *y2);
    e.scratch = xmalloc(fal__bs_scratch_words(m) * sizeof *e.scratch);
    for (size_t q = 0; q < m * nw; q++) e.x[q] = fal_rng_next(&r);
    e.strategy = 0;
    layer_run(&e);
    memcpy(y2, e.y, n * nw * sizeof *y2);
    e.strategy = 1;
    layer_run(&e);
    int agree = memcmp(y2, e.y, n * nw * sizeof *y2) == 0;
    double t[2];
    for (int s = 0; s < 2; s++) {
        e.strategy = s;
        size_t rep = calibrate(layer_run, &e);
        double *ts = xmalloc((size_t)reps * sizeof *ts);
        for (int q = 0; q < reps; q++) ts[q] = sample(layer_run, &e, rep);
        t[s] = bench_median(ts, (size_t)reps);
        free(ts);
    }
    double ue = (double)n * 64.0 * (double)nw;
    printf("layer m=%zu n=%zu patterns=%zu mux_ns=%.4f gather_ns=%.4f faster=%s chosen=%s agree=%d\n", m, n, 64 * nw,
           t[0] / ue * 1e9, t[1] / ue * 1e9, t[0] < t[1] ? "mux" : "gather",
           m <= FAL_BS_MUX_MAX ? "mux" : "gather", agree);
    fflush(stdout);
    free(y2);
    free(e.x);
    free(e.y);
    free(e.scratch);
    free(nt.tab);
    free(nt.width);
    free(nt.off);
    return !agree;
}

/* Exit status 1 when the kernels disagree anywhere. */
int main(int argc, char **argv)
{
    int reps = bench_env_int("BENCH_REPS", 7);
    if (reps < 1) reps = 1;
    double word_ops = logic_rate(reps);
    printf("logic word_ops_per_s=%.4g\n", word_ops);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "net") == 0) {
        return bench_net((size_t)atoi(argv[2]), (size_t)atoi(argv[3]), argc == 5 ? (size_t)atoi(argv[4]) : 1, reps,
                         word_ops) != 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: bool_eval [net N L [COPIES]]\n");
        return 2;
    }
    size_t bad = 0;
    for (size_t m = 2; m <= 12; m++) bad += (size_t)bench_layer(m, m, 64, reps);
    bad += bench_net(4, 1000, 1, reps, word_ops);   /* the demo net on its 16 inputs */
    bad += bench_net(4, 1000, 256, reps, word_ops); /* the same, 4096 patterns */
    bad += bench_net(8, 100, 1, reps, word_ops);
    bad += bench_net(8, 100, 16, reps, word_ops);
    bad += bench_net(16, 3, 1, reps, word_ops);
    return bad != 0;
}
