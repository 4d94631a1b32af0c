/* fallacy/classes.h -- I1: equivalence classes and the information needed
 * to pick one.
 *
 * Discrete families: log2 e (the number of distinct functions), log2 of the
 * number of parameter settings and of the mean class size, exactly.
 * Continuous families: the rank of the Jacobian of parameters -> outputs on
 * a generic probe set (the dimension of the function manifold), w - rank
 * (the dimension of a class), and k_min, the smallest number of training
 * inputs on which the Jacobian alone reaches that rank (local
 * identifiability of a generic teacher of the family). */
#ifndef FALLACY_CLASSES_H
#define FALLACY_CLASSES_H

#include "run.h"

#define FAL_CLASSES_MAX_LAYERS 32

typedef struct fal_classes {
    const char *id;
    const char *family;
    uint64_t params;            /* w */
    int discrete;               /* 1: the log2 fields; 0: the rank fields */
    double log2_classes;        /* log2 e (NaN: unknown) */
    double classes;             /* e itself where it is an exact integer below 2^53, else NaN */
    double log2_settings;       /* log2 of the parameter settings (discrete) */
    double log2_mean_class_size;
    double bits_provided;       /* by cfg->examples examples (NaN for continuous) */
    uint64_t examples;          /* the k bits_provided counts */
    uint64_t function_dim;      /* Jacobian rank on the probe set (continuous) */
    uint64_t class_dim;         /* w - function_dim */
    uint64_t k_min;             /* smallest k reaching function_dim */
    uint64_t probes;            /* probe inputs used for function_dim */
    double probe_tolerance;     /* a singular value counts when > tol x the largest */
    double sigma_last;          /* the smallest singular value counted, relative to the largest */
    double sigma_next;          /* the largest one not counted, relative (0 if none) */
    const char *rank_method;    /* "svd" (explicit Jacobian) or "gram" (eigenvalues of J J^H) */
    const char *field;          /* "real" or "complex" (dimensions over that field) */
    /* mlp (M1), added 2026-12 (zero / NaN for the other families): */
    const char *act;            /* the hidden activation */
    uint64_t symmetry_bound;    /* w minus the known continuous symmetries (doc/mlp.md) */
    int64_t hidden_symmetries;  /* symmetry_bound - function_dim */
    double rank_gap;            /* sigma_last / sigma_next (NaN when nothing was dropped) */
    uint64_t hidden_units;
    int nlayers;                /* hidden layers described below (at most FAL_CLASSES_MAX_LAYERS) */
    uint64_t dead[FAL_CLASSES_MAX_LAYERS];          /* units with z <= 0 on every probe, per hidden layer */
    uint64_t always_active[FAL_CLASSES_MAX_LAYERS]; /* units with z > 0 on every probe */
    uint64_t draws;             /* parameter draws (--draws D; 1 by default) */
    double frac_at_bound;       /* fraction of draws with function_dim = symmetry_bound */
    double dim_mean;            /* mean function_dim over the draws */
    uint64_t dim_min, dim_max;
    int rank_stable;            /* 1: the last doubling of the probes did not raise the rank;
                                   0: it still grew when the doublings ran out (a lower bound) */
} fal_classes;

/* The family called name for fal_classes_compute: every fal_run family,
 * plus "threshold-gate" (one linear threshold gate, --widths n,1), which
 * has a class analysis but no experiment.  NULL if unknown. */
const fal_family *fal_classes_family(const char *name);

/* Compute the class figures of cfg's family and architecture (cfg->seed
 * picks the generic parameter point and probe set; cfg->examples, if set,
 * the k of bits_provided).  FAL_EINVAL for a family without a class
 * analysis. */
fal_status fal_classes_compute(fal_ctx *ctx, const fal_config *cfg, fal_classes *out);
/* The same over `draws` parameter draws (seeds cfg->seed + d, d < draws):
 * for the mlp, the draw fields (frac_at_bound, dim_mean, dim_min, dim_max)
 * and, from the first draw, every other figure.  draws in [1, 10^4];
 * other families take draws = 1 only. */
fal_status fal_classes_compute_draws(fal_ctx *ctx, const fal_config *cfg, uint64_t draws, fal_classes *out);

/* Jacobian rank of a continuous family's parameters -> outputs on the first
 * k probes (k <= probes used by fal_classes_compute); the building block of
 * k_min, exposed for tests.  method: 0 chooses (SVD while the Jacobian has
 * at most 2^24 entries, else the Gram route), 1 forces the explicit SVD,
 * 2 the Gram eigenvalues.  *rank receives the rank. */
fal_status fal_classes_rank_at(fal_ctx *ctx, const fal_config *cfg, size_t k, int method, uint64_t *rank);

/* A class walk: a network of cfg's family is trained (GD) on k_min
 * examples of a teacher of the family, then makes n random moves that stay
 * inside its class (L1: rescale two weights by r and 1/r and flip two
 * signs; L2, L3, L4: insert C and C^-1 between two adjacent layers, C = Q D
 * with Q orthogonal/unitary and D a positive diagonal); reported: the
 * largest relative change of the outputs on the probe set and how far the
 * parameters moved (||w' - w|| / ||w||).  N1, N5: a chain trained on one
 * example, each move flipping two units (NOTs, weight signs); the output
 * change is the fraction of the two inputs whose output changed, the
 * distance the fraction of units flipped. */
typedef struct fal_walk {
    uint64_t moves;
    double max_output_change;   /* relative: ||y' - y||_max / ||y||_max */
    double param_distance;      /* ||w' - w||_2 / ||w||_2 */
} fal_walk;
fal_status fal_classes_walk(fal_ctx *ctx, const fal_config *cfg, uint64_t moves, fal_walk *out);

#endif
