/* gemm_peak.c -- the machine's own limits, measured in the same run as the
 * library benchmarks: dgemm/sgemm GFLOP/s through CBLAS (OpenBLAS threads
 * as set by OPENBLAS_NUM_THREADS) and streaming memory bandwidth with
 * OpenMP threads (BENCH_THREADS, default 2).
 *
 * Output, one `key=value` per line:
 *   dgemm_gflops_N, sgemm_gflops_N    2 N^3 flops / median seconds per call
 *   triad_gbs        a[i] = b[i] + s c[i]: 3 arrays x 8 B per element
 *   inplace_gbs      x[i] = x[i] s + t:   16 B per element (the chain pass's
 *                    access pattern), with BENCH_THREADS threads
 *   inplace1_gbs     the same, one thread
 *   first_touch_gbs  the first write of freshly allocated memory (page faults
 *                    and the kernel's page clearing included: what a run that
 *                    allocates its parameters pays once)
 * BENCH_NO_STREAM=1 skips the streaming part; BENCH_INFO_ONLY=1 prints the
 * OpenBLAS configuration and stops. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include "bench.h"

#define REPS 7   /* GEMM samples */
#define SREPS 11 /* streaming samples */

static void fill(double *a, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[i] = (double)(x >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    }
}

/* Median seconds of one n x n x n product (calls batched so a sample lasts
 * >= 50 ms). */
static double time_gemm(int dbl, size_t n)
{
    size_t len = n * n;
    double *A = malloc(len * sizeof *A), *Bm = malloc(len * sizeof *Bm), *C = malloc(len * sizeof *C);
    float *As = malloc(len * sizeof *As), *Bs = malloc(len * sizeof *Bs), *Cs = malloc(len * sizeof *Cs);
    if (!A || !Bm || !C || !As || !Bs || !Cs) {
        fprintf(stderr, "gemm_peak: out of memory\n");
        exit(1);
    }
    fill(A, len, 1);
    fill(Bm, len, 2);
    memset(C, 0, len * sizeof *C);
    for (size_t i = 0; i < len; i++) {
        As[i] = (float)A[i];
        Bs[i] = (float)Bm[i];
        Cs[i] = 0.0f;
    }
    blasint N = (blasint)n;
#define CALL()                                                                                                   \
    do {                                                                                                         \
        if (dbl)                                                                                                 \
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, A, N, Bm, N, 0.0, C, N);        \
        else                                                                                                     \
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, As, N, Bs, N, 0.0f, Cs, N);    \
    } while (0)
    CALL(); /* warm-up: thread start, page faults */
    double t0 = bench_now();
    CALL();
    double t1 = bench_now() - t0;
    long inner = t1 > 0 ? (long)ceil(0.05 / t1) : 1000;
    if (inner < 1) inner = 1;
    double v[REPS];
    for (int r = 0; r < REPS; r++) {
        t0 = bench_now();
        for (long j = 0; j < inner; j++) CALL();
        v[r] = (bench_now() - t0) / (double)inner;
    }
#undef CALL
    double sink = dbl ? C[len / 2] : (double)Cs[len / 2];
    if (!isfinite(sink)) fprintf(stderr, "gemm_peak: non-finite result\n");
    free(A), free(Bm), free(C), free(As), free(Bs), free(Cs);
    return bench_median(v, REPS);
}

static double *big(size_t n)
{
    size_t bytes = n * sizeof(double), align = (size_t)1 << 21;
    bytes = (bytes + align - 1) / align * align;
    double *p = aligned_alloc(align, bytes);
    if (!p) {
        fprintf(stderr, "gemm_peak: cannot allocate %zu bytes\n", bytes);
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* as the library does for the chain weights */
#endif
    return p;
}

int main(void)
{
    int thr = bench_env_int("BENCH_THREADS", 2);
    printf("openblas_config=%s\n", openblas_get_config());
    printf("openblas_core=%s\n", openblas_get_corename());
    printf("openblas_threads=%d\n", openblas_get_num_threads());
    printf("omp_threads=%d\n", thr);
    if (bench_env_int("BENCH_INFO_ONLY", 0)) return 0;
    static const size_t ns[] = { 64, 256, 1024 };
    for (size_t i = 0; i < 3; i++) {
        double t = time_gemm(1, ns[i]), f = 2.0 * (double)ns[i] * (double)ns[i] * (double)ns[i];
        printf("dgemm_gflops_%zu=%.2f\n", ns[i], f / t * 1e-9);
        fflush(stdout);
    }
    for (size_t i = 0; i < 3; i++) {
        double t = time_gemm(0, ns[i]), f = 2.0 * (double)ns[i] * (double)ns[i] * (double)ns[i];
        printf("sgemm_gflops_%zu=%.2f\n", ns[i], f / t * 1e-9);
        fflush(stdout);
    }

    if (bench_env_int("BENCH_NO_STREAM", 0)) return 0;
    /* Streaming: 2^27 doubles (1 GiB) per array, first touched by the
     * threads that later sweep them (static schedule both times). */
    const long n = 1L << 27;
    double *a = big((size_t)n), *b = big((size_t)n), *c = big((size_t)n);
    double ft0 = bench_now();
#pragma omp parallel for schedule(static) num_threads(thr)
    for (long i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = 1.0 + 1e-3 * (double)(i & 1023);
        c[i] = 0.5;
    }
    printf("first_touch_gbs=%.2f\n", 24.0 * (double)n / (bench_now() - ft0) * 1e-9);
    double v[SREPS], s = 0.999999, t = 1e-6;
    for (int r = 0; r < SREPS; r++) {
        double t0 = bench_now();
#pragma omp parallel for schedule(static) num_threads(thr)
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        v[r] = bench_now() - t0;
    }
    printf("triad_gbs=%.2f\n", 24.0 * (double)n / bench_median(v, SREPS) * 1e-9);
    fflush(stdout);
    /* x = x s + t has the fixed point t / (1 - s) = 1: values stay O(1). */
    for (int r = 0; r < SREPS; r++) {
        double t0 = bench_now();
#pragma omp parallel for schedule(static) num_threads(thr)
        for (long i = 0; i < n; i++) b[i] = b[i] * s + t;
        v[r] = bench_now() - t0;
    }
    printf("inplace_gbs=%.2f\n", 16.0 * (double)n / bench_median(v, SREPS) * 1e-9);
    fflush(stdout);
    for (int r = 0; r < SREPS; r++) {
        double t0 = bench_now();
        for (long i = 0; i < n; i++) b[i] = b[i] * s + t;
        v[r] = bench_now() - t0;
    }
    printf("inplace1_gbs=%.2f\n", 16.0 * (double)n / bench_median(v, SREPS) * 1e-9);
    double sink = a[n / 3] + b[n / 5];
    if (!isfinite(sink)) fprintf(stderr, "gemm_peak: non-finite sweep result\n");
    free(a), free(b), free(c);
    return 0;
}
