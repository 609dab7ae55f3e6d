/* Operand checks: ranks, shapes and element types. The table (ops.def) says
 * which inputs may be absent (OPTIONAL), which are parameters that must be
 * constant (PARAMS) and which types each operand may have (FLAGS, FOLD); the
 * CHECK callbacks here check the shapes of one family. Errors name the op
 * and the operand: "op 12 CONV_2D: input 1 (tensor 42 'w'): 3 dims, expected
 * 4". Valid models tmc cannot compile get op->unsupported with the reason. */
#include "check.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "geometry.h"
#include "op_impl.h"

/* "op 12 CONV_2D: input 1 (tensor 42 'w'): <what>". */
static tmc_status operand_fail(tmc_diag *d, const tmc_op *op, const char *role, int k,
                               const tmc_tensor *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
static tmc_status operand_fail(tmc_diag *d, const tmc_op *op, const char *role, int k,
                               const tmc_tensor *t, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s %d (tensor %d '%s'): %s", op->id,
                  op->name, role, k, t->id, t->name, what);
}

static tmc_status rank_fail(tmc_diag *d, const tmc_op *op, const char *role, int k,
                            const tmc_tensor *t, int32_t want) {
  return operand_fail(d, op, role, k, t, "%lld dims, expected %lld", (long long)t->rank,
                      (long long)want);
}

/* Output 0 must have shape want[0..3]. */
static tmc_status check_out4(tmc_diag *d, const tmc_op *op, const tmc_tensor *y,
                             const int64_t *want) {
  for (int k = 0; k < 4; k++)
    if (y->dims[k] != want[k])
      return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: output 0 (tensor %d '%s'): shape "
                      "[%d,%d,%d,%d], expected [%lld,%lld,%lld,%lld]", op->id, op->name,
                      y->id, y->name, y->dims[0], y->dims[1], y->dims[2], y->dims[3],
                      (long long)want[0], (long long)want[1], (long long)want[2],
                      (long long)want[3]);
  return TMC_OK;
}

/* Output size of a convolution or pooling window along one axis (TFLite). */
static int64_t window_out(int64_t in, int32_t k, int32_t stride, int32_t dil,
                          tmc_padding pad) {
  return tmc_window_geometry(in, k, stride, dil, pad).out;
}

/* Weights and bias of conv-like ops are read at compile time. */
static void mark_constant_params(tmc_op *op, const tmc_tensor *w, const tmc_tensor *bias) {
  if (!w->is_const && !op->unsupported) op->unsupported = "weights are not constant";
  if (bias && !bias->is_const && !op->unsupported) op->unsupported = "bias is not constant";
}

/* ---- CHECK callbacks ------------------------------------------------------ */

tmc_status tmc_ir_check_conv(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *bias = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  bool dw = op->kind == TMC_OP_DEPTHWISE_CONV_2D;
  if (x == NULL) return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input 0 is absent", op->id, op->name);
  if (w == NULL) return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input 1 (weights) is absent", op->id, op->name);
  if (x->rank != 4) return rank_fail(d, op, "input", 0, x, 4);
  if (w->rank != 4) return rank_fail(d, op, "input", 1, w, 4);
  if (y->rank != 4) return rank_fail(d, op, "output", 0, y, 4);
  int32_t cout = dw ? w->dims[3] : w->dims[0];
  int32_t kh = w->dims[1], kw = w->dims[2];
  if (dw && w->dims[0] != 1)
    return operand_fail(d, op, "input", 1, w, "dimension 0 is %lld, expected %lld", (long long)(w->dims[0]), 1LL);
  if (!dw && (w->dims[3] == 0 || x->dims[3] % w->dims[3] != 0))
    return operand_fail(d, op, "input", 1, w, "%lld input channels do not divide the input's %lld", (long long)(w->dims[3]), (long long)(x->dims[3]));
  if (!dw && w->dims[3] != x->dims[3] && !op->unsupported)
    op->unsupported = "grouped convolution";
  if (dw && (x->dims[3] == 0 || cout % x->dims[3] != 0))
    return operand_fail(d, op, "input", 1, w, "%lld channels are not a multiple of the input's %lld", (long long)(cout), (long long)(x->dims[3]));
  if (bias && (bias->rank != 1 || bias->dims[0] != cout))
    return operand_fail(d, op, "input", 2, bias, "%lld elements, expected %lld (one per output channel)", (long long)(bias->elems), (long long)(cout));
  const tmc_conv_attr *p = &op->attr.conv;
  int64_t want[4] = {x->dims[0], window_out(x->dims[1], kh, p->stride_h, p->dilation_h, p->padding),
                     window_out(x->dims[2], kw, p->stride_w, p->dilation_w, p->padding), cout};
  TMC_TRY(check_out4(d, op, y, want));
  mark_constant_params(op, w, bias);
  if (!op->unsupported && (x->type == TMC_I8 || x->type == TMC_I16) && w->type != TMC_I8)
    op->unsupported = "weights are not int8";
  if (!op->unsupported && bias && x->type == TMC_I8 && bias->type != TMC_I32)
    op->unsupported = "bias is not int32";
  /* 16x8: TFLM's DEPTHWISE_CONV_2D reads the bias as int64 always, CONV_2D
   * as int64 or int32 (accumulating in 32 bits then). */
  if (!op->unsupported && bias && x->type == TMC_I16 && bias->type != TMC_I64 &&
      (dw || bias->type != TMC_I32))
    op->unsupported = dw ? "int16 input with a bias that is not int64"
                         : "int16 input with a bias that is neither int64 nor int32";
  return TMC_OK;
}

tmc_status tmc_ir_check_pool(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  if (x->rank != 4) return rank_fail(d, op, "input", 0, x, 4);
  if (y->rank != 4) return rank_fail(d, op, "output", 0, y, 4);
  const tmc_pool_attr *p = &op->attr.pool;
  int64_t want[4] = {x->dims[0],
                     window_out(x->dims[1], p->filter_h, p->stride_h, 1, p->padding),
                     window_out(x->dims[2], p->filter_w, p->stride_w, 1, p->padding),
                     x->dims[3]};
  return check_out4(d, op, y, want);
}

tmc_status tmc_ir_check_fc(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *w = tmc_op_input(g, op, 1);
  const tmc_tensor *bias = tmc_op_input(g, op, 2), *y = tmc_op_output(g, op, 0);
  if (x == NULL || w == NULL)
    return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input %d is absent", op->id, op->name,
                    x == NULL ? 0 : 1);
  if (w->rank != 2) return rank_fail(d, op, "input", 1, w, 2);
  int32_t units = w->dims[0], depth = w->dims[1];
  if (depth == 0 || x->elems % depth != 0)
    return operand_fail(d, op, "input", 0, x, "%lld elements are not a multiple of the "
                        "weights' depth %lld", (long long)(x->elems), (long long)(depth));
  if (bias && bias->elems != units)
    return operand_fail(d, op, "input", 2, bias, "%lld elements, expected %lld", (long long)(bias->elems), (long long)(units));
  if (y->elems != x->elems / depth * units)
    return operand_fail(d, op, "output", 0, y, "%lld elements, expected %lld", (long long)(y->elems), (long long)(x->elems / depth * units));
  mark_constant_params(op, w, bias);
  return TMC_OK;
}

/* ---- table-driven rules --------------------------------------------------- */

/* Whether t will be a constant once the folding pass has run: written by an
 * op the pass evaluates whose inputs are constants or will be (a
 * TMC_OPF_SHAPE_ONLY op needs only a static shape). Bounded depth: these
 * chains are short. */
static bool computed_from_constants(const tmc_graph *g, const tmc_tensor *t, int depth) {
  if (t->is_const) return true;
  if (t->producer < 0 || depth > 16) return false;
  const tmc_op *op = &g->ops[t->producer];
  if (!tmc_op_foldable(op->kind)) return false;
  if (tmc_op_desc_of(op->kind)->flags & TMC_OPF_SHAPE_ONLY) return true;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *x = tmc_op_input(g, op, k);
    if (x == NULL || !computed_from_constants(g, x, depth + 1)) return false;
  }
  return true;
}

/* Element types tmc computes in: int8 activations, int16 ones where FLAGS
 * has TMC_OPF_I16 (the lowering checks the combination), float32 at the
 * edges (FLAGS), integers for the ops the folding pass evaluates. */
static const char *type_problem(const tmc_graph *g, const tmc_op *op) {
  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  bool foldable = tmc_op_foldable(op->kind);
  for (int k = 0; k < op->n_in + op->n_out; k++) {
    bool is_out = k >= op->n_in;
    int32_t id = is_out ? op->out[k - op->n_in] : op->in[k];
    if (id < 0) continue;
    const tmc_tensor *t = &g->tensors[id];
    if (!is_out && tmc_op_param_input(op->kind, k)) continue;
    if (t->type == TMC_I8) continue;
    if (t->type == TMC_I16 && (desc->flags & TMC_OPF_I16)) continue;
    if (t->type == TMC_I32 && (desc->flags & TMC_OPF_I32_IO)) continue;
    if (t->type == TMC_F32 && (desc->flags & (is_out ? TMC_OPF_F32_OUT : TMC_OPF_F32_IN)))
      continue;
    if (foldable && (t->type == TMC_I32 || t->type == TMC_I64)) continue;
    if (desc->flags & TMC_OPF_SHAPE_ONLY) continue;
    if (t->type == TMC_I16) return "int16 activations (tmc has no int16 kernel for this operator)";
    return is_out ? "output type is not int8" : "input type is not int8";
  }
  return NULL;
}

/* A kind the folding pass evaluates moves elements (SHAPE_ONLY kinds aside):
 * its data inputs and its outputs have one element type. */
static tmc_status check_moved_types(const tmc_graph *g, const tmc_op *op, tmc_diag *d) {
  if (!tmc_op_foldable(op->kind) || (tmc_op_desc_of(op->kind)->flags & TMC_OPF_SHAPE_ONLY))
    return TMC_OK;
  const tmc_tensor *first = NULL;
  for (int k = 0; k < op->n_in + op->n_out; k++) {
    bool is_out = k >= op->n_in;
    if (!is_out && tmc_op_param_input(op->kind, k)) continue;
    const tmc_tensor *t = is_out ? tmc_op_output(g, op, k - op->n_in) : tmc_op_input(g, op, k);
    if (t == NULL) continue;
    if (first == NULL) first = t;
    else if (t->type != first->type)
      return operand_fail(d, op, is_out ? "output" : "input", is_out ? k - op->n_in : k, t,
                          "%s, expected %s like tensor %d (this op only moves elements)",
                          tmc_dtype_name(t->type), tmc_dtype_name(first->type), first->id);
  }
  return TMC_OK;
}

tmc_status tmc_ir_recheck(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  if (desc->check == NULL || op->folded || op->removed) return TMC_OK;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t && tmc_op_param_input(op->kind, k) && t->producer >= 0 && t->data != NULL)
      return desc->check(g, op, d);
  }
  return TMC_OK;
}

tmc_status tmc_ir_check_op(const tmc_graph *g, tmc_op *op, tmc_arena *a, tmc_diag *d) {
  (void)a;
  const tmc_op_desc *desc = tmc_op_desc_of(op->kind);
  for (int k = 0; k < op->n_in; k++)
    if (tmc_op_input(g, op, k) == NULL && !tmc_op_optional_input(op->kind, k))
      return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: input %d is absent (-1) but required",
                      op->id, op->name, k);
  if (desc->check) TMC_TRY(desc->check(g, op, d));
  TMC_TRY(check_moved_types(g, op, d));
  for (int k = 0; k < op->n_in && !op->unsupported; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t && tmc_op_param_input(op->kind, k) && !t->is_const &&
        !(desc->flags & TMC_OPF_DYN_PARAMS) && !computed_from_constants(g, t, 0))
      op->unsupported = "a shape, axis or padding input is not constant";
  }
  if (!op->unsupported) op->unsupported = type_problem(g, op);
  return TMC_OK;
}

/* DEPTH_TO_SPACE moves channel blocks of block_size^2 into block_size x
 * block_size pixels; SPACE_TO_DEPTH the reverse (TFLite's DCR order). */
tmc_status tmc_ir_check_space_depth(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  int64_t b = op->attr.space_depth.block_size;
  if (x->rank != 4) return rank_fail(d, op, "input", 0, x, 4);
  if (y->rank != 4) return rank_fail(d, op, "output", 0, y, 4);
  if (op->kind == TMC_OP_DEPTH_TO_SPACE) {
    if (x->dims[3] % (b * b) != 0)
      return operand_fail(d, op, "input", 0, x, "%lld channels are not a multiple of "
                          "block_size^2 = %lld", (long long)x->dims[3], (long long)(b * b));
    int64_t want[4] = {x->dims[0], x->dims[1] * b, x->dims[2] * b, x->dims[3] / (b * b)};
    return check_out4(d, op, y, want);
  }
  if (x->dims[1] % b != 0 || x->dims[2] % b != 0)
    return operand_fail(d, op, "input", 0, x, "height %lld and width %lld are not multiples "
                        "of block_size %lld", (long long)x->dims[1], (long long)x->dims[2],
                        (long long)b);
  int64_t want[4] = {x->dims[0], x->dims[1] / b, x->dims[2] / b, x->dims[3] * b * b};
  return check_out4(d, op, y, want);
}

/* ---- shapes from parameter inputs (TFLite's Prepare) ---------------------- */

/* "[2,3,4]" into buf. */
static const char *shape_text(const int32_t *dims, int32_t rank, char *buf, size_t size) {
  size_t at = 0;
  buf[0] = '\0';
  for (int32_t i = 0; i < rank && at + 1 < size; i++)
    at += (size_t)snprintf(buf + at, size - at, i ? ",%d" : "[%d", dims[i]);
  if (at + 1 < size) snprintf(buf + at, size - at, rank ? "]" : "[]");
  return buf;
}

/* Output k must have rank n and dims want[0..n). */
static tmc_status check_shape(tmc_diag *d, const tmc_op *op, int k, const tmc_tensor *y,
                              int32_t n, const int64_t *want) {
  bool same = y->rank == n;
  for (int32_t i = 0; same && i < n; i++) same = y->dims[i] == want[i];
  if (same) return TMC_OK;
  char got[160], exp[160] = "[";
  for (int32_t i = 0; i < n; i++)
    snprintf(exp + strlen(exp), sizeof exp - strlen(exp), i ? ",%lld" : "%lld",
             (long long)want[i]);
  snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "]");
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: output %d (tensor %d '%s'): shape %s, "
                  "expected %s", op->id, op->name, k, y->id, y->name,
                  shape_text(y->dims, y->rank, got, sizeof got), exp);
}

/* The integers of parameter input k (at most max of them): *known false
 * when the tensor is not a constant yet (computed by operators the folding
 * pass evaluates; that pass runs the checks again, tmc_ir_recheck). */
static tmc_status param_ints(tmc_diag *d, const tmc_graph *g, const tmc_op *op, int k,
                             int64_t *v, int32_t max, int32_t *n, bool *known) {
  const tmc_tensor *t = tmc_op_input(g, op, k);
  *known = false;
  *n = 0;
  if (t->type != TMC_I32 && t->type != TMC_I64)
    return operand_fail(d, op, "input", k, t, "%s, expected INT32 or INT64",
                        tmc_dtype_name(t->type));
  if (t->elems > max)
    return operand_fail(d, op, "input", k, t, "%lld values, at most %lld expected",
                        (long long)t->elems, (long long)max);
  if (t->data == NULL) return TMC_OK;
  *n = (int32_t)t->elems;
  for (int32_t i = 0; i < *n; i++) v[i] = tmc_tensor_int(t, i);
  *known = true;
  return TMC_OK;
}

/* An axis of a rank-r tensor, negative counting from the end. */
static tmc_status axis_of(tmc_diag *d, const tmc_op *op, const char *what, int64_t a,
                          int32_t r, int32_t *out) {
  if (a < -(int64_t)r || a >= r)
    return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s %lld is out of range for %d dims",
                    op->id, op->name, what, (long long)a, r);
  *out = (int32_t)(a < 0 ? a + r : a);
  return TMC_OK;
}

tmc_status tmc_ir_check_mean(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  int64_t axes[2 * TMC_MAX_RANK], want[TMC_MAX_RANK];
  int32_t n, ax = 0;
  bool known, reduced[TMC_MAX_RANK] = {false};
  TMC_TRY(param_ints(d, g, op, 1, axes, 2 * TMC_MAX_RANK, &n, &known));
  if (!known) return TMC_OK;
  for (int32_t i = 0; i < n; i++) {
    TMC_TRY(axis_of(d, op, "axis", axes[i], x->rank, &ax));
    reduced[ax] = true; /* repeats are ignored, as TFLite does */
  }
  int32_t r = 0;
  for (int32_t i = 0; i < x->rank; i++)
    if (op->attr.reduce.keep_dims)
      want[r++] = reduced[i] ? 1 : x->dims[i];
    else if (!reduced[i])
      want[r++] = x->dims[i];
  return check_shape(d, op, 0, y, r, want);
}

tmc_status tmc_ir_check_transpose(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  int64_t perm[TMC_MAX_RANK], want[TMC_MAX_RANK];
  int32_t n;
  bool known, seen[TMC_MAX_RANK] = {false};
  TMC_TRY(param_ints(d, g, op, 1, perm, TMC_MAX_RANK, &n, &known));
  if (!known) return TMC_OK;
  if (n != x->rank)
    return operand_fail(d, op, "input", 1, tmc_op_input(g, op, 1), "%d values, expected "
                        "one per input dim (%d)", n, x->rank);
  for (int32_t i = 0; i < n; i++) {
    if (perm[i] < 0 || perm[i] >= n || seen[perm[i]])
      return operand_fail(d, op, "input", 1, tmc_op_input(g, op, 1), "not a permutation "
                          "of 0..%d (entry %d is %lld)", n - 1, i, (long long)perm[i]);
    seen[perm[i]] = true;
    want[i] = x->dims[perm[i]];
  }
  return check_shape(d, op, 0, y, n, want);
}

tmc_status tmc_ir_check_resize(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  int64_t size[2];
  int32_t n;
  bool known;
  if (x->rank != 4) return rank_fail(d, op, "input", 0, x, 4);
  TMC_TRY(param_ints(d, g, op, 1, size, 2, &n, &known));
  int64_t want[4] = {x->dims[0], y->rank == 4 ? y->dims[1] : 1, y->rank == 4 ? y->dims[2] : 1,
                     x->dims[3]};
  if (known) {
    if (n != 2 || size[0] < 1 || size[1] < 1)
      return operand_fail(d, op, "input", 1, tmc_op_input(g, op, 1), "the size must be "
                          "two values >= 1 (height, width)");
    want[1] = size[0];
    want[2] = size[1];
  }
  return check_shape(d, op, 0, y, 4, want);
}

tmc_status tmc_ir_check_split(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 1);
  int64_t a, want[TMC_MAX_RANK];
  int32_t n, ax = 0;
  bool known;
  TMC_TRY(param_ints(d, g, op, 0, &a, 1, &n, &known));
  if (!known) return TMC_OK;
  if (n != 1)
    return operand_fail(d, op, "input", 0, tmc_op_input(g, op, 0), "the axis must be one "
                        "value");
  TMC_TRY(axis_of(d, op, "axis", a, x->rank, &ax));
  if (x->dims[ax] % op->n_out != 0)
    return operand_fail(d, op, "input", 1, x, "dimension %d (%d) does not split into %d "
                        "equal parts", ax, x->dims[ax], op->n_out);
  for (int32_t i = 0; i < x->rank; i++) want[i] = x->dims[i];
  want[ax] = x->dims[ax] / op->n_out;
  for (int k = 0; k < op->n_out; k++)
    TMC_TRY(check_shape(d, op, k, tmc_op_output(g, op, k), x->rank, want));
  return TMC_OK;
}

tmc_status tmc_ir_check_concatenation(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  int64_t want[TMC_MAX_RANK];
  int32_t ax = 0;
  TMC_TRY(axis_of(d, op, "axis", op->attr.axis.axis, y->rank, &ax));
  for (int32_t i = 0; i < y->rank; i++) want[i] = y->dims[i];
  int64_t sum = 0;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *x = tmc_op_input(g, op, k);
    bool same = x->rank == y->rank;
    for (int32_t i = 0; same && i < y->rank; i++) same = i == ax || x->dims[i] == y->dims[i];
    if (!same)
      return operand_fail(d, op, "input", k, x, "shape differs from the output's other than "
                          "along axis %d", ax);
    sum += x->dims[ax];
  }
  want[ax] = sum;
  return check_shape(d, op, 0, y, y->rank, want);
}

tmc_status tmc_ir_check_transpose_conv(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *w = tmc_op_input(g, op, 1), *x = tmc_op_input(g, op, 2);
  const tmc_tensor *bias = tmc_op_input(g, op, 3), *y = tmc_op_output(g, op, 0);
  int64_t shape[4];
  int32_t n;
  bool known;
  if (x->rank != 4) return rank_fail(d, op, "input", 2, x, 4);
  if (w->rank != 4) return rank_fail(d, op, "input", 1, w, 4);
  if (y->rank != 4) return rank_fail(d, op, "output", 0, y, 4);
  if (w->dims[3] != x->dims[3])
    return operand_fail(d, op, "input", 1, w, "%d input channels, the input has %d",
                        w->dims[3], x->dims[3]);
  if (bias && bias->elems != w->dims[0])
    return operand_fail(d, op, "input", 3, bias, "%lld elements, expected %d (one per output "
                        "channel)", (long long)bias->elems, w->dims[0]);
  TMC_TRY(param_ints(d, g, op, 0, shape, 4, &n, &known));
  int64_t want[4] = {x->dims[0], y->dims[1], y->dims[2], w->dims[0]};
  if (known) {
    if (n != 4)
      return operand_fail(d, op, "input", 0, tmc_op_input(g, op, 0), "%d values, expected 4",
                          n);
    want[1] = shape[1];
    want[2] = shape[2];
    if (shape[0] != want[0] || shape[3] != want[3])
      return operand_fail(d, op, "input", 0, tmc_op_input(g, op, 0), "output shape "
                          "[%lld,%lld,%lld,%lld] disagrees with the input batch and the "
                          "weights' output channels", (long long)shape[0], (long long)shape[1],
                          (long long)shape[2], (long long)shape[3]);
  }
  TMC_TRY(check_shape(d, op, 0, y, 4, want));
  mark_constant_params(op, w, bias);
  return TMC_OK;
}

/* ---- element-wise: the output has the inputs' (broadcast) shape ----------- */

/* ADD, SUB, MUL, MAXIMUM, MINIMUM. */
tmc_status tmc_ir_check_binary(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *a = tmc_op_input(g, op, 0), *b = tmc_op_input(g, op, 1);
  int32_t want[TMC_MAX_RANK], r;
  if (!tmc_broadcast_shape(a->dims, a->rank, b->dims, b->rank, want, &r)) {
    char sa[160], sb[160];
    return operand_fail(d, op, "input", 1, b, "shape %s does not broadcast with input 0's %s",
                        shape_text(b->dims, b->rank, sb, sizeof sb),
                        shape_text(a->dims, a->rank, sa, sizeof sa));
  }
  int64_t w[TMC_MAX_RANK];
  for (int32_t i = 0; i < r; i++) w[i] = want[i];
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), r, w);
}

/* Activations, QUANTIZE, DEQUANTIZE, SOFTMAX, LOG_SOFTMAX: output shape =
 * input shape (SOFTMAX and LOG_SOFTMAX need at least one dim, the one they
 * normalise over). */
tmc_status tmc_ir_check_same_shape(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  int64_t want[TMC_MAX_RANK];
  if ((op->kind == TMC_OP_SOFTMAX || op->kind == TMC_OP_LOG_SOFTMAX) && x->rank < 1)
    return operand_fail(d, op, "input", 0, x, "a scalar, expected at least 1 dim");
  for (int32_t i = 0; i < x->rank; i++) want[i] = x->dims[i];
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), x->rank, want);
}

/* ---- shapes from parameter inputs and options, continued ------------------ */

/* PAD, PADV2: paddings (input 1) of shape [rank, 2], each >= 0; output dim i
 * = input dim i + before + after. PADV2's constant value (input 2) is one
 * element of the input's type. */
tmc_status tmc_ir_check_pad(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *pads = tmc_op_input(g, op, 1);
  int64_t v[2 * TMC_MAX_RANK], want[TMC_MAX_RANK];
  int32_t n;
  bool known;
  if (op->kind == TMC_OP_PADV2) {
    const tmc_tensor *cv = tmc_op_input(g, op, 2);
    if (cv->elems != 1 || cv->type != x->type)
      return operand_fail(d, op, "input", 2, cv, "%lld %s values, expected one %s (the "
                          "input's type)", (long long)cv->elems, tmc_dtype_name(cv->type),
                          tmc_dtype_name(x->type));
  }
  if (pads->rank != 2 || pads->dims[0] != x->rank || pads->dims[1] != 2) {
    char s[160];
    return operand_fail(d, op, "input", 1, pads, "shape %s, expected [%d,2] (before and "
                        "after for each input dim)", shape_text(pads->dims, pads->rank, s,
                        sizeof s), x->rank);
  }
  TMC_TRY(param_ints(d, g, op, 1, v, 2 * TMC_MAX_RANK, &n, &known));
  if (!known) return TMC_OK;
  for (int32_t i = 0; i < x->rank; i++) {
    if (v[2 * i] < 0 || v[2 * i + 1] < 0 || v[2 * i] > INT32_MAX ||
        v[2 * i + 1] > INT32_MAX)
      return operand_fail(d, op, "input", 1, pads, "paddings of dim %d are (%lld, %lld), "
                          "expected 0..%lld each", i, (long long)v[2 * i],
                          (long long)v[2 * i + 1], (long long)INT32_MAX);
    want[i] = x->dims[i] + v[2 * i] + v[2 * i + 1];
  }
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), x->rank, want);
}

/* RESHAPE: the same elements in another shape. The declared output shape is
 * the one tmc uses (as TFLite Micro does); the shape input, constant or not,
 * only has to agree in element count, which TFLite checks as well. */
tmc_status tmc_ir_check_reshape(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  if (x->elems != y->elems)
    return operand_fail(d, op, "output", 0, y, "%lld elements, the input has %lld",
                        (long long)y->elems, (long long)x->elems);
  return TMC_OK;
}

/* SQUEEZE: drops the size-1 dims squeeze_dims names (every size-1 dim when
 * it names none); each named dim must exist and have size 1. */
tmc_status tmc_ir_check_squeeze(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  const tmc_squeeze_attr *p = &op->attr.squeeze;
  bool drop[TMC_MAX_RANK] = {false};
  int64_t want[TMC_MAX_RANK];
  int32_t ax = 0, r = 0;
  for (int32_t i = 0; i < p->n; i++) {
    TMC_TRY(axis_of(d, op, "squeeze_dims entry", p->dims[i], x->rank, &ax));
    if (x->dims[ax] != 1)
      return operand_fail(d, op, "input", 0, x, "dim %d has size %d; squeeze_dims can only "
                          "drop dims of size 1", ax, x->dims[ax]);
    drop[ax] = true;
  }
  for (int32_t i = 0; i < x->rank; i++)
    if (!(p->n > 0 ? drop[i] : x->dims[i] == 1)) want[r++] = x->dims[i];
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), r, want);
}

/* STRIDED_SLICE: begin, end and strides (inputs 1..3) one value per input
 * dim; the output has the counts tmc_slice_geometry gives, without the
 * shrunk axes. Fewer values than dims (TFLite then takes the remaining dims
 * whole) is valid but not supported. */
tmc_status tmc_ir_check_strided_slice(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  int64_t v[3][TMC_MAX_RANK], want[TMC_MAX_RANK];
  static const char *const role[3] = {"begin", "end", "strides"};
  bool all_known = true;
  if (op->attr.slice.ellipsis_mask || op->attr.slice.new_axis_mask)
    return TMC_OK; /* masks tmc does not apply (unsupported): no shape to check */
  for (int k = 1; k <= 3; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    int32_t n;
    bool known;
    if (t->rank != 1)
      return operand_fail(d, op, "input", k, t, "%s has %d dims, expected 1", role[k - 1],
                          t->rank);
    if (t->elems > x->rank)
      return operand_fail(d, op, "input", k, t, "%lld %s values for an input of %d dims",
                          (long long)t->elems, role[k - 1], x->rank);
    if (t->elems < x->rank) {
      op->unsupported = "STRIDED_SLICE with fewer begin/end/strides values than input dims";
      return TMC_OK;
    }
    TMC_TRY(param_ints(d, g, op, k, v[k - 1], TMC_MAX_RANK, &n, &known));
    all_known = all_known && known;
  }
  if (!all_known) return TMC_OK;
  tmc_slice sl;
  if (!tmc_slice_geometry(x->dims, x->rank, v[0], v[1], v[2], &op->attr.slice, &sl))
    return operand_fail(d, op, "input", 3, tmc_op_input(g, op, 3), "a stride is 0");
  int32_t r = 0;
  for (int32_t i = 0; i < x->rank; i++)
    if (!((uint32_t)op->attr.slice.shrink_axis_mask & (1u << i))) want[r++] = sl.count[i];
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), r, want);
}

/* GATHER: output = input dims before the axis, the indices' dims after
 * batch_dims, input dims after the axis; every index in 0..dim-1. tmc
 * evaluates it at compile time, for batch_dims 0. */
tmc_status tmc_ir_check_gather(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *idx = tmc_op_input(g, op, 1);
  int64_t want[2 * TMC_MAX_RANK];
  int32_t ax = 0, bd = op->attr.gather.batch_dims, r = 0;
  TMC_TRY(axis_of(d, op, "axis", op->attr.gather.axis, x->rank, &ax));
  if (idx->type != TMC_I32 && idx->type != TMC_I64)
    return operand_fail(d, op, "input", 1, idx, "%s indices, expected INT32 or INT64",
                        tmc_dtype_name(idx->type));
  if (bd < 0) bd += idx->rank;
  if (bd < 0 || bd > ax || bd > idx->rank)
    return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: batch_dims %d is out of range (0..%d for "
                    "axis %d and %d-dim indices)", op->id, op->name, op->attr.gather.batch_dims,
                    ax < idx->rank ? ax : idx->rank, ax, idx->rank);
  for (int32_t i = 0; i < bd; i++)
    if (x->dims[i] != idx->dims[i])
      return operand_fail(d, op, "input", 1, idx, "batch dim %d is %d, the input's is %d", i,
                          idx->dims[i], x->dims[i]);
  for (int32_t i = 0; i < ax; i++) want[r++] = x->dims[i];
  for (int32_t i = bd; i < idx->rank; i++) want[r++] = idx->dims[i];
  for (int32_t i = ax + 1; i < x->rank; i++) want[r++] = x->dims[i];
  if (idx->data)
    for (int64_t j = 0; j < idx->elems; j++) {
      int64_t v = tmc_tensor_int(idx, j);
      if (v < 0 || v >= x->dims[ax])
        return operand_fail(d, op, "input", 1, idx, "index %lld is %lld, expected 0..%d",
                            (long long)j, (long long)v, x->dims[ax] - 1);
    }
  if (bd != 0 && !op->unsupported) op->unsupported = "GATHER with batch_dims";
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), r, want);
}

/* SHAPE: a 1-D INT32 or INT64 output of one value per input dim. */
tmc_status tmc_ir_check_shape(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
  int64_t want[1] = {x->rank};
  if (y->type != TMC_I32 && y->type != TMC_I64)
    return operand_fail(d, op, "output", 0, y, "%s, expected INT32 or INT64",
                        tmc_dtype_name(y->type));
  return check_shape(d, op, 0, y, 1, want);
}

/* PACK: inputs of one shape and type, stacked along a new axis. */
tmc_status tmc_ir_check_pack(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  int64_t want[TMC_MAX_RANK];
  int32_t ax = 0;
  if (x->rank + 1 > TMC_MAX_RANK)
    return operand_fail(d, op, "input", 0, x, "%d dims; the output would have more than %d",
                        x->rank, TMC_MAX_RANK);
  TMC_TRY(axis_of(d, op, "axis", op->attr.axis.axis, x->rank + 1, &ax));
  for (int k = 1; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    bool same = t->rank == x->rank && t->type == x->type;
    for (int32_t i = 0; same && i < x->rank; i++) same = t->dims[i] == x->dims[i];
    if (!same)
      return operand_fail(d, op, "input", k, t, "shape or type differs from input 0's");
  }
  for (int32_t i = 0, r = 0; i <= x->rank; i++)
    want[i] = i == ax ? op->n_in : x->dims[r++];
  return check_shape(d, op, 0, tmc_op_output(g, op, 0), x->rank + 1, want);
}

/* UNPACK: one output per index along the axis, each the input without it. */
tmc_status tmc_ir_check_unpack(const tmc_graph *g, tmc_op *op, tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  int64_t want[TMC_MAX_RANK];
  int32_t ax = 0, r = 0;
  TMC_TRY(axis_of(d, op, "axis", op->attr.axis.axis, x->rank, &ax));
  if (x->dims[ax] != op->n_out)
    return operand_fail(d, op, "input", 0, x, "dim %d has size %d, but there are %d outputs",
                        ax, x->dims[ax], op->n_out);
  for (int32_t i = 0; i < x->rank; i++)
    if (i != ax) want[r++] = x->dims[i];
  for (int k = 0; k < op->n_out; k++)
    TMC_TRY(check_shape(d, op, k, tmc_op_output(g, op, k), r, want));
  return TMC_OK;
}
