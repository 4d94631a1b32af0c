/* fallacy/params.h -- a run's parameters as arrays the caller owns, and
 * NumPy's .npz archive to keep them in.
 *
 *   fal_params *p;  st = fal_run_params(ctx, &cfg, &res, &p);
 *   const fal_array *w1 = fal_params_find(p, "W1");   // w1->shape, w1->v
 *   st = fal_npz_write(ctx, "p.npz", p);               // numpy.load reads it
 *   fal_params_free(p);
 *
 * Names (doc/params.md): W1..WL, each of shape (n_i, n_{i-1}) so that the
 * network maps a column x to W_L ... W_1 x; families with other parameters
 * name them there (truth tables, weight vectors, centres).  pred_train and
 * pred_test hold the network's outputs on the training and test rows, one
 * row per example; x_train, x_test (and t_train, t_test where the targets
 * are not the inputs) hold those rows.  Arrays are row-major doubles (pairs
 * for complex); FAL_DT_I8 arrays hold integers, written as '<i8'. */
#ifndef FALLACY_PARAMS_H
#define FALLACY_PARAMS_H

#include <stddef.h>
#include "status.h"
#include "run.h"

typedef enum fal_dtype {
    FAL_DT_F8 = 0,  /* double, '<f8' */
    FAL_DT_C16,     /* complex: re, im pairs, '<c16' */
    FAL_DT_I8,      /* integer values held exactly in doubles, '<i8' */
    FAL_DT_STR      /* text (UTF-8, ASCII in practice), a 0-d '<U' string */
} fal_dtype;

#define FAL_ARRAY_NAME 32

typedef struct fal_array {
    char name[FAL_ARRAY_NAME];
    fal_dtype dtype;
    size_t rank;        /* 0, 1 or 2 */
    size_t shape[2];
    double *v;          /* shape product values (x2 for C16); NULL for STR */
    char *text;         /* STR only, NUL-terminated */
} fal_array;

typedef struct fal_params {
    fal_ctx *ctx;       /* the context that allocated it, which frees it */
    size_t n, cap;
    fal_array *a;       /* n arrays in the order they were added */
} fal_params;

/* An empty set of arrays. */
fal_status fal_params_new(fal_ctx *ctx, fal_params **out);
void fal_params_free(fal_params *p);
/* The array called name, or NULL. */
const fal_array *fal_params_find(const fal_params *p, const char *name);
/* Append a copy of a rows x cols row-major array (rank 1: cols is ignored
 * and shape is (rows,)).  Names must be new, 1..31 characters of
 * [A-Za-z0-9_]. */
fal_status fal_params_add(fal_params *p, const char *name, fal_dtype dt, size_t rank, size_t rows, size_t cols,
                          const double *v);
/* Append a copy of a text. */
fal_status fal_params_add_text(fal_params *p, const char *name, const char *text);

/* Run cfg like fal_run and hand out its parameters: *out receives the
 * arrays (the caller frees them with fal_params_free), also when the run
 * did not converge (FAL_ENOCONV); NULL on any other failure. */
fal_status fal_run_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal_params **out);

/* Write the arrays as a .npz (a zip of NAME.npy members, stored, with
 * CRC-32): numpy.load(path) reads it.  FAL_EIO naming the path when the
 * file cannot be written (a missing directory, a directory). */
fal_status fal_npz_write(fal_ctx *ctx, const char *path, const fal_params *p);

#endif
