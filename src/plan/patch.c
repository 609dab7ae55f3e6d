/* The patch stage (see patch.h). Steps of tmc_patch_build:
 * 1. check the stage: every step a kernel that can run on a region (window
 *    ops, element-wise ops on equal shapes), one external input, every stage
 *    tensor but the split one used only inside the stage;
 * 2. per patch, trace regions backwards from the patch's rectangle of the
 *    split tensor: a window op needs rows [y0*s - pad, (y1-1)*s - pad +
 *    (k-1)*d + 1) of its input, clamped to the tensor; a tensor read by
 *    several steps needs the union; an element-wise op needs exactly its
 *    output's region (a branch needing more is refused);
 * 3. per patch and step, local shapes and padding: the kernel's window
 *    origin in local rows is oy*s - (pad + in.y0 - out.y0*s);
 * 4. local buffers (largest region over patches) and scratch, placed in one
 *    stage region; the MACs the patches recompute. */
#include "patch.h"

#include "kernel_desc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number at *s (digits only) in [lo, hi] into *v, *s moved past
 * it: 1; 0 when no digits; -1 when out of range. */
static int parse_num(const char **s, long lo, long hi, int32_t *v) {
  const char *p = *s;
  long n = 0;
  bool big = false;
  if (*p < '0' || *p > '9') return 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (n > (hi - (*p - '0')) / 10) big = true; /* would pass hi: keep scanning */
    if (!big) n = n * 10 + (*p - '0');
  }
  *s = p;
  if (big || n < lo) return -1;
  *v = (int32_t)n;
  return 1;
}

bool tmc_patch_parse(const char *s, tmc_patch_request *r, const char **why) {
  static const char syntax[] = "not none, auto or SPLIT:RxC";
  const char *w = syntax;
  memset(r, 0, sizeof *r);
  if (!strcmp(s, "none")) return true;
  if (!strcmp(s, "auto")) {
    r->mode = TMC_PATCH_AUTO;
    return true;
  }
  const char *p = s;
  int k = parse_num(&p, 0, INT32_MAX, &r->split_op);
  if (k < 0) w = "the split op is out of range (0 to 2147483647)";
  if (k > 0 && *p++ == ':') {
    k = parse_num(&p, 1, TMC_PATCH_MAX_GRID, &r->rows);
    if (k < 0) w = "the rows are out of range (1 to 64)";
    if (k > 0 && *p++ == 'x') {
      k = parse_num(&p, 1, TMC_PATCH_MAX_GRID, &r->cols);
      if (k < 0) w = "the columns are out of range (1 to 64)";
      if (k > 0 && *p == '\0') {
        r->mode = TMC_PATCH_FORCE;
        return true;
      }
    }
  }
  if (why) *why = w;
  memset(r, 0, sizeof *r);
  return false;
}

static bool region_empty(const tmc_region *r) { return r->y1 <= r->y0 || r->x1 <= r->x0; }

static void region_union(tmc_region *a, const tmc_region *b) {
  if (region_empty(b)) return;
  if (region_empty(a)) {
    *a = *b;
    return;
  }
  if (b->y0 < a->y0) a->y0 = b->y0;
  if (b->x0 < a->x0) a->x0 = b->x0;
  if (b->y1 > a->y1) a->y1 = b->y1;
  if (b->x1 > a->x1) a->x1 = b->x1;
}

static bool region_equal(const tmc_region *a, const tmc_region *b) {
  return a->y0 == b->y0 && a->y1 == b->y1 && a->x0 == b->x0 && a->x1 == b->x1;
}

static bool has_window(const tmc_step *st) {
  return (tmc_kernel_desc_of(st->kernel)->flags & TMC_KF_WINDOW) != 0;
}

static bool elementwise_kernel(tmc_kernel k) {
  return (tmc_kernel_desc_of(k)->flags & TMC_KF_ELEMENTWISE) != 0;
}

/* Element-wise kernels whose operands are addressed through a broadcast
 * (strides per operand: ADD, SUB, MUL, MAXIMUM, MINIMUM). */
static bool strided_kernel(tmc_kernel k) {
  const tmc_kernel_desc *kd = tmc_kernel_desc_of(k);
  if (!(kd->flags & TMC_KF_ELEMENTWISE)) return false;
  for (const tmc_arg *a = kd->args; a->kind != TMC_ARG_END; a++)
    if (a->kind == TMC_ARG_BCAST) return true;
  return false;
}

/* Activation inputs a stage step reads spatially (the kernel's data inputs,
 * the first ones for window and element-wise kernels). */
static int data_inputs(const tmc_step *st) {
  int n = 0;
  while (n < st->n_in && tmc_kernel_reads(st->kernel, n)) n++;
  return n;
}

static tmc_status stage_fail(tmc_diag *d, const tmc_plan *plan, int32_t split, int32_t s,
                             const char *why) {
  const tmc_op *so = &plan->g->ops[plan->steps[split].op];
  if (s < 0)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "patches split at op %d %s: %s", so->id, so->name,
                    why);
  const tmc_op *op = &plan->g->ops[plan->steps[s].op];
  return tmc_fail(d, TMC_ERR_UNSUPPORTED, "patches split at op %d %s: op %d %s %s", so->id,
                  so->name, op->id, op->name, why);
}

static bool nhwc1(const tmc_tensor *t) { return t->rank == 4 && t->dims[0] == 1; }

tmc_status tmc_patch_facts_init(const tmc_plan *plan, tmc_arena *a, tmc_patch_facts *f,
                                tmc_diag *d) {
  int32_t nt = plan->g->n_tensors;
  f->producer = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *f->producer, d, "patch facts");
  f->last_reader = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *f->last_reader, d,
                                     "patch facts");
  f->viewed = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *f->viewed, d, "patch facts");
  f->slot = tmc_arena_array_d(a, (size_t)nt + 1, sizeof *f->slot, d, "patch facts");
  if (!f->producer || !f->last_reader || !f->viewed || !f->slot) return d->status;
  for (int32_t t = 0; t < nt; t++) {
    f->producer[t] = INT32_MAX;
    f->last_reader[t] = -1;
    f->slot[t] = -1;
    if (plan->alias_of[t] != t && plan->alias_of[t] >= 0 && plan->alias_of[t] < nt)
      f->viewed[plan->alias_of[t]] = true;
  }
  for (int32_t q = plan->n_steps - 1; q >= 0; q--) {
    const tmc_step *st = &plan->steps[q];
    if (st->n_out >= 1 && st->out[0] >= 0) f->producer[st->out[0]] = q;
    for (int k = 0; k < st->n_in; k++)
      if (st->in[k] >= 0 && f->last_reader[st->in[k]] < q) f->last_reader[st->in[k]] = q;
  }
  return TMC_OK;
}

/* Why step st cannot be part of any stage (NULL when it can): the checks
 * of one step alone. */
static const char *step_unfit(const tmc_plan *plan, const tmc_step *st) {
  const tmc_graph *g = plan->g;
  if (!has_window(st) && !elementwise_kernel(st->kernel)) return "cannot run patch by patch";
  if (st->n_out != 1 || !nhwc1(&g->tensors[st->out[0]]))
    return "does not write one 4-D tensor of batch 1";
  const tmc_tensor *y = &g->tensors[st->out[0]];
  for (int k = 0; k < data_inputs(st); k++) {
    const tmc_tensor *x = &g->tensors[st->in[k]];
    if (x->is_const || !nhwc1(x)) return "reads a constant or a tensor that is not 4-D";
    if (!has_window(st) && (x->dims[1] != y->dims[1] || x->dims[2] != y->dims[2]))
      return "broadcasts";
    if (plan->alias_of[x->id] != x->id) return "reads a view";
  }
  return NULL;
}

int32_t tmc_patch_stage_start(const tmc_plan *plan, int32_t S) {
  int32_t s = S;
  while (s > 0 && step_unfit(plan, &plan->steps[s - 1]) == NULL) s--;
  return s;
}

/* Whether tensor x is read by stage step s from outside the stage
 * [start, S] (not written inside it before s). */
static bool from_outside(const tmc_patch_facts *f, int32_t start, int32_t s, int32_t x) {
  return f->producer[x] >= s || f->producer[x] < start;
}

/* Step 1, O(S) with the facts: the stage starts after the last step that
 * cannot be in one (tmc_patch_stage_start; those before run whole). */
static tmc_status check_stage(const tmc_plan *plan, const tmc_patch_facts *f, int32_t S,
                              int32_t *input, tmc_diag *d) {
  const tmc_graph *g = plan->g;
  const int32_t start = tmc_patch_stage_start(plan, S);
  *input = -1;
  for (int32_t s = start; s <= S; s++) {
    const tmc_step *st = &plan->steps[s];
    const char *why = step_unfit(plan, st);
    if (why) return stage_fail(d, plan, S, s, why);
    const tmc_tensor *y = &g->tensors[st->out[0]];
    for (int k = 0; k < data_inputs(st); k++) {
      const tmc_tensor *x = &g->tensors[st->in[k]];
      if (from_outside(f, start, s, x->id)) {
        if (*input >= 0 && *input != x->id)
          return stage_fail(d, plan, S, s, "reads a second tensor from outside the stage");
        *input = x->id;
      }
    }
    /* Stage tensors other than the split one must die inside the stage. */
    if (s < S) {
      if (y->is_output) return stage_fail(d, plan, S, s, "writes a graph output");
      if (f->viewed[y->id]) return stage_fail(d, plan, S, s, "output is viewed by a later op");
      if (f->last_reader[y->id] > S)
        return stage_fail(d, plan, S, s, "output is needed after the split");
    }
  }
  if (*input < 0) return stage_fail(d, plan, S, -1, "the stage reads no input");
  for (int32_t k = 0; k < plan->n_keep; k++) {
    int32_t q = f->producer[plan->alias_of[plan->keep[k]]];
    if (q >= start && q < S) return stage_fail(d, plan, S, q, "output must be kept to the end");
  }
  return TMC_OK;
}

bool tmc_patch_scan_next(const tmc_plan *plan, const tmc_patch_facts *f, tmc_patch_scan *sc,
                         int32_t S, int32_t *input) {
  const tmc_graph *g = plan->g;
  const tmc_step *st = &plan->steps[S];
  if (S == 0) *sc = (tmc_patch_scan){false, -1, INT32_MAX, -1, 0};
  *input = -1;
  if (step_unfit(plan, st)) { /* no stage through S: the next one starts after it */
    *sc = (tmc_patch_scan){false, -1, INT32_MAX, -1, S + 1};
    return false;
  }
  if (!sc->dead && S > sc->start) { /* step S - 1 is now before the split */
    const tmc_tensor *y = &g->tensors[plan->steps[S - 1].out[0]];
    if ((y->is_output || f->viewed[y->id]) && sc->flag_at > S - 1) sc->flag_at = S - 1;
    if (f->last_reader[y->id] > sc->last_read) sc->last_read = f->last_reader[y->id];
  }
  for (int k = 0; !sc->dead && k < data_inputs(st); k++) {
    int32_t x = st->in[k];
    if (!from_outside(f, sc->start, S, x)) continue;
    if (sc->input >= 0 && sc->input != x) sc->dead = true;
    else sc->input = x;
  }
  *input = sc->input;
  bool keep_ok = true;
  for (int32_t k = 0; k < plan->n_keep && keep_ok; k++) {
    int32_t q = f->producer[plan->alias_of[plan->keep[k]]];
    keep_ok = !(q >= sc->start && q < S);
  }
  return !sc->dead && sc->flag_at >= S && sc->last_read <= S && sc->input >= 0 && keep_ok;
}

tmc_status tmc_patch_check(const tmc_plan *plan, const tmc_patch_facts *f, int32_t S,
                           int32_t *input, tmc_diag *d) {
  *input = -1;
  if (S < 0 || S >= plan->n_steps) return tmc_fail(d, TMC_ERR_USAGE, "no such split step");
  return check_stage(plan, f, S, input, d);
}

/* Rows (or columns) of the input a window needs for output [o0, o1). */
static void window_need(int32_t o0, int32_t o1, int32_t k, int32_t s, int32_t dil, int32_t pad,
                        int32_t size, int32_t *i0, int32_t *i1) {
  int64_t a = (int64_t)o0 * s - pad, b = (int64_t)(o1 - 1) * s - pad + (int64_t)(k - 1) * dil + 1;
  if (a < 0) a = 0;
  if (b > size) b = size;
  if (b < a) b = a;
  *i0 = (int32_t)a;
  *i1 = (int32_t)b;
}

static int64_t region_bytes(const tmc_tensor *t, const tmc_region *r) {
  return (int64_t)(r->y1 - r->y0) * (r->x1 - r->x0) * t->dims[3] *
         (int64_t)tmc_dtype_size(t->type);
}

static tmc_dims4 local_dims(const tmc_tensor *t, const tmc_region *r) {
  tmc_dims4 dd = {1, r->y1 - r->y0, r->x1 - r->x0, t->dims[3]};
  return dd;
}

/* MACs of a stage step computing out (the op's MACs per output element). */
static int64_t step_macs(const tmc_plan *plan, const tmc_step *st, const tmc_dims4 *out) {
  const tmc_tensor *y = &plan->g->tensors[st->out[0]];
  int64_t macs = tmc_op_macs(plan->g, &plan->g->ops[st->op]);
  if (macs == 0 || y->elems == 0) return 0;
  return macs / y->elems * ((int64_t)out->n * out->h * out->w * out->c);
}

/* Steps 2-4 over the stage's tensors in increasing id order (f->slot maps
 * an id to its index in tens; the caller clears the slots). */
static tmc_status build_stage(tmc_plan *plan, const tmc_patch_facts *f, int32_t start,
                              int32_t S, int32_t R, int32_t C, bool measure, int32_t input,
                              const int32_t *tens, int32_t n, tmc_arena *a, tmc_patch **out,
                              tmc_diag *d) {
  const tmc_graph *g = plan->g;
  const int32_t nt = g->n_tensors, ns = S + 1;
  const tmc_tensor *split = &g->tensors[plan->steps[S].out[0]];
  tmc_patch *p = tmc_arena_alloc(a, sizeof *p);
  int32_t np = R * C;
  if (p == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory planning patches");
  p->start_step = start;
  p->split_step = S;
  p->rows = R;
  p->cols = C;
  p->n_patches = np;
  p->input_tensor = input;
  p->split_tensor = split->id;
  tmc_region *reg = tmc_arena_array_d(a, (size_t)n, sizeof *reg, d, "patch regions");
  int64_t *size = tmc_arena_array_d(a, (size_t)n, sizeof *size, d, "patch buffers");
  p->scratch_off = tmc_arena_array_d(a, (size_t)ns, sizeof *p->scratch_off, d, "patch scratch");
  p->strided = tmc_arena_array_d(a, (size_t)ns, sizeof *p->strided, d, "patch geometry");
  if (!measure) {
    p->regions = tmc_arena_array_d(a, (size_t)np * nt, sizeof *p->regions, d, "patch regions");
    p->geom = tmc_arena_array_d(a, (size_t)np * ns, sizeof *p->geom, d, "patch geometry");
    p->local_off = tmc_arena_array_d(a, (size_t)nt, sizeof *p->local_off, d, "patch buffers");
    if (!p->regions || !p->geom || !p->local_off) return d->status;
  }
  if (!reg || !size || !p->scratch_off || !p->strided) return d->status;
#define SLOT(t) (f->slot[(t)])

  /* Step 2. Regions start empty (y0 = y1 = 0). */
  for (int32_t pi = 0; pi < np; pi++) {
    memset(reg, 0, (size_t)n * sizeof *reg);
    int32_t r = pi / C, c = pi % C;
    tmc_region rect = {(int32_t)((int64_t)r * split->dims[1] / R),
                       (int32_t)((int64_t)(r + 1) * split->dims[1] / R),
                       (int32_t)((int64_t)c * split->dims[2] / C),
                       (int32_t)((int64_t)(c + 1) * split->dims[2] / C)};
    reg[SLOT(split->id)] = rect;
    for (int32_t s = S; s >= start; s--) {
      const tmc_step *st = &plan->steps[s];
      const tmc_region *ro = &reg[SLOT(st->out[0])];
      const tmc_step_window *w = &st->win;
      bool win = has_window(st);
      for (int k = 0; k < data_inputs(st); k++) {
        const tmc_tensor *x = &g->tensors[st->in[k]];
        tmc_region need = *ro;
        if (win) {
          window_need(ro->y0, ro->y1, w->kh, w->sh, w->dh, w->pad_top, x->dims[1], &need.y0,
                      &need.y1);
          window_need(ro->x0, ro->x1, w->kw, w->sw, w->dw, w->pad_left, x->dims[2], &need.x0,
                      &need.x1);
        }
        region_union(&reg[SLOT(x->id)], &need);
      }
    }
    /* Element-wise steps need their inputs exactly over their output; a
     * binary one (strided operands) may read a larger region of one (a
     * residual branch another stage op reads over a wider window). */
    for (int32_t s = start; s <= S; s++) {
      const tmc_step *st = &plan->steps[s];
      if (has_window(st)) continue;
      for (int k = 0; k < data_inputs(st); k++) {
        const tmc_region *ri = &reg[SLOT(st->in[k])], *ro = &reg[SLOT(st->out[0])];
        if (region_equal(ri, ro)) continue;
        if (!strided_kernel(st->kernel) || k > 1)
          return stage_fail(d, plan, S, s, "reads a tensor needed over a larger region by "
                            "another op (a branch inside the stage)");
        p->strided[s] = true;
      }
    }
    /* Step 3. */
    for (int32_t s = start; s <= S; s++) {
      const tmc_step *st = &plan->steps[s];
      const tmc_tensor *x = &g->tensors[st->in[0]], *y = &g->tensors[st->out[0]];
      const tmc_region *ri = &reg[SLOT(x->id)], *ro = &reg[SLOT(y->id)];
      tmc_patch_geom gm, *ge = measure ? &gm : &p->geom[(size_t)pi * ns + s];
      const tmc_step_window *w = &st->win;
      memset(ge, 0, sizeof *ge);
      ge->in_dims = local_dims(x, ri);
      ge->out_dims = local_dims(y, ro);
      if (!has_window(st))
        for (int k = 0; k < data_inputs(st) && k < 2; k++) {
          const tmc_tensor *xk = &g->tensors[st->in[k]];
          const tmc_region *rk = &reg[SLOT(xk->id)];
          ge->in_w[k] = rk->x1 - rk->x0;
          ge->skip[k] = (int32_t)(((int64_t)(ro->y0 - rk->y0) * ge->in_w[k] + (ro->x0 - rk->x0)) *
                                  xk->dims[3] * (int64_t)tmc_dtype_size(xk->type));
        }
      if (has_window(st)) {
        ge->pad_top = w->pad_top + ri->y0 - ro->y0 * w->sh;
        ge->pad_left = w->pad_left + ri->x0 - ro->x0 * w->sw;
        /* Rows the last window reaches past the local input (informational). */
        ge->pad_bottom = (ge->out_dims.h - 1) * w->sh - ge->pad_top + (w->kh - 1) * w->dh +
                         1 - ge->in_dims.h;
        ge->pad_right = (ge->out_dims.w - 1) * w->sw - ge->pad_left + (w->kw - 1) * w->dw +
                        1 - ge->in_dims.w;
      }
      p->patch_macs += step_macs(plan, st, &ge->out_dims);
    }
    for (int32_t i = 0; i < n; i++) {
      int64_t b = region_empty(&reg[i]) ? 0 : region_bytes(&g->tensors[tens[i]], &reg[i]);
      if (b > size[i]) size[i] = b;
      if (!measure) p->regions[(size_t)pi * nt + tens[i]] = reg[i];
    }
  }
  for (int32_t s = start; s <= S; s++)
    p->layer_macs += step_macs(plan, &plan->steps[s], &plan->steps[s].out_dims);

  /* Step 4: local buffers and scratch as blocks over the stage's steps. */
  tmc_block *blocks = tmc_arena_array_d(a, (size_t)(n + ns) + 1, sizeof *blocks, d, "blocks");
  int32_t *first = tmc_arena_array_d(a, (size_t)n + 1, sizeof *first, d, "blocks");
  int32_t *last = tmc_arena_array_d(a, (size_t)n + 1, sizeof *last, d, "blocks");
  if (!blocks || !first || !last) return d->status;
  for (int32_t i = 0; i < n; i++) {
    first[i] = INT32_MAX;
    last[i] = -1;
  }
  if (!measure)
    for (int32_t t = 0; t < nt; t++) p->local_off[t] = -1;
  for (int32_t s = start; s <= S; s++) {
    const tmc_step *st = &plan->steps[s];
    for (int k = 0; k < data_inputs(st) + 1; k++) {
      int32_t t = k < data_inputs(st) ? st->in[k] : st->out[0], i = SLOT(t);
      int32_t fs = t == input ? start : s;
      if (fs < first[i]) first[i] = fs;
      if (s > last[i]) last[i] = s;
    }
  }
  int32_t nb = 0;
  for (int32_t i = 0; i < n; i++)
    if (last[i] >= 0 && size[i] > 0)
      blocks[nb++] = (tmc_block){tens[i], -1, first[i], last[i],
                                 (size[i] + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN,
                                 0};
#undef SLOT
  for (int32_t s = 0; s <= S; s++) {
    p->scratch_off[s] = -1;
    if (s >= start && plan->steps[s].scratch_bytes > 0)
      blocks[nb++] = (tmc_block){-1, s, s, s,
                                 ((int64_t)plan->steps[s].scratch_bytes + TMC_PLAN_ALIGN - 1) /
                                     TMC_PLAN_ALIGN * TMC_PLAN_ALIGN,
                                 0};
  }
  TMC_TRY(tmc_place_blocks(blocks, nb, TMC_PLANNER_BEST, a, &p->region_bytes, d));
  for (int32_t i = 0; i < nb; i++) {
    if (blocks[i].tensor >= 0) {
      if (!measure) p->local_off[blocks[i].tensor] = blocks[i].offset;
    } else {
      p->scratch_off[blocks[i].step] = blocks[i].offset;
    }
  }
  *out = p;
  return TMC_OK;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return x < y ? -1 : x > y;
}

tmc_status tmc_patch_build_with(tmc_plan *plan, const tmc_patch_facts *f, int32_t S, int32_t R,
                                int32_t C, bool measure, tmc_arena *a, tmc_patch **out,
                                tmc_diag *d) {
  const tmc_graph *g = plan->g;
  *out = NULL;
  if (S < 0 || S >= plan->n_steps) return tmc_fail(d, TMC_ERR_USAGE, "no such split step");
  int32_t input;
  TMC_TRY(check_stage(plan, f, S, &input, d));
  const tmc_tensor *split = &g->tensors[plan->steps[S].out[0]];
  if (R > split->dims[1] || C > split->dims[2])
    return stage_fail(d, plan, S, -1, "the grid is finer than the split tensor");
  /* The stage's tensors: its input and the steps' outputs (every data input
   * of a stage step is one of them), by id. */
  int32_t *tens = tmc_arena_array_d(a, (size_t)S + 2, sizeof *tens, d, "patch regions");
  if (tens == NULL) return d->status;
  int32_t n = 0;
  tens[n++] = input;
  f->slot[input] = 0;
  const int32_t start = tmc_patch_stage_start(plan, S);
  for (int32_t s = start; s <= S; s++) {
    tmc_step_variant_lean(plan, s);
    int32_t t = plan->steps[s].out[0];
    if (f->slot[t] < 0) {
      f->slot[t] = 0;
      tens[n++] = t;
    }
  }
  qsort(tens, (size_t)n, sizeof *tens, cmp_i32);
  for (int32_t i = 0; i < n; i++) f->slot[tens[i]] = i;
  tmc_status st = build_stage(plan, f, start, S, R, C, measure, input, tens, n, a, out, d);
  for (int32_t i = 0; i < n; i++) f->slot[tens[i]] = -1;
  return st;
}

tmc_status tmc_patch_build(tmc_plan *plan, int32_t S, int32_t R, int32_t C, tmc_arena *a,
                           tmc_patch **out, tmc_diag *d) {
  tmc_patch_facts f;
  *out = NULL;
  TMC_TRY(tmc_patch_facts_init(plan, a, &f, d));
  return tmc_patch_build_with(plan, &f, S, R, C, false, a, out, d);
}

/* A lower bound on the stage region of (S, R, C), from the last `depth`
 * steps of the stage: their outputs' regions are exact there (every reader
 * is later) and their inputs' regions are parts of the whole trace's, so
 * the bytes live at one of those steps (its data inputs, its output, its
 * scratch: placed without overlaps) are a floor. Stops once the floor
 * passes stop_above. The stage must have passed tmc_patch_check and the
 * grid must fit the split tensor. */
/* Bytes live at stage step s by w's largest regions (see below). */
static int64_t live_at(const tmc_plan *plan, const tmc_patch_work *w, int32_t s) {
  const tmc_step *st = &plan->steps[s];
  int64_t live = ((int64_t)st->scratch_bytes + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN *
                 TMC_PLAN_ALIGN;
  int n = data_inputs(st);
  for (int k = 0; k <= n; k++) {
    int32_t t = k < n ? st->in[k] : st->out[0];
    bool seen = w->max_mark[t] != w->grid_mark; /* none yet, or counted once */
    for (int j = 0; j < k && !seen; j++) seen = st->in[j] == t;
    if (!seen) live += w->max_bytes[t];
  }
  return live;
}

/* Notes region r of tensor t in the largest bytes of t (aligned). */
static void note_max(const tmc_plan *plan, tmc_patch_work *w, int32_t t, const tmc_region *r) {
  int64_t b = region_empty(r) ? 0 : region_bytes(&plan->g->tensors[t], r);
  b = (b + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN;
  if (w->max_mark[t] != w->grid_mark) {
    w->max_mark[t] = w->grid_mark;
    w->max_bytes[t] = 0;
  }
  if (b > w->max_bytes[t]) w->max_bytes[t] = b;
}

/* A lower bound on the stage region of (S, R, C), from the last `depth`
 * steps of the stage: their outputs' regions are exact there (every reader
 * is later) and their inputs' regions are parts of the whole trace's, so
 * the bytes live at one of those steps (its data inputs, its output, its
 * scratch: placed without overlaps) are a floor, over any of the patches.
 * The centre patch goes first (its halo grows on every side), and the floor
 * is checked after each step, stopping once it passes stop_above. */
int64_t tmc_patch_region_floor(const tmc_plan *plan, tmc_patch_work *w, int32_t start,
                               int32_t S, int32_t R, int32_t C, int32_t depth,
                               int64_t stop_above) {
  const tmc_graph *g = plan->g;
  const tmc_tensor *split = &g->tensors[plan->steps[S].out[0]];
  int32_t lo = S - depth + 1 < start ? start : S - depth + 1, centre = R / 2 * C + C / 2;
  int64_t floor = 0;
  w->grid_mark++;
  for (int32_t k = 0; k < R * C; k++) {
    int32_t pi = k == 0 ? centre : k <= centre ? k - 1 : k, r = pi / C, c = pi % C;
    w->patch_mark++;
    tmc_region rect = {(int32_t)((int64_t)r * split->dims[1] / R),
                       (int32_t)((int64_t)(r + 1) * split->dims[1] / R),
                       (int32_t)((int64_t)c * split->dims[2] / C),
                       (int32_t)((int64_t)(c + 1) * split->dims[2] / C)};
    w->reg[split->id] = rect;
    w->reg_mark[split->id] = w->patch_mark;
    for (int32_t s = S; s >= lo; s--) {
      const tmc_step *st = &plan->steps[s];
      int32_t y = st->out[0];
      tmc_region ro = {0, 0, 0, 0};
      if (w->reg_mark[y] == w->patch_mark) ro = w->reg[y];
      note_max(plan, w, y, &ro);
      const tmc_step_window *wi = &st->win;
      bool win = has_window(st);
      for (int j = 0; j < data_inputs(st); j++) {
        const tmc_tensor *x = &g->tensors[st->in[j]];
        tmc_region need = ro;
        if (win) {
          window_need(ro.y0, ro.y1, wi->kh, wi->sh, wi->dh, wi->pad_top, x->dims[1], &need.y0,
                      &need.y1);
          window_need(ro.x0, ro.x1, wi->kw, wi->sw, wi->dw, wi->pad_left, x->dims[2], &need.x0,
                      &need.x1);
        }
        if (w->reg_mark[x->id] != w->patch_mark) {
          w->reg_mark[x->id] = w->patch_mark;
          w->reg[x->id] = (tmc_region){0, 0, 0, 0};
        }
        region_union(&w->reg[x->id], &need);
        note_max(plan, w, x->id, &w->reg[x->id]);
      }
      int64_t live = live_at(plan, w, s);
      if (live > floor) floor = live;
      if (floor > stop_above) return floor;
    }
  }
  return floor;
}

static void set_i32(tmc_step *st, const char *field, int32_t v) {
  const tmc_field *f = tmc_kernel_field(st->kernel, field);
  if (f && f->kind == TMC_FK_I32) memcpy((char *)&st->p + f->offset, &v, sizeof v);
}

void tmc_patch_step(const tmc_plan *plan, int32_t pi, int32_t s, tmc_step *st) {
  const tmc_patch *pt = plan->patch;
  const tmc_patch_geom *ge = &pt->geom[(size_t)pi * (pt->split_step + 1) + s];
  *st = plan->steps[s];
  st->in_dims = ge->in_dims;
  st->out_dims = ge->out_dims;
  if (has_window(st)) {
    st->win.pad_top = ge->pad_top;
    st->win.pad_bottom = ge->pad_bottom;
    st->win.pad_left = ge->pad_left;
    st->win.pad_right = ge->pad_right;
    set_i32(st, "pad_top", ge->pad_top);
    set_i32(st, "pad_bottom", ge->pad_bottom);
    set_i32(st, "pad_left", ge->pad_left);
    set_i32(st, "pad_right", ge->pad_right);
  } else if (pt->strided[s]) { /* rows of the output's region in each operand's */
    const int32_t c = ge->out_dims.c;
    st->size = ge->out_dims.h * ge->out_dims.w * c;
    st->bcast.rank = 2;
    st->bcast.dims[0] = ge->out_dims.h;
    st->bcast.dims[1] = ge->out_dims.w * c;
    st->bcast.stride1[0] = ge->in_w[0] * c;
    st->bcast.stride2[0] = ge->in_w[1] * c;
    st->bcast.stride1[1] = st->bcast.stride2[1] = 1;
  } else { /* element-wise: equal shapes, one flat dimension */
    int64_t n = (int64_t)ge->out_dims.h * ge->out_dims.w * ge->out_dims.c;
    st->size = (int32_t)n;
    st->bcast.rank = 1;
    st->bcast.dims[0] = (int32_t)n;
    st->bcast.stride1[0] = st->bcast.stride2[0] = 1;
  }
}

void tmc_patch_gather(const uint8_t *whole, const tmc_tensor *t, const tmc_region *r,
                      uint8_t *local) {
  size_t px = (size_t)t->dims[3] * tmc_dtype_size(t->type);
  size_t row = (size_t)(r->x1 - r->x0) * px;
  for (int32_t y = r->y0; y < r->y1; y++, local += row)
    memcpy(local, whole + ((size_t)y * t->dims[2] + r->x0) * px, row);
}

void tmc_patch_scatter(uint8_t *whole, const tmc_tensor *t, const tmc_region *r,
                       const uint8_t *local) {
  size_t px = (size_t)t->dims[3] * tmc_dtype_size(t->type);
  size_t row = (size_t)(r->x1 - r->x0) * px;
  for (int32_t y = r->y0; y < r->y1; y++, local += row)
    memcpy(whole + ((size_t)y * t->dims[2] + r->x0) * px, local, row);
}
