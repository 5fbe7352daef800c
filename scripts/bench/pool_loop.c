// Many short gk_parallel calls, alternating 64 and 3 parts whose work is one atomic add: the pool's own cost per
// call, and a check that every part ran exactly once (before the ticket was closed between calls, a late helper ran
// tens to hundreds of parts twice in 4 seconds of this loop on 2 threads).
//   pool_loop SECONDS THREADS  ->  "calls N wrong W"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

static void count(void *context, size_t part) { atomic_fetch_add((_Atomic int *)context + part, 1); }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: pool_loop SECONDS THREADS\n");
        return 2;
    }
    time_t end = time(NULL) + atoi(argv[1]);
    size_t threads = (size_t)atoi(argv[2]);
    _Atomic int counts[64];
    long calls = 0, wrong = 0;
    while (time(NULL) < end) {
        for (int i = 0; i < 1000; i++, calls++) {
            size_t parts = calls % 2 ? 3 : 64;
            for (size_t p = 0; p < parts; p++) atomic_init(&counts[p], 0);
            gk_parallel(parts, threads, count, counts);
            for (size_t p = 0; p < parts; p++) wrong += atomic_load(&counts[p]) != 1;
        }
    }
    printf("calls %ld wrong %ld\n", calls, wrong);
    return wrong != 0;
}
