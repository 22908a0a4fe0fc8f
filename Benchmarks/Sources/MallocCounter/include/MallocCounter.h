#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H
#include <stddef.h>
#include <stdint.h>
/// Number of malloc/calloc/realloc/posix_memalign/aligned_alloc/memalign calls so far.
uint64_t mc_allocations(void);
/// Bytes currently allocated from the heap (mallinfo2: arena in use + mmapped blocks).
size_t mc_heap_in_use(void);
#endif
