// The ticket of ticket.h for tests, which replay a late helper step by step on a ticket of their own.
#include <stdlib.h>
#include "ticket.h"

gk_ticket *gk_ticket_create(void) { return calloc(1, sizeof(gk_ticket)); }

void gk_ticket_destroy(gk_ticket *ticket) { free(ticket); }

void gk_ticket_prepare(gk_ticket *ticket, uint32_t generation, uint32_t parts) {
    ticket_prepare(ticket, generation, parts);
}

void gk_ticket_open(gk_ticket *ticket, uint32_t generation) { ticket_open(ticket, generation); }

uint64_t gk_ticket_read(gk_ticket *ticket) { return ticket_read(ticket); }

int gk_ticket_claim(gk_ticket *ticket, uint32_t generation, uint64_t seen, uint32_t *part) {
    return ticket_claim(ticket, generation, seen, part);
}
