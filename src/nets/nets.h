/* nets.h -- what the family files share: the examples container and the
 * entry point of each family. */
#ifndef FALLACY_NETS_H
#define FALLACY_NETS_H

#include "../core/internal.h"

/* Examples, column-major: example j's inputs at x + j*n_in (times 2 for
 * complex), its targets at t + j*n_out.  For autoencoders t == x (not owned
 * twice: t_owned says whether t must be freed). */
typedef struct fal__xy {
    fal_field field;
    size_t n_in, n_out, k;
    double *x, *t;
    int t_owned;
    /* fal__xy_normalise stored x 2^-xexp and t 2^-texp (0: as given) */
    int xexp, texp;
} fal__xy;

fal_status fal__xy_alloc(fal_ctx *ctx, fal_field f, size_t n_in, size_t n_out, size_t k, int autoenc, fal__xy *out);
void fal__xy_free(fal_ctx *ctx, fal__xy *xy);
/* Rows [row0, row0 + k) of a --data table: n_in inputs then n_out targets
 * per row (autoencoders: n_in columns, t = x).  The table's width must match. */
fal_status fal__xy_from_table(fal_ctx *ctx, const fal_table *tab, size_t n_in, size_t n_out, int autoenc,
                              size_t row0, size_t k, fal__xy *out);

/* The field a run works over: cfg->field, and --data must agree with it
 * (complex data needs --field complex; --field complex, complex data) --
 * else the run would be stored under the other field's key. */
fal_status fal__data_field(fal_ctx *ctx, const fal_config *cfg, fal_field *f);

/* Rescale the examples of a --data run so that relative errors do not
 * depend on the data's scale (doc/bad-inputs.md): the inputs, and
 * separately the targets, are multiplied by the power of two that brings
 * their largest |value| over train and test (te may be NULL) into
 * [1/2, 1) -- exact for normal numbers, and it changes no relative error,
 * no optimum's relative figure, no principal angle.  Without it the
 * squares of 1e160 overflow and those of 1e-300 underflow to 0 (0/0
 * reported as a perfect fit).  Refuses (FAL_EINVAL) training targets that
 * are all zero: the relative error is then undefined. */
fal_status fal__xy_normalise(fal_ctx *ctx, const char *family, fal__xy *tr, fal__xy *te);

/* The train/test split every family uses with --data: the first k rows
 * train (all rows without --examples), the rest test.  Checks the width. */
fal_status fal__split_sizes(fal_ctx *ctx, const fal_config *cfg, size_t cols_needed, size_t *k, size_t *ntest);

/* k and ntest for a run: fal__split_sizes with --data; otherwise --examples
 * (k_default without it) and --test. */
fal_status fal__example_counts(fal_ctx *ctx, const fal_config *cfg, size_t cols_needed, size_t k_default, size_t *k,
                               size_t *ntest);

/* The generators of one run: s[i] is the seed's stream jumped i times, so
 * data, initialisation and test draws come from disjoint stretches and
 * drawing more of one never shifts another (the same seed, the same bytes). */
void fal__streams(uint64_t seed, fal_rng *s, size_t n);

/* The architecture of a chain family: cfg->arch, or the uniform chain of
 * default_depth units owned by res; every width must be 1.  *out is set;
 * res->arch too. */
fal_status fal__chain_arch(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const char *family,
                           uint64_t default_depth, const fal_arch **out);

/* The architecture of an autoencoder family: cfg->arch, or A(n, m, n) owned
 * by res; it must be A(n, .., m, .., n) with a hidden layer and a bottleneck
 * m < n (hint, if not NULL, is added to that refusal).  *out, *n and *m are
 * set; res->arch too. */
fal_status fal__ae_arch(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const char *family, size_t def_n,
                        size_t def_m, const char *hint, const fal_arch **out, size_t *n, size_t *m);

/* N1 and N5 share one engine (parity_chain.c): what differs is named here. */
typedef struct fal__parity_spec {
    const char *family;      /* "bool-chain" */
    const char *learn_words; /* "flipping one unit", for the --algo refusal */
    const char *set_name;    /* extra: the number of set bits (NOT units, negative weights) */
    const char *flip_name;   /* extra: the 1-based index of the flipped bit */
    int minus_one;           /* --data may hold -1 (read as bit 0) */
    const char *values;      /* the accepted --data values, for messages */
    int heaviside;           /* reported as the extra "heaviside" when >= 0 */
} fal__parity_spec;
fal_status fal__run_parity_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__parity_spec *sp);


/* Parameter export of the linear families (cfg->keep_params): W1..WL of
 * net (when it was trained; NULL or no weights for the closed forms), the
 * overall map P (n_out x n_in, column-major) always, the teacher's map when
 * there is one, and x_/t_/pred_ train and test rows.  A no-op without
 * keep_params. */
struct fal__dlin;
fal_status fal__keep_linear(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const struct fal__dlin *net,
                            const double *P, const double *teacher, const fal__xy *tr, const fal__xy *te);

/* Relative squared error sum ||y - t||^2 / sum ||t||^2 (0 when both vanish). */
double fal__rel_err(double sq_diff, double sq_t);

fal_status fal__run_linear_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_linear(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_linear_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_bool_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_power_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_bool(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_bool_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_threshold_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_threshold_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_shallow(fal_ctx *ctx, const fal_config *cfg, fal_result *res);
fal_status fal__run_mlp(fal_ctx *ctx, const fal_config *cfg, fal_result *res);

#endif
