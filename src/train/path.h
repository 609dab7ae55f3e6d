/* The backward path of a trainable set (private to src/train): which
 * tensors need a gradient (they depend on a trained value and reach the
 * logits), which ops run backward, which forward tensors the backward
 * reads, which fused activations keep a 1-bit mask. */
#ifndef TMC_TRAIN_PATH_H
#define TMC_TRAIN_PATH_H

#include "train.h"

typedef struct tmc_train_path {
  int32_t *root;     /* per tensor: the tensor whose bytes a view shares, or itself */
  bool *grad;        /* per tensor: needs a gradient */
  bool *bw;          /* per op: runs backward */
  bool *saved;       /* per tensor: kept for the backward (a trained layer's input) */
  bool *mask;        /* per op: its fused activation's mask is saved */
  int32_t *layer_of; /* per op: its index in the set, or -1 */
  /* Per root tensor with a gradient: the op whose backward first writes
   * it (it is zeroed just before; the head for the logits, whose gradient
   * the loss writes) and the op whose backward last reads it. */
  int32_t *grad_first, *grad_last;
} tmc_train_path;

/* Fills p (arrays from a). Fails naming an op on the way back that has no
 * backward kernel, and a layer of s that is not a FULLY_CONNECTED, CONV_2D
 * or DEPTHWISE_CONV_2D with constant int8 weights reaching the logits. */
tmc_status tmc_train_path_make(const tmc_train_model *m, const tmc_train_set *s, tmc_arena *a,
                               tmc_train_path *p, tmc_diag *d);

/* Output channels of a layer op's weights and the weights per channel. */
void tmc_train_layer_shape(const tmc_graph *g, const tmc_op *op, int32_t *channels,
                           int64_t *per_channel);

/* A fused activation's clamp bounds on the int8 output (tmc_bw_mask_make):
 * false when the op has none. */
bool tmc_train_act_bounds(const tmc_graph *g, const tmc_op *op, int32_t *lo, int32_t *hi);

#endif
