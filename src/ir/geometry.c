/* Shape arithmetic (see geometry.h). */
#include "geometry.h"

#include "base/le.h"

tmc_window tmc_window_geometry(int64_t in, int32_t k, int32_t stride, int32_t dilation,
                               tmc_padding padding) {
  tmc_window w;
  int64_t eff = (int64_t)(k - 1) * dilation + 1;
  if (padding == TMC_PAD_SAME)
    w.out = (in + stride - 1) / stride;
  else
    w.out = in >= eff ? (in - eff + stride) / stride : 0;
  int64_t total = (w.out - 1) * stride + eff - in;
  if (total < 0 || w.out == 0) total = 0;
  w.before = (int32_t)(total / 2);
  w.after = (int32_t)(total - total / 2);
  return w;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

bool tmc_slice_geometry(const int32_t *dims, int32_t rank, const int64_t *begin,
                        const int64_t *end, const int64_t *strides,
                        const tmc_slice_attr *attr, tmc_slice *out) {
  out->rank = rank;
  for (int32_t d = 0; d < rank; d++) {
    int64_t n = dims[d], s = strides[d];
    if (s == 0) return false;
    /* Start. */
    int64_t start = begin[d];
    if (start < 0) start += n;
    start = s > 0 ? clamp64(start, 0, n) : clamp64(start, -1, n - 1);
    if (attr->begin_mask & (1 << d)) start = s > 0 ? 0 : n - 1;
    /* End. */
    int64_t stop;
    if (attr->shrink_axis_mask & (1 << d)) {
      stop = start >= n ? start : start + 1;
    } else {
      stop = end[d];
      if (attr->offset) stop += start;
      if (stop < 0) stop += n;
      stop = s > 0 ? clamp64(stop, 0, n) : clamp64(stop, -1, n - 1);
      if (attr->end_mask & (1 << d)) stop = s > 0 ? n : -1;
    }
    int64_t count = s > 0 ? (stop - start + s - 1) / s : (start - stop + (-s) - 1) / (-s);
    if (count < 0) count = 0;
    out->start[d] = (int32_t)start;
    out->step[d] = (int32_t)s;
    out->count[d] = (int32_t)count;
  }
  return true;
}

int64_t tmc_tensor_int(const tmc_tensor *t, int64_t i) {
  if (t->data == NULL || i < 0 || i >= t->elems) return 0;
  if (t->type == TMC_I32) return tmc_le_i32(t->data + 4 * i);
  if (t->type == TMC_I64) return tmc_le_i64(t->data + 8 * i);
  return 0;
}
