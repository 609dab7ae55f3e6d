/* The training step's runtime (train_rt.h): float32, loops in a fixed
 * order, no FMA contraction (also asked for here, for builds that do not
 * pass -ffp-contract=off). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "train_rt.h"

#include <string.h>

#include "train_loss.h"
#include "train_sgd.h"

#define F32(a, off) ((float *)(void *)((a) + (off)))
#define OPT_F32(a, off) ((off) >= 0 ? F32(a, off) : (float *)0)

static uint32_t *rng_state(const tmc_train_rt *rt, uint8_t *a) {
  return (uint32_t *)(void *)(a + rt->state_off);
}

static int32_t *pending(const tmc_train_rt *rt, uint8_t *a) {
  return (int32_t *)(void *)(a + rt->state_off + 4);
}

static tmc_sgd_opts sgd_opts(const tmc_train_rt *rt, uint8_t *a) {
  tmc_sgd_opts o;
  o.lr = rt->lr;
  o.momentum = rt->momentum;
  o.weight_decay = rt->weight_decay;
  o.qas = rt->qas != 0;
  o.rng = rt->stochastic ? rng_state(rt, a) : (uint32_t *)0;
  return o;
}

void tmc_train_rt_init(const tmc_train_rt *rt, uint8_t *arena, uint32_t seed) {
  *rng_state(rt, arena) = seed;
  *pending(rt, arena) = 0;
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    const size_t nw = (size_t)L->channels * (size_t)L->per;
    if (rt->batch > 1) {
      if (L->channels > 0) memset(arena + L->gw_off, 0, nw * sizeof(float));
      if (L->b_off >= 0) memset(arena + L->gb_off, 0, (size_t)L->ch * sizeof(float));
    }
    if (L->mw_off >= 0) memset(arena + L->mw_off, 0, nw * sizeof(float));
    if (L->mb_off >= 0) memset(arena + L->mb_off, 0, (size_t)L->ch * sizeof(float));
    if (L->rw_off >= 0) memset(arena + L->rw_off, 0, nw);
    const int8_t *w = (const int8_t *)(arena + (L->w_off >= 0 ? L->w_off : 0));
    if (L->fw_off >= 0) {
      float *fw = F32(arena, L->fw_off);
      for (int32_t o = 0; o < L->channels; o++)
        for (int32_t i = 0; i < L->per; i++)
          fw[(size_t)o * L->per + i] = L->depthwise ? (float)w[(size_t)i * L->ch + o]
                                                    : (float)w[(size_t)o * L->per + i];
    }
    if (L->fb_off >= 0) {
      const int32_t *b = (const int32_t *)(const void *)(arena + L->b_off);
      float *fb = F32(arena, L->fb_off);
      for (int32_t o = 0; o < L->ch; o++) fb[o] = (float)b[o];
    }
  }
}

void tmc_train_rt_mask(const tmc_train_op_rt *op, uint8_t *arena) {
  if (op->mask_off < 0) return;
  tmc_bw_mask_make(op->y_elems, (const int8_t *)(arena + op->y_off), op->mask_lo,
                   op->mask_hi, arena + op->mask_off);
}

static int32_t argmax(const tmc_train_rt *rt, const uint8_t *arena) {
  const int8_t *q = (const int8_t *)(arena + rt->logits_off);
  int32_t best = 0;
  for (int32_t k = 1; k < rt->classes; k++)
    if (q[k] > q[best]) best = k;
  return best;
}

float tmc_train_rt_loss(const tmc_train_rt *rt, uint8_t *arena, int32_t label, int32_t *pred) {
  if (pred) *pred = argmax(rt, arena);
  return tmc_softmax_xent(rt->classes, (const int8_t *)(arena + rt->logits_off),
                          rt->logits_scale, rt->logits_zp, label, F32(arena, rt->glogits_off));
}

/* Output channel o of layer L: its weights' step from gradient row gr
 * (scaled by inv: the batch's mean), which is zeroed. */
static void apply_channel(const tmc_train_rt *rt, uint8_t *a, const tmc_train_layer_rt *L,
                          int32_t o, float *gr, float inv) {
  const tmc_sgd_opts so = sgd_opts(rt, a);
  const size_t per = (size_t)L->per;
  for (size_t i = 0; i < per; i++) gr[i] *= inv;
  float *mw = L->mw_off >= 0 ? F32(a, L->mw_off) + (size_t)o * per : (float *)0;
  float *fw = L->fw_off >= 0 ? F32(a, L->fw_off) + (size_t)o * per : (float *)0;
  int8_t *rw = L->rw_off >= 0 ? (int8_t *)(a + L->rw_off) + (size_t)o * per : (int8_t *)0;
  int8_t *w = (int8_t *)(a + L->w_off);
  const float s_w = L->w_scale[o];
  if (!L->depthwise) {
    tmc_sgd_weights(&so, L->per, s_w, gr, w + (size_t)o * per, mw, fw, rw);
  } else { /* 1HWC: channel o's taps are strided */
    int8_t taps[256];
    for (size_t off = 0; off < per; off += sizeof taps) {
      const size_t m = per - off < sizeof taps ? per - off : sizeof taps;
      for (size_t i = 0; i < m; i++) taps[i] = w[(off + i) * (size_t)L->ch + (size_t)o];
      tmc_sgd_weights(&so, (int64_t)m, s_w, gr + off, taps, mw ? mw + off : (float *)0,
                      fw ? fw + off : (float *)0, rw ? rw + off : (int8_t *)0);
      for (size_t i = 0; i < m; i++) w[(off + i) * (size_t)L->ch + (size_t)o] = taps[i];
    }
  }
  memset(gr, 0, per * sizeof *gr);
}

static void apply_bias(const tmc_train_rt *rt, uint8_t *a, const tmc_train_layer_rt *L,
                       float inv) {
  if (L->b_off < 0) return;
  const tmc_sgd_opts so = sgd_opts(rt, a);
  float *gb = F32(a, L->gb_off);
  for (int32_t o = 0; o < L->ch; o++) gb[o] *= inv;
  tmc_sgd_bias(&so, L->ch, L->b_scale, 1, gb, (int32_t *)(void *)(a + L->b_off),
               OPT_F32(a, L->mb_off), OPT_F32(a, L->fb_off));
  memset(gb, 0, (size_t)L->ch * sizeof *gb);
}

/* One op's backward (batch 1: a trained layer's weights are updated here,
 * channel by channel, after its input's gradient is computed with the old
 * ones; its bias after that). */
static void backward_op(const tmc_train_rt *rt, uint8_t *a, const tmc_train_op_rt *op) {
  for (int j = 0; j < 2; j++)
    if (op->zero_off[j] >= 0)
      memset(a + op->zero_off[j], 0, (size_t)op->zero_elems[j] * sizeof(float));
  float *gy = F32(a, op->gy_off);
  if (op->mask_off >= 0) tmc_bw_mask(op->y_elems, a + op->mask_off, gy);
  float *gx = OPT_F32(a, op->gx_off[0]);
  const tmc_train_layer_rt *L = op->layer >= 0 ? &rt->layers[op->layer] : 0;
  const int32_t channels = L ? L->channels : 0;
  const int now = rt->batch == 1 && channels > 0;
  float *gw = channels > 0 && !now ? F32(a, L->gw_off) : (float *)0;
  float *gb = L && L->b_off >= 0 ? F32(a, L->gb_off) : (float *)0;
  if (rt->batch == 1 && L) { /* batch 1: the layer's gradients live here only */
    if (gb) memset(gb, 0, (size_t)L->ch * sizeof *gb);
    if (now) memset(a + L->gw_off, 0, (size_t)L->per * sizeof(float));
  }
  float *xf = (float *)0;
  if (channels > 0) {
    const int8_t *q = (const int8_t *)(a + op->x_off);
    xf = F32(a, op->xf_off);
    for (int32_t i = 0; i < op->x_elems; i++) xf[i] = op->x_scale * (float)(q[i] - op->x_zp);
  }
  const tmc_bw_weights w = {op->w_arena_off >= 0 ? (const int8_t *)(a + op->w_arena_off) : op->w,
                            op->w_scale, 1};
  switch (op->kind) {
    case TMC_BW_FC:
      tmc_bw_fc(op->batches, op->depth, op->units, xf, &w, gy, gx, gw, gb, channels);
      for (int32_t o = 0; now && o < channels; o++) {
        float *row = F32(a, L->gw_off);
        tmc_bw_fc_wgrad(op->batches, op->depth, op->units, xf, gy, o, row);
        apply_channel(rt, a, L, o, row, 1.0f);
      }
      break;
    case TMC_BW_CONV:
    case TMC_BW_DEPTHWISE:
      if (op->kind == TMC_BW_CONV)
        tmc_bw_conv2d(&op->in, &op->filter, &op->out, &op->win, xf, &w, gy, gx, gw, gb,
                      channels);
      else
        tmc_bw_depthwise(&op->in, &op->filter, &op->out, &op->win, op->mult, xf, &w, gy, gx,
                         gw, gb, channels);
      for (int32_t o = 0; now && o < channels; o++) {
        float *row = F32(a, L->gw_off);
        if (op->kind == TMC_BW_CONV)
          tmc_bw_conv2d_wgrad(&op->in, &op->filter, &op->out, &op->win, xf, gy, o, row);
        else
          tmc_bw_depthwise_wgrad(&op->in, &op->filter, &op->out, &op->win, op->mult, xf, gy,
                                 o, row);
        apply_channel(rt, a, L, o, row, 1.0f);
      }
      break;
    case TMC_BW_AVG_POOL:
      if (gx) tmc_bw_avg_pool(&op->in, &op->out, op->fh, op->fw, &op->win, gy, gx);
      break;
    case TMC_BW_MEAN: {
      int reduce[TMC_MAX_DIMS];
      for (int32_t k = 0; k < TMC_MAX_DIMS; k++) reduce[k] = op->axes[k];
      if (gx) tmc_bw_mean(op->rank, op->dims, reduce, gy, gx);
      break;
    }
    case TMC_BW_TRANSPOSE:
      if (gx) tmc_bw_transpose(op->rank, op->dims, op->axes, gy, gx);
      break;
    case TMC_BW_MAX_POOL:
      if (gx)
        tmc_bw_max_pool(&op->in, &op->out, op->fh, op->fw, &op->win,
                        (const int8_t *)(a + op->x_off), gy, gx);
      break;
    case TMC_BW_PAD:
      if (gx) tmc_bw_pad(&op->in, &op->out, op->axes, gy, gx);
      break;
    case TMC_BW_ADD:
      for (int j = 0; j < 2; j++)
        if (op->gx_off[j] >= 0) tmc_bw_copy(op->y_elems, gy, F32(a, op->gx_off[j]));
      break;
    default: /* an int8 requantization: the identity */
      if (gx && gx != gy) tmc_bw_copy(op->y_elems, gy, gx);
      break;
  }
  if (rt->batch == 1 && L) apply_bias(rt, a, L, 1.0f);
}

float tmc_train_rt_step(const tmc_train_rt *rt, uint8_t *arena, int32_t label, int32_t *pred) {
  const float loss = tmc_train_rt_loss(rt, arena, label, pred);
  for (int32_t k = 0; k < rt->n_ops; k++) backward_op(rt, arena, &rt->ops[k]);
  if (rt->batch > 1 && ++*pending(rt, arena) >= rt->batch) tmc_train_rt_flush(rt, arena);
  return loss;
}

int tmc_train_rt_flush(const tmc_train_rt *rt, uint8_t *arena) {
  const int32_t n = *pending(rt, arena);
  if (rt->batch <= 1 || n == 0) return 0;
  const float inv = 1.0f / (float)n;
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    for (int32_t o = 0; o < L->channels; o++)
      apply_channel(rt, arena, L, o, F32(arena, L->gw_off) + (size_t)o * (size_t)L->per, inv);
    apply_bias(rt, arena, L, inv);
  }
  *pending(rt, arena) = 0;
  return 1;
}

int32_t tmc_train_rt_export(const tmc_train_rt *rt, const uint8_t *arena, uint8_t *out,
                            int32_t cap) {
  int32_t n = 0;
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    if (L->w_off >= 0) n += L->ch * L->per;
    if (L->b_off >= 0) n += 4 * L->ch;
  }
  if (out == (uint8_t *)0 || cap < n) return n;
  uint8_t *p = out;
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    if (L->w_off >= 0) {
      memcpy(p, arena + L->w_off, (size_t)L->ch * (size_t)L->per);
      p += (size_t)L->ch * (size_t)L->per;
    }
    if (L->b_off >= 0) {
      const int32_t *b = (const int32_t *)(const void *)(arena + L->b_off);
      for (int32_t o = 0; o < L->ch; o++) {
        const uint32_t v = (uint32_t)b[o];
        *p++ = (uint8_t)v;
        *p++ = (uint8_t)(v >> 8);
        *p++ = (uint8_t)(v >> 16);
        *p++ = (uint8_t)(v >> 24);
      }
    }
  }
  return n;
}
