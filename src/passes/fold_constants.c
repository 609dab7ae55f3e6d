/* Constant folding: operators whose inputs are all constants and which only
 * move or compute integers are evaluated here, at compile time, on raw bytes
 * (any element type). Steps, per op in execution order:
 * 1. skip unless its kind is foldable, every input is constant (SHAPE needs
 *    only the static input shape) and no output is a graph output;
 * 2. compute each output's bytes into the arena;
 * 3. mark outputs constant and the op folded. */
#include <string.h>

#include "base/le.h"
#include "ir/geometry.h"
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

static bool foldable_kind(tmc_op_kind k) {
  switch (k) {
    case TMC_OP_SHAPE: case TMC_OP_RESHAPE: case TMC_OP_SQUEEZE: case TMC_OP_CONCATENATION:
    case TMC_OP_PACK: case TMC_OP_UNPACK: case TMC_OP_GATHER: case TMC_OP_STRIDED_SLICE:
    case TMC_OP_TRANSPOSE:
      return true;
    default:
      return false;
  }
}

static bool can_fold(const tmc_graph *g, const tmc_op *op) {
  if (op->folded || !foldable_kind(op->kind) || op->n_out < 1) return false;
  for (int k = 0; k < op->n_out; k++) {
    const tmc_tensor *t = tmc_op_output(g, op, k);
    if (t->is_output || tmc_dtype_size(t->type) == 0) return false;
  }
  if (op->kind == TMC_OP_SHAPE) return true;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(g, op, k);
    if (t == NULL || !t->is_const || tmc_dtype_size(t->type) == 0) return false;
  }
  return true;
}

static tmc_status fold_fail(tmc_diag *d, const tmc_op *op, const char *what) {
  return tmc_fail(d, TMC_ERR_MODEL, "op %d %s: %s", op->id, op->name, what);
}

static int32_t norm_axis(int64_t axis, int32_t rank) {
  return (int32_t)(axis < 0 ? axis + rank : axis);
}

/* Computes the outputs of op into out[k] (each sized as its tensor). */
static tmc_status evaluate(const tmc_graph *g, const tmc_op *op, uint8_t **out,
                           tmc_diag *d) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  size_t es = tmc_dtype_size(y->type);
  switch (op->kind) {
    case TMC_OP_SHAPE:
      if (y->elems != x->rank) return fold_fail(d, op, "output size is not the input rank");
      for (int32_t i = 0; i < x->rank; i++) {
        if (y->type == TMC_I64)
          tmc_le_put_u64(out[0] + 8 * i, (uint64_t)(int64_t)x->dims[i]);
        else if (y->type == TMC_I32)
          tmc_le_put_u32(out[0] + 4 * i, (uint32_t)x->dims[i]);
        else
          return fold_fail(d, op, "output type is neither INT32 nor INT64");
      }
      return TMC_OK;
    case TMC_OP_RESHAPE:
    case TMC_OP_SQUEEZE:
      if (x->bytes != y->bytes) return fold_fail(d, op, "input and output sizes differ");
      memcpy(out[0], x->data, (size_t)x->bytes);
      return TMC_OK;
    case TMC_OP_CONCATENATION:
    case TMC_OP_PACK: {
      /* Output = for each outer index, each input's inner block in turn. */
      int32_t rank = op->kind == TMC_OP_PACK ? x->rank + 1 : x->rank;
      int32_t axis = norm_axis(op->attr.axis.axis, rank);
      if (axis < 0 || axis >= rank) return fold_fail(d, op, "axis out of range");
      int64_t outer = prod(x->dims, 0, axis);
      uint8_t *o = out[0];
      for (int64_t i = 0; i < outer; i++)
        for (int k = 0; k < op->n_in; k++) {
          const tmc_tensor *t = tmc_op_input(g, op, k);
          if (t->type != y->type) return fold_fail(d, op, "inputs differ in type");
          int64_t inner = (t->elems / (outer ? outer : 1)) * (int64_t)es;
          if (o + inner > out[0] + y->bytes) return fold_fail(d, op, "inputs exceed the output");
          memcpy(o, t->data + i * inner, (size_t)inner);
          o += inner;
        }
      if (o != out[0] + y->bytes) return fold_fail(d, op, "inputs do not fill the output");
      return TMC_OK;
    }
    case TMC_OP_UNPACK: {
      int32_t axis = norm_axis(op->attr.axis.axis, x->rank);
      if (axis < 0 || axis >= x->rank || x->dims[axis] != op->n_out)
        return fold_fail(d, op, "axis does not match the number of outputs");
      int64_t outer = prod(x->dims, 0, axis);
      int64_t inner = prod(x->dims, axis + 1, x->rank) * (int64_t)es;
      for (int64_t i = 0; i < outer; i++)
        for (int k = 0; k < op->n_out; k++)
          memcpy(out[k] + i * inner, x->data + (i * op->n_out + k) * inner, (size_t)inner);
      return TMC_OK;
    }
    case TMC_OP_GATHER: {
      const tmc_tensor *idx = tmc_op_input(g, op, 1);
      int32_t axis = norm_axis(op->attr.gather.axis, x->rank);
      if (op->attr.gather.batch_dims != 0 || axis < 0 || axis >= x->rank)
        return fold_fail(d, op, "GATHER with batch_dims or an axis out of range");
      int64_t outer = prod(x->dims, 0, axis);
      int64_t inner = prod(x->dims, axis + 1, x->rank) * (int64_t)es;
      uint8_t *o = out[0];
      if (outer * idx->elems * inner != y->bytes)
        return fold_fail(d, op, "output size does not match the gathered elements");
      for (int64_t i = 0; i < outer; i++)
        for (int64_t j = 0; j < idx->elems; j++) {
          int64_t v = tmc_tensor_int(idx, j);
          if (v < 0 || v >= x->dims[axis]) return fold_fail(d, op, "index out of range");
          memcpy(o, x->data + (i * x->dims[axis] + v) * inner, (size_t)inner);
          o += inner;
        }
      return TMC_OK;
    }
    case TMC_OP_STRIDED_SLICE: {
      int64_t b[TMC_MAX_RANK], e[TMC_MAX_RANK], s[TMC_MAX_RANK], stride[TMC_MAX_RANK];
      const tmc_tensor *tb = tmc_op_input(g, op, 1), *te = tmc_op_input(g, op, 2),
                       *ts = tmc_op_input(g, op, 3);
      if (tb->elems != x->rank || te->elems != x->rank || ts->elems != x->rank)
        return fold_fail(d, op, "begin, end and strides must have one value per input dim");
      for (int32_t i = 0; i < x->rank; i++) {
        b[i] = tmc_tensor_int(tb, i);
        e[i] = tmc_tensor_int(te, i);
        s[i] = tmc_tensor_int(ts, i);
      }
      tmc_slice sl;
      if (!tmc_slice_geometry(x->dims, x->rank, b, e, s, &op->attr.slice, &sl))
        return fold_fail(d, op, "a stride is 0");
      int64_t n = 1;
      dense_strides(x, es, stride);
      const uint8_t *src = x->data;
      for (int32_t i = 0; i < x->rank; i++) {
        n *= sl.count[i];
        src += sl.start[i] * stride[i];
        stride[i] *= sl.step[i];
      }
      if (n * (int64_t)es != y->bytes) return fold_fail(d, op, "output size does not match the slice");
      if (n) gather_view(out[0], src, x->rank, sl.count, stride, es);
      return TMC_OK;
    }
    case TMC_OP_TRANSPOSE: {
      const tmc_tensor *perm = tmc_op_input(g, op, 1);
      int64_t in_stride[TMC_MAX_RANK], stride[TMC_MAX_RANK];
      int32_t count[TMC_MAX_RANK];
      if (perm->elems != x->rank || x->bytes != y->bytes)
        return fold_fail(d, op, "perm does not match the input rank");
      dense_strides(x, es, in_stride);
      for (int32_t i = 0; i < x->rank; i++) {
        int64_t p = tmc_tensor_int(perm, i);
        if (p < 0 || p >= x->rank) return fold_fail(d, op, "perm entry out of range");
        count[i] = x->dims[p];
        stride[i] = in_stride[p];
      }
      gather_view(out[0], x->data, x->rank, count, stride, es);
      return TMC_OK;
    }
    default:
      return fold_fail(d, op, "cannot be folded");
  }
}

tmc_status tmc_pass_fold_constants(tmc_graph *g, tmc_arena *a, tmc_diag *d) {
  for (int32_t i = 0; i < g->n_ops; i++) {
    tmc_op *op = &g->ops[i];
    if (!can_fold(g, op)) continue;
    uint8_t *out[TMC_MAX_OP_IO];
    for (int k = 0; k < op->n_out; k++) {
      out[k] = tmc_arena_alloc(a, (size_t)tmc_op_output(g, op, k)->bytes);
      if (out[k] == NULL)
        return tmc_fail(d, TMC_ERR_NOMEM, "out of memory folding op %d %s", op->id, op->name);
    }
    TMC_TRY(evaluate(g, op, out, d));
    for (int k = 0; k < op->n_out; k++) {
      tmc_tensor *t = &g->tensors[op->out[k]];
      t->data = out[k];
      t->is_const = true;
    }
    op->folded = true;
  }
  return TMC_OK;
}
