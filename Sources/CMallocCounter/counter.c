// Counts heap allocations for the benchmark by defining the allocator entry
// points in the executable, which the dynamic linker prefers over libc's;
// each forwards to glibc's internal implementation. This is what
// ordo-one/malloc-interposer does, in thirty lines.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include "CMallocCounter.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static uint64_t allocations;
static __thread uint64_t thread_allocations __attribute__((tls_model("initial-exec")));

uint64_t cmalloc_counter_allocations(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }
uint64_t cmalloc_counter_thread_allocations(void) { return thread_allocations; }

static inline void count(void) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    thread_allocations++;
}

void *malloc(size_t n) { count(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *aligned_alloc(size_t align, size_t n) { count(); return __libc_memalign(align, n); }
void *memalign(size_t align, size_t n) { count(); return __libc_memalign(align, n); }
int posix_memalign(void **out, size_t align, size_t n) {
    count();
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

#include <malloc.h>
size_t cmalloc_heap_in_use(void) { return mallinfo2().uordblks; }

// Lowers the calling thread's scheduling priority (Linux nice values are
// per thread). Used by the storm benchmark for its handshake workers.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
int cbench_nice_current_thread(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}
