/* test_walks.c -- I1 class walks of N3 (bool) and N6 (threshold-ae),
 * src/info/walks.c.  The claim: a trained network can move far inside its
 * class -- relabelling a hidden layer's codes (N3), permuting hidden units
 * and rescaling gates by positive integers (N6) -- without changing its
 * output on any input.  The oracles: the function on all 2^n0 inputs by an
 * evaluator written here from the table layout (bitslice.h) and by the
 * family's own kernel, a relabelling written here independently of the
 * library's, and negative controls (a move that breaks the class) that the
 * same comparisons must catch. */
#include <string.h>
#include "test.h"
#include "../src/info/walks.h"
#include "../src/kern/ptf.h"

/* ---- helpers ---------------------------------------------------------------- */

#define NAME(w) ((w) ? (w) : "default")

static fal_config config(const char *family, fal_arch *arch, uint64_t seed)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    cfg.arch = arch;
    cfg.seed = seed;
    return cfg;
}

static fal_arch *arch_of(const char *text)
{
    fal_arch *a = NULL;
    return text && fal_arch_parse(test_ctx(), text, &a) == FAL_OK ? a : NULL;
}

static fal_status train_bool(const char *widths, uint64_t seed, fal__bool_net *net)
{
    fal_arch *a = arch_of(widths);
    fal_config cfg = config("bool", a, seed);
    fal_result res;
    memset(&res, 0, sizeof res);
    fal_status st = fal__bool_run(test_ctx(), &cfg, &res, net);
    fal_result_clear(&res);
    fal_arch_free(a);
    return st;
}

static unsigned bit_at(const uint64_t *t, uint64_t b) { return (unsigned)(t[b >> 6] >> (b & 63)) & 1u; }

static void flip_at(uint64_t *t, uint64_t b) { t[b >> 6] ^= UINT64_C(1) << (b & 63); }

/* The network on input x, read straight from the layout: unit j of layer i
 * outputs bit off[i-1] + j 2^n_{i-1} + (the previous layer as a number). */
static uint64_t bool_eval_to(const fal__bool_net *net, uint64_t x, size_t layers)
{
    for (size_t i = 1; i <= layers; i++) {
        size_t m = net->width[i - 1];
        uint64_t y = 0;
        for (size_t j = 0; j < net->width[i]; j++)
            y |= (uint64_t)bit_at(net->tab, net->off[i - 1] + ((uint64_t)j << m) + x) << j;
        x = y;
    }
    return x;
}

static uint64_t bool_eval(const fal__bool_net *net, uint64_t x) { return bool_eval_to(net, x, net->L); }

/* Inputs of H^n0 on which a and b differ (outputs of up to 64 bits). */
static uint64_t bool_differ(const fal__bool_net *a, const fal__bool_net *b)
{
    uint64_t d = 0;
    for (uint64_t x = 0; x < (UINT64_C(1) << a->width[0]); x++) d += bool_eval(a, x) != bool_eval(b, x);
    return d;
}

/* The XOR relabelling, written apart from the library's: units j of layer i
 * with mask bit j negate their tables; every table of layer i+1 reads entry
 * c xor mask where it read c. */
static void xor_relabel(fal__bool_net *net, size_t i, uint64_t mask)
{
    size_t m = net->width[i - 1], n = net->width[i];
    for (size_t j = 0; j < n; j++)
        if (mask >> j & 1)
            for (uint64_t a = 0; a < (UINT64_C(1) << m); a++) flip_at(net->tab, net->off[i - 1] + (j << m) + a);
    for (size_t q = 0; q < net->width[i + 1]; q++) {
        uint64_t base = net->off[i] + ((uint64_t)q << n);
        for (uint64_t c = 0; c < (UINT64_C(1) << n); c++)
            if (c < (c ^ mask) && bit_at(net->tab, base + c) != bit_at(net->tab, base + (c ^ mask))) {
                flip_at(net->tab, base + c); /* swap entries c and c xor mask */
                flip_at(net->tab, base + (c ^ mask));
            }
    }
}

/* ---- N3 ------------------------------------------------------------------- */

/* The walk itself: outputs unchanged on every input, half the bits moved. */
TEST(test_n3_walk_keeps_the_function_and_moves_far)
{
    static const struct {
        const char *widths;
        uint64_t seed;
        size_t examples;
    } cases[] = {
        { NULL, 1, 0 },          /* the default A(6, 8, 8, 3) */
        { "3,5,4,2", 2, 0 },
        { "4,4,4,4,3", 3, 0 },
        { "5,7,5", 4, 0 },
        { "2,3,3,3,2", 5, 0 },
        { "6,6,6,2", 6, 20 },    /* 20 of 64 inputs seen: mostly free bits */
    };
    fal_ctx *ctx = test_ctx();
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fal_arch *a = arch_of(cases[c].widths);
        fal_config cfg = config("bool", a, cases[c].seed);
        if (cases[c].examples) {
            cfg.examples = cases[c].examples;
            cfg.examples_set = 1;
        }
        fal_walk wk, again;
        CHECK_OK(fal__walk_bool(ctx, &cfg, 200, &wk));
        CHECK(wk.moves == 200);
        CHECK_MSG(wk.max_output_change == 0.0, "%s: output change %g", NAME(cases[c].widths), wk.max_output_change);
        CHECK_MSG(wk.param_distance > 0.35 && wk.param_distance < 0.65, "%s: distance %g", NAME(cases[c].widths),
                  wk.param_distance);
        /* the same seed, the same walk */
        CHECK_OK(fal__walk_bool(ctx, &cfg, 200, &again));
        CHECK(again.param_distance == wk.param_distance);
        /* no move, no distance */
        CHECK_OK(fal__walk_bool(ctx, &cfg, 0, &again));
        CHECK(again.param_distance == 0.0 && again.max_output_change == 0.0);
        fal_arch_free(a);
    }
}

/* Every kind of move on every hidden layer, checked by the evaluator above
 * on all inputs; the relabelling written here agrees. */
TEST(test_n3_walk_moves_checked_independently)
{
    fal_ctx *ctx = test_ctx();
    fal__bool_net net, moved;
    CHECK_OK(train_bool("4,5,4,3,2", 7, &net));
    fal_rng r;
    fal_rng_seed(&r, 11);
    for (size_t i = 1; i < net.L; i++)
        for (int kind = FAL__BWALK_XOR; kind <= FAL__BWALK_CODES; kind++) {
            CHECK_OK(fal__bwalk_copy(ctx, &net, &moved));
            CHECK_OK(fal__bwalk_move(ctx, &moved, i, (fal__bwalk_kind)kind, &r));
            CHECK_MSG(bool_differ(&net, &moved) == 0, "layer %zu, kind %d", i, kind);
            fal_walk wk;
            CHECK_OK(fal__bwalk_compare(ctx, &net, &moved, 1, &wk));
            CHECK(wk.max_output_change == 0.0 && wk.param_distance > 0.0);
            fal__bool_net_free(ctx, &moved);
        }
    /* the XOR move by hand: units 0 and 2 of layer 1 (mask 5) */
    CHECK_OK(fal__bwalk_copy(ctx, &net, &moved));
    xor_relabel(&moved, 1, 5);
    CHECK(bool_differ(&net, &moved) == 0);
    uint64_t ham = 0;
    for (size_t q = 0; q < net.words; q++) ham += (uint64_t)__builtin_popcountll(net.tab[q] ^ moved.tab[q]);
    CHECK(ham >= 2 * 16); /* two tables of 2^4 bits negated, at least */
    fal_walk wk;
    CHECK_OK(fal__bwalk_compare(ctx, &net, &moved, 1, &wk));
    CHECK(wk.max_output_change == 0.0);
    CHECK_NEAR(wk.param_distance, (double)ham / (double)net.w, 0);
    fal__bool_net_free(ctx, &moved);
    fal__bool_net_free(ctx, &net);
}

/* Negative control: negating a hidden unit's table without fixing the next
 * layer leaves the class, and both comparisons see it. */
TEST(test_n3_walk_broken_move_changes_outputs)
{
    fal_ctx *ctx = test_ctx();
    fal__bool_net net, broken;
    CHECK_OK(train_bool("4,5,4,3,2", 7, &net));
    for (size_t i = 1; i < net.L; i++) {
        CHECK_OK(fal__bwalk_copy(ctx, &net, &broken));
        size_t m = net.width[i - 1];
        for (uint64_t a = 0; a < (UINT64_C(1) << m); a++) flip_at(broken.tab, net.off[i - 1] + a); /* unit 0 */
        uint64_t d = bool_differ(&net, &broken);
        CHECK_MSG(d > 0, "layer %zu: negating unit 0 alone changed nothing", i);
        fal_walk wk;
        CHECK_OK(fal__bwalk_compare(ctx, &net, &broken, 1, &wk));
        CHECK(wk.max_output_change > 0.0);
        fal__bool_net_free(ctx, &broken);
    }
    /* the output layer: unit 0's entry at the code input 0 reaches */
    CHECK_OK(fal__bwalk_copy(ctx, &net, &broken));
    flip_at(broken.tab, net.off[net.L - 1] + bool_eval_to(&net, 0, net.L - 1));
    fal_walk wk;
    CHECK_OK(fal__bwalk_compare(ctx, &net, &broken, 1, &wk));
    CHECK(bool_differ(&net, &broken) > 0);
    CHECK(wk.max_output_change > 0.0);
    fal__bool_net_free(ctx, &broken);
    fal__bool_net_free(ctx, &net);
}

TEST(test_n3_walk_refuses_without_hidden_layer)
{
    fal_arch *a = arch_of("3,2");
    fal_config cfg = config("bool", a, 1);
    fal_walk wk;
    CHECK(fal__walk_bool(test_ctx(), &cfg, 10, &wk) == FAL_EINVAL);
    fal_arch_free(a);
}

/* ---- N6 ------------------------------------------------------------------- */

static fal_status train_thr(const char *widths, uint64_t seed, unsigned degree, fal_units units, fal__thr_ae_net *net)
{
    fal_arch *a = arch_of(widths);
    fal_config cfg = config("threshold-ae", a, seed);
    cfg.degree = degree;
    cfg.units = units;
    fal_result res;
    memset(&res, 0, sizeof res);
    fal_status st = fal__thr_ae_run(test_ctx(), &cfg, &res, net);
    fal_result_clear(&res);
    fal_arch_free(a);
    return st == FAL_ENOCONV ? FAL_OK : st;
}

/* Inputs of H^n on which a and b differ, by the family's evaluation. */
static uint64_t thr_differ(const fal__thr_ae_net *a, const fal__thr_ae_net *b)
{
    uint64_t d = 0;
    for (uint64_t x = 0; x < (UINT64_C(1) << a->layer[0].p); x++) d += fal__thr_ae_eval(a, x) != fal__thr_ae_eval(b, x);
    return d;
}

TEST(test_n6_walk_keeps_the_function_and_moves_far)
{
    static const struct {
        const char *widths;
        uint64_t seed;
        unsigned degree;
        fal_units units;
    } cases[] = {
        { NULL, 1, 1, FAL_UNITS_SIGN },        /* the default A(8, 2, 8) */
        { "6,3,6", 2, 1, FAL_UNITS_HEAVISIDE },
        { "6,4,2,4,6", 3, 1, FAL_UNITS_SIGN }, /* wide layers with free gates */
        { "5,2,5", 4, 2, FAL_UNITS_SIGN },     /* degree 2: monomials z_a z_b permuted */
        { "4,2,4", 5, 4, FAL_UNITS_HEAVISIDE },/* degree >= n: interpolated gates */
    };
    fal_ctx *ctx = test_ctx();
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fal_arch *a = arch_of(cases[c].widths);
        fal_config cfg = config("threshold-ae", a, cases[c].seed);
        cfg.degree = cases[c].degree;
        cfg.units = cases[c].units;
        fal_walk wk;
        CHECK_OK(fal__walk_threshold_ae(ctx, &cfg, 100, &wk));
        CHECK(wk.moves == 100);
        CHECK_MSG(wk.max_output_change == 0.0, "%s: output change %g", NAME(cases[c].widths), wk.max_output_change);
        CHECK_MSG(wk.param_distance > 0.4, "%s: distance %g", NAME(cases[c].widths), wk.param_distance);
        fal_arch_free(a);
    }
}

/* Each move alone, checked on all 2^n inputs by fal__thr_ae_eval; the
 * negative controls (a rescaling by -1, an encoder permuted without its
 * decoder) change the outputs and the comparison says so. */
TEST(test_n6_walk_moves_checked_and_broken_moves_caught)
{
    fal_ctx *ctx = test_ctx();
    fal__thr_ae_net net, moved;
    CHECK_OK(train_thr("6,3,6", 9, 2, FAL_UNITS_SIGN, &net));
    const unsigned pi[3] = { 2, 0, 1 };
    fal_walk wk;

    CHECK_OK(fal__twalk_copy(ctx, &net, &moved));
    CHECK_OK(fal__twalk_permute(ctx, &moved, 1, pi));
    CHECK(thr_differ(&net, &moved) == 0);
    CHECK_OK(fal__twalk_compare(ctx, &net, &moved, 1, &wk));
    CHECK(wk.max_output_change == 0.0 && wk.param_distance > 0.0);
    fal__thr_ae_net_free(ctx, &moved);

    CHECK_OK(fal__twalk_copy(ctx, &net, &moved));
    for (size_t l = 0; l < moved.L; l++)
        for (unsigned j = 0; j < moved.layer[l].width; j++) fal__twalk_rescale(&moved, l, j, 7);
    CHECK(thr_differ(&net, &moved) == 0);
    CHECK_OK(fal__twalk_compare(ctx, &net, &moved, 1, &wk));
    CHECK(wk.max_output_change == 0.0);
    size_t nonzero = 0;
    for (size_t t = 0; t < net.nw; t++) nonzero += net.wblock[t] != 0;
    CHECK_NEAR(wk.param_distance, (double)nonzero / (double)net.nw, 0); /* every nonzero weight moved */
    fal__thr_ae_net_free(ctx, &moved);

    /* broken: a decoder gate negated */
    CHECK_OK(fal__twalk_copy(ctx, &net, &moved));
    fal__twalk_rescale(&moved, 1, 0, -1);
    CHECK(thr_differ(&net, &moved) > 0);
    CHECK_OK(fal__twalk_compare(ctx, &net, &moved, 1, &wk));
    CHECK(wk.max_output_change > 0.0);
    fal__thr_ae_net_free(ctx, &moved);

    /* broken: two encoder rows swapped, the decoder left alone */
    CHECK_OK(fal__twalk_copy(ctx, &net, &moved));
    size_t M = moved.layer[0].M;
    for (size_t t = 0; t < M; t++) {
        int64_t s = moved.layer[0].w[t];
        moved.layer[0].w[t] = moved.layer[0].w[M + t];
        moved.layer[0].w[M + t] = s;
    }
    CHECK(thr_differ(&net, &moved) > 0);
    CHECK_OK(fal__twalk_compare(ctx, &net, &moved, 1, &wk));
    CHECK(wk.max_output_change > 0.0);
    fal__thr_ae_net_free(ctx, &moved);
    fal__thr_ae_net_free(ctx, &net);
}

TEST(test_n6_walk_refuses_wide_inputs)
{
    fal_arch *a = arch_of("21,2,21");
    fal_config cfg = config("threshold-ae", a, 1);
    fal_walk wk;
    CHECK(fal__walk_threshold_ae(test_ctx(), &cfg, 10, &wk) == FAL_EINVAL);
    fal_arch_free(a);
}
