/* deep_linear_step.c -- one full-batch GD step of the deep linear network
 * A(n,...,n) (L layers, double, batch k = n) through the internal API of
 * src/train/deep_linear.h: fal__dlin_forward + fal__dlin_backward with the
 * update applied in place.
 *
 * FLOPs per step: forward 2 n^2 k L; backward 2 n^2 k per D_{i-1}
 * (L - 1 of them) and 2 n^2 k per weight update (L): 6 n^2 k L - 2 n^2 k.
 *
 * Interleaved with the steps, the same number of GEMMs of the same size
 * (3L - 1 calls of n x n x n) is timed as plain back-to-back cblas_dgemm
 * calls: on a machine whose speed drifts, the median over samples of the
 * ratio (GEMM time / step time, each pair adjacent in time) is the steadier
 * measure of what the step loses beyond its GEMMs.
 *
 * Usage: deep_linear_step [n L ...]   (default: 64 1000 256 100 1024 10)
 * Output, one line per shape:
 *   dlin n=N L=L k=K reps=R ms=MEDIAN min_ms=.. gflops=G (at the median)
 *        gemm_ms=.. gemm_gflops=.. of_gemm=MEDIAN RATIO loss0=.. loss1=.. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include "bench.h"
#include "core/linalg.h"
#include "train/deep_linear.h"

/* W_i = I + N(0, sigma^2), sigma = 0.01 / sqrt(n): the product stays O(1)
 * at every depth, so nothing overflows or goes subnormal while timing. */
static void init_near_identity(fal__dlin *net, fal_rng *r)
{
    for (size_t i = 1; i <= net->L; i++) {
        size_t ni = net->n[i], np = net->n[i - 1];
        double *W = fal__dlin_W(net, i), sigma = 0.01 / sqrt((double)(ni > np ? ni : np));
        fal__eye(FAL_REAL, ni, np, W);
        for (size_t j = 0; j < ni * np; j++) W[j] += sigma * fal_rng_normal(r);
    }
}

static int bench_one(fal_ctx *ctx, size_t n, size_t L)
{
    size_t k = n;
    fal_arch *arch = NULL;
    fal__dlin net;
    fal_status st = fal_arch_uniform(ctx, L, n, &arch);
    if (st == FAL_OK) st = fal__dlin_new(ctx, arch, FAL_REAL, k, 0, &net);
    if (st != FAL_OK) {
        fprintf(stderr, "deep_linear_step: n=%zu L=%zu: %s: %s\n", n, L, fal_errstr(st), fal_ctx_message(ctx));
        fal_arch_free(arch);
        return 1;
    }
    fal_rng r;
    fal_rng_seed(&r, 1);
    init_near_identity(&net, &r);
    double *X = malloc(n * k * sizeof *X), *T = malloc(n * k * sizeof *T);
    if (!X || !T) {
        fprintf(stderr, "deep_linear_step: out of memory\n");
        exit(1);
    }
    for (size_t j = 0; j < n * k; j++) {
        X[j] = fal_rng_normal(&r);
        T[j] = fal_rng_normal(&r);
    }
    /* a small non-zero rate: lr = 0 would let BLAS skip the update GEMMs */
    double lr = 1e-3;
    fal__dlin_forward(&net, X, k);
    double loss0 = fal__dlin_half_sq(&net, T, k) / (double)k;
    fal__dlin_backward(&net, T, k, lr, NULL); /* warm-up step */
    double t0 = bench_now();
    fal__dlin_forward(&net, X, k);
    fal__dlin_backward(&net, T, k, lr, NULL);
    double t1 = bench_now() - t0;
    int reps = t1 > 0 ? (int)(1.5 / t1) : 21;
    if (reps < 5) reps = 5;
    if (reps > 21) reps = 21;
    /* the reference GEMMs: operands of the same size, outside the network */
    double *A = malloc(n * n * sizeof *A), *Bm = malloc(n * k * sizeof *Bm), *C = malloc(n * k * sizeof *C);
    if (!A || !Bm || !C) {
        fprintf(stderr, "deep_linear_step: out of memory\n");
        exit(1);
    }
    memcpy(A, fal__dlin_W(&net, 1), n * n * sizeof *A);
    memcpy(Bm, X, n * k * sizeof *Bm);
    size_t calls = 3 * L - 1;
    blasint N = (blasint)n, K = (blasint)k;
    double v[21], vg[21], vr[21];
    for (int i = 0; i < reps; i++) {
        t0 = bench_now();
        fal__dlin_forward(&net, X, k);
        fal__dlin_backward(&net, T, k, lr, NULL);
        v[i] = bench_now() - t0;
        t0 = bench_now();
        for (size_t c = 0; c < calls; c++)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, K, N, 1.0, A, N, Bm, N, 0.0, C, N);
        vg[i] = bench_now() - t0;
        vr[i] = vg[i] / v[i];
    }
    double gmed = bench_median(vg, (size_t)reps), rmed = bench_median(vr, (size_t)reps);
    free(A), free(Bm), free(C);
    fal__dlin_forward(&net, X, k);
    double loss1 = fal__dlin_half_sq(&net, T, k) / (double)k;
    double med = bench_median(v, (size_t)reps), vmin = v[0]; /* sorted by the median */
    double nn = (double)n * (double)n * (double)k;
    double flops = 6.0 * nn * (double)L - 2.0 * nn;
    printf("dlin n=%zu L=%zu k=%zu reps=%d ms=%.3f min_ms=%.3f gflops=%.2f gemm_ms=%.3f gemm_gflops=%.2f of_gemm=%.3f "
           "loss0=%.6g loss1=%.6g\n",
           n, L, k, reps, med * 1e3, vmin * 1e3, flops / med * 1e-9, gmed * 1e3, flops / gmed * 1e-9, rmed, loss0,
           loss1);
    fflush(stdout);
    if (!isfinite(loss1) || loss1 > loss0) fprintf(stderr, "deep_linear_step: n=%zu L=%zu: loss did not go down\n", n, L);
    free(X);
    free(T);
    fal__dlin_free(&net);
    fal_arch_free(arch);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t def[] = { 64, 1000, 256, 100, 1024, 10 };
    fal_ctx *ctx;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return 1;
    int bad = 0;
    if (argc > 1) {
        for (int i = 1; i + 1 < argc; i += 2)
            bad |= bench_one(ctx, (size_t)strtoull(argv[i], NULL, 10), (size_t)strtoull(argv[i + 1], NULL, 10));
    } else {
        for (size_t i = 0; i < 6; i += 2) bad |= bench_one(ctx, def[i], def[i + 1]);
    }
    fal_ctx_free(ctx);
    return bad;
}
