/* table.c -- the table container; readers live in csv.c and npy.c. */
#include <string.h>
#include "../core/internal.h"

static size_t per_value(fal_field f) { return f == FAL_COMPLEX ? 2 : 1; }

fal_status fal_table_new(fal_ctx *ctx, size_t rows, size_t cols, fal_field field, fal_table **out)
{
    *out = NULL;
    size_t n, bytes;
    if (fal__mul(rows, cols, &n) || fal__mul(n, per_value(field) * sizeof(double), &bytes))
        return fal__fail(ctx, FAL_ENOMEM, "table of %zu x %zu values: size overflows", rows, cols);
    fal_table *t = fal__calloc(ctx, 1, sizeof *t, "table");
    if (!t) return FAL_ENOMEM;
    t->v = fal__calloc(ctx, 1, bytes, "table values");
    if (!t->v) {
        fal__free(ctx, t, sizeof *t);
        return FAL_ENOMEM;
    }
    t->ctx = ctx;
    t->rows = rows;
    t->cols = cols;
    t->field = field;
    *out = t;
    return FAL_OK;
}

void fal_table_free(fal_table *t)
{
    if (!t) return;
    size_t bytes = t->rows * t->cols * per_value(t->field) * sizeof(double);
    fal__free(t->ctx, t->v, bytes);
    fal__free(t->ctx, t, sizeof *t);
}

size_t fal_table_rows(const fal_table *t) { return t->rows; }
size_t fal_table_cols(const fal_table *t) { return t->cols; }
fal_field fal_table_field(const fal_table *t) { return t->field; }
double *fal_table_data(fal_table *t) { return t->v; }
const double *fal_table_cdata(const fal_table *t) { return t->v; }

fal_status fal_table_load(fal_ctx *ctx, const char *path, fal_table **out)
{
    size_t n = strlen(path);
    /* FILE.npz:NAME -- the last ".npz:" splits, so that a directory called
     * x.npz:y/ cannot swallow the name. */
    const char *split = NULL;
    for (const char *q = strstr(path, ".npz:"); q; q = strstr(q + 1, ".npz:")) split = q;
    if (split && split[5]) {
        size_t plen = (size_t)(split + 4 - path);
        char *file = fal__alloc(ctx, plen + 1, "file name");
        if (!file) return FAL_ENOMEM;
        memcpy(file, path, plen);
        file[plen] = '\0';
        fal_status st = fal_table_load_npz(ctx, file, split + 5, out);
        fal__free(ctx, file, plen + 1);
        return st;
    }
    if (n >= 4 && strcmp(path + n - 4, ".npy") == 0) return fal_table_load_npy(ctx, path, out);
    if (n >= 4 && strcmp(path + n - 4, ".npz") == 0) return fal_table_load_npz(ctx, path, NULL, out);
    return fal_table_load_csv(ctx, path, out);
}
