/* test_classes.c -- I1: Jacobian ranks, k_min, class walks, exact counts. */
#include <string.h>
#include "test.h"

static fal_status classes_of(const char *family, const char *widths, fal_field f, fal_classes *c, fal_arch **a)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_classes_family(family);
    cfg.field = f;
    cfg.seed = 3;
    if (fal_arch_parse(ctx, widths, a) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *a;
    return fal_classes_compute(ctx, &cfg, c);
}

/* Closed forms: L1 rank 1, k_min 1; L2 rank n0 nL, k_min n0; L3 (and L4
 * over C) rank m(2n - m), the dimension of the rank-m n x n matrices, with
 * k_min measured: 5 for A(5,2,5), not ceil(16/5) = 4. */
TEST(test_i1_jacobian_ranks_match_closed_forms)
{
    struct {
        const char *family, *widths;
        fal_field f;
        uint64_t w, dim, kmin;
    } cases[] = {
        { "linear-chain", "1,1,1,1,1,1,1,1,1,1,1", FAL_REAL, 10, 1, 1 },
        { "linear", "4,4,4,4", FAL_REAL, 48, 16, 4 },
        { "linear", "8,32,32,8", FAL_REAL, 1536, 64, 8 },
        { "linear", "3,5,5,2", FAL_REAL, 50, 6, 3 },
        { "linear-ae", "5,2,5", FAL_REAL, 20, 16, 5 },
        { "linear-ae", "20,3,20", FAL_REAL, 120, 3 * 37, 20 },
        { "linear-ae", "6,4,2,4,6", FAL_REAL, 64, 2 * 10, 6 },
        { "linear-ae", "5,2,5", FAL_COMPLEX, 20, 16, 5 },
        { "linear", "5,2,5", FAL_REAL, 20, 16, 5 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fal_classes c;
        fal_arch *a = NULL;
        fal_status st = classes_of(cases[i].family, cases[i].widths, cases[i].f, &c, &a);
        CHECK_OK(st);
        CHECK_MSG(c.params == cases[i].w && c.function_dim == cases[i].dim && c.k_min == cases[i].kmin &&
                      c.class_dim == cases[i].w - cases[i].dim,
                  "%s %s: w %llu dim %llu k_min %llu", cases[i].family, cases[i].widths,
                  (unsigned long long)c.params, (unsigned long long)c.function_dim, (unsigned long long)c.k_min);
        /* a clean cut: the kept singular values far above the dropped ones */
        CHECK_LT(c.sigma_next, 1e-10);
        CHECK_LT(1e-4, c.sigma_last);
        fal_arch_free(a);
    }
}

/* The explicit SVD and the Gram route agree on every leading block. */
TEST(test_i1_svd_and_gram_routes_agree)
{
    fal_ctx *ctx = test_ctx();
    const char *widths[] = { "4,6,6,3", "6,2,6", "5,5,5,5,5" };
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i < 3; i++) {
            fal_arch *a = NULL;
            CHECK_OK(fal_arch_parse(ctx, widths[i], &a));
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_family_find("linear");
            cfg.arch = a;
            cfg.field = (fal_field)f;
            for (size_t k = 1; k <= fal_arch_width(a, 0); k++) {
                uint64_t r1 = 0, r2 = 0;
                CHECK_OK(fal_classes_rank_at(ctx, &cfg, k, 1, &r1));
                CHECK_OK(fal_classes_rank_at(ctx, &cfg, k, 2, &r2));
                CHECK_MSG(r1 == r2 && r1 > 0, "%s k=%zu: svd %llu gram %llu", widths[i], k, (unsigned long long)r1,
                          (unsigned long long)r2);
            }
            fal_arch_free(a);
        }
}

/* w = 10^5 works (the Gram route): A(32^101) has rank 32 x 32. */
TEST(test_i1_rank_at_1e5_parameters)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 100, 32, &a));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear");
    cfg.arch = a;
    fal_classes c;
    CHECK_OK(fal_classes_compute(ctx, &cfg, &c));
    CHECK(c.params == 102400);
    CHECK(c.function_dim == 1024);
    CHECK(c.k_min == 32);
    CHECK(strcmp(c.rank_method, "gram") == 0);
    fal_arch_free(a);
}

/* Class walks: outputs unchanged to 1e-12 while the parameters move far. */
TEST(test_i1_class_walks_stay_in_the_class)
{
    fal_ctx *ctx = test_ctx();
    struct {
        const char *family, *widths;
        fal_field f;
    } cases[] = { { "linear-chain", "1,1,1,1,1,1,1,1", FAL_REAL },
                  { "linear", "4,4,4,4", FAL_REAL },
                  { "linear-ae", "20,10,3,10,20", FAL_REAL },
                  { "linear-ae", "6,2,6", FAL_COMPLEX } };
    for (size_t i = 0; i < 4; i++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_parse(ctx, cases[i].widths, &a));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(cases[i].family);
        cfg.arch = a;
        cfg.field = cases[i].f;
        fal_walk wk;
        CHECK_OK(fal_classes_walk(ctx, &cfg, 50, &wk));
        CHECK_LT(wk.max_output_change, 1e-12);
        CHECK_LT(0.3, wk.param_distance);
        fal_arch_free(a);
    }
}

/* The known sequence of linearly separable Boolean functions of n
 * variables (OEIS A000609): 4, 14, 104, 1882, 94572 for n = 1..5. */
TEST(test_i1_threshold_gate_counts_known_sequence)
{
    const double known[6] = { 2, 4, 14, 104, 1882, 94572 };
    for (int n = 1; n <= 5; n++) {
        char w[16];
        snprintf(w, sizeof w, "%d,1", n);
        fal_classes c;
        fal_arch *a = NULL;
        CHECK_OK(classes_of("threshold-gate", w, FAL_REAL, &c, &a));
        CHECK_MSG(c.classes == known[n], "n = %d: %g functions, expected %g", n, c.classes, known[n]);
        CHECK_NEAR(c.log2_classes, log2(known[n]), 1e-12);
        fal_arch_free(a);
    }
}

/* Discrete closed forms against brute force: every setting of a tiny
 * Boolean chain (identity/NOT units) and of a tiny unrestricted net
 * A(2,2,2) is evaluated here, and the distinct functions counted. */
TEST(test_i1_discrete_counts_brute_force)
{
    /* chain of L units: setting s (bit i: unit i is NOT) computes x xor parity(s) */
    for (int L = 1; L <= 10; L++) {
        unsigned seen = 0, per_fn[2] = { 0, 0 };
        for (unsigned s = 0; s < (1u << L); s++) {
            unsigned fn = 0; /* bit x: output on input x */
            for (unsigned x = 0; x < 2; x++) {
                unsigned v = x;
                for (int i = 0; i < L; i++) v ^= (s >> i) & 1;
                fn |= v << x;
            }
            seen |= 1u << fn;
            per_fn[fn == 2 ? 0 : 1]++; /* fn 2 = identity (0->0, 1->1), fn 1 = NOT */
        }
        int distinct = __builtin_popcount(seen);
        char w[64];
        snprintf(w, sizeof w, "1");
        for (int i = 0; i < L; i++) strcat(w, ",1");
        fal_classes c;
        fal_arch *a = NULL;
        CHECK_OK(classes_of("bool-chain", w, FAL_REAL, &c, &a));
        CHECK_NEAR(c.log2_classes, log2(distinct), 0);
        CHECK_NEAR(c.log2_settings, L, 0);
        CHECK_NEAR(c.log2_mean_class_size, log2((double)per_fn[0]), 0);
        CHECK(per_fn[0] == per_fn[1]);
        fal_arch_free(a);
    }
    /* A(2,2,2): 4 units with 4-entry truth tables, 2^16 settings */
    static unsigned char seen[256];
    memset(seen, 0, sizeof seen);
    for (unsigned s = 0; s < 65536; s++) {
        unsigned map = 0; /* 4 inputs x 2 output bits */
        for (unsigned x = 0; x < 4; x++) {
            unsigned h0 = (s >> (0 + x)) & 1, h1 = (s >> (4 + x)) & 1, hid = h0 | h1 << 1;
            unsigned y0 = (s >> (8 + hid)) & 1, y1 = (s >> (12 + hid)) & 1;
            map |= (y0 | y1 << 1) << (2 * x);
        }
        seen[map] = 1;
    }
    int distinct = 0;
    for (int i = 0; i < 256; i++) distinct += seen[i];
    fal_classes c;
    fal_arch *a = NULL;
    CHECK_OK(classes_of("bool", "2,2,2", FAL_REAL, &c, &a));
    CHECK(distinct == 256);
    CHECK_NEAR(c.log2_classes, log2(distinct), 0);
    CHECK_NEAR(c.log2_settings, 16, 0);
    CHECK(c.params == 16);
    fal_arch_free(a);
}

/* N4: the maps H^n -> H^n with at most 2^m image points, counted by brute
 * force for n = 2 (256 maps of 4 points) and n = 3 (8^8 maps: counted by
 * image size over all functions [8] -> [8]). */
TEST(test_i1_bool_ae_classes_brute_force)
{
    /* n = 2: enumerate every map of {0..3} into itself */
    int le2 = 0, le1 = 0;
    for (unsigned f = 0; f < 256; f++) {
        unsigned img = 0;
        for (unsigned x = 0; x < 4; x++) img |= 1u << ((f >> (2 * x)) & 3);
        int sz = __builtin_popcount(img);
        le2 += sz <= 2;
        le1 += sz <= 1;
    }
    CHECK(le2 == 88 && le1 == 4);
    fal_classes c;
    fal_arch *a = NULL;
    CHECK_OK(classes_of("bool-ae", "2,1,2", FAL_REAL, &c, &a));
    CHECK_NEAR(c.log2_classes, log2(88.0), 1e-12);
    CHECK(c.classes == 88);
    CHECK(c.params == 1 * 4 + 2 * 2); /* m 2^n + n 2^m */
    fal_arch_free(a);
    /* n = 3, m = 1 and 2: maps [8] -> [8] with image size <= 2^m */
    unsigned long long cnt[9] = { 0 };
    for (unsigned long long f = 0; f < (1ULL << 24); f++) {
        unsigned img = 0;
        for (unsigned x = 0; x < 8; x++) img |= 1u << ((f >> (3 * x)) & 7);
        cnt[__builtin_popcount(img)]++;
    }
    unsigned long long le[3] = { 0, cnt[1] + cnt[2], cnt[1] + cnt[2] + cnt[3] + cnt[4] };
    for (int m = 1; m <= 2; m++) {
        char w[16];
        snprintf(w, sizeof w, "3,%d,3", m);
        CHECK_OK(classes_of("bool-ae", w, FAL_REAL, &c, &a));
        CHECK_NEAR(c.log2_classes, log2((double)le[m]), 1e-12);
        CHECK(c.classes == (double)le[m]);
        fal_arch_free(a);
    }
}

/* The parameter counts of classes agree with the families' own parameter
 * blocks (the families assert theirs against the stored tables/weights). */
TEST(test_i1_discrete_params_match_the_families)
{
    fal_ctx *ctx = test_ctx();
    struct {
        const char *family, *widths;
        unsigned degree;
    } cases[] = { { "bool-ae", "8,2,8", 0 },       { "bool-ae", "8,6,2,6,8", 0 }, { "threshold-ae", "6,3,6", 1 },
                  { "threshold-ae", "6,3,6", 6 }, { "threshold-ae", "8,2,8", 3 }, { "bool", "6,8,8,3", 0 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_parse(ctx, cases[i].widths, &a));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(cases[i].family);
        cfg.arch = a;
        cfg.degree = cases[i].degree;
        cfg.examples = 8;
        cfg.examples_set = 1;
        cfg.seed = 1;
        fal_classes c;
        fal_result res;
        CHECK_OK(fal_classes_compute(ctx, &cfg, &c));
        fal_status st = fal_run(ctx, &cfg, &res);
        CHECK(st == FAL_OK || st == FAL_ENOCONV);
        CHECK_MSG(c.params == res.params, "%s %s d=%u: classes %llu, run %llu", cases[i].family, cases[i].widths,
                  cases[i].degree, (unsigned long long)c.params, (unsigned long long)res.params);
        if (!isnan(res.log2_classes)) CHECK_NEAR(c.log2_classes, res.log2_classes, 1e-9);
        fal_result_clear(&res);
        fal_arch_free(a);
    }
}

/* N1, N5: flipping two units at a time never changes the function. */
TEST(test_i1_parity_chain_walks)
{
    fal_ctx *ctx = test_ctx();
    const char *fam[3] = { "bool-chain", "threshold-chain", "threshold-chain" };
    for (int i = 0; i < 3; i++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_uniform(ctx, 1000, 1, &a));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(fam[i]);
        cfg.arch = a;
        cfg.units = i == 2 ? FAL_UNITS_HEAVISIDE : FAL_UNITS_SIGN;
        fal_walk wk;
        CHECK_OK(fal_classes_walk(ctx, &cfg, 300, &wk));
        CHECK(wk.max_output_change == 0);
        CHECK_LT(0.2, wk.param_distance);
        fal_arch_free(a);
    }
}

TEST(test_i1_cli_classes_verify_and_json)
{
    static char out[1 << 14];
    CHECK(test_cli("classes linear-ae --widths 5,2,5 --verify --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"function_dim\":16") && strstr(out, "\"k_min\":5") && strstr(out, "\"class_dim\":4"));
    CHECK(strstr(out, "\"probe_tolerance\":") != NULL);
    char *p = strstr(out, "\"verify_test_error_at_k_min\":"), *q = strstr(out, "\"verify_test_error_below_k_min\":");
    CHECK(p && q);
    if (p && q) {
        CHECK_LT(strtod(p + 29, NULL), 1e-12);
        CHECK_LT(1e-4, strtod(q + 32, NULL));
    }
    CHECK(test_cli("classes linear --widths 4,4,4 --walk 20 --json", out, sizeof out) == 0);
    p = strstr(out, "\"walk_max_output_change\":");
    CHECK(p != NULL);
    if (p) CHECK_LT(strtod(p + 25, NULL), 1e-12);
    CHECK(test_cli("classes bool --widths 6,8,8,3 --walk 200 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"walk_max_output_change\":0,") != NULL);
    p = strstr(out, "\"walk_param_distance\":");
    CHECK(p != NULL);
    if (p) CHECK_LT(0.4, strtod(p + 22, NULL));
    CHECK(test_cli("classes threshold-ae --widths 8,2,8 --walk 100 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"walk_max_output_change\":0,") != NULL);
    CHECK(test_cli("classes linear --widths 4,4 --walk x", out, sizeof out) == 2);
    CHECK(test_cli("classes nosuch", out, sizeof out) == 2);
    CHECK(test_cli("classes threshold-gate --widths 7,1", out, sizeof out) == 2);
}

/* ---- the k_min search on rank sequences that saturate below n0 ---------- */
#include <lapacke.h>
#include "../src/info/kmin.h"

typedef struct syn_rank {
    size_t ksat, plateau; /* rank 3 min(k, ksat), except full - 1 on the plateau before ksat */
    int calls;
} syn_rank;

static fal_status syn_rank_fn(void *ud, size_t k, uint64_t *r)
{
    syn_rank *s = ud;
    s->calls++;
    uint64_t full = 3 * (uint64_t)s->ksat;
    *r = 3 * (uint64_t)(k < s->ksat ? k : s->ksat);
    if (k < s->ksat && k + s->plateau >= s->ksat) *r = full - 1;
    return FAL_OK;
}

/* Every saturation point k* in [1, kmax] for kmax up to 40, with and
 * without a plateau one below full rank just before k*: the search
 * returns k* (the oracle: a linear scan for the first k with full rank),
 * in at most ceil(log2 kmax) rank evaluations. */
TEST(test_classes_kmin_search_synthetic)
{
    for (size_t kmax = 1; kmax <= 40; kmax++)
        for (size_t ks = 1; ks <= kmax; ks++)
            for (size_t pl = 0; pl <= 3; pl += 3) {
                syn_rank s = { ks, pl, 0 };
                size_t want = 0;
                for (size_t k = 1; k <= kmax && !want; k++) {
                    uint64_t r;
                    syn_rank_fn(&s, k, &r);
                    if (r >= 3 * ks) want = k;
                }
                s.calls = 0;
                size_t got = 0;
                CHECK_OK(fal__kmin_search(kmax, 3 * ks, syn_rank_fn, &s, &got));
                int bound = 0;
                while (((size_t)1 << bound) < kmax) bound++;
                CHECK_MSG(got == want && s.calls <= bound, "kmax %zu k* %zu plateau %zu: got %zu (want %zu), %d calls",
                          kmax, ks, pl, got, want, s.calls);
            }
}

/* A real rank sequence that saturates below n0: the Jacobian of
 * Y = W2 W1 X (A(8, 3, 4), generic weights) with respect to (W1, W2) on
 * probes that span only d = 5 of the 8 input directions.  Its rank on k
 * probes, computed here (explicit Jacobian, LAPACK dgesvd), stops growing
 * at k = d = 5 < n0: the search finds 5 where a scan does. */
typedef struct jac_rank {
    const double *W1, *W2, *X; /* 3 x 8, 4 x 3, 8 x 8 (column-major) */
} jac_rank;

static fal_status jac_rank_fn(void *ud, size_t k, uint64_t *r)
{
    const jac_rank *j = ud;
    enum { N0 = 8, M = 3, NL = 4, W = M * N0 + NL * M };
    size_t rows = k * NL;
    double *J = calloc(rows * W, sizeof(double)), sv[W], sup[W];
    for (size_t p = 0; p < k; p++) {
        const double *x = j->X + p * N0;
        double h[M] = { 0 };
        for (size_t a = 0; a < M; a++)
            for (size_t q = 0; q < N0; q++) h[a] += j->W1[a + q * M] * x[q];
        for (size_t o = 0; o < NL; o++) {
            size_t row = p * NL + o;
            /* dY[o]/dW1[a, q] = W2[o, a] x[q]; dY[o]/dW2[o, a] = h[a] */
            for (size_t a = 0; a < M; a++)
                for (size_t q = 0; q < N0; q++) J[row + (a + q * M) * rows] = j->W2[o + a * NL] * x[q];
            for (size_t a = 0; a < M; a++) J[row + (M * N0 + o + a * NL) * rows] = h[a];
        }
    }
    size_t mn = rows < W ? rows : W;
    int info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)rows, W, J, (lapack_int)rows, sv, NULL, 1,
                              NULL, 1, sup);
    free(J);
    if (info) return FAL_EINTERNAL;
    *r = 0;
    for (size_t i = 0; i < mn; i++) *r += sv[i] > 1e-9 * sv[0];
    return FAL_OK;
}

TEST(test_classes_kmin_search_rank_saturating_below_n0)
{
    fal_rng r;
    fal_rng_seed(&r, 11);
    double W1[24], W2[12], B[40], Cf[40], X[64];
    for (int i = 0; i < 24; i++) W1[i] = fal_rng_normal(&r);
    for (int i = 0; i < 12; i++) W2[i] = fal_rng_normal(&r);
    for (int i = 0; i < 40; i++) B[i] = fal_rng_normal(&r);  /* 8 x 5 basis */
    for (int i = 0; i < 40; i++) Cf[i] = fal_rng_normal(&r); /* 5 x 8 coordinates */
    for (int a = 0; a < 8; a++)
        for (int p = 0; p < 8; p++) {
            double s = 0;
            for (int q = 0; q < 5; q++) s += B[a + q * 8] * Cf[q + p * 5];
            X[a + p * 8] = s;
        }
    jac_rank j = { W1, W2, X };
    uint64_t full = 0, rk;
    CHECK_OK(jac_rank_fn(&j, 8, &full));
    size_t want = 0;
    for (size_t k = 1; k <= 8 && !want; k++) {
        CHECK_OK(jac_rank_fn(&j, k, &rk));
        if (rk >= full) want = k;
    }
    /* rank m (d + nL - m) = 3 (5 + 4 - 3) = 18 at d = 5 probes, below n0 = 8 */
    CHECK_MSG(full == 18 && want == 5, "full rank %llu reached at %zu probes", (unsigned long long)full, want);
    size_t got = 0;
    CHECK_OK(fal__kmin_search(8, full, jac_rank_fn, &j, &got));
    CHECK(got == want);
}
