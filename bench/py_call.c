/* py_call.c -- the C side of the Python call overhead (bench/py_overhead.py
 * is the other): one run of the linear chain of depth 10 (10 parameters,
 * one example), called repeatedly.
 *   c_run:  fal_run and fal_result_clear on a context and architecture made
 *           once (the least a C caller does per run);
 *   c_full: everything fallacy.run does per call, in C: a context (ABI
 *           check, memory budget from MemAvailable), the architecture, the
 *           configuration, fal_run, the JSON (length, then the text), and
 *           freeing it all.
 * Prints one line per variant: "pycall impl=NAME calls=N us=MEDIAN" (the
 * median over blocks of the per-call time). */
#include <stdio.h>
#include "bench.h"
#include "fallacy.h"

#define BLOCKS 15

static int one_full(void)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return -1;
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    fal_ctx_set_threads(ctx, 1);
    fal_arch *arch = NULL;
    fal_status st = fal_arch_uniform(ctx, 10, 1, &arch);
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_classes_family("linear-chain");
    cfg.arch = arch;
    cfg.examples = 1;
    cfg.examples_set = 1;
    fal_result res;
    if (st == FAL_OK) st = fal_run(ctx, &cfg, &res);
    if (st == FAL_OK) {
        size_t len = 0;
        char buf[2048];
        fal_result_json(ctx, &res, NULL, 0, &len);
        st = len < sizeof buf ? fal_result_json(ctx, &res, buf, len + 1, NULL) : FAL_ERANGE;
        fal_result_clear(&res);
    }
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return st == FAL_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    fal_ctx *ctx = NULL;
    fal_arch *arch = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK || fal_arch_uniform(ctx, 10, 1, &arch) != FAL_OK) return 1;
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.arch = arch;
    cfg.examples = 1;
    cfg.examples_set = 1;
    double t[BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
        double t0 = bench_now();
        for (int i = 0; i < n; i++) {
            fal_result res;
            if (fal_run(ctx, &cfg, &res) != FAL_OK) return 1;
            fal_result_clear(&res);
        }
        t[b] = (bench_now() - t0) / n * 1e6;
    }
    printf("pycall impl=c_run calls=%d us=%.3f\n", n, bench_median(t, BLOCKS));
    for (int b = 0; b < BLOCKS; b++) {
        double t0 = bench_now();
        for (int i = 0; i < n; i++)
            if (one_full()) return 1;
        t[b] = (bench_now() - t0) / n * 1e6;
    }
    printf("pycall impl=c_full calls=%d us=%.3f\n", n, bench_median(t, BLOCKS));
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return 0;
}
