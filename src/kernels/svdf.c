/* svdf.c - integer SVDF (int8 input and output, int16 or int8 state),
 * bit-exact with TFLM's reference EvalIntegerSvdfReference. Steps per
 * invoke (see seq.h):
 * 1. the state [batch][filters][memory] moves one element to the front;
 * 2. each filter's feature product with the input, requantized (+ state zero
 *    point, clamped to the state type), becomes its newest element;
 * 3. each filter's memory dotted with its weights_time row (int32);
 * 4. rank consecutive filters summed per unit, with the bias;
 * 5. requantized to int8 (+ output zero point, clamped).
 * Steps 3-5 run unit by unit, each time product added to the unit's sum as
 * it is formed (TFLM keeps them in an int32 scratch row first; modulo 2^32
 * the sums are the same), so the kernel needs no scratch.
 * The sums of steps 2-4 are int32 and wrap as TFLM's do (each product
 * fits; the sums are reduced modulo 2^32, tmc_wrap_add), so models whose
 * weights reach past int32, such as scrambled test models, give TFLM's
 * bytes too. */
#include "kernels.h"
#include "requant.h"

static inline int32_t state_at(const void *s, int wide, size_t i) {
  return wide ? ((const int16_t *)s)[i] : ((const int8_t *)s)[i];
}

void tmc_svdf_s8(const tmc_svdf_params *p, const int8_t *input, void *state,
                 int8_t *output) {
  const int wide = p->state_bits == 16;
  const int32_t nb = p->batch, ni = p->input_size, nf = p->filters, nm = p->memory;
  const int32_t nu = nf / p->rank;
  const int32_t lo = wide ? -32768 : -128, hi = wide ? 32767 : 127;
  const size_t n = (size_t)nb * (size_t)nf * (size_t)nm;
  int32_t b, f, i, u;
  size_t k;
  /* 1. */
  if (wide) {
    int16_t *s = (int16_t *)state;
    for (k = 0; k + 1 < n; ++k) s[k] = s[k + 1];
  } else {
    int8_t *s = (int8_t *)state;
    for (k = 0; k + 1 < n; ++k) s[k] = s[k + 1];
  }
  /* 2. */
  for (b = 0; b < nb; ++b) {
    const int8_t *x = input + (size_t)b * (size_t)ni;
    for (f = 0; f < nf; ++f) {
      const int8_t *w = p->weights_feature + (size_t)f * (size_t)ni;
      int32_t dot = 0;
      for (i = 0; i < ni; ++i) dot = tmc_wrap_add(dot, w[i] * (x[i] + p->input_offset));
      dot = tmc_mbqm(dot, p->feature_mult, p->feature_shift) + p->state_zp;
      dot = tmc_clamp_i32(dot, lo, hi);
      k = ((size_t)b * (size_t)nf + (size_t)f) * (size_t)nm + (size_t)nm - 1;
      if (wide)
        ((int16_t *)state)[k] = (int16_t)dot;
      else
        ((int8_t *)state)[k] = (int8_t)dot;
    }
  }
  /* 3., 4. and 5. */
  for (b = 0; b < nb; ++b)
    for (u = 0; u < nu; ++u) {
      int32_t v = p->bias ? p->bias[u] : 0;
      for (f = u * p->rank; f < (u + 1) * p->rank; ++f) {
        const size_t row = ((size_t)b * (size_t)nf + (size_t)f) * (size_t)nm;
        int32_t dot = 0;
        for (i = 0; i < nm; ++i) {
          const int32_t w = wide ? p->weights_time16[(size_t)f * (size_t)nm + (size_t)i]
                                 : p->weights_time8[(size_t)f * (size_t)nm + (size_t)i];
          dot = tmc_wrap_add(dot, w * (state_at(state, wide, row + (size_t)i) - p->state_zp));
        }
        v = tmc_wrap_add(v, dot);
      }
      v = tmc_mbqm(v, p->output_mult, p->output_shift) + p->output_offset;
      output[(size_t)b * (size_t)nu + (size_t)u] = (int8_t)tmc_clamp_i32(v, -128, 127);
    }
}
