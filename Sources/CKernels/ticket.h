// The ticket's fields, for pool.c's one static ticket; everyone else has the opaque type of CKernels.h.
#ifndef GPTLS_TICKET_H
#define GPTLS_TICKET_H

#include <stdatomic.h>
#include "CKernels.h"

struct gk_ticket {
    _Atomic uint64_t value;  // generation << 32 | next unclaimed part
    _Atomic uint32_t parts;  // the part count of the value's generation
};

#endif
