/* The trainer: the forward is the host runner on the plan of the current
 * weights (so it is bit-exact with `tmc run` on the exported model), with a
 * hook saving the fused activations' masks; the backward walks the path in
 * reverse op order with the float kernels of backward.c; the update is
 * QAS + SGD in place, after which the forward is planned again (biases are
 * folded into the kernels' requantization tables at lowering). */
#include <stdlib.h>
#include <string.h>

#include "backward.h"
#include "host/run.h"
#include "ir/geometry.h"
#include "loss.h"
#include "path.h"

typedef struct layer_state {
  int32_t op, ch;      /* output channels of the layer */
  int64_t per;         /* weights per output channel */
  int8_t *w;           /* the weights (writable copy) */
  int32_t *b;          /* the bias, NULL when not trained */
  float *w_scale;      /* [ch] */
  float *b_scale;      /* [ch] */
  int w_per_channel, b_per_channel;
  float *gw, *gb;      /* accumulated gradients: [channels][per] (channel-major for
                        * depthwise too), [ch] */
  float *mw, *mb;      /* momentum buffers or NULL */
  float *fw, *fb;      /* float masters or NULL */
} layer_state;

struct tmc_trainer {
  tmc_train_model *m;
  tmc_train_set set;
  tmc_train_cfg cfg;
  int32_t batch, pending;
  tmc_arena a; /* path, buffers' bookkeeping */
  tmc_train_path p;
  tmc_arena pa; /* the current plan */
  tmc_plan plan;
  /* The memory layout depends on the shapes and the steps' scratch sizes
   * only: kept (in ma) and reused while a new lowering asks for the same
   * scratch sizes (scratch[] of the lowering it was made for). */
  tmc_arena ma;
  tmc_mem mem_layout;
  size_t *scratch;
  int32_t n_layout_steps; /* -1: no layout yet */
  int32_t n_keep, *keep;
  uint8_t *arena;
  int64_t arena_cap;
  int32_t *step_of;
  float **grad;    /* per tensor: its root's gradient, or NULL */
  uint8_t **mask;  /* per op */
  float *xf;       /* a layer's dequantized input */
  float **wscale;  /* per op running backward with weights: their scales */
  layer_state *ls;
  tmc_train_memory mem;
};

static tmc_status oom(tmc_diag *d) { return tmc_fail(d, TMC_ERR_NOMEM, "out of memory"); }

static void *zalloc(tmc_trainer *t, size_t n, size_t size) {
  return tmc_arena_array(&t->a, n ? n : 1, size);
}

/* Lowers the forward on the current weights (biases are folded into the
 * requantization tables, and the accumulator bounds are checked again);
 * places it when the scratch sizes changed (a kernel's fast path taken or
 * given up), else keeps the layout. */
static tmc_status replan(tmc_trainer *t, tmc_diag *d) {
  const tmc_graph *g = &t->m->g;
  tmc_arena_free(&t->pa);
  tmc_arena_init(&t->pa);
  TMC_TRY(tmc_plan_lower(g, TMC_TARGET_GENERIC, &t->pa, &t->plan, d));
  t->plan.n_keep = t->n_keep;
  t->plan.keep = t->keep;
  bool same = t->n_layout_steps == t->plan.n_steps;
  for (int32_t s = 0; same && s < t->plan.n_steps; s++)
    same = t->scratch[s] == t->plan.steps[s].scratch_bytes;
  if (same) {
    t->plan.mem = t->mem_layout;
  } else {
    tmc_arena_free(&t->ma);
    tmc_arena_init(&t->ma);
    t->n_layout_steps = -1;
    TMC_TRY(tmc_plan_memory(&t->plan, TMC_PLANNER_BEST, 0, &t->ma, d));
    t->scratch = tmc_arena_array(&t->ma, (size_t)t->plan.n_steps + 1, sizeof *t->scratch);
    if (t->scratch == NULL) return oom(d);
    for (int32_t s = 0; s < t->plan.n_steps; s++) t->scratch[s] = t->plan.steps[s].scratch_bytes;
    t->mem_layout = t->plan.mem;
    t->n_layout_steps = t->plan.n_steps;
  }
  if (t->plan.mem.arena_bytes > t->arena_cap) {
    /* the same shapes always give the same layout: this happens once */
    uint8_t *a = realloc(t->arena, (size_t)t->plan.mem.arena_bytes + 16);
    if (a == NULL) return oom(d);
    t->arena = a;
    t->arena_cap = t->plan.mem.arena_bytes;
  }
  for (int32_t i = 0; i < g->n_ops; i++) t->step_of[i] = -1;
  for (int32_t s = 0; s < t->plan.n_steps; s++) t->step_of[t->plan.steps[s].op] = s;
  return TMC_OK;
}

static float *scales(tmc_trainer *t, const tmc_tensor *x, int32_t n, int *per_channel) {
  float *s = zalloc(t, (size_t)n, sizeof *s);
  if (s == NULL) return NULL;
  *per_channel = x->q.n > 1;
  for (int32_t i = 0; i < n; i++) s[i] = x->q.scale[x->q.n > 1 ? i : 0];
  return s;
}

tmc_status tmc_trainer_new(tmc_train_model *m, const tmc_train_set *s, const tmc_train_cfg *c,
                           tmc_trainer **out, tmc_diag *d) {
  *out = NULL;
  tmc_trainer *t = calloc(1, sizeof *t);
  if (t == NULL) return oom(d);
  t->m = m;
  t->set = *s;
  t->cfg = *c;
  t->batch = c->batch < 1 ? 1 : c->batch;
  tmc_arena_init(&t->a);
  tmc_arena_init(&t->pa);
  tmc_arena_init(&t->ma);
  t->n_layout_steps = -1;
  *out = t;
  const tmc_graph *g = &m->g;
  if (s->n == 0) return tmc_fail(d, TMC_ERR_USAGE, "the trainable set is empty");
  TMC_TRY(tmc_train_memory_of(m, s, c, &t->mem, d));
  TMC_TRY(tmc_train_path_make(m, s, &t->a, &t->p, d));
  t->keep = zalloc(t, (size_t)g->n_tensors + 1, sizeof *t->keep);
  t->step_of = zalloc(t, (size_t)g->n_ops, sizeof *t->step_of);
  t->grad = zalloc(t, (size_t)g->n_tensors, sizeof *t->grad);
  t->mask = zalloc(t, (size_t)g->n_ops, sizeof *t->mask);
  t->ls = zalloc(t, (size_t)s->n, sizeof *t->ls);
  if (!t->keep || !t->step_of || !t->grad || !t->mask || !t->ls) return oom(d);
  t->keep[t->n_keep++] = m->logits;
  for (int32_t i = 0; i < g->n_tensors; i++)
    if (t->p.saved[i]) t->keep[t->n_keep++] = i;
  int64_t xmax = 1;
  /* the gradients in one area, as placed (buffers that are never live
   * together share bytes) */
  float *area = zalloc(t, (size_t)t->p.grad_bytes / sizeof(float) + 1, sizeof(float));
  if (area == NULL) return oom(d);
  for (int32_t i = 0; i < g->n_tensors; i++)
    if (t->p.grad[i] && t->p.grad_off[t->p.root[i]] >= 0)
      t->grad[i] = area + t->p.grad_off[t->p.root[i]] / (int64_t)sizeof(float);
  for (int32_t i = 0; i < g->n_ops; i++) {
    if (t->p.mask[i] &&
        (t->mask[i] = zalloc(t, (size_t)(tmc_op_output(g, &g->ops[i], 0)->elems + 7) / 8, 1)) ==
            NULL)
      return oom(d);
  }
  /* batch 1: one scratch for the gradient of the channel being updated */
  int64_t max_w = 1, max_b = 1;
  for (int32_t k = 0; k < s->n; k++) {
    int32_t ch;
    int64_t per;
    tmc_train_layer_shape(g, &g->ops[s->layer[k].op], &ch, &per);
    if (s->layer[k].channels > 0 && per > max_w) max_w = per;
    if (ch > max_b) max_b = ch;
  }
  float *shared_w = NULL, *shared_b = NULL;
  if (t->batch == 1) {
    shared_w = zalloc(t, (size_t)max_w, sizeof(float));
    shared_b = zalloc(t, (size_t)max_b, sizeof(float));
    if (shared_w == NULL || shared_b == NULL) return oom(d);
  }
  for (int32_t k = 0; k < s->n; k++) {
    layer_state *L = &t->ls[k];
    const tmc_train_layer *tl = &s->layer[k];
    const tmc_op *op = &g->ops[tl->op];
    const tmc_tensor *w = tmc_op_input(g, op, 1), *b = tmc_op_input(g, op, 2);
    L->op = tl->op;
    tmc_train_layer_shape(g, op, &L->ch, &L->per);
    L->w = (int8_t *)(uintptr_t)w->data;
    L->w_scale = scales(t, w, L->ch, &L->w_per_channel);
    if (L->w_scale == NULL) return oom(d);
    const int64_t nw = (int64_t)tl->channels * L->per;
    if (tl->channels > 0) {
      const int64_t x = tmc_op_input(g, op, 0)->elems;
      if (x > xmax) xmax = x;
      L->gw = t->batch == 1 ? shared_w : zalloc(t, (size_t)nw, sizeof(float));
      L->mw = c->sgd.momentum != 0.0f ? zalloc(t, (size_t)nw, sizeof(float)) : NULL;
      L->fw = c->float_reference ? zalloc(t, (size_t)nw, sizeof(float)) : NULL;
      if (!L->gw || (c->sgd.momentum != 0.0f && !L->mw) || (c->float_reference && !L->fw))
        return oom(d);
      for (int32_t o = 0; L->fw && o < tl->channels; o++)
        for (int64_t i = 0; i < L->per; i++)
          L->fw[o * L->per + i] = op->kind == TMC_OP_DEPTHWISE_CONV_2D
                                      ? (float)L->w[i * L->ch + o]
                                      : (float)L->w[o * L->per + i];
    }
    if (tl->bias) {
      if (b == NULL || b->type != TMC_I32)
        return tmc_fail(d, TMC_ERR_UNSUPPORTED, "op %d %s: the bias is not an int32 tensor",
                        op->id, op->name);
      L->b = (int32_t *)(uintptr_t)b->data;
      L->b_scale = scales(t, b, L->ch, &L->b_per_channel);
      L->gb = t->batch == 1 ? shared_b : zalloc(t, (size_t)L->ch, sizeof(float));
      L->mb = c->sgd.momentum != 0.0f ? zalloc(t, (size_t)L->ch, sizeof(float)) : NULL;
      L->fb = c->float_reference ? zalloc(t, (size_t)L->ch, sizeof(float)) : NULL;
      if (!L->b_scale || !L->gb || (c->sgd.momentum != 0.0f && !L->mb) ||
          (c->float_reference && !L->fb))
        return oom(d);
      for (int32_t o = 0; L->fb && o < L->ch; o++) L->fb[o] = (float)L->b[o];
    }
  }
  t->xf = zalloc(t, (size_t)xmax, sizeof(float));
  t->wscale = zalloc(t, (size_t)g->n_ops, sizeof *t->wscale);
  if (t->xf == NULL || t->wscale == NULL) return oom(d);
  for (int32_t i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (!t->p.bw[i] || (op->kind != TMC_OP_FULLY_CONNECTED && op->kind != TMC_OP_CONV_2D &&
                        op->kind != TMC_OP_DEPTHWISE_CONV_2D))
      continue;
    const tmc_tensor *w = tmc_op_input(g, op, 1);
    int per_channel;
    if ((t->wscale[i] = scales(t, w, w->q.n, &per_channel)) == NULL) return oom(d);
  }
  return replan(t, d);
}

void tmc_trainer_free(tmc_trainer *t) {
  if (t == NULL) return;
  tmc_arena_free(&t->a);
  tmc_arena_free(&t->pa);
  tmc_arena_free(&t->ma);
  free(t->arena);
  free(t);
}

const tmc_train_memory *tmc_trainer_memory(const tmc_trainer *t) { return &t->mem; }
const tmc_plan *tmc_trainer_plan(const tmc_trainer *t) { return &t->plan; }
const float *tmc_trainer_weight_grad(const tmc_trainer *t, int32_t k) { return t->ls[k].gw; }
const float *tmc_trainer_bias_grad(const tmc_trainer *t, int32_t k) { return t->ls[k].gb; }

const int8_t *tmc_trainer_tensor(const tmc_trainer *t, int32_t tensor) {
  return (const int8_t *)tmc_host_tensor(&t->plan, t->arena, tensor);
}

int8_t *tmc_trainer_input(tmc_trainer *t) {
  return (int8_t *)tmc_host_tensor(&t->plan, t->arena, t->m->input);
}

/* After each step: the masks of its fused activation. */
static void save_masks(void *ctx, const tmc_plan *plan, int32_t s, uint8_t *arena) {
  tmc_trainer *t = ctx;
  const int32_t op = plan->steps[s].op;
  if (!t->p.mask[op]) return;
  const tmc_graph *g = &t->m->g;
  const tmc_tensor *y = tmc_op_output(g, &g->ops[op], 0);
  int32_t lo, hi;
  tmc_train_act_bounds(g, &g->ops[op], &lo, &hi);
  tmc_bw_mask_make(y->elems, (const int8_t *)tmc_host_tensor(plan, arena, y->id), lo, hi,
                   t->mask[op]);
}

static int32_t argmax(const tmc_trainer *t) {
  const tmc_tensor *y = &t->m->g.tensors[t->m->logits];
  const int8_t *q = (const int8_t *)tmc_host_tensor(&t->plan, t->arena, y->id);
  int32_t best = 0;
  for (int32_t k = 1; k < t->m->classes; k++)
    if (q[k] > q[best]) best = k;
  return best;
}

int32_t tmc_trainer_predict(tmc_trainer *t) {
  tmc_host_invoke(&t->plan, t->arena, NULL, NULL);
  return argmax(t);
}

int32_t tmc_trainer_eval(tmc_trainer *t, int32_t label, float *loss) {
  tmc_host_invoke(&t->plan, t->arena, NULL, NULL);
  const tmc_tensor *y = &t->m->g.tensors[t->m->logits];
  *loss = tmc_softmax_xent(t->m->classes,
                           (const int8_t *)tmc_host_tensor(&t->plan, t->arena, y->id),
                           y->q.scale[0], y->q.zero_point[0], label, t->grad[y->id]);
  return argmax(t);
}

static void dequantize(const tmc_tensor *x, const int8_t *q, float *f) {
  const float s = x->q.scale[0];
  const int32_t z = x->q.zero_point[0];
  for (int64_t i = 0; i < x->elems; i++) f[i] = s * (float)(q[i] - z);
}

static tmc_bw_window window(const tmc_step *st) {
  return (tmc_bw_window){st->win.sh, st->win.sw, st->win.dh, st->win.dw, st->win.pad_top,
                         st->win.pad_left};
}

static void apply_channel(tmc_trainer *t, int32_t k, int32_t o, float *gr, float inv);

/* One op's backward. */
static void backward_op(tmc_trainer *t, int32_t i) {
  const tmc_graph *g = &t->m->g;
  const tmc_op *op = &g->ops[i];
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  float *gy = t->grad[y->id];
  if (t->p.mask[i]) tmc_bw_mask(y->elems, t->mask[i], gy);
  const int32_t xin = op->in[0];
  const tmc_tensor *x = &g->tensors[xin];
  float *gx = t->p.grad[xin] ? t->grad[xin] : NULL;
  const int32_t k = t->p.layer_of[i];
  const layer_state *L = k >= 0 ? &t->ls[k] : NULL;
  const int32_t channels = k >= 0 ? t->set.layer[k].channels : 0;
  /* batch 1: the weights are updated channel by channel below, after the
   * input's gradient is computed with the old ones */
  const bool now = t->batch == 1 && channels > 0;
  float *gw = channels > 0 && !now ? L->gw : NULL, *gb = L ? L->gb : NULL;
  const tmc_step *st = t->step_of[i] >= 0 ? &t->plan.steps[t->step_of[i]] : NULL;
  if (channels > 0)
    dequantize(x, (const int8_t *)tmc_host_tensor(&t->plan, t->arena, xin), t->xf);
  switch (op->kind) {
    case TMC_OP_FULLY_CONNECTED: case TMC_OP_CONV_2D: case TMC_OP_DEPTHWISE_CONV_2D: {
      const tmc_tensor *w = tmc_op_input(g, op, 1);
      const tmc_bw_weights bw = {(const int8_t *)w->data, t->wscale[i], w->q.n > 1};
      if (op->kind == TMC_OP_FULLY_CONNECTED) {
        const int32_t depth = w->dims[1], units = w->dims[0];
        const int32_t nb = (int32_t)(x->elems / depth);
        tmc_bw_fc(nb, depth, units, t->xf, &bw, gy, gx, gw, gb, channels);
        for (int32_t o = 0; now && o < channels; o++) {
          tmc_bw_fc_wgrad(nb, depth, units, t->xf, gy, o, L->gw);
          apply_channel(t, k, o, L->gw, 1.0f);
        }
      } else {
        const tmc_bw_window win = window(st);
        const int32_t mult = op->attr.conv.depth_multiplier;
        if (op->kind == TMC_OP_CONV_2D)
          tmc_bw_conv2d(&st->in_dims, &st->filter_dims, &st->out_dims, &win, t->xf, &bw, gy,
                        gx, gw, gb, channels);
        else
          tmc_bw_depthwise(&st->in_dims, &st->filter_dims, &st->out_dims, &win, mult, t->xf,
                           &bw, gy, gx, gw, gb, channels);
        for (int32_t o = 0; now && o < channels; o++) {
          if (op->kind == TMC_OP_CONV_2D)
            tmc_bw_conv2d_wgrad(&st->in_dims, &st->filter_dims, &st->out_dims, &win, t->xf, gy,
                                o, L->gw);
          else
            tmc_bw_depthwise_wgrad(&st->in_dims, &st->filter_dims, &st->out_dims, &win, mult,
                                   t->xf, gy, o, L->gw);
          apply_channel(t, k, o, L->gw, 1.0f);
        }
      }
      break;
    }
    case TMC_OP_AVERAGE_POOL_2D: {
      const tmc_bw_window win = window(st);
      if (gx) tmc_bw_avg_pool(&st->in_dims, &st->out_dims, op->attr.pool.filter_h,
                              op->attr.pool.filter_w, &win, gy, gx);
      break;
    }
    case TMC_OP_MEAN: {
      int reduce[TMC_MAX_RANK] = {0};
      const tmc_tensor *ax = tmc_op_input(g, op, 1);
      for (int64_t e = 0; e < ax->elems; e++) {
        int64_t a = tmc_tensor_int(ax, e);
        if (a < 0) a += x->rank;
        if (a >= 0 && a < x->rank) reduce[a] = 1;
      }
      if (gx) tmc_bw_mean(x->rank, x->dims, reduce, gy, gx);
      break;
    }
    case TMC_OP_TRANSPOSE: {
      const tmc_tensor *pt = tmc_op_input(g, op, 1);
      int32_t perm[TMC_MAX_RANK];
      for (int32_t a = 0; a < x->rank; a++) perm[a] = (int32_t)tmc_tensor_int(pt, a);
      if (gx) tmc_bw_transpose(x->rank, x->dims, perm, gy, gx);
      break;
    }
    case TMC_OP_ADD:
      for (int j = 0; j < 2; j++)
        if (t->p.grad[op->in[j]]) tmc_bw_copy(y->elems, gy, t->grad[op->in[j]]);
      break;
    default: /* RESHAPE, SQUEEZE, int8 QUANTIZE: a view shares the buffer */
      if (gx && gx != gy) tmc_bw_copy(y->elems, gy, gx);
      break;
  }
}

/* Output channel o of layer k: its weights' step from gradient row gr
 * (scaled by inv: the batch's mean), which is zeroed. */
static void apply_channel(tmc_trainer *t, int32_t k, int32_t o, float *gr, float inv) {
  layer_state *L = &t->ls[k];
  const bool dw = t->m->g.ops[L->op].kind == TMC_OP_DEPTHWISE_CONV_2D;
  for (int64_t i = 0; i < L->per; i++) gr[i] *= inv;
  float *mw = L->mw ? L->mw + (size_t)o * L->per : NULL;
  float *fw = L->fw ? L->fw + (size_t)o * L->per : NULL;
  const float s_w = L->w_scale[L->w_per_channel ? o : 0];
  if (!dw) {
    tmc_sgd_weights(&t->cfg.sgd, L->per, s_w, gr, L->w + (size_t)o * L->per, mw, fw);
  } else { /* 1HWC: channel o's taps are strided */
    int8_t taps[4096];
    for (int64_t off = 0; off < L->per; off += 4096) {
      const int64_t m = L->per - off < 4096 ? L->per - off : 4096;
      for (int64_t i = 0; i < m; i++) taps[i] = L->w[(off + i) * L->ch + o];
      tmc_sgd_weights(&t->cfg.sgd, m, s_w, gr + off, taps, mw ? mw + off : NULL,
                      fw ? fw + off : NULL);
      for (int64_t i = 0; i < m; i++) L->w[(off + i) * L->ch + o] = taps[i];
    }
  }
  memset(gr, 0, (size_t)L->per * sizeof *gr);
}

static void apply_bias(tmc_trainer *t, int32_t k, float inv) {
  layer_state *L = &t->ls[k];
  if (!L->b) return;
  for (int32_t o = 0; o < L->ch; o++) L->gb[o] *= inv;
  tmc_sgd_bias(&t->cfg.sgd, L->ch, L->b_scale, L->b_per_channel, L->gb, L->b, L->mb, L->fb);
  memset(L->gb, 0, (size_t)L->ch * sizeof *L->gb);
}

/* Layer k's update from its gradients accumulated over n samples. */
static void apply_layer(tmc_trainer *t, int32_t k, int32_t n) {
  const float inv = 1.0f / (float)n;
  layer_state *L = &t->ls[k];
  for (int32_t o = 0; o < t->set.layer[k].channels; o++)
    apply_channel(t, k, o, L->gw + (size_t)o * L->per, inv);
  apply_bias(t, k, inv);
}

static void apply_update(tmc_trainer *t) {
  for (int32_t k = 0; k < t->set.n; k++) apply_layer(t, k, t->pending);
  t->pending = 0;
}

tmc_status tmc_trainer_flush(tmc_trainer *t, tmc_diag *d) {
  if (t->pending == 0) return TMC_OK;
  apply_update(t);
  return replan(t, d);
}

tmc_status tmc_trainer_step(tmc_trainer *t, int32_t label, float *loss, int32_t *pred,
                            tmc_diag *d) {
  const tmc_graph *g = &t->m->g;
  tmc_host_invoke(&t->plan, t->arena, save_masks, t);
  *pred = argmax(t);
  const tmc_tensor *y = &g->tensors[t->m->logits];
  *loss = tmc_softmax_xent(t->m->classes,
                           (const int8_t *)tmc_host_tensor(&t->plan, t->arena, y->id),
                           y->q.scale[0], y->q.zero_point[0], label, t->grad[y->id]);
  for (int32_t i = t->m->head_op; i >= 0; i--) {
    if (!t->p.bw[i]) continue;
    /* the buffers this op's backward writes first start at zero (the
     * logits' gradient is written whole by the loss) */
    for (int32_t k = 0; k < g->n_tensors; k++)
      if (t->p.grad_first[k] == i && t->grad[k] && t->p.root[k] == k && k != t->m->logits)
        memset(t->grad[k], 0, (size_t)g->tensors[k].elems * sizeof(float));
    backward_op(t, i);
    if (t->batch == 1 && t->p.layer_of[i] >= 0) apply_bias(t, t->p.layer_of[i], 1.0f);
  }
  if (t->batch == 1) return replan(t, d);
  if (++t->pending >= t->batch) return tmc_trainer_flush(t, d);
  return TMC_OK;
}
