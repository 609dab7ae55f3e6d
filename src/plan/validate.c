/* The plan validator: run on every plan in the tests and in debug builds.
 * Checks every block aligned and inside the arena, every tensor of a group
 * inside its block, and every two blocks live at one step disjoint unless
 * they are a step's dying input and its output placed as the kernel's
 * overlap rule allows. */
#include <stdio.h>

#include "patch.h"
#include "plan.h"
#include "report.h"

/* The overlap rule between blocks x (input) and y (output), or -1. */
static int64_t pair_delta(const tmc_plan *plan, int32_t xb, int32_t yb) {
  const tmc_mem *m = &plan->mem;
  const tmc_block *x = &m->blocks[xb], *y = &m->blocks[yb];
  if (x->tensor < 0 || y->tensor < 0 || x->last != y->first) return -1;
  int32_t s = y->first;
  if (plan->patch && s >= plan->patch->start_step && s <= plan->patch->split_step)
    return -1; /* patches write locally */
  const tmc_step *st = &plan->steps[s];
  for (int i = 0; i < st->n_in; i++) {
    if (st->in[i] < 0 || m->block_of[st->in[i]] != xb) continue;
    for (int o = 0; o < st->n_out; o++) {
      if (m->block_of[st->out[o]] != yb) continue;
      int64_t delta = tmc_overlap_delta(plan, s, i, o);
      if (delta >= 0) return delta;
    }
  }
  return -1;
}

static const char *block_name(const tmc_plan *plan, const tmc_block *b, char *buf, size_t n) {
  tmc_block_label(plan, b, buf, n);
  return buf;
}

tmc_status tmc_plan_validate(const tmc_plan *plan, tmc_diag *d) {
  const tmc_mem *m = &plan->mem;
  char a[200], b[200];
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *x = &m->blocks[i];
    if (x->offset < 0 || x->offset % TMC_PLAN_ALIGN || x->offset + x->size > m->arena_bytes)
      return tmc_fail(d, TMC_ERR_LIMIT, "plan: %s at offset %lld (%lld bytes) is misaligned "
                      "or outside the %lld-byte arena", block_name(plan, x, a, sizeof a),
                      (long long)x->offset, (long long)x->size, (long long)m->arena_bytes);
  }
  for (int32_t t = 0; t < plan->g->n_tensors; t++) {
    int32_t bi = m->block_of[t];
    if (bi >= 0 && plan->g->tensors[t].bytes > m->blocks[bi].size)
      return tmc_fail(d, TMC_ERR_LIMIT, "plan: tensor %d is larger than its block", t);
  }
  for (int32_t i = 0; i < m->n_blocks; i++)
    for (int32_t j = i + 1; j < m->n_blocks; j++) {
      const tmc_block *x = &m->blocks[i], *y = &m->blocks[j];
      if (x->last < y->first || y->last < x->first) continue;
      if (x->offset + x->size <= y->offset || y->offset + y->size <= x->offset) continue;
      int64_t dij = pair_delta(plan, i, j), dji = pair_delta(plan, j, i);
      if (dij >= 0 && x->offset - y->offset >= dij) continue;
      if (dji >= 0 && y->offset - x->offset >= dji) continue;
      return tmc_fail(d, TMC_ERR_LIMIT, "plan: %s [%lld, %lld) and %s [%lld, %lld) share "
                      "bytes while both live (steps %d-%d and %d-%d)%s",
                      block_name(plan, x, a, sizeof a), (long long)x->offset,
                      (long long)(x->offset + x->size), block_name(plan, y, b, sizeof b),
                      (long long)y->offset, (long long)(y->offset + y->size), x->first,
                      x->last, y->first, y->last,
                      dij >= 0 || dji >= 0 ? ", closer than the kernel's overlap rule allows"
                                           : "");
    }
  return TMC_OK;
}
