/* qnet.h -- kernels of the quantized networks (src/info/qnet.c): integer
 * lanes over the cube's inputs, packing to truth-table bits, a ziggurat
 * normal generator and the float forward pass of the Gaussian sampler.
 * Raw pointers, no allocation, no error paths. */
#ifndef FALLACY_KERN_QNET_H
#define FALLACY_KERN_QNET_H

#include <stddef.h>
#include <stdint.h>
#include "fallacy/rng.h"

/* x[p] += c * y[p] for p < P. */
void fal__qlanes_axpy(int32_t *x, int32_t c, const int32_t *y, size_t P);
/* Pack [x[p] >= 0] into bits: out[p / 64] bit p % 64 (ceil(P / 64) words,
 * the unused high bits of the last word zero). */
void fal__qlanes_pack(const int32_t *x, size_t P, uint64_t *out);
/* act: 0 sign (+-1, sign(0) = +1), 1 heaviside (0/1, H(0) = 1), 2 relu. */
void fal__qlanes_act(int act, const int32_t *pre, int32_t *out, size_t P);

/* Ziggurat normals (Marsaglia and Tsang, 2000; 128 layers), exact N(0, 1)
 * up to the 53-bit uniforms of the tails.  The tables are computed once by
 * fal__zig_init (a value, no global state). */
typedef struct fal__zig {
    uint32_t kn[128];
    double wn[128], fn[128];
} fal__zig;
void fal__zig_init(fal__zig *z);
double fal__zig_slow(const fal__zig *z, fal_rng *r, uint64_t u);
/* One normal.  The fast path (about 99% of draws: a table compare) is
 * inline because the Gaussian sampler draws ~2000 normals per network and a
 * call per normal cost a third of its time; the rest is fal__zig_slow, on
 * the same stream, so the numbers do not depend on the split. */
static inline double fal__zig_normal(const fal__zig *z, fal_rng *r)
{
    uint64_t u = fal_rng_next_inline(r);
    int32_t hz = (int32_t)(uint32_t)(u >> 32);
    unsigned iz = (unsigned)(u & 127);
    uint32_t ahz = hz < 0 ? (uint32_t)(-(int64_t)hz) : (uint32_t)hz;
    if (ahz < z->kn[iz]) return hz * z->wn[iz];
    return fal__zig_slow(z, r, u);
}

/* The forward pass of a real-weight network on P inputs: a[l] holds layer
 * l's activations unit-major (n[l] x P floats), a[0] the inputs; W[l] the
 * n[l] x n[l-1] weights (row-major) then the n[l] biases.  act as above.
 * The output bits of unit o go to out[o * ceil(P / 64) ...]. */
void fal__qfloat_forward(int act, size_t L, const size_t *n, size_t P, float *const *a, const float *const *W,
                         float *pre, uint64_t *out);

#endif
