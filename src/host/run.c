/* Host runner: one switch over the plan's kernels (Grep ORDER KERNEL). */
#include "run.h"

#include <string.h>

#include "plan/patch.h"

uint8_t *tmc_host_tensor(const tmc_plan *plan, uint8_t *arena, int32_t t) {
  if (t < 0 || t >= plan->g->n_tensors) return NULL;
  const tmc_tensor *x = &plan->g->tensors[t];
  if (x->is_const) return (uint8_t *)x->data;
  if (plan->mem.offset[t] < 0) return NULL;
  return arena + plan->mem.offset[t];
}

/* Where a step's operands are: the arena as planned, or, for a step of the
 * patch stage, the stage's local buffers (local != NULL). */
typedef struct exec {
  const tmc_plan *plan;
  uint8_t *arena;
  uint8_t *local; /* the patch stage's region, or NULL */
} exec;

static uint8_t *operand(const exec *x, int32_t t) {
  if (x->local && t >= 0 && x->plan->patch->local_off[t] >= 0)
    return x->local + x->plan->patch->local_off[t];
  return tmc_host_tensor(x->plan, x->arena, t);
}

/* A stage step's parameters for one patch: local shapes and padding. */
static void localize(tmc_step *st, const tmc_patch_geom *ge) {
  int64_t n = (int64_t)ge->out_dims.h * ge->out_dims.w * ge->out_dims.c;
  st->in_dims = ge->in_dims;
  st->out_dims = ge->out_dims;
  switch (st->kernel) {
    case TMC_K_CONV2D:
      st->p.conv.pad_top = ge->pad_top;
      st->p.conv.pad_bottom = ge->pad_bottom;
      st->p.conv.pad_left = ge->pad_left;
      st->p.conv.pad_right = ge->pad_right;
      break;
    case TMC_K_DEPTHWISE_CONV2D:
      st->p.dw.pad_top = ge->pad_top;
      st->p.dw.pad_bottom = ge->pad_bottom;
      st->p.dw.pad_left = ge->pad_left;
      st->p.dw.pad_right = ge->pad_right;
      break;
    case TMC_K_AVG_POOL:
    case TMC_K_MAX_POOL:
      st->p.pool.pad_top = ge->pad_top;
      st->p.pool.pad_bottom = ge->pad_bottom;
      st->p.pool.pad_left = ge->pad_left;
      st->p.pool.pad_right = ge->pad_right;
      break;
    default: /* element-wise: equal shapes, one flat dimension */
      st->size = (int32_t)n;
      st->bcast.rank = 1;
      st->bcast.dims[0] = (int32_t)n;
      st->bcast.stride1[0] = st->bcast.stride2[0] = 1;
      break;
  }
}

static void run_step(const exec *x, const tmc_step *st, void *scratch) {
  const tmc_kernel_params *p = &st->p;
#define IN(k) ((const int8_t *)operand(x, st->in[k]))
#define OUT(k) ((int8_t *)operand(x, st->out[k]))
  switch (st->kernel) {
    case TMC_K_CONV2D:
      tmc_conv2d_s8(&p->conv, &st->in_dims, IN(0), &st->filter_dims, st->weights, st->bias,
                    &st->out_dims, OUT(0), scratch);
      break;
    case TMC_K_DEPTHWISE_CONV2D:
      tmc_depthwise_conv2d_s8(&p->dw, &st->in_dims, IN(0), &st->filter_dims, st->weights,
                              st->bias, &st->out_dims, OUT(0), scratch);
      break;
    case TMC_K_FULLY_CONNECTED:
      tmc_fully_connected_s8(&p->fc, st->outer, st->depth, IN(0), st->units, st->weights,
                             st->bias, OUT(0), scratch);
      break;
    case TMC_K_TRANSPOSE_CONV:
      tmc_transpose_conv_s8(&p->tconv, &st->in_dims, IN(2), &st->filter_dims, st->weights,
                            st->bias, &st->out_dims, OUT(0), scratch);
      break;
    case TMC_K_ADD:
      tmc_add_s8(&p->add, &st->bcast, IN(0), IN(1), OUT(0));
      break;
    case TMC_K_SUB:
      tmc_sub_s8(&p->add, &st->bcast, IN(0), IN(1), OUT(0));
      break;
    case TMC_K_MUL:
      tmc_mul_s8(&p->mul, &st->bcast, IN(0), IN(1), OUT(0));
      break;
    case TMC_K_MAXIMUM:
      tmc_maximum_s8(&st->bcast, IN(0), IN(1), OUT(0));
      break;
    case TMC_K_MINIMUM:
      tmc_minimum_s8(&st->bcast, IN(0), IN(1), OUT(0));
      break;
    case TMC_K_AVG_POOL:
      tmc_avg_pool_s8(&p->pool, &st->in_dims, IN(0), &st->out_dims, OUT(0));
      break;
    case TMC_K_MAX_POOL:
      tmc_max_pool_s8(&p->pool, &st->in_dims, IN(0), &st->out_dims, OUT(0));
      break;
    case TMC_K_MEAN:
      tmc_mean_s8(&p->mean, IN(0), OUT(0));
      break;
    case TMC_K_SOFTMAX:
      tmc_softmax_s8(&p->softmax, st->outer, st->depth, IN(0), OUT(0));
      break;
    case TMC_K_LOG_SOFTMAX:
      tmc_log_softmax_s8(&p->log_softmax, st->outer, st->depth, IN(0), OUT(0));
      break;
    case TMC_K_SOFTMAX_F32:
      tmc_softmax_f32(p->softmax_f32.beta, st->outer, st->depth,
                      (const float *)(const void *)IN(0), (float *)(void *)OUT(0));
      break;
    case TMC_K_LOG_SOFTMAX_F32:
      tmc_log_softmax_f32(st->outer, st->depth, (const float *)(const void *)IN(0),
                          (float *)(void *)OUT(0));
      break;
    case TMC_K_LOGISTIC:
      tmc_logistic_s8(&p->sigmoid, st->size, IN(0), OUT(0));
      break;
    case TMC_K_TANH:
      tmc_tanh_s8(&p->sigmoid, st->size, IN(0), OUT(0));
      break;
    case TMC_K_HARD_SWISH:
      tmc_hard_swish_s8(&p->hard_swish, st->size, IN(0), OUT(0));
      break;
    case TMC_K_RELU:
      tmc_relu_s8(&p->relu, st->size, IN(0), OUT(0));
      break;
    case TMC_K_CLAMP:
      tmc_clamp_s8(p->clamp.lo, p->clamp.hi, st->size, IN(0), OUT(0));
      break;
    case TMC_K_LEAKY_RELU:
      tmc_leaky_relu_s8(&p->leaky, st->size, IN(0), OUT(0));
      break;
    case TMC_K_QUANTIZE_F32:
      tmc_quantize_f32_s8(&p->quantize, st->size, (const float *)(const void *)IN(0), OUT(0));
      break;
    case TMC_K_REQUANTIZE:
      tmc_requantize_s8(&p->requantize, st->size, IN(0), OUT(0));
      break;
    case TMC_K_DEQUANTIZE:
      tmc_dequantize_s8_f32(&p->dequantize, st->size, IN(0), (float *)(void *)OUT(0));
      break;
    case TMC_K_PAD:
      tmc_pad_s8(&p->pad, IN(0), OUT(0));
      break;
    case TMC_K_RESIZE_NEAREST:
      tmc_resize_nearest_s8(&p->nearest, &st->in_dims, IN(0), &st->out_dims, OUT(0));
      break;
    case TMC_K_RESIZE_BILINEAR:
      tmc_resize_bilinear_s8(&p->resize, &st->in_dims, IN(0), &st->out_dims, OUT(0));
      break;
    case TMC_K_CONCATENATION: {
      const int8_t *parts[TMC_MAX_OP_IO];
      for (int k = 0; k < st->n_in; k++) parts[k] = IN(k);
      tmc_concatenation_s8(&p->concat, parts, OUT(0));
      break;
    }
    case TMC_K_SPLIT: {
      int8_t *parts[TMC_MAX_OP_IO];
      for (int k = 0; k < st->n_out; k++) parts[k] = OUT(k);
      tmc_split_s8(&p->concat, IN(1), parts);
      break;
    }
    case TMC_K_TRANSPOSE:
      tmc_transpose_s8(&p->transpose, IN(0), OUT(0));
      break;
    case TMC_K_STRIDED_SLICE:
      tmc_strided_slice_s8(&p->slice, IN(0), OUT(0));
      break;
    case TMC_K_COPY:
      memcpy(OUT(0), IN(0), (size_t)st->size);
      break;
    case TMC_KERNEL_COUNT:
      break;
  }
#undef IN
#undef OUT
}

/* The patch stage: per patch, gather the input region, run the stage's
 * steps on local buffers with the patch's shapes and padding, scatter the
 * split tensor's region. */
static void run_patches(const tmc_plan *plan, uint8_t *arena) {
  const tmc_patch *pt = plan->patch;
  const tmc_graph *g = plan->g;
  const int32_t nt = g->n_tensors, ns = pt->split_step + 1;
  exec x = {plan, arena, arena + plan->mem.patch_off};
  const tmc_tensor *in = &g->tensors[pt->input_tensor], *out = &g->tensors[pt->split_tensor];
  for (int32_t pi = 0; pi < pt->n_patches; pi++) {
    const tmc_region *reg = &pt->regions[(size_t)pi * nt];
    tmc_patch_gather(tmc_host_tensor(plan, arena, in->id), in, &reg[in->id],
                     x.local + pt->local_off[in->id]);
    for (int32_t s = 0; s < ns; s++) {
      tmc_step st = plan->steps[s];
      localize(&st, &pt->geom[(size_t)pi * ns + s]);
      run_step(&x, &st, pt->scratch_off[s] >= 0 ? x.local + pt->scratch_off[s] : NULL);
    }
    tmc_patch_scatter(tmc_host_tensor(plan, arena, out->id), out, &reg[out->id],
                      x.local + pt->local_off[out->id]);
  }
}

void tmc_host_invoke(const tmc_plan *plan, uint8_t *arena, tmc_host_hook hook, void *ctx) {
  exec x = {plan, arena, NULL};
  int32_t s = 0;
  if (plan->patch) {
    run_patches(plan, arena);
    s = plan->patch->split_step + 1;
    if (hook) hook(ctx, plan, s - 1, arena);
  }
  for (; s < plan->n_steps; s++) {
    run_step(&x, &plan->steps[s],
             plan->mem.scratch_off[s] >= 0 ? arena + plan->mem.scratch_off[s] : NULL);
    if (hook) hook(ctx, plan, s, arena);
  }
}
