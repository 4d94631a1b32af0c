/* test_bool.c -- N3: unrestricted Boolean networks A(n0, ..., nL). */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/kern/bitslice.h"

/* w = sum_i n_i 2^(n_{i-1}), computed here without the library. */
static uint64_t closed_form_w(const size_t *wd, size_t L)
{
    uint64_t w = 0;
    for (size_t i = 1; i <= L; i++) w += (uint64_t)wd[i] * ((uint64_t)1 << wd[i - 1]);
    return w;
}

static fal_status run_bool(const size_t *wd, size_t nw, size_t k, uint64_t seed, const fal_table *data, int threads,
                           fal_result *res, fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool");
    if (fal_arch_from_widths(ctx, wd, nw, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    cfg.seed = seed;
    cfg.data = data;
    fal_ctx_set_threads(ctx, threads);
    return fal_run(ctx, &cfg, res);
}

static fal_status run_uniform(size_t n, uint64_t L, size_t k, uint64_t seed, fal_result *res, fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool");
    if (fal_arch_uniform(ctx, L, n, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    cfg.seed = seed;
    return fal_run(ctx, &cfg, res);
}

/* A --data table: the rows of a map H^n0 -> H^nL given as out[x] (bit b =
 * output b), inputs listed in `order` (nrows of them). */
static fal_table *map_table(size_t n0, size_t nL, const uint32_t *out, const uint32_t *order, size_t nrows)
{
    fal_table *t = NULL;
    if (fal_table_new(test_ctx(), nrows, n0 + nL, FAL_REAL, &t) != FAL_OK) return NULL;
    double *v = fal_table_data(t);
    for (size_t r = 0; r < nrows; r++) {
        uint32_t x = order[r];
        for (size_t a = 0; a < n0; a++) v[r * (n0 + nL) + a] = (double)((x >> a) & 1);
        for (size_t b = 0; b < nL; b++) v[r * (n0 + nL) + n0 + b] = (double)((out[x] >> b) & 1);
    }
    return t;
}

/* ---- the parameter block ------------------------------------------------ */

/* w = sum n_i 2^(n_{i-1}): the layout's block (offsets: each table exactly
 * 2^(n_{i-1}) bits, no gaps) and the run's params and param_bytes. */
TEST(test_n3_params_closed_form_and_block)
{
    static const size_t a1[] = { 2, 2, 2 }, a2[] = { 6, 8, 8, 3 }, a3[] = { 3, 5, 2 }, a4[] = { 1, 1 },
                        a5[] = { 5, 3, 7, 3, 4, 3 }, a6[] = { 2, 1, 9, 70 };
    const size_t *as[] = { a1, a2, a3, a4, a5, a6 };
    const size_t ns[] = { 3, 4, 3, 2, 6, 4 };
    for (size_t t = 0; t < 6; t++) {
        size_t L = ns[t] - 1;
        uint64_t off[8];
        uint64_t w = fal__bs_layout(as[t], L, off);
        CHECK(w == closed_form_w(as[t], L));
        CHECK(off[0] == 0 && off[L] == w);
        for (size_t i = 1; i <= L; i++) CHECK(off[i] - off[i - 1] == (uint64_t)as[t][i] << as[t][i - 1]);
        if (t == 5) continue; /* A(2,1,9,70) has a bottleneck: layout only */
        fal_result res;
        fal_arch *a = NULL;
        fal_status st = run_bool(as[t], ns[t], 0, 1, NULL, 1, &res, &a);
        CHECK_OK(st);
        if (st == FAL_OK) {
            CHECK(res.params == w);
            CHECK_NEAR(fal_result_extra(&res, "param_bytes"), 8.0 * (double)((w + 63) / 64), 0);
            CHECK_NEAR(fal_result_extra(&res, "fixed_bits") + fal_result_extra(&res, "free_bits"), (double)w, 0);
            size_t n0 = as[t][0], nL = as[t][L];
            CHECK_NEAR(res.log2_classes, (double)nL * (double)(1u << n0), 0);
            CHECK_NEAR(res.bits_provided, (double)res.examples * (double)nL, 0);
            CHECK_NEAR(fal_result_extra(&res, "bits_with_inputs"), (double)res.examples * (double)(n0 + nL), 0);
            CHECK_NEAR(fal_result_extra(&res, "log2_mean_class"), (double)w - res.log2_classes, 0);
            fal_result_clear(&res);
        }
        fal_arch_free(a);
    }
    /* the uniform deep one: L n 2^n */
    fal_result res;
    fal_arch *a = NULL;
    CHECK_OK(run_uniform(4, 1000, 0, 1, &res, &a));
    CHECK(res.params == 1000u * 4u * 16u);
    fal_result_clear(&res);
    fal_arch_free(a);
}

/* ---- brute force on A(2,2,2) ------------------------------------------------ */

/* Every setting of the 16 table bits of A(2,2,2), evaluated by the reference
 * on the 4 inputs: all 2^(2*4) = 256 maps H^2 -> H^2 appear (e = 256); a
 * bijection is realised by exactly 4! = 24 settings (the hidden code must be
 * a bijection and then fixes the output layer), the library's lower bound
 * log2_agreeing_lower.  A(2,1,2), a bottleneck, realises only the maps whose
 * image has <= 2 points: 4 + C(4,2)(2^4 - 2) = 88. */
TEST(test_n3_brute_force_every_map_a222)
{
    size_t wd[3] = { 2, 2, 2 };
    uint64_t off[3];
    CHECK(fal__bs_layout(wd, 2, off) == 16);
    static uint32_t count[256];
    memset(count, 0, sizeof count);
    for (uint64_t s = 0; s < 65536; s++) {
        uint64_t tab[1] = { s };
        fal__bnet net = { tab, wd, off, 2 };
        uint32_t map = 0;
        for (uint32_t x = 0; x < 4; x++) {
            uint8_t in[2] = { (uint8_t)(x & 1), (uint8_t)(x >> 1) }, out[2], buf[4];
            fal__bs_ref_eval(&net, in, out, buf);
            map |= (uint32_t)(out[0] | out[1] << 1) << (2 * x);
        }
        count[map]++;
    }
    size_t distinct = 0, bij_ok = 0, nbij = 0;
    uint32_t minc = UINT32_MAX;
    for (uint32_t f = 0; f < 256; f++) {
        distinct += count[f] > 0;
        if (count[f] < minc) minc = count[f];
        uint32_t seen = 0;
        for (uint32_t x = 0; x < 4; x++) seen |= 1u << ((f >> (2 * x)) & 3);
        if (seen == 15) {
            nbij++;
            bij_ok += count[f] == 24;
        }
    }
    CHECK(distinct == 256);
    CHECK(nbij == 24 && bij_ok == 24);
    CHECK(minc == 24);

    size_t wb[3] = { 2, 1, 2 };
    CHECK(fal__bs_layout(wb, 2, off) == 4 + 4);
    static uint8_t hit[256];
    memset(hit, 0, sizeof hit);
    for (uint64_t s = 0; s < 256; s++) {
        uint64_t tab[1] = { s };
        fal__bnet net = { tab, wb, off, 2 };
        uint32_t map = 0;
        for (uint32_t x = 0; x < 4; x++) {
            uint8_t in[2] = { (uint8_t)(x & 1), (uint8_t)(x >> 1) }, out[2], buf[4];
            fal__bs_ref_eval(&net, in, out, buf);
            map |= (uint32_t)(out[0] | out[1] << 1) << (2 * x);
        }
        hit[map] = 1;
    }
    size_t nb = 0;
    for (int f = 0; f < 256; f++) nb += hit[f];
    CHECK(nb == 88);
}

/* The learner, given the full truth table of each of the 256 maps H^2 -> H^2
 * as --data, fits it exactly: every map is realised by construction. */
TEST(test_n3_learner_fits_every_map_a222)
{
    size_t wd[3] = { 2, 2, 2 }, exact = 0, lower_ok = 0;
    uint32_t order[4] = { 2, 0, 3, 1 };
    for (uint32_t f = 0; f < 256; f++) {
        uint32_t out[4];
        for (uint32_t x = 0; x < 4; x++) out[x] = (f >> (2 * x)) & 3;
        fal_table *t = map_table(2, 2, out, order, 4);
        fal_result res;
        fal_arch *a = NULL;
        fal_status st = run_bool(wd, 3, 0, f, t, 1, &res, &a);
        if (st == FAL_OK && res.train_error == 0 && res.converged) exact++;
        if (st == FAL_OK && fabs(fal_result_extra(&res, "log2_agreeing_lower") - log2(24.0)) < 1e-12) lower_ok++;
        if (st == FAL_OK) fal_result_clear(&res);
        fal_arch_free(a);
        fal_table_free(t);
    }
    CHECK(exact == 256);
    CHECK(lower_ok == 256);
}

/* ---- exactness ------------------------------------------------------------ */

/* Claim N3: all 2^n0 examples fix the map, whatever L: A(4,...,4) with
 * L = 1000 and A(6,8,8,3) are exact on every input (evaluated against the
 * teacher on the whole space).  With n_i >= n0 every hidden code is
 * injective, so the fixed bits are sum_i n_i 2^n0 (closed form). */
TEST(test_n3_exact_with_all_examples)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fal_result res;
        fal_arch *a = NULL;
        fal_status st = run_uniform(4, 1000, 0, seed, &res, &a);
        CHECK_OK(st);
        if (st == FAL_OK) {
            CHECK(res.examples == 16);
            CHECK(res.train_error == 0 && res.converged);
            CHECK(isnan(res.test_error));
            CHECK_NEAR(fal_result_extra(&res, "unseen_inputs"), 0, 0);
            CHECK_NEAR(fal_result_extra(&res, "fixed_bits"), 1000.0 * 4 * 16, 0);
            CHECK_NEAR(fal_result_extra(&res, "free_bits"), 0, 0);
            CHECK_NEAR(fal_result_extra(&res, "injective_layers"), 999, 0);
            CHECK_NEAR(res.bits_provided, res.log2_classes, 0); /* 16 x 4 = 4 x 2^4 */
            fal_result_clear(&res);
        }
        fal_arch_free(a);

        size_t wd[4] = { 6, 8, 8, 3 };
        st = run_bool(wd, 4, 0, seed, NULL, 2, &res, &a);
        CHECK_OK(st);
        if (st == FAL_OK) {
            CHECK(res.examples == 64);
            CHECK(res.train_error == 0 && res.converged);
            CHECK(isnan(res.test_error));
            CHECK_NEAR(fal_result_extra(&res, "fixed_bits"), 8.0 * 64 + 8.0 * 64 + 3.0 * 64, 0);
            CHECK_NEAR(fal_result_extra(&res, "free_bits"), (double)closed_form_w(wd, 3) - (19.0 * 64), 0);
            CHECK_NEAR(fal_result_extra(&res, "injective_layers"), 2, 0);
            fal_result_clear(&res);
        }
        fal_arch_free(a);
    }
}

/* Hidden layers narrower than n0 (but >= nL): the codes must merge inputs
 * by target, and later layers carry the target classes on.  Still exact. */
TEST(test_n3_exact_through_target_coded_layers)
{
    static const size_t a1[] = { 6, 3, 3 }, a2[] = { 5, 3, 7, 3, 4, 3 }, a3[] = { 7, 2, 9, 2 };
    const size_t *as[] = { a1, a2, a3 };
    const size_t ns[] = { 3, 6, 4 };
    for (size_t t = 0; t < 3; t++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            fal_result res;
            fal_arch *a = NULL;
            fal_status st = run_bool(as[t], ns[t], 0, seed, NULL, 1, &res, &a);
            CHECK_OK(st);
            if (st == FAL_OK) {
                CHECK_MSG(res.train_error == 0 && res.converged, "case %zu seed %llu: train error %g", t,
                          (unsigned long long)seed, res.train_error);
                CHECK_NEAR(fal_result_extra(&res, "injective_layers"), 0, 0);
                CHECK(isnan(fal_result_extra(&res, "log2_agreeing_lower")));
                fal_result_clear(&res);
            }
            fal_arch_free(a);
        }
}

/* k < 2^n0: the seen inputs are exact, the unseen ones are reported apart
 * (test_error = unseen_error over all 2^n0 - k of them).  The free table
 * bits are random, so on a random teacher the unseen error is about 1/2:
 * 128 unseen inputs x 8 bits, |error - 1/2| < 0.1 (about 6 sigma). */
TEST(test_n3_seen_exact_unseen_reported)
{
    size_t wd[4] = { 6, 8, 8, 3 };
    fal_result res;
    fal_arch *a = NULL;
    fal_status st = run_bool(wd, 4, 32, 5, NULL, 1, &res, &a);
    CHECK_OK(st);
    if (st == FAL_OK) {
        CHECK(res.train_error == 0);
        CHECK_NEAR(fal_result_extra(&res, "seen_error"), 0, 0);
        CHECK_NEAR(fal_result_extra(&res, "unseen_inputs"), 32, 0);
        CHECK_NEAR(res.test_error, fal_result_extra(&res, "unseen_error"), 0);
        CHECK(res.test_error > 0);
        /* each layer reached at the 32 seen classes */
        CHECK_NEAR(fal_result_extra(&res, "fixed_bits"), (8.0 + 8 + 3) * 32, 0);
        CHECK_NEAR(res.bits_provided, 32.0 * 3, 0);
        fal_result_clear(&res);
    }
    fal_arch_free(a);

    size_t w8[3] = { 8, 8, 8 };
    st = run_bool(w8, 3, 128, 9, NULL, 2, &res, &a);
    CHECK_OK(st);
    if (st == FAL_OK) {
        CHECK(res.train_error == 0);
        CHECK_NEAR(fal_result_extra(&res, "unseen_inputs"), 128, 0);
        CHECK_LT(fabs(res.test_error - 0.5), 0.1);
        fal_result_clear(&res);
    }
    fal_arch_free(a);
}

/* The entries the data do not reach are free: the same 4 training rows with
 * different seeds give networks that all fit them but disagree on the 12
 * unseen inputs (listed as test rows); their test errors are not all equal
 * over 8 seeds (all equal: probability < 2^-20 for independent draws). */
TEST(test_n3_free_bits_differ_between_seeds)
{
    uint32_t out[16], order[16];
    fal_rng r;
    fal_rng_seed(&r, 44);
    for (uint32_t x = 0; x < 16; x++) {
        out[x] = (uint32_t)fal_rng_below(&r, 4);
        order[x] = (x * 7 + 3) % 16;
    }
    fal_table *t = map_table(4, 2, out, order, 16);
    size_t wd[3] = { 4, 6, 2 };
    double errs[8];
    int fits = 0;
    for (uint64_t seed = 0; seed < 8; seed++) {
        fal_ctx *ctx = test_ctx();
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("bool");
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_from_widths(ctx, wd, 3, &a));
        cfg.arch = a;
        cfg.data = t;
        cfg.examples = 4;
        cfg.examples_set = 1;
        cfg.seed = seed;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        errs[seed] = NAN;
        if (st == FAL_OK) {
            fits += res.train_error == 0;
            errs[seed] = res.test_error;
            CHECK_NEAR(fal_result_extra(&res, "unseen_inputs"), 12, 0);
            CHECK_NEAR(fal_result_extra(&res, "unseen_error"), res.test_error, 0);
            fal_result_clear(&res);
        }
        fal_arch_free(a);
    }
    CHECK(fits == 8);
    int differ = 0;
    for (int s = 1; s < 8; s++) differ |= errs[s] != errs[0];
    CHECK(differ);
    fal_table_free(t);
}

/* --data with repeated inputs that disagree: the optimum is the per-bit
 * majority; its error (counted here by hand) is reached, and optimum_error
 * reports it.  Rows: x=0 -> 1 (twice) and 0; x=1 -> 0; x=2 -> 1, 0 (a tie:
 * one bit wrong either way); then test rows x=3 (unseen) and x=1 (seen). */
TEST(test_n3_data_majority_optimum)
{
    static const double rows[7][3] = { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 0 }, { 1, 0, 0 },
                                       { 0, 1, 1 }, { 0, 1, 0 }, { 1, 1, 1 } };
    fal_table *t = NULL;
    CHECK_OK(fal_table_new(test_ctx(), 8, 3, FAL_REAL, &t));
    if (!t) return;
    double *v = fal_table_data(t);
    memcpy(v, rows, sizeof rows);
    v[21] = 1; /* test row 2: x = 1 -> 1 (the training row said 0) */
    v[22] = 0;
    v[23] = 1;
    size_t wd[3] = { 2, 2, 1 };
    fal_result res;
    fal_arch *a = NULL;
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool");
    CHECK_OK(fal_arch_from_widths(ctx, wd, 3, &a));
    cfg.arch = a;
    cfg.data = t;
    cfg.examples = 6;
    cfg.examples_set = 1;
    fal_status st = fal_run(ctx, &cfg, &res);
    CHECK_OK(st);
    if (st == FAL_OK) {
        CHECK_NEAR(res.optimum_error, 2.0 / 6.0, 0); /* 1 minority at x=0, 1 at the tie x=2 */
        CHECK_NEAR(res.train_error, res.optimum_error, 0);
        CHECK(res.converged);
        CHECK_NEAR(fal_result_extra(&res, "distinct_seen"), 3, 0);
        CHECK_NEAR(fal_result_extra(&res, "unseen_inputs"), 1, 0);
        /* the test row x = 1 -> 1 is wrong: the training row fixed 0 */
        CHECK(res.test_error >= 0.5);
        fal_result_clear(&res);
    }
    fal_arch_free(a);
    fal_table_free(t);
}

/* ---- the kernels ----------------------------------------------------------- */

/* Random nets with fan-ins 1..14 (both strategies), unaligned table offsets
 * (small layers first), widths crossing 64, 1..19 words of patterns (the
 * vector remainder): the bit-sliced net equals the one-pattern reference on
 * every pattern; per layer, the multiplexer tree equals the gather. */
TEST(test_n3_bitslice_matches_reference)
{
    fal_rng r;
    fal_rng_seed(&r, 2024);
    size_t scratch_n = fal__bs_scratch_words(FAL_BS_MAX_FANIN);
    uint64_t *scratch = malloc(scratch_n * sizeof *scratch);
    size_t bad = 0, cases = 0, layer_bad = 0;
    for (int trial = 0; trial < 60; trial++) {
        size_t L = 1 + (size_t)fal_rng_below(&r, 5), wd[6], maxw = 1;
        wd[0] = 1 + (size_t)fal_rng_below(&r, 14);
        for (size_t i = 1; i <= L; i++) {
            wd[i] = i < L ? 1 + (size_t)fal_rng_below(&r, 14) : 1 + (size_t)fal_rng_below(&r, 70);
            if (i < L && wd[i] > maxw) maxw = wd[i];
        }
        uint64_t off[6];
        uint64_t w = fal__bs_layout(wd, L, off);
        size_t words = (size_t)((w + 63) / 64);
        uint64_t *tab = malloc(words * sizeof *tab);
        for (size_t q = 0; q < words; q++) tab[q] = fal_rng_next(&r);
        fal__bnet net = { tab, wd, off, L };
        size_t nw = 1 + (size_t)fal_rng_below(&r, 19), np = 64 * nw - (size_t)fal_rng_below(&r, 64);
        uint32_t *code = malloc(np * sizeof *code);
        for (size_t p = 0; p < np; p++) code[p] = (uint32_t)fal_rng_below(&r, (uint64_t)1 << wd[0]);
        uint64_t *x = malloc(wd[0] * nw * sizeof *x), *y = malloc(wd[L] * nw * sizeof *y);
        uint64_t *buf = malloc(2 * maxw * nw * sizeof *buf);
        fal__bs_pack_inputs(wd[0], code, np, x, nw, nw);
        fal__bs_eval(&net, x, nw, y, nw, nw, buf, scratch);
        uint8_t in[16], out[80], rb[32];
        for (size_t p = 0; p < np; p++) {
            for (size_t a = 0; a < wd[0]; a++) in[a] = (uint8_t)((code[p] >> a) & 1);
            fal__bs_ref_eval(&net, in, out, rb);
            for (size_t j = 0; j < wd[L]; j++) bad += ((y[j * nw + p / 64] >> (p % 64)) & 1) != out[j];
        }
        cases += np;
        /* layer 1 by both strategies (the mux kernel is defined up to m = 12) */
        if (wd[0] <= 12) {
            uint64_t *y1 = malloc(wd[1] * nw * sizeof *y1), *y2 = malloc(wd[1] * nw * sizeof *y2);
            fal__bs_layer_mux(tab, 0, wd[0], wd[1], x, nw, y1, nw, nw, scratch);
            fal__bs_layer_gather(tab, 0, wd[0], wd[1], x, nw, y2, nw, nw, scratch);
            for (size_t j = 0; j < wd[1]; j++)
                for (size_t v = 0; v < nw; v++) {
                    uint64_t valid = v + 1 < nw || np % 64 == 0 ? ~UINT64_C(0) : (UINT64_C(1) << (np % 64)) - 1;
                    layer_bad += ((y1[j * nw + v] ^ y2[j * nw + v]) & valid) != 0;
                }
            free(y1);
            free(y2);
        }
        free(tab);
        free(code);
        free(x);
        free(y);
        free(buf);
    }
    free(scratch);
    CHECK_MSG(bad == 0, "%zu output bits differ over %zu patterns", bad, cases);
    CHECK(layer_bad == 0);
    CHECK(cases > 1000);
}

/* The enumerated inputs: pattern p's input a is bit a of p, from any p0. */
TEST(test_n3_enum_inputs)
{
    uint64_t x[10 * 3];
    fal__bs_enum_inputs(10, 128, x, 3, 3);
    size_t bad = 0;
    for (uint64_t p = 128; p < 128 + 192; p++)
        for (size_t a = 0; a < 10; a++)
            bad += ((x[a * 3 + (p - 128) / 64] >> (p % 64)) & 1) != ((p >> a) & 1);
    CHECK(bad == 0);
}

/* ---- determinism and refusals ------------------------------------------------ */

/* Same seed, same result bytes, with 1 or 2 threads. */
TEST(test_n3_same_seed_same_result)
{
    size_t wd[4] = { 10, 11, 12, 5 };
    fal_result r1, r2;
    fal_arch *a1 = NULL, *a2 = NULL;
    fal_status s1 = run_bool(wd, 4, 700, 17, NULL, 1, &r1, &a1);
    fal_status s2 = run_bool(wd, 4, 700, 17, NULL, 2, &r2, &a2);
    CHECK_OK(s1);
    CHECK_OK(s2);
    if (s1 == FAL_OK && s2 == FAL_OK) {
        CHECK(r1.params == r2.params && r1.examples == r2.examples);
        CHECK(memcmp(&r1.train_error, &r2.train_error, sizeof(double)) == 0);
        CHECK(memcmp(&r1.test_error, &r2.test_error, sizeof(double)) == 0);
        CHECK(r1.nextras == r2.nextras);
        for (int i = 0; i < r1.nextras && i < r2.nextras; i++)
            CHECK_MSG(memcmp(&r1.extras[i].value, &r2.extras[i].value, sizeof(double)) == 0, "extra %s differs",
                      r1.extras[i].name);
        CHECK(r1.train_error == 0 && r1.test_error > 0);
        fal_result_clear(&r1);
        fal_result_clear(&r2);
    }
    fal_arch_free(a1);
    fal_arch_free(a2);
}

/* Bottlenecks (pointing to bool-ae), fan-ins above 24, k > 2^n0, gradient
 * algorithms, non-0/1 data: FAL_EINVAL (exit 2) with the reason; a budget
 * too small: FAL_ENOMEM before allocating. */
TEST(test_n3_refusals)
{
    fal_ctx *ctx = test_ctx();
    fal_result res;
    fal_arch *a = NULL;
    size_t bn[3] = { 6, 2, 3 };
    CHECK(run_bool(bn, 3, 0, 1, NULL, 1, &res, &a) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "bool-ae") != NULL);
    fal_arch_free(a);
    size_t wide[3] = { 25, 25, 3 };
    CHECK(run_bool(wide, 3, 0, 1, NULL, 1, &res, &a) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "24") != NULL);
    fal_arch_free(a);
    size_t wideh[3] = { 8, 30, 8 };
    CHECK(run_bool(wideh, 3, 0, 1, NULL, 1, &res, &a) == FAL_EINVAL);
    fal_arch_free(a);
    size_t ok[3] = { 3, 3, 3 };
    CHECK(run_bool(ok, 3, 9, 1, NULL, 1, &res, &a) == FAL_EINVAL); /* k = 9 > 2^3 */
    fal_arch_free(a);

    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool");
    CHECK_OK(fal_arch_from_widths(ctx, ok, 3, &a));
    cfg.arch = a;
    cfg.algo = FAL_ALGO_GD;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    cfg.algo = FAL_ALGO_DEFAULT;
    fal_table *t = NULL;
    CHECK_OK(fal_table_new(ctx, 2, 6, FAL_REAL, &t));
    if (t) {
        fal_table_data(t)[8] = 0.5; /* row 2, column 3 */
        cfg.data = t;
        CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
        CHECK(strstr(fal_ctx_message(ctx), "row 2, column 3") != NULL);
        cfg.data = NULL;
        fal_table_free(t);
    }
    fal_arch_free(a);

    size_t big[3] = { 20, 20, 20 };
    CHECK_OK(fal_arch_from_widths(ctx, big, 3, &a));
    cfg.arch = a;
    size_t before = fal_ctx_mem_in_use(ctx);
    fal_ctx_set_mem_limit(ctx, (size_t)1 << 20);
    CHECK(fal_run(ctx, &cfg, &res) == FAL_ENOMEM);
    CHECK(fal_ctx_mem_in_use(ctx) == before);
    fal_ctx_set_mem_limit(ctx, 0);
    fal_arch_free(a);

    CHECK(test_cli("run bool --widths 6,2,3", NULL, 0) == 2);
    CHECK(test_cli("run bool --widths 25,25,3", NULL, 0) == 2);
}
