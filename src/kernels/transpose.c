/* transpose.c - int8 TRANSPOSE for ranks 1..TMC_MAX_DIMS: output is written
 * in row-major order, reading the input through permuted strides. */
#include "kernels.h"
#include "kutil.h"

void tmc_transpose_s8(const tmc_transpose_params *p, const int8_t *x,
                      int8_t *y) {
  int32_t in_strides[TMC_MAX_DIMS], st[TMC_MAX_DIMS], od[TMC_MAX_DIMS];
  int32_t idx[TMC_MAX_DIMS] = {0};
  const int32_t r = p->rank;
  int32_t d, rows = 1, row, off = 0;
  tmc_strides(r, p->in_dims, in_strides);
  for (d = 0; d < r; ++d) {
    od[d] = p->in_dims[p->perm[d]];
    st[d] = in_strides[p->perm[d]];
    if (d < r - 1) rows *= od[d];
  }
  for (row = 0; row < rows; ++row) {
    const int32_t n = od[r - 1], s = st[r - 1];
    const int8_t *px = x + off;
    int32_t i;
    for (i = 0; i < n; ++i) *y++ = px[i * s];
    for (d = r - 2; d >= 0; --d) {
      if (++idx[d] < od[d]) {
        off += st[d];
        break;
      }
      idx[d] = 0;
      off -= st[d] * (od[d] - 1);
    }
  }
}
