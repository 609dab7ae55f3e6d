/* Arena layout. Steps:
 * 1. blocks: each activation group (a tensor and its views) lives from the
 *    step that writes it to the last step that reads it; graph inputs from
 *    the start, graph outputs to the end; each step's scratch at its step;
 * 2. overlap pairs: (dying input, output) of one step with the kernel's rule
 *    (overlap.c);
 * 3. floors: the most bytes live at a step, without and with overlaps;
 * 4. placement: greedy, each block at the lowest offset compatible with the
 *    blocks already placed. First fit (TinyEngine's baseline) takes blocks in
 *    order of first use and never overlaps; the best planner also uses the
 *    overlap pairs and tries several orders, keeping the smallest arena;
 * 5. offsets per tensor and scratch, the peak step, the limit check.
 * Variable tensors (state across invokes) take none of this: they are the
 * persistent region at the arena's start, each live at every step, and the
 * rest is placed above it (models without them keep their plans byte for
 * byte). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_desc.h"
#include "patch.h"
#include "plan.h"

typedef struct pair {
  int32_t x, y;   /* block indices: dying input, output */
  int64_t delta;  /* o_x - o_y >= delta when they share bytes */
  int64_t loosest; /* the smallest delta among the step's kernel variants */
  bool placeable;  /* the chosen kernel allows it (else only the floor uses it) */
} pair;

typedef struct layout {
  const tmc_plan *plan;
  tmc_block *b;
  int32_t nb;
  pair *pairs;
  int32_t np;
  int32_t **conflicts; /* per block: blocks whose lifetimes intersect, -1 ended */
  int32_t **pairs_of;  /* per block: its overlap pairs (indices), -1 ended */
} layout;

static int64_t align_up(int64_t v) {
  return (v + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN;
}

static bool time_overlap(const tmc_block *a, const tmc_block *b) {
  return a->first <= b->last && b->first <= a->last;
}

/* Can blocks i and j sit at offsets oi and oj? (They are live together.) */
static bool compatible(const layout *L, int32_t i, int64_t oi, int32_t j, int64_t oj,
                       bool overlaps) {
  if (oi + L->b[i].size <= oj || oj + L->b[j].size <= oi) return true;
  if (!overlaps) return false;
  for (const int32_t *k = L->pairs_of[i]; *k >= 0; k++) {
    const pair *p = &L->pairs[*k];
    if (!p->placeable) continue;
    if (p->x == i && p->y == j && oi - oj >= p->delta) return true;
    if (p->x == j && p->y == i && oj - oi >= p->delta) return true;
  }
  return false;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Places blocks in the given order; returns the arena size. Each block goes
 * where the layout grows least (then lowest): candidates are 0, the ends of
 * live placed blocks and, with overlaps, the rule distances from a placed
 * partner, which may lie below 0 (an output under an input placed at 0);
 * the layout is shifted back to start at 0 at the end. */
static int64_t place(layout *L, const int32_t *order, bool overlaps, int64_t *cand,
                     bool *placed) {
  int64_t lo = 0, hi = 0;
  for (int32_t i = 0; i < L->nb; i++) placed[i] = false;
  for (int32_t n = 0; n < L->nb; n++) {
    int32_t i = order[n];
    int32_t nc = 0;
    cand[nc++] = 0;
    for (int32_t *c = L->conflicts[i]; *c >= 0; c++) {
      if (!placed[*c]) continue;
      const tmc_block *o = &L->b[*c];
      cand[nc++] = o->offset + o->size;
      if (!overlaps) continue;
      for (const int32_t *k = L->pairs_of[i]; *k >= 0; k++) {
        const pair *p = &L->pairs[*k];
        if (!p->placeable) continue;
        if (p->x == i && p->y == *c) cand[nc++] = o->offset + p->delta;
        if (p->y == i && p->x == *c) cand[nc++] = o->offset - p->delta;
      }
    }
    qsort(cand, (size_t)nc, sizeof *cand, cmp_i64);
    int64_t best = 0, best_span = -1;
    for (int32_t k = 0; k < nc; k++) {
      int64_t off = cand[k] >= 0 ? align_up(cand[k]) : -align_up(-cand[k]);
      if (!overlaps && off < 0) continue;
      bool ok = true;
      for (int32_t *c = L->conflicts[i]; *c >= 0 && ok; c++)
        if (placed[*c]) ok = compatible(L, i, off, *c, L->b[*c].offset, overlaps);
      if (!ok) continue;
      int64_t nlo = off < lo ? off : lo, end = off + L->b[i].size;
      int64_t span = (end > hi ? end : hi) - nlo;
      if (best_span < 0 || span < best_span) {
        best_span = span;
        best = off;
      }
    }
    L->b[i].offset = best;
    placed[i] = true;
    if (best < lo) lo = best;
    if (best + L->b[i].size > hi) hi = best + L->b[i].size;
  }
  for (int32_t i = 0; i < L->nb; i++) L->b[i].offset -= lo;
  return hi - lo;
}

/* Orders for the best planner, as sort keys over blocks. */
typedef enum order_kind {
  ORDER_FIRST_USE, ORDER_SIZE, ORDER_LIFETIME, ORDER_AREA, ORDER_CONFLICT, ORDER_COUNT
} order_kind;

static int64_t order_key(const layout *L, order_kind kind, int32_t i) {
  const tmc_block *b = &L->b[i];
  switch (kind) {
    case ORDER_SIZE: return -b->size;
    case ORDER_LIFETIME: return -(int64_t)(b->last - b->first);
    case ORDER_AREA: return -b->size * (b->last - b->first + 1);
    case ORDER_CONFLICT: {
      int64_t sum = b->size;
      for (int32_t *c = L->conflicts[i]; *c >= 0; c++) sum += L->b[*c].size;
      return -sum;
    }
    default: return b->first;
  }
}

typedef struct keyed {
  int64_t key;
  int32_t index;
} keyed;

static int by_key(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index; /* blocks are in first-use order */
}

/* Places L's blocks with every order the planner tries and keeps the
 * smallest arena (offsets in L->b). */
static tmc_status best_layout(layout *L, tmc_planner planner, tmc_arena *a, int64_t *arena_bytes,
                              tmc_diag *d) {
  int32_t *order = tmc_arena_array_d(a, (size_t)L->nb + 1, sizeof *order, d, "placement");
  keyed *keys = tmc_arena_array_d(a, (size_t)L->nb + 1, sizeof *keys, d, "placement");
  int64_t *best_off = tmc_arena_array_d(a, (size_t)L->nb + 1, sizeof *best_off, d, "placement");
  int64_t *cand = tmc_arena_array_d(a, (size_t)L->nb * 3 + 2 * (size_t)L->np + 2, sizeof *cand,
                                    d, "placement");
  bool *placed = tmc_arena_array_d(a, (size_t)L->nb + 1, sizeof *placed, d, "placement");
  if (!order || !keys || !best_off || !cand || !placed) return d->status;
  int64_t best = -1;
  int kinds = planner == TMC_PLANNER_FIRST_FIT ? 1 : ORDER_COUNT;
  for (int k = 0; k < kinds; k++) {
    for (int32_t i = 0; i < L->nb; i++) keys[i] = (keyed){order_key(L, (order_kind)k, i), i};
    qsort(keys, (size_t)L->nb, sizeof *keys, by_key);
    for (int32_t i = 0; i < L->nb; i++) order[i] = keys[i].index;
    int64_t arena = place(L, order, planner != TMC_PLANNER_FIRST_FIT, cand, placed);
    if (best < 0 || arena < best) {
      best = arena;
      for (int32_t i = 0; i < L->nb; i++) best_off[i] = L->b[i].offset;
    }
  }
  for (int32_t i = 0; i < L->nb; i++) L->b[i].offset = best_off[i];
  *arena_bytes = best < 0 ? 0 : best;
  return TMC_OK;
}

static tmc_status build_conflicts(layout *L, tmc_arena *a, tmc_diag *d);
static tmc_status build_pairs_of(layout *L, tmc_arena *a, tmc_diag *d);

tmc_status tmc_place_blocks(tmc_block *blocks, int32_t n, tmc_planner planner, tmc_arena *a,
                            int64_t *arena_bytes, tmc_diag *d) {
  layout L = {NULL, blocks, n, NULL, 0, NULL, NULL};
  TMC_TRY(build_conflicts(&L, a, d));
  TMC_TRY(build_pairs_of(&L, a, d));
  return best_layout(&L, planner, a, arena_bytes, d);
}

/* Step 1: blocks in order of first use (tensors before scratch at a step). */
static tmc_status build_blocks(tmc_plan *plan, tmc_arena *a, tmc_diag *d) {
  const tmc_graph *g = plan->g;
  tmc_mem *m = &plan->mem;
  int32_t nt = g->n_tensors, ns = plan->n_steps, last_step = ns > 0 ? ns - 1 : 0;
  int32_t *first = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *first, d, "lifetimes");
  int32_t *last = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *last, d, "lifetimes");
  int64_t *size = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *size, d, "lifetimes");
  m->blocks = tmc_arena_array_d(a, (size_t)(nt + ns + plan->n_extra) + 1, sizeof *m->blocks, d,
                                "blocks");
  m->block_of = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *m->block_of, d, "blocks");
  if (!first || !last || !size || !m->blocks || !m->block_of) return d->status;
  for (int32_t t = 0; t < nt; t++) {
    first[t] = INT32_MAX;
    last[t] = -1;
    m->block_of[t] = -1;
  }
  const tmc_patch *patch = plan->patch;
  int32_t stage_end = patch ? patch->split_step : -1, stage_start = patch ? patch->start_step : 0;
  for (int32_t s = 0; s < ns; s++) {
    const tmc_step *st = &plan->steps[s];
    for (int k = 0; k < st->n_in + st->n_out; k++) {
      int32_t t = k < st->n_in ? st->in[k] : st->out[k - st->n_in];
      if (t < 0 || g->tensors[t].is_const) continue;
      int32_t r = plan->alias_of[t];
      /* Inside the patch stage only the stage's input and the split tensor
       * (written patch by patch from the start) are whole tensors. */
      if (s >= stage_start && s <= stage_end && r != patch->input_tensor &&
          r != patch->split_tensor)
        continue;
      int32_t f = patch && r == patch->split_tensor ? stage_start : s;
      if (f < first[r]) first[r] = f;
      if (s > last[r]) last[r] = s;
    }
  }
  for (int32_t t = 0; t < nt; t++) {
    const tmc_tensor *x = &g->tensors[t];
    int32_t r = plan->alias_of[t];
    if (x->is_const) continue;
    if (x->bytes > size[r]) size[r] = x->bytes;
    /* Inputs are written before the first step and may be overwritten after
     * their last use (as TinyEngine and TFLM do: copy an input you need to
     * keep); outputs must survive until the invoke returns. */
    if (x->is_input) first[r] = 0;
    if (x->is_output) last[r] = last_step;
    if (x->is_input && last[r] < 0) last[r] = 0;
  }
  if (patch) { /* every patch gathers from the stage's input */
    int32_t r = plan->alias_of[patch->input_tensor];
    if (last[r] < stage_end) last[r] = stage_end;
  }
  for (int32_t k = 0; k < plan->n_keep; k++) {
    int32_t r = plan->alias_of[plan->keep[k]];
    int32_t until = plan->keep_last ? plan->keep_last[k] : last_step;
    if (!g->tensors[r].is_const && last[r] >= 0 && last[r] < until) last[r] = until;
  }
  /* Emit in order of first use; at one step, tensors (by id) then scratch.
   * by_first lists the group roots bucketed by first use (a counting sort). */
  int32_t *start = tmc_arena_array_d(a, (size_t)last_step + 2, sizeof *start, d, "lifetimes");
  int32_t *by_first = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *by_first, d, "lifetimes");
  if (!start || !by_first) return d->status;
#define PLACED_BLOCK(t) \
  (plan->alias_of[t] == t && last[t] >= 0 && first[t] <= last_step && !g->tensors[t].is_variable)
  for (int32_t t = 0; t < nt; t++)
    if (PLACED_BLOCK(t)) start[first[t] + 1]++;
  for (int32_t s = 0; s <= last_step; s++) start[s + 1] += start[s];
  for (int32_t t = 0; t < nt; t++)
    if (PLACED_BLOCK(t)) by_first[start[first[t]]++] = t; /* start[s] ends as the bucket's end */
#undef PLACED_BLOCK
  m->n_blocks = 0;
  for (int32_t s = 0, k = 0; s <= last_step; s++) {
    for (; k < start[s]; k++) {
      int32_t t = by_first[k];
      m->block_of[t] = m->n_blocks;
      m->blocks[m->n_blocks++] = (tmc_block){t, -1, first[t], last[t], align_up(size[t]), 0};
    }
    if (patch && s == stage_start)
      m->blocks[m->n_blocks++] =
          (tmc_block){-1, -1, stage_start, stage_end, align_up(patch->region_bytes), 0};
    if (s < ns && (s < stage_start || s > stage_end) && plan->steps[s].scratch_bytes > 0)
      m->blocks[m->n_blocks++] =
          (tmc_block){-1, s, s, s, align_up((int64_t)plan->steps[s].scratch_bytes), 0};
  }
  for (int32_t k = 0; k < plan->n_extra; k++) m->blocks[m->n_blocks++] = plan->extra[k];
  m->n_persist = 0; /* the variable tensors the steps use, live throughout */
  for (int32_t t = 0; t < nt; t++)
    if (plan->alias_of[t] == t && last[t] >= 0 && g->tensors[t].is_variable) {
      m->block_of[t] = m->n_blocks;
      m->blocks[m->n_blocks++] = (tmc_block){t, -1, 0, last_step, align_up(size[t]), 0};
      m->n_persist++;
    }
  for (int32_t t = 0; t < nt; t++)
    if (plan->alias_of[t] != t) m->block_of[t] = m->block_of[plan->alias_of[t]];
  return TMC_OK;
}

/* A delta rounded to the alignment (up: never looser than the rule). */
static int64_t align_delta(int64_t delta) {
  return delta >= 0 ? align_up(delta) : -(-delta / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN);
}

/* The loosest overlap rule (smallest delta; -1 when none allows one) of
 * step s's kernel variants for (in_k, out_k), delta the chosen kernel's. */
static int64_t variants_delta(const tmc_plan *plan, int32_t s, int in_k, int out_k,
                              int64_t delta) {
  const tmc_step_variants *v = plan->variants ? plan->variants[s] : NULL;
  if (v == NULL) return delta;
  const tmc_graph *g = plan->g;
  const tmc_tensor *x = &g->tensors[plan->steps[s].in[in_k]];
  const tmc_tensor *y = &g->tensors[plan->steps[s].out[out_k]];
  for (int32_t k = 0; k < v->n; k++) {
    int64_t dk = tmc_kernel_desc_of(v->v[k].kernel)->overlap(plan, &v->v[k], in_k, x, y);
    if (dk >= 0 && (delta < 0 || dk < delta)) delta = dk;
  }
  return delta;
}

/* The time axis: the steps, and the training's times past them. */
static int32_t n_times(const tmc_plan *plan) {
  return plan->n_times > plan->n_steps ? plan->n_times : plan->n_steps;
}

/* Step 2: overlap pairs (a pair only the activation-only floor may use, as
 * another variant's, has a delta no placement meets). */
static tmc_status build_pairs(layout *L, tmc_arena *a, tmc_diag *d) {
  const tmc_plan *plan = L->plan;
  int32_t cap = 0;
  for (int32_t s = 0; s < plan->n_steps; s++)
    cap += plan->steps[s].n_in * plan->steps[s].n_out;
  L->pairs = tmc_arena_array_d(a, (size_t)cap + 1, sizeof *L->pairs, d, "overlap pairs");
  if (L->pairs == NULL) return d->status;
  L->np = 0;
  int32_t stage_end = plan->patch ? plan->patch->split_step : -1;
  int32_t stage_start = plan->patch ? plan->patch->start_step : 0;
  for (int32_t s = 0; s < plan->n_steps; s++) {
    if (s >= stage_start && s <= stage_end) continue; /* patches write locally */
    const tmc_step *st = &plan->steps[s];
    for (int i = 0; i < st->n_in; i++) {
      if (st->in[i] < 0) continue;
      int32_t xb = plan->mem.block_of[st->in[i]];
      if (xb < 0 || xb >= L->nb || L->b[xb].last != s) continue;
      for (int o = 0; o < st->n_out; o++) {
        int32_t yb = plan->mem.block_of[st->out[o]];
        if (yb < 0 || yb >= L->nb || yb == xb || L->b[yb].first != s) continue;
        int64_t delta = plan->overlap00 && i == 0 && o == 0 ? plan->overlap00[s]
                                                             : tmc_overlap_delta(plan, s, i, o);
        int64_t loosest = variants_delta(plan, s, i, o, delta);
        if (loosest < 0) continue;
        L->pairs[L->np++] = (pair){xb, yb, align_delta(delta), align_delta(loosest), delta >= 0};
      }
    }
  }
  return TMC_OK;
}

/* Conflicts by a sweep over the blocks sorted by first step: a block's later
 * partners are the ones after it that start by its last step. (The order
 * of a list does not matter: placement sorts the offsets it derives.) */
static tmc_status build_conflicts(layout *L, tmc_arena *a, tmc_diag *d) {
  int32_t nb = L->nb;
  L->conflicts = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *L->conflicts, d, "blocks");
  int32_t *order = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *order, d, "blocks");
  int32_t *count = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *count, d, "blocks");
  keyed *keys = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *keys, d, "blocks");
  if (L->conflicts == NULL || !order || !count || !keys) return d->status;
  for (int32_t i = 0; i < nb; i++) keys[i] = (keyed){L->b[i].first, i};
  qsort(keys, (size_t)nb, sizeof *keys, by_key);
  for (int32_t i = 0; i < nb; i++) order[i] = keys[i].index;
  for (int pass = 0; pass < 2; pass++) {
    for (int32_t i = 0; i < nb; i++) count[i] = 0;
    for (int32_t u = 0; u < nb; u++) {
      const tmc_block *x = &L->b[order[u]];
      for (int32_t v = u + 1; v < nb && L->b[order[v]].first <= x->last; v++) {
        int32_t i = order[u], j = order[v];
        if (!time_overlap(x, &L->b[j])) continue;
        if (pass) {
          L->conflicts[i][count[i]] = j;
          L->conflicts[j][count[j]] = i;
        }
        count[i]++;
        count[j]++;
      }
    }
    for (int32_t i = 0; i < nb; i++) {
      if (pass) {
        L->conflicts[i][count[i]] = -1;
        continue;
      }
      L->conflicts[i] = tmc_arena_array_d(a, (size_t)count[i] + 1, sizeof(int32_t), d, "blocks");
      if (L->conflicts[i] == NULL) return d->status;
    }
  }
  return TMC_OK;
}

/* Per block, the overlap pairs it is in. */
static tmc_status build_pairs_of(layout *L, tmc_arena *a, tmc_diag *d) {
  int32_t nb = L->nb;
  L->pairs_of = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *L->pairs_of, d, "overlap pairs");
  int32_t *count = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *count, d, "overlap pairs");
  if (L->pairs_of == NULL || count == NULL) return d->status;
  for (int32_t k = 0; k < L->np; k++) {
    count[L->pairs[k].x]++;
    if (L->pairs[k].y != L->pairs[k].x) count[L->pairs[k].y]++;
  }
  for (int32_t i = 0; i < nb; i++) {
    L->pairs_of[i] = tmc_arena_array_d(a, (size_t)count[i] + 1, sizeof(int32_t), d,
                                       "overlap pairs");
    if (L->pairs_of[i] == NULL) return d->status;
    count[i] = 0;
  }
  for (int32_t k = 0; k < L->np; k++) {
    int32_t x = L->pairs[k].x, y = L->pairs[k].y;
    L->pairs_of[x][count[x]++] = k;
    if (y != x) L->pairs_of[y][count[y]++] = k;
  }
  for (int32_t i = 0; i < nb; i++) L->pairs_of[i][count[i]] = -1;
  return TMC_OK;
}

/* Step 3: floors. At step s the live blocks must all fit; overlap pairs of
 * s can save at most, per output, min(its size, the sum over its inputs of
 * min(s_x, s_y - delta)), and per input likewise. The pairs of step s are
 * those whose output starts at s; live bytes come from a difference array.
 * Two passes: the chosen kernels (their scratch, their rules: bound_no_overlap
 * and lower_bound), and the activation-only floor (no scratch blocks, each
 * step's loosest rule among its variants: act_floor). */
static tmc_status floors(const layout *L, tmc_mem *m, tmc_arena *a, tmc_diag *d) {
  int32_t ns = n_times(L->plan), nb = L->nb;
  m->bound_no_overlap = m->lower_bound = m->act_floor = 0;
  if (ns <= 0) { /* no step (e.g. a lone RESHAPE, an alias): the blocks coexist */
    for (int32_t i = 0; i < nb; i++) m->bound_no_overlap += L->b[i].size;
    m->lower_bound = m->act_floor = m->bound_no_overlap;
    return TMC_OK;
  }
  int64_t *live = tmc_arena_array_d(a, (size_t)ns + 1, sizeof *live, d, "floors");
  int64_t *as_y = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *as_y, d, "floors");
  int64_t *as_x = tmc_arena_array_d(a, (size_t)nb + 1, sizeof *as_x, d, "floors");
  int32_t *start = tmc_arena_array_d(a, (size_t)ns + 2, sizeof *start, d, "floors");
  int32_t *by_step = tmc_arena_array_d(a, (size_t)L->np + 1, sizeof *by_step, d, "floors");
  if (!live || !as_y || !as_x || !start || !by_step) return d->status;
  for (int32_t k = 0; k < L->np; k++) {
    int32_t s = L->b[L->pairs[k].y].first;
    if (s >= 0 && s < ns) start[s + 1]++;
  }
  for (int32_t s = 0; s < ns; s++) start[s + 1] += start[s];
  for (int32_t k = 0; k < L->np; k++) {
    int32_t s = L->b[L->pairs[k].y].first;
    if (s >= 0 && s < ns) by_step[start[s]++] = k; /* start[s] ends as the bucket's end */
  }
  for (int pass = 0; pass < 2; pass++) {
    const bool act = pass == 1;
    for (int32_t s = 0; s <= ns; s++) live[s] = 0;
    for (int32_t i = 0; i < nb; i++) {
      const tmc_block *b = &L->b[i];
      int32_t f = b->first < 0 ? 0 : b->first, l = b->last < ns - 1 ? b->last : ns - 1;
      if (f > l || (act && b->tensor < 0 && b->step >= 0)) continue;
      live[f] += b->size;
      live[l + 1] -= b->size;
    }
    int64_t run = 0;
    for (int32_t s = 0, k0 = 0; s < ns; s++) {
      run += live[s];
      int64_t save_y = 0, save_x = 0;
      for (int32_t k = k0; k < start[s]; k++) {
        const pair *p = &L->pairs[by_step[k]];
        if (!act && !p->placeable) continue;
        int64_t sx = L->b[p->x].size, sy = L->b[p->y].size, dl = act ? p->loosest : p->delta;
        int64_t sav = sy - dl < sx ? sy - dl : sx;
        if (sav > sy) sav = sy;
        if (sav <= 0) continue;
        as_y[p->y] += sav;
        as_x[p->x] += sav;
      }
      for (int32_t k = k0; k < start[s]; k++) { /* each block once, then cleared */
        const pair *p = &L->pairs[by_step[k]];
        int32_t y = p->y, x = p->x;
        save_y += as_y[y] < L->b[y].size ? as_y[y] : L->b[y].size;
        as_y[y] = 0;
        save_x += as_x[x] < L->b[x].size ? as_x[x] : L->b[x].size;
        as_x[x] = 0;
      }
      k0 = start[s];
      int64_t save = save_y < save_x ? save_y : save_x;
      if (act) {
        if (run - save > m->act_floor) m->act_floor = run - save;
        continue;
      }
      if (run > m->bound_no_overlap) m->bound_no_overlap = run;
      if (run - save > m->lower_bound) m->lower_bound = run - save;
    }
  }
  return TMC_OK;
}

static tmc_status limit_error(const tmc_plan *plan, int64_t limit, tmc_diag *d) {
  const tmc_mem *m = &plan->mem;
  int32_t s = m->peak_step;
  const tmc_op *op = s >= 0 && s < plan->n_steps ? &plan->g->ops[plan->steps[s].op] : NULL;
  tmc_fail(d, TMC_ERR_LIMIT, "arena needs %lld bytes, more than the limit of %lld; the peak "
           "is at op %d %s, where these are live:", (long long)m->arena_bytes,
           (long long)limit, op ? op->id : -1, op ? op->name : "?");
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    if (b->first > s || s > b->last) continue;
    if (b->tensor >= 0) {
      const tmc_tensor *t = &plan->g->tensors[b->tensor];
      tmc_diag_append(d, "\n  tensor %d '%s': %lld bytes at offset %lld", t->id, t->name,
                      (long long)b->size, (long long)b->offset);
    } else if (b->step >= 0) {
      tmc_diag_append(d, "\n  scratch of op %d: %lld bytes at offset %lld",
                      plan->steps[b->step].op, (long long)b->size, (long long)b->offset);
    } else if (b->step == TMC_BLOCK_EXTRA) {
      tmc_diag_append(d, "\n  training buffer: %lld bytes at offset %lld", (long long)b->size,
                      (long long)b->offset);
    } else {
      tmc_diag_append(d, "\n  patch stage buffers: %lld bytes at offset %lld",
                      (long long)b->size, (long long)b->offset);
    }
  }
  tmc_diag_append(d, "\n(lower bound for this schedule: %lld bytes)",
                  (long long)m->lower_bound);
  return TMC_ERR_LIMIT;
}

tmc_status tmc_plan_memory(tmc_plan *plan, tmc_planner planner, int64_t limit,
                           tmc_arena *a, tmc_diag *d) {
  tmc_mem *m = &plan->mem;
  const tmc_graph *g = plan->g;
  m->planner = planner;
  TMC_TRY(build_blocks(plan, a, d));
  layout L = {plan, m->blocks, m->n_blocks - m->n_persist, NULL, 0, NULL, NULL};
  TMC_TRY(build_pairs(&L, a, d));
  TMC_TRY(build_conflicts(&L, a, d));
  TMC_TRY(build_pairs_of(&L, a, d));
  TMC_TRY(floors(&L, m, a, d));

  TMC_TRY(best_layout(&L, planner, a, &m->arena_bytes, d));
  m->persist_bytes = 0;
  for (int32_t i = L.nb; i < m->n_blocks; i++) {
    m->blocks[i].offset = m->persist_bytes;
    m->persist_bytes += m->blocks[i].size;
  }
  if (m->persist_bytes > 0) {
    for (int32_t i = 0; i < L.nb; i++) m->blocks[i].offset += m->persist_bytes;
    m->arena_bytes += m->persist_bytes;
    m->bound_no_overlap += m->persist_bytes;
    m->lower_bound += m->persist_bytes;
    m->act_floor += m->persist_bytes; /* the state is live throughout: in every floor */
  }

  /* Step 5. */
  m->offset = tmc_arena_array_d(a, (size_t)g->n_tensors + 1, sizeof *m->offset, d, "offsets");
  m->scratch_off = tmc_arena_array_d(a, (size_t)plan->n_steps + 1, sizeof *m->scratch_off, d,
                                     "offsets");
  if (!m->offset || !m->scratch_off) return d->status;
  for (int32_t t = 0; t < g->n_tensors; t++)
    m->offset[t] = m->block_of[t] >= 0 ? m->blocks[m->block_of[t]].offset : -1;
  for (int32_t s = 0; s < plan->n_steps; s++) m->scratch_off[s] = -1;
  m->patch_off = -1;
  for (int32_t i = 0, k = 0; i < L.nb; i++) {
    if (L.b[i].tensor >= 0) continue;
    if (L.b[i].step >= 0)
      m->scratch_off[L.b[i].step] = L.b[i].offset;
    else if (L.b[i].step == TMC_BLOCK_EXTRA)
      plan->extra[k++].offset = L.b[i].offset; /* appended in order */
    else
      m->patch_off = L.b[i].offset;
  }
  /* The peak: the first step where the highest end of a live block is
   * largest (step 0 when nothing ends above 0). */
  m->peak_step = 0;
  int64_t peak = 0;
  for (int32_t i = 0; i < L.nb; i++) {
    int32_t f = L.b[i].first < 0 ? 0 : L.b[i].first;
    int32_t l = L.b[i].last < n_times(plan) - 1 ? L.b[i].last : n_times(plan) - 1;
    int64_t top = L.b[i].offset + L.b[i].size;
    if (f > l || top < peak || (top == peak && (peak == 0 || f >= m->peak_step))) continue;
    peak = top;
    m->peak_step = f;
  }
#ifndef NDEBUG
  TMC_TRY(tmc_plan_validate(plan, d));
#endif
  if (limit > 0 && m->arena_bytes > limit) return limit_error(plan, limit, d);
  return TMC_OK;
}
