/* The content of a .tflite model as plain C structs: a faithful mirror of the
 * schema (schema.fbs) with every field already verified and decoded. The
 * reader fills it from bytes; the writer turns it back into bytes; the IR is
 * built from it and never sees a flatbuffer. Constant buffers, names and
 * custom options point into the model bytes (never copied); small vectors
 * (shapes, scales, zero points, operator inputs) are decoded into the arena. */
#ifndef TMC_READER_TFLITE_H
#define TMC_READER_TFLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"

/* TensorType (schema.fbs). */
enum {
  TMC_TFL_FLOAT32 = 0, TMC_TFL_FLOAT16 = 1, TMC_TFL_INT32 = 2, TMC_TFL_UINT8 = 3,
  TMC_TFL_INT64 = 4, TMC_TFL_STRING = 5, TMC_TFL_BOOL = 6, TMC_TFL_INT16 = 7,
  TMC_TFL_COMPLEX64 = 8, TMC_TFL_INT8 = 9, TMC_TFL_FLOAT64 = 10,
  TMC_TFL_COMPLEX128 = 11, TMC_TFL_UINT64 = 12, TMC_TFL_RESOURCE = 13,
  TMC_TFL_VARIANT = 14, TMC_TFL_UINT32 = 15, TMC_TFL_UINT16 = 16,
  TMC_TFL_INT4 = 17, TMC_TFL_BFLOAT16 = 18
};
/* Padding and ActivationFunctionType (schema.fbs). */
enum { TMC_TFL_PAD_SAME = 0, TMC_TFL_PAD_VALID = 1 };
enum {
  TMC_TFL_ACT_NONE = 0, TMC_TFL_ACT_RELU = 1, TMC_TFL_ACT_RELU_N1_TO_1 = 2,
  TMC_TFL_ACT_RELU6 = 3, TMC_TFL_ACT_TANH = 4, TMC_TFL_ACT_SIGN_BIT = 5
};

/* BuiltinOperator codes. */
typedef enum tmc_tfl_builtin {
#define TMC_TFL_BUILTIN(code, name) TMC_TFL_OP_##name = code,
#include "builtin_ops.def"
#undef TMC_TFL_BUILTIN
} tmc_tfl_builtin;

/* "CONV_2D" for 3; NULL for a code the schema does not name. */
const char *tmc_tfl_builtin_name(int32_t code);
/* "INT8" for 9; "?" for an unknown type. */
const char *tmc_tfl_type_name(int32_t type);
/* Bytes of one element, 0 for types without a fixed size (STRING, INT4...). */
size_t tmc_tfl_type_size(int32_t type);

typedef struct tmc_bytes {
  const uint8_t *data; /* into the model bytes; NULL when size is 0 */
  size_t size;
} tmc_bytes;

typedef struct tmc_ivec {
  int32_t n;
  int32_t *v; /* decoded into the arena */
} tmc_ivec;

/* Decoded builtin options: one struct per table in options.def. */
#define TMC_TFL_CTYPE_I8 int32_t
#define TMC_TFL_CTYPE_BOOL bool
#define TMC_TFL_CTYPE_I32 int32_t
#define TMC_TFL_CTYPE_F32 float
#define TMC_TFL_CTYPE_VI32 tmc_ivec
#define TMC_TFL_F(id, kind, name, def) TMC_TFL_CTYPE_##kind name;
#define TMC_TFL_OPT(type, Table, member, fields) \
  typedef struct tmc_tfl_##member { fields char unused_; } tmc_tfl_##member;
#include "options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F

enum {
  TMC_TFL_OPTIONS_NONE = 0,
#define TMC_TFL_OPT(type, Table, member, fields) TMC_TFL_OPTIONS_##member = type,
#include "options.def"
#undef TMC_TFL_OPT
};

typedef struct tmc_tfl_options {
  uint8_t type;     /* BuiltinOptions union type, 0 for none */
  bool decoded;     /* the table is one of options.def and was decoded */
  bool has_options2; /* builtin_options_2 present (never decoded) */
  union {
#define TMC_TFL_OPT(type, Table, member, fields) tmc_tfl_##member member;
#include "options.def"
#undef TMC_TFL_OPT
  } u;
} tmc_tfl_options;

typedef struct tmc_tfl_quant {
  int32_t n_scale;
  float *scale;
  int32_t n_zero_point;
  int64_t *zero_point;
  int32_t n_min, n_max;
  float *min, *max;
  int32_t quantized_dimension;
  uint8_t details_type; /* QuantizationDetails union type; 0 when none */
} tmc_tfl_quant;

typedef struct tmc_tfl_tensor {
  const char *name; /* NUL-terminated, in the model bytes; "" when absent */
  int32_t type;
  tmc_ivec shape;
  bool has_shape_signature;
  tmc_ivec shape_signature;
  uint32_t buffer;
  bool has_quant;
  tmc_tfl_quant quant;
  bool is_variable;
  bool has_sparsity;
  bool has_rank;
  uint32_t external_buffer;
} tmc_tfl_tensor;

typedef struct tmc_tfl_opcode {
  int32_t deprecated_builtin_code;
  int32_t builtin_code;
  int32_t code; /* the effective code: max of the two fields, as TFLite does */
  const char *custom_code; /* NULL when absent */
  int32_t version;
} tmc_tfl_opcode;

typedef struct tmc_tfl_operator {
  uint32_t opcode_index;
  tmc_ivec inputs;  /* -1 marks an absent optional input */
  tmc_ivec outputs;
  tmc_ivec intermediates;
  tmc_tfl_options options;
  tmc_bytes custom_options;
  bool has_large_custom_options;
} tmc_tfl_operator;

typedef struct tmc_tfl_subgraph {
  const char *name;
  int32_t n_tensors;
  tmc_tfl_tensor *tensors;
  tmc_ivec inputs, outputs;
  int32_t n_operators;
  tmc_tfl_operator *operators;
} tmc_tfl_subgraph;

typedef struct tmc_tfl_buffer {
  tmc_bytes data;
  uint64_t offset, size; /* the >2 GB fields; a model using them is rejected */
} tmc_tfl_buffer;

typedef struct tmc_tfl_metadata {
  const char *name;
  uint32_t buffer;
} tmc_tfl_metadata;

typedef struct tmc_tfl_tensor_map {
  const char *name;
  uint32_t tensor_index;
} tmc_tfl_tensor_map;

typedef struct tmc_tfl_signature {
  const char *key;
  uint32_t subgraph_index;
  int32_t n_inputs, n_outputs;
  tmc_tfl_tensor_map *inputs, *outputs;
} tmc_tfl_signature;

typedef struct tmc_tfl_model {
  uint32_t version;
  const char *description;
  int32_t n_opcodes;
  tmc_tfl_opcode *opcodes;
  int32_t n_subgraphs;
  tmc_tfl_subgraph *subgraphs;
  int32_t n_buffers;
  tmc_tfl_buffer *buffers;
  int32_t n_metadata;
  tmc_tfl_metadata *metadata;
  int32_t n_signatures;
  tmc_tfl_signature *signatures;
  bool has_external_buffers;
} tmc_tfl_model;

/* Verifies and decodes a .tflite image. bytes must outlive the model (names
 * and constant data point into it). Every offset, length and alignment is
 * checked before use; on failure the diag names what is wrong and where
 * (e.g. "subgraph 0 tensor 12 'conv/w': shape: vector runs past the end of
 * the file"). Semantic checks (tensor indices, shapes, quantization) belong
 * to the IR builder, except those needed to decode safely. */
tmc_status tmc_tfl_read(const uint8_t *bytes, size_t len, tmc_arena *arena,
                        tmc_tfl_model *model, tmc_diag *d);

#endif
