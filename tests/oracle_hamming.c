/* oracle_hamming.c -- see oracle_hamming.h. */
#include "oracle_hamming.h"

/* The optimum by brute force: every partition of the k raw examples (with
 * repeats, not deduplicated) into <= C blocks, as restricted growth strings,
 * each block paying sum_bits min(ones, zeros). */
static uint64_t brute_cost(const uint64_t *x, const uint8_t *blk, size_t k, unsigned n, unsigned nb)
{
    uint64_t cost = 0, ones[16][8] = { { 0 } }, tot[16] = { 0 };
    for (size_t i = 0; i < k; i++) {
        tot[blk[i]]++;
        for (unsigned bit = 0; bit < n; bit++) ones[blk[i]][bit] += (x[i] >> bit) & 1;
    }
    for (unsigned b = 0; b < nb; b++)
        for (unsigned bit = 0; bit < n; bit++)
            cost += ones[b][bit] < tot[b] - ones[b][bit] ? ones[b][bit] : tot[b] - ones[b][bit];
    return cost;
}

uint64_t oracle_hamming_optimum(const uint64_t *x, size_t k, unsigned n, unsigned C)
{
    uint8_t blk[16] = { 0 }, mx[16] = { 0 }; /* mx[i] = max(blk[0..i-1]) + 1 */
    uint64_t best = UINT64_MAX;
    for (;;) {
        unsigned nb = 0;
        for (size_t i = 0; i < k; i++)
            if (blk[i] + 1u > nb) nb = blk[i] + 1u;
        uint64_t c = brute_cost(x, blk, k, n, nb);
        if (c < best) best = c;
        /* next restricted growth string with at most C blocks */
        size_t i = k;
        for (;;) {
            if (i == 1) return best; /* blk[0] stays 0 */
            i--;
            mx[i] = 0;
            for (size_t q = 0; q < i; q++)
                if (blk[q] + 1u > mx[i]) mx[i] = (uint8_t)(blk[q] + 1u);
            if (blk[i] < mx[i] && blk[i] + 1u < C) {
                blk[i]++;
                for (size_t q = i + 1; q < k; q++) blk[q] = 0;
                break;
            }
        }
    }
}

/* A 0/1 table of k rows of n columns from words. */
fal_table *oracle_bits_table(const uint64_t *x, size_t k, unsigned n)
{
    fal_table *t = NULL;
    if (fal_table_new(test_ctx(), k, n, FAL_REAL, &t) != FAL_OK) return NULL;
    double *v = fal_table_data(t);
    for (size_t i = 0; i < k; i++)
        for (unsigned c = 0; c < n; c++) v[i * n + c] = (double)((x[i] >> c) & 1);
    return t;
}

/* k clustered points of H^n from a test-owned generator: a few random
 * centres, each bit flipped with probability 1/4. */
void oracle_clustered_points(fal_rng *r, unsigned n, size_t k, uint64_t *x)
{
    uint64_t cent[3], mask = ((uint64_t)1 << n) - 1;
    for (int j = 0; j < 3; j++) cent[j] = fal_rng_next(r) & mask;
    for (size_t i = 0; i < k; i++) x[i] = (cent[fal_rng_below(r, 3)] ^ (fal_rng_next(r) & fal_rng_next(r))) & mask;
}
