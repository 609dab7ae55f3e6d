/* The operator table (ops.def) as data: one descriptor per op kind with its
 * TFLite codes, operand counts, parameter and optional inputs, type rules,
 * the IR's callbacks (attributes, operand checks, MACs), and the tokens the
 * passes (FOLD) and the plan stage (LOWER) dispatch on. */
#ifndef TMC_IR_OP_TABLE_H
#define TMC_IR_OP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"

struct tmc_tfl_options;

/* FLAGS column (see ops.def for the type rules they relax). */
enum {
  TMC_OPF_F32_IN = 1u << 0,     /* data inputs may be FLOAT32 */
  TMC_OPF_F32_OUT = 1u << 1,    /* outputs may be FLOAT32 */
  TMC_OPF_F32 = TMC_OPF_F32_IN | TMC_OPF_F32_OUT,
  TMC_OPF_SHAPE_ONLY = 1u << 2, /* reads only its input's shape */
  TMC_OPF_DYN_PARAMS = 1u << 3, /* PARAMS inputs may be computed at run time */
  TMC_OPF_I16 = 1u << 4,        /* data inputs and outputs may be INT16 (16x8) */
  TMC_OPF_I32_IO = 1u << 5      /* data inputs and outputs may be INT32 (QUANTIZE) */
};

/* FOLD tokens: how passes/fold_constants.c evaluates the op. */
#define TMC_OP_FOLDS(X) \
  X(none) X(shape) X(copy) X(concat) X(unpack) X(gather) X(strided_slice) X(transpose)

typedef enum tmc_op_fold {
#define TMC_OP_FOLD_ENUM(t) TMC_FOLD_##t,
  TMC_OP_FOLDS(TMC_OP_FOLD_ENUM)
#undef TMC_OP_FOLD_ENUM
  TMC_FOLD_COUNT
} tmc_op_fold;

/* LOWER tokens: the plan stage's lowering families. */
#define TMC_OP_LOWERS(X)                                                              \
  X(none) X(conv) X(transpose_conv) X(fc) X(binary) X(pool) X(mean) X(pad) X(parts) \
  X(resize) X(transpose) X(strided_slice) X(unary) X(view) X(space_depth) X(svdf) \
  X(lstm)

typedef enum tmc_op_lower {
#define TMC_OP_LOWER_ENUM(t) TMC_LOWER_##t,
  TMC_OP_LOWERS(TMC_OP_LOWER_ENUM)
#undef TMC_OP_LOWER_ENUM
  TMC_LOWER_COUNT
} tmc_op_lower;

/* ATTRS: options -> op->attr (invalid values are model errors; may set
 * op->unsupported). o->u is zero when the op has no options. */
typedef tmc_status (*tmc_op_attrs_fn)(tmc_op *op, const struct tmc_tfl_options *o,
                                      tmc_diag *d);
/* CHECK: operand ranks and shapes, once the graph is built. */
typedef tmc_status (*tmc_op_check_fn)(const tmc_graph *g, tmc_op *op, tmc_diag *d);
/* MACS: multiply-accumulates of one op (it has at least one output). */
typedef int64_t (*tmc_op_macs_fn)(const tmc_graph *g, const tmc_op *op);

typedef struct tmc_op_desc {
  tmc_op_kind kind;
  const char *name;         /* "CONV_2D"; "UNKNOWN" for TMC_OP_UNKNOWN */
  int32_t builtin_code;     /* -1 for TMC_OP_UNKNOWN */
  uint8_t options_type;     /* BuiltinOptions type, 0: none */
  int32_t min_inputs, max_inputs, min_outputs, max_outputs; /* max -1: any */
  uint32_t param_inputs;    /* bit k: input k is a parameter */
  uint32_t optional_inputs; /* bit k: input k may be absent */
  uint32_t flags;           /* TMC_OPF_* */
  tmc_op_attrs_fn attrs;    /* NULL: no attributes */
  tmc_op_check_fn check;    /* shape inference; NULL only for UNKNOWN */
  tmc_op_macs_fn macs;      /* NULL: 0 MACs */
  tmc_op_fold fold;         /* TMC_FOLD_none: never folded */
  tmc_op_lower lower;       /* TMC_LOWER_none: nothing runs */
} tmc_op_desc;

/* The row of kind k; the TMC_OP_UNKNOWN row (no callbacks, any operand
 * count) for TMC_OP_UNKNOWN and out-of-range values. Never NULL. */
const tmc_op_desc *tmc_op_desc_of(tmc_op_kind k);

/* The kind of a builtin operator code; TMC_OP_UNKNOWN when tmc has no row. */
tmc_op_kind tmc_op_kind_of_builtin(int32_t code);

/* Whether input k of kind is a parameter (PARAMS) / may be absent
 * (OPTIONAL); false for k out of range. */
bool tmc_op_param_input(tmc_op_kind kind, int k);
bool tmc_op_optional_input(tmc_op_kind kind, int k);

/* Whether the constant-folding pass evaluates kind (FOLD is not none). */
bool tmc_op_foldable(tmc_op_kind kind);

/* The FOLD / LOWER token as written in ops.def ("?" when out of range). */
const char *tmc_op_fold_name(tmc_op_fold f);
const char *tmc_op_lower_name(tmc_op_lower l);

#endif
