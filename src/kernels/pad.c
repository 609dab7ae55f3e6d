/* pad.c - PAD / PADV2 of int8 or int16 elements (elem_bytes 1 or 2) for
 * ranks 1..TMC_MAX_DIMS: rows of the innermost dim are copied, everything
 * else is filled with pad_value (the output zero point for PAD, the
 * quantized constant for PADV2), as TFLite's reference. */
#include <string.h>

#include "kernels.h"
#include "kutil.h"

/* n elements of value v at y. */
static void fill(unsigned char *y, int32_t n, int32_t v, int32_t elem_bytes) {
  int32_t i;
  if (elem_bytes == 1) {
    memset(y, (unsigned char)(int8_t)v, (size_t)n);
    return;
  }
  for (i = 0; i < n; ++i) {
    const int16_t e = (int16_t)v;
    memcpy(y + (size_t)i * 2, &e, 2);
  }
}

void tmc_pad(const tmc_pad_params *p, const void *input, void *output) {
  int32_t out_dims[TMC_MAX_DIMS], idx[TMC_MAX_DIMS] = {0};
  const int32_t r = p->rank, inner = p->in_dims[r - 1], v = p->pad_value;
  const size_t eb = (size_t)p->elem_bytes;
  const unsigned char *x = (const unsigned char *)input;
  unsigned char *y = (unsigned char *)output;
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
      fill(y, p->before[r - 1], v, p->elem_bytes);
      memcpy(y + p->before[r - 1] * eb, x + (size_t)src * inner * eb, (size_t)inner * eb);
      fill(y + (p->before[r - 1] + inner) * eb, p->after[r - 1], v, p->elem_bytes);
    } else {
      fill(y, out_dims[r - 1], v, p->elem_bytes);
    }
    y += (size_t)out_dims[r - 1] * eb;
    for (d = r - 2; d >= 0; --d) {
      if (++idx[d] < out_dims[d]) break;
      idx[d] = 0;
    }
  }
}
