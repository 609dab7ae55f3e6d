/* Kernel descriptors: what tmc knows of each kernel, from kernels.def and
 * the params field lists of kernels/kernels.h. The lowering, the memory
 * planner (overlap rules), the patch stage, the host runner and the code
 * generator all read these; none of them switches over kernels. */
#ifndef TMC_PLAN_KERNEL_DESC_H
#define TMC_PLAN_KERNEL_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* Field kinds of kernels.h's X-macros. */
typedef enum tmc_field_kind {
  TMC_FK_I32, TMC_FK_I64, TMC_FK_F32, TMC_FK_F64, TMC_FK_DIMS, TMC_FK_I32P, TMC_FK_I8P,
  TMC_FK_I64P, TMC_FK_I16P
} tmc_field_kind;

typedef struct tmc_field {
  const char *name; /* NULL ends a list */
  tmc_field_kind kind;
  size_t offset;
} tmc_field;

/* Call argument kinds (kernels.def's A_* tokens). */
typedef enum tmc_arg_kind {
  TMC_ARG_END = 0, TMC_ARG_P, TMC_ARG_IN, TMC_ARG_OUT, TMC_ARG_W, TMC_ARG_B,
  TMC_ARG_IN_DIMS, TMC_ARG_FILTER_DIMS, TMC_ARG_OUT_DIMS, TMC_ARG_BCAST, TMC_ARG_SIZE,
  TMC_ARG_OUTER, TMC_ARG_DEPTH, TMC_ARG_UNITS, TMC_ARG_SCRATCH, TMC_ARG_INS, TMC_ARG_OUTS
} tmc_arg_kind;

typedef struct tmc_arg {
  tmc_arg_kind kind;
  int k; /* operand index for IN, OUT, W, B */
} tmc_arg;

#define TMC_KF_WINDOW 1u
#define TMC_KF_ELEMENTWISE 2u
#define TMC_ALL_INPUTS 0xffffffffu

/* How far below its dying input in_k (tensor x) step s's output y may
 * start when they share bytes (see tmc_overlap_delta); -1: not at all. */
typedef int64_t (*tmc_overlap_rule)(const tmc_plan *plan, const tmc_step *st, int in_k,
                                    const tmc_tensor *x, const tmc_tensor *y);

typedef struct tmc_kernel_desc {
  const char *function;    /* C name of the kernel */
  const char *file;        /* source in src/kernels ("" for the C library) */
  const char *params_type; /* C name of its params struct */
  const tmc_field *fields; /* its fields, in declaration order */
  uint32_t data_inputs;    /* activations read, bit k for input k */
  uint32_t flags;          /* TMC_KF_* */
  tmc_overlap_rule overlap;
  const tmc_arg *args;     /* the call, in order, TMC_ARG_END last */
} tmc_kernel_desc;

extern const tmc_kernel_desc tmc_kernel_descs[TMC_KERNEL_COUNT];

static inline const tmc_kernel_desc *tmc_kernel_desc_of(tmc_kernel k) {
  return &tmc_kernel_descs[k];
}

/* Field lists of the structs kernel calls take besides params. */
extern const tmc_field tmc_dims4_fields[], tmc_broadcast_fields[];

/* The field called name in a kernel's params, or NULL. */
const tmc_field *tmc_kernel_field(tmc_kernel k, const char *name);

/* Whether the kernel reads input k of its step as an activation. */
static inline int tmc_kernel_reads(tmc_kernel k, int in_k) {
  return in_k >= 0 && in_k < 32 && ((tmc_kernel_descs[k].data_inputs >> in_k) & 1u);
}

/* Records a table that a params pointer field of st refers to (n
 * elements), so the code generator can print it; false when the step holds
 * TMC_STEP_ARRAYS tables already. */
int tmc_step_add_array(tmc_step *st, const void *data, int32_t n);
/* The element count of the table at data, or -1 when st did not record it. */
int32_t tmc_step_array_len(const tmc_step *st, const void *data);

/* Overlap rules named in kernels.def (overlap.c). */
int64_t tmc_ov_none(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                    const tmc_tensor *);
int64_t tmc_ov_elementwise(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                           const tmc_tensor *);
int64_t tmc_ov_binary(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                      const tmc_tensor *);
int64_t tmc_ov_pool(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                    const tmc_tensor *);
int64_t tmc_ov_conv(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                    const tmc_tensor *);
int64_t tmc_ov_depthwise(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                         const tmc_tensor *);
int64_t tmc_ov_fc(const tmc_plan *, const tmc_step *, int, const tmc_tensor *,
                  const tmc_tensor *);

#endif
