/* threshold_ae.c -- placeholder until the family lands: refuses to run. */
#include "nets.h"

fal_status fal__run_threshold_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    (void)cfg;
    (void)res;
    return fal__fail(ctx, FAL_EINVAL, "threshold_ae: not implemented yet");
}
