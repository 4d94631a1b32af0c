/* walks.h -- class walks of the discrete families N3 (bool) and N6
 * (threshold-ae): train a network, make random moves that keep its
 * function, report how far the parameters moved and that the outputs did
 * not (fal_walk, include/fallacy/classes.h).  fal_classes_walk dispatches
 * here; the moves and the measure are exposed for the tests. */
#ifndef FALLACY_INFO_WALKS_H
#define FALLACY_INFO_WALKS_H

#include "fallacy/classes.h"
#include "../nets/boolean.h"
#include "../nets/hamming.h"

/* N3: a network trained by fal__bool_run, then `moves` relabellings of a
 * random hidden layer's codes.  max_output_change: the fraction of output
 * bits that differ on all 2^n0 inputs; param_distance: the fraction of the
 * w table bits that differ.  FAL_EINVAL without a hidden layer. */
fal_status fal__walk_bool(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out);

/* N6: a network trained by fal__thr_ae_run, then `moves` moves, each a
 * random permutation of a random hidden layer's units (with the matching
 * substitution in the next layer's monomials) and a rescaling of a random
 * gate by a positive integer.  max_output_change: the fraction of output
 * bits that differ on all 2^n inputs (n <= FAL__WALK_THR_MAX_N);
 * param_distance: the fraction of the weights that differ. */
#define FAL__WALK_THR_MAX_N 20
fal_status fal__walk_threshold_ae(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out);

/* ---- the pieces, for the tests ------------------------------------------ */

/* N3 relabellings of hidden layer i (1 <= i < L): a permutation sigma of
 * its 2^n_i codes, realised in layer i's tables (every entry's code c
 * becomes sigma(c)) and layer i+1's (entry sigma(c) takes entry c's bit). */
typedef enum fal__bwalk_kind {
    FAL__BWALK_XOR,     /* sigma(c) = c xor mask: negate the masked units' tables, permute the next tables' entries */
    FAL__BWALK_UNITS,   /* sigma permutes the code's bits: the units of layer i, and layer i+1's inputs */
    FAL__BWALK_CODES    /* sigma a uniformly random permutation of the 2^n_i codes */
} fal__bwalk_kind;
fal_status fal__bwalk_move(fal_ctx *ctx, fal__bool_net *net, size_t i, fal__bwalk_kind kind, fal_rng *r);
/* A deep copy (dst is overwritten; free it with fal__bool_net_free). */
fal_status fal__bwalk_copy(fal_ctx *ctx, const fal__bool_net *src, fal__bool_net *dst);
/* a and b of one architecture: the fraction of output bits that differ on
 * all 2^n0 inputs (bit-sliced, fal__bs_eval), the larger of it and the same
 * fraction by the one-pattern reference (fal__bs_ref_eval) on all inputs or
 * 4096 drawn from seed; FAL_EINTERNAL if the two evaluations disagree on a
 * network.  param_distance: the fraction of differing table bits. */
fal_status fal__bwalk_compare(fal_ctx *ctx, const fal__bool_net *a, const fal__bool_net *b, uint64_t seed,
                              fal_walk *out);

/* N6: unit j of hidden layer i (1 <= i < L: the outputs of net->layer[i-1],
 * the inputs of net->layer[i]) becomes unit pi[j]: layer i-1's weight rows
 * move, and in layer i every monomial S's weight moves to pi(S). */
fal_status fal__twalk_permute(fal_ctx *ctx, fal__thr_ae_net *net, size_t i, const unsigned *pi);
/* Multiply the weights (bias included) of gate j of net->layer[l] by c; c > 0
 * keeps the function, c < 0 is the tests' negative control. */
void fal__twalk_rescale(fal__thr_ae_net *net, size_t l, unsigned j, int64_t c);
fal_status fal__twalk_copy(fal_ctx *ctx, const fal__thr_ae_net *src, fal__thr_ae_net *dst);
/* As fal__bwalk_compare: fal__thr_ae_eval on all 2^n inputs, checked
 * against an evaluation written from ptf.h's definitions on all inputs or
 * 4096 drawn from seed; param_distance: the fraction of differing weights. */
fal_status fal__twalk_compare(fal_ctx *ctx, const fal__thr_ae_net *a, const fal__thr_ae_net *b, uint64_t seed,
                              fal_walk *out);

#endif
