/* rng.c -- xoshiro256** (Blackman & Vigna) seeded by splitmix64. */
#include <math.h>
#include "internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fal_rng_seed(fal_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t fal_rng_next(fal_rng *r) { return fal_rng_next_inline(r); }

double fal_rng_uniform(fal_rng *r) { return (double)(fal_rng_next(r) >> 11) * 0x1.0p-53; }

/* Marsaglia's polar method; the second deviate is dropped so that the
 * generator stays a plain value with no cached state. */
double fal_rng_normal(fal_rng *r)
{
    for (;;) {
        double u = 2.0 * fal_rng_uniform(r) - 1.0;
        double v = 2.0 * fal_rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * log(s) / s);
    }
}

/* Lemire's multiply-shift with rejection. */
uint64_t fal_rng_below(fal_rng *r, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)fal_rng_next(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t) {
            m = (unsigned __int128)fal_rng_next(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void fal_rng_jump(fal_rng *r)
{
    static const uint64_t J[] = { 0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                  0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL };
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (J[i] & (1ULL << b)) {
                s0 ^= r->s[0]; s1 ^= r->s[1]; s2 ^= r->s[2]; s3 ^= r->s[3];
            }
            fal_rng_next(r);
        }
    r->s[0] = s0; r->s[1] = s1; r->s[2] = s2; r->s[3] = s3;
}

uint64_t fal_hash64(uint64_t key, uint64_t i)
{
    uint64_t x = key ^ (i * 0xd1342543de82ef95ULL);
    uint64_t a = splitmix64(&x);
    return a ^ splitmix64(&x);
}

double fal_hash_uniform(uint64_t key, uint64_t i) { return (double)(fal_hash64(key, i) >> 11) * 0x1.0p-53; }
