/* The execution plan: the graph lowered to a list of kernel calls with every
 * parameter resolved (multipliers, shifts, padding, broadcast strides), plus
 * where each activation lives in the one arena. The host runner executes it;
 * the code generator prints it. */
#ifndef TMC_PLAN_PLAN_H
#define TMC_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/graph.h"
#include "kernels/kernels.h"

typedef enum tmc_kernel {
#define TMC_KERNEL(e, fn) TMC_K_##e,
#include "kernel.def"
#undef TMC_KERNEL
  TMC_KERNEL_COUNT
} tmc_kernel;

const char *tmc_kernel_name(tmc_kernel k);

/* Float softmax over the last dim, as TFLite's reference computes it. */
typedef struct tmc_softmax_f32_params {
  float beta;
} tmc_softmax_f32_params;

typedef union tmc_kernel_params {
  tmc_conv2d_params conv;
  tmc_depthwise_conv2d_params dw;
  tmc_fully_connected_params fc;
  tmc_transpose_conv_params tconv;
  tmc_add_params add;
  tmc_mul_params mul;
  tmc_pool_params pool;
  tmc_mean_params mean;
  tmc_softmax_params softmax;
  tmc_log_softmax_params log_softmax;
  tmc_softmax_f32_params softmax_f32;
  tmc_sigmoid_params sigmoid;
  tmc_hard_swish_params hard_swish;
  tmc_relu_params relu;
  struct { int32_t lo, hi; } clamp;
  tmc_leaky_relu_params leaky;
  tmc_quantize_params quantize;
  tmc_requantize_params requantize;
  tmc_dequantize_params dequantize;
  tmc_pad_params pad;
  tmc_resize_params resize;
  tmc_concat_params concat;
  tmc_transpose_params transpose;
  tmc_strided_slice_params slice;
} tmc_kernel_params;

typedef struct tmc_step {
  int32_t op;           /* the graph op this step computes */
  tmc_kernel kernel;
  tmc_kernel_params p;
  /* Shapes the kernel takes (those it uses). */
  tmc_dims4 in_dims, filter_dims, out_dims;
  tmc_broadcast bcast;
  int32_t size;         /* element count (element-wise kernels, COPY bytes) */
  int32_t outer, depth; /* softmax rows / row length; FC batches / depth */
  int32_t units;        /* FC output depth */
  /* Constant operands (in the model or the compile arena). */
  const int8_t *weights;
  const int32_t *bias;
  /* Activation operands, as tensor ids (placed by the memory plan). */
  int32_t n_in, n_out;
  const int32_t *in, *out;
  size_t scratch_bytes; /* from the kernel's _scratch_bytes() query */
} tmc_step;

/* Memory: every activation tensor gets an offset in the arena; views
 * (RESHAPE, SQUEEZE) share their source's offset. */
typedef struct tmc_mem {
  int64_t arena_bytes;
  int64_t *offset;       /* per tensor id; -1 for constants and unused tensors */
  int64_t *scratch_off;  /* per step; -1 when it needs no scratch */
  int64_t lower_bound;   /* largest sum of live bytes at any step */
} tmc_mem;

typedef struct tmc_plan {
  const tmc_graph *g;
  int32_t n_steps;
  tmc_step *steps;
  int32_t *alias_of;     /* per tensor id: the tensor whose bytes it views, or itself */
  tmc_mem mem;
} tmc_plan;

/* Lowers the graph (after passes) to kernel calls. Errors name the op:
 * what TFLite itself would refuse (quantization a kernel cannot take) and
 * what tmc does not support. */
tmc_status tmc_plan_lower(const tmc_graph *g, tmc_arena *a, tmc_plan *plan, tmc_diag *d);

/* Lays out the arena: lifetimes over the steps, then first-fit placement
 * of whole tensors (TinyEngine's baseline); scratch buffers are short-lived
 * blocks of their step. */
tmc_status tmc_plan_memory(tmc_plan *plan, tmc_arena *a, tmc_diag *d);

typedef struct tmc_plan_options {
  bool io_int8; /* drop the float QUANTIZE/DEQUANTIZE edges (tmc_pass_io_int8) */
} tmc_plan_options;

/* Passes, the supported-op check, lowering and memory layout: everything
 * after reading. opts may be NULL for the defaults. */
tmc_status tmc_plan_build(tmc_graph *g, const tmc_plan_options *opts, tmc_arena *a,
                          tmc_plan *plan, tmc_diag *d);

#endif
