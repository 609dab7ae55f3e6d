/* Bump allocator: blocks of at least 64 KiB, each allocation 16-aligned. */
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16u
#define ARENA_MIN_BLOCK (64u * 1024u)

struct tmc_arena_block {
  tmc_arena_block *next;
  size_t cap, used;
  /* payload follows, aligned */
};

static size_t block_header(void) {
  return (sizeof(tmc_arena_block) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void tmc_arena_init(tmc_arena *a) {
  a->head = NULL;
  a->used_bytes = 0;
  a->allocs = 0;
  a->fail_at = -1;
}

void tmc_arena_free(tmc_arena *a) {
  tmc_arena_block *b = a->head;
  while (b) {
    tmc_arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->used_bytes = 0;
}

void *tmc_arena_alloc(tmc_arena *a, size_t n) {
  long k = a->allocs++;
  if (a->fail_at >= 0 && k == a->fail_at) return NULL;
  if (n > SIZE_MAX / 2) return NULL;
  size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (need == 0) need = ARENA_ALIGN;
  tmc_arena_block *b = a->head;
  if (b == NULL || b->cap - b->used < need) {
    size_t cap = need > ARENA_MIN_BLOCK ? need : ARENA_MIN_BLOCK;
    b = malloc(block_header() + cap);
    if (b == NULL) return NULL;
    b->cap = cap;
    b->used = 0;
    b->next = a->head;
    a->head = b;
  }
  unsigned char *p = (unsigned char *)b + block_header() + b->used;
  b->used += need;
  a->used_bytes += n;
  memset(p, 0, need);
  return p;
}

void *tmc_arena_array(tmc_arena *a, size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / 2 / size) return NULL;
  return tmc_arena_alloc(a, n * size);
}

void *tmc_arena_array_d(tmc_arena *a, size_t n, size_t size, tmc_diag *d,
                        const char *what) {
  void *p = tmc_arena_array(a, n, size);
  if (p == NULL)
    tmc_fail(d, TMC_ERR_NOMEM, "out of memory allocating %zu x %zu bytes for %s",
             n, size, what);
  return p;
}

char *tmc_arena_strndup(tmc_arena *a, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = tmc_arena_alloc(a, n + 1);
  if (p == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *tmc_arena_printf(tmc_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = tmc_arena_alloc(a, (size_t)n + 1);
  if (p == NULL) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
