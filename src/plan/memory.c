/* Arena layout, TinyEngine's baseline: whole tensors as rectangles
 * (lifetime in steps x bytes), placed first-fit. Steps:
 * 1. group views with their source (alias_of) and give each group a
 *    lifetime: from the step that writes it to the last step that reads it;
 *    graph inputs and outputs live for the whole invoke;
 * 2. add each step's scratch as a block living at that step alone;
 * 3. in order of first use, place each block at the lowest offset where it
 *    overlaps no placed block whose lifetime intersects its own;
 * 4. the arena size is the highest end; the lower bound is the largest sum
 *    of bytes live at one step (what any whole-tensor placement needs). */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define PLAN_ALIGN 4 /* float32 and int32 scratch need 4-byte alignment */

typedef struct block {
  int32_t tensor;  /* group root, or -1 for scratch */
  int32_t step;    /* scratch: its step */
  int32_t first, last;
  int64_t size, offset;
} block;

static int64_t align_up(int64_t v) { return (v + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN; }

static int by_offset(const void *a, const void *b) {
  const block *x = *(const block *const *)a, *y = *(const block *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int by_first(const void *a, const void *b) {
  const block *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  /* Same step: tensors before scratch, then by tensor id for determinism. */
  if ((x->tensor < 0) != (y->tensor < 0)) return x->tensor < 0 ? 1 : -1;
  return x->tensor < y->tensor ? -1 : x->tensor > y->tensor;
}

tmc_status tmc_plan_memory(tmc_plan *plan, tmc_arena *a, tmc_diag *d) {
  const tmc_graph *g = plan->g;
  int32_t nt = g->n_tensors, ns = plan->n_steps;
  int32_t last_step = ns > 0 ? ns - 1 : 0;
  tmc_mem *m = &plan->mem;
  m->offset = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *m->offset, d, "the memory plan");
  m->scratch_off = tmc_arena_array_d(a, (size_t)ns + 1, sizeof *m->scratch_off, d,
                                     "the memory plan");
  int32_t *first = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *first, d, "lifetimes");
  int32_t *last = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *last, d, "lifetimes");
  block *blocks = tmc_arena_array_d(a, (size_t)(nt + ns) + 1, sizeof *blocks, d, "blocks");
  block **live = tmc_arena_array_d(a, (size_t)(nt + ns) + 1, sizeof *live, d, "blocks");
  if (!m->offset || !m->scratch_off || !first || !last || !blocks || !live) return d->status;

  /* 1. Lifetimes per group root. */
  for (int32_t t = 0; t < nt; t++) {
    m->offset[t] = -1;
    first[t] = INT32_MAX;
    last[t] = -1;
  }
  for (int32_t s = 0; s < ns; s++) {
    const tmc_step *st = &plan->steps[s];
    for (int k = 0; k < st->n_in + st->n_out; k++) {
      int32_t t = k < st->n_in ? st->in[k] : st->out[k - st->n_in];
      if (t < 0 || g->tensors[t].is_const) continue;
      int32_t r = plan->alias_of[t];
      if (s < first[r]) first[r] = s;
      if (s > last[r]) last[r] = s;
    }
  }
  for (int32_t t = 0; t < nt; t++) {
    const tmc_tensor *x = &g->tensors[t];
    if (x->is_const || !(x->is_input || x->is_output)) continue;
    int32_t r = plan->alias_of[t];
    first[r] = 0;
    last[r] = last_step;
  }
  /* 2. Blocks. */
  int32_t nb = 0;
  for (int32_t t = 0; t < nt; t++) {
    if (plan->alias_of[t] != t || last[t] < 0) continue;
    int64_t size = 0;
    for (int32_t u = 0; u < nt; u++)
      if (plan->alias_of[u] == t && g->tensors[u].bytes > size) size = g->tensors[u].bytes;
    blocks[nb++] = (block){t, -1, first[t], last[t], align_up(size), 0};
  }
  for (int32_t s = 0; s < ns; s++) {
    m->scratch_off[s] = -1;
    if (plan->steps[s].scratch_bytes > 0)
      blocks[nb++] = (block){-1, s, s, s, align_up((int64_t)plan->steps[s].scratch_bytes), 0};
  }
  /* 3. First fit in order of first use. */
  qsort(blocks, (size_t)nb, sizeof *blocks, by_first);
  m->arena_bytes = 0;
  for (int32_t i = 0; i < nb; i++) {
    block *b = &blocks[i];
    int32_t nl = 0;
    for (int32_t j = 0; j < i; j++)
      if (blocks[j].first <= b->last && b->first <= blocks[j].last) live[nl++] = &blocks[j];
    qsort(live, (size_t)nl, sizeof *live, by_offset);
    int64_t off = 0;
    for (int32_t j = 0; j < nl; j++) {
      if (live[j]->offset - off >= b->size) break;
      if (live[j]->offset + live[j]->size > off) off = live[j]->offset + live[j]->size;
    }
    b->offset = off;
    if (off + b->size > m->arena_bytes) m->arena_bytes = off + b->size;
  }
  for (int32_t i = 0; i < nb; i++) {
    if (blocks[i].tensor >= 0)
      m->offset[blocks[i].tensor] = blocks[i].offset;
    else
      m->scratch_off[blocks[i].step] = blocks[i].offset;
  }
  for (int32_t t = 0; t < nt; t++)
    if (plan->alias_of[t] != t) m->offset[t] = m->offset[plan->alias_of[t]];
  /* 4. Lower bound for whole tensors: the most bytes live at one step. */
  m->lower_bound = 0;
  for (int32_t s = 0; s < ns; s++) {
    int64_t sum = 0;
    for (int32_t i = 0; i < nb; i++)
      if (blocks[i].first <= s && s <= blocks[i].last) sum += blocks[i].size;
    if (sum > m->lower_bound) m->lower_bound = sum;
  }
  return TMC_OK;
}
