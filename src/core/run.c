/* run.c -- the family table and the experiment driver. */
#include <math.h>
#include <string.h>
#include "../nets/nets.h"

static const fal_family families[] = {
    { "linear-chain", "L1",
      "A(1,...,1): y = (prod w_i) x; one example fixes P = prod w_i for any depth L (w = L).",
      fal__run_linear_chain, FAL_OPT_LR | FAL_OPT_TOL | FAL_OPT_STEPS | FAL_OPT_INIT | FAL_OPT_TEST },
    { "linear", "L2",
      "A(n,...,n) and expansive nets: n0 examples in general position fix the overall matrix (w = sum n_i n_{i-1}).",
      fal__run_linear, FAL_OPT_LR | FAL_OPT_TOL | FAL_OPT_STEPS | FAL_OPT_TEST },
    { "linear-ae", "L3",
      "A(n,m,n) linear autoencoder: the optimum is the projection on the top-m eigenvectors; m examples fix it "
      "for data in an m-dim subspace (L4: the same over C^n, --field complex).",
      fal__run_linear_ae, FAL_OPT_LR | FAL_OPT_TOL | FAL_OPT_STEPS | FAL_OPT_SUBSPACE | FAL_OPT_TEST },
    { "bool-chain", "N1",
      "A(1,...,1) of identity/NOT units: 2^L settings, 2 functions; one example fixes the parity of the NOTs.",
      fal__run_bool_chain, FAL_OPT_TEST },
    { "power-chain", "N2",
      "A(1,...,1) with g(u) = u^q: y = P x^(q^L); one example fixes P (P* = 0 when q is even and alpha < 0).",
      fal__run_power_chain, FAL_OPT_LR | FAL_OPT_TOL | FAL_OPT_STEPS | FAL_OPT_INIT | FAL_OPT_POWER | FAL_OPT_TEST },
    { "bool", "N3",
      "A(n0,...,nL) of unrestricted Boolean units without bottleneck: all 2^n0 examples fix the map, whatever L.",
      fal__run_bool, 0 },
    { "bool-ae", "N4",
      "Boolean autoencoder A(n,m,n): k <= 2^m examples are stored exactly; beyond, optimal Hamming clustering.",
      fal__run_bool_ae, FAL_OPT_STEPS | FAL_OPT_TEST },
    { "threshold-chain", "N5",
      "A(1,...,1) of threshold gates: the identity or the negation by the parity of negative weights; one example.",
      fal__run_threshold_chain, FAL_OPT_UNITS | FAL_OPT_TEST },
    { "threshold-ae", "N6",
      "Threshold-gate autoencoder A(n,m,n): approaches the Hamming-clustering optimum of N4.",
      fal__run_threshold_ae, FAL_OPT_STEPS | FAL_OPT_UNITS | FAL_OPT_DEGREE | FAL_OPT_TEST },
    { "shallow", "I2",
      "Shallow linear regression with w features needs k >= w: with k < w the minimum-norm fit leaves ~(1 - k/w).",
      fal__run_shallow, FAL_OPT_FEATURES | FAL_OPT_TEST },
    { "mlp", "M1",
      "Fully connected ReLU/tanh/sigmoid/linear nets with biases, teacher-student: classes = Jacobian rank "
      "(fallacy classes mlp), examples needed by GD, Adam, L-BFGS.",
      fal__run_mlp,
      FAL_OPT_LR | FAL_OPT_TOL | FAL_OPT_STEPS | FAL_OPT_TEST | FAL_OPT_ACT | FAL_OPT_BIAS | FAL_OPT_INIT_SCALE |
          FAL_OPT_TEACHER | FAL_OPT_DRAWS | FAL_OPT_RESTARTS },
};

const fal_family *fal_families(size_t *n)
{
    *n = sizeof families / sizeof families[0];
    return families;
}

const fal_family *fal_family_find(const char *name)
{
    size_t n;
    const fal_family *f = fal_families(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) return &f[i];
    return NULL;
}

const char *fal_algo_name(fal_algo a)
{
    switch (a) {
    case FAL_ALGO_DEFAULT: return "default";
    case FAL_ALGO_GD: return "gd";
    case FAL_ALGO_FA: return "fa";
    case FAL_ALGO_EXACT: return "exact";
    case FAL_ALGO_NESTEROV: return "nesterov";
    case FAL_ALGO_ADAM: return "adam";
    case FAL_ALGO_LBFGS: return "lbfgs";
    }
    return "?";
}

fal_status fal_algo_parse(fal_ctx *ctx, const char *name, fal_algo *out)
{
    static const fal_algo all[] = { FAL_ALGO_GD, FAL_ALGO_FA, FAL_ALGO_EXACT, FAL_ALGO_NESTEROV, FAL_ALGO_ADAM,
                                    FAL_ALGO_LBFGS };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, fal_algo_name(all[i])) == 0) {
            *out = all[i];
            return FAL_OK;
        }
    return fal__fail(ctx, FAL_EINVAL, "unknown algorithm '%s' (gd, nesterov, fa, exact, adam, lbfgs)", name);
}

const char *fal_act_name(fal_act a)
{
    switch (a) {
    case FAL_ACT_DEFAULT:
    case FAL_ACT_RELU: return "relu";
    case FAL_ACT_LEAKY_RELU: return "leaky-relu";
    case FAL_ACT_TANH: return "tanh";
    case FAL_ACT_SIGMOID: return "sigmoid";
    case FAL_ACT_LINEAR: return "linear";
    }
    return "?";
}

fal_status fal_act_parse(fal_ctx *ctx, const char *name, fal_act *out)
{
    static const fal_act all[] = { FAL_ACT_RELU, FAL_ACT_LEAKY_RELU, FAL_ACT_TANH, FAL_ACT_SIGMOID, FAL_ACT_LINEAR };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, fal_act_name(all[i])) == 0) {
            *out = all[i];
            return FAL_OK;
        }
    return fal__fail(ctx, FAL_EINVAL, "--act '%s': relu, leaky-relu, tanh, sigmoid or linear", name);
}

void fal_config_init(fal_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->test = 1000;
}

void fal__result_extra(fal_result *res, const char *name, double value)
{
    for (int i = 0; i < res->nextras; i++)
        if (strcmp(res->extras[i].name, name) == 0) {
            res->extras[i].value = value;
            return;
        }
    if (res->nextras < FAL_MAX_EXTRAS) {
        res->extras[res->nextras].name = name;
        res->extras[res->nextras].value = value;
        res->nextras++;
    }
}

double fal_result_extra(const fal_result *res, const char *name)
{
    for (int i = 0; i < res->nextras; i++)
        if (strcmp(res->extras[i].name, name) == 0) return res->extras[i].value;
    return NAN;
}

void fal_result_clear(fal_result *res)
{
    fal_arch_free(res->owned_arch);
    res->owned_arch = NULL;
    fal_params_free(res->kept);
    res->kept = NULL;
}

/* The first option cfg sets that its family does not read, or NULL. */
static const char *ignored_option(const fal_config *cfg)
{
    const struct {
        unsigned bit;
        int set;
        const char *name;
    } o[] = {
        { FAL_OPT_LR, cfg->lr != 0.0, "--lr" },
        { FAL_OPT_TOL, cfg->tol != 0.0, "--tol" },
        { FAL_OPT_STEPS, cfg->max_steps != 0, "--steps" },
        { FAL_OPT_INIT, cfg->init != FAL_INIT_DEFAULT, "--init" },
        { FAL_OPT_SUBSPACE, cfg->subspace != 0, "--subspace" },
        { FAL_OPT_FEATURES, cfg->features != 0, "--features" },
        { FAL_OPT_POWER, cfg->power != 0, "--power" },
        { FAL_OPT_UNITS, cfg->units != FAL_UNITS_SIGN, "--units" },
        { FAL_OPT_DEGREE, cfg->degree != 0, "--degree" },
        { FAL_OPT_TEST, cfg->test != 1000, "--test" },
        { FAL_OPT_ACT, cfg->act != FAL_ACT_DEFAULT, "--act" },
        { FAL_OPT_BIAS, cfg->bias_off != 0, "--bias" },
        { FAL_OPT_INIT_SCALE, cfg->init_scale != 0.0, "--init-scale" },
        { FAL_OPT_TEACHER, cfg->teacher_arch != NULL, "--teacher-widths" },
        { FAL_OPT_DRAWS, cfg->draws > 1, "--draws" },
        { FAL_OPT_RESTARTS, cfg->restarts > 1, "--restarts" },
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        if (o[i].set && !(cfg->family->options & o[i].bit)) return o[i].name;
    return NULL;
}

fal_status fal_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    memset(res, 0, sizeof *res);
    if (!cfg->family) return fal__fail(ctx, FAL_EINVAL, "no family given");
    res->id = cfg->family->id;
    res->family = cfg->family->name;
    res->seed = cfg->seed;
    res->train_error = res->test_error = res->optimum_error = NAN;
    res->log2_classes = res->bits_provided = NAN;
    res->tol = NAN;
    res->algo = fal_algo_name(cfg->algo == FAL_ALGO_DEFAULT ? FAL_ALGO_GD : cfg->algo);
    ctx->msg[0] = '\0';
    const char *ign = ignored_option(cfg);
    if (ign) return fal__fail(ctx, FAL_EINVAL, "%s: %s does not apply (the family does not read it)", cfg->family->name, ign);
    /* Adam and L-BFGS exist for the mlp only; another family would read them as gd */
    if ((cfg->algo == FAL_ALGO_ADAM || cfg->algo == FAL_ALGO_LBFGS) && strcmp(cfg->family->name, "mlp") != 0)
        return fal__fail(ctx, FAL_EINVAL, "%s: --algo %s applies to mlp only", cfg->family->name,
                         fal_algo_name(cfg->algo));
    /* a closed form has no step length and takes no steps */
    if (cfg->algo == FAL_ALGO_EXACT && (cfg->family->options & FAL_OPT_LR) && (cfg->lr != 0.0 || cfg->max_steps))
        return fal__fail(ctx, FAL_EINVAL, "%s: %s does not apply to --algo exact (a closed form)", cfg->family->name,
                         cfg->lr != 0.0 ? "--lr" : "--steps");
    if (cfg->at)
        return fal__fail(ctx, FAL_EINVAL, "%s: given parameters (--params) apply to `classes`, not to a run",
                         cfg->family->name);
    if (!cfg->data && (cfg->shuffle_set || cfg->split_fraction != 0.0))
        return fal__fail(ctx, FAL_EINVAL, "%s: %s needs --data (the teacher draws fresh examples for every seed)",
                         cfg->family->name, cfg->shuffle_set ? "--shuffle" : "--split");
    if (cfg->split_fraction != 0.0 && !(cfg->split_fraction > 0.0 && cfg->split_fraction < 1.0))
        return fal__fail(ctx, FAL_EINVAL, "--split %g: a fraction must lie strictly between 0 and 1", cfg->split_fraction);
    if (cfg->split_fraction != 0.0 && cfg->examples_set)
        return fal__fail(ctx, FAL_EINVAL, "give either --examples or a --split fraction, not both");
    fal_config c = *cfg;
    fal_table *drawn = NULL;
    if (cfg->data && cfg->split_fraction > 0.0) {
        double k = floor(cfg->split_fraction * (double)fal_table_rows(cfg->data));
        c.examples = k < 1.0 ? 1 : (size_t)k;
        c.examples_set = 1;
    }
    if (cfg->data && cfg->shuffle_set) {
        /* Fisher-Yates on the row order, one draw per (shuffle, seed) */
        const fal_table *t = cfg->data;
        size_t per = t->field == FAL_COMPLEX ? 2 : 1, w = t->cols * per;
        fal_status s0 = fal_table_new(ctx, t->rows, t->cols, t->field, &drawn);
        if (s0 != FAL_OK) return s0;
        size_t *perm = fal__alloc(ctx, (t->rows ? t->rows : 1) * sizeof *perm, "row draw");
        if (!perm) {
            fal_table_free(drawn);
            return FAL_ENOMEM;
        }
        for (size_t i = 0; i < t->rows; i++) perm[i] = i;
        fal_rng r;
        fal_rng_seed(&r, fal_hash64(cfg->shuffle, cfg->seed));
        for (size_t i = t->rows; i > 1; i--) {
            size_t j = (size_t)fal_rng_below(&r, i), tmp = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = tmp;
        }
        for (size_t i = 0; i < t->rows; i++) memcpy(drawn->v + i * w, t->v + perm[i] * w, w * sizeof(double));
        fal__free(ctx, perm, (t->rows ? t->rows : 1) * sizeof *perm);
        c.data = drawn;
    }
    double t0 = fal__now();
    fal_status st = cfg->family->run(ctx, &c, res);
    res->seconds = fal__now() - t0;
    fal_table_free(drawn);
    if (st != FAL_OK && st != FAL_ENOCONV) fal_result_clear(res);
    return st;
}
