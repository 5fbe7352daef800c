// How many CPUs this process may run on: the size of its affinity mask, which taskset, cgroups' cpusets and
// container runtimes narrow; the processor count would overcount there and oversubscribe the cores we have.
#define _GNU_SOURCE
#include "CKernels.h"

#if defined(__linux__)
#include <errno.h>
#include <sched.h>

int gk_affinity_cpu_count(void) {
    // A mask of CPU_SETSIZE (1024) bits first; kernels built for more CPUs refuse a short mask with EINVAL.
    for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(cpus);
        if (!set) return 0;
        size_t size = CPU_ALLOC_SIZE(cpus);
        CPU_ZERO_S(size, set);
        int failed = sched_getaffinity(0, size, set);
        int count = failed ? 0 : CPU_COUNT_S(size, set);
        int retry = failed && errno == EINVAL;
        CPU_FREE(set);
        if (!retry) return count;
    }
    return 0;
}
#else
int gk_affinity_cpu_count(void) { return 0; }
#endif
