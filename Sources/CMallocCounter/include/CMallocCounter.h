#ifndef CMALLOC_COUNTER_H
#define CMALLOC_COUNTER_H
#include <stdint.h>
/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc)
/// made by the whole process since start. Only linked into the benchmark
/// executable, where it replaces the allocator entry points.
uint64_t cmalloc_counter_allocations(void);
/// The same, made by the calling thread only.
uint64_t cmalloc_counter_thread_allocations(void);
/// Bytes of heap in use (glibc mallinfo2().uordblks).
#include <stddef.h>
size_t cmalloc_heap_in_use(void);
/// Sets the calling thread's nice value (Linux: per thread).
int cbench_nice_current_thread(int nice);
#endif
