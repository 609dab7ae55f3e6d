/* pooling.c - int8 and int16 AVERAGE_POOL_2D and MAX_POOL_2D, bit-exact
 * with TFLite's reference_integer_ops::AveragePool / MaxPool (both element
 * types): windows are clipped to the input (padding is never counted), the
 * average rounds half away from zero with C integer division, then the
 * activation clamp. One loop serves both types (wide: int16), which the
 * callers pass as a constant. */
#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

static inline void pool(const tmc_pool_params *p, const tmc_dims4 *in,
                        const void *x, const tmc_dims4 *out, void *y,
                        int is_max, int wide) {
  const int32_t c_n = in->c;
  const int8_t *x8 = (const int8_t *)x;
  const int16_t *x16 = (const int16_t *)x;
  size_t o = 0;
  int32_t b, oy, ox, c;
  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, 1, p->filter_h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, 1, p->filter_w, in->w, &kx0, &kx1);
        for (c = 0; c < c_n; ++c) {
          int32_t acc = is_max ? (wide ? -32768 : -128) : 0, ky, kx, v;
          const int32_t count = (ky1 - ky0) * (kx1 - kx0);
          for (ky = ky0; ky < ky1; ++ky) {
            const size_t row =
                (((size_t)b * in->h + (size_t)(iy0 + ky)) * in->w +
                 (size_t)(ix0 + kx0)) * c_n + c;
            for (kx = 0; kx < kx1 - kx0; ++kx) {
              v = wide ? x16[row + (size_t)kx * c_n] : x8[row + (size_t)kx * c_n];
              if (is_max) {
                if (v > acc) acc = v;
              } else {
                acc += v;
              }
            }
          }
          if (!is_max) {
            if (count == 0) {
              acc = 0;
            } else {
              acc = acc > 0 ? (acc + count / 2) / count
                            : (acc - count / 2) / count;
            }
          }
          acc = tmc_clamp_i32(acc, p->act_min, p->act_max);
          if (wide)
            ((int16_t *)y)[o++] = (int16_t)acc;
          else
            ((int8_t *)y)[o++] = (int8_t)acc;
        }
      }
    }
  }
}

/* AVERAGE_POOL_2D int8 on the DSP targets (kernels.h): 4 channels a word,
 * their window sums in int16 halves, bytes 0 and 2 by one SXTAB16, 1 and 3
 * by another (exact: at most 256 taps of |x| <= 128, the lowering's
 * condition), then each channel's sum rounded and divided as pool() does.
 * Channel block by block, each written after its window is read (the
 * overlap rule of pool()'s channel order holds). */
static inline int8_t avg_round(int32_t acc, int32_t count, int32_t lo, int32_t hi) {
  acc = count == 0 ? 0 : acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  return (int8_t)tmc_clamp_i32(acc, lo, hi);
}

void tmc_avg_pool_s8_dsp(const tmc_pool_params *p, const tmc_dims4 *in, const int8_t *x,
                         const tmc_dims4 *out, int8_t *y) {
  const int32_t c_n = in->c;
  const size_t row_step = (size_t)in->w * (size_t)c_n;
  int32_t b, oy, ox, c, ky, kx;
  for (b = 0; b < out->n; ++b) {
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tmc_tap_range(iy0, 1, p->filter_h, in->h, &ky0, &ky1);
      for (ox = 0; ox < out->w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, 1, p->filter_w, in->w, &kx0, &kx1);
        const int32_t count = (ky1 - ky0) * (kx1 - kx0), nx = kx1 - kx0;
        const int8_t *const x0 =
            x + (((size_t)b * in->h + (size_t)(iy0 + ky0)) * in->w + (size_t)(ix0 + kx0)) *
                    (size_t)c_n;
        for (c = 0; c < c_n; c += 4, y += 4) {
          uint32_t e = 0, o = 0; /* channels c, c + 2 and c + 1, c + 3 */
          const int8_t *r = x0 + c;
          for (ky = ky0; ky < ky1; ++ky, r += row_step) {
            const int8_t *q = r;
            for (kx = 0; kx < nx; ++kx, q += c_n) {
              const uint32_t v = tmc_dsp_load(q);
              e = tmc_sxtab16(e, v);
              o = tmc_sxtab16_ror8(o, v);
            }
          }
          y[0] = avg_round((int16_t)(e & 0xffffu), count, p->act_min, p->act_max);
          y[1] = avg_round((int16_t)(o & 0xffffu), count, p->act_min, p->act_max);
          y[2] = avg_round((int16_t)(e >> 16), count, p->act_min, p->act_max);
          y[3] = avg_round((int16_t)(o >> 16), count, p->act_min, p->act_max);
        }
      }
    }
  }
}

void tmc_avg_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data) {
  pool(p, input, input_data, output, output_data, 0, 0);
}

void tmc_max_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data) {
  pool(p, input, input_data, output, output_data, 1, 0);
}

void tmc_avg_pool_s16(const tmc_pool_params *p, const tmc_dims4 *input,
                      const int16_t *input_data, const tmc_dims4 *output,
                      int16_t *output_data) {
  pool(p, input, input_data, output, output_data, 0, 1);
}

void tmc_max_pool_s16(const tmc_pool_params *p, const tmc_dims4 *input,
                      const int16_t *input_data, const tmc_dims4 *output,
                      int16_t *output_data) {
  pool(p, input, input_data, output, output_data, 1, 1);
}
