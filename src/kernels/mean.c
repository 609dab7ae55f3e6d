/* mean.c - int8 MEAN over any set of axes, bit-exact with TFLite Micro's
 * reference_ops::QuantizedMeanOrSum (compute_sum = false), which TFLM uses
 * for every int8 MEAN: int32 sum over the reduced dims, minus
 * input_zp * count, times the precomputed multiplier (1/count folded in),
 * plus output zp, clamped. Verified against the op goldens (same and
 * different quantization). No scratch: each output sums its own inputs. */
#include "dsp.h"
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

/* int8 MEAN whose reduced dims are consecutive: the input as [on][pn][kn]
 * (kept, reduced, kept), outputs [on][kn]. Four outputs of a row at a
 * time sum their pixels with SXTAB16 (dsp.h; the same bits everywhere)
 * into int16 halves, widened every 256 pixels (|sum| <= 128 * 256 fits);
 * the last kn % 4 one by one. The int32 sums are the reference's. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int8_t mean_out(const tmc_mean_params *p, int32_t s) {
  return tmc_sat_s8(tmc_mbqm(s, p->multiplier, p->shift) + p->output_zero_point);
}

static void mean_runs(const tmc_mean_params *p, const int8_t *x, int8_t *y, int32_t on,
                      int32_t pn, int32_t kn) {
  const int32_t zp_sum = p->input_zero_point * p->num_elements;
  int32_t o, k, i, j, sum[4];
  for (o = 0; o < on; ++o, x += (size_t)pn * (size_t)kn, y += kn) {
    for (k = 0; k + 4 <= kn; k += 4) {
      const int8_t *px = x + k;
      sum[0] = sum[1] = sum[2] = sum[3] = 0;
      for (i = 0; i < pn; i += 256) {
        const int32_t m = pn - i < 256 ? pn - i : 256;
        uint32_t e = 0, d = 0;
        for (j = 0; j < m; ++j, px += kn) {
          const uint32_t v = tmc_dsp_load(px);
          e = tmc_sxtab16(e, v);
          d = tmc_sxtab16_ror8(d, v);
        }
        sum[0] += tmc_dsp_lo(e);
        sum[2] += tmc_dsp_hi(e);
        sum[1] += tmc_dsp_lo(d);
        sum[3] += tmc_dsp_hi(d);
      }
      for (j = 0; j < 4; ++j) y[k + j] = mean_out(p, sum[j] - zp_sum);
    }
    for (; k < kn; ++k) {
      int32_t t = 0;
      for (i = 0; i < pn; ++i) t += x[(size_t)i * (size_t)kn + (size_t)k];
      y[k] = mean_out(p, t - zp_sum);
    }
  }
}

int tmc_mean_runs_shape(const tmc_mean_params *p, int32_t *on, int32_t *pn, int32_t *kn) {
  int32_t d = 0;
  *on = *pn = *kn = 1;
  while (d < p->rank && !p->reduce[d]) *on *= p->dims[d++];
  while (d < p->rank && p->reduce[d]) *pn *= p->dims[d++];
  while (d < p->rank && !p->reduce[d]) *kn *= p->dims[d++];
  return d == p->rank && *kn >= 4;
}

void tmc_mean_s8_runs(const tmc_mean_params *p, const int8_t *x, int8_t *y) {
  int32_t on, pn, kn;
  (void)tmc_mean_runs_shape(p, &on, &pn, &kn);
  mean_runs(p, x, y, on, pn, kn);
}

void tmc_mean_s8(const tmc_mean_params *p, const int8_t *x, int8_t *y) {
  mean(p, x, y, 0);
}

void tmc_mean_s16(const tmc_mean_params *p, const int16_t *x, int16_t *y) {
  mean(p, x, y, 1);
}
