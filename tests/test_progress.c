/* test_progress.c -- the library's progress callback (fal_ctx_set_progress).
 *
 * Oracles: the result's own training curve (fal_result.curve: the error
 * after steps 0, 1, 2, 4, ... and the last, recorded by the same loop) and
 * fal_need's probe list; and the result without a callback, which must be
 * the same bytes (the callback only watches). */
#include <stdint.h>
#include <string.h>
#include "test.h"

#define MAX_CALLS 70000

typedef struct rec {
    uint64_t n, done[MAX_CALLS], total[MAX_CALLS];
    double value[MAX_CALLS];
    uint64_t seed[MAX_CALLS];
    int other_stage;
    const char *stage;
} rec;

static void on_progress(void *ud, const fal_progress *p)
{
    rec *r = ud;
    if (strcmp(p->stage, r->stage) != 0) {
        r->other_stage += strcmp(p->stage, "train") != 0 && strcmp(p->stage, "need") != 0;
        return;
    }
    if (r->n < MAX_CALLS) {
        r->done[r->n] = p->done;
        r->total[r->n] = p->total;
        r->value[r->n] = p->value;
        r->seed[r->n] = p->seed;
    }
    r->n++;
}

static int same_result(const fal_result *a, const fal_result *b)
{
    return a->steps == b->steps && a->converged == b->converged &&
           memcmp(&a->train_error, &b->train_error, sizeof(double)) == 0 &&
           memcmp(&a->test_error, &b->test_error, sizeof(double)) == 0 && a->ncurve == b->ncurve &&
           memcmp(a->curve, b->curve, (size_t)a->ncurve * sizeof a->curve[0]) == 0;
}

/* "train": one call per step evaluated (done = 0, 1, ..., steps), total
 * the step limit, value the training error that the curve records at the
 * same steps (bit for bit); the result is unchanged by the callback. */
TEST(test_progress_callback_follows_training)
{
    fal_ctx *ctx = test_ctx();
    static rec r;
    struct {
        const char *family;
        uint64_t depth;
        size_t width, k;
        uint64_t steps; /* 0: the family's default limit */
    } cases[] = {
        { "linear-chain", 1000, 1, 1, 0 },
        { "linear", 3, 4, 4, 0 },
        { "linear", 20, 3, 3, 500 },
        { "power-chain", 8, 1, 1, 0 },
        { "mlp", 2, 3, 12, 0 }, /* A(3,3,3), L-BFGS */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_uniform(ctx, cases[c].depth, cases[c].width, &a));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(cases[c].family);
        cfg.arch = a;
        cfg.examples = cases[c].k;
        cfg.examples_set = 1;
        cfg.max_steps = cases[c].steps;
        cfg.seed = 3;
        fal_result plain, watched;
        fal_status s0 = fal_run(ctx, &cfg, &plain);
        memset(&r, 0, sizeof r);
        r.stage = "train";
        fal_ctx_set_progress(ctx, on_progress, &r);
        fal_status s1 = fal_run(ctx, &cfg, &watched);
        fal_ctx_set_progress(ctx, NULL, NULL);
        CHECK(s0 == s1 && (s0 == FAL_OK || s0 == FAL_ENOCONV));
        CHECK_MSG(same_result(&plain, &watched), "%s: the callback changed the result", cases[c].family);
        CHECK_MSG(r.n == watched.steps + 1 && r.n <= MAX_CALLS, "%s: %llu calls for %llu steps", cases[c].family,
                  (unsigned long long)r.n, (unsigned long long)watched.steps);
        CHECK(r.other_stage == 0);
        int ok = 1;
        for (uint64_t i = 0; i < r.n && i < MAX_CALLS; i++) {
            ok &= r.done[i] == i && r.total[i] == r.total[0] && r.seed[i] == 0;
            ok &= r.total[0] >= watched.steps && (cases[c].steps == 0 || r.total[i] == cases[c].steps);
        }
        CHECK_MSG(ok, "%s: done not 0, 1, 2, ... or total not the step limit", cases[c].family);
        /* every curve point before the measured last one is a callback value */
        int matched = 0;
        for (int j = 0; j < watched.ncurve; j++) {
            uint64_t st = watched.curve[j].step;
            if (st < r.n && st < MAX_CALLS &&
                memcmp(&r.value[st], &watched.curve[j].error, sizeof(double)) == 0)
                matched++;
        }
        CHECK_MSG(watched.ncurve >= 2 && matched >= watched.ncurve - 1, "%s: %d of %d curve points seen",
                  cases[c].family, matched, watched.ncurve);
        fal_result_clear(&plain);
        fal_result_clear(&watched);
        fal_arch_free(a);
    }
}

/* "need": one call before each run, done = runs finished so far, value =
 * the k of the probe, seed = base seed + s; in the order of nr.probes. */
TEST(test_progress_callback_follows_need)
{
    fal_ctx *ctx = test_ctx();
    static rec r;
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 2, 3, &a));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear");
    cfg.arch = a;
    cfg.seed = 10;
    memset(&r, 0, sizeof r);
    r.stage = "need";
    fal_ctx_set_progress(ctx, on_progress, &r);
    fal_need_result nr;
    fal_status st = fal_need(ctx, &cfg, 1e-6, 2, 0, &nr);
    fal_ctx_set_progress(ctx, NULL, NULL);
    CHECK_OK(st);
    CHECK(nr.found && nr.nprobes >= 2);
    CHECK_MSG(r.n == nr.runs && nr.runs == 2 * (uint64_t)nr.nprobes, "%llu calls, %llu runs",
              (unsigned long long)r.n, (unsigned long long)nr.runs);
    int ok = 1;
    for (uint64_t i = 0; i < r.n; i++) {
        const fal_need_probe *p = &nr.probes[i / 2];
        ok &= r.done[i] == i && r.total[i] == 0 && r.value[i] == (double)p->k && r.seed[i] == 10 + i % 2;
    }
    CHECK(ok);
    fal_arch_free(a);
}
