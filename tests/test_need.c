/* test_need.c -- `need`: the examples a family needs, found by training
 * (I1 checked by training, and the I2 contrast). */
#include <string.h>
#include "test.h"

static fal_status need(const char *family, const char *widths, size_t features, double eps, uint64_t kmax,
                       fal_need_result *out)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find(family);
    cfg.features = features;
    if (cfg.family->options & FAL_OPT_TEST) cfg.test = 200;
    fal_arch *a = NULL;
    if (widths && fal_arch_parse(ctx, widths, &a) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = a;
    fal_status st = fal_need(ctx, &cfg, eps, 3, kmax, out);
    fal_arch_free(a);
    return st;
}

/* What every search must satisfy, whatever the family: a probe passes iff
 * no seed failed; the passing k_needed has k_needed - 1 probed and failing
 * (or k_needed = 1); runs = probes x seeds. */
static void check_search(const fal_need_result *r)
{
    CHECK(r->runs == (uint64_t)r->nprobes * r->seeds);
    for (int i = 0; i < r->nprobes; i++) {
        const fal_need_probe *p = &r->probes[i];
        CHECK(p->passed == (p->failed == 0));
        if (p->passed) CHECK(p->worst_test_error <= r->eps);
        CHECK(p->k >= 1 && p->k <= r->kmax);
    }
    if (!r->found) return;
    int at = 0, below = r->k_needed == 1;
    for (int i = 0; i < r->nprobes; i++) {
        if (r->probes[i].k == r->k_needed) at = r->probes[i].passed;
        if (r->probes[i].k + 1 == r->k_needed) below = !r->probes[i].passed;
    }
    CHECK_MSG(at && below, "k_needed %llu: passes %d, k - 1 fails %d", (unsigned long long)r->k_needed, at, below);
    CHECK(r->test_error_at_k <= r->eps);
}

/* L1 (I1: one class parameter, P): one example at every depth, while
 * w = L grows a thousandfold. */
TEST(test_i1_need_linear_chain_is_one_at_every_depth)
{
    const char *archs[] = { "1,1", "1,1,1,1,1,1,1,1,1,1,1" };
    for (int i = 0; i < 3; i++) {
        fal_need_result r;
        fal_status st;
        if (i < 2) {
            st = need("linear-chain", archs[i], 0, 1e-12, 0, &r);
        } else {
            fal_ctx *ctx = test_ctx();
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_family_find("linear-chain");
            fal_arch *a = NULL;
            CHECK_OK(fal_arch_uniform(ctx, 1000, 1, &a));
            cfg.arch = a;
            st = fal_need(ctx, &cfg, 1e-12, 3, 0, &r);
            fal_arch_free(a);
        }
        const uint64_t depth[] = { 1, 10, 1000 };
        CHECK_OK(st);
        CHECK(r.found && r.k_needed == 1 && r.params == depth[i]);
        CHECK(r.nprobes == 1 && r.runs == 3 && r.kmax == 4 * depth[i]);
        CHECK(strcmp(r.id, "L1") == 0 && isnan(r.test_error_below));
        check_search(&r);
    }
}

/* L2 (I1: the overall map has n0 nL free numbers, each example gives nL):
 * n0 examples, with w = 48 and 128. */
TEST(test_i1_need_linear_is_n0)
{
    const char *archs[] = { "4,4,4,4", "8,8,8" };
    const uint64_t n0[] = { 4, 8 }, w[] = { 48, 128 };
    for (int i = 0; i < 2; i++) {
        fal_need_result r;
        CHECK_OK(need("linear", archs[i], 0, 1e-8, 0, &r));
        CHECK_MSG(r.found && r.k_needed == n0[i], "%s: k_needed %llu", archs[i], (unsigned long long)r.k_needed);
        CHECK(r.params == w[i]);
        CHECK_LT(1e-4, r.test_error_below); /* one unseen direction is far from the optimum */
        check_search(&r);
    }
}

/* I2: the shallow model needs k = w, the diagonal of the headline figure.
 * The probe order is the documented search: doubling until a pass, then
 * bisection (w = 20: 1 2 4 8 16 32 pass, 24 pass, 20 pass, 18 19 fail). */
TEST(test_i2_need_shallow_is_w)
{
    const size_t ws[] = { 20, 50 };
    for (int i = 0; i < 2; i++) {
        fal_need_result r;
        CHECK_OK(need("shallow", NULL, ws[i], 1e-8, 0, &r));
        CHECK_MSG(r.found && r.k_needed == ws[i], "w %zu: k_needed %llu", ws[i], (unsigned long long)r.k_needed);
        CHECK(r.params == ws[i] && r.kmax == 4 * ws[i]);
        CHECK_LT(1e-4, r.test_error_below);
        check_search(&r);
        if (i == 0) {
            const uint64_t order[] = { 1, 2, 4, 8, 16, 32, 24, 20, 18, 19 };
            CHECK(r.nprobes == 10);
            for (int j = 0; j < 10 && j < r.nprobes; j++) CHECK(r.probes[j].k == order[j]);
        }
    }
}

/* Not found: kmax below the need gives FAL_ENOCONV, found = 0, and kmax
 * itself is the last probe (1 2 4 8 10). */
TEST(test_i2_need_not_found_below_kmax)
{
    fal_need_result r;
    CHECK(need("shallow", NULL, 20, 1e-8, 10, &r) == FAL_ENOCONV);
    CHECK(!r.found && r.k_needed == 0 && r.kmax == 10 && isnan(r.test_error_at_k));
    CHECK(r.nprobes == 5 && r.probes[4].k == 10 && !r.probes[4].passed);
    check_search(&r);
}

/* A run that does not converge fails its k even when its test error is
 * below eps: L1 with one step reaches test error ~2e-8 < 1e-6 but not its
 * tolerance. */
TEST(test_i1_need_unconverged_runs_fail)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    cfg.max_steps = 1;
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 1000, 1, &a));
    cfg.arch = a;
    fal_need_result r;
    CHECK(fal_need(ctx, &cfg, 1e-6, 2, 3, &r) == FAL_ENOCONV);
    CHECK(r.nprobes == 3); /* 1, 2, then kmax = 3 */
    for (int i = 0; i < r.nprobes; i++) {
        CHECK(r.probes[i].unconverged == 2 && r.probes[i].failed == 2);
        CHECK_LT(r.probes[i].worst_test_error, 1e-6);
    }
    fal_arch_free(a);
}

/* --data: noise-free linear rows with w = 5 features need 5 rows; kmax is
 * capped at rows - 1 so that a test row remains. */
TEST(test_i2_need_from_data)
{
    fal_ctx *ctx = test_ctx();
    fal_table *tab = NULL;
    CHECK_OK(fal_table_new(ctx, 30, 6, FAL_REAL, &tab));
    if (!tab) return;
    double *v = fal_table_data(tab);
    fal_rng rng;
    fal_rng_seed(&rng, 5);
    for (size_t i = 0; i < 30; i++) {
        v[i * 6 + 5] = 0;
        for (size_t q = 0; q < 5; q++) {
            v[i * 6 + q] = fal_rng_normal(&rng);
            v[i * 6 + 5] += (double)(q + 1) * v[i * 6 + q];
        }
    }
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("shallow");
    cfg.data = tab;
    fal_need_result r;
    CHECK_OK(fal_need(ctx, &cfg, 1e-10, 2, 0, &r));
    CHECK(r.found && r.k_needed == 5 && r.params == 5 && r.kmax == 20);
    check_search(&r);
    CHECK(fal_need(ctx, &cfg, 1e-10, 2, 1000, &r) == FAL_OK && r.kmax == 29);
    fal_table_free(tab);
    CHECK_OK(fal_table_new(ctx, 1, 6, FAL_REAL, &tab));
    cfg.data = tab;
    CHECK(fal_need(ctx, &cfg, 1e-10, 2, 0, &r) == FAL_EINVAL);
    fal_table_free(tab);
}

/* Bad arguments are FAL_EINVAL before any run; a family without a test
 * error (--test 0) is FAL_EINVAL after the first. */
TEST(test_need_refuses_bad_arguments)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear-chain");
    fal_need_result r;
    const double bad_eps[] = { 0.0, -1e-3, NAN, INFINITY };
    for (int i = 0; i < 4; i++) {
        CHECK(fal_need(ctx, &cfg, bad_eps[i], 3, 0, &r) == FAL_EINVAL);
        CHECK(r.runs == 0);
    }
    CHECK(fal_need(ctx, &cfg, 1e-6, 0, 0, &r) == FAL_EINVAL);
    CHECK(fal_need(ctx, &cfg, 1e-6, 3, FAL_NEED_MAX_K + 1, &r) == FAL_EINVAL);
    CHECK(r.runs == 0);
    cfg.test = 0;
    CHECK(fal_need(ctx, &cfg, 1e-6, 3, 0, &r) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "no test error") != NULL);
    cfg.test = 1000;
    cfg.family = NULL;
    CHECK(fal_need(ctx, &cfg, 1e-6, 3, 0, &r) == FAL_EINVAL);
    /* a family error ends the search and names k and seed */
    cfg.family = fal_family_find("shallow");
    cfg.algo = FAL_ALGO_GD;
    CHECK(fal_need(ctx, &cfg, 1e-6, 3, 0, &r) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "k = 1, seed 0") != NULL);
}

/* Same arguments, same search, bit for bit. */
TEST(test_need_same_arguments_same_bytes)
{
    fal_need_result a, b;
    CHECK_OK(need("shallow", NULL, 12, 1e-8, 0, &a));
    CHECK_OK(need("shallow", NULL, 12, 1e-8, 0, &b));
    CHECK(a.nprobes == b.nprobes && a.k_needed == b.k_needed && a.runs == b.runs);
    for (int i = 0; i < a.nprobes && i < b.nprobes; i++) {
        CHECK(a.probes[i].k == b.probes[i].k);
        CHECK(memcmp(&a.probes[i].worst_test_error, &b.probes[i].worst_test_error, sizeof(double)) == 0);
    }
}

/* The CLI: JSON with the headline figure's fields, exit codes. */
TEST(test_cli_need_json_and_exit_codes)
{
    char out[8192], again[8192];
    CHECK(test_cli("need linear-chain --depth 100 --eps 1e-12 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"k_needed\":1,") != NULL);
    CHECK(strstr(out, "\"family\":\"linear-chain\"") && strstr(out, "\"id\":\"L1\"") && strstr(out, "\"params\":100,"));
    CHECK(strstr(out, "\"seeds\":3,") && strstr(out, "\"eps\":") && strstr(out, "\"probes\":[{\"k\":1,\"worst_test_error\":"));
    CHECK(test_cli("need shallow --features 16 --eps 1e-8 --seeds 2 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"k_needed\":16,") && strstr(out, "\"seeds\":2,"));
    CHECK(test_cli("need shallow --features 16 --eps 1e-8 --seeds 2 --json", again, sizeof again) == 0);
    CHECK(strcmp(out, again) == 0);
    CHECK(test_cli("need shallow --features 16 --eps 1e-8 --kmax 8 --json", out, sizeof out) == 1);
    CHECK(strstr(out, "\"k_needed\":null") && strstr(out, "\"found\":false"));
    const char *bad[] = {
        "need linear-chain --eps 0",       "need linear-chain --eps -1",       "need linear-chain --eps abc",
        "need linear-chain --eps 1e999",   "need linear-chain",                "need linear-chain --eps",
        "need linear-chain --eps 1e-6 --seeds 0", "need linear-chain --eps 1e-6 --kmax 2000000",
        "need linear-chain --eps 1e-6 --examples 4", "need linear-chain --eps 1e-6 --test 0",
        "need nosuchfamily --eps 1e-6",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = test_cli(bad[i], out, sizeof out);
        CHECK_MSG(rc == 2, "'fallacy %s' exited %d, expected 2", bad[i], rc);
        CHECK_MSG(out[0] == '\0', "'fallacy %s' wrote to stdout", bad[i]);
    }
}

/* N3 (I1: no bottleneck, every one of the 2^n0 inputs is its own class
 * coordinate): need = 2^n0 = 8 for A(3, 4, 2).  Its test set is the unseen
 * inputs, empty at k = 8: the search then judges on the training error. */
TEST(test_i1_need_bool_is_two_to_the_n0)
{
    fal_need_result r;
    fal_status st = need("bool", "3,4,2", 0, 1e-9, 0, &r);
    CHECK_OK(st);
    CHECK_MSG(r.found && r.k_needed == 8, "k_needed %llu", (unsigned long long)r.k_needed);
    check_search(&r);
}
