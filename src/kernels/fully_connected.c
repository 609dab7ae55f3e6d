/* fully_connected.c - int8 FULLY_CONNECTED, bit-exact with TFLite's
 * reference_integer_ops::FullyConnected (per-tensor: acc += (w + w_off) *
 * (x + x_off)) and FullyConnectedPerChannel (per-output multiplier).
 *
 * Fast path (p->rq_bias set, from tmc_fast_rq_prepare): the weights are
 * used as they are (int8, [out_depth][accum_depth]; each is read once per
 * batch row, so re-laying them out at compile time would cost more than it
 * saves). Each input row is widened to int16 x + input_offset in the
 * scratch; 4 outputs at a time are dot products of it with 4 weight rows,
 * over the first multiple of 16 in a loop compilers vectorize (x86:
 * pmaddwd), then the last accum_depth % 16 terms one by one. A filter
 * offset adds filter_offset * sum(x + input_offset) per row (wrapping, like
 * the int32 sum it replaces). */
#include "kernels.h"
#include "requant.h"

size_t tmc_fully_connected_s8_scratch_bytes(int32_t accum_depth) {
  return (size_t)accum_depth * sizeof(int16_t);
}

/* acc[j] = sum over k < n of w[j*stride + k] * x[k], j < 4; n is a multiple
 * of 16 (the mask tells the compiler so). */
static inline void dot4_s8(const int8_t *restrict w, size_t stride,
                           const int16_t *restrict x, size_t n16,
                           int32_t *restrict acc) {
  const int8_t *w0 = w, *w1 = w + stride, *w2 = w1 + stride,
               *w3 = w2 + stride;
  const size_t n = n16 & ~(size_t)15;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t k;
  for (k = 0; k < n; ++k) {
    const int16_t xv = x[k];
    s0 += (int16_t)w0[k] * xv;
    s1 += (int16_t)w1[k] * xv;
    s2 += (int16_t)w2[k] * xv;
    s3 += (int16_t)w3[k] * xv;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

static inline int32_t dot1_s8(const int8_t *restrict w,
                              const int16_t *restrict x, size_t n16) {
  const size_t n = n16 & ~(size_t)15;
  int32_t s = 0;
  size_t k;
  for (k = 0; k < n; ++k) s += (int16_t)w[k] * x[k];
  return s;
}

static void fc_fast(const tmc_fully_connected_params *p, int32_t batches,
                    int32_t depth, const int8_t *x, int32_t out_depth,
                    const int8_t *w, int8_t *y, int16_t *xs) {
  const size_t kd = (size_t)depth, kv = kd & ~(size_t)15;
  const int32_t out_off = p->output_offset, lo = p->act_min - out_off,
                hi = p->act_max - out_off;
  const int32_t *rb = p->rq_bias, *rm = p->rq_mult;
  const int8_t *rs = p->rq_shift;
  const int32_t pc = p->per_channel ? 1 : 0;
  int32_t b, o;
  size_t k;
  for (b = 0; b < batches; ++b, y += out_depth) {
    uint32_t corr = 0;
    tmc_widen_s8(xs, x + (size_t)b * kd, depth, p->input_offset);
    if (p->filter_offset != 0) {
      uint32_t sx = 0;
      for (k = 0; k < kd; ++k) sx += (uint32_t)xs[k];
      corr = sx * (uint32_t)p->filter_offset;
    }
    for (o = 0; o + 4 <= out_depth; o += 4) {
      const int8_t *wo = w + (size_t)o * kd;
      int32_t acc[4], j;
      dot4_s8(wo, kd, xs, kv, acc);
      for (k = kv; k < kd; ++k) {
        const int32_t xv = xs[k];
        acc[0] += wo[k] * xv;
        acc[1] += wo[kd + k] * xv;
        acc[2] += wo[2 * kd + k] * xv;
        acc[3] += wo[3 * kd + k] * xv;
      }
      for (j = 0; j < 4; ++j) {
        const size_t oj = (size_t)(o + j);
        const tmc_rq_ch c = tmc_rq_ch_of(rm[oj * pc], tmc_rq_shift(rb, rs, oj, oj * pc));
        y[o + j] = tmc_rq_s8(
            &c, (int32_t)((uint32_t)acc[j] + corr + (uint32_t)tmc_rq_bias(rb, rs, oj)), out_off,
            lo, hi);
      }
    }
    for (; o < out_depth; ++o) {
      const int8_t *wo = w + (size_t)o * kd;
      int32_t acc = dot1_s8(wo, xs, kv);
      for (k = kv; k < kd; ++k) acc += wo[k] * xs[k];
      const tmc_rq_ch c =
          tmc_rq_ch_of(rm[o * pc], tmc_rq_shift(rb, rs, (size_t)o, (size_t)(o * pc)));
      y[o] = tmc_rq_s8(&c, (int32_t)((uint32_t)acc + corr + (uint32_t)tmc_rq_bias(rb, rs, (size_t)o)),
                       out_off, lo, hi);
    }
  }
}

/* The fast path's arithmetic without scratch (kernels.h): the int8 input
 * row is read in place, x + input_offset formed once per four outputs
 * (the widening the fast path stores, recomputed per group instead). Row
 * b is read while its outputs are written (the planner's overlap rule). */
void tmc_fully_connected_s8_direct(const tmc_fully_connected_params *p, int32_t batches,
                                   int32_t accum_depth, const int8_t *x, int32_t out_depth,
                                   const int8_t *w, const int32_t *bias, int8_t *y) {
  const size_t kd = (size_t)accum_depth;
  const int32_t off = p->input_offset, out_off = p->output_offset,
                lo = p->act_min - out_off, hi = p->act_max - out_off;
  const int32_t *rb = p->rq_bias, *rm = p->rq_mult;
  const int8_t *rs = p->rq_shift;
  const int32_t pc = p->per_channel ? 1 : 0;
  int32_t b, o, j;
  size_t k;
  (void)bias;
  for (b = 0; b < batches; ++b, y += out_depth) {
    const int8_t *xr = x + (size_t)b * kd;
    uint32_t corr = 0;
    if (p->filter_offset != 0) {
      uint32_t sx = 0;
      for (k = 0; k < kd; ++k) sx += (uint32_t)(xr[k] + off);
      corr = sx * (uint32_t)p->filter_offset;
    }
    for (o = 0; o < out_depth; o += 4) {
      const int32_t n = out_depth - o < 4 ? out_depth - o : 4;
      const int8_t *w0 = w + (size_t)o * kd;
      int32_t acc[4] = {0, 0, 0, 0};
      if (n == 4) {
        const int8_t *w1 = w0 + kd, *w2 = w1 + kd, *w3 = w2 + kd;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (k = 0; k < kd; ++k) {
          const int32_t xv = xr[k] + off;
          s0 += w0[k] * xv;
          s1 += w1[k] * xv;
          s2 += w2[k] * xv;
          s3 += w3[k] * xv;
        }
        acc[0] = s0;
        acc[1] = s1;
        acc[2] = s2;
        acc[3] = s3;
      } else {
        for (j = 0; j < n; ++j)
          for (k = 0; k < kd; ++k) acc[j] += w0[(size_t)j * kd + k] * (xr[k] + off);
      }
      for (j = 0; j < n; ++j) {
        const size_t oj = (size_t)(o + j);
        const tmc_rq_ch c = tmc_rq_ch_of(rm[oj * pc], tmc_rq_shift(rb, rs, oj, oj * pc));
        y[o + j] = tmc_rq_s8(
            &c, (int32_t)((uint32_t)acc[j] + corr + (uint32_t)tmc_rq_bias(rb, rs, oj)), out_off,
            lo, hi);
      }
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
  if (p->rq_bias != NULL) {
    fc_fast(p, batches, accum_depth, x, out_depth, w, y, (int16_t *)scratch);
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
      if (bias) acc = tmc_wrap_add(acc, bias[o]); /* TFLite's int32 add, wrapping */
      acc = tmc_mbqm(acc, p->multiplier[ch], p->shift[ch]) + p->output_offset;
      *y++ = (int8_t)tmc_clamp_i32(acc, p->act_min, p->act_max);
    }
  }
}
