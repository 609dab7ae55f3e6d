/* Helpers of the memory-plan tests (see plan_test_util.h). */
#include "plan/plan_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/build.h"

#if defined(__SANITIZE_ADDRESS__)
#define PT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PT_ASAN 1
#endif
#endif
#ifdef PT_ASAN
#include <sanitizer/asan_interface.h>
#define PT_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define PT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define PT_POISON(p, n) ((void)(p), (void)(n))
#define PT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

tmc_status pt_plan(const tmc_tfl_model *m, const char *model_name,
                   const tmc_plan_options *opts, tmc_arena *a, pt_built *out) {
  memset(out, 0, sizeof *out);
  tmc_diag_init(&out->diag, model_name);
  tmc_status s = tmc_graph_from_tflite(m, model_name, a, &out->graph, &out->diag);
  if (s != TMC_OK) return s;
  return tmc_plan_build(&out->graph, opts, a, &out->plan, &out->diag);
}

int32_t pt_unary(tmc_mb *b, int32_t code, int32_t x, const char *name,
                 const int32_t *shape, int32_t rank, float scale, int32_t zp,
                 const tmc_tfl_options *o) {
  int32_t y = tmc_mb_act_s8(b, name, shape, rank, scale, zp);
  tmc_mb_op(b, code, 1, &x, 1, &y, 1, o);
  return y;
}

int32_t pt_binary(tmc_mb *b, int32_t code, int32_t x1, int32_t x2, const char *name,
                  const int32_t *shape, int32_t rank, float scale, int32_t zp,
                  int32_t act) {
  int32_t y = tmc_mb_act_s8(b, name, shape, rank, scale, zp);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  switch (code) {
    case TMC_TFL_OP_ADD:
      o.type = TMC_TFL_OPTIONS_add;
      o.u.add.fused_activation_function = act;
      o.u.add.pot_scale_int16 = true;
      break;
    case TMC_TFL_OP_SUB:
      o.type = TMC_TFL_OPTIONS_sub;
      o.u.sub.fused_activation_function = act;
      o.u.sub.pot_scale_int16 = true;
      break;
    case TMC_TFL_OP_MUL:
      o.type = TMC_TFL_OPTIONS_mul;
      o.u.mul.fused_activation_function = act;
      break;
    default:
      o.type = TMC_TFL_OPTIONS_maximum_minimum;
      break;
  }
  int32_t in[2] = {x1, x2};
  tmc_mb_op(b, code, 1, in, 2, &y, 1, &o);
  return y;
}

int32_t pt_conv_op(tmc_mb *b, tmc_mb_rng *rng, int32_t x, const char *name,
                   const pt_conv *c) {
  char nm[128];
  int32_t oh = tmc_mb_conv_out(c->h, c->k_h, c->stride, c->dilation, c->padding);
  int32_t ow = tmc_mb_conv_out(c->w, c->k_w, c->stride, c->dilation, c->padding);
  int32_t ws_shape[4] = {c->out_c, c->k_h, c->k_w, c->in_c};
  if (c->depthwise) {
    ws_shape[0] = 1;
    ws_shape[3] = c->out_c;
  }
  size_t nw = (size_t)c->out_c * (size_t)c->k_h * (size_t)c->k_w *
              (size_t)(c->depthwise ? 1 : c->in_c);
  float *w = tmc_arena_array(b->arena, nw, sizeof *w);
  float *bias = tmc_arena_array(b->arena, (size_t)c->out_c, sizeof *bias);
  float *wsc = tmc_arena_array(b->arena, (size_t)c->out_c, sizeof *wsc);
  if (w == NULL || bias == NULL || wsc == NULL) return -1;
  tmc_mb_rng_fill(rng, w, nw, 0.5f);
  tmc_mb_rng_fill(rng, bias, (size_t)c->out_c, 0.2f);
  snprintf(nm, sizeof nm, "%s/weights", name);
  int32_t wt = tmc_mb_const_s8(b, nm, ws_shape, 4, c->depthwise ? 3 : 0, true, w, wsc);
  snprintf(nm, sizeof nm, "%s/bias", name);
  int32_t bt = tmc_mb_const_bias_s32(b, nm, c->out_c, bias, c->in_scale, wsc, c->out_c);
  int32_t out_shape[4] = {c->n, oh, ow, c->out_c};
  int32_t y = tmc_mb_act_s8(b, name, out_shape, 4, c->out_scale, c->out_zp);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  if (c->depthwise) {
    o.type = TMC_TFL_OPTIONS_depthwise_conv2d;
    o.u.depthwise_conv2d.padding = c->padding;
    o.u.depthwise_conv2d.stride_w = o.u.depthwise_conv2d.stride_h = c->stride;
    o.u.depthwise_conv2d.dilation_w_factor = o.u.depthwise_conv2d.dilation_h_factor =
        c->dilation;
    o.u.depthwise_conv2d.depth_multiplier = c->out_c / c->in_c;
    o.u.depthwise_conv2d.fused_activation_function = c->act;
  } else {
    o.type = TMC_TFL_OPTIONS_conv2d;
    o.u.conv2d.padding = c->padding;
    o.u.conv2d.stride_w = o.u.conv2d.stride_h = c->stride;
    o.u.conv2d.dilation_w_factor = o.u.conv2d.dilation_h_factor = c->dilation;
    o.u.conv2d.fused_activation_function = c->act;
  }
  int32_t in[3] = {x, wt, bt};
  tmc_mb_op(b, c->depthwise ? TMC_TFL_OP_DEPTHWISE_CONV_2D : TMC_TFL_OP_CONV_2D, 3, in, 3,
            &y, 1, &o);
  return y;
}

int32_t pt_pool(tmc_mb *b, int32_t code, int32_t x, const char *name, const int32_t *xs,
                int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                int32_t padding, float scale, int32_t zp) {
  int32_t out_shape[4] = {xs[0], tmc_mb_conv_out(xs[1], filter_h, stride_h, 1, padding),
                          tmc_mb_conv_out(xs[2], filter_w, stride_w, 1, padding), xs[3]};
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_pool2d;
  o.u.pool2d.padding = padding;
  o.u.pool2d.stride_h = stride_h;
  o.u.pool2d.stride_w = stride_w;
  o.u.pool2d.filter_height = filter_h;
  o.u.pool2d.filter_width = filter_w;
  return pt_unary(b, code, x, name, out_shape, 4, scale, zp, &o);
}

tmc_tfl_model *pt_finish(tmc_mb *b) {
  tmc_tfl_model *m = NULL;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  if (tmc_mb_finish(b, &m, &d) != TMC_OK) {
    fprintf(stderr, "fixture: %s\n", d.msg);
    return NULL;
  }
  return m;
}

int64_t pt_align(int64_t v) {
  return (v + TMC_PLAN_ALIGN - 1) / TMC_PLAN_ALIGN * TMC_PLAN_ALIGN;
}

void pt_layout_save(const tmc_plan *p, pt_layout *l) {
  const tmc_mem *m = &p->mem;
  size_t nt = (size_t)p->g->n_tensors, ns = (size_t)p->n_steps, nb = (size_t)m->n_blocks;
  l->offset = malloc((nt + 1) * sizeof *l->offset);
  l->scratch_off = malloc((ns + 1) * sizeof *l->scratch_off);
  l->block_off = malloc((nb + 1) * sizeof *l->block_off);
  if (nt) memcpy(l->offset, m->offset, nt * sizeof *l->offset);
  if (ns) memcpy(l->scratch_off, m->scratch_off, ns * sizeof *l->scratch_off);
  for (size_t i = 0; i < nb; i++) l->block_off[i] = m->blocks[i].offset;
  l->arena_bytes = m->arena_bytes;
}

void pt_layout_restore(tmc_plan *p, const pt_layout *l) {
  tmc_mem *m = &p->mem;
  size_t nt = (size_t)p->g->n_tensors, ns = (size_t)p->n_steps;
  if (nt) memcpy(m->offset, l->offset, nt * sizeof *l->offset);
  if (ns) memcpy(m->scratch_off, l->scratch_off, ns * sizeof *l->scratch_off);
  for (int32_t i = 0; i < m->n_blocks; i++) m->blocks[i].offset = l->block_off[i];
  m->arena_bytes = l->arena_bytes;
}

void pt_layout_free(pt_layout *l) {
  free(l->offset);
  free(l->scratch_off);
  free(l->block_off);
  memset(l, 0, sizeof *l);
}

void pt_set_block(tmc_plan *p, int32_t bi, int64_t off) {
  tmc_mem *m = &p->mem;
  m->blocks[bi].offset = off;
  if (m->blocks[bi].tensor < 0) {
    m->scratch_off[m->blocks[bi].step] = off;
    return;
  }
  for (int32_t t = 0; t < p->g->n_tensors; t++)
    if (m->block_of[t] == bi) m->offset[t] = off;
}

int64_t pt_layout_separate(tmc_plan *p) {
  tmc_mem *m = &p->mem;
  int64_t off = 0;
  for (int32_t i = 0; i < m->n_blocks; i++) {
    pt_set_block(p, i, off);
    off = pt_align(off + m->blocks[i].size);
  }
  m->arena_bytes = off;
  return off;
}

void pt_fill_random(uint8_t *v, size_t n, uint32_t seed) {
  tmc_mb_rng r = {seed * 2654435761u + 12345u};
  for (size_t i = 0; i < n; i++) v[i] = (uint8_t)(tmc_mb_rng_next(&r) >> 24);
}

void pt_fill_tensor(const tmc_tensor *t, uint8_t *v, uint32_t seed) {
  if (t->type != TMC_F32) {
    pt_fill_random(v, (size_t)t->bytes, seed);
    return;
  }
  tmc_mb_rng r = {seed * 2654435761u + 777u};
  for (int64_t i = 0; i < t->elems; i++) {
    float f = tmc_mb_rng_uniform(&r, -6.0f, 6.0f);
    memcpy(v + i * 4, &f, 4);
  }
}

void pt_run(const tmc_plan *p, uint8_t *const *inputs, uint8_t **outputs) {
  pt_run_poisoned(p, inputs, outputs, NULL, NULL, 0);
}

void pt_run_poisoned(const tmc_plan *p, uint8_t *const *inputs, uint8_t **outputs,
                     const int64_t *lo, const int64_t *hi, int n_poison) {
  const tmc_graph *g = p->g;
  size_t n = (size_t)p->mem.arena_bytes;
  uint8_t *arena = malloc(n ? n : 1);
  if (arena == NULL) abort();
  memset(arena, 0xA5, n);
  for (int32_t k = 0; k < g->n_inputs; k++) {
    int32_t t = g->inputs[k];
    memcpy(tmc_host_tensor(p, arena, t), inputs[k], (size_t)g->tensors[t].bytes);
  }
  for (int i = 0; i < n_poison; i++)
    if (hi[i] > lo[i]) PT_POISON(arena + lo[i], (size_t)(hi[i] - lo[i]));
  tmc_host_invoke(p, arena, NULL, NULL);
  for (int i = 0; i < n_poison; i++)
    if (hi[i] > lo[i]) PT_UNPOISON(arena + lo[i], (size_t)(hi[i] - lo[i]));
  for (int32_t k = 0; k < g->n_outputs; k++) {
    int32_t t = g->outputs[k];
    size_t bytes = (size_t)g->tensors[t].bytes;
    outputs[k] = malloc(bytes ? bytes : 1);
    if (outputs[k] == NULL) abort();
    memcpy(outputs[k], tmc_host_tensor(p, arena, t), bytes);
  }
  free(arena);
}

int pt_check_against_separate(tmc_plan *p, uint32_t seed) {
  const tmc_graph *g = p->g;
  uint8_t *in[PT_MAX_IO] = {0}, *got[PT_MAX_IO] = {0}, *want[PT_MAX_IO] = {0};
  int bad = 0;
  if (g->n_inputs > PT_MAX_IO || g->n_outputs > PT_MAX_IO) return -1;
  for (int32_t k = 0; k < g->n_inputs; k++) {
    size_t bytes = (size_t)g->tensors[g->inputs[k]].bytes;
    in[k] = malloc(bytes ? bytes : 1);
    pt_fill_tensor(&g->tensors[g->inputs[k]], in[k], seed + (uint32_t)k);
  }
  pt_run(p, in, got);
  pt_layout saved;
  pt_layout_save(p, &saved);
  pt_layout_separate(p);
  pt_run(p, in, want);
  pt_layout_restore(p, &saved);
  pt_layout_free(&saved);
  for (int32_t k = 0; k < g->n_outputs; k++) {
    size_t bytes = (size_t)g->tensors[g->outputs[k]].bytes;
    if (memcmp(got[k], want[k], bytes) != 0) bad++;
    free(got[k]);
    free(want[k]);
  }
  for (int32_t k = 0; k < g->n_inputs; k++) free(in[k]);
  return bad;
}

int32_t pt_block_of(const tmc_plan *p, int32_t t) {
  return t >= 0 && t < p->g->n_tensors ? p->mem.block_of[t] : -1;
}

int64_t pt_scratch(const tmc_plan *p, int32_t s) {
  return s >= 0 && s < p->n_steps ? pt_align((int64_t)p->steps[s].scratch_bytes) : 0;
}
