/* ptf.h -- polynomial threshold gates over bit vectors: raw pointers, no
 * allocation, no error paths.
 *
 * A gate of degree d on p inputs computes [P(z) > 0] with
 *   P(z) = sum_S w_S phi_S(z)  over the monomials S of {0..p-1}, |S| <= d,
 * S = {} being the bias.  Inputs and outputs are bits (bit i of a word is
 * input i); the two conventions read a bit b as a number:
 *   heaviside  z_i = b_i in {0, 1}:         phi_S(z) = prod_{i in S} z_i = [S subset of b]
 *   sign       z_i = 2 b_i - 1 in {-1, +1}: phi_S(z) = prod_{i in S} z_i = (-1)^|S \ b|
 * and an output bit 1 means 1 (heaviside) or +1 (sign).  The sign of P(z) = 0
 * counts as "not positive" in both.  Weights are int64 so evaluation is exact.
 * A monomial is stored as its mask; a gate's monomials are listed by degree,
 * then by mask value (fal__ptf_monomials), the order of its weights. */
#ifndef FALLACY_KERN_PTF_H
#define FALLACY_KERN_PTF_H

#include <stddef.h>
#include <stdint.h>
#include "fallacy/rng.h"

/* sum_{j <= min(d, p)} C(p, j), the monomials of degree <= d in p variables;
 * UINT64_MAX if it does not fit 64 bits.  p <= 64. */
uint64_t fal__ptf_nmono(unsigned p, unsigned d);
/* The monomial masks of degree <= d in p variables, by degree then mask:
 * mono[fal__ptf_nmono(p, d)]. */
void fal__ptf_monomials(unsigned p, unsigned d, uint64_t *mono);
/* Position of mask in a list made by fal__ptf_monomials, SIZE_MAX if absent. */
size_t fal__ptf_find(const uint64_t *mono, size_t M, uint64_t mask);

/* P(z) of a gate with weights w[M] on monomials mono[M]; sign = 1 for the
 * +-1 convention. */
int64_t fal__ptf_sum(const uint64_t *mono, const int64_t *w, size_t M, int sign, uint64_t z);
/* The gate's output bit [P(z) > 0]. */
static inline unsigned fal__ptf_out(const uint64_t *mono, const int64_t *w, size_t M, int sign, uint64_t z)
{
    return fal__ptf_sum(mono, w, M, sign, z) > 0;
}

/* Exact interpolation, for d >= p.  a[2^p] holds v(b) = 2 f(b) - 1 in
 * {-1, +1} for every input b; afterwards a[S] is the coefficient of the
 * monomial S, such that P(b) = v(b) (heaviside: Moebius inversion,
 * |a[S]| <= 2^|S|) or P(b) = 2^p v(b) (sign: the unnormalised Walsh
 * transform, |a[S]| <= 2^p).  Either way [P > 0] = f on every input. */
void fal__ptf_interpolate(int64_t *a, unsigned p, int sign);

/* Weighted errors of a gate on P points: sum_i v[i] [out(z[i]) != y[i]]. */
uint64_t fal__ptf_errors(const uint64_t *mono, const int64_t *w, size_t M, int sign, const uint64_t *z,
                         const uint8_t *y, const uint64_t *v, size_t P);

/* Perceptron with pocket on P points z[i] with labels y[i] in {0, 1} and
 * weights v[i] (v = 0: the label is free).  w[M] is the start on entry and
 * the best weights seen (fewest weighted errors, checked after every epoch)
 * on return; cur[M] and order[P] are scratch.  Each epoch visits the points
 * in a fresh order drawn from r and adds (2 y - 1) phi(z) to the weights
 * after each mistake.  Stops at zero errors or after `epochs` epochs.
 * Returns the pocket's weighted errors; *ran receives the epochs run. */
uint64_t fal__ptf_fit(const uint64_t *mono, size_t M, int sign, const uint64_t *z, const uint8_t *y,
                      const uint64_t *v, size_t P, uint64_t epochs, fal_rng *r, int64_t *w, int64_t *cur,
                      uint32_t *order, uint64_t *ran);

#endif
