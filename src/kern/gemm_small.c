/* gemm_small.c -- matrix products small enough that a BLAS call costs more
 * than the arithmetic (the mlp step at widths ~32: issue 16, bench/RESULTS.md
 * section 10).  Register-blocked loops on GCC/Clang vector types, which the
 * compiler maps to the widest vectors the build targets (AVX-512 under
 * -march=native here, SSE2 pairs in a plain build); fal__gemm_auto and
 * fal__sgemm_auto choose between them and CBLAS by FAL__GEMM_SMALL_MAX.
 *
 * The translation unit contracts a * b + c into fused multiply-adds (ISO C
 * mode turns contraction off): one rounding per product-sum, which the
 * error bound in tests/test_kern.c allows for, and twice the throughput. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif
/* (Clang contracts within one expression by default, which covers acc += a * b.) */
#include <string.h>
#include "kern.h"

/* columns per register block; with 2 vectors of rows each that is 16
 * accumulators, which fits AVX-512's 32 registers with room for the loads.
 * 8 rather than 6: the mlp's widths (32, 256) then leave no narrow tail
 * block, whose few accumulators wait on the FMA latency (the weight
 * gradient at width 32: 7.7 -> 4.9 us, bench/gemm_cross) */
#define SM_NR 8
/* inner-dimension chunk: the panel is 2 SM_VL x SM_KC elements on the stack
 * (32 KiB for doubles with 8-wide vectors) */
#define SM_KC 256

typedef double fal__v8d __attribute__((vector_size(64)));
typedef float fal__v16f __attribute__((vector_size(64)));

#define SM_T double
#define SM_V fal__v8d
#define SM_VL 8
#define SM_FN fal__gemm_small
#define SM_BLOCK gemm_small_block
#include "gemm_small_body.h"
#undef SM_T
#undef SM_V
#undef SM_VL
#undef SM_FN
#undef SM_BLOCK

#define SM_T float
#define SM_V fal__v16f
#define SM_VL 16
#define SM_FN fal__sgemm_small
#define SM_BLOCK sgemm_small_block
#include "gemm_small_body.h"
#undef SM_T
#undef SM_V
#undef SM_VL
#undef SM_FN
#undef SM_BLOCK

void fal__gemm_auto(int ta, int tb, size_t m, size_t n, size_t kk, double alpha, const double *A, size_t lda,
                    const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if ((double)m * (double)n * (double)kk <= FAL__GEMM_SMALL_MAX)
        fal__gemm_small(ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        fal__gemm(FAL_REAL, ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
}

void fal__sgemm_auto(int ta, int tb, size_t m, size_t n, size_t kk, float alpha, const float *A, size_t lda,
                     const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    if ((double)m * (double)n * (double)kk <= FAL__GEMM_SMALL_MAX)
        fal__sgemm_small(ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        fal__sgemm(ta, tb, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
}
