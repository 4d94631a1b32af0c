/* qnet_enum.c -- quantized networks (Q1, src/info/qnet.c): the enumeration
 * rate of the Gray walk against a straightforward from-scratch loop and the
 * machine's lane-operation rate, and the Gaussian sampling rate (the torch
 * peer is peers/qnet_torch.py).
 *
 * Usage: qnet_enum enum [WIDTHS [SECONDS_PLAIN]]
 *          the whole enumeration of A(WIDTHS) ternary with biases (default
 *          4,3,1: 3^19 settings) on BENCH_THREADS threads (2), by the
 *          library's fastest path (multisets of the first layer, then a
 *          Gray walk) and by the Gray walk of every setting, then the
 *          straightforward loop (odometer order, every setting evaluated
 *          from scratch input by input, scalar, on the same threads over
 *          disjoint ranges) for SECONDS_PLAIN seconds (default 10), and the
 *          machine's int32 multiply-add lane rate:
 *   qnet enum widths=.. settings=.. classes=.. seconds=.. rate=..
 *   qnet gray widths=.. settings=.. classes=.. seconds=.. rate=.. same=1
 *   qnet plain widths=.. settings=.. seconds=.. rate=..
 *   qnet lanes madd_per_s=..  (x[p] += c * y[p], int32, L1-resident, the
 *                              Gray step's operation, all threads)
 *   qnet limit settings_per_s=.. (lanes / (2 P): one multiply-add and one
 *                                 compare per input for the cheapest step)
 *        qnet sample [S]        A(7,40,40,1) ReLU Gaussian, S samples (10^5)
 *   qnet sample widths=7,40,40,1 samples=.. seconds=.. rate=.. classes=.. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "bench.h"
#include "fallacy.h"

static double now(void) { return omp_get_wtime(); }

static int threads(void)
{
    const char *s = getenv("BENCH_THREADS");
    int t = s ? atoi(s) : 2;
    return t < 1 ? 1 : t;
}

/* The straightforward loop: setting s of the odometer order (digit 0
 * fastest) evaluated from scratch, every input by itself. */
static uint64_t plain_eval(const size_t *n, size_t L, const long *w)
{
    size_t P = (size_t)1 << n[0];
    uint64_t out = 0;
    for (size_t p = 0; p < P; p++) {
        long a[64], b[64];
        for (size_t i = 0; i < n[0]; i++) a[i] = (p >> i) & 1 ? 1 : -1;
        const long *wp = w;
        for (size_t l = 1; l <= L; l++) {
            for (size_t u = 0; u < n[l]; u++) {
                long z = 0;
                for (size_t i = 0; i < n[l - 1]; i++) z += *wp++ * a[i];
                z += *wp++;
                b[u] = z >= 0 ? 1 : -1;
            }
            memcpy(a, b, n[l] * sizeof(long));
        }
        if (a[0] > 0) out |= 1ULL << p;
    }
    return out;
}

static int cmd_enum(const char *widths, double plain_s)
{
    fal_ctx *ctx;
    fal_ctx_new(&ctx, NULL);
    int T = threads();
    fal_ctx_set_threads(ctx, T);
    fal_arch *a;
    if (fal_arch_parse(ctx, widths, &a) != FAL_OK) return 2;
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = a;
    uint64_t w;
    double l2s;
    if (fal_qnet_check(ctx, &q, &w, &l2s) != FAL_OK) return 2;
    double settings = pow(3.0, (double)w);
    fal_qtable *t;
    double t0 = now();
    if (fal_qnet_enumerate(ctx, &q, &t) != FAL_OK) {
        fprintf(stderr, "qnet_enum: %s\n", fal_ctx_message(ctx));
        return 1;
    }
    double sec = now() - t0;
    printf("qnet enum widths=%s threads=%d settings=%.0f classes=%zu seconds=%.3f rate=%.4g\n", widths, T, settings,
           fal_qtable_size(t), sec, settings / sec);
    fflush(stdout);
    /* the Gray walk of every setting (no multisets of the first layer),
     * and whether it gives the same table */
    fal_qtable *g;
    t0 = now();
    if (fal_qnet_enumerate_gray(ctx, &q, &g) != FAL_OK) {
        fprintf(stderr, "qnet_enum: %s\n", fal_ctx_message(ctx));
        return 1;
    }
    double gsec = now() - t0;
    int same = fal_qtable_size(g) == fal_qtable_size(t) && fal_qtable_words(g) == fal_qtable_words(t);
    for (size_t i = 0; same && i < fal_qtable_size(t); i++)
        same = fal_qtable_count(g, i) == fal_qtable_count(t, i) &&
               !memcmp(fal_qtable_function(g, i), fal_qtable_function(t, i), fal_qtable_words(t) * sizeof(uint64_t));
    printf("qnet gray widths=%s threads=%d settings=%.0f classes=%zu seconds=%.3f rate=%.4g same=%d\n", widths, T,
           settings, fal_qtable_size(g), gsec, settings / gsec, same);
    fflush(stdout);
    fal_qtable_free(g);
    fal_qtable_free(t);

    /* the straightforward loop: chunks of 2^20 settings until plain_s */
    size_t L = (size_t)fal_arch_depth(a), n[17];
    for (size_t l = 0; l <= L; l++) n[l] = fal_arch_width(a, l);
    const long vals[3] = { -1, 0, 1 };
    uint64_t done = 0, sink = 0;
    t0 = now();
    const uint64_t chunk = 1 << 20;
    while (now() - t0 < plain_s && (double)done < settings) {
        uint64_t end = (double)(done + chunk) < settings ? done + chunk : (uint64_t)settings;
#pragma omp parallel for num_threads(T) reduction(+ : sink) schedule(static)
        for (uint64_t s = done; s < end; s++) {
            long wv[256];
            uint64_t x = s;
            for (uint64_t d = 0; d < w; d++) {
                wv[d] = vals[x % 3];
                x /= 3;
            }
            sink += plain_eval(n, L, wv) & 1;
        }
        done = end;
    }
    double ps = now() - t0;
    printf("qnet plain widths=%s threads=%d settings=%llu seconds=%.3f rate=%.4g sink=%llu\n", widths, T,
           (unsigned long long)done, ps, (double)done / ps, (unsigned long long)sink);

    /* the machine: int32 lanes multiply-added, L1-resident, all threads */
    enum { N = 1024 };
    double reps = 0;
    t0 = now();
    double tot = 0;
#pragma omp parallel num_threads(T) reduction(+ : tot)
    {
        int32_t x[N], y[N];
        for (int i = 0; i < N; i++) x[i] = i, y[i] = 3 * i + 1;
        double s0 = now();
        long r = 0;
        while (now() - s0 < 1.0) {
            for (int k = 0; k < 1000; k++) {
                int32_t c = (int32_t)(k & 3) - 1;
                for (int i = 0; i < N; i++) x[i] += c * y[i];
                __asm__ volatile("" : : "r"(x) : "memory");
            }
            r += 1000;
        }
        tot += (double)r * N / (now() - s0);
        reps += x[5];
    }
    (void)reps;
    size_t P = (size_t)1 << n[0];
    printf("qnet lanes threads=%d madd_per_s=%.4g\n", T, tot);
    printf("qnet limit settings_per_s=%.4g of_limit=%.3f\n", tot / (2.0 * (double)P),
           (settings / sec) / (tot / (2.0 * (double)P)));
    fal_arch_free(a);
    fal_ctx_free(ctx);
    return 0;
}

static int cmd_sample(uint64_t S)
{
    fal_ctx *ctx;
    fal_ctx_new(&ctx, NULL);
    int T = threads();
    fal_ctx_set_threads(ctx, T);
    fal_arch *a;
    fal_arch_parse(ctx, "7,40,40,1", &a);
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = a;
    q.act = FAL_QACT_RELU;
    q.gauss = 1;
    fal_qtable *t;
    double t0 = now();
    if (fal_qnet_sample(ctx, &q, S, 1, &t) != FAL_OK) {
        fprintf(stderr, "qnet_enum: %s\n", fal_ctx_message(ctx));
        return 1;
    }
    double sec = now() - t0;
    printf("qnet sample widths=7,40,40,1 threads=%d samples=%llu seconds=%.3f rate=%.4g classes=%zu\n", T,
           (unsigned long long)S, sec, (double)S / sec, fal_qtable_size(t));
    fal_qtable_free(t);
    fal_arch_free(a);
    fal_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "enum"))
        return cmd_enum(argc >= 3 ? argv[2] : "4,3,1", argc >= 4 ? atof(argv[3]) : 10.0);
    if (argc >= 2 && !strcmp(argv[1], "sample")) return cmd_sample(argc >= 3 ? strtoull(argv[2], NULL, 10) : 100000);
    fprintf(stderr, "usage: qnet_enum enum [WIDTHS [SECONDS]] | sample [S]\n");
    return 2;
}
