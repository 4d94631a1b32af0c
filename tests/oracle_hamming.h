/* oracle_hamming.h -- test oracles shared by the N4 and N6 tests: the
 * optimal Hamming clustering by brute force, 0/1 tables, clustered points. */
#ifndef FALLACY_ORACLE_HAMMING_H
#define FALLACY_ORACLE_HAMMING_H

#include <stdint.h>
#include "test.h"

/* The optimum by brute force: every partition of the k <= 16 raw examples
 * (n <= 8 bits, with repeats) into <= C blocks, as restricted growth
 * strings, each block paying sum_bits min(ones, zeros). */
uint64_t oracle_hamming_optimum(const uint64_t *x, size_t k, unsigned n, unsigned C);
/* A 0/1 table of k rows of n columns from words (in test_ctx()). */
fal_table *oracle_bits_table(const uint64_t *x, size_t k, unsigned n);
/* k clustered points of H^n: three random centres, each bit flipped with
 * probability 1/4. */
void oracle_clustered_points(fal_rng *r, unsigned n, size_t k, uint64_t *x);

#endif
