/* boolean.h -- N3's trained network, as the class walks (src/info/walks.c)
 * and the tests see it.
 *
 * The layout is bitslice.h's: unit j of layer i (1 <= i <= L) has the
 * 2^(width[i-1]) table bits from bit off[i-1] + j 2^(width[i-1]) of tab;
 * w = off[L] parameter bits in `words` words. */
#ifndef FALLACY_NETS_BOOLEAN_H
#define FALLACY_NETS_BOOLEAN_H

#include <string.h>
#include "nets.h"

typedef struct fal__bool_net {
    size_t L;
    size_t *width;      /* L + 1 */
    uint64_t *off;      /* L + 1 */
    uint64_t *tab;      /* the parameter block */
    uint64_t w;         /* parameter bits */
    size_t words;       /* ceil(w / 64) */
} fal__bool_net;

static inline void fal__bool_net_free(fal_ctx *ctx, fal__bool_net *net)
{
    fal__free(ctx, net->width, (net->L + 1) * sizeof *net->width);
    fal__free(ctx, net->off, (net->L + 1) * sizeof *net->off);
    fal__free(ctx, net->tab, net->words * sizeof *net->tab);
    memset(net, 0, sizeof *net);
}

/* fal__run_bool, keeping the network in *keep when keep != NULL (on FAL_OK
 * and FAL_ENOCONV; the caller frees it with fal__bool_net_free). */
fal_status fal__bool_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__bool_net *keep);

#endif
