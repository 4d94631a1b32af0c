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

/* The rest of one draw whose first word u missed the fast path (which
 * fal__zig_normal, inline in qnet.h, took from the same stream). */
double fal__zig_slow(const fal__zig *z, fal_rng *r, uint64_t u)
{
    for (;;) {
        /* the layer from the low 7 bits, the value from the high 32: the
         * original shares bits between the two (a known, small defect) */
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
        u = fal_rng_next_inline(r);
    }
}

/* ---- float forward -------------------------------------------------------- */

/* Four units at a time, and 32 lanes at a time: the four accumulator
 * blocks (128 floats) stay in registers for the whole sum over the inputs,
 * so a step is one load of the previous layer's lanes and four multiply-adds
 * (the layer-2 product of A(7,40,40,1) is 80% of the work; accumulating in
 * memory made it store-bound, half the rate).  Each accumulator adds the
 * same terms in the same order as the plain loop at the end, so the blocks
 * give the same floats. */
#define QF_LANES 16
static void layer(size_t nin, size_t nout, size_t P, const float *restrict a, const float *restrict W,
                  const float *restrict b, float *restrict pre)
{
    size_t v = 0, pb = P - P % QF_LANES;
    for (; v + 4 <= nout; v += 4) {
        const float *w0 = W + v * nin, *w1 = w0 + nin, *w2 = w1 + nin, *w3 = w2 + nin;
        for (size_t p0 = 0; p0 < pb; p0 += QF_LANES) {
            float c0[QF_LANES], c1[QF_LANES], c2[QF_LANES], c3[QF_LANES];
            for (size_t p = 0; p < QF_LANES; p++) {
                c0[p] = b[v];
                c1[p] = b[v + 1];
                c2[p] = b[v + 2];
                c3[p] = b[v + 3];
            }
            for (size_t u = 0; u < nin; u++) {
                const float *x = a + u * P + p0;
                float s0 = w0[u], s1 = w1[u], s2 = w2[u], s3 = w3[u];
                for (size_t p = 0; p < QF_LANES; p++) {
                    float xp = x[p];
                    c0[p] += s0 * xp;
                    c1[p] += s1 * xp;
                    c2[p] += s2 * xp;
                    c3[p] += s3 * xp;
                }
            }
            float *o = pre + v * P + p0;
            for (size_t p = 0; p < QF_LANES; p++) {
                o[p] = c0[p];
                o[P + p] = c1[p];
                o[2 * P + p] = c2[p];
                o[3 * P + p] = c3[p];
            }
        }
        for (size_t r = 0; r < 4; r++) {
            float *o = pre + (v + r) * P;
            for (size_t p = pb; p < P; p++) o[p] = b[v + r];
            for (size_t u = 0; u < nin; u++) {
                const float *x = a + u * P;
                float s = W[(v + r) * nin + u];
                for (size_t p = pb; p < P; p++) o[p] += s * x[p];
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
