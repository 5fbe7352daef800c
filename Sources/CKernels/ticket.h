// How gk_parallel's threads claim the parts of a call (pool.c), apart so that tests can replay a late helper step
// by step (through ticket.c's gk_ticket_* functions): the race it closes is a few instructions wide and would take
// millions of calls to meet by chance. Inline, because pool.c claims a part with it every few microseconds.
//
// `value` is generation << 32 | next unclaimed part. A call first prepares the ticket (closed: no part to claim, and
// any swap on an older value fails), then sets up its job, then opens it at part 0.
#ifndef GPTLS_TICKET_H
#define GPTLS_TICKET_H

#include <stdatomic.h>
#include "CKernels.h"

struct gk_ticket {
    _Atomic uint64_t value;  // generation << 32 | next unclaimed part
    _Atomic uint32_t parts;  // the part count of the value's generation
};

static inline void ticket_prepare(gk_ticket *ticket, uint32_t generation, uint32_t parts) {
    // Closed before the count changes: a helper late for the last call may hold that call's spent value while it
    // reads `parts`; were `parts` already this call's larger count and the old value still current, its swap would
    // succeed and it would run a part of this call twice (found by the soak: a call returned while a part still
    // ran, and the server trapped in Parallel.run).
    atomic_store_explicit(&ticket->value, (uint64_t)generation << 32 | UINT32_MAX, memory_order_relaxed);
    atomic_store_explicit(&ticket->parts, parts, memory_order_release);  // whoever sees it sees the closed value
}

static inline void ticket_open(gk_ticket *ticket, uint32_t generation) {
    atomic_store_explicit(&ticket->value, (uint64_t)generation << 32, memory_order_release);
}

static inline uint64_t ticket_read(gk_ticket *ticket) {
    return atomic_load_explicit(&ticket->value, memory_order_acquire);
}

/// Claims the next part of call `generation`, starting from `seen`, a value read before; false when that call has
/// no parts left or another began.
static inline int ticket_claim(gk_ticket *ticket, uint32_t generation, uint64_t seen, uint32_t *part) {
    for (;;) {
        if ((uint32_t)(seen >> 32) != generation
            || (uint32_t)seen >= atomic_load_explicit(&ticket->parts, memory_order_acquire))
            return 0;
        if (atomic_compare_exchange_weak_explicit(&ticket->value, &seen, seen + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *part = (uint32_t)seen;
            return 1;
        }
    }
}

#endif
