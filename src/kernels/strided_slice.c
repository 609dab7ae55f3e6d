/* strided_slice.c - int8 STRIDED_SLICE (and SLICE) for ranks
 * 1..TMC_MAX_DIMS with begin/stride/count normalized at compile time (masks,
 * negative indices and clamping resolved as TFLite's StridedSlice). */
#include "kernels.h"
#include "kutil.h"

void tmc_strided_slice_s8(const tmc_strided_slice_params *p, const int8_t *x,
                          int8_t *y) {
  int32_t strides[TMC_MAX_DIMS], idx[TMC_MAX_DIMS] = {0};
  const int32_t r = p->rank;
  int32_t d, rows = 1, row, off = 0;
  tmc_strides(r, p->in_dims, strides);
  for (d = 0; d < r; ++d) {
    if (p->count[d] <= 0) return;
    off += p->begin[d] * strides[d];
    if (d < r - 1) rows *= p->count[d];
  }
  for (row = 0; row < rows; ++row) {
    const int32_t n = p->count[r - 1], s = p->stride[r - 1];
    const int8_t *px = x + off;
    int32_t i;
    for (i = 0; i < n; ++i) *y++ = px[i * s];
    for (d = r - 2; d >= 0; --d) {
      if (++idx[d] < p->count[d]) {
        off += p->stride[d] * strides[d];
        break;
      }
      idx[d] = 0;
      off -= p->stride[d] * strides[d] * (p->count[d] - 1);
    }
  }
}
