/* test_bool_ae.c -- N4: the Boolean autoencoder A(n, m, n) and Hamming
 * clustering (src/nets/hamming.c, src/nets/bool_ae.c).  The oracles: brute
 * force over every partition of a dozen examples, every map H^n -> H^n for
 * n <= 2, the inclusion-exclusion formula for Stirling numbers, the closed
 * form of w. */
#include <string.h>
#include "test.h"
#include "oracle_hamming.h"
#include "../src/nets/hamming.h"

/* ---- helpers ---------------------------------------------------------------- */

static fal_status run_ae(const char *family, const size_t *widths, size_t nw, size_t k, uint64_t seed, fal_algo algo,
                         const fal_table *data, fal_result *res, fal_arch **arch)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    *arch = NULL;
    if (fal_arch_from_widths(ctx, widths, nw, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    cfg.seed = seed;
    cfg.algo = algo;
    cfg.data = data;
    return fal_run(ctx, &cfg, res);
}

/* ---- parameters and refusals ------------------------------------------------- */

/* Claim N4: w = m 2^n + n 2^m for A(n, m, n), sum_i n_i 2^(n_{i-1}) deeper;
 * the actual parameter block holds exactly that many table entries. */
TEST(test_n4_params_closed_form_and_block)
{
    const size_t a1[] = { 4, 2, 4 }, a2[] = { 8, 3, 8 }, a3[] = { 6, 5, 3, 5, 6 }, a4[] = { 7, 7, 2, 4, 7 };
    const size_t *as[] = { a1, a2, a3, a4 };
    const size_t ns[] = { 3, 3, 5, 5 };
    for (int t = 0; t < 4; t++) {
        fal_ctx *ctx = test_ctx();
        fal_config cfg;
        fal_config_init(&cfg);
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_from_widths(ctx, as[t], ns[t], &arch));
        cfg.arch = arch;
        cfg.examples = 20;
        cfg.examples_set = 1;
        cfg.seed = 3;
        fal_result res;
        memset(&res, 0, sizeof res);
        fal__bool_ae_net net;
        fal_status st = fal__bool_ae_run(ctx, &cfg, &res, &net);
        CHECK_MSG(st == FAL_OK, "arch %d: %s %s", t, fal_errstr(st), fal_ctx_message(ctx));
        uint64_t w = 0;
        for (size_t i = 1; i < ns[t]; i++) w += (uint64_t)as[t][i] << as[t][i - 1];
        if (ns[t] == 3) CHECK(w == as[t][1] * ((uint64_t)1 << as[t][0]) + as[t][0] * ((uint64_t)1 << as[t][1]));
        CHECK_MSG(res.params == w, "arch %d: params %llu, closed form %llu", t, (unsigned long long)res.params,
                  (unsigned long long)w);
        CHECK(fal_result_extra(&res, "param_block_bits") == (double)w);
        /* the block itself: one word per 64 entries of each unit's table */
        uint64_t words = 0;
        for (size_t i = 1; i < ns[t]; i++)
            words += as[t][i] * (as[t][i - 1] >= 6 ? (uint64_t)1 << (as[t][i - 1] - 6) : 1);
        CHECK(net.nwords == words);
        CHECK(net.block_bits == w);
        fal__bool_ae_net_free(ctx, &net);
        fal_result_clear(&res);
        fal_arch_free(arch);
    }
}

/* Bad architectures and options are refused with EINVAL (CLI exit 2). */
TEST(test_n4_refuses_bad_architectures)
{
    const size_t nob[] = { 4, 4, 4 }, notae[] = { 4, 2, 5 }, one[] = { 4, 4 }, wide[] = { 65, 2, 65 },
                 wider[] = { 6, 2, 70, 6 };
    const size_t *as[] = { nob, notae, one, wide, wider };
    const size_t ns[] = { 3, 3, 2, 3, 4 };
    for (int t = 0; t < 5; t++) {
        fal_result res;
        fal_arch *a;
        fal_status st = run_ae("bool-ae", as[t], ns[t], 10, 1, FAL_ALGO_DEFAULT, NULL, &res, &a);
        CHECK_MSG(st == FAL_EINVAL, "arch %d: %s", t, fal_errstr(st));
        CHECK(strlen(fal_ctx_message(test_ctx())) > 0);
        fal_arch_free(a);
    }
    const size_t ok[] = { 4, 2, 4 };
    fal_result res;
    fal_arch *a;
    CHECK(run_ae("bool-ae", ok, 3, 10, 1, FAL_ALGO_GD, NULL, &res, &a) == FAL_EINVAL);
    fal_arch_free(a);
    char out[256];
    CHECK(test_cli("run bool-ae --widths 4,4,4", out, sizeof out) == 2);
    CHECK(test_cli("run bool-ae --widths 4,2,4 --algo fa", out, sizeof out) == 2);
    CHECK(test_cli("run bool-ae --widths 4,2,4 --examples 12 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"id\":\"N4\"") != NULL);
}

/* ---- the claims -------------------------------------------------------------- */

/* Claim N4: at most 2^m distinct examples are stored with zero distortion,
 * and extra layers of width >= m keep that while w grows. */
TEST(test_n4_k_at_most_2m_zero_distortion)
{
    uint64_t x[16];
    fal_rng r;
    fal_rng_seed(&r, 11);
    for (int i = 0; i < 8; i++) x[i] = fal_rng_next(&r) & 0xff;
    for (int i = 8; i < 16; i++) x[i] = x[i % 3]; /* repeats: still <= 8 distinct */
    fal_table *t = oracle_bits_table(x, 16, 8);
    const size_t a1[] = { 8, 3, 8 }, a2[] = { 8, 5, 3, 6, 8 };
    const size_t *as[] = { a1, a2 };
    const size_t ns[] = { 3, 5 };
    for (int q = 0; q < 2; q++) {
        fal_result res;
        fal_arch *a;
        fal_status st = run_ae("bool-ae", as[q], ns[q], 0, 1, FAL_ALGO_DEFAULT, t, &res, &a);
        CHECK_OK(st);
        CHECK(res.train_error == 0.0);
        CHECK(res.optimum_error == 0.0);
        CHECK(res.examples == 16);
        CHECK(isnan(res.test_error)); /* every row trains */
        CHECK(fal_result_extra(&res, "distortion") == 0.0);
        fal_result_clear(&res);
        fal_arch_free(a);
    }
    /* the teacher with k = 2^m */
    const size_t a3[] = { 10, 2, 10 };
    fal_result res;
    fal_arch *a;
    CHECK_OK(run_ae("bool-ae", a3, 3, 4, 5, FAL_ALGO_DEFAULT, NULL, &res, &a));
    CHECK(res.train_error == 0.0);
    fal_arch_free(a);
    fal_table_free(t);
}

/* Claim N4 (k > 2^m): Lloyd with restarts finds the brute-force optimum of
 * tiny instances (n <= 5, k <= 12), for the API and through a run. */
TEST(test_n4_lloyd_equals_brute_force_tiny)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 2024);
    int clustered = 0;
    for (int trial = 0; trial < 24; trial++) {
        unsigned n = 3 + (unsigned)fal_rng_below(&gen, 3), m = 1 + (unsigned)fal_rng_below(&gen, 2);
        size_t k = 7 + (size_t)fal_rng_below(&gen, 6);
        uint64_t x[12];
        oracle_clustered_points(&gen, n, k, x);
        uint64_t opt = oracle_hamming_optimum(x, k, n, 1u << m);
        fal__ham_set s;
        CHECK_OK(fal__ham_set_new(ctx, n, x, k, &s));
        if (s.u > (1u << m)) {
            clustered++;
            fal__ham_clust cl;
            uint64_t it;
            int fixed;
            fal_rng r;
            fal_rng_seed(&r, (uint64_t)trial);
            CHECK_OK(fal__ham_lloyd(ctx, &s, (size_t)1 << m, FAL__HAM_RESTARTS, 1000, &r, &cl, &it, &fixed));
            CHECK_MSG(cl.cost == opt, "trial %d n=%u m=%u k=%zu: Lloyd %llu, optimum %llu", trial, n, m, k,
                      (unsigned long long)cl.cost, (unsigned long long)opt);
            CHECK(fixed);
            CHECK(cl.c <= ((size_t)1 << m));
            fal__ham_clust_free(ctx, &cl);
            fal__ham_clust ex;
            CHECK_OK(fal__ham_exact(ctx, &s, (size_t)1 << m, UINT64_MAX, UINT64_MAX, &ex, NULL));
            CHECK(ex.cost == opt);
            fal__ham_clust_free(ctx, &ex);
            uint64_t lb;
            CHECK_OK(fal__ham_lower_bound(ctx, &s, (size_t)1 << m, &lb));
            CHECK_MSG(lb <= opt, "lower bound %llu above the optimum %llu", (unsigned long long)lb,
                      (unsigned long long)opt);
        }
        fal__ham_set_free(ctx, &s);
        /* the same through the family, from a data file */
        fal_table *t = oracle_bits_table(x, k, n);
        size_t w[] = { n, m, n };
        fal_result res;
        fal_arch *a;
        fal_status st = run_ae("bool-ae", w, 3, 0, (uint64_t)trial, FAL_ALGO_DEFAULT, t, &res, &a);
        CHECK_OK(st);
        CHECK_MSG(res.train_error * (double)(k * n) == (double)opt, "trial %d: run %g, optimum %llu", trial,
                  res.train_error * (double)(k * n), (unsigned long long)opt);
        CHECK(res.optimum_error == res.train_error);
        CHECK(strcmp(res.algo, "lloyd+swap+ip") != 0); /* the heuristic did not need the integer program */
        fal_arch_free(a);
        fal_table_free(t);
    }
    CHECK(clustered >= 16); /* most trials are in the clustering regime */
}

/* Claim N4: every one of the 2^n inputs is encoded to its nearest centre (the
 * lowest index on ties) and decoded to it: the network's function, read off
 * its truth tables, against a direct scan. */
TEST(test_n4_every_input_goes_to_its_nearest_centre)
{
    fal_ctx *ctx = test_ctx();
    const size_t a1[] = { 8, 2, 8 }, a2[] = { 7, 4, 3, 5, 7 };
    const size_t *as[] = { a1, a2 };
    const size_t ns[] = { 3, 5 };
    for (int q = 0; q < 2; q++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            fal_config cfg;
            fal_config_init(&cfg);
            fal_arch *arch = NULL;
            CHECK_OK(fal_arch_from_widths(ctx, as[q], ns[q], &arch));
            cfg.arch = arch;
            cfg.examples = 60;
            cfg.examples_set = 1;
            cfg.seed = seed;
            fal_result res;
            memset(&res, 0, sizeof res); /* fal_run's job, called around here */
            fal__bool_ae_net net;
            CHECK_OK(fal__bool_ae_run(ctx, &cfg, &res, &net));
            CHECK(net.c >= 2);
            unsigned n = (unsigned)as[q][0];
            int bad = 0;
            for (uint64_t b = 0; b < ((uint64_t)1 << n); b++) {
                unsigned bd = 99;
                size_t bj = 0;
                for (size_t j = 0; j < net.c; j++) {
                    unsigned d = (unsigned)__builtin_popcountll(b ^ net.centre[j]);
                    if (d < bd) {
                        bd = d;
                        bj = j;
                    }
                }
                if (fal__bool_ae_eval(&net, b) != net.centre[bj]) bad++;
            }
            CHECK_MSG(bad == 0, "arch %d seed %llu: %d inputs not decoded to their nearest centre", q,
                      (unsigned long long)seed, bad);
            fal__bool_ae_net_free(ctx, &net);
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
}

/* The breadth-first search over H^n against a direct scan, with more centres
 * than n (the search path) and duplicate centres. */
TEST(test_n4_nearest_all_search_matches_scan)
{
    fal_ctx *ctx = test_ctx();
    fal_rng r;
    fal_rng_seed(&r, 9);
    for (unsigned n = 3; n <= 10; n++) {
        size_t c = n + 1 + (size_t)fal_rng_below(&r, 12);
        uint64_t cent[32];
        for (size_t j = 0; j < c; j++) cent[j] = fal_rng_next(&r) & (((uint64_t)1 << n) - 1);
        cent[c - 1] = cent[0]; /* a duplicate: the lower index must win */
        uint32_t *label = malloc(((size_t)1 << n) * sizeof *label);
        CHECK_OK(fal__ham_nearest_all(ctx, n, cent, c, label));
        int bad = 0;
        for (uint64_t b = 0; b < ((uint64_t)1 << n); b++) {
            unsigned bd = 99;
            size_t bj = 0;
            for (size_t j = 0; j < c; j++) {
                unsigned d = (unsigned)__builtin_popcountll(b ^ cent[j]);
                if (d < bd) {
                    bd = d;
                    bj = j;
                }
            }
            if (label[b] != bj) bad++;
        }
        CHECK_MSG(bad == 0, "n=%u c=%zu: %d labels differ", n, c, bad);
        free(label);
    }
}

/* Claim N4: layers of width >= m added around the bottleneck keep the
 * optimum (same data, same distortion, same function on fresh inputs) while
 * w grows. */
TEST(test_n4_deeper_keeps_the_optimum)
{
    const size_t a1[] = { 6, 2, 6 }, a2[] = { 6, 5, 2, 4, 6 }, a3[] = { 6, 6, 6, 2, 6, 6 };
    const size_t *as[] = { a1, a2, a3 };
    const size_t ns[] = { 3, 5, 6 };
    double tr[3], te[3];
    uint64_t w[3];
    for (int q = 0; q < 3; q++) {
        fal_result res;
        fal_arch *a;
        CHECK_OK(run_ae("bool-ae", as[q], ns[q], 50, 7, FAL_ALGO_DEFAULT, NULL, &res, &a));
        tr[q] = res.train_error;
        te[q] = res.test_error;
        w[q] = res.params;
        fal_arch_free(a);
    }
    for (int q = 1; q < 3; q++) {
        CHECK(tr[q] == tr[0]);
        CHECK(te[q] == te[0]);
        CHECK(w[q] > w[0]);
    }
}

/* ---- counting the classes ------------------------------------------------------ */

/* e(N, J) = #maps [N] -> [N] with image <= J, against enumerating every map
 * for N = 2 and 4 (n = 1, 2), and N^N when J = N. */
TEST(test_n4_log2_classes_brute_force)
{
    for (unsigned N = 2; N <= 4; N += 2) {
        uint64_t count[5] = { 0 }; /* by image size */
        uint64_t total = 1;
        for (unsigned i = 0; i < N; i++) total *= N;
        for (uint64_t code = 0; code < total; code++) {
            unsigned seen = 0, img = 0;
            uint64_t c = code;
            for (unsigned i = 0; i < N; i++, c /= N) seen |= 1u << (c % N);
            img = (unsigned)__builtin_popcount(seen);
            count[img]++;
        }
        uint64_t cum = 0;
        for (unsigned J = 1; J <= N; J++) {
            cum += count[J];
            CHECK_MSG(fal__ham_maps_exact(N, J) == cum, "N=%u J=%u: %llu maps, formula %llu", N, J,
                      (unsigned long long)cum, (unsigned long long)fal__ham_maps_exact(N, J));
            CHECK_NEAR(fal__ham_log2_maps(N, J, NULL), log2((double)cum), 1e-12);
        }
    }
    CHECK(fal__ham_maps_exact(16, 16) == (unsigned __int128)1 << 64); /* 16^16 */
    CHECK_NEAR(fal__ham_log2_maps_method(1024, 1024, 1), 10240.0, 1e-6);
}

/* S(N, j) against the inclusion-exclusion formula
 * S(N, j) = (1/j!) sum_i (-1)^i C(j, i) (j - i)^N and known values. */
TEST(test_n4_stirling_numbers)
{
    for (unsigned N = 1; N <= 16; N++)
        for (unsigned j = 1; j <= N; j++) {
            __int128 s = 0, fact = 1, binom = 1;
            for (unsigned i = 0; i <= j; i++) {
                __int128 p = 1;
                for (unsigned e = 0; e < N; e++) p *= (j - i);
                s += (i % 2 ? -1 : 1) * binom * p;
                binom = binom * (j - i) / (i + 1);
            }
            for (unsigned i = 2; i <= j; i++) fact *= i;
            CHECK_MSG(fal__ham_stirling2(N, j) == (unsigned __int128)(s / fact), "S(%u, %u)", N, j);
        }
    CHECK(fal__ham_stirling2(10, 3) == 9330);
    CHECK(fal__ham_stirling2(10, 5) == 42525);
    CHECK(fal__ham_stirling2(16, 2) == 32767);
    CHECK(fal__ham_stirling2(16, 15) == 120);
}

/* The three ways of computing log2 e agree where they overlap: the log-domain
 * recurrence with the exact integers (N = 16), the asymptotic terms with the
 * recurrence (N = 256, 1024, J <= N). */
TEST(test_n4_log2_classes_methods_agree)
{
    for (unsigned J = 1; J <= 16; J++)
        CHECK_NEAR(fal__ham_log2_maps_method(16, J, 1), fal__ham_log2_maps_method(16, J, 0), 1e-9);
    const uint64_t Ns[] = { 256, 1024 };
    for (int q = 0; q < 2; q++)
        for (uint64_t J = 2; J <= Ns[q]; J *= 2) {
            double a = fal__ham_log2_maps_method(Ns[q], J, 1), b = fal__ham_log2_maps_method(Ns[q], J, 2);
            /* the saddle point's relative error is O(1/N): measured 0.12/N to
             * 0.38/N bits here, 0.0002 bits at N = 2^11 where it takes over */
            CHECK_MSG(fabs(a - b) <= 0.5 / (double)Ns[q], "N=%llu J=%llu: recurrence %.9f, asymptotic %.9f",
                      (unsigned long long)Ns[q], (unsigned long long)J, a, b);
        }
    /* the family reports the exact figure for A(4, 2, 4) */
    const size_t w[] = { 4, 2, 4 };
    fal_result res;
    fal_arch *a;
    CHECK_OK(run_ae("bool-ae", w, 3, 12, 1, FAL_ALGO_DEFAULT, NULL, &res, &a));
    CHECK_NEAR(res.log2_classes, log2((double)fal__ham_maps_exact(16, 4)), 1e-12);
    CHECK(res.bits_provided == 12.0 * 4);
    fal_arch_free(a);
}

/* ---- larger instances: bounds, exact search, data, determinism ---------------- */

/* On instances too large for the automatic search the run reports a lower
 * bound <= its distortion, and --algo exact proves the optimum where it can
 * (here it confirms Lloyd's result). */
TEST(test_n4_bound_and_exact_search)
{
    const size_t w[] = { 8, 2, 8 };
    fal_result res, rex;
    fal_arch *a, *b;
    CHECK_OK(run_ae("bool-ae", w, 3, 200, 2, FAL_ALGO_DEFAULT, NULL, &res, &a));
    double D = fal_result_extra(&res, "distortion"), lb = fal_result_extra(&res, "lower_bound");
    CHECK(lb > 0 && lb <= D);
    CHECK(fal_result_extra(&res, "gap") == D - lb);
    CHECK(isnan(res.optimum_error));
    fal_arch_free(a);
    /* u 2^n above the integer program's 2^20 (point, centre) pairs */
    const size_t wide[] = { 16, 2, 16 };
    CHECK(run_ae("bool-ae", wide, 3, 200, 2, FAL_ALGO_EXACT, NULL, &rex, &b) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(test_ctx()), "integer program") != NULL);
    fal_arch_free(b);
    CHECK_OK(run_ae("bool-ae", w, 3, 30, 4, FAL_ALGO_DEFAULT, NULL, &res, &a));
    CHECK_OK(run_ae("bool-ae", w, 3, 30, 4, FAL_ALGO_EXACT, NULL, &rex, &b));
    CHECK(strcmp(rex.algo, "exact") == 0);
    CHECK(rex.optimum_error == rex.train_error);
    CHECK(res.train_error >= rex.train_error);
    if (!isnan(res.optimum_error)) CHECK(res.optimum_error == rex.optimum_error);
    fal_arch_free(a);
    fal_arch_free(b);
}

/* --data: 0/1 only, the rows after --examples test. */
TEST(test_n4_data_file)
{
    uint64_t x[20];
    fal_rng r;
    fal_rng_seed(&r, 5);
    oracle_clustered_points(&r, 5, 20, x);
    fal_table *t = oracle_bits_table(x, 20, 5);
    const size_t w[] = { 5, 1, 5 };
    fal_result res;
    fal_arch *a;
    CHECK_OK(run_ae("bool-ae", w, 3, 12, 1, FAL_ALGO_DEFAULT, t, &res, &a));
    CHECK(res.examples == 12);
    CHECK(!isnan(res.test_error));
    CHECK(isnan(fal_result_extra(&res, "teacher_flip_prob")));
    fal_arch_free(a);
    fal_table_data(t)[2 * 5 + 1] = 0.5; /* row 3, column 2 */
    CHECK(run_ae("bool-ae", w, 3, 12, 1, FAL_ALGO_DEFAULT, t, &res, &a) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(test_ctx()), "row 3 column 2") != NULL);
    fal_arch_free(a);
    fal_table_free(t);
}

/* Same seed, same result bytes, whatever the thread count; a tight memory
 * budget fails with ENOMEM and leaves nothing allocated (checked by the
 * harness). */
TEST(test_n4_deterministic_and_budget)
{
    fal_ctx *ctx = test_ctx();
    const size_t w[] = { 9, 3, 9 };
    fal_result r1, r2;
    fal_arch *a, *b;
    fal_ctx_set_threads(ctx, 1);
    CHECK_OK(run_ae("bool-ae", w, 3, 300, 8, FAL_ALGO_DEFAULT, NULL, &r1, &a));
    fal_ctx_set_threads(ctx, 4);
    CHECK_OK(run_ae("bool-ae", w, 3, 300, 8, FAL_ALGO_DEFAULT, NULL, &r2, &b));
    r1.seconds = r2.seconds = 0;
    r1.arch = r2.arch = NULL;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
    fal_arch_free(a);
    fal_arch_free(b);
    fal_ctx_set_mem_limit(ctx, 4096);
    const size_t big[] = { 20, 4, 20 };
    CHECK(run_ae("bool-ae", big, 3, 100, 1, FAL_ALGO_DEFAULT, NULL, &r1, &a) == FAL_ENOMEM);
    fal_arch_free(a);
    fal_ctx_set_mem_limit(ctx, 0);
}

/* ---- the tie rule, the decoder and the test error, recomputed ---------------- */

/* Pins what the network outputs, not only the optimum's cost: on tiny tables
 * (split into training and test rows) the run's centres are recomputed from
 * scratch -- each training row to its nearest centre (the lowest index on
 * ties), each group's per-bit majority with a tie giving 0 -- and must be the
 * network's; the training distortion is the brute-force optimum; the test
 * error is recomputed from the centres by a direct scan, and the decoder's
 * output on every test row is its nearest centre.  Ties occur (counted), so
 * a changed tie rule (2 cnt >= tot) fails here. */
TEST(test_n4_tie_rule_centres_and_test_error_recomputed)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 515);
    int ties = 0;
    for (int trial = 0; trial < 60; trial++) {
        unsigned n = 4 + (unsigned)fal_rng_below(&gen, 3), m = 1 + (unsigned)fal_rng_below(&gen, 2);
        size_t k = 8 + (size_t)fal_rng_below(&gen, 5), ntest = 10, K = k + ntest;
        uint64_t x[32];
        oracle_clustered_points(&gen, n, K, x);
        uint64_t opt = oracle_hamming_optimum(x, k, n, 1u << m);
        fal_table *t = oracle_bits_table(x, K, n);
        fal_config cfg;
        fal_config_init(&cfg);
        fal_arch *arch = NULL;
        size_t w[] = { n, m, n };
        CHECK_OK(fal_arch_from_widths(ctx, w, 3, &arch));
        cfg.arch = arch;
        cfg.data = t;
        cfg.examples = k;
        cfg.examples_set = 1;
        cfg.seed = (uint64_t)trial;
        fal_result res;
        memset(&res, 0, sizeof res);
        fal__bool_ae_net net;
        CHECK_OK(fal__bool_ae_run(ctx, &cfg, &res, &net));
        CHECK(res.examples == k);
        /* groups by the nearest centre, then their majorities */
        uint64_t ones[16][8] = { { 0 } }, tot[16] = { 0 }, dist = 0;
        for (size_t i = 0; i < k; i++) {
            size_t bj = 0;
            unsigned bd = 99;
            for (size_t j = 0; j < net.c; j++) {
                unsigned d = (unsigned)__builtin_popcountll(x[i] ^ net.centre[j]);
                if (d < bd) bd = d, bj = j;
            }
            dist += bd;
            tot[bj]++;
            for (unsigned b = 0; b < n; b++) ones[bj][b] += (x[i] >> b) & 1;
        }
        CHECK_MSG(dist == opt, "trial %d: distortion %llu, brute-force optimum %llu", trial, (unsigned long long)dist,
                  (unsigned long long)opt);
        CHECK(fal_result_extra(&res, "distortion") == (double)dist);
        for (size_t j = 0; j < net.c; j++) {
            CHECK_MSG(tot[j] > 0, "trial %d: centre %zu serves no training row", trial, j);
            uint64_t want = 0;
            for (unsigned b = 0; b < n; b++) {
                if (2 * ones[j][b] == tot[j]) ties++;
                if (2 * ones[j][b] > tot[j]) want |= (uint64_t)1 << b;
            }
            CHECK_MSG(net.centre[j] == want, "trial %d centre %zu: %#llx, the group's majority (ties 0) %#llx", trial,
                      j, (unsigned long long)net.centre[j], (unsigned long long)want);
        }
        /* the test error and the decoder's outputs */
        uint64_t dte = 0;
        for (size_t i = k; i < K; i++) {
            size_t bj = 0;
            unsigned bd = 99;
            for (size_t j = 0; j < net.c; j++) {
                unsigned d = (unsigned)__builtin_popcountll(x[i] ^ net.centre[j]);
                if (d < bd) bd = d, bj = j;
            }
            dte += bd;
            CHECK(fal__bool_ae_eval(&net, x[i]) == net.centre[bj]);
        }
        CHECK_MSG(res.test_error == (double)dte / (double)(ntest * n), "trial %d: test error %g, recomputed %g", trial,
                  res.test_error, (double)dte / (double)(ntest * n));
        fal__bool_ae_net_free(ctx, &net);
        fal_result_clear(&res);
        fal_arch_free(arch);
        fal_table_free(t);
    }
    CHECK_MSG(ties >= 8, "only %d tied bits: the tie rule is not exercised", ties);
}

/* ---- the integer program, the default against it, n up to 64 ------------------- */

/* All 2^n candidate centres. */
static uint64_t *all_centres(unsigned n)
{
    uint64_t *c = malloc(((size_t)1 << n) * sizeof *c);
    for (size_t q = 0; q < ((size_t)1 << n); q++) c[q] = q;
    return c;
}

/* The integer program over every centre of H^n proves the brute-force
 * optimum of tiny tables (raw examples, every partition), many seeds; its
 * clustering costs what it claims, and the heuristic is never below it. */
TEST(test_n4_integer_program_equals_brute_force_tiny)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 4242);
    int solved = 0;
    for (int trial = 0; trial < 60; trial++) {
        unsigned n = 3 + (unsigned)fal_rng_below(&gen, 4), m = 1 + (unsigned)fal_rng_below(&gen, 2);
        size_t k = 7 + (size_t)fal_rng_below(&gen, 7), C = (size_t)1 << m;
        uint64_t x[16];
        if (trial % 2) oracle_clustered_points(&gen, n, k, x);
        else
            for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&gen) & (((uint64_t)1 << n) - 1);
        uint64_t opt = oracle_hamming_optimum(x, k, n, (unsigned)C);
        fal__ham_set s;
        CHECK_OK(fal__ham_set_new(ctx, n, x, k, &s));
        if (s.u > C) {
            fal__ham_clust h;
            uint64_t it;
            int fixed;
            fal_rng r;
            fal_rng_seed(&r, (uint64_t)trial);
            CHECK_OK(fal__ham_lloyd(ctx, &s, C, FAL__HAM_RESTARTS, 1000, &r, &h, &it, &fixed));
            CHECK(h.cost >= opt);
            uint64_t *cand = all_centres(n);
            /* without a start, from the heuristic's centres, from a poor start
             * (one centre, point 0: the rest filled with the lowest candidates) */
            for (int how = 0; how < 3; how++) {
                fal__ham_clust cl;
                int proved = 0;
                const uint64_t *st0 = how == 0 ? NULL : how == 1 ? h.centre : s.pt;
                size_t ns = how == 0 ? 0 : how == 1 ? h.c : 1;
                CHECK_OK(fal__ham_mip(ctx, &s, C, cand, (size_t)1 << n, st0, ns, FAL__HAM_MIP_EXACT_NODES, 1000, &cl,
                                      &proved));
                CHECK_MSG(proved && cl.cost == opt,
                          "trial %d start %d n=%u m=%u k=%zu: program %llu (proved %d), brute force %llu", trial, how, n,
                          m, k, (unsigned long long)cl.cost, proved, (unsigned long long)opt);
                uint64_t again = 0;
                for (size_t i = 0; i < s.u; i++)
                    again += s.wt[i] * (uint64_t)__builtin_popcountll(s.pt[i] ^ cl.centre[cl.assign[i]]);
                CHECK(again == cl.cost && cl.c <= C);
                fal__ham_clust_free(ctx, &cl);
            }
            free(cand);
            fal__ham_clust_free(ctx, &h);
            solved++;
        }
        fal__ham_set_free(ctx, &s);
    }
    CHECK(solved >= 40);
}

/* The program over a restricted candidate list (the distinct points
 * themselves; the radius rows then have uneven balls and per-point farthest
 * distances) gives the best choice among those candidates: against every
 * subset of <= C of them, by enumeration.  The heuristic's majorities, most
 * of them not candidates, as the start: skipped, the rest filled in. */
TEST(test_n4_integer_program_restricted_candidates_brute_force)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 5151);
    int solved = 0;
    for (int trial = 0; trial < 30; trial++) {
        unsigned n = 4 + (unsigned)fal_rng_below(&gen, 4), m = 1 + (unsigned)fal_rng_below(&gen, 2);
        size_t k = 8 + (size_t)fal_rng_below(&gen, 6), C = (size_t)1 << m;
        uint64_t x[16];
        if (trial % 2) oracle_clustered_points(&gen, n, k, x);
        else
            for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&gen) & (((uint64_t)1 << n) - 1);
        fal__ham_set s;
        CHECK_OK(fal__ham_set_new(ctx, n, x, k, &s));
        if (s.u > C) {
            /* enumeration: every subset of the u candidates of size C (bitmask) */
            uint64_t best = UINT64_MAX;
            for (uint32_t mask = 0; mask < (1u << s.u); mask++) {
                if ((size_t)__builtin_popcount(mask) != C) continue;
                uint64_t cost = 0;
                for (size_t i = 0; i < s.u; i++) {
                    unsigned dmin = 64;
                    for (size_t c = 0; c < s.u; c++)
                        if (mask >> c & 1) {
                            unsigned d = (unsigned)__builtin_popcountll(s.pt[i] ^ s.pt[c]);
                            if (d < dmin) dmin = d;
                        }
                    cost += s.wt[i] * dmin;
                }
                if (cost < best) best = cost;
            }
            fal__ham_clust h;
            uint64_t it;
            int fixed;
            fal_rng r;
            fal_rng_seed(&r, (uint64_t)trial);
            CHECK_OK(fal__ham_lloyd(ctx, &s, C, FAL__HAM_RESTARTS, 1000, &r, &h, &it, &fixed));
            fal__ham_clust cl;
            int proved = 0;
            CHECK_OK(fal__ham_mip(ctx, &s, C, s.pt, s.u, h.centre, h.c, FAL__HAM_MIP_EXACT_NODES, 1000, &cl, &proved));
            /* the polish may move centres off the list: never above the best
             * choice among the candidates, never below the true optimum */
            CHECK_MSG(proved && cl.cost <= best && cl.cost >= oracle_hamming_optimum(x, k, n, (unsigned)C),
                      "trial %d: program %llu (proved %d), best among the points %llu", trial,
                      (unsigned long long)cl.cost, proved, (unsigned long long)best);
            fal__ham_clust_free(ctx, &cl);
            fal__ham_clust_free(ctx, &h);
            solved++;
        }
        fal__ham_set_free(ctx, &s);
    }
    CHECK(solved >= 20);
}

/* --algo exact (the program in radius form, from the heuristic) against the old
 * exact solver, the Russian-doll branch and bound over partitions that was
 * --algo exact before: the same optimum on small random tables (14..22 rows
 * of 6..7 bits, m = 1..3), proved (at least 10 of the 16 tables finish in
 * the old search's 2^26 nodes). */
TEST(test_n4_exact_equals_old_branch_and_bound)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 777);
    int solved = 0;
    for (int trial = 0; trial < 16; trial++) {
        unsigned n = 6 + (unsigned)fal_rng_below(&gen, 2), m = 1 + (unsigned)fal_rng_below(&gen, 3);
        size_t k = 14 + (size_t)fal_rng_below(&gen, 9), C = (size_t)1 << m;
        uint64_t x[24];
        if (trial % 4 == 3) oracle_clustered_points(&gen, n, k, x);
        else
            for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&gen) & (((uint64_t)1 << n) - 1);
        fal__ham_set s;
        CHECK_OK(fal__ham_set_new(ctx, n, x, k, &s));
        if (s.u > C) {
            fal__ham_solution sol;
            fal_rng r;
            fal_rng_seed(&r, (uint64_t)trial);
            CHECK_OK(fal__ham_solve(ctx, &s, C, 1, 1000, &r, &sol));
            /* bounded by the heuristic's cost as --algo exact ran it; a table
             * the old search cannot finish in 2^26 nodes is skipped */
            fal__ham_clust old;
            int capped = 0;
            CHECK_OK(fal__ham_exact(ctx, &s, C, sol.lloyd_cost, (uint64_t)1 << 26, &old, &capped));
            if (capped) {
                fal__ham_solution_free(ctx, &sol);
                fal__ham_set_free(ctx, &s);
                continue;
            }
            CHECK_MSG(sol.optimum == old.cost && sol.cl.cost == old.cost && sol.ip_run,
                      "trial %d n=%u m=%u k=%zu: program %llu (optimum %llu), old branch and bound %llu", trial, n, m,
                      k, (unsigned long long)sol.cl.cost, (unsigned long long)sol.optimum,
                      (unsigned long long)old.cost);
            fal__ham_solution_free(ctx, &sol);
            fal__ham_clust_free(ctx, &old);
            solved++;
        }
        fal__ham_set_free(ctx, &s);
    }
    CHECK(solved >= 10);
}

/* The default (heuristic, then the program unasked on small tables) against
 * --algo exact on uniform random tables like issue 11's: never below it,
 * equal whenever it says the optimum is proved, and optimum_error is the
 * exact run's error. */
TEST(test_n4_default_against_the_integer_program)
{
    fal_rng gen;
    fal_rng_seed(&gen, 99);
    int proved = 0, at = 0;
    for (int trial = 0; trial < 8; trial++) {
        unsigned n = 6 + (unsigned)fal_rng_below(&gen, 2), m = 1 + (unsigned)fal_rng_below(&gen, 2);
        size_t k = 20 + (size_t)fal_rng_below(&gen, 9);
        uint64_t x[32];
        for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&gen) & (((uint64_t)1 << n) - 1);
        fal_table *t = oracle_bits_table(x, k, n);
        size_t w[] = { n, m, n };
        fal_result rd, rx;
        fal_arch *a, *b;
        CHECK_OK(run_ae("bool-ae", w, 3, 0, (uint64_t)trial, FAL_ALGO_DEFAULT, t, &rd, &a));
        CHECK_OK(run_ae("bool-ae", w, 3, 0, (uint64_t)trial, FAL_ALGO_EXACT, t, &rx, &b));
        CHECK(strcmp(rx.algo, "exact") == 0);
        CHECK(fal_result_extra(&rx, "optimum_proved") == 1.0);
        CHECK(rx.optimum_error == rx.train_error);
        CHECK(rd.train_error >= rx.train_error);
        if (fal_result_extra(&rd, "optimum_proved") == 1.0) {
            proved++;
            CHECK(rd.optimum_error == rx.train_error);
            CHECK(rd.train_error == rx.train_error);
        } else {
            CHECK(isnan(rd.optimum_error));
        }
        at += rd.train_error == rx.train_error;
        fal_arch_free(a);
        fal_arch_free(b);
        fal_table_free(t);
    }
    CHECK(proved >= 6); /* u 2^n <= 2^14: the program runs unasked */
    CHECK(at >= 7);
}

/* n = 64 (and 40) without truth tables: every training and test row is
 * decoded to its nearest centre (a direct scan), the distortion is the
 * clustering's, a deeper net with wide hidden layers gives the same errors,
 * the same seed gives the same bytes on 1 and 4 threads; params saturates
 * and log2_params is log2 w; log2_classes is null at n = 64 and at n = 40
 * equals N log2 J + log2 C(N, J) (the other terms are below 2^-1000 there). */
TEST(test_n4_up_to_64_inputs)
{
    fal_ctx *ctx = test_ctx();
    const size_t a1[] = { 64, 3, 64 }, a2[] = { 64, 40, 3, 40, 64 }, a3[] = { 40, 2, 40 };
    const size_t *as[] = { a1, a2, a3 };
    const size_t ns[] = { 3, 5, 3 };
    double tr[3], te[3];
    for (int q = 0; q < 3; q++) {
        fal_config cfg;
        fal_config_init(&cfg);
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_from_widths(ctx, as[q], ns[q], &arch));
        cfg.arch = arch;
        cfg.examples = 60;
        cfg.examples_set = 1;
        cfg.test = 200;
        cfg.seed = 4;
        fal_result res;
        memset(&res, 0, sizeof res);
        fal__bool_ae_net net;
        CHECK_OK(fal__bool_ae_run(ctx, &cfg, &res, &net));
        unsigned n = (unsigned)as[q][0];
        /* the teacher's rows again, from the same seed */
        fal_rng rdata, rtest;
        fal_rng_seed(&rdata, 4);
        rtest = rdata;
        fal_rng_jump(&rtest);
        fal_rng_jump(&rtest);
        fal__ham_data d;
        CHECK_OK(fal__ham_data_make(ctx, &cfg, n, (unsigned)as[q][ns[q] / 2], &rdata, &rtest, &d));
        uint64_t dtr = 0, dte = 0;
        int bad = 0;
        for (size_t i = 0; i < d.k + d.ntest; i++) {
            unsigned bd = 99;
            size_t bj = 0;
            for (size_t j = 0; j < net.c; j++) {
                unsigned dd = (unsigned)__builtin_popcountll(d.x[i] ^ net.centre[j]);
                if (dd < bd) bd = dd, bj = j;
            }
            if (fal__bool_ae_eval(&net, d.x[i]) != net.centre[bj]) bad++;
            if (i < d.k) dtr += bd;
            else dte += bd;
        }
        CHECK_MSG(bad == 0, "arch %d: %d rows not decoded to their nearest centre", q, bad);
        CHECK(fal_result_extra(&res, "distortion") == (double)dtr);
        CHECK(res.test_error == (double)dte / (200.0 * n));
        CHECK(fal_result_extra(&res, "implicit_layers") == (q == 1 ? 3.0 : 1.0)); /* layers fed by > 24 bits */
        tr[q] = res.train_error;
        te[q] = res.test_error;
        if (n == 64) {
            CHECK(res.params == UINT64_MAX);
            CHECK(isnan(res.log2_classes));
        } else {
            double N = ldexp(1.0, (int)n), J = 4, lc = 0;
            for (int i = 0; i < 4; i++) lc += log2(N - i);
            lc -= log2(24.0);
            double want = N * log2(J) + lc;
            CHECK_MSG(fabs(res.log2_classes - want) <= 1e-12 * want, "n=40: log2_classes %.17g, leading terms %.17g",
                      res.log2_classes, want);
            CHECK(res.params == 2 * ((uint64_t)1 << 40) + 40 * 4);
        }
        double w = 0;
        for (size_t i = 1; i < ns[q]; i++) w += (double)as[q][i] * ldexp(1.0, (int)as[q][i - 1]);
        CHECK_NEAR(fal_result_extra(&res, "log2_params"), log2(w), 1e-12);
        fal__ham_data_free(ctx, &d);
        fal__bool_ae_net_free(ctx, &net);
        fal_result_clear(&res);
        fal_arch_free(arch);
    }
    CHECK(tr[1] == tr[0] && te[1] == te[0]); /* the deeper net: same function on the rows */
    /* same seed, same bytes, 1 and 4 threads */
    fal_result r1, r2;
    fal_arch *a, *b;
    fal_ctx_set_threads(ctx, 1);
    CHECK_OK(run_ae("bool-ae", a1, 3, 300, 8, FAL_ALGO_DEFAULT, NULL, &r1, &a));
    fal_ctx_set_threads(ctx, 4);
    CHECK_OK(run_ae("bool-ae", a1, 3, 300, 8, FAL_ALGO_DEFAULT, NULL, &r2, &b));
    fal_ctx_set_threads(ctx, 1);
    r1.seconds = r2.seconds = 0;
    r1.arch = r2.arch = NULL;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
    fal_arch_free(a);
    fal_arch_free(b);
}

/* The integer program runs unasked on a 30 x 7 table: bool-ae gives the
 * same result bytes on 1 and 4 threads, and threshold-ae reports the same
 * proved N4 optimum (it calls the same clustering on the same streams). */
TEST(test_n4_n6_integer_program_same_bytes_any_threads)
{
    fal_ctx *ctx = test_ctx();
    fal_rng gen;
    fal_rng_seed(&gen, 31);
    uint64_t x[30];
    for (size_t i = 0; i < 30; i++) x[i] = fal_rng_next(&gen) & 0x7f;
    fal_table *t = oracle_bits_table(x, 30, 7);
    const size_t w[] = { 7, 2, 7 };
    fal_result r1, r2;
    fal_arch *a, *b;
    fal_ctx_set_threads(ctx, 1);
    CHECK_OK(run_ae("bool-ae", w, 3, 0, 3, FAL_ALGO_DEFAULT, t, &r1, &a));
    fal_ctx_set_threads(ctx, 4);
    CHECK_OK(run_ae("bool-ae", w, 3, 0, 3, FAL_ALGO_DEFAULT, t, &r2, &b));
    fal_ctx_set_threads(ctx, 1);
    CHECK(fal_result_extra(&r1, "integer_program") == 1.0);
    CHECK(fal_result_extra(&r1, "optimum_proved") == 1.0);
    double opt = r1.optimum_error;
    r1.seconds = r2.seconds = 0;
    r1.arch = r2.arch = NULL;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
    fal_arch_free(a);
    fal_arch_free(b);
    fal_result r6;
    fal_status s6 = run_ae("threshold-ae", w, 3, 0, 3, FAL_ALGO_DEFAULT, t, &r6, &a); /* linear gates */
    CHECK(s6 == FAL_OK || s6 == FAL_ENOCONV);
    fal_arch_free(a);
    CHECK(fal_result_extra(&r6, "n4_exact") == 1.0);
    CHECK(fal_result_extra(&r6, "n4_optimum") == opt * 30 * 7);
    fal_table_free(t);
}
