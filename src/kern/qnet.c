/* qnet.c -- kernels of the quantized networks (see qnet.h).
 *
 * The lanes are the 2^n0 inputs of the cube: a unit's pre-activation on
 * every input at once is one int32 vector (16 lanes per AVX-512 register),
 * so one weight change is one multiply-add over the lanes, and a unit's
 * truth table is the sign bits of its lanes, packed 64 to a word. */
#include <math.h>
#include <string.h>
#include "qnet.h"

void fal__qlanes_axpy(int32_t *restrict x, int32_t c, const int32_t *restrict y, size_t P)
{
    for (size_t p = 0; p < P; p++) x[p] += c * y[p];
}

void fal__qlanes_pack(const int32_t *x, size_t P, uint64_t *out)
{
    size_t nw = (P + 63) / 64;
    for (size_t w = 0; w < nw; w++) {
        uint64_t bits = 0;
        size_t lim = P - w * 64 < 64 ? P - w * 64 : 64;
        const int32_t *xx = x + w * 64;
        /* a compare per lane, OR'ed into the word: vectorises to a compare
         * into a mask register where the target has one */
        for (size_t p = 0; p < lim; p++) bits |= (uint64_t)(xx[p] >= 0) << p;
        out[w] = bits;
    }
}

void fal__qlanes_act(int act, const int32_t *restrict pre, int32_t *restrict out, size_t P)
{
    if (act == 0)
        for (size_t p = 0; p < P; p++) out[p] = pre[p] >= 0 ? 1 : -1;
    else if (act == 1)
        for (size_t p = 0; p < P; p++) out[p] = pre[p] >= 0 ? 1 : 0;
    else
        for (size_t p = 0; p < P; p++) out[p] = pre[p] > 0 ? pre[p] : 0;
}

/* ---- ziggurat ------------------------------------------------------------- */

#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3

void fal__zig_init(fal__zig *z)
{
    const double m1 = 2147483648.0;
    double dn = ZIG_R, tn = dn, vn = ZIG_V;
    double q = vn / exp(-0.5 * dn * dn);
    z->kn[0] = (uint32_t)((dn / q) * m1);
    z->kn[1] = 0;
    z->wn[0] = q / m1;
    z->wn[127] = dn / m1;
    z->fn[0] = 1.0;
    z->fn[127] = exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
        dn = sqrt(-2.0 * log(vn / dn + exp(-0.5 * dn * dn)));
        z->kn[i + 1] = (uint32_t)((dn / tn) * m1);
        tn = dn;
        z->fn[i] = exp(-0.5 * dn * dn);
        z->wn[i] = dn / m1;
    }
}

static double unif(fal_rng *r) { return ((double)(fal_rng_next_inline(r) >> 11) + 0.5) * 0x1.0p-53; }

double fal__zig_normal(const fal__zig *z, fal_rng *r)
{
    for (;;) {
        /* the layer from the low 7 bits, the value from the high 32: the
         * original shares bits between the two (a known, small defect) */
        uint64_t u = fal_rng_next_inline(r);
        int32_t hz = (int32_t)(uint32_t)(u >> 32);
        unsigned iz = (unsigned)(u & 127);
        uint32_t ahz = hz < 0 ? (uint32_t)(-(int64_t)hz) : (uint32_t)hz;
        if (ahz < z->kn[iz]) return hz * z->wn[iz];
        double x = hz * z->wn[iz];
        if (iz == 0) { /* the tail beyond R */
            double xx, yy;
            do {
                xx = -log(unif(r)) / ZIG_R;
                yy = -log(unif(r));
            } while (yy + yy < xx * xx);
            return hz > 0 ? ZIG_R + xx : -ZIG_R - xx;
        }
        if (z->fn[iz] + unif(r) * (z->fn[iz - 1] - z->fn[iz]) < exp(-0.5 * x * x)) return x;
    }
}

/* ---- float forward -------------------------------------------------------- */

/* Four units at a time: each lane vector of the previous layer is loaded
 * once for four accumulators (the layer-2 product of A(7,40,40,1) is 80%
 * of the work). */
static void layer(size_t nin, size_t nout, size_t P, const float *restrict a, const float *restrict W,
                  const float *restrict b, float *restrict pre)
{
    size_t v = 0;
    for (; v + 4 <= nout; v += 4) {
        float *p0 = pre + v * P, *p1 = p0 + P, *p2 = p1 + P, *p3 = p2 + P;
        for (size_t p = 0; p < P; p++) {
            p0[p] = b[v];
            p1[p] = b[v + 1];
            p2[p] = b[v + 2];
            p3[p] = b[v + 3];
        }
        for (size_t u = 0; u < nin; u++) {
            const float *x = a + u * P;
            float w0 = W[v * nin + u], w1 = W[(v + 1) * nin + u], w2 = W[(v + 2) * nin + u], w3 = W[(v + 3) * nin + u];
            for (size_t p = 0; p < P; p++) {
                float xp = x[p];
                p0[p] += w0 * xp;
                p1[p] += w1 * xp;
                p2[p] += w2 * xp;
                p3[p] += w3 * xp;
            }
        }
    }
    for (; v < nout; v++) {
        float *p0 = pre + v * P;
        for (size_t p = 0; p < P; p++) p0[p] = b[v];
        for (size_t u = 0; u < nin; u++) {
            const float *x = a + u * P;
            float w0 = W[v * nin + u];
            for (size_t p = 0; p < P; p++) p0[p] += w0 * x[p];
        }
    }
}

void fal__qfloat_forward(int act, size_t L, const size_t *n, size_t P, float *const *a, const float *const *W,
                         float *pre, uint64_t *out)
{
    size_t wpo = (P + 63) / 64;
    for (size_t l = 1; l <= L; l++) {
        const float *Wl = W[l], *bl = W[l] + n[l] * n[l - 1];
        layer(n[l - 1], n[l], P, a[l - 1], Wl, bl, pre);
        if (l < L) {
            float *o = a[l];
            size_t m = n[l] * P;
            if (act == 0)
                for (size_t i = 0; i < m; i++) o[i] = pre[i] >= 0 ? 1.0f : -1.0f;
            else if (act == 1)
                for (size_t i = 0; i < m; i++) o[i] = pre[i] >= 0 ? 1.0f : 0.0f;
            else
                for (size_t i = 0; i < m; i++) o[i] = pre[i] > 0 ? pre[i] : 0.0f;
        } else {
            for (size_t o = 0; o < n[L]; o++) {
                const float *x = pre + o * P;
                for (size_t w = 0; w < wpo; w++) {
                    uint64_t bits = 0;
                    size_t lim = P - w * 64 < 64 ? P - w * 64 : 64;
                    for (size_t p = 0; p < lim; p++) bits |= (uint64_t)(x[w * 64 + p] >= 0) << p;
                    out[o * wpo + w] = bits;
                }
            }
        }
    }
}
