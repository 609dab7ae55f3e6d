/* The operator table: ops.def expanded into one descriptor per kind. */
#include "op_table.h"

#include <stddef.h>

#include "op_impl.h"

static const tmc_op_desc table[TMC_OP_KIND_COUNT] = {
    [TMC_OP_UNKNOWN] = {TMC_OP_UNKNOWN, "UNKNOWN", -1, 0, 0, -1, 0, -1, 0, 0, 0,
                        NULL, NULL, NULL, TMC_FOLD_none, TMC_LOWER_none},
#define TMC_OP(kind, code, opts, imin, imax, omin, omax, params, optional, flags, attrs, \
               check, macs, fold, lower)                                                 \
  [TMC_OP_##kind] = {TMC_OP_##kind, #kind, code, opts, imin, imax, omin, omax, params,     \
                     optional, flags, tmc_ir_attrs_##attrs, tmc_ir_check_##check,          \
                     tmc_ir_macs_##macs, TMC_FOLD_##fold, TMC_LOWER_##lower},
#include "ops.def"
#undef TMC_OP
};

const tmc_op_desc *tmc_op_desc_of(tmc_op_kind k) {
  return (unsigned)k < TMC_OP_KIND_COUNT ? &table[k] : &table[TMC_OP_UNKNOWN];
}

tmc_op_kind tmc_op_kind_of_builtin(int32_t code) {
  for (int k = 1; k < TMC_OP_KIND_COUNT; k++)
    if (table[k].builtin_code == code) return (tmc_op_kind)k;
  return TMC_OP_UNKNOWN;
}

/* Bit k of a mask, false for k outside it. */
static bool bit(uint32_t mask, int k) { return k >= 0 && k < 32 && ((mask >> k) & 1u); }

bool tmc_op_param_input(tmc_op_kind kind, int k) {
  return bit(tmc_op_desc_of(kind)->param_inputs, k);
}

bool tmc_op_optional_input(tmc_op_kind kind, int k) {
  return bit(tmc_op_desc_of(kind)->optional_inputs, k);
}

bool tmc_op_foldable(tmc_op_kind kind) { return tmc_op_desc_of(kind)->fold != TMC_FOLD_none; }

#define TMC_OP_TOKEN_NAME(t) #t,
static const char *const fold_names[] = {TMC_OP_FOLDS(TMC_OP_TOKEN_NAME)};
static const char *const lower_names[] = {TMC_OP_LOWERS(TMC_OP_TOKEN_NAME)};
#undef TMC_OP_TOKEN_NAME

const char *tmc_op_fold_name(tmc_op_fold f) {
  return (unsigned)f < TMC_FOLD_COUNT ? fold_names[f] : "?";
}

const char *tmc_op_lower_name(tmc_op_lower l) {
  return (unsigned)l < TMC_LOWER_COUNT ? lower_names[l] : "?";
}
