/* Heap allocation for what cannot live in a compile's arena: the code
 * generator's growing text buffers and output files, file reads and
 * writes. As for tmc_arena, the k-th allocation can be made to fail so
 * tests reach every failure path (SQLite's fault simulation). */
#ifndef TMC_BASE_HEAP_H
#define TMC_BASE_HEAP_H

#include <stddef.h>

/* malloc, calloc, realloc and free, counting allocations (a realloc is
 * one). NULL when the simulated failure is due. */
void *tmc_heap_alloc(size_t n);
void *tmc_heap_calloc(size_t n, size_t size);
void *tmc_heap_realloc(void *p, size_t n);
void tmc_heap_free(void *p);

/* Tests: allocation number k counted from this call fails (and none
 * after it is affected); k < 0 turns the simulation off. Returns the
 * number of allocations made since the previous call. Not thread-safe. */
long tmc_heap_fail_at(long k);

#endif
