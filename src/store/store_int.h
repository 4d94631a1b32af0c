/* store_int.h -- what the store's files share. */
#ifndef FALLACY_STORE_INT_H
#define FALLACY_STORE_INT_H

#include "../core/sbuf.h"

/* Append cfg's canonical key (include/fallacy/store.h) to b. */
fal_status fal__store_key_sb(fal__sb *b, const fal_config *cfg);

/* Append a's run-length text ("8,32^2,8") to b. */
void fal__store_arch_sb(fal__sb *b, const fal_arch *a);

#endif
