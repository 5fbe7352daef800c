// Returning freed heap memory to the system. glibc keeps the pages of freed chunks inside its arenas resident until
// asked to trim; after a load that freed hundreds of MB of conversion buffers that is memory held for nothing.
#include "CKernels.h"

#if defined(__GLIBC__)
#include <malloc.h>

int gk_release_free_heap(void) { return malloc_trim(0); }
#else
int gk_release_free_heap(void) { return 0; }
#endif
