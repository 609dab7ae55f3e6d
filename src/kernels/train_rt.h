/* The training step's runtime: the loss, the backward walk and the QAS +
 * SGD update of a trainable set, driven by constant descriptors (what to
 * run, with which shapes, at which arena offsets) that the training plan
 * computes (src/train/train_plan.c). One source for both sides: `tmc
 * train` runs it on the host and `tmc compile --train` copies it into the
 * generated C with the descriptors printed as constants, so the weights
 * evolve with the same bits on the host and on a microcontroller (float32
 * in a fixed order, no FMA contraction, no libm).
 *
 * Every buffer lives in the one arena at the offset its descriptor gives
 * (-1: none): the int8 forward's activations, the 1-bit masks of fused
 * activations, the float gradients, a layer's dequantized input, the
 * weight gradients, the trainable int8 weights and int32 biases (the
 * forward's kernels read them there), the optimizer's buffers (momentum,
 * float masters, the weights' fractional residuals) and an
 * 8-byte state (the rounding generator, the samples pending in a batch). */
#ifndef TMC_KERNELS_TRAIN_RT_H
#define TMC_KERNELS_TRAIN_RT_H

#include <stdint.h>

#include "backward.h"
#include "kernels.h"

typedef enum tmc_bw_kind {
  TMC_BW_FC = 0,    /* FULLY_CONNECTED */
  TMC_BW_CONV,      /* CONV_2D, one group */
  TMC_BW_DEPTHWISE, /* DEPTHWISE_CONV_2D */
  TMC_BW_AVG_POOL,  /* AVERAGE_POOL_2D */
  TMC_BW_MEAN,      /* MEAN */
  TMC_BW_TRANSPOSE, /* TRANSPOSE */
  TMC_BW_ADD,       /* ADD of two same-shape inputs */
  TMC_BW_COPY,      /* int8 requantization (identity for the gradient) */
  TMC_BW_MAX_POOL,  /* MAX_POOL_2D (reads the forward's int8 input at x_off) */
  TMC_BW_PAD        /* PAD, PADV2 (in, out: NHWC with leading 1s; axes: before) */
} tmc_bw_kind;

/* A trained layer. Weights are the whole tensor (the forward kernel reads
 * one array), of which the first `channels` output channels are updated. */
typedef struct tmc_train_layer_rt {
  int32_t ch;        /* output channels */
  int32_t per;       /* weights per output channel */
  int32_t channels;  /* leading output channels whose weights are updated */
  int32_t depthwise; /* 1HWC weights: channel o's weights strided by ch */
  int32_t w_off;     /* int8 weights (whole tensor); -1: not trained */
  int32_t b_off;     /* int32 bias; -1: not trained */
  const float *w_scale, *b_scale; /* per output channel (ch each) */
  /* Float gradients: with batch 1 one channel's row (per) and the bias
   * (ch), used during the layer's backward; else accumulators
   * [channels][per] (channel-major) and [ch] over the batch. */
  int32_t gw_off, gb_off;
  int32_t mw_off, mb_off; /* momentum ([channels][per], [ch]); -1: none */
  int32_t fw_off, fb_off; /* float32 masters (same shapes); -1: none */
  int32_t rw_off;         /* the weights' int8 residuals in 1/256 units
                           * ([channels][per], tmc_sgd_weights); -1: none */
} tmc_train_layer_rt;

/* One op of the backward (in the order they run: the head first). */
typedef struct tmc_train_op_rt {
  int32_t op;          /* graph op index (for messages and hooks) */
  int32_t kind;        /* tmc_bw_kind */
  int32_t layer;       /* index in the layers, or -1 */
  int32_t y_elems;     /* output elements */
  int32_t gy_off;      /* the output's gradient */
  int32_t gx_off[2];   /* input gradients (-1: nothing trainable behind) */
  int32_t zero_off[2]; /* gradient buffers first written here, zeroed first */
  int32_t zero_elems[2];
  int32_t mask_off;    /* the fused activation's mask, -1 */
  int32_t y_off;       /* the int8 output in the forward (the mask's source) */
  int32_t mask_lo, mask_hi; /* a bit is 1 when lo < q < hi */
  int32_t x_off;       /* the int8 input (kept: a layer with trained weights,
                        * MAX_POOL_2D) */
  int32_t x_elems, x_zp;
  float x_scale;
  int32_t xf_off;      /* its dequantized copy (float) */
  const int8_t *w;     /* weights for the input gradient (flash), or: */
  int32_t w_arena_off; /* their arena offset when trained (-1 otherwise) */
  const float *w_scale; /* per output channel */
  tmc_dims4 in, filter, out;
  tmc_bw_window win;
  int32_t mult;                  /* depthwise multiplier */
  int32_t batches, depth, units; /* FULLY_CONNECTED */
  int32_t fh, fw;                /* AVERAGE_POOL_2D, MAX_POOL_2D window */
  int32_t rank;                  /* MEAN, TRANSPOSE: the input's rank, */
  int32_t dims[TMC_MAX_DIMS];    /* its dims and reduced axes (MEAN: 1 per */
  int32_t axes[TMC_MAX_DIMS];    /* reduced axis) or permutation (TRANSPOSE) */
} tmc_train_op_rt;

typedef struct tmc_train_rt {
  int32_t n_ops;
  const tmc_train_op_rt *ops;
  int32_t n_layers;
  const tmc_train_layer_rt *layers;
  int32_t logits_off, classes, logits_zp;
  float logits_scale;
  int32_t glogits_off; /* the loss's gradient (classes floats) */
  int32_t batch;       /* samples per update (1: each layer during the backward) */
  float lr, momentum, weight_decay;
  int32_t qas;         /* quantization-aware scaling */
  int32_t stochastic;  /* int8 steps rounded stochastically (else nearest) */
  int32_t state_off;   /* uint32 generator state, int32 samples pending */
} tmc_train_rt;

/* The state (generator seeded with seed, nothing pending), zeroed
 * accumulators and momentum, masters from the weights in the arena. Call
 * once the trainable weights and biases are in place. */
void tmc_train_rt_init(const tmc_train_rt *rt, uint8_t *arena, uint32_t seed);

/* After the forward step of op k's producer: op k's mask (no-op without). */
void tmc_train_rt_mask(const tmc_train_op_rt *op, uint8_t *arena);

/* The loss of label on the logits in the arena (their gradient written);
 * *pred gets the first largest logit when not NULL. */
float tmc_train_rt_loss(const tmc_train_rt *rt, uint8_t *arena, int32_t label, int32_t *pred);

/* After the forward (with the masks): the loss, the backward and, at the
 * end of a batch, the update (batch 1: each layer's, during the backward,
 * channel by channel). Returns the loss; *pred as above. */
float tmc_train_rt_step(const tmc_train_rt *rt, uint8_t *arena, int32_t label, int32_t *pred);

/* Applies the update of a partial batch; returns 1 when there was one. */
int tmc_train_rt_flush(const tmc_train_rt *rt, uint8_t *arena);

/* The trained values as bytes: per layer in order, its whole int8 weights
 * when trained, then its int32 biases (little-endian) when trained. With
 * out NULL (or cap too small) only the size is returned. */
int32_t tmc_train_rt_export(const tmc_train_rt *rt, const uint8_t *arena, uint8_t *out,
                            int32_t cap);

#endif
