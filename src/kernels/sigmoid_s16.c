/* sigmoid_s16.c - int16 LOGISTIC and TANH, bit-exact with TFLite's
 * reference_integer_ops int16 forms: the input is rescaled so that 2^17
 * stands for 10.67 (x * input_multiplier, rounded, >> input_right_bits;
 * TFLite's power-of-two case has multiplier 3 and no shift), then |x|
 * indexes the 256-entry sigmoid table (sigmoid(i / 24) in 0.16, its bits
 * held as int16 (0x8000..0xFFFF), computed
 * at compile time by tmc_sigmoid16_table) with linear interpolation over
 * its low bits: 9 for LOGISTIC, 8 for TANH (tanh(x) = 2 sigmoid(2x) - 1);
 * negative inputs by symmetry. Output scale 1/32768, zero point 0. */
#include <stdlib.h>

#include "kernels.h"

/* The rescaled input. */
static inline int32_t scaled_input(const tmc_sigmoid_s16_params *p, int32_t x) {
  const int32_t m = p->input_multiplier ? p->input_multiplier : 3 << p->input_right_bits;
  const int32_t shift = p->input_multiplier ? p->input_right_bits : 0;
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  return (x * m + round) >> shift;
}

/* The table interpolated at |v| with frac fraction bits. */
static inline uint32_t table_at(const tmc_sigmoid_s16_params *p, uint32_t a, int frac,
                                uint32_t saturated) {
  const uint32_t uh = a >> frac;
  if (uh >= 255) return saturated;
  const uint32_t ua = (uint16_t)p->table[uh], ub = (uint16_t)p->table[uh + 1];
  return (ua << frac) + (a & ((1u << frac) - 1)) * (ub - ua);
}

void tmc_logistic_s16(const tmc_sigmoid_s16_params *p, int32_t size, const int16_t *x,
                      int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = scaled_input(p, x[i]);
    uint32_t r = table_at(p, (uint32_t)abs(v), 9, 0x7FFFu << 10);
    r = v >= 0 ? r + (1u << 9) : (1u << (16 + 9)) - r + (1u << 9) - 1;
    y[i] = (int16_t)(int32_t)(r >> 10);
  }
}

void tmc_tanh_s16(const tmc_sigmoid_s16_params *p, int32_t size, const int16_t *x,
                  int16_t *y) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t v = scaled_input(p, x[i]);
    int32_t r = (int32_t)table_at(p, (uint32_t)abs(v), 8, 0xFFFFu << 8);
    r = v >= 0 ? r - (1 << (14 + 9)) + (1 << (9 - 2)) : -r + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
    y[i] = (int16_t)(r >> (9 - 1));
  }
}
