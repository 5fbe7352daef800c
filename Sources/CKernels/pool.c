// A pool of helper threads for splitting one kernel call into parts (gk_parallel).
//
// Why not libdispatch: a decode step makes ~60 parallel calls of 0.1-0.3 ms each, and waking a sleeping worker
// for each costs tens of microseconds (measured: ~8% of a decode step in futex wake-ups and context switches).
// Helpers here spin for a short while after each call, so the next call of the same step finds them awake, and
// then sleep on a condition variable, so an idle server costs nothing.
//
// Parts are claimed with a ticket (ticket.h) that names the call, so a helper that is late for a call can never run
// a part of the next one. One call at a time: a call made while another runs (another thread, or a part that calls
// gk_parallel itself) runs its parts on the calling thread.
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "CKernels.h"
#include "simd.h"
#include "ticket.h"

#define MAX_HELPERS (GK_MAX_THREADS - 1)
#define SPIN_NS 200000  // how long a helper stays awake after a call: longer than the gaps inside a step

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;  // one call at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int helpers;  // guarded by call_lock

// What a call shares with its helpers, on one cache line: a helper that claims a part, runs it and counts it done
// touches one line (spread over two, an empty call measured ~30% slower).
static struct {
    _Alignas(64) gk_ticket ticket;
    _Atomic uint32_t generation;  // what helpers wait on
    _Atomic uint32_t helpers;     // helpers with an index below this take part in the current call
    _Atomic size_t done;
    gk_task_fn _Atomic fn;
    void *_Atomic context;
} job;
static _Atomic uint32_t sleepers;

static _Atomic size_t thread_count;  // 0: not set, the Swift side's default (the affinity count) applies

size_t gk_thread_count(void) { return atomic_load_explicit(&thread_count, memory_order_relaxed); }

void gk_set_thread_count(size_t threads) { atomic_store_explicit(&thread_count, threads, memory_order_relaxed); }

static inline void relax(void) {
#if GK_X86
    _mm_pause();
#endif
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void work(uint32_t gen) {
    uint32_t part;
    while (ticket_claim(&job.ticket, gen, ticket_read(&job.ticket), &part)) {
        gk_task_fn fn = atomic_load_explicit(&job.fn, memory_order_relaxed);
        fn(atomic_load_explicit(&job.context, memory_order_relaxed), part);
        atomic_fetch_add_explicit(&job.done, 1, memory_order_release);
    }
}

static void *helper(void *argument) {
    uint32_t index = (uint32_t)(uintptr_t)argument;
    uint32_t seen = atomic_load(&job.generation);
    for (;;) {
        uint64_t start = now_ns();
        unsigned spins = 0;
        while (atomic_load_explicit(&job.generation, memory_order_acquire) == seen) {
            relax();
            if (++spins % 256 == 0 && now_ns() - start > SPIN_NS) {
                pthread_mutex_lock(&sleep_lock);
                atomic_fetch_add(&sleepers, 1);
                while (atomic_load(&job.generation) == seen) pthread_cond_wait(&wake, &sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&sleep_lock);
            }
        }
        seen = atomic_load_explicit(&job.generation, memory_order_acquire);
        if (index < atomic_load_explicit(&job.helpers, memory_order_relaxed)) work(seen);
    }
    return NULL;
}

void gk_parallel(size_t parts, size_t threads, gk_task_fn fn, void *context) {
    if (parts == 0) return;
    if (parts == 1 || threads <= 1 || parts >= UINT32_MAX || pthread_mutex_trylock(&call_lock) != 0) {
        for (size_t p = 0; p < parts; p++) fn(context, p);
        return;
    }
    size_t wanted = (parts < threads ? parts : threads) - 1;
    while ((size_t)helpers < wanted && helpers < MAX_HELPERS) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, helper, (void *)(uintptr_t)helpers);
        pthread_attr_destroy(&attr);
        if (failed) break;  // fewer helpers: the caller runs more parts itself
        helpers++;
    }
    uint32_t gen = atomic_load(&job.generation) + 1;
    ticket_prepare(&job.ticket, gen, (uint32_t)parts);
    atomic_store_explicit(&job.fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job.context, context, memory_order_relaxed);
    atomic_store_explicit(&job.helpers, (uint32_t)(wanted < (size_t)helpers ? wanted : (size_t)helpers),
                          memory_order_relaxed);
    atomic_store_explicit(&job.done, 0, memory_order_relaxed);
    ticket_open(&job.ticket, gen);
    atomic_store(&job.generation, gen);  // seq_cst: pairs with the sleepers check below
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    work(gen);
    while (atomic_load_explicit(&job.done, memory_order_acquire) < parts) relax();
    pthread_mutex_unlock(&call_lock);
}
