/* bits.h -- bit-packed parameter blocks for the chains of one-bit units
 * (N1: identity or NOT; N5: the sign of a threshold weight).
 *
 * Layout.  Parameter i (0-based, unit i + 1 of the chain) is bit i % 64 of
 * word i / 64; a block of n bits has fal__bits_words(n) = ceil(n / 64)
 * words and the unused high bits of the last word are kept at 0, so that a
 * popcount over whole words counts parameters only.
 *
 * Fixed blocks.  Sweeps over the words run over blocks of
 * FAL__BITS_BLOCK_WORDS words (2^20 bits), in parallel with `threads`
 * OpenMP threads.  Random fills draw block b from its own stream seeded by
 * fal_hash64(key, b), and counts are integer sums: the result is the same
 * bit for bit whatever the thread count.
 *
 * Kernels: raw pointers, no allocation, no error paths. */
#ifndef FALLACY_BITS_H
#define FALLACY_BITS_H

#include <stddef.h>
#include <stdint.h>

#define FAL__BITS_BLOCK_WORDS ((size_t)1 << 14)

/* Words holding n bits: ceil(n / 64). */
static inline size_t fal__bits_words(uint64_t n) { return (size_t)((n + 63) / 64); }
static inline int fal__bits_get(const uint64_t *w, uint64_t i) { return (int)((w[i >> 6] >> (i & 63)) & 1); }
static inline void fal__bits_flip(uint64_t *w, uint64_t i) { w[i >> 6] ^= (uint64_t)1 << (i & 63); }

/* w[0 .. ceil(n/64)) <- n independent fair bits, tail bits 0. */
void fal__bits_random(uint64_t *w, uint64_t n, uint64_t key, int threads);
/* Number of set bits in w[0 .. nwords). */
uint64_t fal__bits_popcount(const uint64_t *w, size_t nwords, int threads);

/* ---- the chains, unit by unit: the references for the word sweeps ------- */

/* N1: a chain of n units, unit i the identity (bit 0) or NOT (bit 1), on
 * input x in {0, 1}: apply each unit in turn.  Returns the output bit. */
int fal__bool_chain_ref(const uint64_t *w, uint64_t n, int x);

/* N5: a chain of n threshold units with weights w_i = -1 (bit 1) or +1
 * (bit 0), each evaluated in integers under one of these conventions:
 *   SIGN     h_i = sign(w_i h_{i-1}),           values in {-1, +1};
 *   HALF     h_i = H(w_i (h_{i-1} - 1/2)),      values in {0, 1}: the 0/1
 *            unit with its threshold tied to its weight (the +-1 unit read
 *            through h = (s + 1)/2), evaluated as H(w_i (2 h - 1));
 *   H0_ZERO  h_i = H(w_i h_{i-1}), H(0) = 0,    values in {0, 1}, no bias;
 *   H0_ONE   h_i = H(w_i h_{i-1}), H(0) = 1,    values in {0, 1}, no bias.
 * x and the result are in the convention's values. */
typedef enum fal__thr_conv {
    FAL__THR_SIGN = 0,
    FAL__THR_HALF,
    FAL__THR_H0_ZERO,
    FAL__THR_H0_ONE
} fal__thr_conv;
int fal__thr_chain_ref(const uint64_t *w, uint64_t n, int x, fal__thr_conv conv);

#endif
