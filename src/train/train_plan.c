/* The training plan (train_plan.h). Steps:
 * 1. the backward path of the set (select.c) and the forward lowered with
 *    the trained layers on the portable kernels;
 * 2. time: the forward's steps, the loss, one time per backward op (the
 *    head's first);
 * 3. lifetimes: the logits kept to the loss, a trained layer's input to
 *    its backward (the forward's own blocks, extended: tmc_plan.keep_last);
 *    a mask from its op's step to its op's backward; a gradient from its
 *    first write to its producer's backward; a layer's float input and its
 *    weight gradient (batch 1) at its backward; the trainable weights and
 *    biases, the accumulators (batch > 1), the optimizer's buffers and the
 *    state for the whole step (they persist across steps);
 * 4. placement: everything with the forward's planner in one arena (the
 *    backward's buffers reuse the forward's dead bytes);
 * 5. the runtime's descriptors from the offsets, and the memory by part:
 *    the most bytes of each part live at one time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/geometry.h"
#include "plan/report.h"
#include "train_plan.h"

static const char *const part_names[TMC_TP_COUNT] = {
    "activations", "saved", "gradients", "weight_gradients", "weights", "optimizer"};

const char *tmc_train_part_name(tmc_train_part p) {
  return p >= 0 && p < TMC_TP_COUNT ? part_names[p] : "?";
}

typedef struct builder {
  tmc_train_plan *tp;
  tmc_arena *a;
  int32_t n, cap;
  tmc_block *b;
  tmc_train_part *part;
  const char **label;
} builder;

static tmc_status oom(tmc_diag *d) { return tmc_fail(d, TMC_ERR_NOMEM, "out of memory"); }

static const char *str(tmc_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static const char *str(tmc_arena *a, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *s = tmc_arena_alloc(a, strlen(buf) + 1);
  if (s) memcpy(s, buf, strlen(buf) + 1);
  return s ? s : "";
}

/* A block over [first, last] of bytes (rounded up); returns its index. */
static int32_t add(builder *B, tmc_train_part part, int32_t first, int32_t last, int64_t bytes,
                   const char *label) {
  if (bytes <= 0 || B->n >= B->cap) return -1;
  const int32_t k = B->n++;
  B->b[k] = (tmc_block){-1, TMC_BLOCK_EXTRA, first, last,
                        (bytes + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN, -1};
  B->part[k] = part;
  B->label[k] = label;
  return k;
}

static int cmp_range(const void *x, const void *y) {
  const int64_t *a = x, *b = y;
  return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* Per part: the most bytes its live blocks cover at one time (the union
 * of their ranges: an output written over its dying input counts once). */
static tmc_status part_peaks(const tmc_train_plan *tp, int64_t *peak, tmc_arena *a,
                             tmc_diag *d) {
  const tmc_mem *mem = &tp->fwd.mem;
  int64_t *r = tmc_arena_array(a, 2 * (size_t)mem->n_blocks + 2, sizeof *r);
  if (r == NULL) return oom(d);
  for (int k = 0; k < TMC_TP_COUNT; k++) {
    peak[k] = 0;
    for (int32_t t = 0; t < tp->n_times; t++) {
      int32_t n = 0;
      for (int32_t i = 0; i < mem->n_blocks; i++) {
        const tmc_block *b = &mem->blocks[i];
        if ((int)tp->part[i] != k || b->first > t || b->last < t) continue;
        r[2 * n] = b->offset;
        r[2 * n + 1] = b->offset + b->size;
        n++;
      }
      qsort(r, (size_t)n, 2 * sizeof *r, cmp_range);
      int64_t sum = 0, end = INT64_MIN;
      for (int32_t j = 0; j < n; j++) {
        const int64_t lo = r[2 * j] > end ? r[2 * j] : end, hi = r[2 * j + 1];
        if (hi > lo) sum += hi - lo;
        if (hi > end) end = hi;
      }
      if (sum > peak[k]) peak[k] = sum;
    }
  }
  return TMC_OK;
}

static int32_t off_of(const builder *B, int32_t k) {
  return k >= 0 ? (int32_t)B->b[k].offset : -1;
}

static const float *expand_scales(tmc_arena *a, const tmc_tensor *x, int32_t n) {
  float *s = tmc_arena_array(a, (size_t)(n > 0 ? n : 1), sizeof *s);
  if (s == NULL) return NULL;
  for (int32_t i = 0; i < n; i++) s[i] = x->q.scale[x->q.n > 1 ? i : 0];
  return s;
}

/* Per layer of the set: the indices of its blocks. */
typedef struct layer_blocks {
  int32_t w, b, gw, gb, mw, mb, fw, fb, rw;
} layer_blocks;

static tmc_status make_rt(tmc_train_plan *tp, builder *B, const layer_blocks *lb,
                          const int32_t *grad_blk, const int32_t *mask_blk,
                          const int32_t *xf_blk, int32_t state_blk, int32_t logits_grad_blk,
                          const tmc_train_cfg *c, tmc_arena *a, tmc_diag *d);

tmc_status tmc_train_plan_make(const tmc_train_model *m, const tmc_train_set *s,
                               const tmc_train_cfg *c, tmc_arena *a, tmc_train_plan *tp,
                               tmc_diag *d) {
  const tmc_graph *g = &m->g;
  memset(tp, 0, sizeof *tp);
  tp->m = m;
  tp->set = *s;
  tmc_train_path *p = &tp->path;
  const size_t nt = (size_t)g->n_tensors, no = (size_t)g->n_ops;
  /* 1. */
  TMC_TRY(tmc_train_path_make(m, s, a, p, d));
  bool *plain = tmc_arena_array(a, no, sizeof *plain);
  tp->bw_time = tmc_arena_array(a, no, sizeof *tp->bw_time);
  tp->step_of = tmc_arena_array(a, no, sizeof *tp->step_of);
  tp->sram_off = tmc_arena_array(a, nt, sizeof *tp->sram_off);
  tp->layer_step = tmc_arena_array(a, (size_t)s->n + 1, sizeof *tp->layer_step);
  int32_t *keep = tmc_arena_array(a, nt + no + 1, sizeof *keep);
  int32_t *keep_last = tmc_arena_array(a, nt + no + 1, sizeof *keep_last);
  bool *saved_root = tmc_arena_array(a, nt, sizeof *saved_root);
  if (!plain || !tp->bw_time || !tp->step_of || !tp->sram_off || !tp->layer_step || !keep ||
      !keep_last || !saved_root)
    return oom(d);
  for (size_t i = 0; i < no; i++) plain[i] = p->layer_of[i] >= 0;
  TMC_TRY(tmc_plan_lower_plain(g, c->target, plain, a, &tp->fwd, d));
  const int32_t ns = tp->fwd.n_steps;
  /* 2. */
  for (size_t i = 0; i < no; i++) tp->bw_time[i] = tp->step_of[i] = -1;
  for (int32_t k = 0; k < ns; k++) tp->step_of[tp->fwd.steps[k].op] = k;
  int32_t n_bw = 0;
  for (int32_t i = m->head_op; i >= 0; i--)
    if (p->bw[i]) tp->bw_time[i] = ns + 1 + n_bw++;
  tp->n_times = ns + 1 + n_bw;
  const int32_t T = tp->n_times - 1; /* the last time */
  /* 3. the forward's blocks, extended */
  int32_t n_keep = 0;
  keep[n_keep] = m->logits;
  keep_last[n_keep++] = ns;
  for (int32_t k = 0; k < s->n; k++) {
    const int32_t op = s->layer[k].op;
    tp->layer_step[k] = tp->step_of[op];
    if (s->layer[k].channels == 0) continue;
    const int32_t x = g->ops[op].in[0];
    keep[n_keep] = x;
    keep_last[n_keep++] = tp->bw_time[op];
    saved_root[tp->fwd.alias_of[x]] = true;
  }
  for (int32_t i = 0; i <= m->head_op; i++) { /* MAX_POOL_2D reads its int8 input */
    if (!p->bw[i] || g->ops[i].kind != TMC_OP_MAX_POOL_2D) continue;
    const int32_t x = g->ops[i].in[0];
    keep[n_keep] = x;
    keep_last[n_keep++] = tp->bw_time[i];
    saved_root[tp->fwd.alias_of[x]] = true;
  }
  tp->fwd.n_keep = n_keep;
  tp->fwd.keep = keep;
  tp->fwd.keep_last = keep_last;
  tp->fwd.n_times = tp->n_times;
  /* the training's own blocks */
  builder B = {tp, a, 0, (int32_t)(2 * nt + no + 8 * (size_t)s->n + 4), NULL, NULL, NULL};
  B.b = tmc_arena_array(a, (size_t)B.cap, sizeof *B.b);
  B.part = tmc_arena_array(a, (size_t)B.cap, sizeof *B.part);
  B.label = tmc_arena_array(a, (size_t)B.cap, sizeof *B.label);
  int32_t *grad_blk = tmc_arena_array(a, nt, sizeof *grad_blk);
  int32_t *mask_blk = tmc_arena_array(a, no, sizeof *mask_blk);
  int32_t *xf_blk = tmc_arena_array(a, no, sizeof *xf_blk);
  layer_blocks *lb = tmc_arena_array(a, (size_t)s->n + 1, sizeof *lb);
  if (!B.b || !B.part || !B.label || !grad_blk || !mask_blk || !xf_blk || !lb) return oom(d);
  for (size_t t = 0; t < nt; t++) grad_blk[t] = -1;
  for (size_t i = 0; i < no; i++) mask_blk[i] = xf_blk[i] = -1;
  for (int32_t i = 0; i <= m->head_op; i++) {
    if (!p->mask[i]) continue;
    const tmc_tensor *y = tmc_op_output(g, &g->ops[i], 0);
    mask_blk[i] = add(&B, TMC_TP_SAVED, tp->step_of[i], tp->bw_time[i], (y->elems + 7) / 8,
                      str(a, "mask of op %d %s", i, g->ops[i].name));
  }
  const int32_t lr = p->root[m->logits];
  for (size_t t = 0; t < nt; t++) {
    if (!p->grad[t] || p->root[t] != (int32_t)t || p->grad_first[t] < 0) continue;
    const int32_t first = (int32_t)t == lr ? ns : tp->bw_time[p->grad_first[t]];
    const int32_t last = tp->bw_time[p->grad_last[t]];
    grad_blk[t] = add(&B, TMC_TP_GRADIENTS, first, last, g->tensors[t].elems * 4,
                      str(a, "gradient of tensor %d '%s'", (int32_t)t, g->tensors[t].name));
  }
  const bool one = c->batch <= 1;
  for (int32_t k = 0; k < s->n; k++) {
    const tmc_train_layer *tl = &s->layer[k];
    const tmc_op *op = &g->ops[tl->op];
    const int32_t bt = tp->bw_time[tl->op];
    int32_t ch;
    int64_t per;
    tmc_train_layer_shape(g, op, &ch, &per);
    layer_blocks *L = &lb[k];
    *L = (layer_blocks){-1, -1, -1, -1, -1, -1, -1, -1, -1};
    const int64_t nw = (int64_t)tl->channels * per;
    if (tl->channels > 0) {
      xf_blk[tl->op] = add(&B, TMC_TP_GRADIENTS, bt, bt, tmc_op_input(g, op, 0)->elems * 4,
                           str(a, "input of op %d %s, dequantized", tl->op, op->name));
      L->w = add(&B, TMC_TP_WEIGHTS, 0, T, (int64_t)ch * per,
                 str(a, "weights of op %d %s", tl->op, op->name));
      L->gw = add(&B, TMC_TP_WEIGHT_GRADIENTS, one ? bt : 0, one ? bt : T,
                  4 * (one ? per : nw), str(a, "weight gradient of op %d %s", tl->op, op->name));
      if (c->sgd.momentum != 0.0f)
        L->mw = add(&B, TMC_TP_OPTIMIZER, 0, T, 4 * nw,
                    str(a, "weight momentum of op %d %s", tl->op, op->name));
      if (c->float_reference)
        L->fw = add(&B, TMC_TP_OPTIMIZER, 0, T, 4 * nw,
                    str(a, "float weights of op %d %s", tl->op, op->name));
      else if (c->residual)
        L->rw = add(&B, TMC_TP_OPTIMIZER, 0, T, nw,
                    str(a, "weight residuals of op %d %s", tl->op, op->name));
    }
    if (tl->bias) {
      L->b = add(&B, TMC_TP_WEIGHTS, 0, T, 4 * (int64_t)ch,
                 str(a, "bias of op %d %s", tl->op, op->name));
      L->gb = add(&B, TMC_TP_WEIGHT_GRADIENTS, one ? bt : 0, one ? bt : T, 4 * (int64_t)ch,
                  str(a, "bias gradient of op %d %s", tl->op, op->name));
      if (c->sgd.momentum != 0.0f)
        L->mb = add(&B, TMC_TP_OPTIMIZER, 0, T, 4 * (int64_t)ch,
                    str(a, "bias momentum of op %d %s", tl->op, op->name));
      if (c->float_reference)
        L->fb = add(&B, TMC_TP_OPTIMIZER, 0, T, 4 * (int64_t)ch,
                    str(a, "float bias of op %d %s", tl->op, op->name));
    }
  }
  const int32_t state_blk =
      s->n > 0 ? add(&B, TMC_TP_OPTIMIZER, 0, T, 8, "training state (generator, pending)") : -1;
  tp->fwd.n_extra = B.n;
  tp->fwd.extra = B.b;
  /* 4. */
  TMC_TRY(tmc_plan_memory(&tp->fwd, TMC_PLANNER_BEST, 0, a, d));
  const tmc_mem *mem = &tp->fwd.mem;
  if (mem->arena_bytes > INT32_MAX)
    return tmc_fail(d, TMC_ERR_LIMIT, "the training arena needs %lld bytes, beyond 2 GiB",
                    (long long)mem->arena_bytes);
  /* 5. parts and labels per block (the forward's first, extra after) */
  const int32_t n_fwd = mem->n_blocks - B.n;
  tp->part = tmc_arena_array(a, (size_t)mem->n_blocks + 1, sizeof *tp->part);
  tp->label = tmc_arena_array(a, (size_t)mem->n_blocks + 1, sizeof *tp->label);
  if (!tp->part || !tp->label) return oom(d);
  for (int32_t i = 0; i < mem->n_blocks; i++) {
    const tmc_block *b = &mem->blocks[i];
    if (i >= n_fwd) {
      tp->part[i] = B.part[i - n_fwd];
      tp->label[i] = B.label[i - n_fwd];
    } else {
      char buf[256];
      tmc_block_label(&tp->fwd, b, buf, sizeof buf);
      tp->part[i] = b->tensor >= 0 && saved_root[b->tensor] ? TMC_TP_SAVED : TMC_TP_ACTIVATIONS;
      tp->label[i] = str(a, "%s", buf);
    }
  }
  int64_t peak[TMC_TP_COUNT] = {0};
  TMC_TRY(part_peaks(tp, peak, a, d));
  tp->mem = (tmc_train_memory){peak[TMC_TP_ACTIVATIONS], peak[TMC_TP_SAVED],
                               peak[TMC_TP_GRADIENTS],   peak[TMC_TP_WEIGHT_GRADIENTS],
                               peak[TMC_TP_WEIGHTS],     peak[TMC_TP_OPTIMIZER],
                               mem->arena_bytes, 0};
  for (int k = 0; k < TMC_TP_COUNT; k++) tp->mem.reused += peak[k];
  tp->mem.reused -= tp->mem.total;
  const int32_t lg = grad_blk[lr];
  return make_rt(tp, &B, lb, grad_blk, mask_blk, xf_blk, state_blk, lg, c, a, d);
}

static tmc_bw_window window(const tmc_step *st) {
  return (tmc_bw_window){st->win.sh, st->win.sw, st->win.dh, st->win.dw, st->win.pad_top,
                         st->win.pad_left};
}

static tmc_status make_rt(tmc_train_plan *tp, builder *B, const layer_blocks *lb,
                          const int32_t *grad_blk, const int32_t *mask_blk,
                          const int32_t *xf_blk, int32_t state_blk, int32_t logits_grad_blk,
                          const tmc_train_cfg *c, tmc_arena *a, tmc_diag *d) {
  const tmc_train_model *m = tp->m;
  const tmc_graph *g = &m->g;
  const tmc_train_path *p = &tp->path;
  const tmc_train_set *s = &tp->set;
  const tmc_mem *mem = &tp->fwd.mem;
  tmc_train_rt *rt = &tp->rt;
  tmc_train_layer_rt *layers = tmc_arena_array(a, (size_t)s->n + 1, sizeof *layers);
  tmc_train_op_rt *ops = tmc_arena_array(a, (size_t)g->n_ops + 1, sizeof *ops);
  if (!layers || !ops) return oom(d);
  for (int32_t t = 0; t < g->n_tensors; t++) tp->sram_off[t] = -1;
  for (int32_t k = 0; k < s->n; k++) {
    const tmc_op *op = &g->ops[s->layer[k].op];
    const tmc_tensor *w = tmc_op_input(g, op, 1), *b = tmc_op_input(g, op, 2);
    tmc_train_layer_rt *L = &layers[k];
    int32_t ch;
    int64_t per;
    tmc_train_layer_shape(g, op, &ch, &per);
    if (s->layer[k].bias && (b == NULL || b->type != TMC_I32))
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "op %d %s: the bias is not an int32 tensor",
                      op->id, op->name);
    *L = (tmc_train_layer_rt){ch, (int32_t)per, s->layer[k].channels,
                              op->kind == TMC_OP_DEPTHWISE_CONV_2D,
                              off_of(B, lb[k].w), off_of(B, lb[k].b),
                              expand_scales(a, w, ch), b ? expand_scales(a, b, ch) : NULL,
                              off_of(B, lb[k].gw), off_of(B, lb[k].gb), off_of(B, lb[k].mw),
                              off_of(B, lb[k].mb), off_of(B, lb[k].fw), off_of(B, lb[k].fb),
                              off_of(B, lb[k].rw)};
    if (L->w_scale == NULL || (b && L->b_scale == NULL)) return oom(d);
    if (L->w_off >= 0) tp->sram_off[w->id] = L->w_off;
    if (L->b_off >= 0) tp->sram_off[b->id] = L->b_off;
  }
  int32_t n = 0;
  for (int32_t i = m->head_op; i >= 0; i--) {
    if (!p->bw[i]) continue;
    const tmc_op *op = &g->ops[i];
    const tmc_tensor *y = tmc_op_output(g, op, 0), *x = tmc_op_input(g, op, 0);
    const int32_t ry = p->root[y->id];
    const tmc_step *st = tp->step_of[i] >= 0 ? &tp->fwd.steps[tp->step_of[i]] : NULL;
    tmc_train_op_rt *r = &ops[n];
    memset(r, 0, sizeof *r);
    r->op = i;
    r->layer = p->layer_of[i];
    r->y_elems = (int32_t)y->elems;
    r->gy_off = off_of(B, grad_blk[ry]);
    for (int j = 0; j < 2; j++) {
      r->gx_off[j] = r->zero_off[j] = -1;
      const int32_t xi = j < op->n_in ? op->in[j] : -1;
      const bool data = j == 0 || op->kind == TMC_OP_ADD;
      if (xi >= 0 && data && p->grad[xi]) r->gx_off[j] = off_of(B, grad_blk[p->root[xi]]);
    }
    /* the buffers first written here */
    for (int j = 0, z = 0; j < op->n_in && z < 2; j++) {
      const int32_t xi = op->in[j];
      if (xi < 0 || !p->grad[xi]) continue;
      const int32_t rx = p->root[xi];
      if (rx == ry || p->grad_first[rx] != i || rx == p->root[m->logits]) continue;
      bool dup = z == 1 && r->zero_off[0] == off_of(B, grad_blk[rx]);
      if (dup) continue;
      r->zero_off[z] = off_of(B, grad_blk[rx]);
      r->zero_elems[z++] = (int32_t)g->tensors[rx].elems;
    }
    r->mask_off = off_of(B, mask_blk[i]);
    r->y_off = -1;
    if (r->mask_off >= 0) {
      r->y_off = (int32_t)mem->offset[tp->fwd.alias_of[y->id]];
      tmc_train_act_bounds(g, op, &r->mask_lo, &r->mask_hi);
    }
    r->x_off = r->xf_off = r->w_arena_off = -1;
    if (r->layer >= 0 && s->layer[r->layer].channels > 0) {
      r->x_off = (int32_t)mem->offset[tp->fwd.alias_of[x->id]];
      r->x_elems = (int32_t)x->elems;
      r->x_scale = x->q.scale[0];
      r->x_zp = x->q.zero_point[0];
      r->xf_off = off_of(B, xf_blk[i]);
    }
    switch (op->kind) {
      case TMC_OP_FULLY_CONNECTED: case TMC_OP_CONV_2D: case TMC_OP_DEPTHWISE_CONV_2D: {
        const tmc_tensor *w = tmc_op_input(g, op, 1);
        int32_t ch;
        int64_t per;
        tmc_train_layer_shape(g, op, &ch, &per);
        r->w = (const int8_t *)w->data;
        r->w_arena_off = r->layer >= 0 ? layers[r->layer].w_off : -1;
        r->w_scale = expand_scales(a, w, ch);
        if (r->w_scale == NULL) return oom(d);
        if (op->kind == TMC_OP_FULLY_CONNECTED) {
          r->kind = TMC_BW_FC;
          r->depth = w->dims[1];
          r->units = w->dims[0];
          r->batches = (int32_t)(x->elems / r->depth);
        } else {
          r->kind = op->kind == TMC_OP_CONV_2D ? TMC_BW_CONV : TMC_BW_DEPTHWISE;
          r->in = st->in_dims;
          r->filter = st->filter_dims;
          r->out = st->out_dims;
          r->win = window(st);
          r->mult = op->attr.conv.depth_multiplier;
        }
        break;
      }
      case TMC_OP_AVERAGE_POOL_2D:
        r->kind = TMC_BW_AVG_POOL;
        r->in = st->in_dims;
        r->out = st->out_dims;
        r->win = window(st);
        r->fh = op->attr.pool.filter_h;
        r->fw = op->attr.pool.filter_w;
        break;
      case TMC_OP_MAX_POOL_2D:
        r->kind = TMC_BW_MAX_POOL;
        r->in = st->in_dims;
        r->out = st->out_dims;
        r->win = window(st);
        r->fh = op->attr.pool.filter_h;
        r->fw = op->attr.pool.filter_w;
        r->x_off = (int32_t)mem->offset[tp->fwd.alias_of[x->id]];
        r->x_elems = (int32_t)x->elems;
        break;
      case TMC_OP_PAD: case TMC_OP_PADV2: { /* right-aligned in NHWC */
        r->kind = TMC_BW_PAD;
        int32_t in4[4] = {1, 1, 1, 1}, out4[4] = {1, 1, 1, 1};
        const tmc_tensor *pads = tmc_op_input(g, op, 1);
        for (int32_t k = 0; k < x->rank; k++) {
          const int32_t j = 4 - x->rank + k;
          in4[j] = x->dims[k];
          out4[j] = y->dims[k];
          r->axes[j] = (int32_t)tmc_tensor_int(pads, 2 * k);
        }
        r->in = (tmc_dims4){in4[0], in4[1], in4[2], in4[3]};
        r->out = (tmc_dims4){out4[0], out4[1], out4[2], out4[3]};
        break;
      }
      case TMC_OP_MEAN: case TMC_OP_TRANSPOSE: {
        r->kind = op->kind == TMC_OP_MEAN ? TMC_BW_MEAN : TMC_BW_TRANSPOSE;
        r->rank = x->rank;
        for (int32_t k = 0; k < x->rank; k++) r->dims[k] = x->dims[k];
        const tmc_tensor *ax = tmc_op_input(g, op, 1);
        if (op->kind == TMC_OP_TRANSPOSE) {
          for (int32_t k = 0; k < x->rank; k++) r->axes[k] = (int32_t)tmc_tensor_int(ax, k);
        } else {
          for (int64_t e = 0; e < ax->elems; e++) {
            int64_t v = tmc_tensor_int(ax, e);
            if (v < 0) v += x->rank;
            if (v >= 0 && v < x->rank) r->axes[v] = 1;
          }
        }
        break;
      }
      case TMC_OP_ADD: r->kind = TMC_BW_ADD; break;
      default: /* views share the gradient: nothing to run */
        r->kind = TMC_BW_COPY;
        if (r->gx_off[0] == r->gy_off && r->mask_off < 0 && r->zero_off[0] < 0) continue;
        break;
    }
    n++;
  }
  const tmc_tensor *lt = &g->tensors[m->logits];
  *rt = (tmc_train_rt){n, ops, s->n, layers,
                       (int32_t)mem->offset[tp->fwd.alias_of[m->logits]], m->classes,
                       lt->q.zero_point[0], lt->q.scale[0], off_of(B, logits_grad_blk),
                       c->batch < 1 ? 1 : c->batch, c->sgd.lr, c->sgd.momentum,
                       c->sgd.weight_decay, c->sgd.qas, c->sgd.rng != NULL,
                       off_of(B, state_blk)};
  tp->seed = c->sgd.rng ? *c->sgd.rng : 0;
  return TMC_OK;
}
