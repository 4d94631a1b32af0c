/* deep_linear_step.c -- one full-batch GD step of the deep linear network
 * A(n,...,n) (L layers, batch k = n) through the internal API of
 * src/train/deep_linear.h, in float64 (fal__dlin_forward +
 * fal__dlin_backward) or float32 (fal__dlin32_forward +
 * fal__dlin32_backward), the update applied in place.
 *
 * FLOPs per step: forward 2 n^2 k L; backward 2 n^2 k per D_{i-1}
 * (L - 1 of them) and 2 n^2 k per weight update (L): 6 n^2 k L - 2 n^2 k.
 *
 * Interleaved with the steps, the same number of GEMMs of the same size
 * (3L - 1 calls of n x n x n) is timed as plain back-to-back cblas_dgemm
 * (cblas_sgemm for float32) calls: on a machine whose speed drifts, the
 * median over samples of the ratio (GEMM time / step time, each pair
 * adjacent in time) is the steadier measure of what the step loses beyond
 * its GEMMs.
 *
 * Usage:
 *   deep_linear_step [f64|f32] [n L ...]   (default: f64, 64 1000 256 100 1024 10)
 *     one line per shape:
 *     dlin n=N L=L k=K dtype=D reps=R ms=MEDIAN min_ms=.. gflops=G (at the median)
 *          gemm_ms=.. gemm_gflops=.. of_gemm=MEDIAN RATIO loss0=.. loss1=..
 *   deep_linear_step check f64|f32 FILE n L
 *     writes the start (W_1..W_L, X, T; float64, Fortran order, shape
 *     (n, n, L + 2); float32-representable values for f32) to FILE as .npy,
 *     takes one step with lr = 1e-3 and prints
 *     check dtype=D n=N L=L loss0=.. loss1=.. step_sq=..
 *     loss = 1/(2k) sum ||H_L - T||^2 before and after the step, step_sq =
 *     sum ||W_i' - W_i||^2 (lr^2 ||G||^2): the peers read FILE and must print
 *     the same figures. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include "bench.h"
#include "core/linalg.h"
#include "train/deep_linear.h"

#define LR 1e-3 /* small and non-zero: lr = 0 would let BLAS skip the update GEMMs */

/* The network in either precision, with its inputs and targets. */
typedef struct bnet {
    fal__dlin net;
    int single;
    size_t n, L, k;
    double *X, *T; /* float64 */
    float *Xs, *Ts; /* float32 */
} bnet;

static void die(const char *what)
{
    fprintf(stderr, "deep_linear_step: %s\n", what);
    exit(1);
}

static void bnet_step(bnet *b, double lr)
{
    if (b->single) {
        fal__dlin32_forward(&b->net, b->Xs, b->k);
        fal__dlin32_backward(&b->net, b->Ts, b->k, (float)lr, NULL);
    } else {
        fal__dlin_forward(&b->net, b->X, b->k);
        fal__dlin_backward(&b->net, b->T, b->k, lr, NULL);
    }
}

/* 1/(2k) sum ||H_L - T||^2 of the current weights. */
static double bnet_loss(bnet *b)
{
    if (b->single) {
        fal__dlin32_forward(&b->net, b->Xs, b->k);
        return fal__dlin32_half_sq(&b->net, b->Ts, b->k) / (double)b->k;
    }
    fal__dlin_forward(&b->net, b->X, b->k);
    return fal__dlin_half_sq(&b->net, b->T, b->k) / (double)b->k;
}

static double bnet_w(const bnet *b, size_t j) { return b->single ? (double)b->net.w32[j] : b->net.w[j]; }

/* The start, (L + 2) n^2 doubles: W_i = I + N(0, sigma^2) with sigma =
 * 0.01 / sqrt(n) (the product stays O(1) at every depth, so nothing
 * overflows or goes subnormal while timing), then X and T standard normal,
 * drawn interleaved.  Rounded to float for f32, so that the file a peer
 * reads holds exactly the values the network starts from. */
static double *make_start(size_t n, size_t L, int single)
{
    size_t nn = n * n;
    double *s = malloc((L + 2) * nn * sizeof *s);
    if (!s) die("out of memory");
    fal_rng r;
    fal_rng_seed(&r, 1);
    double sigma = 0.01 / sqrt((double)n);
    for (size_t i = 0; i < L; i++) {
        double *W = s + i * nn;
        fal__eye(FAL_REAL, n, n, W);
        for (size_t j = 0; j < nn; j++) W[j] += sigma * fal_rng_normal(&r);
    }
    for (size_t j = 0; j < nn; j++) {
        s[L * nn + j] = fal_rng_normal(&r);
        s[(L + 1) * nn + j] = fal_rng_normal(&r);
    }
    if (single)
        for (size_t j = 0; j < (L + 2) * nn; j++) s[j] = (double)(float)s[j];
    return s;
}

static int bnet_new(fal_ctx *ctx, size_t n, size_t L, int single, const double *start, bnet *b)
{
    memset(b, 0, sizeof *b);
    b->single = single;
    b->n = n, b->L = L, b->k = n;
    fal_arch *arch = NULL;
    fal_status st = fal_arch_uniform(ctx, L, n, &arch);
    if (st == FAL_OK)
        st = single ? fal__dlin32_new(ctx, arch, b->k, &b->net) : fal__dlin_new(ctx, arch, FAL_REAL, b->k, 0, &b->net);
    fal_arch_free(arch);
    if (st != FAL_OK) {
        fprintf(stderr, "deep_linear_step: n=%zu L=%zu: %s: %s\n", n, L, fal_errstr(st), fal_ctx_message(ctx));
        return 1;
    }
    size_t nn = n * n;
    if (single) {
        b->Xs = malloc(nn * sizeof *b->Xs), b->Ts = malloc(nn * sizeof *b->Ts);
        if (!b->Xs || !b->Ts) die("out of memory");
        for (size_t j = 0; j < L * nn; j++) b->net.w32[j] = (float)start[j];
        for (size_t j = 0; j < nn; j++) b->Xs[j] = (float)start[L * nn + j], b->Ts[j] = (float)start[(L + 1) * nn + j];
    } else {
        b->X = malloc(nn * sizeof *b->X), b->T = malloc(nn * sizeof *b->T);
        if (!b->X || !b->T) die("out of memory");
        memcpy(b->net.w, start, L * nn * sizeof(double));
        memcpy(b->X, start + L * nn, nn * sizeof(double));
        memcpy(b->T, start + (L + 1) * nn, nn * sizeof(double));
    }
    return 0;
}

static void bnet_free(bnet *b)
{
    free(b->X), free(b->T), free(b->Xs), free(b->Ts);
    fal__dlin_free(&b->net);
}

static const char *dtype(int single) { return single ? "float32" : "float64"; }

static int bench_one(fal_ctx *ctx, size_t n, size_t L, int single)
{
    double *start = make_start(n, L, single);
    bnet b;
    int bad = bnet_new(ctx, n, L, single, start, &b);
    free(start);
    if (bad) return 1;
    size_t k = b.k;
    double loss0 = bnet_loss(&b);
    bnet_step(&b, LR); /* warm-up step */
    double t0 = bench_now();
    bnet_step(&b, LR);
    double t1 = bench_now() - t0;
    int reps = t1 > 0 ? (int)(bench_env_int("BENCH_BUDGET_MS", 1000) * 1e-3 / t1) : 21;
    if (reps < 3) reps = 3; /* a slow step (n = 1024) still gets a median of 3 */
    if (reps > 21) reps = 21;
    /* the reference GEMMs: operands of the same size, outside the network */
    double *A = malloc(n * n * sizeof *A), *Bm = malloc(n * k * sizeof *Bm), *C = malloc(n * k * sizeof *C);
    float *As = malloc(n * n * sizeof *As), *Bs = malloc(n * k * sizeof *Bs), *Cs = malloc(n * k * sizeof *Cs);
    if (!A || !Bm || !C || !As || !Bs || !Cs) die("out of memory");
    for (size_t j = 0; j < n * n; j++) {
        A[j] = bnet_w(&b, j);
        As[j] = (float)A[j];
    }
    for (size_t j = 0; j < n * k; j++) {
        Bm[j] = single ? (double)b.Xs[j] : b.X[j];
        Bs[j] = (float)Bm[j];
    }
    size_t calls = 3 * L - 1;
    blasint N = (blasint)n, K = (blasint)k;
    double v[21], vg[21], vr[21];
    for (int i = 0; i < reps; i++) {
        t0 = bench_now();
        bnet_step(&b, LR);
        v[i] = bench_now() - t0;
        t0 = bench_now();
        for (size_t c = 0; c < calls; c++) {
            if (single) cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, K, N, 1.0f, As, N, Bs, N, 0.0f, Cs, N);
            else cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, K, N, 1.0, A, N, Bm, N, 0.0, C, N);
        }
        vg[i] = bench_now() - t0;
        vr[i] = vg[i] / v[i];
    }
    double gmed = bench_median(vg, (size_t)reps), rmed = bench_median(vr, (size_t)reps);
    free(A), free(Bm), free(C), free(As), free(Bs), free(Cs);
    double loss1 = bnet_loss(&b);
    double med = bench_median(v, (size_t)reps), vmin = v[0]; /* sorted by the median */
    double nn = (double)n * (double)n * (double)k;
    double flops = 6.0 * nn * (double)L - 2.0 * nn;
    printf("dlin n=%zu L=%zu k=%zu dtype=%s reps=%d ms=%.3f min_ms=%.3f gflops=%.2f gemm_ms=%.3f gemm_gflops=%.2f "
           "of_gemm=%.3f loss0=%.6g loss1=%.6g\n",
           n, L, k, dtype(single), reps, med * 1e3, vmin * 1e3, flops / med * 1e-9, gmed * 1e3, flops / gmed * 1e-9,
           rmed, loss0, loss1);
    fflush(stdout);
    if (!isfinite(loss1) || loss1 > loss0) fprintf(stderr, "deep_linear_step: n=%zu L=%zu: loss did not go down\n", n, L);
    bnet_free(&b);
    return 0;
}

/* A float64 array of shape (n, n, m) in Fortran order, i.e. the column-major
 * n x n blocks one after the other, as .npy version 1.0. */
static int write_npy(const char *path, const double *a, size_t n, size_t m)
{
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': True, 'shape': (%zu, %zu, %zu), }", n, n, m);
    /* pad with spaces so that the data starts at a multiple of 64 bytes */
    size_t total = 10 + (size_t)len + 1, pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    unsigned short hl = (unsigned short)((size_t)len + pad + 1);
    unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8) };
    int bad = fwrite(pre, 1, 10, f) != 10 || fwrite(hdr, 1, (size_t)len, f) != (size_t)len;
    for (size_t i = 0; i < pad && !bad; i++) bad = fputc(' ', f) == EOF;
    bad = bad || fputc('\n', f) == EOF || fwrite(a, sizeof *a, n * n * m, f) != n * n * m;
    return fclose(f) != 0 || bad;
}

static int check(fal_ctx *ctx, int single, const char *path, size_t n, size_t L)
{
    double *start = make_start(n, L, single);
    if (write_npy(path, start, n, L + 2)) die("cannot write the check file");
    bnet b;
    int bad = bnet_new(ctx, n, L, single, start, &b);
    if (bad) {
        free(start);
        return 1;
    }
    double loss0 = bnet_loss(&b); /* also the forward pass the step needs */
    if (single) fal__dlin32_backward(&b.net, b.Ts, b.k, (float)LR, NULL);
    else fal__dlin_backward(&b.net, b.T, b.k, LR, NULL);
    double step_sq = 0;
    for (size_t j = 0; j < b.net.wlen; j++) {
        double d = bnet_w(&b, j) - start[j];
        step_sq += d * d;
    }
    double loss1 = bnet_loss(&b);
    printf("check dtype=%s n=%zu L=%zu loss0=%.10g loss1=%.10g step_sq=%.10g\n", dtype(single), n, L, loss0, loss1,
           step_sq);
    free(start);
    bnet_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    fal_ctx *ctx;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return 1;
    int bad = 0, a = 1, single = 0;
    if (argc > 1 && !strcmp(argv[1], "check")) {
        if (argc != 6) die("usage: deep_linear_step check f64|f32 FILE n L");
        bad = check(ctx, !strcmp(argv[2], "f32"), argv[3], (size_t)strtoull(argv[4], NULL, 10),
                    (size_t)strtoull(argv[5], NULL, 10));
        fal_ctx_free(ctx);
        return bad;
    }
    if (argc > 1 && (!strcmp(argv[1], "f32") || !strcmp(argv[1], "f64"))) single = !strcmp(argv[a++], "f32");
    static const size_t def[] = { 64, 1000, 256, 100, 1024, 10 };
    if (argc > a) {
        for (int i = a; i + 1 < argc; i += 2)
            bad |= bench_one(ctx, (size_t)strtoull(argv[i], NULL, 10), (size_t)strtoull(argv[i + 1], NULL, 10), single);
    } else {
        for (size_t i = 0; i < 6; i += 2) bad |= bench_one(ctx, def[i], def[i + 1], single);
    }
    fal_ctx_free(ctx);
    return bad;
}
