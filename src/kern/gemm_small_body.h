/* gemm_small_body.h -- the body of the small-matrix products, included by
 * gemm_small.c once per precision with
 *   SM_T   the element type,   SM_V  a GCC/Clang vector of SM_VL of them,
 *   SM_FN  the public name,    SM_BLOCK  the name of the register block.
 * One copy of the code for float and double: the two differ only in types.
 *
 * C [m x n] = alpha A' B' + beta C, A' = A or A^T (ta), B' = B or B^T (tb),
 * column-major.  Blocks of SM_MR = 2 SM_VL rows by up to SM_NR columns are
 * held in 2 SM_NR vector accumulators; the inner dimension runs in chunks
 * of SM_KC.  A row block is used in place when A is not transposed and the
 * block is full; otherwise its rows are copied (transposed, zero-padded)
 * into a stack panel of SM_MR x SM_KC, so every block runs the same loop.
 * Each C entry is alpha times the sum over the inner index in increasing
 * order (one accumulator per entry, restarted per chunk; chunks added in
 * order), plus beta C: the same bytes on every call with the same inputs,
 * whatever the thread count. */

#define SM_MR (2 * SM_VL)

/* The products of one row block (Ap, rows with stride la between inner
 * indices) with nr <= SM_NR columns of B' over kc inner indices, added into
 * C's mr x nr block: first chunk C = alpha S + beta C (beta = 0: C is not
 * read, as in BLAS), later chunks C = C + alpha S.  always_inline with a
 * literal nr: each call site gets its own fully unrolled copy, so the
 * accumulators stay in registers. */
static inline __attribute__((always_inline)) void SM_BLOCK(size_t kc, const SM_T *Ap, size_t la, const SM_T *B,
                                                           size_t bsp, size_t bsj, const size_t nr, size_t mr,
                                                           SM_T alpha, SM_T beta, int first, SM_T *C, size_t ldc)
{
    SM_V acc[SM_NR][2];
    for (size_t c = 0; c < nr; c++) acc[c][0] = acc[c][1] = (SM_V){ 0 };
    for (size_t p = 0; p < kc; p++) {
        SM_V a0, a1;
        memcpy(&a0, Ap + p * la, sizeof a0);
        memcpy(&a1, Ap + p * la + SM_VL, sizeof a1);
        for (size_t c = 0; c < nr; c++) {
            SM_T b = B[p * bsp + c * bsj];
            acc[c][0] += a0 * b;
            acc[c][1] += a1 * b;
        }
    }
    for (size_t c = 0; c < nr; c++) {
        SM_T *Cc = C + c * ldc;
        if (mr == SM_MR) {
            SM_V s0 = alpha * acc[c][0], s1 = alpha * acc[c][1], c0, c1;
            if (first && beta == 0) {
                c0 = s0;
                c1 = s1;
            } else {
                memcpy(&c0, Cc, sizeof c0);
                memcpy(&c1, Cc + SM_VL, sizeof c1);
                c0 = first ? s0 + beta * c0 : c0 + s0;
                c1 = first ? s1 + beta * c1 : c1 + s1;
            }
            memcpy(Cc, &c0, sizeof c0);
            memcpy(Cc + SM_VL, &c1, sizeof c1);
        } else {
            for (size_t r = 0; r < mr; r++) {
                SM_T s = alpha * (r < SM_VL ? acc[c][0][r] : acc[c][1][r - SM_VL]);
                Cc[r] = first ? (beta == 0 ? s : s + beta * Cc[r]) : Cc[r] + s;
            }
        }
    }
}

void SM_FN(int ta, int tb, size_t m, size_t n, size_t kk, SM_T alpha, const SM_T *A, size_t lda, const SM_T *B,
           size_t ldb, SM_T beta, SM_T *C, size_t ldc)
{
    if (m == 0 || n == 0) return;
    if (kk == 0) {
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < m; i++) C[i + j * ldc] = beta == 0 ? 0 : beta * C[i + j * ldc];
        return;
    }
    /* B'(p, j) = B[p bsp + j bsj] */
    size_t bsp = tb ? ldb : 1, bsj = tb ? 1 : ldb;
    SM_T panel[SM_MR * SM_KC];
    for (size_t p0 = 0; p0 < kk; p0 += SM_KC) {
        size_t kc = kk - p0 < SM_KC ? kk - p0 : SM_KC;
        for (size_t i0 = 0; i0 < m; i0 += SM_MR) {
            size_t mr = m - i0 < SM_MR ? m - i0 : SM_MR;
            const SM_T *Ap = A + i0 + p0 * lda;
            size_t la = lda;
            if (ta || mr < SM_MR) {
                /* panel[r + p SM_MR] = A'(i0 + r, p0 + p), zero below row m (only
                 * the kc columns used: clearing all 32 KiB per block cost more than
                 * a 32 x 32 transposed product) */
                if (mr < SM_MR) memset(panel, 0, SM_MR * kc * sizeof panel[0]);
                for (size_t r = 0; r < mr; r++)
                    for (size_t p = 0; p < kc; p++)
                        panel[r + p * SM_MR] = ta ? A[p0 + p + (i0 + r) * lda] : A[i0 + r + (p0 + p) * lda];
                Ap = panel;
                la = SM_MR;
            }
            const SM_T *Bp = B + p0 * bsp;
            SM_T *Cb = C + i0;
            int first = p0 == 0;
            size_t j0 = 0;
            for (; j0 + SM_NR <= n; j0 += SM_NR)
                SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, SM_NR, mr, alpha, beta, first, Cb + j0 * ldc, ldc);
            /* the last n mod SM_NR columns, each width with its own unrolled copy */
            switch (n - j0) {
            case 7: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 7, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 6: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 6, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 5: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 5, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 4: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 4, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 3: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 3, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 2: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 2, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            case 1: SM_BLOCK(kc, Ap, la, Bp + j0 * bsj, bsp, bsj, 1, mr, alpha, beta, first, Cb + j0 * ldc, ldc); break;
            default: break;
            }
        }
    }
}

#undef SM_MR
