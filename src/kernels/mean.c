/* mean.c - int8 MEAN over any set of axes, bit-exact with TFLite Micro's
 * reference_ops::QuantizedMeanOrSum (compute_sum = false), which TFLM uses
 * for every int8 MEAN: int32 sum over the reduced dims, minus
 * input_zp * count, times the precomputed multiplier (1/count folded in),
 * plus output zp, clamped. Verified against the op goldens (same and
 * different quantization). No scratch: each output sums its own inputs. */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* One loop for both element types (wide: int16), a constant per caller. */
static inline void mean(const tmc_mean_params *p, const void *input, void *output,
                        int wide) {
  const int8_t *x8 = (const int8_t *)input;
  const int16_t *x16 = (const int16_t *)input;
  int32_t strides[TMC_MAX_DIMS];
  int32_t kd[TMC_MAX_DIMS], ks[TMC_MAX_DIMS]; /* kept dims / strides */
  int32_t rd[TMC_MAX_DIMS], rs[TMC_MAX_DIMS]; /* reduced dims / strides */
  int32_t kidx[TMC_MAX_DIMS] = {0};
  int32_t nk = 0, nr = 0, d, out_n = 1;
  int32_t o, kbase = 0;
  const int32_t zp_sum = p->input_zero_point * p->num_elements;
  tmc_strides(p->rank, p->dims, strides);
  for (d = 0; d < p->rank; ++d) {
    if (p->reduce[d]) {
      rd[nr] = p->dims[d];
      rs[nr++] = strides[d];
    } else {
      kd[nk] = p->dims[d];
      ks[nk++] = strides[d];
      out_n *= p->dims[d];
    }
  }
  for (o = 0; o < out_n; ++o) {
    int32_t ridx[TMC_MAX_DIMS] = {0};
    int32_t sum = 0, roff = 0, out;
    for (;;) {
      /* innermost reduced dim as a tight loop */
      if (nr > 0) {
        const int32_t n = rd[nr - 1], s = rs[nr - 1];
        const int32_t at = kbase + roff;
        int32_t i;
        if (wide)
          for (i = 0; i < n; ++i) sum += x16[at + i * s];
        else
          for (i = 0; i < n; ++i) sum += x8[at + i * s];
      } else {
        sum += wide ? x16[kbase] : x8[kbase];
      }
      for (d = nr - 2; d >= 0; --d) {
        if (++ridx[d] < rd[d]) {
          roff += rs[d];
          break;
        }
        ridx[d] = 0;
        roff -= rs[d] * (rd[d] - 1);
      }
      if (d < 0) break;
    }
    out = tmc_mbqm(sum - zp_sum, p->multiplier, p->shift) +
          p->output_zero_point;
    if (wide)
      ((int16_t *)output)[o] = (int16_t)tmc_clamp_i32(out, -32768, 32767);
    else
      ((int8_t *)output)[o] = tmc_sat_s8(out);
    for (d = nk - 1; d >= 0; --d) {
      if (++kidx[d] < kd[d]) {
        kbase += ks[d];
        break;
      }
      kidx[d] = 0;
      kbase -= ks[d] * (kd[d] - 1);
    }
  }
}

void tmc_mean_s8(const tmc_mean_params *p, const int8_t *x, int8_t *y) {
  mean(p, x, y, 0);
}

void tmc_mean_s16(const tmc_mean_params *p, const int16_t *x, int16_t *y) {
  mean(p, x, y, 1);
}
