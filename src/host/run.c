/* Host runner: one switch over the plan's kernels (Grep ORDER KERNEL). */
#include "run.h"

#include <string.h>

uint8_t *tmc_host_tensor(const tmc_plan *plan, uint8_t *arena, int32_t t) {
  if (t < 0 || t >= plan->g->n_tensors) return NULL;
  const tmc_tensor *x = &plan->g->tensors[t];
  if (x->is_const) return (uint8_t *)x->data;
  if (plan->mem.offset[t] < 0) return NULL;
  return arena + plan->mem.offset[t];
}

static void run_step(const tmc_plan *plan, int32_t s, uint8_t *arena) {
  const tmc_step *st = &plan->steps[s];
  const tmc_kernel_params *p = &st->p;
#define IN(k) ((const int8_t *)tmc_host_tensor(plan, arena, st->in[k]))
#define OUT(k) ((int8_t *)tmc_host_tensor(plan, arena, st->out[k]))
  void *scratch = plan->mem.scratch_off[s] >= 0 ? arena + plan->mem.scratch_off[s] : NULL;
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
      tmc_resize_nearest_s8(&p->resize, &st->in_dims, IN(0), &st->out_dims, OUT(0));
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

void tmc_host_invoke(const tmc_plan *plan, uint8_t *arena, tmc_host_hook hook, void *ctx) {
  for (int32_t s = 0; s < plan->n_steps; s++) {
    run_step(plan, s, arena);
    if (hook) hook(ctx, plan, s, arena);
  }
}
