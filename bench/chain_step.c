/* chain_step.c -- one GD step of the scalar chain y = (prod w_i) x, float64,
 * one example (x = 1.5, t = 3, so P* = 2), through the library's kernels as
 * the linear-chain family calls them (src/nets/linear_chain.c): the start
 * |w_i| = 1 + s u_i, s = 0.5 sqrt(3) / sqrt(L), u uniform on [-1, 1), random
 * signs, drawn by fal__chain_draw per superblock of 2^18 weights, and w_1's
 * sign flipped if P starts on the far side of P* (as the family does); a step
 * is what the family does per GD step with --lr: P and the gradient factor
 * g = x (P x - t) from the current log-domain statistics, kc = lr g P, then
 * fal__chain_pass(kc) over every superblock (OpenMP across superblocks with
 * THREADS threads, as chain_sweep) and the statistics combined in order.
 * The pass is forward, backward and update at once: it applies
 * w_i <- w_i - kc / w_i (kc / w_i = lr dE/dw_i with E = (P x - t)^2 / 2) and
 * gathers ln|P| of the new weights for the next step.
 *
 * The learning rate lr = 0.05 / (x^2 P*^2 L) (a twentieth of the stable
 * range's scale), so that P approaches P* by about 5% a step and every
 * timed step has kc != 0.  Each sample restarts from the start (copy not
 * timed) and takes STEPS steps; the peer bench/peers/chain_torch.py does the
 * same from the same start (written by `chain_step dump`).
 *
 * Usage:
 *   chain_step time L [THREADS [STEPS]]   (THREADS default 2, STEPS default 20)
 *     chainstep L=.. threads=.. steps=.. reps=.. ms=MEDIAN ms per step min_ms=.. P=.. (after STEPS steps)
 *   chain_step dump L FILE [STEPS]
 *     writes the start to FILE (.npy, '<f8', shape (L,)) and prints
 *     check L=.. lr=.. P0=.. P1=.. (after one step) PS=.. (after STEPS steps) */
#include <math.h>
#include <stdio.h>
#include "bench.h"
#include "fallacy.h"
#include "kern/kern.h"

#define SUPER ((size_t)1 << 18) /* the family's superblock (src/nets/linear_chain.c) */
#define X_IN 1.5
#define T_OUT 3.0
#define PSTAR (T_OUT / X_IN)

typedef struct chain {
    double *w, *w0; /* the weights, the start */
    size_t L, nblk;
    int threads;
    fal__chain_stats *blk, tot;
    double lr;
} chain;

static void sweep(chain *c, double kc)
{
    long nb = (long)c->nblk;
#pragma omp parallel for schedule(static) num_threads(c->threads)
    for (long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * SUPER, n = c->L - lo < SUPER ? c->L - lo : SUPER;
        fal__chain_pass(c->w + lo, n, kc, &c->blk[b]);
    }
    fal__chain_stats_zero(&c->tot);
    for (size_t b = 0; b < c->nblk; b++) fal__chain_stats_add(&c->tot, &c->blk[b]);
}

static double product(const chain *c)
{
    return ((c->tot.neg & 1) ? -1.0 : 1.0) * exp(fal__chain_stats_ln(&c->tot));
}

static void step(chain *c)
{
    double P = product(c);
    double g = X_IN * (P * X_IN - T_OUT);
    sweep(c, c->lr * g * P);
}

static void restart(chain *c)
{
    memcpy(c->w, c->w0, c->L * sizeof(double));
    sweep(c, 0.0);
}

static void chain_new(chain *c, size_t L, int threads)
{
    c->L = L;
    c->threads = threads;
    c->nblk = L / SUPER + (L % SUPER != 0);
    c->w = malloc(L * sizeof(double));
    c->w0 = malloc(L * sizeof(double));
    c->blk = calloc(c->nblk, sizeof *c->blk);
    if (!c->w || !c->w0 || !c->blk) {
        fprintf(stderr, "chain_step: out of memory\n");
        exit(1);
    }
    double s = 0.5 / sqrt((double)L) * sqrt(3.0);
    uint64_t key = fal_hash64(1, 0x5741);
    for (size_t b = 0; b < c->nblk; b++) {
        size_t lo = b * SUPER, n = L - lo < SUPER ? L - lo : SUPER;
        fal__chain_draw(c->w + lo, n, s, fal_hash64(key, (uint64_t)b));
    }
    sweep(c, 0.0);
    if (c->tot.neg & 1) c->w[0] = -c->w[0]; /* P on P*'s side */
    memcpy(c->w0, c->w, L * sizeof(double));
    restart(c);
    c->lr = 0.05 / (X_IN * X_IN * PSTAR * PSTAR * (double)L);
}

static void chain_free(chain *c)
{
    free(c->w), free(c->w0), free(c->blk);
}

static int time_steps(size_t L, int threads, int steps)
{
    chain c;
    chain_new(&c, L, threads);
    for (int i = 0; i < steps; i++) step(&c); /* warm-up */
    double v[21];
    int reps = 21;
    for (int r = 0; r < reps; r++) {
        restart(&c);
        double t0 = bench_now();
        for (int i = 0; i < steps; i++) step(&c);
        v[r] = (bench_now() - t0) / steps;
    }
    double P = product(&c), med = bench_median(v, (size_t)reps);
    printf("chainstep L=%zu threads=%d steps=%d reps=%d ms=%.6f min_ms=%.6f P=%.17g\n", L, threads, steps, reps,
           med * 1e3, v[0] * 1e3, P);
    fflush(stdout);
    chain_free(&c);
    return !isfinite(P);
}

static int dump(size_t L, const char *path, int steps)
{
    chain c;
    chain_new(&c, L, 1);
    char hdr[96];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }", L);
    size_t pad = (64 - (10 + (size_t)len + 1) % 64) % 64;
    unsigned short hl = (unsigned short)((size_t)len + pad + 1);
    unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8) };
    FILE *f = fopen(path, "wb");
    int bad = !f;
    if (f) {
        bad = fwrite(pre, 1, 10, f) != 10 || fwrite(hdr, 1, (size_t)len, f) != (size_t)len;
        for (size_t i = 0; i < pad && !bad; i++) bad = fputc(' ', f) == EOF;
        bad = bad || fputc('\n', f) == EOF || fwrite(c.w0, sizeof(double), L, f) != L;
        bad |= fclose(f) != 0;
    }
    if (bad) {
        fprintf(stderr, "chain_step: cannot write %s\n", path);
        chain_free(&c);
        return 1;
    }
    double P0 = product(&c);
    step(&c);
    double P1 = product(&c);
    for (int i = 1; i < steps; i++) step(&c);
    printf("check L=%zu lr=%.17g steps=%d P0=%.17g P1=%.17g PS=%.17g\n", L, c.lr, steps, P0, P1, product(&c));
    chain_free(&c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "time"))
        return time_steps((size_t)strtod(argv[2], NULL), argc > 3 ? atoi(argv[3]) : 2, argc > 4 ? atoi(argv[4]) : 20);
    if (argc >= 4 && !strcmp(argv[1], "dump"))
        return dump((size_t)strtod(argv[2], NULL), argv[3], argc > 4 ? atoi(argv[4]) : 20);
    fprintf(stderr, "usage: chain_step time L [THREADS [STEPS]] | chain_step dump L FILE [STEPS]\n");
    return 2;
}
