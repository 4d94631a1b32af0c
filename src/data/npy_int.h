/* npy_int.h -- the .npy reader's core, shared with the .npz reader. */
#ifndef FALLACY_NPY_INT_H
#define FALLACY_NPY_INT_H

#include <stdio.h>
#include "../core/internal.h"

/* Read one .npy stream from f; path names it in messages.  sized: fsize is
 * the stream's exact length (checked before allocating). */
fal_status fal__npy_read(fal_ctx *ctx, const char *path, FILE *f, int sized, size_t fsize, fal_table **out);

#endif
