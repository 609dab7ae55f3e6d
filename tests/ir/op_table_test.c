/* Consistency of the operator table (src/ir/ops.def, op_table.h): every kind
 * has its row, names and codes agree with the reader's builtin list, the
 * masks fit the operand counts, every foldable kind has an evaluator in the
 * folding pass (and only those), and every kind either runs (LOWER) or
 * folds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "ir/op_table.h"
#include "passes/passes.h"
#include "reader/tflite.h"

static void test_every_kind_has_its_row(void **state) {
  (void)state;
  for (int k = 0; k < TMC_OP_KIND_COUNT; k++) {
    const tmc_op_desc *desc = tmc_op_desc_of((tmc_op_kind)k);
    assert_non_null(desc);
    assert_int_equal(desc->kind, k);
    assert_non_null(desc->name);
    assert_string_equal(tmc_op_kind_name((tmc_op_kind)k), desc->name);
    if (k != TMC_OP_UNKNOWN) assert_non_null(desc->check); /* shape inference */
  }
  const tmc_op_desc *unknown = tmc_op_desc_of(TMC_OP_UNKNOWN);
  assert_string_equal(unknown->name, "UNKNOWN");
  assert_int_equal(unknown->builtin_code, -1);
  assert_ptr_equal(tmc_op_desc_of(TMC_OP_KIND_COUNT), unknown);
  assert_ptr_equal(tmc_op_desc_of((tmc_op_kind)-1), unknown);
  assert_null(unknown->attrs);
  assert_null(unknown->check);
  assert_null(unknown->macs);
  assert_int_equal(unknown->fold, TMC_FOLD_none);
  assert_int_equal(unknown->lower, TMC_LOWER_none);
}

/* Row kind's code is the reader's TMC_TFL_OP_<KIND>, named <KIND>, and maps
 * back to the kind. */
static void test_codes_and_names(void **state) {
  (void)state;
#define TMC_OP(kind, code, ...)                                               \
  assert_int_equal(tmc_op_desc_of(TMC_OP_##kind)->builtin_code, TMC_TFL_OP_##kind); \
  assert_string_equal(tmc_tfl_builtin_name(code), #kind);                     \
  assert_string_equal(tmc_op_desc_of(TMC_OP_##kind)->name, #kind);            \
  assert_int_equal(tmc_op_kind_of_builtin(code), TMC_OP_##kind);
#include "ir/ops.def"
#undef TMC_OP
  assert_int_equal(tmc_op_kind_of_builtin(-1), TMC_OP_UNKNOWN);
  assert_int_equal(tmc_op_kind_of_builtin(TMC_TFL_OP_CUSTOM), TMC_OP_UNKNOWN);
  assert_int_equal(tmc_op_kind_of_builtin(TMC_TFL_OP_LSTM), TMC_OP_UNKNOWN);
}

static void test_counts_and_masks(void **state) {
  (void)state;
  for (int k = 1; k < TMC_OP_KIND_COUNT; k++) {
    const tmc_op_desc *desc = tmc_op_desc_of((tmc_op_kind)k);
    /* Counts: 1 <= min <= max, or max -1 for any number. */
    assert_true(desc->min_inputs >= 1 && desc->min_outputs >= 1);
    assert_true(desc->max_inputs == -1 || desc->max_inputs >= desc->min_inputs);
    assert_true(desc->max_outputs == -1 || desc->max_outputs >= desc->min_outputs);
    /* Masks name inputs that exist: below max (or below min for a variadic
     * op: only its fixed inputs can be told apart). */
    int n = desc->max_inputs >= 0 ? desc->max_inputs : desc->min_inputs;
    uint32_t within = n >= 32 ? UINT32_MAX : (1u << n) - 1;
    if ((desc->param_inputs & ~within) || (desc->optional_inputs & ~within))
      fail_msg("%s: a mask names an input beyond its %d", desc->name, n);
    /* An optional input is beyond the required ones, but for the sequence
     * operators, whose TFLite input lists keep a place (-1) for an absent
     * one: SVDF's bias (3 of 5), the LSTM's variant inputs (of 24). */
    uint32_t required = desc->min_inputs >= 32 ? UINT32_MAX : (1u << desc->min_inputs) - 1;
    uint32_t inside = k == TMC_OP_SVDF                           ? 0x8u
                      : k == TMC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM ? 0x31e22u
                                                                 : 0u;
    if ((desc->optional_inputs & required) != inside)
      fail_msg("%s: a required input is marked optional", desc->name);
    /* The helpers read the same masks and refuse out-of-range indices. */
    for (int i = -1; i < 34; i++) {
      bool p = i >= 0 && i < 32 && ((desc->param_inputs >> i) & 1u);
      bool o = i >= 0 && i < 32 && ((desc->optional_inputs >> i) & 1u);
      assert_int_equal(tmc_op_param_input((tmc_op_kind)k, i), p);
      assert_int_equal(tmc_op_optional_input((tmc_op_kind)k, i), o);
    }
    assert_int_equal(desc->flags & ~(uint32_t)(TMC_OPF_F32 | TMC_OPF_SHAPE_ONLY |
                                               TMC_OPF_DYN_PARAMS | TMC_OPF_I16 |
                                               TMC_OPF_I32_IO), 0);
    /* INT32 data only where int16 is accepted too (QUANTIZE) */
    if ((desc->flags & TMC_OPF_I32_IO) && !(desc->flags & TMC_OPF_I16))
      fail_msg("%s: TMC_OPF_I32_IO without TMC_OPF_I16", desc->name);
  }
}

/* Foldable (FOLD not none) exactly when the folding pass has an evaluator;
 * every kind runs (LOWER) or folds, else it could never be compiled. */
static void test_fold_and_lower(void **state) {
  (void)state;
  int n_fold = 0;
  for (int k = 0; k < TMC_OP_KIND_COUNT; k++) {
    const tmc_op_desc *desc = tmc_op_desc_of((tmc_op_kind)k);
    bool foldable = tmc_op_foldable((tmc_op_kind)k);
    assert_true((unsigned)desc->fold < TMC_FOLD_COUNT);
    assert_true((unsigned)desc->lower < TMC_LOWER_COUNT);
    assert_int_equal(foldable, desc->fold != TMC_FOLD_none);
    if (tmc_pass_fold_evaluates((tmc_op_kind)k) != foldable)
      fail_msg("%s: FOLD %s but the pass %s an evaluator", desc->name,
               tmc_op_fold_name(desc->fold), foldable ? "lacks" : "has");
    if (k != TMC_OP_UNKNOWN && !foldable && desc->lower == TMC_LOWER_none)
      fail_msg("%s: neither folds nor lowers", desc->name);
    n_fold += foldable;
  }
  assert_true(n_fold > 0);
  /* Every FOLD token but none is used by some kind. */
  for (int f = 1; f < TMC_FOLD_COUNT; f++) {
    bool used = false;
    for (int k = 0; k < TMC_OP_KIND_COUNT; k++) used |= tmc_op_desc_of((tmc_op_kind)k)->fold == (tmc_op_fold)f;
    if (!used) fail_msg("FOLD %s is not used", tmc_op_fold_name((tmc_op_fold)f));
  }
  for (int l = 1; l < TMC_LOWER_COUNT; l++) {
    bool used = false;
    for (int k = 0; k < TMC_OP_KIND_COUNT; k++) used |= tmc_op_desc_of((tmc_op_kind)k)->lower == (tmc_op_lower)l;
    if (!used) fail_msg("LOWER %s is not used", tmc_op_lower_name((tmc_op_lower)l));
  }
  assert_string_equal(tmc_op_fold_name(TMC_FOLD_strided_slice), "strided_slice");
  assert_string_equal(tmc_op_lower_name(TMC_LOWER_transpose_conv), "transpose_conv");
  assert_string_equal(tmc_op_fold_name(TMC_FOLD_COUNT), "?");
  assert_string_equal(tmc_op_lower_name(TMC_LOWER_COUNT), "?");
}

/* A few rows spot-checked: a parameter, an optional
 * input, a type rule and a callback of each column. */
static void test_spot_rows(void **state) {
  (void)state;
  assert_true(tmc_op_param_input(TMC_OP_CONV_2D, 1));
  assert_true(tmc_op_param_input(TMC_OP_CONV_2D, 2));
  assert_false(tmc_op_param_input(TMC_OP_CONV_2D, 0));
  assert_true(tmc_op_optional_input(TMC_OP_CONV_2D, 2));
  assert_true(tmc_op_optional_input(TMC_OP_TRANSPOSE_CONV, 3));
  assert_false(tmc_op_param_input(TMC_OP_TRANSPOSE_CONV, 2));
  assert_true(tmc_op_param_input(TMC_OP_SPLIT, 0));
  assert_false(tmc_op_param_input(TMC_OP_SPLIT, 1));
  assert_true(tmc_op_param_input(TMC_OP_STRIDED_SLICE, 3));
  assert_true(tmc_op_param_input(TMC_OP_PADV2, 2));
  assert_int_equal(tmc_op_desc_of(TMC_OP_QUANTIZE)->flags,
                   TMC_OPF_F32_IN | TMC_OPF_I16 | TMC_OPF_I32_IO);
  assert_int_equal(tmc_op_desc_of(TMC_OP_DEQUANTIZE)->flags, TMC_OPF_F32_OUT | TMC_OPF_I16);
  assert_int_equal(tmc_op_desc_of(TMC_OP_HARD_SWISH)->flags, 0); /* int8 only, as TFLM */
  assert_int_equal(tmc_op_desc_of(TMC_OP_LOG_SOFTMAX)->flags, TMC_OPF_F32);
  assert_non_null(tmc_op_desc_of(TMC_OP_DEPTHWISE_CONV_2D)->macs);
  assert_null(tmc_op_desc_of(TMC_OP_ADD)->macs);
  assert_non_null(tmc_op_desc_of(TMC_OP_MAX_POOL_2D)->check);
  assert_non_null(tmc_op_desc_of(TMC_OP_GATHER)->attrs);
  assert_null(tmc_op_desc_of(TMC_OP_RELU)->attrs);
  assert_int_equal(tmc_op_desc_of(TMC_OP_SQUEEZE)->fold, TMC_FOLD_copy);
  assert_int_equal(tmc_op_desc_of(TMC_OP_PACK)->fold, TMC_FOLD_concat);
  assert_int_equal(tmc_op_desc_of(TMC_OP_SPLIT)->lower, TMC_LOWER_parts);
  assert_int_equal(tmc_op_desc_of(TMC_OP_MINIMUM)->lower, TMC_LOWER_binary);
  assert_int_equal(tmc_op_desc_of(TMC_OP_UNPACK)->lower, TMC_LOWER_none);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_has_its_row),
      cmocka_unit_test(test_codes_and_names),
      cmocka_unit_test(test_counts_and_masks),
      cmocka_unit_test(test_fold_and_lower),
      cmocka_unit_test(test_spot_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
