/* tmc_arena: a bump allocator for one compile. Everything a model's reading,
 * graph and plan need comes from it and is freed at once. Array sizes are
 * checked for overflow. For tests, the k-th allocation can be made to fail
 * (SQLite's fault-simulation idea) so every failure path gets exercised. */
#ifndef TMC_BASE_ARENA_H
#define TMC_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct tmc_arena_block tmc_arena_block;

typedef struct tmc_arena {
  tmc_arena_block *head;  /* newest block first */
  size_t used_bytes;      /* sum of requested bytes (a statistic) */
  long allocs;            /* allocations made so far */
  long fail_at;           /* make allocation number fail_at fail; -1: never */
} tmc_arena;

void tmc_arena_init(tmc_arena *a);
void tmc_arena_free(tmc_arena *a);

/* Zero-filled, aligned to 16 bytes; NULL on failure (n == 0 gives a valid
 * pointer). */
void *tmc_arena_alloc(tmc_arena *a, size_t n);

/* n * size bytes, NULL on overflow or failure. */
void *tmc_arena_array(tmc_arena *a, size_t n, size_t size);

/* A copy of s (n bytes plus a terminating NUL). */
char *tmc_arena_strndup(tmc_arena *a, const char *s, size_t n);

/* Formatted string in the arena. */
char *tmc_arena_printf(tmc_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Allocation that records TMC_ERR_NOMEM in d when it fails; `what` names the
 * object for the message. */
void *tmc_arena_array_d(tmc_arena *a, size_t n, size_t size, tmc_diag *d,
                        const char *what);

#endif
