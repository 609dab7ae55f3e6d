/* The kernel descriptor table (see kernel_desc.h), expanded from
 * kernels.def and the field lists of kernels/kernels.h. */
#include "kernel_desc.h"

#include <stddef.h>
#include <string.h>

#define TMC_NO_FIELDS(X, T)
#define FIELD(T, kind, n) {#n, TMC_FK_##kind, offsetof(T, n)},

const tmc_field tmc_dims4_fields[] = {TMC_DIMS4_FIELDS(FIELD, tmc_dims4){NULL, 0, 0}};
const tmc_field tmc_broadcast_fields[] = {
    TMC_BROADCAST_FIELDS(FIELD, tmc_broadcast){NULL, 0, 0}};

/* Per kernel: its fields and its call. */
#define UNPAREN(...) __VA_ARGS__
#define A_P {TMC_ARG_P, 0}
#define A_IN(k) {TMC_ARG_IN, k}
#define A_OUT(k) {TMC_ARG_OUT, k}
#define A_W(k) {TMC_ARG_W, k}
#define A_B(k) {TMC_ARG_B, k}
#define A_IN_DIMS {TMC_ARG_IN_DIMS, 0}
#define A_FILTER_DIMS {TMC_ARG_FILTER_DIMS, 0}
#define A_OUT_DIMS {TMC_ARG_OUT_DIMS, 0}
#define A_BCAST {TMC_ARG_BCAST, 0}
#define A_SIZE {TMC_ARG_SIZE, 0}
#define A_OUTER {TMC_ARG_OUTER, 0}
#define A_DEPTH {TMC_ARG_DEPTH, 0}
#define A_UNITS {TMC_ARG_UNITS, 0}
#define A_SCRATCH {TMC_ARG_SCRATCH, 0}
#define A_INS {TMC_ARG_INS, 0}
#define A_OUTS {TMC_ARG_OUTS, 0}
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args)              \
  static const tmc_field fields_##e[] = {FIELDS(FIELD, T){NULL, 0, 0}};            \
  static const tmc_arg args_##e[] = {UNPAREN args, {TMC_ARG_END, 0}};
#include "kernels.def"
#undef TMC_KERNEL

#define ov_none tmc_ov_none
#define ov_elementwise tmc_ov_elementwise
#define ov_binary tmc_ov_binary
#define ov_pool tmc_ov_pool
#define ov_conv tmc_ov_conv
#define ov_depthwise tmc_ov_depthwise
#define ov_fc tmc_ov_fc
const tmc_kernel_desc tmc_kernel_descs[TMC_KERNEL_COUNT] = {
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args) \
  {#fn, file, #T, fields_##e, data, flags, overlap, args_##e},
#include "kernels.def"
#undef TMC_KERNEL
};

const char *tmc_kernel_name(tmc_kernel k) {
  return (unsigned)k < TMC_KERNEL_COUNT ? tmc_kernel_descs[k].function : "?";
}

const tmc_field *tmc_kernel_field(tmc_kernel k, const char *name) {
  for (const tmc_field *f = tmc_kernel_descs[k].fields; f->name; f++)
    if (strcmp(f->name, name) == 0) return f;
  return NULL;
}

int tmc_step_add_array(tmc_step *st, const void *data, int32_t n) {
  if (st->n_arrays >= TMC_STEP_ARRAYS) return 0;
  st->arrays[st->n_arrays].data = data;
  st->arrays[st->n_arrays].n = n;
  st->n_arrays++;
  return 1;
}

int32_t tmc_step_array_len(const tmc_step *st, const void *data) {
  for (int32_t i = 0; i < st->n_arrays; i++)
    if (st->arrays[i].data == data) return st->arrays[i].n;
  return -1;
}
