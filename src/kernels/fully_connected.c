/* fully_connected.c - int8 FULLY_CONNECTED, bit-exact with TFLite's
 * reference_integer_ops::FullyConnected (per-tensor: acc += (w + w_off) *
 * (x + x_off)) and FullyConnectedPerChannel (per-output multiplier). */
#include "kernels.h"
#include "requant.h"

size_t tmc_fully_connected_s8_scratch_bytes(int32_t accum_depth) {
  return (size_t)((accum_depth + 7) & ~7) * sizeof(int16_t);
}

static inline int8_t requant_packed(const tmc_requant_ch *rq, int32_t acc,
                                    int32_t out_off, int32_t lo, int32_t hi) {
  return (int8_t)tmc_clamp_i32(tmc_requant_apply(rq, acc) + out_off, lo, hi);
}

static void fc_packed(const tmc_fully_connected_params *p, int32_t batches,
                      int32_t accum_depth, const int8_t *x, int32_t out_depth,
                      int8_t *y, int16_t *xs) {
  const int32_t kd = (accum_depth + 7) & ~7;
  const int32_t out_off = p->output_offset, lo = p->act_min,
                hi = p->act_max;
  const tmc_requant_ch *rq = p->requant;
  int32_t b, o;
  for (b = 0; b < batches; ++b, y += out_depth) {
    const int16_t *w = p->packed_filter;
    tmc_widen_s8(xs, x + (size_t)b * accum_depth, accum_depth,
                 p->input_offset);
    tmc_zero_s16(xs + accum_depth, kd - accum_depth);
    for (o = 0; o + 4 <= out_depth; o += 4, w += 4 * (size_t)kd) {
      int32_t acc[4];
      tmc_dot4_s16(w, (size_t)kd, xs, (size_t)kd, acc);
      y[o] = requant_packed(&rq[o], acc[0], out_off, lo, hi);
      y[o + 1] = requant_packed(&rq[o + 1], acc[1], out_off, lo, hi);
      y[o + 2] = requant_packed(&rq[o + 2], acc[2], out_off, lo, hi);
      y[o + 3] = requant_packed(&rq[o + 3], acc[3], out_off, lo, hi);
    }
    if (o < out_depth) { /* last 1..3 outputs: rows padded to 4 */
      int32_t acc[4], j;
      tmc_dot4_s16(w, (size_t)kd, xs, (size_t)kd, acc);
      for (j = 0; o + j < out_depth; ++j)
        y[o + j] = requant_packed(&rq[o + j], acc[j], out_off, lo, hi);
    }
  }
}

void tmc_fully_connected_s8(const tmc_fully_connected_params *p,
                            int32_t batches, int32_t accum_depth,
                            const int8_t *x, int32_t out_depth,
                            const int8_t *w, const int32_t *bias, int8_t *y,
                            void *scratch) {
  const int32_t xo = p->input_offset, wo = p->filter_offset;
  int32_t b, o, d;
  if (p->packed_filter != NULL) {
    fc_packed(p, batches, accum_depth, x, out_depth, y, (int16_t *)scratch);
    return;
  }
  for (b = 0; b < batches; ++b) {
    const int8_t *px = x + (size_t)b * accum_depth;
    for (o = 0; o < out_depth; ++o) {
      const int8_t *pw = w + (size_t)o * accum_depth;
      const int32_t ch = p->per_channel ? o : 0;
      int32_t acc = 0;
      if (wo == 0) {
        for (d = 0; d < accum_depth; ++d) acc += pw[d] * (px[d] + xo);
      } else {
        for (d = 0; d < accum_depth; ++d)
          acc += (pw[d] + wo) * (px[d] + xo);
      }
      if (bias) acc += bias[o];
      acc = tmc_mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->output_offset;
      *y++ = (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
    }
  }
}
