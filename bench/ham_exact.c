/* ham_exact.c -- the optimal Hamming clustering of bool-ae / threshold-ae
 * (src/nets/hamming.c, hamming_mip.c) on uniform random 0/1 tables:
 *
 *   ham_exact rate [T]    T random tables (default 100): 6-8 bits, 20-40
 *                         rows, m = 1-3, drawn by the library's generator
 *                         (seed 2026 + t).  For each, the default heuristic
 *                         alone (fal__ham_lloyd: 32 restarts, Lloyd, moves,
 *                         swap search; seed t) and the integer program over
 *                         all 2^n centres (GLPK) proving the optimum; one line
 *                         per table, then
 *                         `rate heuristic_at_optimum=A/T proved=P/T ...`
 *   ham_exact time        the old branch and bound (fal__ham_exact, bounded
 *                         by the heuristic's cost as `--algo exact` ran it
 *                         before the integer program) against the integer
 *                         program, side by side on the same tables: 30x7 with
 *                         m = 2 (3 tables) and 40x8 with m = 3 (3 tables; the
 *                         branch and bound stops at 32 distinct points, so
 *                         only the program runs there).  BENCH_OLD_LOG2_NODES caps
 *                         the branch and bound (log2 of the nodes; default 28).
 *
 * One thread; seconds are wall time of one call each. */
#include <stdint.h>
#include <stdio.h>
#include "bench.h"
#include "fallacy.h"
#include "nets/hamming.h"

static void table(uint64_t seed, unsigned n, size_t k, uint64_t *x)
{
    fal_rng r;
    fal_rng_seed(&r, seed);
    for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&r) & (((uint64_t)1 << n) - 1);
}

static int exact_ip(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t *cost, int *proved, double *sec)
{
    size_t K = (size_t)1 << s->n;
    uint64_t *cand = malloc(K * sizeof *cand);
    for (size_t c = 0; c < K; c++) cand[c] = c;
    fal__ham_clust cl;
    double t0 = bench_now();
    fal_status st = fal__ham_mip(ctx, s, C, cand, K, FAL__HAM_MIP_EXACT_NODES, 1000, &cl, proved);
    *sec = bench_now() - t0;
    free(cand);
    if (st != FAL_OK) {
        fprintf(stderr, "ham_exact: integer program: %s\n", fal_ctx_message(ctx));
        return 1;
    }
    *cost = cl.cost;
    fal__ham_clust_free(ctx, &cl);
    return 0;
}

static int rate(fal_ctx *ctx, int T)
{
    int at = 0, proved_n = 0, fail = 0;
    double hs = 0, ips = 0;
    for (int t = 0; t < T; t++) {
        fal_rng g;
        fal_rng_seed(&g, 2026 + (uint64_t)t);
        unsigned n = 6 + (unsigned)fal_rng_below(&g, 3), m = 1 + (unsigned)fal_rng_below(&g, 3);
        size_t k = 20 + (size_t)fal_rng_below(&g, 21), C = (size_t)1 << m;
        uint64_t x[40];
        table(fal_rng_next(&g), n, k, x);
        fal__ham_set s;
        if (fal__ham_set_new(ctx, n, x, k, &s) != FAL_OK) return 1;
        uint64_t hcost = 0, opt = 0;
        int proved = 1;
        double th = 0, ti = 0;
        if (s.u > C) {
            fal__ham_clust cl;
            uint64_t it;
            int fixed;
            fal_rng r;
            fal_rng_seed(&r, (uint64_t)t);
            double t0 = bench_now();
            if (fal__ham_lloyd(ctx, &s, C, FAL__HAM_RESTARTS, 1000, &r, &cl, &it, &fixed) != FAL_OK) return 1;
            th = bench_now() - t0;
            hcost = cl.cost;
            fal__ham_clust_free(ctx, &cl);
            if (exact_ip(ctx, &s, C, &opt, &proved, &ti)) return 1;
        }
        if (hcost < opt && proved) fail = 1; /* below a proved optimum: a bug */
        at += proved && hcost == opt;
        proved_n += proved;
        hs += th;
        ips += ti;
        printf("table t=%d n=%u k=%zu m=%u distinct=%zu heuristic=%llu optimum=%llu proved=%d heuristic_s=%.4f ip_s=%.4f\n",
               t, n, k, m, s.u, (unsigned long long)hcost, (unsigned long long)opt, proved, th, ti);
        fal__ham_set_free(ctx, &s);
    }
    printf("rate heuristic_at_optimum=%d/%d proved=%d/%d rate=%.2f heuristic_total_s=%.3f ip_total_s=%.3f\n", at, T,
           proved_n, T, (double)at / T, hs, ips);
    return fail;
}

static int timing(fal_ctx *ctx)
{
    uint64_t cap = (uint64_t)1 << bench_env_int("BENCH_OLD_LOG2_NODES", 28);
    const struct { unsigned n, m; size_t k; uint64_t seed; } cs[] = {
        { 7, 2, 30, 1 }, { 7, 2, 30, 2 }, { 7, 2, 30, 3 }, { 8, 3, 40, 1 }, { 8, 3, 40, 2 }, { 8, 3, 40, 3 },
    };
    for (size_t q = 0; q < sizeof cs / sizeof cs[0]; q++) {
        uint64_t x[40];
        table(7000 + cs[q].seed, cs[q].n, cs[q].k, x);
        fal__ham_set s;
        if (fal__ham_set_new(ctx, cs[q].n, x, cs[q].k, &s) != FAL_OK) return 1;
        size_t C = (size_t)1 << cs[q].m;
        fal__ham_clust cl;
        uint64_t it;
        int fixed;
        fal_rng r;
        fal_rng_seed(&r, 1);
        if (fal__ham_lloyd(ctx, &s, C, FAL__HAM_RESTARTS, 1000, &r, &cl, &it, &fixed) != FAL_OK) return 1;
        uint64_t upper = cl.cost;
        fal__ham_clust_free(ctx, &cl);
        uint64_t ipc;
        int proved;
        double tip;
        if (exact_ip(ctx, &s, C, &ipc, &proved, &tip)) return 1;
        char old[96] = "old_s=n/a old_cost=n/a";
        if (s.u <= FAL__HAM_EXACT_MAX) {
            int capped = 0;
            double t0 = bench_now();
            fal_status st = fal__ham_exact(ctx, &s, C, upper, cap, &cl, &capped);
            double tb = bench_now() - t0;
            if (st == FAL_OK && !capped) {
                snprintf(old, sizeof old, "old_s=%.3f old_cost=%llu", tb, (unsigned long long)cl.cost);
                fal__ham_clust_free(ctx, &cl);
            } else {
                snprintf(old, sizeof old, "old_s=>%.3f old_cost=capped", tb);
            }
        }
        printf("time k=%zu n=%u m=%u distinct=%zu %s ip_s=%.4f ip_cost=%llu proved=%d\n", cs[q].k, cs[q].n, cs[q].m,
               s.u, old, tip, (unsigned long long)ipc, proved);
        fflush(stdout);
        fal__ham_set_free(ctx, &s);
    }
    return 0;
}

int main(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return 1;
    fal_ctx_set_threads(ctx, 1);
    int rc;
    if (argc >= 2 && strcmp(argv[1], "time") == 0) rc = timing(ctx);
    else rc = rate(ctx, argc >= 3 ? atoi(argv[2]) : 100);
    fal_ctx_free(ctx);
    return rc;
}
