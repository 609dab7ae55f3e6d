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

/* TFLite reads begin, end and strides as int32. Wider values (INT64 inputs)
 * saturate: on an axis of fewer than 2^31 elements that selects the same
 * elements, and keeps every sum below in range. */
static int64_t sat32(int64_t v) { return clamp64(v, INT32_MIN, INT32_MAX); }

/* One axis of n elements, as TFLite's reference kernel walks it
 * (strided_slice_logic.h: StridedSliceStartForAxis, StridedSliceEndForAxis,
 * then the loop `for (i = start; s > 0 ? i < stop : i > stop; i += s)`). */
static void slice_axis(int64_t n, int64_t begin, int64_t end, int64_t s, bool begin_masked,
                       bool end_masked, bool shrink, bool offset, int32_t *start_out,
                       int32_t *count_out) {
  /* Start: negative indices count from the end; clamp to [0, n] going
   * forward, [-1, n-1] going backward; begin_mask: the first element. */
  int64_t start = begin < 0 ? begin + n : begin;
  start = s > 0 ? clamp64(start, 0, n) : clamp64(start, -1, n - 1);
  if (begin_masked) start = s > 0 ? 0 : n - 1;
  /* Stop: one element for a shrunk axis (none when start is past the end;
   * the masks and end do not apply). Else end (relative to the start with
   * offset), negative from the end, clamped like start but one further;
   * end_mask: past the last element. */
  int64_t stop;
  if (shrink) {
    stop = start >= n ? start : start + 1;
  } else {
    stop = offset ? end + start : end;
    if (stop < 0) stop += n;
    stop = s > 0 ? clamp64(stop, 0, n) : clamp64(stop, -1, n - 1);
    if (end_masked) stop = s > 0 ? n : -1;
  }
  /* Count: the loop's iterations, ceil((stop - start) / s) when positive.
   * A shrunk axis with a negative stride runs none (stop is start + 1). */
  int64_t count = s > 0 ? (stop - start + s - 1) / s : (start - stop - s - 1) / -s;
  *start_out = (int32_t)start;
  *count_out = (int32_t)(count < 0 ? 0 : count);
}

bool tmc_slice_geometry(const int32_t *dims, int32_t rank, const int64_t *begin,
                        const int64_t *end, const int64_t *strides,
                        const tmc_slice_attr *attr, tmc_slice *out) {
  out->rank = rank;
  for (int32_t d = 0; d < rank; d++) {
    int64_t s = sat32(strides[d]);
    if (s == 0) return false;
    uint32_t bit = 1u << d;
    slice_axis(dims[d], sat32(begin[d]), sat32(end[d]), s,
               ((uint32_t)attr->begin_mask & bit) != 0, ((uint32_t)attr->end_mask & bit) != 0,
               ((uint32_t)attr->shrink_axis_mask & bit) != 0, attr->offset, &out->start[d],
               &out->count[d]);
    out->step[d] = (int32_t)s;
  }
  return true;
}

bool tmc_broadcast_shape(const int32_t *a, int32_t rank_a, const int32_t *b, int32_t rank_b,
                         int32_t *out, int32_t *rank) {
  if (rank_a < 0 || rank_b < 0 || rank_a > TMC_MAX_RANK || rank_b > TMC_MAX_RANK) return false;
  int32_t r = rank_a > rank_b ? rank_a : rank_b;
  for (int32_t d = 0; d < r; d++) {
    int32_t ia = d - (r - rank_a), ib = d - (r - rank_b);
    int32_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out[d] = da == 1 ? db : da;
  }
  *rank = r;
  return true;
}

int64_t tmc_tensor_int(const tmc_tensor *t, int64_t i) {
  if (t->data == NULL || i < 0 || i >= t->elems) return 0;
  if (t->type == TMC_I32) return tmc_le_i32(t->data + 4 * i);
  if (t->type == TMC_I64) return tmc_le_i64(t->data + 8 * i);
  return 0;
}
