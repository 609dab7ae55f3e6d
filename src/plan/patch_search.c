/* --patch auto (see patch.h). Steps:
 * 1. plan layer by layer: the arena to beat;
 * 2. per split step: check the stage once (1x1 grid) and plan the memory
 *    with an empty stage region: its floor F0 and the bytes live beside the
 *    stage (the input and split tensors, kept tensors) L0;
 * 3. per grid: build the stage and estimate the arena as max(F0, L0 +
 *    stage region), recomputation from the patches' MACs;
 * 4. plan the best estimates exactly (and with a limit, every estimate that
 *    fits, least recomputation first); keep the winner, or layer by layer
 *    when nothing beats it.
 * Without a limit only the EXACT_PLANS best estimates matter (step 4 and
 * the report look no further), so once that many are known, steps 2-3 skip
 * a grid whose estimate provably exceeds the worst of them: the input and
 * split tensors plus a floor of its stage region (tmc_patch_region_floor,
 * from the stage's last FLOOR_DEPTH steps) above it. Such a grid is still
 * counted as evaluated when its build would succeed: when no element-wise
 * step of the stage reads a tensor another stage step reads too (the only
 * grid-dependent refusal). This keeps the search near-linear in the steps
 * (deep stages of a long network are skipped after a few steps) and its
 * result and report exactly those of the full search. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_desc.h"
#include "patch.h"

#define MAX_GRID 8
#define EXACT_PLANS 8
#define FLOOR_DEPTH 16

typedef struct candidate {
  int32_t step, rows, cols;
  int64_t estimate, region;
  int64_t patch_macs, layer_macs;
} candidate;

static int by_estimate(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  if (x->estimate != y->estimate) return x->estimate < y->estimate ? -1 : 1;
  int64_t ex = x->patch_macs - x->layer_macs, ey = y->patch_macs - y->layer_macs;
  if (ex != ey) return ex < ey ? -1 : 1;
  return x->step != y->step ? (x->step < y->step ? -1 : 1) : (x->rows * 100 + x->cols) -
                                                                  (y->rows * 100 + y->cols);
}

static int by_recompute(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  int64_t ex = x->patch_macs - x->layer_macs, ey = y->patch_macs - y->layer_macs;
  if (ex != ey) return ex < ey ? -1 : 1;
  return by_estimate(a, b);
}

/* Plans memory for plan with patch p in a scratch arena; the arena size. */
static int64_t try_plan(const tmc_plan *plan, tmc_patch *p, tmc_planner planner, int64_t *floor,
                        int64_t *beside) {
  tmc_arena t;
  tmc_diag d;
  tmc_plan q = *plan;
  tmc_arena_init(&t);
  tmc_diag_init(&d, NULL);
  q.patch = p;
  int64_t arena = -1;
  if (tmc_plan_memory(&q, planner, 0, &t, &d) == TMC_OK) {
    arena = q.mem.arena_bytes;
    if (floor) *floor = q.mem.lower_bound;
    if (beside && p) {
      /* Bytes live beside the stage region at the stage's first step. */
      int64_t live = 0;
      const int32_t s0 = p->start_step;
      for (int32_t i = 0; i < q.mem.n_blocks; i++) {
        const tmc_block *b = &q.mem.blocks[i];
        if (b->first <= s0 && s0 <= b->last && !(b->tensor < 0 && b->step < 0)) live += b->size;
      }
      *beside = live;
    }
  }
  tmc_arena_free(&t);
  return arena;
}

/* Step 1: layer by layer, each step's kernel variant chosen
 * (tmc_plan_memory_variants, which leaves the choice in the steps: the
 * patch configurations are compared with the same kernels). */
static int64_t layer_plan(tmc_plan *plan, tmc_planner planner, int64_t limit,
                          int32_t *peak_step) {
  tmc_arena t;
  tmc_diag d;
  tmc_plan q = *plan;
  tmc_arena_init(&t);
  tmc_diag_init(&d, NULL);
  q.patch = NULL;
  int64_t arena = -1;
  tmc_status st = tmc_plan_memory_variants(&q, planner, limit, &t, &d);
  if (st == TMC_OK || st == TMC_ERR_LIMIT) {
    arena = q.mem.arena_bytes;
    *peak_step = q.mem.peak_step;
  }
  tmc_arena_free(&t);
  return arena;
}

/* Why auto chose no patches: a stage through the layer-by-layer peak
 * (step peak) is refused (the check's message names the operator), or the
 * best configuration planned (c) does not go below layer by layer. */
static void no_patch_why(const tmc_plan *plan, const tmc_patch_facts *f, int32_t peak,
                         const candidate *c, int64_t layerwise, tmc_patch_report *r) {
  tmc_diag d;
  int32_t input;
  const tmc_op *op = &plan->g->ops[plan->steps[peak].op];
  tmc_diag_init(&d, NULL);
  if (tmc_patch_check(plan, f, peak, &input, &d) != TMC_OK) {
    snprintf(r->why, sizeof r->why, "the peak is at op %d %.60s, and %.300s", op->id, op->name,
             d.msg);
  } else if (c) {
    snprintf(r->why, sizeof r->why, "the peak is at op %d %.60s; the best split (op %d, %dx%d) "
             "needs %lld bytes, layer by layer %lld", op->id, op->name,
             plan->steps[c->step].op, c->rows, c->cols, (long long)c->estimate,
             (long long)layerwise);
  } else {
    snprintf(r->why, sizeof r->why, "the peak is at op %d %.60s; no grid finer than 1x1 fits a "
             "split through it", op->id, op->name);
  }
}

static double extra_pct(const candidate *c) {
  return c->layer_macs ? 100.0 * (double)(c->patch_macs - c->layer_macs) / (double)c->layer_macs
                       : 0.0;
}

/* The EXACT_PLANS smallest estimates so far, ascending. */
typedef struct best_estimates {
  int n;
  int64_t v[EXACT_PLANS];
} best_estimates;

static void best_add(best_estimates *b, int64_t est) {
  if (b->n == EXACT_PLANS && est >= b->v[EXACT_PLANS - 1]) return;
  int i = b->n < EXACT_PLANS ? b->n++ : EXACT_PLANS - 1;
  for (; i > 0 && b->v[i - 1] > est; i--) b->v[i] = b->v[i - 1];
  b->v[i] = est;
}

/* Per step: the first step S at which an element-wise step up to S reads
 * a tensor another step up to S reads too (the stage's grid-dependent
 * refusal may then apply), INT32_MAX when none does. Running minimum over
 * the element-wise steps j of max(j, the first other data reader of one of
 * j's inputs). */
static int32_t *branch_from(const tmc_plan *plan, tmc_arena *a, tmc_diag *d) {
  int32_t nt = plan->g->n_tensors, ns = plan->n_steps;
  int32_t *r1 = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *r1, d, "patch search");
  int32_t *r2 = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *r2, d, "patch search");
  int32_t *from = tmc_arena_array_d(a, (size_t)ns + 1, sizeof *from, d, "patch search");
  if (!r1 || !r2 || !from) return NULL;
  for (int32_t t = 0; t < nt; t++) r1[t] = r2[t] = INT32_MAX;
  /* The two first distinct steps reading each tensor as a data input. */
  for (int32_t s = 0; s < ns; s++) {
    const tmc_step *st = &plan->steps[s];
    for (int k = 0; k < st->n_in && tmc_kernel_reads(st->kernel, k); k++) {
      int32_t t = st->in[k];
      if (t < 0) continue;
      if (r1[t] == INT32_MAX) r1[t] = s;
      else if (r1[t] != s && r2[t] == INT32_MAX) r2[t] = s;
    }
  }
  int32_t run = INT32_MAX;
  for (int32_t s = 0; s < ns; s++) {
    const tmc_step *st = &plan->steps[s];
    if (tmc_kernel_desc_of(st->kernel)->flags & TMC_KF_ELEMENTWISE) {
      for (int k = 0; k < st->n_in && tmc_kernel_reads(st->kernel, k); k++) {
        int32_t t = st->in[k];
        if (t < 0) continue;
        int32_t other = r1[t] != s ? r1[t] : r2[t];
        if (other == INT32_MAX) continue;
        int32_t at = other > s ? other : s;
        if (at < run) run = at;
      }
    }
    from[s] = run;
  }
  return from;
}

tmc_status tmc_patch_search(tmc_plan *plan, tmc_planner planner, int64_t limit, tmc_arena *a,
                            tmc_patch_report *report, tmc_diag *d) {
  memset(report, 0, sizeof *report);
  plan->patch = NULL;
  int32_t peak = 0;
  int64_t layerwise = layer_plan(plan, planner, limit, &peak);
  report->layerwise = (tmc_patch_option){-1, 1, 1, layerwise, 0, 0.0, true};
  int32_t cap = plan->n_steps * MAX_GRID * MAX_GRID, n = 0;
  candidate *cand = calloc((size_t)cap + 1, sizeof *cand);
  if (cand == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");

  /* What every stage check and floor shares, in a search-long arena. */
  const tmc_graph *g = plan->g;
  int32_t nt = g->n_tensors;
  tmc_arena sa;
  tmc_diag sd;
  tmc_arena_init(&sa);
  tmc_diag_init(&sd, NULL);
  tmc_patch_facts facts;
  tmc_patch_work work = {0};
  int64_t *group = tmc_arena_array_d(&sa, (size_t)nt + 1, sizeof *group, &sd, "patch search");
  work.reg = tmc_arena_array_d(&sa, (size_t)nt + 1, sizeof *work.reg, &sd, "patch search");
  work.max_bytes = tmc_arena_array_d(&sa, (size_t)nt + 1, sizeof *work.max_bytes, &sd,
                                     "patch search");
  work.reg_mark = tmc_arena_array_d(&sa, (size_t)nt + 1, sizeof *work.reg_mark, &sd,
                                    "patch search");
  work.max_mark = tmc_arena_array_d(&sa, (size_t)nt + 1, sizeof *work.max_mark, &sd,
                                    "patch search");
  int32_t *branch = group ? branch_from(plan, &sa, &sd) : NULL;
  if (!group || !work.reg || !work.max_bytes || !work.reg_mark || !work.max_mark || !branch ||
      tmc_patch_facts_init(plan, &sa, &facts, &sd) != TMC_OK) {
    tmc_arena_free(&sa);
    free(cand);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");
  }
  /* Every memory plan below reads the same overlap rules. */
  int64_t *ov = tmc_arena_array_d(&sa, (size_t)plan->n_steps + 1, sizeof *ov, &sd,
                                  "patch search");
  if (ov == NULL) {
    tmc_arena_free(&sa);
    free(cand);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");
  }
  for (int32_t s = 0; s < plan->n_steps; s++)
    ov[s] = plan->steps[s].n_in > 0 && plan->steps[s].n_out > 0 ? tmc_overlap_delta(plan, s, 0, 0)
                                                                  : -1;
  plan->overlap00 = ov;
  /* Block bytes of each group root (the memory plan's sizes). */
  for (int32_t t = 0; t < nt; t++) {
    const tmc_tensor *x = &g->tensors[t];
    int32_t r = plan->alias_of[t];
    if (!x->is_const && x->bytes > group[r]) group[r] = x->bytes;
  }
  for (int32_t t = 0; t < nt; t++)
    group[t] = (group[t] + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN;
  best_estimates top = {0};
  tmc_patch_scan scan;

  /* Steps 2-3. */
  for (int32_t s = 0; s < plan->n_steps; s++) {
    tmc_arena t;
    tmc_diag dd;
    tmc_patch *p;
    tmc_diag_init(&dd, NULL);
    int32_t input;
    bool ok = tmc_patch_scan_next(plan, &facts, &scan, s, &input);
#ifndef NDEBUG
    int32_t in2;
    assert((tmc_patch_check(plan, &facts, s, &in2, &dd) == TMC_OK) == ok && (!ok || in2 == input));
#endif
    if (!ok) continue;
    const tmc_tensor *split = &g->tensors[plan->steps[s].out[0]];
    /* Grids that may enter the best estimates; the others counted. */
    bool keep[MAX_GRID + 1][MAX_GRID + 1], any = false;
    bool prune = limit <= 0 && top.n == EXACT_PLANS && branch[s] > s;
    int64_t worst = top.v[EXACT_PLANS - 1], beside = 0;
    if (prune) { /* live at the stage's start beside it: the input and split tensors */
      int32_t rs = plan->alias_of[split->id];
      beside = (g->tensors[input].is_input || scan.start > 0 ? group[input] : 0) +
               (rs == split->id && rs != input ? group[rs] : 0);
    }
    for (int32_t r = 1; r <= MAX_GRID; r++)
      for (int32_t c = 1; c <= MAX_GRID; c++) {
        keep[r][c] = r * c > 1; /* a 1x1 grid is layer by layer with extra copies */
        if (!keep[r][c]) continue;
        if (!prune || r > split->dims[1] || c > split->dims[2]) {
          any = true;
          continue;
        }
        int64_t floor = tmc_patch_region_floor(plan, &work, scan.start, s, r, c, FLOOR_DEPTH,
                                               worst - beside);
        if (beside + floor > worst) {
          keep[r][c] = false;
          report->evaluated++;
        } else {
          any = true;
        }
      }
    if (!any) continue;
    tmc_arena_init(&t);
    if (tmc_patch_build_with(plan, &facts, s, 1, 1, false, &t, &p, &dd) != TMC_OK) {
      tmc_arena_free(&t);
      if (dd.status == TMC_ERR_NOMEM) {
        plan->overlap00 = NULL;
        tmc_arena_free(&sa);
        free(cand);
        return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");
      }
      continue;
    }
    p->region_bytes = 0;
    int64_t f0 = 0, l0 = 0;
    try_plan(plan, p, planner, &f0, &l0);
    for (int32_t r = 1; r <= MAX_GRID; r++)
      for (int32_t c = 1; c <= MAX_GRID; c++) {
        if (!keep[r][c]) continue;
        tmc_patch *q;
        tmc_diag d2;
        tmc_diag_init(&d2, NULL);
        if (tmc_patch_build_with(plan, &facts, s, r, c, true, &t, &q, &d2) != TMC_OK) continue;
        int64_t est = l0 + q->region_bytes;
        if (f0 > est) est = f0;
        cand[n++] = (candidate){s, r, c, est, q->region_bytes, q->patch_macs, q->layer_macs};
        best_add(&top, est);
        report->evaluated++;
      }
    tmc_arena_free(&t);
  }
  /* Step 4. */
  qsort(cand, (size_t)n, sizeof *cand, limit > 0 ? by_recompute : by_estimate);
  int32_t best = -1;
  int64_t best_arena = layerwise;
  int tried = 0;
  bool fits = limit > 0 && layerwise >= 0 && layerwise <= limit; /* no recomputation */
  for (int32_t i = 0; i < n && !fits && tried < (limit > 0 ? n : EXACT_PLANS); i++) {
    if (limit > 0 && cand[i].estimate > limit) continue;
    tmc_arena t;
    tmc_diag dd;
    tmc_patch *p;
    tmc_arena_init(&t);
    tmc_diag_init(&dd, NULL);
    if (tmc_patch_build_with(plan, &facts, cand[i].step, cand[i].rows, cand[i].cols, false, &t,
                             &p, &dd) == TMC_OK) {
      int64_t arena = try_plan(plan, p, planner, NULL, NULL);
      cand[i].estimate = arena;
      tried++;
      if (arena >= 0 && (limit > 0 ? arena <= limit : arena < best_arena)) {
        best = i;
        best_arena = arena;
        fits = limit > 0;
      }
    }
    tmc_arena_free(&t);
  }
  /* The report: the planned ones first, best first. */
  for (int32_t i = 0; i < n && report->n < TMC_PATCH_REPORT; i++) {
    candidate *c = &cand[i];
    report->best[report->n++] = (tmc_patch_option){plan->steps[c->step].op, c->rows, c->cols,
                                                   c->estimate, c->region, extra_pct(c),
                                                   i < tried || i == best};
  }
  if (best < 0) no_patch_why(plan, &facts, peak, n ? &cand[0] : NULL, layerwise, report);
  plan->overlap00 = NULL;
  tmc_arena_free(&sa);
  tmc_status st = TMC_OK;
  if (best >= 0) {
    tmc_patch *p;
    st = tmc_patch_build(plan, cand[best].step, cand[best].rows, cand[best].cols, a, &p, d);
    if (st == TMC_OK) plan->patch = p;
  }
  free(cand);
  if (st != TMC_OK) return st;
  /* The variants again for the steps after the stage; should that give a
   * larger arena than the configuration's plan, the kernels it was planned
   * with. */
  int32_t *was = tmc_arena_array_d(a, (size_t)plan->n_steps + 1, sizeof *was, d, "variants");
  if (was == NULL) return d->status;
  for (int32_t s = 0; s < plan->n_steps; s++)
    was[s] = plan->variants && plan->variants[s] ? plan->variants[s]->chosen : 0;
  tmc_diag vd;
  tmc_diag_init(&vd, NULL);
  st = tmc_plan_memory_variants(plan, planner, limit, a, &vd);
  if (st == TMC_ERR_NOMEM) return tmc_fail(d, st, "out of memory planning the arena");
  if (st == TMC_OK && (best_arena < 0 || plan->mem.arena_bytes <= best_arena)) return st;
  if (st == TMC_OK || st == TMC_ERR_LIMIT)
    for (int32_t s = 0; s < plan->n_steps; s++)
      if (plan->variants && plan->variants[s] && plan->mem.arena_bytes > best_arena) {
        plan->variants[s]->chosen = was[s];
        plan->steps[s] = plan->variants[s]->v[was[s]];
      }
  return tmc_plan_memory(plan, planner, limit, a, d);
}
