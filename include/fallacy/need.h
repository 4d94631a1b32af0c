/* fallacy/need.h -- placeholder until `fallacy need` lands. */
#ifndef FALLACY_NEED_H
#define FALLACY_NEED_H
#endif
