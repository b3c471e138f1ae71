#ifndef CMALLOC_COUNTER_H
#define CMALLOC_COUNTER_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, the aligned forms) made by this process so far.
/// Counted by defining the allocator entry points in the executable, which the dynamic linker
/// prefers over glibc's for every library, and forwarding to glibc's __libc_* functions.
uint64_t codeb_allocations(void);

/// Makes stdout line-buffered, so figures printed so far survive a failure later in a run
/// (Swift 6 cannot touch C's `stdout` global without a data-race diagnostic).
void codeb_line_buffered_stdout(void);

#endif
