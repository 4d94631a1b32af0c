/* bool_chain.c -- N1, the Boolean chain A(1,...,1) of identity/NOT units.
 *
 * The maths.  Unit i computes h_i = h_{i-1} XOR b_i, b_i = 1 for NOT; so
 * y = x XOR (b_1 XOR ... XOR b_L): the chain is the identity when the number
 * of NOTs is even and the negation when it is odd.  There are 2^L settings
 * and e = 2 functions; each function is realised by the 2^(L-1) settings of
 * its parity (log2 e = 1; the class of a setting is its parity).  One example
 * (x, t) says which parity is needed: b_1 XOR ... XOR b_L = x XOR t, and the
 * input space has two points, so that the seen input is mapped right means
 * both are.
 *
 * Storage and evaluation.  One bit per unit, packed in uint64 words
 * (src/kern/bits.h): depth 10^9 takes 125 MB.  The chain is never run unit
 * by unit: its function is the parity of a popcount over the words, summed
 * over fixed blocks in parallel (an integer sum, so the same at any thread
 * count); the unit-by-unit evaluation is the reference the tests compare it
 * with.
 *
 * Learning.  Start from fair random bits.  The rule: if the chain maps the
 * example wrong, flip one unit chosen uniformly at random (seeded); with
 * k > 1 examples (--data), flip when it is wrong on more than half of them
 * (every example disagreeing with the current parity is wrong at once, so
 * the parity either fits the majority or is one flip from it).  At most one
 * flip; the result is optimal on the training set (optimum_error =
 * min(#{t = x}, #{t != x}) / k).  --algo does not apply and is refused.
 *
 * Data.  Without --data a seeded teacher (identity or NOT, fair coin) labels
 * k examples (default 1) with fair random inputs; the test set is the whole
 * input space {0, 1} (both inputs; --test 0 drops it), and "unseen_error"
 * is the error on the inputs the training set did not contain.  With --data:
 * two 0/1 columns (x, t), the first k rows train, the rest test. */
#include "nets.h"

fal_status fal__run_bool_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    const fal__parity_spec sp = { "bool-chain", "flipping one unit", "not_units", "flipped_unit", 0, "0 or 1", -1 };
    return fal__run_parity_chain(ctx, cfg, res, &sp);
}
