/* ptf.c -- polynomial threshold gate kernels (see ptf.h for the conventions).
 *
 * Why features are recomputed per point rather than stored: a monomial's
 * value is one AND (heaviside) or one AND + popcount (sign) on the input
 * word, about as cheap as loading a stored feature, and it keeps the kernels
 * free of allocation. */
#include <string.h>
#include "ptf.h"

uint64_t fal__ptf_nmono(unsigned p, unsigned d)
{
    uint64_t total = 0, c = 1; /* c = C(p, j) */
    for (unsigned j = 0; j <= d && j <= p; j++) {
        if (j > 0) {
            /* C(p, j) = C(p, j-1) (p - j + 1) / j, exact in 128 bits */
            unsigned __int128 t = (unsigned __int128)c * (p - j + 1) / j;
            if (t > UINT64_MAX) return UINT64_MAX;
            c = (uint64_t)t;
        }
        if (__builtin_add_overflow(total, c, &total)) return UINT64_MAX;
    }
    return total;
}

void fal__ptf_monomials(unsigned p, unsigned d, uint64_t *mono)
{
    size_t t = 0;
    uint64_t count = 1;
    for (unsigned j = 0; j <= d && j <= p; j++) {
        if (j > 0) count = (uint64_t)((unsigned __int128)count * (p - j + 1) / j);
        /* the masks of popcount j below 2^p in increasing order (Gosper's
         * hack); exactly C(p, j) of them, so the step past the last one,
         * which may overflow at p = 64, is never taken */
        uint64_t x = j == 64 ? UINT64_MAX : (((uint64_t)1 << j) - 1);
        for (uint64_t i = 0; i < count; i++) {
            mono[t++] = x;
            if (i + 1 < count) {
                uint64_t c = x & (0 - x), r = x + c;
                x = (((r ^ x) >> 2) / c) | r;
            }
        }
    }
}

static int mono_less(uint64_t a, uint64_t b)
{
    int pa = __builtin_popcountll(a), pb = __builtin_popcountll(b);
    return pa != pb ? pa < pb : a < b;
}

size_t fal__ptf_find(const uint64_t *mono, size_t M, uint64_t mask)
{
    size_t lo = 0, hi = M;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mono_less(mono[mid], mask)) lo = mid + 1;
        else hi = mid;
    }
    return lo < M && mono[lo] == mask ? lo : SIZE_MAX;
}

int64_t fal__ptf_sum(const uint64_t *mono, const int64_t *w, size_t M, int sign, uint64_t z)
{
    int64_t s = 0;
    uint64_t nz = ~z;
    if (sign) {
        for (size_t t = 0; t < M; t++) s += (__builtin_popcountll(mono[t] & nz) & 1) ? -w[t] : w[t];
    } else {
        for (size_t t = 0; t < M; t++)
            if (!(mono[t] & nz)) s += w[t];
    }
    return s;
}

void fal__ptf_interpolate(int64_t *a, unsigned p, int sign)
{
    size_t N = (size_t)1 << p;
    for (unsigned i = 0; i < p; i++) {
        size_t bit = (size_t)1 << i;
        for (size_t b = 0; b < N; b++) {
            if (b & bit) continue;
            int64_t lo = a[b], hi = a[b | bit];
            if (sign) {
                /* chi_S with i in S is +1 where b_i = 1, -1 where b_i = 0 */
                a[b] = lo + hi;
                a[b | bit] = hi - lo;
            } else {
                /* Moebius: c_S = sum_{T subset S} (-1)^|S \ T| v(T) */
                a[b | bit] = hi - lo;
            }
        }
    }
}

uint64_t fal__ptf_errors(const uint64_t *mono, const int64_t *w, size_t M, int sign, const uint64_t *z,
                         const uint8_t *y, const uint64_t *v, size_t P)
{
    uint64_t e = 0;
    for (size_t i = 0; i < P; i++)
        if (v[i] && fal__ptf_out(mono, w, M, sign, z[i]) != y[i]) e += v[i];
    return e;
}

/* w += s phi(z), s = +-1 */
static void ptf_update(const uint64_t *mono, int64_t *w, size_t M, int sign, uint64_t z, int64_t s)
{
    uint64_t nz = ~z;
    if (sign) {
        for (size_t t = 0; t < M; t++) w[t] += (__builtin_popcountll(mono[t] & nz) & 1) ? -s : s;
    } else {
        for (size_t t = 0; t < M; t++)
            if (!(mono[t] & nz)) w[t] += s;
    }
}

uint64_t fal__ptf_fit(const uint64_t *mono, size_t M, int sign, const uint64_t *z, const uint8_t *y,
                      const uint64_t *v, size_t P, uint64_t epochs, fal_rng *r, int64_t *w, int64_t *cur,
                      uint32_t *order, uint64_t *ran)
{
    uint64_t best = fal__ptf_errors(mono, w, M, sign, z, y, v, P), e = 0;
    size_t np = 0;
    for (size_t i = 0; i < P; i++)
        if (v[i]) order[np++] = (uint32_t)i;
    memcpy(cur, w, M * sizeof *cur);
    for (; e < epochs && best > 0; e++) {
        for (size_t i = np; i > 1; i--) {
            size_t j = (size_t)fal_rng_below(r, i);
            uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (size_t q = 0; q < np; q++) {
            size_t i = order[q];
            if (fal__ptf_out(mono, cur, M, sign, z[i]) != y[i]) ptf_update(mono, cur, M, sign, z[i], y[i] ? 1 : -1);
        }
        uint64_t err = fal__ptf_errors(mono, cur, M, sign, z, y, v, P);
        if (err < best) {
            best = err;
            memcpy(w, cur, M * sizeof *w);
        }
    }
    if (ran) *ran = e;
    return best;
}
