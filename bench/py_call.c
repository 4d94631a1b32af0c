/* py_call.c -- the C side of the Python call overhead (bench/py_overhead.py
 * is the other): one run of the linear chain of depth 10 (10 parameters,
 * one example), called repeatedly.
 *   c_run:  fal_run and fal_result_clear on a context and architecture made
 *           once (the least a C caller does per run);
 *   c_full: everything fallacy.run does per call, in C: on the context
 *           it keeps per thread (made once, with the ABI check), the memory
 *           budget (MemAvailable, read at most every 0.25 s as Python does)
 *           and thread count, the architecture, the configuration, fal_run,
 *           the JSON with its provenance objects (fal_run_json, what
 *           fallacy.run parses), and freeing the run and the architecture.
 * Prints one line per variant: "pycall impl=NAME calls=N us=MEDIAN
 * cpu_us=MEDIAN" (medians over blocks of the per-call wall time and of the
 * per-call CPU time of this thread: on a loaded machine the wall time
 * counts the time others ran, the CPU time does not). */
#include <stdio.h>
#include "bench.h"
#include "fallacy.h"

#define BLOCKS 15

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int one_full(fal_ctx *ctx, size_t mem)
{
    fal_ctx_set_mem_limit(ctx, mem);
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
        char buf[8192];
        size_t len = 0;
        st = fal_run_json(ctx, &cfg, &res, buf, sizeof buf, &len);
        fal_result_clear(&res);
    }
    fal_arch_free(arch);
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
    double t[BLOCKS], u[BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
        double t0 = bench_now(), u0 = cpu_now();
        for (int i = 0; i < n; i++) {
            fal_result res;
            if (fal_run(ctx, &cfg, &res) != FAL_OK) return 1;
            fal_result_clear(&res);
        }
        t[b] = (bench_now() - t0) / n * 1e6;
        u[b] = (cpu_now() - u0) / n * 1e6;
    }
    printf("pycall impl=c_run calls=%d us=%.3f cpu_us=%.3f\n", n, bench_median(t, BLOCKS), bench_median(u, BLOCKS));
    for (int b = 0; b < BLOCKS; b++) {
        double t0 = bench_now(), tm = t0, u0 = cpu_now();
        size_t mem = fal_mem_available();
        for (int i = 0; i < n; i++) {
            if ((i & 63) == 0 && bench_now() - tm > 0.25) {
                tm = bench_now();
                mem = fal_mem_available();
            }
            if (one_full(ctx, mem)) return 1;
        }
        t[b] = (bench_now() - t0) / n * 1e6;
        u[b] = (cpu_now() - u0) / n * 1e6;
    }
    printf("pycall impl=c_full calls=%d us=%.3f cpu_us=%.3f\n", n, bench_median(t, BLOCKS), bench_median(u, BLOCKS));
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return 0;
}
