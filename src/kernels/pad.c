/* pad.c - int8 PAD / PADV2 for ranks 1..TMC_MAX_DIMS: rows of the innermost
 * dim are copied, everything else is filled with pad_value (the output zero
 * point for PAD, the quantized constant for PADV2), as TFLite's reference. */
#include <string.h>

#include "kernels.h"
#include "kutil.h"

void tmc_pad_s8(const tmc_pad_params *p, const int8_t *x, int8_t *y) {
  int32_t out_dims[TMC_MAX_DIMS], idx[TMC_MAX_DIMS] = {0};
  const int32_t r = p->rank, inner = p->in_dims[r - 1];
  const int8_t v = (int8_t)p->pad_value;
  int32_t d, rows = 1, row;
  for (d = 0; d < r; ++d) {
    out_dims[d] = p->before[d] + p->in_dims[d] + p->after[d];
    if (d < r - 1) rows *= out_dims[d];
  }
  /* Walk output rows (all dims but the last); a row is a copy of an input
   * row framed by padding, or padding only when any outer index is in the
   * padded border. */
  for (row = 0; row < rows; ++row) {
    int inside = 1;
    for (d = 0; d < r - 1; ++d) {
      const int32_t i = idx[d] - p->before[d];
      if (i < 0 || i >= p->in_dims[d]) inside = 0;
    }
    if (inside) {
      int32_t src = 0;
      for (d = 0; d < r - 1; ++d) src = src * p->in_dims[d] + (idx[d] - p->before[d]);
      memset(y, v, (size_t)p->before[r - 1]);
      memcpy(y + p->before[r - 1], x + (size_t)src * inner, (size_t)inner);
      memset(y + p->before[r - 1] + inner, v, (size_t)p->after[r - 1]);
    } else {
      memset(y, v, (size_t)out_dims[r - 1]);
    }
    y += out_dims[r - 1];
    for (d = r - 2; d >= 0; --d) {
      if (++idx[d] < out_dims[d]) break;
      idx[d] = 0;
    }
  }
}
