/* Counted heap allocation (see heap.h). */
#include "heap.h"

#include <stdlib.h>

static long allocs, fail_at = -1;

/* Counts one allocation; whether it is the one to fail. */
static int failing(void) {
  long k = allocs++;
  return fail_at >= 0 && k == fail_at;
}

void *tmc_heap_alloc(size_t n) { return failing() ? NULL : malloc(n ? n : 1); }

void *tmc_heap_calloc(size_t n, size_t size) {
  return failing() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *tmc_heap_realloc(void *p, size_t n) { return failing() ? NULL : realloc(p, n ? n : 1); }

void tmc_heap_free(void *p) { free(p); }

long tmc_heap_fail_at(long k) {
  long made = allocs;
  allocs = 0;
  fail_at = k;
  return made;
}
