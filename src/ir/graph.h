/* The graph IR every stage after the reader works on: tensors (shape, type,
 * quantization, constant data or activation, producer and consumers) and
 * operators in execution order with typed parameters. It knows nothing of
 * flatbuffers; tmc_graph_from_tflite builds it from the reader's model. */
#ifndef TMC_IR_GRAPH_H
#define TMC_IR_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/limits.h"
#include "base/status.h"

/* Element types (numbering follows TFLite's TensorType). */
typedef enum tmc_dtype {
  TMC_F32 = 0, TMC_F16 = 1, TMC_I32 = 2, TMC_U8 = 3, TMC_I64 = 4, TMC_STRING = 5,
  TMC_BOOL = 6, TMC_I16 = 7, TMC_C64 = 8, TMC_I8 = 9, TMC_F64 = 10, TMC_C128 = 11,
  TMC_U64 = 12, TMC_RESOURCE = 13, TMC_VARIANT = 14, TMC_U32 = 15, TMC_U16 = 16,
  TMC_I4 = 17, TMC_BF16 = 18, TMC_DTYPE_COUNT
} tmc_dtype;

const char *tmc_dtype_name(tmc_dtype t);
/* Bytes per element; 0 for types without a fixed byte size. */
size_t tmc_dtype_size(tmc_dtype t);

typedef enum tmc_op_kind {
  TMC_OP_UNKNOWN = 0, /* any operator tmc does not model (inspectable only) */
#define TMC_OP(kind, ...) TMC_OP_##kind,
#include "ops.def"
#undef TMC_OP
  TMC_OP_KIND_COUNT
} tmc_op_kind;

/* Everything else per kind is in ir/op_table.h (tmc_op_desc_of). */
const char *tmc_op_kind_name(tmc_op_kind k);

typedef enum tmc_padding { TMC_PAD_SAME = 0, TMC_PAD_VALID = 1 } tmc_padding;

/* Fused activation (TFLite's ActivationFunctionType). */
typedef enum tmc_act {
  TMC_FUSED_NONE = 0, TMC_FUSED_RELU = 1, TMC_FUSED_RELU_N1_TO_1 = 2, TMC_FUSED_RELU6 = 3,
  TMC_FUSED_TANH = 4, TMC_FUSED_SIGN_BIT = 5
} tmc_act;
const char *tmc_act_name(tmc_act a);

/* Quantization: n == 0 for none, 1 per tensor, > 1 per channel along axis. */
typedef struct tmc_quant {
  int32_t n;
  const float *scale;
  const int32_t *zero_point;
  int32_t axis;
} tmc_quant;

typedef struct tmc_tensor {
  int32_t id;        /* index in the model's tensor list */
  const char *name;  /* "" when the model gives none */
  tmc_dtype type;
  int32_t rank;
  int32_t dims[TMC_MAX_RANK];
  int64_t elems;     /* product of dims (1 for a scalar) */
  int64_t bytes;     /* elems * element size */
  tmc_quant q;
  const uint8_t *data; /* constant bytes: in the model (never copied), or in
                        * the arena for values a pass computed; else NULL */
  bool is_const;       /* has data in the model */
  bool is_variable;
  bool is_input, is_output; /* a graph input / output */
  int32_t producer;         /* op index, -1 for inputs and constants */
  int32_t n_consumers;
  int32_t *consumers;       /* op indices, in execution order */
} tmc_tensor;

/* Typed parameters, one struct per family. */
typedef struct tmc_conv_attr {
  tmc_padding padding;
  /* Set by the PAD-folding pass: padding per side given explicitly (the
   * folded PAD's plus the op's own), replacing what `padding` implies. */
  bool explicit_pad;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t depth_multiplier; /* DEPTHWISE_CONV_2D */
  tmc_act act;
} tmc_conv_attr;

typedef struct tmc_pool_attr {
  tmc_padding padding;
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  tmc_act act;
} tmc_pool_attr;

typedef struct tmc_fc_attr {
  tmc_act act;
  bool keep_num_dims;
} tmc_fc_attr;

typedef struct tmc_act_attr { /* ADD, SUB, MUL */
  tmc_act act;
  bool pot_scale_int16; /* ADD, SUB: TFLite's power-of-two int16 path */
} tmc_act_attr;
typedef struct tmc_axis_attr { int32_t axis; tmc_act act; int32_t count; } tmc_axis_attr;
typedef struct tmc_softmax_attr { float beta; } tmc_softmax_attr;
typedef struct tmc_reduce_attr { bool keep_dims; } tmc_reduce_attr;
typedef struct tmc_resize_attr { bool align_corners, half_pixel_centers; } tmc_resize_attr;
typedef struct tmc_squeeze_attr { int32_t n; const int32_t *dims; } tmc_squeeze_attr;
typedef struct tmc_slice_attr {
  int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
  bool offset;
} tmc_slice_attr;
typedef struct tmc_leaky_attr { float alpha; } tmc_leaky_attr;
typedef struct tmc_gather_attr { int32_t axis, batch_dims; } tmc_gather_attr;
typedef struct tmc_space_depth_attr { int32_t block_size; } tmc_space_depth_attr;
/* SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM (ir/seq_ops.c). act is TFLite's
 * ActivationFunctionType as stored (the LSTM's cell gate: TANH 4 or
 * SIGMOID 6). */
typedef struct tmc_svdf_attr { int32_t rank; int32_t act; } tmc_svdf_attr;
typedef struct tmc_lstm_attr {
  int32_t act;
  float cell_clip, proj_clip; /* 0: none */
  bool time_major;
} tmc_lstm_attr;

typedef union tmc_op_attr {
  tmc_conv_attr conv;       /* CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV */
  tmc_pool_attr pool;       /* AVERAGE_POOL_2D, MAX_POOL_2D */
  tmc_fc_attr fc;           /* FULLY_CONNECTED */
  tmc_act_attr binary;      /* ADD, SUB, MUL */
  tmc_axis_attr axis;       /* CONCATENATION, SPLIT, PACK, UNPACK */
  tmc_softmax_attr softmax; /* SOFTMAX */
  tmc_reduce_attr reduce;   /* MEAN */
  tmc_resize_attr resize;   /* RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR */
  tmc_squeeze_attr squeeze; /* SQUEEZE */
  tmc_slice_attr slice;     /* STRIDED_SLICE */
  tmc_leaky_attr leaky;     /* LEAKY_RELU */
  tmc_gather_attr gather;   /* GATHER */
  tmc_space_depth_attr space_depth; /* DEPTH_TO_SPACE, SPACE_TO_DEPTH */
  tmc_svdf_attr svdf;       /* SVDF */
  tmc_lstm_attr lstm;       /* UNIDIRECTIONAL_SEQUENCE_LSTM */
} tmc_op_attr;

typedef struct tmc_op {
  int32_t id;           /* index in the model's operator list */
  tmc_op_kind kind;
  const char *name;     /* TFLite builtin name, or the custom code */
  int32_t builtin_code; /* -1 for a custom op */
  int32_t version;
  int32_t n_in, n_out;
  int32_t *in;          /* tensor ids; -1 for an absent optional input */
  int32_t *out;
  tmc_op_attr attr;
  /* Why tmc cannot compile this op (NULL when it can, as far as the IR can
   * tell: a known kind with valid options). */
  const char *unsupported;
  /* Evaluated at compile time by the constant-folding pass: its outputs are
   * constants now and it is not executed. */
  bool folded;
  /* Taken out of the graph by a pass (--io int8 drops the QUANTIZE and
   * DEQUANTIZE at the edges); not executed. */
  bool removed;
} tmc_op;

/* Whether the op is executed at run time. */
static inline bool tmc_op_runs(const tmc_op *op) { return !op->folded && !op->removed; }

typedef struct tmc_graph {
  const char *model_name; /* for messages */
  uint32_t schema_version;
  const char *description;
  int32_t n_subgraphs;    /* tmc compiles subgraph 0 */
  int32_t n_tensors;
  tmc_tensor *tensors;
  int32_t n_ops;
  tmc_op *ops;
  int32_t n_inputs, n_outputs;
  int32_t *inputs, *outputs; /* tensor ids */
} tmc_graph;

/* The tensor behind operator input i, or NULL when the input is absent. */
static inline const tmc_tensor *tmc_op_input(const tmc_graph *g, const tmc_op *op, int i) {
  return (i < op->n_in && op->in[i] >= 0) ? &g->tensors[op->in[i]] : NULL;
}
static inline const tmc_tensor *tmc_op_output(const tmc_graph *g, const tmc_op *op, int i) {
  return &g->tensors[op->out[i]];
}

/* Multiply-accumulates of one op (conv-like and fully connected; 0 for the
 * rest), and bytes of its constant inputs. */
int64_t tmc_op_macs(const tmc_graph *g, const tmc_op *op);
int64_t tmc_op_weight_bytes(const tmc_graph *g, const tmc_op *op);

/* Reports every op tmc cannot compile, at once: "3 unsupported operators:
 * op 4 LSTM (version 2): ..., op 9 ...". TMC_OK when there are none. */
tmc_status tmc_graph_check_supported(const tmc_graph *g, tmc_diag *d);

#endif
