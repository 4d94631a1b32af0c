/* sbuf.h -- moved to src/core/sbuf.h (the report and the store both use
 * it); this forward keeps older includes building. */
#include "../core/sbuf.h"
