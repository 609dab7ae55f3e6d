/* Helpers of the golden tests (see golden_util.h). */
#include "golden_util.h"

#include "ir/build.h"
#include "reader/shared_models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *golden_shared_dir(void) { return tt_shared_dir(); }

uint8_t *golden_read(const char *path, size_t *len) {
  uint8_t *bytes;
  return tt_read_file(path, &bytes, len) ? bytes : NULL;
}

int golden_load(golden_model *m, const char *path, const tmc_plan_options *opts) {
  memset(m, 0, sizeof *m);
  tmc_arena_init(&m->arena);
  tmc_diag_init(&m->diag, path);
  m->bytes = golden_read(path, &m->len);
  if (m->bytes == NULL) {
    snprintf(m->diag.msg, sizeof m->diag.msg, "cannot read %s", path);
    return -1;
  }
  if (tmc_graph_load(m->bytes, m->len, path, &m->arena, &m->graph, &m->diag) != TMC_OK ||
      tmc_plan_build(&m->graph, opts, &m->arena, &m->plan, &m->diag) != TMC_OK)
    return -1;
  m->mem = calloc(1, (size_t)m->plan.mem.arena_bytes + 1);
  return m->mem ? 0 : -1;
}

void golden_free(golden_model *m) {
  free(m->mem);
  tmc_arena_free(&m->arena);
  free(m->bytes);
  memset(m, 0, sizeof *m);
}

uint64_t golden_fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

long golden_first_diff(const uint8_t *a, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return (long)i;
  return -1;
}

long long golden_tflm_arena(const char *meta) {
  FILE *f = fopen(meta, "r");
  if (f == NULL) return -1;
  char line[512];
  long long v = -1;
  while (v < 0 && fgets(line, sizeof line, f))
    if (sscanf(line, "arena_used_bytes: %lld", &v) != 1) v = -1;
  fclose(f);
  return v;
}

int golden_check_arena(const golden_model *m, const char *meta, const char *what) {
  long long tflm = golden_tflm_arena(meta);
  if (tflm < 0 || m->plan.mem.arena_bytes <= tflm) return 0;
  fprintf(stderr, "%s: arena %lld bytes, more than TFLM's arena_used_bytes %lld\n", what,
          (long long)m->plan.mem.arena_bytes, tflm);
  return 1;
}
