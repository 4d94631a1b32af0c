/* mlp_step.c -- one full-batch GD step of the mlp (M1): forward, backward,
 * update, float64 (the library's src/nets/mlp.c) or float32 (the same
 * step through sgemm, src/nets/mlp.c's fal__mlp32_*), ReLU hidden units, biases on, nL = 1.
 *
 * Usage: mlp_step f64|f32 n0 width depth k [n0 width depth k ...]
 *   prints per shape: mlp n0=.. width=.. hidden=.. k=.. dtype=.. w=.. reps=.. ms=MEDIAN min_ms=.. loss=..
 * The start: the library's He init from seed 1; inputs and targets N(0,1)
 * from seed 2 (the torch peer draws its own: the step's cost does not depend
 * on the values).  Samples: as many as fit BENCH_BUDGET_MS (default 1000),
 * 3 to 51; the median is quoted. */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "fallacy.h"
#include "nets/mlp.h"

static int run(int single, size_t n0, size_t width, size_t depth, size_t k)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return 1;
    size_t ws[64];
    if (depth + 2 > 64) return 1;
    ws[0] = n0;
    for (size_t i = 1; i <= depth; i++) ws[i] = width;
    ws[depth + 1] = 1;
    fal_arch *a = NULL;
    if (fal_arch_from_widths(ctx, ws, depth + 2, &a) != FAL_OK) return 1;
    fal__mlp net;
    fal_status st = single ? fal__mlp32_new(ctx, a, FAL_ACT_RELU, 1, k, &net) : fal__mlp_new(ctx, a, FAL_ACT_RELU, 1, k, &net);
    if (st != FAL_OK) {
        fprintf(stderr, "mlp_step: %s\n", fal_ctx_message(ctx));
        return 1;
    }
    fal_rng r;
    fal_rng_seed(&r, 1);
    double *X = malloc(n0 * k * sizeof(double)), *T = malloc(k * sizeof(double)), *G = malloc(net.np * sizeof(double));
    float *Xf = malloc(n0 * k * sizeof(float)), *Tf = malloc(k * sizeof(float)), *Gf = malloc(net.np * sizeof(float));
    if (single) fal__mlp32_init(&net, &r, 1.0, 0.0);
    else fal__mlp_init(&net, &r, 1.0, 0.0);
    fal_rng_seed(&r, 2);
    for (size_t j = 0; j < n0 * k; j++) Xf[j] = (float)(X[j] = fal_rng_normal(&r));
    for (size_t j = 0; j < k; j++) Tf[j] = (float)(T[j] = fal_rng_normal(&r));
    const double lr = 1e-3;
    int budget = bench_env_int("BENCH_BUDGET_MS", 1000);
    double t[51], loss = 0;
    int reps = 0;
    double t_start = bench_now();
    while (reps < 51 && (reps < 3 || (bench_now() - t_start) * 1e3 < budget)) {
        double t0 = bench_now();
        if (single) loss = fal__mlp32_gd_step(&net, Xf, Tf, k, (float)lr, Gf);
        else {
            const double *Y = fal__mlp_forward(&net, X, k);
            double s = 0;
            for (size_t j = 0; j < k; j++) {
                double d = Y[j] - T[j];
                s += d * d;
                net.d0[j] = d / (double)k;
            }
            fal__mlp_backward(&net, k, G, NULL);
            for (size_t i = 0; i < net.np; i++) net.p[i] -= lr * G[i];
            loss = 0.5 * s / (double)k;
        }
        t[reps++] = (bench_now() - t0) * 1e3;
    }
    double mn = t[0];
    for (int i = 1; i < reps; i++) mn = t[i] < mn ? t[i] : mn;
    printf("mlp n0=%zu width=%zu hidden=%zu k=%zu dtype=%s w=%zu reps=%d ms=%.4f min_ms=%.4f loss=%.6g\n", n0, width,
           depth, k, single ? "f32" : "f64", net.np, reps, bench_median(t, (size_t)reps), mn, loss);
    free(X);
    free(T);
    free(G);
    free(Xf);
    free(Tf);
    free(Gf);
    if (single) fal__mlp32_free(&net);
    else fal__mlp_free(&net);
    fal_arch_free(a);
    fal_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6 || (argc - 2) % 4) {
        fprintf(stderr, "usage: mlp_step f64|f32 n0 width depth k [...]\n");
        return 2;
    }
    int single = strcmp(argv[1], "f32") == 0;
    printf("openblas_core=%s\n", openblas_get_corename());
    for (int i = 2; i + 3 < argc; i += 4)
        if (run(single, (size_t)atol(argv[i]), (size_t)atol(argv[i + 1]), (size_t)atol(argv[i + 2]), (size_t)atol(argv[i + 3])))
            return 1;
    return 0;
}
