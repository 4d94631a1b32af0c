/* fileio.h -- writing files safely, for every layer that writes one (the
 * report's pages and plots, the plot API, the output directory rule).
 *
 * The threat is a directory someone else can write into (or a path the
 * user did not mean): a predictable temporary name can be pre-created as a
 * symlink to a victim file, and an output directory can hold the user's
 * own files.  Hence: temporary files get a random name and are opened with
 * O_CREAT | O_EXCL | O_NOFOLLOW (never an existing file, never through a
 * link), are written, fsynced and renamed over the target (rename replaces
 * a symlink at the target, it does not follow it). */
#ifndef FALLACY_FILEIO_H
#define FALLACY_FILEIO_H

#include <stddef.h>
#include "internal.h"

/* Write n bytes to path atomically: readers see the old file or the whole
 * new one, and nothing is written anywhere but path (a temporary
 * ".fallacy-tmp-XXXXXXXXXXXX" beside it, removed on failure).  FAL_EIO names
 * the file; FAL_ENOSPC when its device is full (or a file-size limit is
 * reached); the old file is then untouched. */
fal_status fal__write_atomic(fal_ctx *ctx, const char *path, const void *data, size_t n);

/* The status for a failed write with errno e: FAL_ENOSPC for ENOSPC,
 * EDQUOT and EFBIG, else FAL_EIO. */
fal_status fal__write_errno_status(int e);

/* The prefix of the temporary names above: the output directory rule
 * (src/report/outdir.c) lets such leftovers of a killed run stay. */
#define FAL_TMP_PREFIX ".fallacy-tmp-"

#endif
