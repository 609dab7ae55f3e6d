/* Helpers of the golden tests: locate ../shared, read whole files, load a
 * model into a plan, hash tensors (FNV-1a 64, as the goldens' tensors.txt). */
#ifndef TMC_TESTS_GOLDEN_UTIL_H
#define TMC_TESTS_GOLDEN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "host/run.h"
#include "ir/graph.h"
#include "plan/plan.h"

/* $TMC_SHARED_DIR, or NULL when the folder is absent. */
const char *golden_shared_dir(void);

/* malloc'd contents of path (NULL if missing). */
uint8_t *golden_read(const char *path, size_t *len);

typedef struct golden_model {
  uint8_t *bytes;
  size_t len;
  tmc_arena arena;
  tmc_graph graph;
  tmc_plan plan;
  uint8_t *mem; /* the activation arena */
  tmc_diag diag;
} golden_model;

/* Loads path and builds its plan (opts may be NULL); returns 0 or -1 (message in m->diag.msg). */
int golden_load(golden_model *m, const char *path, const tmc_plan_options *opts);
void golden_free(golden_model *m);

/* TFLM's arena_used_bytes recorded in the meta.txt at path, or -1 when it
 * records none. */
long long golden_tflm_arena(const char *meta);

/* Returns 0 when m's arena is at most the TFLM arena the meta.txt at path
 * records (or it records none); else prints what for and returns 1. */
int golden_check_arena(const golden_model *m, const char *meta, const char *what);

uint64_t golden_fnv1a64(const uint8_t *p, size_t n);

/* Index of the first differing byte, or -1 when equal. */
long golden_first_diff(const uint8_t *a, const uint8_t *b, size_t n);

#endif
