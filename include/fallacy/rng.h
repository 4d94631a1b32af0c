/* fallacy/rng.h -- the random generator, a value type passed explicitly.
 *
 * xoshiro256** seeded by splitmix64.  There is no global generator: every
 * stochastic function takes a fal_rng *.  The same seed gives the same
 * stream on every machine (integer arithmetic; doubles are built from the top
 * 53 bits, normals by the polar method with a fixed-order rejection loop). */
#ifndef FALLACY_RNG_H
#define FALLACY_RNG_H

#include <stdint.h>

typedef struct fal_rng {
    uint64_t s[4];
} fal_rng;

/* Seed r from a 64-bit seed (any value, including 0). */
void fal_rng_seed(fal_rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t fal_rng_next(fal_rng *r);
/* The same, inlined for loops that draw per parameter. */
static inline uint64_t fal_rng_next_inline(fal_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}
/* Uniform double in [0, 1). */
double fal_rng_uniform(fal_rng *r);
/* Standard normal N(0, 1). */
double fal_rng_normal(fal_rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t fal_rng_below(fal_rng *r, uint64_t n);
/* Advance by 2^128 draws: successive jumps give independent streams. */
void fal_rng_jump(fal_rng *r);

/* A counter-based draw: 64 random bits that depend only on (key, i).  Used
 * where a value must be recomputed instead of stored (feedback-alignment
 * scalars of a 10^9-deep chain). */
uint64_t fal_hash64(uint64_t key, uint64_t i);
/* The same as a double in [0, 1). */
double fal_hash_uniform(uint64_t key, uint64_t i);

#endif
