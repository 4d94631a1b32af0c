/* chain_big.c -- the scalar chain A(1,...,1) end to end through the public
 * API, as the CLI runs it (`fallacy run linear-chain --depth L
 * --examples 1 --threads T --seed 1`: memory budget = MemAvailable), and
 * the chain kernel fast against reference.
 *
 * Usage:
 *   chain_big run DEPTH [THREADS]   one fal_run; prints `chain key=value ...`
 *   chain_big kernel N              fal__chain_pass vs fal__chain_pass_ref on N
 *                                   weights, one thread; prints `kernel ...`,
 *                                   then `draw ...` (the start draw's cost)
 *   chain_big blocks N THREADS [REPS]
 *                                   the kernels as a run calls them (2^18-weight
 *                                   blocks, OpenMP static schedule) on N resident
 *                                   weights, in alternation with the in-place
 *                                   sweep x = x s + t over the same array; prints
 *                                   `blocks ...` (medians and minimums)
 *
 * Passes over the parameters in a run (src/nets/linear_chain.c): the start
 * draw writes every weight (8 B each), the measuring sweep chain_sweep(c, 0)
 * only reads them (8 B: fal__chain_pass stores nothing when kc = 0), and each
 * GD step reads and writes them once (16 B).  The sign fix of w_1 re-measures
 * one 2^20 block: ignored. */
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include "bench.h"
#include "fallacy.h"
#include "kern/kern.h"

static int run(uint64_t depth, int threads)
{
    fal_ctx *ctx;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return 1;
    fal_ctx_set_threads(ctx, threads);
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    fal_arch *arch = NULL;
    fal_status st = fal_arch_uniform(ctx, depth, 1, &arch);
    if (st != FAL_OK) {
        fprintf(stderr, "chain_big: %s\n", fal_ctx_message(ctx));
        fal_ctx_free(ctx);
        return 1;
    }
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.arch = arch;
    cfg.examples = 1;
    cfg.examples_set = 1;
    cfg.seed = 1;
    fal_result res;
    st = fal_run(ctx, &cfg, &res);
    if (st != FAL_OK && st != FAL_ENOCONV) {
        fprintf(stderr, "chain_big: depth %llu: %s: %s\n", (unsigned long long)depth, fal_errstr(st),
                fal_ctx_message(ctx));
        fal_arch_free(arch);
        fal_ctx_free(ctx);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = (double)ru.ru_maxrss * 1024.0, pbytes = 8.0 * (double)depth;
    double ut = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
    double syst = (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    double bytes_per_param = 8.0 + 8.0 + 16.0 * (double)res.steps;
    printf("chain depth=%llu threads=%d seconds=%.4f steps=%llu converged=%d product_rel_dev=%.3e "
           "maxrss=%.0f param_bytes=%.0f rss_ratio=%.4f passes=%llu bytes_per_param=%.0f gbs=%.2f user_s=%.3f sys_s=%.3f note=%s\n",
           (unsigned long long)depth, threads, res.seconds, (unsigned long long)res.steps, res.converged,
           fal_result_extra(&res, "product_rel_dev"), rss, pbytes, rss / pbytes,
           (unsigned long long)(2 + res.steps), bytes_per_param,
           bytes_per_param * (double)depth / res.seconds * 1e-9, ut, syst, res.note ? res.note : "-");
    fal_result_clear(&res);
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return 0;
}

/* |w_i| = 1 + s u, u uniform with variance 1, s = 0.5/sqrt(n), random
 * signs: the law of the library's start. */
static void draw(double *w, size_t n)
{
    fal_rng r;
    fal_rng_seed(&r, 7);
    double s = 0.5 / sqrt((double)n) * sqrt(3.0);
    for (size_t i = 0; i < n; i++) {
        uint64_t z = fal_rng_next(&r);
        double mag = 1.0 + s * ((double)(z >> 11) * 0x1.0p-53 * 2.0 - 1.0);
        w[i] = (z & 1) ? -mag : mag;
    }
}

typedef void (*pass_fn)(double *, size_t, double, fal__chain_stats *);

/* Median seconds of one pass; each sample starts from w0. */
static double time_pass(pass_fn f, const double *w0, double *w, size_t n, double kc, int reps, fal__chain_stats *st)
{
    double v[9];
    for (int r = 0; r < reps; r++) {
        memcpy(w, w0, n * sizeof *w);
        double t0 = bench_now();
        f(w, n, kc, st);
        v[r] = bench_now() - t0;
    }
    return bench_median(v, (size_t)reps);
}

static double rel(double a, double b)
{
    double m = fabs(b) > 1.0 ? fabs(b) : 1.0;
    return fabs(a - b) / m;
}

/* The start draw of chain_init (fal__chain_draw, src/kern/chain.c), timed
 * on memory already faulted in: the compute cost of the init pass, apart
 * from the page faults. */
static void draw_like_init(double *w, size_t n, uint64_t seed)
{
    fal__chain_draw(w, n, 0.5 / sqrt((double)n) * sqrt(3.0), fal_hash64(seed, 0));
}

static int kernel(size_t n)
{
    double *w0 = malloc(n * sizeof *w0), *wf = malloc(n * sizeof *wf), *wr = malloc(n * sizeof *wr);
    if (!w0 || !wf || !wr) {
        fprintf(stderr, "chain_big: out of memory\n");
        return 1;
    }
    draw(w0, n);
    int bad = 0;
    /* kc = 0: measuring pass (read only); kc != 0: a GD step of about the
     * size the run takes near the optimum */
    static const double kcs[] = { 0.0, 1e-9 };
    for (int j = 0; j < 2; j++) {
        fal__chain_stats sf, sr;
        double tf = time_pass(fal__chain_pass, w0, wf, n, kcs[j], 9, &sf);
        double tr = time_pass(fal__chain_pass_ref, w0, wr, n, kcs[j], 5, &sr);
        double lf = fal__chain_stats_ln(&sf), lr = fal__chain_stats_ln(&sr);
        double dw = 0;
        for (size_t i = 0; i < n; i++) {
            double d = fabs(wf[i] - wr[i]) / fabs(wr[i]);
            if (d > dw) dw = d;
        }
        double d_ln = rel(lf, lr), d_inv2 = fabs(sf.inv2 - sr.inv2) / sr.inv2;
        int agree = d_ln <= 1e-9 && sf.neg == sr.neg && sf.zero == sr.zero && d_inv2 <= 1e-9;
        bad |= !agree;
        printf("kernel n=%zu kc=%g fast_ms=%.3f ref_ms=%.3f speedup=%.2f fast_gbs=%.2f ln_fast=%.17g ln_ref=%.17g "
               "ln_rel_diff=%.3e inv2_rel_diff=%.3e w_max_rel_diff=%.3e agree=%s\n",
               n, kcs[j], tf * 1e3, tr * 1e3, tr / tf, (kcs[j] != 0 ? 16.0 : 8.0) * (double)n / tf * 1e-9, lf, lr,
               d_ln, d_inv2, dw, agree ? "yes" : "NO");
        fflush(stdout);
    }
    double v[5];
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now();
        draw_like_init(wf, n, (uint64_t)r);
        v[r] = bench_now() - t0;
    }
    double td = bench_median(v, 5);
    printf("draw n=%zu ms=%.3f ns_per_param=%.3f gbs=%.2f\n", n, td * 1e3, td / (double)n * 1e9,
           8.0 * (double)n / td * 1e-9);
    free(w0), free(wf), free(wr);
    return bad;
}

#define BLOCK ((size_t)1 << 18) /* the run's reduction block (src/nets/linear_chain.c) */

typedef struct blocks_job {
    double *w;
    size_t n, nblk;
    int threads;
    fal__chain_stats *st;
} blocks_job;

/* What a run does for each of its passes: kind 0 the in-place sweep,
 * 1 fal__chain_pass with kc = 0, 2 with kc = 1e-9, 3 fal__chain_draw. */
static double blocks_once(const blocks_job *j, int kind)
{
    long nb = (long)j->nblk;
    double t0 = bench_now(), s = 0.5 / sqrt((double)j->n) * sqrt(3.0);
#pragma omp parallel for schedule(static) num_threads(j->threads)
    for (long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * BLOCK, n = j->n - lo < BLOCK ? j->n - lo : BLOCK;
        double *w = j->w + lo;
        if (kind == 0) {
            /* the fixed point of x s + t is 1 for |x| near 1: values stay put */
            for (size_t i = 0; i < n; i++) w[i] = w[i] * 0.999999 + 1e-6;
        } else if (kind == 3) {
            fal__chain_draw(w, n, s, fal_hash64(1, (uint64_t)b));
        } else {
            fal__chain_pass(w, n, kind == 2 ? 1e-9 : 0.0, &j->st[b]);
        }
    }
    return bench_now() - t0;
}

static int blocks(size_t n, int threads, int reps)
{
    blocks_job j = { 0 };
    j.n = n;
    j.nblk = (n + BLOCK - 1) / BLOCK;
    j.threads = threads;
    j.w = aligned_alloc(64, (n * sizeof(double) + 63) / 64 * 64);
    j.st = calloc(j.nblk, sizeof *j.st);
    double *v = calloc(4 * (size_t)reps, sizeof *v);
    if (!j.w || !j.st || !v) {
        fprintf(stderr, "chain_big: out of memory\n");
        return 1;
    }
    /* first touch by the threads that later sweep each block */
    blocks_once(&j, 3);
    blocks_once(&j, 3);
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < 4; k++) {
            if (k == 1) blocks_once(&j, 3); /* each measuring pass sees a fresh start */
            v[k * reps + r] = blocks_once(&j, k);
        }
    static const char *names[] = { "inplace", "pass_kc0", "pass_kc", "draw" };
    static const double bytes[] = { 16, 8, 16, 8 };
    double med[4], mn[4];
    for (int k = 0; k < 4; k++) {
        mn[k] = v[k * reps];
        for (int r = 1; r < reps; r++)
            if (v[k * reps + r] < mn[k]) mn[k] = v[k * reps + r];
        med[k] = bench_median(v + k * reps, (size_t)reps);
    }
    printf("blocks n=%zu threads=%d reps=%d simd=%d", n, threads, reps, fal__chain_simd());
    for (int k = 0; k < 4; k++)
        printf(" %s_ns=%.4f %s_min_ns=%.4f %s_gbs=%.2f", names[k], med[k] / (double)n * 1e9, names[k],
               mn[k] / (double)n * 1e9, names[k], bytes[k] * (double)n / med[k] * 1e-9);
    /* the GD pass moves 16 B per weight like the sweep: time ratio = bandwidth ratio */
    printf(" pass_kc_of_inplace=%.3f pass_kc0_of_inplace_time=%.3f\n", med[0] / med[2], med[0] / med[1]);
    free(j.w), free(j.st), free(v);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "blocks") == 0)
        return blocks((size_t)strtod(argv[2], NULL), atoi(argv[3]) > 0 ? atoi(argv[3]) : 1,
                      argc > 4 && atoi(argv[4]) > 0 ? atoi(argv[4]) : 11);
    if (argc >= 3 && strcmp(argv[1], "run") == 0)
        return run((uint64_t)strtod(argv[2], NULL), argc > 3 ? atoi(argv[3]) : 2);
    if (argc >= 3 && strcmp(argv[1], "kernel") == 0) return kernel((size_t)strtod(argv[2], NULL));
    fprintf(stderr, "usage: chain_big run DEPTH [THREADS] | chain_big kernel N | chain_big blocks N THREADS [REPS]\n");
    return 2;
}
