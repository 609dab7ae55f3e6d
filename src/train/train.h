/* On-device training (MCUNetV3's sparse update with QAS) on a .tflite
 * model: the model prepared for training (train_model.c: the classifier
 * head, replaced with --classes; weights in writable memory; export), the
 * trainable set and its memory (select.c), the trainer: the int8 forward of
 * the host runner, the float backward and the update (trainer.c). */
#ifndef TMC_TRAIN_TRAIN_H
#define TMC_TRAIN_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "ir/graph.h"
#include "plan/plan.h"
#include "reader/tflite.h"
#include "kernels/train_sgd.h"

/* ---- the model ------------------------------------------------------------ */

typedef struct tmc_train_model {
  uint8_t *bytes; /* the file (names and frozen constants point into it) */
  size_t len;
  tmc_arena arena; /* the decoded model and the graph */
  tmc_tfl_model tfl;
  tmc_graph g;     /* after the --io int8 pass: int8 input and logits */
  int32_t head_op; /* the classifier: a FULLY_CONNECTED (graph op index) */
  int32_t input;   /* the int8 input tensor */
  int32_t logits;  /* the head's int8 output */
  int32_t classes; /* its output channels */
  int32_t n_owned;
  uint8_t **owned; /* writable copies of every weight and bias buffer */
} tmc_train_model;

/* Reads the model at path and prepares it. classes > 0 replaces the head
 * with a new classes-way FULLY_CONNECTED over the same input: int8 weights
 * drawn from seed (uniform in [-32, 32], scale 4 / (127 sqrt(depth)) per
 * tensor), zero int32 biases of scale s_x * s_w, logits of scale 32 / 255
 * (zero point 0); the tensors after it (DEQUANTIZE, SOFTMAX, LOG_SOFTMAX)
 * take the new class count. Errors name the model and the element. Call
 * tmc_train_model_free whatever the status. */
tmc_status tmc_train_model_load(const char *path, int32_t classes, uint32_t seed,
                                tmc_train_model *m, tmc_diag *d);
void tmc_train_model_free(tmc_train_model *m);

/* The model with its current weights as .tflite bytes (tmc's writer),
 * malloc'd: every tensor of the input model, the head's replaced. */
tmc_status tmc_train_model_write(const tmc_train_model *m, uint8_t **out, size_t *len,
                                 tmc_diag *d);

/* ---- the trainable set ---------------------------------------------------- */

#define TMC_TRAIN_MAX_LAYERS 256

typedef struct tmc_train_layer {
  int32_t op;       /* graph op: FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D */
  bool bias;        /* its bias is updated */
  int32_t channels; /* the weights of its first `channels` output channels are
                     * updated (sparse update); 0: none */
} tmc_train_layer;

typedef struct tmc_train_set {
  int32_t n;
  tmc_train_layer layer[TMC_TRAIN_MAX_LAYERS]; /* by op index */
} tmc_train_set;

/* SRAM for training, bytes, from the training plan (train_plan.h): each
 * component is the most bytes of its buffers live at one time of the
 * forward + loss + backward; total is the one arena they are all placed
 * in (less than the sum where the backward reuses the forward's dead
 * buffers). */
typedef struct tmc_train_memory {
  int64_t activations;      /* the forward's activations and scratch */
  int64_t saved;            /* forward tensors the backward reads (kept
                             * alive until then) and the 1-bit ReLU masks */
  int64_t gradients;        /* float gradients of the activations on the way
                             * back, and the dequantized input of a layer */
  int64_t weight_gradients; /* per channel (batch 1) or per batch (accumulators) */
  int64_t weights;          /* int8 weights (the whole tensor of a layer whose
                             * weights are trained: its kernel reads one
                             * array) and int32 biases, in SRAM */
  int64_t optimizer;        /* momentum, float32 masters, the weights'
                             * residuals, the 8-byte state */
  int64_t total;            /* the arena */
  int64_t reused;           /* the sum of the parts minus the arena: bytes
                             * that serve two parts at different times (the
                             * backward's in the forward's dead buffers) */
} tmc_train_memory;

typedef struct tmc_train_cfg {
  tmc_sgd_opts sgd;
  bool float_reference; /* float32 master copies of the trainable values */
  int32_t batch;        /* samples per update; 1: each layer is updated
                         * during the backward, output channel by output
                         * channel, so the scratch of one channel's weight
                         * gradient (and one layer's bias gradient)
                         * replaces the per-layer accumulators */
  tmc_target target;    /* the forward's kernels (generic on the host) */
  bool residual;        /* an int8 residual per trained weight carries its
                         * fractional part (1/256 units) across updates
                         * (tmc_sgd_weights); not with float_reference */
} tmc_train_cfg;

/* The memory of training set s (errors: an op on the way back without a
 * backward kernel, naming it and the layer that needs it). */
tmc_status tmc_train_memory_of(const tmc_train_model *m, const tmc_train_set *s,
                               const tmc_train_cfg *c, tmc_train_memory *mem, tmc_diag *d);

/* --update auto: the set chosen under budget bytes of total memory, ranked
 * by contribution per byte. Layers from the output back (depth k: k
 * trainable layers between it and the logits) offer their bias and their
 * weights; an item's value is 1 / (1 + depth) (weights twice a bias), its
 * cost the memory it adds (with the gradients and saved tensors needed to
 * reach it); the best value per byte that fits is taken first, and weights
 * that do not fit whole are taken for as many leading output channels as
 * fit. A budget below the forward pass alone, or one that fits nothing,
 * is an error saying how much is needed. */
tmc_status tmc_train_select_auto(const tmc_train_model *m, int64_t budget,
                                 const tmc_train_cfg *c, tmc_train_set *s, tmc_diag *d);

/* --update SPEC: ITEM[,ITEM...], ITEM = LAYER:PARTS. LAYER is an op index
 * (as `tmc inspect` numbers them) or -K, the K-th trainable layer counted
 * from the output (-1 the head). PARTS is any of b (the bias), w (every
 * weight) and wN (the weights of the first N output channels), e.g.
 * "-1:bw,-2:b,5:w16". */
tmc_status tmc_train_select_spec(const tmc_train_model *m, const char *spec,
                                 tmc_train_set *s, tmc_diag *d);

/* The layers that may be trained, from the output back (the head first):
 * ops[k] is the op index of depth k. Returns the count. */
int32_t tmc_train_layers(const tmc_train_model *m, int32_t *ops, int32_t max);

/* ---- the trainer ---------------------------------------------------------- */

typedef struct tmc_trainer tmc_trainer;

/* Sets up the forward plan (the int8 kernels, the tensors the backward
 * reads kept alive), the gradient buffers and the optimizer state. */
tmc_status tmc_trainer_new(tmc_train_model *m, const tmc_train_set *s, const tmc_train_cfg *c,
                           tmc_trainer **out, tmc_diag *d);
void tmc_trainer_free(tmc_trainer *t);

/* The memory of the set, as tmc_train_memory_of. */
const tmc_train_memory *tmc_trainer_memory(const tmc_trainer *t);

/* The int8 input tensor of the forward (write the sample there). */
int8_t *tmc_trainer_input(tmc_trainer *t);

/* Forward on the input written, backward from the loss of label, the
 * gradients accumulated; every batch-th call applies the update (and
 * re-plans the forward on the new weights; with batch 1 each layer's
 * update is applied during the backward, once its input gradient is
 * computed). *loss gets the sample's loss,
 * *pred the predicted class (first largest logit, before the update). */
tmc_status tmc_trainer_step(tmc_trainer *t, int32_t label, float *loss, int32_t *pred,
                            tmc_diag *d);
/* Applies the update of a partial batch (end of an epoch); no-op if none. */
tmc_status tmc_trainer_flush(tmc_trainer *t, tmc_diag *d);

/* Forward only: the predicted class (first largest logit); _eval also
 * gives the loss of label. */
int32_t tmc_trainer_predict(tmc_trainer *t);
int32_t tmc_trainer_eval(tmc_trainer *t, int32_t label, float *loss);

/* The backward pass' view, for tests (batch > 1): after tmc_trainer_step,
 * the accumulated real-domain gradients of layer k's weights (channels x the
 * weights per channel) and bias (NULL when not trained). */
const float *tmc_trainer_weight_grad(const tmc_trainer *t, int32_t k);
const float *tmc_trainer_bias_grad(const tmc_trainer *t, int32_t k);
/* The current plan (re-made after each update), and where an activation
 * of the last forward is (tmc_host_tensor in the trainer's arena). */
const tmc_plan *tmc_trainer_plan(const tmc_trainer *t);
/* The training plan it runs, and its arena (the trainable values, the
 * runtime's state: tmc_train_rt_export reads them there). */
typedef struct tmc_train_plan tmc_train_plan;
const tmc_train_plan *tmc_trainer_train_plan(const tmc_trainer *t);
uint8_t *tmc_trainer_arena(tmc_trainer *t);
const int8_t *tmc_trainer_tensor(const tmc_trainer *t, int32_t tensor);

#endif
