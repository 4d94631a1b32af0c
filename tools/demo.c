/* demo.c -- `fallacy demo`: every catalogue row that has landed, at a
 * default scale, with a verdict computed from the measured numbers against
 * the tolerance stated in the table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* A row: what to run and what the claim predicts.
 *   FIT:   the judged figure (the test error, or `metric`) is at most `bound`;
 *   MISS:  a contrast with too few examples: the training set is fitted
 *          (train error <= 1e-12) but the test error stays above `bound`;
 *   MATCH: the test error agrees with the prediction in `metric` to within a
 *          relative `bound`;
 *   OPT:   the train error equals the optimum (proved by the family's exact
 *          search) to within `bound`;
 *   ABOVE: the train error is not below the optimum of the unrestricted
 *          family (`metric`, in bits): a restricted family (d = 1 threshold
 *          gates) may stay above it, never below. */
typedef enum { FIT, MISS, MATCH, OPT, ABOVE } verdict_kind;

typedef struct demo_row {
    const char *family, *widths;
    uint64_t depth;       /* uniform net when widths == NULL */
    size_t width;         /* its width (0: 1) */
    size_t examples;
    fal_algo algo;
    fal_field field;
    size_t subspace;
    unsigned power;
    fal_units units;
    size_t features;
    unsigned degree;
    uint64_t seed;        /* with has_seed; otherwise 1 */
    int has_seed;
    verdict_kind kind;
    double bound;
    const char *claim;
    const char *metric;   /* FIT: the figure judged (NULL: test error; "train_error"; or a result extra) */
    double tol;           /* --tol (0: the family's default) */
    fal_act act;          /* mlp: the hidden units (0: relu) */
    const char *teacher;  /* mlp: --teacher-widths (NULL: the student's) */
} demo_row;

#define W16x51 "16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16"

static const demo_row ROWS[] = {
    { .family = "linear-chain", .depth = 100000000, .examples = 1, .kind = FIT, .bound = 1e-15,
      .claim = "scalar chain, L = 10^8: one example fixes P" },
    { .family = "linear-chain", .depth = 1000, .examples = 1, .algo = FAL_ALGO_FA, .kind = FIT, .bound = 1e-15,
      .claim = "the same by feedback alignment, L = 1000" },
    { .family = "linear", .widths = W16x51, .examples = 16, .kind = FIT, .bound = 1e-10,
      .claim = "deep linear A(16^51): n0 = 16 examples fix P" },
    { .family = "linear", .widths = W16x51, .examples = 15, .kind = MISS, .bound = 1e-4,
      .claim = "  ...n0 - 1 = 15 examples do not" },
    { .family = "linear", .widths = "8,32,32,8", .examples = 8, .kind = FIT, .bound = 1e-10,
      .claim = "expansive A(8,32,32,8): 8 examples fix P" },
    { .family = "linear-ae", .widths = "20,3,20", .examples = 3, .subspace = 3, .kind = FIT, .bound = 1e-8,
      .claim = "autoencoder A(20,3,20), data in a 3-dim subspace: 3 examples" },
    { .family = "linear-ae", .widths = "20,3,20", .examples = 2, .subspace = 3, .kind = MISS, .bound = 1e-4,
      .claim = "  ...2 examples do not" },
    { .family = "linear-ae", .widths = "20,10,3,10,20", .examples = 3, .subspace = 3, .kind = FIT, .bound = 1e-8,
      .claim = "deep autoencoder A(20,10,3,10,20): 3 examples" },
    { .family = "linear-ae", .widths = "20,3,20", .examples = 3, .field = FAL_COMPLEX, .subspace = 3, .kind = FIT,
      .bound = 1e-8, .claim = "complex autoencoder over C^20: 3 examples" },
    { .family = "linear-ae", .widths = "20,3,20", .examples = 80, .subspace = 20, .kind = FIT, .bound = 3e-6,
      .tol = 1e-13, .claim = "generic data: descent finds the top-3 PCA projection (sin angle)", .metric = "max_sin_angle" },
    { .family = "linear-ae", .widths = "20,3,20", .examples = 80, .field = FAL_COMPLEX, .subspace = 20, .kind = FIT,
      .bound = 3e-6, .tol = 1e-13, .claim = "generic data over C^20: the top-3 eigenspace (sin angle)", .metric = "max_sin_angle" },
    { .family = "bool-chain", .depth = 1000000000, .examples = 1, .kind = FIT, .bound = 0,
      .claim = "identity/NOT chain, L = 10^9: one example fixes the parity" },
    { .family = "power-chain", .depth = 64, .examples = 1, .power = 2, .kind = FIT, .bound = 1e-12,
      .claim = "power chain u^2, L = 64: one example fixes P" },
    { .family = "power-chain", .depth = 64, .examples = 1, .power = 3, .kind = FIT, .bound = 1e-12,
      .claim = "power chain u^3, L = 64 (P may be negative)" },
    { .family = "bool", .depth = 1000, .width = 4, .examples = 16, .kind = FIT, .bound = 0,
      .claim = "Boolean A(4^1001): all 2^4 examples fix the map", .metric = "train_error" },
    { .family = "bool", .widths = "6,8,8,3", .examples = 32, .kind = MISS, .bound = 0.25,
      .claim = "  ...A(6,8,8,3) with 32 of 64: seen exact, unseen at chance" },
    { .family = "threshold-chain", .depth = 1000000, .examples = 1, .units = FAL_UNITS_SIGN, .kind = FIT, .bound = 0,
      .claim = "threshold chain sign(w h), L = 10^6: one example" },
    { .family = "threshold-chain", .depth = 1000000, .examples = 1, .units = FAL_UNITS_HEAVISIDE, .kind = FIT,
      .bound = 0, .claim = "  ...0/1 units H(w (h - 1/2)), L = 10^6" },
    { .family = "bool-ae", .widths = "8,2,8", .examples = 4, .kind = FIT, .bound = 0, .metric = "train_error",
      .claim = "Boolean autoencoder A(8,2,8), k = 4 <= 2^m: stored exactly" },
    { .family = "bool-ae", .widths = "8,2,8", .examples = 40, .has_seed = 1, .seed = 0, .kind = OPT, .bound = 0,
      .claim = "  ...k = 40 > 2^m: the optimal Hamming clustering (proved)" },
    { .family = "bool-ae", .widths = "8,6,2,6,8", .examples = 40, .has_seed = 1, .seed = 0, .kind = OPT, .bound = 0,
      .claim = "  ...deeper A(8,6,2,6,8): more parameters, the same optimum" },
    { .family = "threshold-ae", .widths = "4,2,4", .degree = 4, .examples = 12, .has_seed = 1, .seed = 3, .kind = OPT,
      .bound = 0, .claim = "threshold autoencoder A(4,2,4), degree 4 >= n: the N4 optimum" },
    { .family = "threshold-ae", .widths = "6,3,6", .degree = 6, .examples = 24, .has_seed = 1, .seed = 0, .kind = OPT,
      .bound = 0, .claim = "  ...A(6,3,6), degree 6: the N4 optimum" },
    { .family = "threshold-ae", .widths = "6,3,6", .degree = 1, .examples = 24, .has_seed = 1, .seed = 0, .kind = ABOVE,
      .bound = 0, .claim = "  ...linear gates (d = 1): at or above it", .metric = "gap" },
    { .family = "shallow", .features = 1000, .examples = 500, .kind = MATCH, .bound = 0.15,
      .claim = "shallow regression, w = 1000, k = 500: error ~ 1 - k/w", .metric = "predicted_test_error" },
    { .family = "shallow", .features = 1000, .examples = 1000, .kind = FIT, .bound = 1e-20,
      .claim = "  ...k = w = 1000 examples needed" },
    /* M1: the thesis on a ReLU net people train: an over-parameterised
     * student fits a small teacher from fewer examples than its w (and
     * than its function_dim); doc/mlp.md, "k against w" */
    { .family = "mlp", .widths = "4,64,1", .teacher = "4,8,1", .examples = 80, .kind = FIT, .bound = 0.02,
      .claim = "ReLU A(4,64,1), teacher A(4,8,1): k = 80 < w fits (L-BFGS)" },
};

/* log2 e for discrete families (from the run), the function-manifold
 * dimension (Jacobian rank, `fallacy classes`) for continuous ones where
 * the network is small enough to take the Jacobian of. */
static void info_column(fal_ctx *ctx, const fal_config *cfg, const fal_result *res, char *buf, size_t n)
{
    snprintf(buf, n, "-");
    if (!isnan(res->log2_classes)) {
        snprintf(buf, n, "%.4g", res->log2_classes);
        return;
    }
    fal_classes c;
    if (res->params <= 100000 && fal_classes_compute(ctx, cfg, &c) == FAL_OK && !c.discrete)
        snprintf(buf, n, "dim %llu", (unsigned long long)c.function_dim);
}

/* Keep a finished run in the demo's database (the report reads it). */
static void store_run(fal_ctx *ctx, fal_store *store, const fal_config *cfg, const fal_result *res, fal_status st)
{
    if (store && (st == FAL_OK || st == FAL_ENOCONV) && fal_store_put(store, cfg, res, NULL) != FAL_OK)
        cli_err("fallacy: demo: %s\n", fal_ctx_message(ctx));
}

/* More points for the report's headline figure (examples needed against
 * parameters): the shallow diagonal and flat deep lines over several sizes.
 * Stored, not printed. */
typedef struct headline_pt {
    const char *family;
    uint64_t depth;
    size_t width, features, examples;
} headline_pt;

static const headline_pt HEADLINE[] = {
    { "shallow", 0, 0, 10, 10 },          { "shallow", 0, 0, 10, 9 },
    { "shallow", 0, 0, 100, 100 },        { "shallow", 0, 0, 100, 99 },
    { "shallow", 0, 0, 1000, 999 },       { "linear-chain", 10, 1, 0, 1 },
    { "linear-chain", 1000, 1, 0, 1 },    { "linear-chain", 1000000, 1, 0, 1 },
    { "linear", 10, 8, 0, 8 },            { "linear", 10, 8, 0, 7 },
    { "linear", 1000, 8, 0, 8 },          { "linear", 1000, 8, 0, 7 },
    { "bool-chain", 1000, 1, 0, 1 },      { "bool-chain", 1000000, 1, 0, 1 },
    { "threshold-chain", 1000, 1, 0, 1 }, { "power-chain", 8, 1, 0, 1 },
};

static int headline_runs(fal_ctx *ctx, fal_store *store)
{
    int n = 0;
    for (size_t i = 0; store && i < sizeof HEADLINE / sizeof HEADLINE[0]; i++) {
        const headline_pt *h = &HEADLINE[i];
        fal_arch *arch = NULL;
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(h->family);
        cfg.features = h->features;
        cfg.examples = h->examples;
        cfg.examples_set = 1;
        cfg.seed = 1;
        fal_status st = h->depth ? fal_arch_uniform(ctx, h->depth, h->width, &arch) : FAL_OK;
        cfg.arch = arch;
        fal_result res;
        memset(&res, 0, sizeof res);
        if (st == FAL_OK) st = fal_run(ctx, &cfg, &res);
        store_run(ctx, store, &cfg, &res, st);
        n += st == FAL_OK || st == FAL_ENOCONV;
        fal_result_clear(&res);
        fal_arch_free(arch);
    }
    return n;
}

/* The information rows (I1): a measured figure against its closed form or a
 * known sequence, and for ranks a verification by training at k_min and
 * k_min - 1. */
typedef struct info_row {
    const char *family, *widths;
    fal_field field;
    uint64_t dim, kmin;   /* expected rank and k_min (continuous), or 0 */
    double count;         /* expected number of functions (discrete), or 0 */
    const char *claim;
} info_row;

static const info_row INFO[] = {
    { "linear-chain", "1,1,1,1,1,1,1,1,1,1,1", FAL_REAL, 1, 1, 0, "chain L = 10: rank 1, k_min 1" },
    { "linear", "8,32,32,8", FAL_REAL, 64, 8, 0, "A(8,32,32,8): rank n0 nL = 64, k_min n0 = 8" },
    { "linear", "4,4,4,4,4,4,4,4,4,4,4", FAL_REAL, 16, 4, 0, "A(4^11): rank 16, k_min 4" },
    { "linear-ae", "5,2,5", FAL_REAL, 16, 5, 0, "A(5,2,5) teacher-student: rank m(2n-m) = 16, k_min 5" },
    { "linear-ae", "20,3,20", FAL_REAL, 111, 20, 0, "A(20,3,20) teacher-student: rank 111, k_min 20" },
    { "linear-ae", "5,2,5", FAL_COMPLEX, 16, 5, 0, "A(5,2,5) over C: complex rank 16, k_min 5" },
    { "threshold-gate", "5,1", FAL_REAL, 0, 0, 94572, "one threshold gate, n = 5: 94572 functions (A000609)" },
};

static int info_rows(fal_ctx *ctx, int json, fal_store *store)
{
    int failed = 0;
    if (!json)
        printf("\n%-3s %-62s %10s %9s %5s %10s %10s  %s\n", "ID", "information (I1)", "w", "dim|e", "k_min",
               "err@k_min", "err@k-1", "verdict");
    for (size_t i = 0; i < sizeof INFO / sizeof INFO[0]; i++) {
        const info_row *r = &INFO[i];
        fal_arch *arch = NULL;
        fal_status st = fal_arch_parse(ctx, r->widths, &arch);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_classes_family(r->family);
        cfg.arch = arch;
        cfg.field = r->field;
        cfg.seed = 1;
        fal_classes c;
        memset(&c, 0, sizeof c);
        if (st == FAL_OK) st = fal_classes_compute(ctx, &cfg, &c);
        double at = NAN, below = NAN;
        int ok = st == FAL_OK;
        if (ok && r->count == 0) {
            /* verify by training, as teacher-student (linear) for the autoencoder shapes */
            fal_config vc = cfg;
            if (strcmp(r->family, "linear-ae") == 0) vc.family = fal_family_find("linear");
            vc.examples_set = 1;
            vc.examples = c.k_min;
            fal_result res;
            st = fal_run(ctx, &vc, &res);
            at = res.test_error;
            store_run(ctx, store, &vc, &res, st);
            fal_result_clear(&res);
            if (c.k_min > 1) {
                vc.examples = c.k_min - 1;
                fal_status s2 = fal_run(ctx, &vc, &res);
                below = res.test_error;
                store_run(ctx, store, &vc, &res, s2);
                fal_result_clear(&res);
                if (s2 != FAL_OK && s2 != FAL_ENOCONV) st = s2;
            }
            ok = (st == FAL_OK || st == FAL_ENOCONV) && c.function_dim == r->dim && c.k_min == r->kmin &&
                 at <= 1e-10 && (c.k_min == 1 || below > 1e-4);
        } else if (ok) {
            ok = c.classes == r->count;
        }
        if (st != FAL_OK && st != FAL_ENOCONV) cli_err("fallacy: demo: %s\n", fal_ctx_message(ctx));
        failed |= !ok;
        if (json) {
            printf("{\"id\":\"%s\",\"family\":\"%s\",\"params\":%llu,\"function_dim\":%llu,\"k_min\":%llu,"
                   "\"classes\":%.17g,\"verdict\":\"%s\"}\n",
                   c.id ? c.id : "?", r->family, (unsigned long long)c.params, (unsigned long long)c.function_dim,
                   (unsigned long long)c.k_min, isnan(c.classes) ? 0 : c.classes, ok ? "holds" : "FAILS");
        } else if (r->count) {
            printf("%-3s %-62s %10llu %9.0f %5s %10s %10s  %s (= %.0f)\n", "I1", r->claim, (unsigned long long)c.params,
                   c.classes, "-", "-", "-", ok ? "holds" : "FAILS", r->count);
        } else {
            char bl[32];
            if (isnan(below)) snprintf(bl, sizeof bl, "-");
            else snprintf(bl, sizeof bl, "%.2e", below);
            printf("%-3s %-62s %10llu %9llu %5llu %10.2e %10s  %s (dim %llu, k_min %llu)\n", c.id ? c.id : "?",
                   r->claim, (unsigned long long)c.params, (unsigned long long)c.function_dim,
                   (unsigned long long)c.k_min, at, bl, ok ? "holds" : "FAILS", (unsigned long long)r->dim,
                   (unsigned long long)r->kmin);
        }
        fal_arch_free(arch);
    }
    return failed;
}

/* Q1 (doc/qnet.md): the Gibbs learner's exact curve on nets of n0 = 3 with
 * quantized weights, stored for the report's Q1 section.  Verdicts: the
 * one-gate net with weights -3..3 computes every threshold function of 3
 * inputs (104, A000609); and, from the k1/2 printed per net, the axis k / w
 * collapses the curves worse than the paper's k n0 / log2 e, and k nL / H
 * (the entropy of the class sizes) better (doc/qnet.md, "What the
 * measurements show"). */
typedef struct qnet_row {
    const char *widths, *act, *weights, *levels;
    uint64_t count;       /* expected e, or 0 */
} qnet_row;

static const qnet_row QNET[] = {
    { "3,1", NULL, "-1,1", NULL, 0 },    { "3,1", NULL, NULL, NULL, 0 },     { "3,1", NULL, NULL, "3", 104 },
    { "3,2,1", NULL, NULL, NULL, 0 },    { "3,2,1", "relu", NULL, NULL, 0 },
};
#define NQNET (sizeof QNET / sizeof QNET[0])

static int qnet_rows(fal_ctx *ctx, int json, fal_store *store)
{
    int failed = 0;
    double kh[NQNET], sc[3][NQNET];
    if (!json)
        printf("\n%-3s %-40s %5s %7s %7s %7s %7s %7s %12s %7s %9s  %s\n", "ID", "qnet: the Gibbs learner's exact curve",
               "w", "e", "log2 e", "H", "err@0", "k1/2", "k1/2 n0/l2e", "k1/2/w", "k1/2 nL/H", "verdict");
    for (size_t i = 0; i < NQNET; i++) {
        const qnet_row *q = &QNET[i];
        char *argv[9];
        int argc = 0;
        argv[argc++] = (char *)"qnet";
        argv[argc++] = (char *)"--widths";
        argv[argc++] = (char *)q->widths;
        if (q->act) {
            argv[argc++] = (char *)"--act";
            argv[argc++] = (char *)q->act;
        }
        if (q->weights) {
            argv[argc++] = (char *)"--weights";
            argv[argc++] = (char *)q->weights;
        }
        if (q->levels) {
            argv[argc++] = (char *)"--levels";
            argv[argc++] = (char *)q->levels;
        }
        argv[argc] = NULL;
        cli_run r;
        classes_opts co;
        memset(&co, 0, sizeof co);
        cli_qnet_summary s;
        memset(&s, 0, sizeof s);
        int threads = fal_ctx_threads(ctx);
        int rc = cli_run_parse(CMD_CLASSES, argc, argv, ctx, &r, &co);
        fal_ctx_set_threads(ctx, threads); /* the parse set --threads' default, 1 */
        if (!rc) {
            rc = cli_qnet_store(ctx, store, &r, &s);
            cli_run_free(&r);
        }
        char name[64];
        snprintf(name, sizeof name, "A(%s) %s {%s}", q->widths, q->act ? q->act : "sign",
                 q->weights ? q->weights : q->levels ? "-3..3" : "-1,0,1");
        kh[i] = rc ? NAN : s.khalf;
        sc[0][i] = (double)s.n0 / s.log2_classes;
        sc[1][i] = 1.0 / (double)s.params;
        sc[2][i] = (double)s.nL / s.entropy;
        int ok = !rc && (!q->count || s.classes == q->count);
        failed |= !ok;
        char verdict[64];
        if (q->count) snprintf(verdict, sizeof verdict, "%s (e = %llu, A000609)", ok ? "holds" : "FAILS",
                               (unsigned long long)q->count);
        else snprintf(verdict, sizeof verdict, "%s", ok ? "measured" : "ERROR");
        if (json)
            printf("{\"id\":\"Q1\",\"family\":\"qnet\",\"net\":\"%s\",\"params\":%llu,\"classes\":%llu,"
                   "\"log2_classes\":%.17g,\"entropy\":%.17g,\"error_k0\":%.17g,\"k_half\":%.17g,\"verdict\":\"%s\"}\n",
                   name, (unsigned long long)s.params, (unsigned long long)s.classes, s.log2_classes, s.entropy,
                   s.error0, s.khalf, ok ? (q->count ? "holds" : "measured") : "FAILS");
        else
            printf("%-3s %-40s %5llu %7llu %7.4f %7.4f %7.4f %7.4f %12.4f %7.4f %9.4f  %s\n", "Q1", name,
                   (unsigned long long)s.params, (unsigned long long)s.classes, s.log2_classes, s.entropy, s.error0,
                   s.khalf, kh[i] * sc[0][i], kh[i] * sc[1][i], kh[i] * sc[2][i], verdict);
    }
    double cv[3];
    for (int a = 0; a < 3; a++) cv[a] = fal_qnet_collapse_cv(kh, sc[a], NQNET);
    int w_worse = cv[1] > cv[0], h_better = cv[2] < cv[0];
    failed |= !w_worse || !h_better;
    if (json) {
        printf("{\"id\":\"Q1\",\"cv_k_n0_over_log2e\":%.17g,\"cv_k_over_w\":%.17g,\"cv_k_nL_over_entropy\":%.17g,"
               "\"verdict_w\":\"%s\",\"verdict_entropy\":\"%s\"}\n",
               cv[0], cv[1], cv[2], w_worse ? "holds" : "FAILS", h_better ? "holds" : "FAILS");
    } else {
        printf("%-3s %-78s  %s (CV %.3f > %.3f)\n", "Q1",
               "k1/2 / w varies more across the nets than k1/2 n0 / log2 e (w is no yardstick)",
               w_worse ? "holds" : "FAILS", cv[1], cv[0]);
        printf("%-3s %-78s  %s (CV %.3f < %.3f)\n", "Q1",
               "k1/2 nL / H varies less than k1/2 n0 / log2 e (the entropy axis collapses best)",
               h_better ? "holds" : "FAILS", cv[2], cv[0]);
    }
    return failed;
}

static const char *row_id(const demo_row *r)
{
    if (r->field == FAL_COMPLEX) return "L4";
    return fal_family_find(r->family)->id;
}

int cli_demo(int argc, char **argv)
{
    demo_opts o = { "fallacy-report", 0 };
    cli_args a;
    int prc = cli_parse(CMD_DEMO, argc, argv, NULL, &o, NULL, &a);
    if (prc) return prc < 0 ? EXIT_OK : prc;
    cli_args_free(&a);
    int json = o.json;
    const char *out_dir = o.out;
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    fal_ctx_set_threads(ctx, 2);
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    char db[4096];
    fal_store *store = NULL;
    int rc = cli_report_store(ctx, out_dir, &store, db, sizeof db); /* a fresh out_dir/runs.sqlite */
    if (rc) {
        fal_ctx_free(ctx);
        return rc;
    }
    if (!json)
        printf("%-3s %-62s %10s %4s %10s %10s %9s %6s  %s\n", "ID", "claim", "w", "k", "test err", "optimum",
               "log2e|dim", "bits", "verdict");
    int failed = 0;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const demo_row *r = &ROWS[i];
        fal_arch *arch = NULL;
        fal_status st = FAL_OK;
        if (r->widths) st = fal_arch_parse(ctx, r->widths, &arch);
        else if (r->depth) st = fal_arch_uniform(ctx, r->depth, r->width ? r->width : 1, &arch);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(r->family);
        cfg.arch = arch;
        cfg.examples = r->examples;
        cfg.examples_set = 1;
        cfg.algo = r->algo;
        cfg.field = r->field;
        cfg.subspace = r->subspace;
        cfg.power = r->power;
        cfg.units = r->units;
        cfg.features = r->features;
        cfg.degree = r->degree;
        cfg.seed = r->has_seed ? r->seed : 1;
        cfg.tol = r->tol;
        cfg.act = r->act;
        fal_arch *teacher = NULL;
        if (st == FAL_OK && r->teacher) st = fal_arch_parse(ctx, r->teacher, &teacher);
        cfg.teacher_arch = teacher;
        fal_result res;
        memset(&res, 0, sizeof res);
        if (st == FAL_OK) st = fal_run(ctx, &cfg, &res);
        const char *verdict;
        if (st != FAL_OK && st != FAL_ENOCONV) {
            cli_err("fallacy: demo row %zu: %s\n", i + 1, fal_ctx_message(ctx));
            verdict = "ERROR";
            failed = 1;
        } else if (r->kind == FIT) {
            double v = !r->metric ? res.test_error
                       : strcmp(r->metric, "train_error") == 0 ? res.train_error
                                                               : fal_result_extra(&res, r->metric);
            int ok = res.converged && v <= r->bound;
            verdict = ok ? "holds" : "FAILS";
            failed |= !ok;
        } else if (r->kind == MISS) {
            int ok = res.train_error <= 1e-12 && res.test_error > r->bound;
            verdict = ok ? "holds (k too small)" : "FAILS";
            failed |= !ok;
        } else if (r->kind == MATCH) {
            double pred = fal_result_extra(&res, r->metric);
            int ok = pred > 0 && fabs(res.test_error / pred - 1) <= r->bound;
            verdict = ok ? "holds" : "FAILS";
            failed |= !ok;
        } else if (r->kind == OPT) {
            int ok = res.converged && fabs(res.train_error - res.optimum_error) <= r->bound;
            verdict = ok ? "holds" : "FAILS";
            failed |= !ok;
        } else {
            int ok = fal_result_extra(&res, r->metric) >= 0;
            verdict = ok ? "holds" : "FAILS";
            failed |= !ok;
        }
        if (st == FAL_OK || st == FAL_ENOCONV) {
            if (json) {
                cli_print_json(stdout, &res);
            } else {
                char bound[64];
                if (r->kind == MATCH)
                    snprintf(bound, sizeof bound, "within %.0f%% of %.3g", 100 * r->bound, fal_result_extra(&res, r->metric));
                else if (r->kind == OPT)
                    snprintf(bound, sizeof bound, "train = optimum");
                else if (r->kind == ABOVE)
                    snprintf(bound, sizeof bound, "%.0f bits above the N4 optimum", fal_result_extra(&res, r->metric));
                else if (r->metric && strcmp(r->metric, "train_error") != 0)
                    snprintf(bound, sizeof bound, "%s = %.1e <= %.0e", r->metric, fal_result_extra(&res, r->metric),
                             r->bound);
                else if (r->bound == 0)
                    snprintf(bound, sizeof bound, "%s error = 0", r->metric ? "train" : "test");
                else
                    snprintf(bound, sizeof bound, "%s %s %.0e", r->metric ? "train" : "test", r->kind == FIT ? "<=" : ">",
                             r->bound);
                char info[32], bits[32];
                info_column(ctx, &cfg, &res, info, sizeof info);
                if (isnan(res.bits_provided)) snprintf(bits, sizeof bits, "-");
                else snprintf(bits, sizeof bits, "%.0f", res.bits_provided);
                char te[32];
                if (isnan(res.test_error)) snprintf(te, sizeof te, "-");
                else snprintf(te, sizeof te, "%.2e", res.test_error);
                printf("%-3s %-62s %10llu %4llu %10s %10.2e %9s %6s  %s (%s)\n", row_id(r), r->claim,
                       (unsigned long long)res.params, (unsigned long long)res.examples, te, res.optimum_error, info,
                       bits, verdict, bound);
            }
        }
        fflush(stdout);
        store_run(ctx, store, &cfg, &res, st);
        fal_result_clear(&res);
        fal_arch_free(teacher);
        fal_arch_free(arch);
    }
    failed |= info_rows(ctx, json, store);
    failed |= qnet_rows(ctx, json, store);
    int extra = headline_runs(ctx, store);
    fal_store_close(store);
    fal_ctx_free(ctx);
    int rrc = cli_report_write(db, out_dir, 1e-8);
    if (!json) {
        printf("%s\n", failed ? "some verdicts FAIL" : "every verdict holds");
        if (!rrc) printf("report: %s/index.html (database %s, %d more runs for the headline figure)\n", out_dir, db, extra);
    }
    return failed ? EXIT_FAILED : rrc;
}
