/* fallacy/run.h -- one experiment: build a family's network, train it on k
 * examples, measure it on fresh ones, compare with the optimum.
 *
 *   fal_config cfg;  fal_config_init(&cfg);
 *   cfg.family = fal_family_find("linear-chain");  cfg.arch = arch; ...
 *   fal_result res;  st = fal_run(ctx, &cfg, &res);
 *
 * Determinism: the same configuration (seed included) gives the same result
 * bytes, whatever the thread count; only res.seconds differs. */
#ifndef FALLACY_RUN_H
#define FALLACY_RUN_H

#include <stdint.h>
#include "arch.h"
#include "status.h"
#include "table.h"

typedef enum fal_algo {
    FAL_ALGO_DEFAULT = 0, /* the family's usual choice (gd for the linear ones) */
    FAL_ALGO_GD,          /* full-batch gradient descent on the squared error */
    FAL_ALGO_FA,          /* feedback alignment: fixed random backward weights */
    FAL_ALGO_EXACT,       /* the closed-form optimum (alpha/beta, least squares, eigenspace) */
    FAL_ALGO_NESTEROV,    /* linear, linear-ae: Nesterov's accelerated gradient with adaptive
                             restart (doc/linear.md); their default */
    FAL_ALGO_ADAM,        /* mlp: full-batch Adam (doc/mlp.md for its defaults) */
    FAL_ALGO_LBFGS        /* mlp: full-batch L-BFGS, memory 10, backtracking (doc/mlp.md) */
} fal_algo;

const char *fal_algo_name(fal_algo a);
/* Parse "gd", "fa", "exact", "nesterov", "adam", "lbfgs"; FAL_EINVAL otherwise. */
fal_status fal_algo_parse(fal_ctx *ctx, const char *name, fal_algo *out);

typedef enum fal_init {
    FAL_INIT_DEFAULT = 0, /* the family's documented start (see doc/) */
    FAL_INIT_SIGNS        /* linear-chain: fully random signs, even when the
                             product starts on the far side of the P = 0 saddle */
} fal_init;

/* mlp: the hidden units' activation. */
typedef enum fal_act {
    FAL_ACT_DEFAULT = 0,  /* relu */
    FAL_ACT_RELU,         /* max(0, z) */
    FAL_ACT_LEAKY_RELU,   /* z > 0 ? z : 0.01 z */
    FAL_ACT_TANH,
    FAL_ACT_SIGMOID,      /* 1 / (1 + e^-z) */
    FAL_ACT_LINEAR        /* z: a deep linear net with biases */
} fal_act;

const char *fal_act_name(fal_act a);
/* Parse "relu", "leaky-relu", "tanh", "sigmoid", "linear"; FAL_EINVAL otherwise. */
fal_status fal_act_parse(fal_ctx *ctx, const char *name, fal_act *out);

typedef enum fal_units {
    FAL_UNITS_SIGN = 0,     /* outputs in {-1, +1} */
    FAL_UNITS_HEAVISIDE     /* outputs in {0, 1} */
} fal_units;

struct fal_config;
struct fal_result;

/* The tuning options a family reads (fal_family.options).  fal_run refuses
 * a configuration that sets an option its family would ignore, so that a
 * typo'd or misplaced option never passes silently.  "Set" means a value
 * other than fal_config_init's. */
enum {
    FAL_OPT_LR = 1u << 0,       /* lr */
    FAL_OPT_TOL = 1u << 1,      /* tol */
    FAL_OPT_STEPS = 1u << 2,    /* max_steps */
    FAL_OPT_INIT = 1u << 3,     /* init */
    FAL_OPT_SUBSPACE = 1u << 4, /* subspace */
    FAL_OPT_FEATURES = 1u << 5, /* features */
    FAL_OPT_POWER = 1u << 6,    /* power */
    FAL_OPT_UNITS = 1u << 7,    /* units */
    FAL_OPT_DEGREE = 1u << 8,   /* degree */
    FAL_OPT_TEST = 1u << 9,     /* test */
    FAL_OPT_ACT = 1u << 10,     /* act */
    FAL_OPT_BIAS = 1u << 11,    /* bias_off */
    FAL_OPT_INIT_SCALE = 1u << 12, /* init_scale */
    FAL_OPT_TEACHER = 1u << 13, /* teacher_arch */
    FAL_OPT_DRAWS = 1u << 14,   /* draws */
    FAL_OPT_RESTARTS = 1u << 15 /* restarts */
};

/* A family of networks: one catalogue row. */
typedef struct fal_family {
    const char *name;    /* CLI name: "linear-chain" */
    const char *id;      /* catalogue ID: "L1" */
    const char *claim;   /* the claim in one sentence */
    fal_status (*run)(fal_ctx *ctx, const struct fal_config *cfg, struct fal_result *res);
    unsigned options;    /* FAL_OPT_* it reads; the others must be left unset */
} fal_family;

/* The families, in catalogue order; *n receives their number. */
const fal_family *fal_families(size_t *n);
/* The family called name, or NULL. */
const fal_family *fal_family_find(const char *name);

/* fal_config.keep_params */
enum { FAL_KEEP_NONE = 0, FAL_KEEP_ALL = 1, FAL_KEEP_CENTRES = 2 };

typedef struct fal_config {
    const fal_family *family;
    const fal_arch *arch;   /* borrowed; NULL: the family's default */
    size_t examples;        /* k; 0 with data == NULL: the family's default */
    int examples_set;       /* 1 if examples was given explicitly */
    size_t test;            /* fresh test inputs (default 1000) */
    fal_algo algo;
    fal_init init;
    fal_field field;        /* linear-ae: FAL_COMPLEX for L4 */
    size_t subspace;        /* linear-ae teacher: data in a random subspace of this
                               dimension; 0: the bottleneck width m; n0: generic
                               data with a decaying spectrum */
    size_t features;        /* shallow: w features (and parameters); 0: 1000 */
    unsigned power;         /* power-chain: q >= 2 in g(u) = u^q; 0: 2 */
    fal_units units;        /* threshold families: sign (+-1) or heaviside (0/1) */
    unsigned degree;        /* threshold-ae: degree d of the polynomial gates; 0: 1 */
    uint64_t max_steps;     /* 0: the family's default */
    double lr;              /* 0: chosen per step (see doc/linear.md) */
    double tol;             /* 0: the family's default convergence tolerance */
    uint64_t seed;
    const fal_table *data;  /* borrowed; NULL: the family's teacher generates data */
    /* Added for parameter export (fal_run_params): 1 (FAL_KEEP_ALL) asks
     * the family to leave its parameters in res->kept; 0 (the default)
     * keeps none.  FAL_KEEP_CENTRES (2), for what the store records of a
     * run (fal_store_put's centres column, `fallacy sweep`): bool-ae and
     * threshold-ae keep only "centres" and "centre_rows" -- no tables,
     * gates or rows, so no size limit applies; the other families read 2
     * as 1. */
    int keep_params;
    /* Added for row draws: with shuffle_set, the rows of data are permuted
     * before the split by a generator seeded from (shuffle, seed), so that
     * each seed trains on its own draw of k rows and `need` averages over
     * draws.  Unset (the default): the first k rows train, the rest test. */
    int shuffle_set;
    uint64_t shuffle;
    /* Added: with data and examples_set == 0, 0 < split_fraction < 1 makes
     * k = floor(split_fraction * rows) (at least 1); 0: unused. */
    double split_fraction;
    /* Added for `classes --params`: the parameter point of the class
     * analysis (W1..WL, or w for linear-chain, as fal_run_params hands them
     * out); NULL: a generic random point.  Borrowed; fal_run refuses it. */
    const struct fal_params *at;
    /* Added for the run JSON's provenance (fal_run_json's "config" and
     * "data" objects): where data came from and the column specs that
     * selected it.  Borrowed, may be NULL; the run itself never reads them. */
    const char *data_path;
    const char *inputs, *targets;
    /* mlp (M1), added 2026-12: */
    fal_act act;            /* hidden activation; FAL_ACT_DEFAULT: relu */
    int bias_off;           /* 1: no biases (--bias off) */
    double init_scale;      /* multiplies the He/Glorot standard deviations; 0: 1 */
    const fal_arch *teacher_arch; /* borrowed; NULL: the student's architecture */
    /* mlp, added 2026-12 (--draws): 0 or 1: nothing more; D >= 2: the run
     * also reports the Jacobian rank of its architecture over D parameter
     * draws (fal_classes_compute_draws, seeds seed .. seed + D - 1) as
     * extras function_dim, symmetry_bound, draws, frac_at_bound, dim_mean,
     * dim_min, dim_max: what a sweep stores for the report's figure of the
     * fraction at the bound against depth. */
    uint64_t draws;
    /* mlp, added 2026-12 (--restarts R): train from R independent student
     * starts, stopping at the first that converges, and keep the one with
     * the lowest training error (a teacher-size student often stops in a
     * spurious minimum: doc/mlp.md); 0: the default, 1. */
    unsigned restarts;
} fal_config;

/* Defaults: every field zero except test = 1000. */
void fal_config_init(fal_config *cfg);

#define FAL_MAX_EXTRAS 16

/* Points of a training curve: step 0, the 64 powers of two 1 .. 2^63 and
 * the last step. */
#define FAL_MAX_CURVE 66

/* One point of a training curve: the relative training error
 * sum ||y - t||^2 / sum ||t||^2 after `step` steps. */
typedef struct fal_curve_point {
    uint64_t step;
    double error;           /* NaN or infinite when the loss was not finite */
} fal_curve_point;

/* A family-specific figure reported beside the contract's fields. */
typedef struct fal_extra {
    const char *name;       /* static string */
    double value;           /* NaN prints as null */
} fal_extra;

/* The product contract's fields.  NaN in a double means "null". */
typedef struct fal_result {
    const char *id;
    const char *family;
    const fal_arch *arch;   /* borrowed from the config, or owned by res (see fal_result_clear) */
    uint64_t params;        /* w */
    uint64_t examples;      /* k */
    uint64_t seed;
    double train_error;
    double test_error;
    double optimum_error;
    double log2_classes;
    double bits_provided;
    int converged;
    uint64_t steps;
    double seconds;
    const char *algo;
    const char *note;       /* static text: why a run did not converge, or NULL */
    fal_extra extras[FAL_MAX_EXTRAS];
    int nextras;
    fal_arch *owned_arch;   /* set when the family chose the architecture */
    /* The training curve of an iterative algorithm: the relative training
     * error at step 0 (the start), at steps 1, 2, 4, 8, ... (the powers of
     * two) and at the last step, in increasing step order; the last point's
     * error is train_error.  Deterministic like every other field.
     * ncurve = 0 when the run took no steps of an iterative algorithm
     * (closed forms, exact solvers, enumeration). */
    fal_curve_point curve[FAL_MAX_CURVE];
    int ncurve;
    /* The convergence tolerance the run used (the relative gap to the
     * optimum, doc/linear.md), NaN for a family without one.  Added by
     * issue 11. */
    double tol;
    /* Added for parameter export: the parameters and predictions when
     * cfg->keep_params was set and the family exports them (NULL
     * otherwise); owned by res, freed by fal_result_clear unless taken
     * (fal_run_params takes it). */
    struct fal_params *kept;
} fal_result;

/* Run one experiment.  Returns FAL_OK when the run finished and converged,
 * FAL_ENOCONV when it finished without converging (res is filled, with
 * converged = 0 and note saying why), FAL_EINVAL/FAL_EFORMAT for a bad
 * configuration or data, FAL_ENOMEM when the memory budget or the allocator
 * refused (nothing is left allocated). */
fal_status fal_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
/* Release what a result owns (its architecture when the family chose it). */
void fal_result_clear(fal_result *res);
/* Value of an extra by name, NaN if absent. */
double fal_result_extra(const fal_result *res, const char *name);

/* The result as one JSON object, the product contract (`fallacy run --json`
 * prints exactly these bytes and a newline): id, family, algo, widths
 * (null beyond 10^5 layers), depth, width (uniform nets), params, examples,
 * seed, train_error, test_error, optimum_error, log2_classes,
 * bits_provided, converged, steps, note, the family's extras, seconds;
 * non-finite numbers are null.  Writes at most cap bytes, NUL included,
 * into buf (which may be NULL when cap is 0); *len (if not NULL) receives
 * the length without the NUL.  FAL_ERANGE when cap is too small: call once
 * with cap 0 for the length. */
fal_status fal_result_json(fal_ctx *ctx, const fal_result *res, char *buf, size_t cap, size_t *len);
/* The JSON of `fallacy run --json` and python's fallacy.run: fal_result_json's
 * object with, before "seconds", the provenance: "config" (every run option
 * of cfg, "default" where the family chooses), "data" (null for a teacher;
 * else path, bytes and SHA-256 of the file cfg->data_path, or path null and
 * the SHA-256 of the table's float64 values when the data came from memory;
 * rows, cols, field) and "build" (version, BLAS, threads of ctx).  Same
 * buffer rules as fal_result_json. */
fal_status fal_run_json(fal_ctx *ctx, const fal_config *cfg, const fal_result *res, char *buf, size_t cap,
                        size_t *len);

#endif
