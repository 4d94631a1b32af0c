/* bits.c -- sweeps over bit-packed parameter blocks (see bits.h).
 *
 * A chain of identity/NOT units computes x XOR (parity of the NOTs), so
 * evaluating a 10^9-unit chain is one popcount sweep over 125 MB: the
 * word-parallel form of applying the units one by one (fal__bool_chain_ref,
 * against which the tests check it). */
#include "bits.h"
#include "fallacy/rng.h"

void fal__bits_random(uint64_t *w, uint64_t n, uint64_t key, int threads)
{
    size_t nw = fal__bits_words(n);
    long nb = (long)((nw + FAL__BITS_BLOCK_WORDS - 1) / FAL__BITS_BLOCK_WORDS);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long b = 0; b < nb; b++) {
        fal_rng r;
        fal_rng_seed(&r, fal_hash64(key, (uint64_t)b));
        size_t lo = (size_t)b * FAL__BITS_BLOCK_WORDS;
        size_t hi = nw - lo < FAL__BITS_BLOCK_WORDS ? nw : lo + FAL__BITS_BLOCK_WORDS;
        for (size_t i = lo; i < hi; i++) w[i] = fal_rng_next_inline(&r);
    }
    if (n % 64) w[nw - 1] &= ((uint64_t)1 << (n % 64)) - 1;
}

uint64_t fal__bits_popcount(const uint64_t *w, size_t nwords, int threads)
{
    long nb = (long)((nwords + FAL__BITS_BLOCK_WORDS - 1) / FAL__BITS_BLOCK_WORDS);
    uint64_t total = 0;
    /* an integer sum: exact, so the order the blocks are added in is moot */
#pragma omp parallel for schedule(static) num_threads(threads) reduction(+ : total)
    for (long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * FAL__BITS_BLOCK_WORDS;
        size_t hi = nwords - lo < FAL__BITS_BLOCK_WORDS ? nwords : lo + FAL__BITS_BLOCK_WORDS;
        uint64_t c = 0;
        for (size_t i = lo; i < hi; i++) c += (uint64_t)__builtin_popcountll(w[i]);
        total += c;
    }
    return total;
}

int fal__bool_chain_ref(const uint64_t *w, uint64_t n, int x)
{
    for (uint64_t i = 0; i < n; i++) x = fal__bits_get(w, i) ? !x : x;
    return x;
}

int fal__thr_chain_ref(const uint64_t *w, uint64_t n, int x, fal__thr_conv conv)
{
    int h = x;
    for (uint64_t i = 0; i < n; i++) {
        int wi = fal__bits_get(w, i) ? -1 : 1, u;
        switch (conv) {
        case FAL__THR_SIGN: /* w h is never 0 on +-1 values */
            h = wi * h > 0 ? 1 : -1;
            break;
        case FAL__THR_HALF: /* H(w (h - 1/2)) = H(w (2h - 1)): never at 0 */
            h = wi * (2 * h - 1) > 0;
            break;
        default: /* H(w h): at h = 0 the unit outputs H(0) whatever w */
            u = wi * h;
            h = u > 0 ? 1 : u < 0 ? 0 : (conv == FAL__THR_H0_ONE);
            break;
        }
    }
    return h;
}
