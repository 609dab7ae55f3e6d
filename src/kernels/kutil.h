/* kutil.h - small static helpers shared by several kernels (window ranges,
 * broadcast iteration, row-major strides). Header-only, no state. */
#ifndef TMC_KERNELS_KUTIL_H
#define TMC_KERNELS_KUTIL_H

#include <stdint.h>

#include "kernels.h"

/* Taps k in [*k0, *k1) of a window with n taps spaced step apart, starting at
 * origin, that land inside [0, size). */
static inline void tmc_tap_range(int32_t origin, int32_t step, int32_t n,
                                 int32_t size, int32_t *k0, int32_t *k1) {
  int32_t lo = 0, hi = 0;
  if (origin < 0) lo = (-origin + step - 1) / step;
  if (size - origin > 0) hi = (size - origin + step - 1) / step;
  if (hi > n) hi = n;
  if (lo > n) lo = n;
  if (hi < lo) hi = lo;
  *k0 = lo;
  *k1 = hi;
}

/* Broadcast iteration: the innermost output dim is walked by the caller;
 * this advances the odometer over the outer dims and keeps both operand
 * offsets. idx has TMC_MAX_DIMS entries, zeroed before the first call. */
static inline void tmc_bcast_next(const tmc_broadcast *b, int32_t *idx,
                                  int32_t *off1, int32_t *off2) {
  int32_t d;
  for (d = b->rank - 2; d >= 0; --d) {
    if (++idx[d] < b->dims[d]) {
      *off1 += b->stride1[d];
      *off2 += b->stride2[d];
      return;
    }
    idx[d] = 0;
    *off1 -= b->stride1[d] * (b->dims[d] - 1);
    *off2 -= b->stride2[d] * (b->dims[d] - 1);
  }
}

/* Number of inner rows of a broadcast (product of all but the last dim). */
static inline int32_t tmc_bcast_rows(const tmc_broadcast *b) {
  int32_t d, rows = 1;
  for (d = 0; d + 1 < b->rank; ++d) rows *= b->dims[d];
  return rows;
}

/* Row-major element strides of a shape. */
static inline void tmc_strides(int32_t rank, const int32_t *dims,
                               int32_t *strides) {
  int32_t d, s = 1;
  for (d = rank - 1; d >= 0; --d) {
    strides[d] = s;
    s *= dims[d];
  }
}

#endif /* TMC_KERNELS_KUTIL_H */
