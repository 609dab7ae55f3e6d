/* kutil.h - small static helpers shared by several kernels (window ranges,
 * broadcast iteration, row-major strides). Header-only, no state. */
#ifndef TMC_KERNELS_KUTIL_H
#define TMC_KERNELS_KUTIL_H

#include <stdint.h>

#include "kernels.h"

/* A kernel body the compiler must inline (specialised per call site, e.g.
 * once with a table known NULL and once known set). */
#if defined(__GNUC__)
#define TMC_INLINE static inline __attribute__((always_inline))
#else
#define TMC_INLINE static inline
#endif

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

/* The taps of one output pixel's window over the NHWC batch xb (in's
 * rows and columns), kh x kw taps dilated dh, dw from the origin (iy0,
 * ix0), rows [ky0, ky1) inside the input (tmc_tap_range): taps[kh * kw]
 * gets channel 0 of each tap's input pixel in raster order, zrow for the
 * taps outside the input. */
static inline void tmc_window_taps(const int8_t *xb, const tmc_dims4 *in, int32_t kh,
                                   int32_t kw, int32_t dh, int32_t dw, int32_t iy0,
                                   int32_t ky0, int32_t ky1, int32_t ix0,
                                   const int8_t *zrow, const int8_t **taps) {
  const size_t c_n = (size_t)in->c;
  int32_t kx0, kx1, ky, kx, t;
  tmc_tap_range(ix0, dw, kw, in->w, &kx0, &kx1);
  if (ky0 == 0 && ky1 == kh && kx0 == 0 && kx1 == kw) {
    const int8_t *row = xb + ((size_t)iy0 * in->w + ix0) * c_n;
    const size_t x_row = (size_t)dh * in->w * c_n, x_col = (size_t)dw * c_n;
    for (ky = 0, t = 0; ky < kh; ++ky) /* no pointer past the last row */
      for (kx = 0; kx < kw; ++kx, ++t) taps[t] = row + (size_t)ky * x_row + (size_t)kx * x_col;
    return;
  }
  for (ky = 0, t = 0; ky < kh; ++ky)
    for (kx = 0; kx < kw; ++kx, ++t)
      taps[t] = ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1
                    ? xb + ((size_t)(iy0 + ky * dh) * in->w + (size_t)(ix0 + kx * dw)) * c_n
                    : zrow;
}

/* Runs STMT for every output pixel of a depthwise-style window over the
 * NHWC input x (p's strides, dilations, top/left padding; filter f) in
 * raster order, with taps[] (const int8_t *[TMC_DW_MAX_TAPS]) holding the
 * pixel's tap pointers (tmc_window_taps; zrow outside the input) and y
 * advanced by out->c after each pixel (the variadic tail). */
#define TMC_DW_EACH_PIXEL(p, in, x, f, out, zrow, taps, y, ...)                                \
  do {                                                                                         \
    int32_t b_, oy_, ox_;                                                                       \
    for (b_ = 0; b_ < (out)->n; ++b_) {                                                          \
      const int8_t *xb_ = (x) + (size_t)b_ * (in)->h * (in)->w * (in)->c;                        \
      for (oy_ = 0; oy_ < (out)->h; ++oy_) {                                                     \
        const int32_t iy0_ = oy_ * (p)->stride_h - (p)->pad_top;                                 \
        int32_t ky0_, ky1_;                                                                      \
        tmc_tap_range(iy0_, (p)->dilation_h, (f)->h, (in)->h, &ky0_, &ky1_);                     \
        for (ox_ = 0; ox_ < (out)->w; ++ox_, (y) += (out)->c) {                                  \
          tmc_window_taps(xb_, (in), (f)->h, (f)->w, (p)->dilation_h, (p)->dilation_w, iy0_,    \
                          ky0_, ky1_, ox_ * (p)->stride_w - (p)->pad_left, (zrow), (taps));      \
          __VA_ARGS__;                                                                           \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  } while (0)

/* Runs STMT for every output pixel of a raster window over the NHWC input
 * in (batch b, output row oy, column ox), with p's strides, dilations and
 * top/left padding: iy0/ix0 is the window's origin in the input and
 * [ky0, ky1) x [kx0, kx1) its taps that land inside it (the statement is
 * the variadic tail). */
#define TMC_WINDOW_EACH(p, in, f, out, ...)                                  \
  do {                                                                        \
    int32_t b, oy, ox;                                                        \
    for (b = 0; b < (out)->n; ++b)                                            \
      for (oy = 0; oy < (out)->h; ++oy) {                                     \
        const int32_t iy0 = oy * (p)->stride_h - (p)->pad_top;               \
        int32_t ky0, ky1;                                                     \
        tmc_tap_range(iy0, (p)->dilation_h, (f)->h, (in)->h, &ky0, &ky1);     \
        for (ox = 0; ox < (out)->w; ++ox) {                                   \
          const int32_t ix0 = ox * (p)->stride_w - (p)->pad_left;            \
          int32_t kx0, kx1;                                                   \
          tmc_tap_range(ix0, (p)->dilation_w, (f)->w, (in)->w, &kx0, &kx1);   \
          __VA_ARGS__;                                                        \
        }                                                                     \
      }                                                                       \
  } while (0)

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

/* Runs STMT for every output element of a broadcast of int8 operands x1
 * and x2 onto y, in row-major order, with u and v (int32_t) the two operand
 * values and out the int8 element to write (the statement is the variadic
 * tail, so it may hold commas). TMC_BCAST_EACH_T: operands and output of
 * element type T (int8_t, int16_t). */
#define TMC_BCAST_EACH(b, x1, x2, y, ...) \
  TMC_BCAST_EACH_T(int8_t, b, x1, x2, y, __VA_ARGS__)
#define TMC_BCAST_EACH_T(T, b, x1, x2, y, ...)                                \
  do {                                                                         \
    const int32_t bc_rows_ = tmc_bcast_rows(b);                               \
    const int32_t bc_n_ = (b)->dims[(b)->rank - 1];                           \
    const int32_t bc_s1_ = (b)->stride1[(b)->rank - 1];                       \
    const int32_t bc_s2_ = (b)->stride2[(b)->rank - 1];                       \
    int32_t bc_idx_[TMC_MAX_DIMS] = {0};                                      \
    int32_t bc_off1_ = 0, bc_off2_ = 0, bc_r_, bc_i_;                         \
    T *bc_y_ = (y);                                                           \
    for (bc_r_ = 0; bc_r_ < bc_rows_; ++bc_r_) {                              \
      const T *bc_a_ = (x1) + bc_off1_, *bc_c_ = (x2) + bc_off2_;             \
      for (bc_i_ = 0; bc_i_ < bc_n_; ++bc_i_) {                               \
        const int32_t u = bc_a_[bc_i_ * bc_s1_], v = bc_c_[bc_i_ * bc_s2_];   \
        T *const out = bc_y_++;                                               \
        __VA_ARGS__;                                                          \
      }                                                                       \
      tmc_bcast_next(b, bc_idx_, &bc_off1_, &bc_off2_);                       \
    }                                                                         \
  } while (0)

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
