/* threshold_chain.c -- N5, the chain A(1,...,1) of threshold units without
 * bias.
 *
 * The maths.  --units sign (default): h_i = sign(w_i h_{i-1}) on values
 * +-1; w_i h_{i-1} is never 0 (w_i != 0), and the unit is the identity when
 * w_i > 0 and the negation when w_i < 0.  So y = x times (-1)^(number of
 * negative weights): the identity or the negation by the parity of the
 * negative weights (e = 2, log2 e = 1).
 *
 * --units heaviside: on 0/1 values the claim needs a convention.  The plain
 * unit H(w h) without bias sees w h = 0 whenever h = 0 and outputs H(0)
 * whatever w is: with H(0) = 0 a negative weight makes the constant 0 and
 * the chain computes the identity (every weight positive) or the constant
 * 0 (2^L - 1 settings); with H(0) = 1 a positive weight makes the
 * constant 1, a negative one NOT, and the chain computes a constant unless
 * every weight is negative.  Neither is "identity or negation by parity":
 * without a bias the identity needs H(0) = 0 (0 -> 0) and the negation
 * needs H(0) = 1 (0 -> 1), so no convention for H(0) offers both units.
 * We therefore use the 0/1
 * unit with its threshold tied to its weight, h_i = H(w_i (h_{i-1} - 1/2)):
 * the +-1 unit read through h = (s + 1)/2, one parameter per unit, never at
 * H(0), identity for w_i > 0 and NOT for w_i < 0.  (A free bias, H(w h - b),
 * adds L parameters and the two constants: e = 4, and one example no longer
 * fixes the function.)  src/kern/bits.c evaluates all four conventions unit
 * by unit; the tests enumerate them.
 *
 * Parameters.  The function depends on the weights only through their
 * signs (positive rescaling of any weight leaves every unit unchanged), so
 * one bit per weight stores the quotient by that rescaling: bit 1 = a
 * negative weight, read as w_i = -1, else +1.  The 2^L sign patterns are the
 * 2^L orthants of R^L minus the hyperplanes w_i = 0; 2^(L-1) of them
 * realise each function.  Evaluation and learning are integer and bitset
 * operations (the function is the parity of a popcount, src/kern/bits.h).
 *
 * Learning.  Start with fair random signs.  If the chain is wrong on the
 * example (with k > 1: on more than half of the training examples), flip
 * the sign of one weight chosen uniformly at random (seeded).  That is the
 * perceptron rule applied to unit i: since the units above it are each the
 * identity or the negation, unit i's required output is the opposite of its
 * present one, t_i = -h_i, and w_i <- w_i + eta t_i h_{i-1} with
 * eta = 2|w_i| gives w_i <- -w_i (with --units heaviside in the +-1 reading
 * s = 2h - 1).  At most one flip; the result is optimal on the training
 * set.
 *
 * Data.  Without --data, a seeded teacher (identity or negation) labels k
 * examples (default 1) with fair random inputs; the test set is the whole
 * input space (both inputs; --test 0 drops it).  With --data: two columns
 * (x, t) with values 0/1, or -1/+1 with --units sign (0 is read as -1
 * there); the first k rows train, the rest test. */
#include "nets.h"

fal_status fal__run_threshold_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    int heavi = cfg->units == FAL_UNITS_HEAVISIDE;
    const fal__parity_spec sp = { "threshold-chain", "flipping one weight's sign", "negative_weights", "flipped_weight",
                                  !heavi, heavi ? "0 or 1 (--units heaviside)" : "-1, 0 or 1 (--units sign)", heavi };
    return fal__run_parity_chain(ctx, cfg, res, &sp);
}
