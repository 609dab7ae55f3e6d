/* Lowering of data movement and reductions: MEAN, PAD, PADV2,
 * CONCATENATION, SPLIT, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR, TRANSPOSE,
 * STRIDED_SLICE, DEPTH_TO_SPACE, SPACE_TO_DEPTH.
 *
 * The movers are element-size generic: their kernels move bytes, and an
 * int16 tensor is lowered as bytes. CONCATENATION and SPLIT count their
 * parts in bytes, RESIZE_NEAREST_NEIGHBOR takes channels x element size
 * bytes per pixel, TRANSPOSE and STRIDED_SLICE get one more innermost dim
 * of element size bytes (kept whole), PAD is told the element size. */
#include "base/le.h"
#include "ir/geometry.h"
#include "lower.h"
#include "quant.h"

#define MEAN_RUNS_MIN 16384

tmc_status tmc_lower_mean(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *ax = tmc_op_input(l->g, op, 1);
  const tmc_tensor *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_need_quant(l, op, y, "output 0"));
  TMC_TRY(tmc_lower_same_types(l, op));
  if (ax->elems > TMC_MAX_RANK) return tmc_lower_fail(l, op, "more axes than dims");
  int32_t axes[TMC_MAX_RANK];
  for (int64_t i = 0; i < ax->elems; i++) axes[i] = (int32_t)tmc_tensor_int(ax, i);
  const bool wide = x->type == TMC_I16;
  st->kernel = wide ? TMC_K_MEAN_S16 : TMC_K_MEAN;
  int r = tmc_mean_prepare(x->rank, x->dims, (int32_t)ax->elems, axes, tmc_lower_scale(x),
                           tmc_lower_zp(x), tmc_lower_scale(y), tmc_lower_zp(y),
                           TMC_PARAMS(st, tmc_mean_params));
  if (r == -2)
    return tmc_lower_fail(l, op, "averages %lld values per output, beyond the int32 sum of "
                          "TFLite's int8 kernel (at most %d)", (long long)(x->elems / y->elems),
                          INT32_MAX / 255);
  if (r != 0) return tmc_lower_unsupported(l, op, "MEAN of a %d-dim input", x->rank);
  /* int8 over one run of dims, 4 outputs or more a row: the SXTAB16 sums,
   * for MEAN_RUNS_MIN input elements or more (below, the ~700 B of code
   * would save a few thousand instructions) */
  int32_t on, pn, kn;
  if (!wide && x->elems >= MEAN_RUNS_MIN &&
      tmc_mean_runs_shape(TMC_CPARAMS(st, tmc_mean_params), &on, &pn, &kn))
    st->kernel = TMC_K_MEAN_RUNS;
  /* int16: |sum - zp * n| up to 65536 * n in TFLite's int32 */
  const int64_t n = TMC_CPARAMS(st, tmc_mean_params)->num_elements;
  if (wide && n > INT32_MAX / 65536)
    return tmc_lower_fail(l, op, "averages %lld values per output, beyond the int32 sum of "
                          "TFLite's int16 kernel (at most %d)", (long long)n,
                          INT32_MAX / 65536);
  return TMC_OK;
}

tmc_status tmc_lower_pad(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *pads = tmc_op_input(l->g, op, 1);
  const tmc_tensor *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_same_types(l, op));
  tmc_pad_params *p = TMC_PARAMS(st, tmc_pad_params);
  st->kernel = TMC_K_PAD;
  p->elem_bytes = (int32_t)tmc_dtype_size(x->type);
  p->rank = x->rank;
  for (int32_t i = 0; i < x->rank; i++) {
    p->in_dims[i] = x->dims[i];
    p->before[i] = (int32_t)tmc_tensor_int(pads, 2 * i);
    p->after[i] = (int32_t)tmc_tensor_int(pads, 2 * i + 1);
  }
  p->pad_value = tmc_lower_zp(y);
  if (op->kind == TMC_OP_PADV2) { /* one element of the input's type (the IR's check) */
    const uint8_t *v = tmc_op_input(l->g, op, 2)->data;
    p->pad_value = x->type == TMC_I16 ? tmc_le_i16(v) : (int8_t)v[0];
  }
  return TMC_OK;
}

static int64_t prod(const int32_t *dims, int32_t from, int32_t to) {
  int64_t p = 1;
  for (int32_t d = from; d < to; d++) p *= dims[d];
  return p;
}

/* CONCATENATION (parts = inputs) and SPLIT (parts = outputs) along axis. */
tmc_status tmc_lower_parts(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  bool split = op->kind == TMC_OP_SPLIT;
  const tmc_tensor *whole = split ? tmc_op_input(l->g, op, 1) : tmc_op_output(l->g, op, 0);
  int64_t axis = split ? tmc_tensor_int(tmc_op_input(l->g, op, 0), 0) : op->attr.axis.axis;
  if (axis < 0) axis += whole->rank;
  int n = split ? op->n_out : op->n_in;
  TMC_TRY(tmc_lower_same_types(l, op));
  int32_t *part = tmc_lower_table(l, st, (size_t)n, sizeof *part);
  if (part == NULL) return TMC_ERR_NOMEM;
  int64_t inner = prod(whole->dims, (int32_t)axis + 1, whole->rank) *
                  (int64_t)tmc_dtype_size(whole->type); /* bytes */
  for (int k = 0; k < n; k++) {
    const tmc_tensor *t = split ? tmc_op_output(l->g, op, k) : tmc_op_input(l->g, op, k);
    if (!tmc_lower_same_quant(t, whole))
      return tmc_lower_fail(l, op, "part %d (tensor %d '%s') has another quantization than the "
                  "whole (TFLite requires them equal)", k, t->id, t->name);
    part[k] = (int32_t)(t->dims[axis] * inner);
  }
  st->kernel = split ? TMC_K_SPLIT : TMC_K_CONCATENATION;
  TMC_PARAMS(st, tmc_concat_params)->count = n;
  TMC_PARAMS(st, tmc_concat_params)->outer = (int32_t)prod(whole->dims, 0, (int32_t)axis);
  TMC_PARAMS(st, tmc_concat_params)->part_size = part;
  if (!split && op->attr.axis.act != TMC_FUSED_NONE)
    return tmc_lower_unsupported(l, op, "fused activation on CONCATENATION is not supported");
  return TMC_OK;
}

tmc_status tmc_lower_resize(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  TMC_TRY(tmc_lower_same_types(l, op));
  if (x->rank != 4 || y->rank != 4) return tmc_lower_fail(l, op, "expects 4-D tensors");
  if (op->kind == TMC_OP_RESIZE_BILINEAR && x->type != TMC_I8)
    return tmc_lower_unsupported(l, op, "input 0 (tensor %d '%s') is %s; tmc's bilinear "
                                 "kernel is int8 (TFLM has no int16 one)", x->id, x->name,
                                 tmc_dtype_name(x->type));
  if (op->attr.resize.align_corners && op->attr.resize.half_pixel_centers)
    return tmc_lower_fail(l, op, "align_corners and half_pixel_centers together");
  st->kernel = op->kind == TMC_OP_RESIZE_BILINEAR ? TMC_K_RESIZE_BILINEAR
                                                  : TMC_K_RESIZE_NEAREST;
  st->in_dims = tmc_lower_dims4(x);
  st->out_dims = tmc_lower_dims4(y);
  if (st->kernel == TMC_K_RESIZE_NEAREST) { /* a pixel's bytes move together */
    st->in_dims.c *= (int32_t)tmc_dtype_size(x->type);
    st->out_dims.c *= (int32_t)tmc_dtype_size(y->type);
    int32_t *sy = tmc_lower_table(l, st, (size_t)y->dims[1], sizeof *sy);
    int32_t *sx = tmc_lower_table(l, st, (size_t)y->dims[2], sizeof *sx);
    if (sy == NULL || sx == NULL) return TMC_ERR_NOMEM;
    tmc_resize_nearest_prepare(x->dims[1], y->dims[1], op->attr.resize.align_corners,
                               op->attr.resize.half_pixel_centers, sy);
    tmc_resize_nearest_prepare(x->dims[2], y->dims[2], op->attr.resize.align_corners,
                               op->attr.resize.half_pixel_centers, sx);
    TMC_PARAMS(st, tmc_resize_nearest_params)->src_y = sy;
    TMC_PARAMS(st, tmc_resize_nearest_params)->src_x = sx;
    return TMC_OK;
  }
  TMC_PARAMS(st, tmc_resize_params)->align_corners = op->attr.resize.align_corners;
  TMC_PARAMS(st, tmc_resize_params)->half_pixel_centers = op->attr.resize.half_pixel_centers;
  return TMC_OK;
}

/* An element of eb > 1 bytes as one more innermost dim of eb bytes, which
 * the byte kernel keeps in place; refused when the rank has no room. */
static tmc_status byte_dim(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *x,
                           int32_t *rank) {
  if (tmc_dtype_size(x->type) == 1) return TMC_OK;
  if (*rank + 1 > TMC_MAX_DIMS)
    return tmc_lower_unsupported(l, op, "input 0 (tensor %d '%s'): %d dims of %s; tmc's kernel "
                                 "moves %s elements of up to %d dims", x->id, x->name,
                                 x->rank, tmc_dtype_name(x->type), tmc_dtype_name(x->type),
                                 TMC_MAX_DIMS - 1);
  ++*rank;
  return TMC_OK;
}

tmc_status tmc_lower_transpose(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0);
  const tmc_tensor *perm = tmc_op_input(l->g, op, 1);
  TMC_TRY(tmc_lower_same_types(l, op));
  tmc_transpose_params *p = TMC_PARAMS(st, tmc_transpose_params);
  st->kernel = TMC_K_TRANSPOSE;
  p->rank = x->rank;
  TMC_TRY(byte_dim(l, op, x, &p->rank));
  for (int32_t i = 0; i < x->rank; i++) {
    p->in_dims[i] = x->dims[i];
    p->perm[i] = (int32_t)tmc_tensor_int(perm, i);
  }
  if (p->rank > x->rank) { /* the element's bytes stay innermost */
    p->in_dims[x->rank] = (int32_t)tmc_dtype_size(x->type);
    p->perm[x->rank] = x->rank;
  }
  return TMC_OK;
}

tmc_status tmc_lower_strided_slice(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0);
  int64_t b[TMC_MAX_RANK], e[TMC_MAX_RANK], s[TMC_MAX_RANK];
  for (int32_t i = 0; i < x->rank; i++) {
    b[i] = tmc_tensor_int(tmc_op_input(l->g, op, 1), i);
    e[i] = tmc_tensor_int(tmc_op_input(l->g, op, 2), i);
    s[i] = tmc_tensor_int(tmc_op_input(l->g, op, 3), i);
  }
  st->kernel = TMC_K_STRIDED_SLICE;
  TMC_TRY(tmc_lower_same_types(l, op));
  int32_t rank = x->rank;
  TMC_TRY(byte_dim(l, op, x, &rank));
  /* The IR's check refused zero strides and gave the output the slice's
   * shape; the masks tmc does not apply left the op unsupported. */
  tmc_strided_slice_params *p = TMC_PARAMS(st, tmc_strided_slice_params);
  if (tmc_strided_slice_prepare(x->rank, x->dims, b, e, s, &op->attr.slice, p) != 0)
    return tmc_lower_unsupported(l, op, "STRIDED_SLICE of a scalar");
  if (rank > x->rank) { /* the element's bytes, whole */
    p->rank = rank;
    p->in_dims[x->rank] = p->count[x->rank] = (int32_t)tmc_dtype_size(x->type);
    p->begin[x->rank] = 0;
    p->stride[x->rank] = 1;
  }
  return TMC_OK;
}

tmc_status tmc_lower_space_depth(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  const tmc_tensor *x = tmc_op_input(l->g, op, 0), *y = tmc_op_output(l->g, op, 0);
  TMC_TRY(tmc_lower_need_quant(l, op, x, "input 0"));
  st->kernel = op->kind == TMC_OP_DEPTH_TO_SPACE ? TMC_K_DEPTH_TO_SPACE : TMC_K_SPACE_TO_DEPTH;
  st->in_dims = tmc_lower_dims4(x);
  st->out_dims = tmc_lower_dims4(y);
  TMC_PARAMS(st, tmc_space_depth_params)->block_size = op->attr.space_depth.block_size;
  return TMC_OK;
}
