/* sigmoid16.h - one element of TFLite's int16 LOGISTIC and TANH
 * (reference_integer_ops), shared by sigmoid_s16.c and the LSTM's gates
 * (lstm.c): the input is rescaled so that 2^17 stands for 10.67 (x *
 * multiplier, rounded, >> right_bits; multiplier 0 is TFLite's power-of-two
 * case: 3 << right_bits, no shift), then |x| indexes the 256-entry sigmoid
 * table (sigmoid(i / 24) in 0.16, its bits held as int16, computed at
 * compile time by tmc_sigmoid16_table) with linear interpolation over its
 * low bits: 9 for LOGISTIC, 8 for TANH (tanh(x) = 2 sigmoid(2x) - 1);
 * negative inputs by symmetry. Output scale 1/32768, zero point 0. */
#ifndef TMC_KERNELS_SIGMOID16_H
#define TMC_KERNELS_SIGMOID16_H

#include <stdint.h>
#include <stdlib.h>

/* The rescaled input. */
static inline int32_t tmc_sigmoid16_input(int32_t multiplier, int32_t right_bits, int32_t x) {
  const int32_t m = multiplier ? multiplier : 3 << right_bits;
  const int32_t shift = multiplier ? right_bits : 0;
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  return (x * m + round) >> shift;
}

/* The table interpolated at |v| with frac fraction bits. */
static inline uint32_t tmc_sigmoid16_at(const int16_t *table, uint32_t a, int frac,
                                        uint32_t saturated) {
  const uint32_t uh = a >> frac;
  if (uh >= 255) return saturated;
  const uint32_t ua = (uint16_t)table[uh], ub = (uint16_t)table[uh + 1];
  return (ua << frac) + (a & ((1u << frac) - 1)) * (ub - ua);
}

static inline int16_t tmc_logistic16(const int16_t *table, int32_t multiplier,
                                     int32_t right_bits, int32_t x) {
  const int32_t v = tmc_sigmoid16_input(multiplier, right_bits, x);
  uint32_t r = tmc_sigmoid16_at(table, (uint32_t)abs(v), 9, 0x7FFFu << 10);
  r = v >= 0 ? r + (1u << 9) : (1u << (16 + 9)) - r + (1u << 9) - 1;
  return (int16_t)(int32_t)(r >> 10);
}

static inline int16_t tmc_tanh16(const int16_t *table, int32_t multiplier, int32_t right_bits,
                                 int32_t x) {
  const int32_t v = tmc_sigmoid16_input(multiplier, right_bits, x);
  int32_t r = (int32_t)tmc_sigmoid16_at(table, (uint32_t)abs(v), 8, 0xFFFFu << 8);
  r = v >= 0 ? r - (1 << (14 + 9)) + (1 << (9 - 2)) : -r + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
  return (int16_t)(r >> (9 - 1));
}

#endif /* TMC_KERNELS_SIGMOID16_H */
