/* Constant folding: operators whose inputs are all constants and which only
 * move or compute integers are evaluated here, at compile time, on raw bytes
 * (any element type). Which kinds fold, and with which evaluator, is the FOLD
 * column of ir/ops.def. Steps, per op in execution order:
 * 1. skip unless its kind is foldable, every input is constant (SHAPE needs
 *    only the static input shape) and no output is a graph output;
 * 2. compute each output's bytes into the arena (the kind's evaluator);
 * 3. mark outputs constant and the op folded. */
#include <string.h>

#include "base/le.h"
#include "ir/build.h"
#include "ir/geometry.h"
#include "ir/op_table.h"
#include "passes.h"

/* Copies a strided view: out is dense, src element of index (i0..ir-1) is at
 * src + sum(i_d * stride[d]) bytes. */
static void gather_view(uint8_t *out, const uint8_t *src, int32_t rank, const int32_t *count,
                        const int64_t *stride, size_t es) {
  int32_t idx[TMC_MAX_RANK] = {0};
  int64_t total = 1;
  for (int32_t d = 0; d < rank; d++) total *= count[d];
  for (int64_t n = 0; n < total; n++) {
    int64_t off = 0;
    for (int32_t d = 0; d < rank; d++) off += idx[d] * stride[d];
    memcpy(out, src + off, es);
    out += es;
    for (int32_t d = rank - 1; d >= 0; d--) {
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
    }
  }
}

/* Dense row-major byte strides of a shape. */
static void dense_strides(const tmc_tensor *t, size_t es, int64_t *stride) {
  int64_t s = (int64_t)es;
  for (int32_t d = t->rank - 1; d >= 0; d--) {
    stride[d] = s;
    s *= t->dims[d];
  }
}

static int64_t prod(const int32_t *dims, int32_t from, int32_t to) {
  int64_t p = 1;
  for (int32_t d = from; d < to; d++) p *= dims[d];
  return p;
}

/* Whether op is evaluated now: its kind is foldable (ops.def FOLD), its
 * inputs are constants (a TMC_OPF_SHAPE_ONLY op needs only the static input
 * shape) and no output is a graph output. */
static bool can_fold(const tmc_graph *g, const tmc_op *op) {
  if (op->folded || !tmc_op_foldable(op->kind) || op->n_out < 1) return false;
  for (int k = 0; k < op->n_out; k++) {
    const tmc_tensor *t = tmc_op_output(g, op, k);
    if (t->is_output || tmc_dtype_size(t->type) == 0) return false;
  }
  if (tmc_op_desc_of(op->kind)->flags & TMC_OPF_SHAPE_ONLY) return true;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t == NULL || !t->is_const || tmc_dtype_size(t->type) == 0) return false;
  }
  return true;
}

static tmc_status fold_fail(tmc_diag *d, const tmc_op *op, const char *what) {
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s", op->id, op->name, what);
}

/* A valid op the evaluator does not compute (the IR marked it unsupported). */
static tmc_status fold_unsupported(tmc_diag *d, const tmc_op *op) {
  return tmc_fail(d, TMC_ERR_UNSUPPORTED, "op %d %s: %s", op->id, op->name,
                  op->unsupported ? op->unsupported : "cannot be folded");
}

static int32_t norm_axis(int64_t axis, int32_t rank) {
  return (int32_t)(axis < 0 ? axis + rank : axis);
}

/* ---- evaluators, one per FOLD token: the outputs of op into out[k] (each
 * sized as its tensor); x is input 0, y output 0, es y's element size. ---- */

typedef struct fold_ctx {
  const tmc_graph *g;
  const tmc_op *op;
  const tmc_tensor *x, *y;
  size_t es;
  uint8_t **out;
  tmc_diag *d;
} fold_ctx;

typedef tmc_status (*evaluator)(const fold_ctx *c);

/* SHAPE: the input's dims as INT32 or INT64. */
static tmc_status eval_shape(const fold_ctx *c) {
  const tmc_tensor *x = c->x, *y = c->y;
  for (int32_t i = 0; i < x->rank; i++) {
    if (y->type == TMC_I64)
      tmc_le_put_u64(c->out[0] + 8 * i, (uint64_t)(int64_t)x->dims[i]);
    else
      tmc_le_put_u32(c->out[0] + 4 * i, (uint32_t)x->dims[i]);
  }
  return TMC_OK;
}

/* RESHAPE, SQUEEZE: the same bytes. */
static tmc_status eval_copy(const fold_ctx *c) {
  memcpy(c->out[0], c->x->data, (size_t)c->x->bytes);
  return TMC_OK;
}

/* CONCATENATION, PACK: for each outer index, each input's inner block in
 * turn (PACK's axis counts in the output's rank, one more than the input's). */
static tmc_status eval_concat(const fold_ctx *c) {
  const tmc_op *op = c->op;
  const tmc_tensor *x = c->x;
  int32_t rank = op->kind == TMC_OP_PACK ? x->rank + 1 : x->rank;
  int32_t axis = norm_axis(op->attr.axis.axis, rank);
  int64_t outer = prod(x->dims, 0, axis);
  uint8_t *o = c->out[0];
  for (int64_t i = 0; i < outer; i++)
    for (int k = 0; k < op->n_in; k++) {
      const tmc_tensor *t = tmc_op_input(c->g, op, k);
      int64_t inner = (t->elems / (outer ? outer : 1)) * (int64_t)c->es;
      memcpy(o, t->data + i * inner, (size_t)inner);
      o += inner;
    }
  return TMC_OK;
}
/* UNPACK: output k holds index k along the axis. */
static tmc_status eval_unpack(const fold_ctx *c) {
  const tmc_op *op = c->op;
  const tmc_tensor *x = c->x;
  int32_t axis = norm_axis(op->attr.axis.axis, x->rank);
  int64_t outer = prod(x->dims, 0, axis);
  int64_t inner = prod(x->dims, axis + 1, x->rank) * (int64_t)c->es;
  for (int64_t i = 0; i < outer; i++)
    for (int k = 0; k < op->n_out; k++)
      memcpy(c->out[k] + i * inner, x->data + (i * op->n_out + k) * inner, (size_t)inner);
  return TMC_OK;
}

/* GATHER (batch_dims 0): for each outer index, the inner blocks the indices
 * (input 1) name along the axis. */
static tmc_status eval_gather(const fold_ctx *c) {
  const tmc_op *op = c->op;
  const tmc_tensor *x = c->x, *idx = tmc_op_input(c->g, op, 1);
  int32_t axis = norm_axis(op->attr.gather.axis, x->rank);
  if (op->attr.gather.batch_dims != 0) return fold_unsupported(c->d, op);
  int64_t outer = prod(x->dims, 0, axis);
  int64_t inner = prod(x->dims, axis + 1, x->rank) * (int64_t)c->es;
  uint8_t *o = c->out[0];
  for (int64_t i = 0; i < outer; i++)
    for (int64_t j = 0; j < idx->elems; j++) {
      int64_t v = tmc_tensor_int(idx, j);
      memcpy(o, x->data + (i * x->dims[axis] + v) * inner, (size_t)inner);
      o += inner;
    }
  return TMC_OK;
}

/* STRIDED_SLICE: the view tmc_slice_geometry describes. */
static tmc_status eval_strided_slice(const fold_ctx *c) {
  const tmc_op *op = c->op;
  const tmc_tensor *x = c->x;
  int64_t b[TMC_MAX_RANK], e[TMC_MAX_RANK], s[TMC_MAX_RANK], stride[TMC_MAX_RANK];
  const tmc_tensor *tb = tmc_op_input(c->g, op, 1), *te = tmc_op_input(c->g, op, 2),
                   *ts = tmc_op_input(c->g, op, 3);
  if (op->attr.slice.ellipsis_mask || op->attr.slice.new_axis_mask || tb->elems != x->rank)
    return fold_unsupported(c->d, op);
  for (int32_t i = 0; i < x->rank; i++) {
    b[i] = tmc_tensor_int(tb, i);
    e[i] = tmc_tensor_int(te, i);
    s[i] = tmc_tensor_int(ts, i);
  }
  tmc_slice sl; /* the IR's check refused a zero stride and gave y this shape */
  (void)tmc_slice_geometry(x->dims, x->rank, b, e, s, &op->attr.slice, &sl);
  int64_t n = prod(sl.count, 0, x->rank);
  if (n == 0) return TMC_OK; /* no element is read: the starts need not be indices */
  int64_t first = 0;
  dense_strides(x, c->es, stride);
  for (int32_t i = 0; i < x->rank; i++) {
    first += sl.start[i] * stride[i];
    stride[i] *= sl.step[i];
  }
  gather_view(c->out[0], x->data + first, x->rank, sl.count, stride, c->es);
  return TMC_OK;
}

/* TRANSPOSE: output dim i is input dim perm[i] (input 1). */
static tmc_status eval_transpose(const fold_ctx *c) {
  const tmc_op *op = c->op;
  const tmc_tensor *x = c->x, *perm = tmc_op_input(c->g, op, 1);
  int64_t in_stride[TMC_MAX_RANK], stride[TMC_MAX_RANK];
  int32_t count[TMC_MAX_RANK];
  dense_strides(x, c->es, in_stride);
  for (int32_t i = 0; i < x->rank; i++) {
    int64_t p = tmc_tensor_int(perm, i);
    count[i] = x->dims[p];
    stride[i] = in_stride[p];
  }
  gather_view(c->out[0], x->data, x->rank, count, stride, c->es);
  return TMC_OK;
}

/* The FOLD column of ops.def, expanded: one evaluator per token. */
#define eval_none NULL
static const evaluator evaluators[TMC_FOLD_COUNT] = {
#define TMC_OP_FOLD_EVALUATOR(t) [TMC_FOLD_##t] = eval_##t,
    TMC_OP_FOLDS(TMC_OP_FOLD_EVALUATOR)
#undef TMC_OP_FOLD_EVALUATOR
};
#undef eval_none

static evaluator evaluator_of(tmc_op_kind k) {
  return evaluators[tmc_op_desc_of(k)->fold];
}

bool tmc_pass_fold_evaluates(tmc_op_kind k) { return evaluator_of(k) != NULL; }

tmc_status tmc_pass_fold_constants(tmc_graph *g, tmc_arena *a, tmc_diag *d) {
  for (int32_t i = 0; i < g->n_ops; i++) {
    tmc_op *op = &g->ops[i];
    if (!can_fold(g, op)) continue;
    TMC_TRY(tmc_ir_recheck(g, op, d)); /* its parameters may be fresh constants */
    evaluator eval = evaluator_of(op->kind);
    if (eval == NULL) return fold_fail(d, op, "cannot be folded");
    uint8_t *out[TMC_MAX_OP_IO];
    for (int k = 0; k < op->n_out; k++) {
      out[k] = tmc_arena_alloc(a, (size_t)tmc_op_output(g, op, k)->bytes);
      if (out[k] == NULL)
        return tmc_fail(d, TMC_ERR_NOMEM, "out of memory folding op %d %s", op->id, op->name);
    }
    const tmc_tensor *y = tmc_op_output(g, op, 0);
    fold_ctx c = {g, op, tmc_op_input(g, op, 0), y, tmc_dtype_size(y->type), out, d};
    TMC_TRY(eval(&c));
    for (int k = 0; k < op->n_out; k++) {
      tmc_tensor *t = &g->tensors[op->out[k]];
      t->data = out[k];
      t->is_const = true;
    }
    op->folded = true;
  }
  /* The ops left to run whose parameters this pass computed. */
  for (int32_t i = 0; i < g->n_ops; i++) TMC_TRY(tmc_ir_recheck(g, &g->ops[i], d));
  return TMC_OK;
}
