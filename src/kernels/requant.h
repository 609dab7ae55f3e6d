/* requant.h - TFLite's fixed-point requantization arithmetic, bit-exact.
 * Double-rounding path (TFLite's default; TFLITE_SINGLE_ROUNDING is not
 * defined in TFLM): a saturating rounding doubling high multiply followed by a
 * rounding (half away from zero) arithmetic right shift. Header-only so the
 * kernels and the emitted C share one definition. */
#ifndef TMC_KERNELS_REQUANT_H
#define TMC_KERNELS_REQUANT_H

#include <stdint.h>

/* Wrapping int32 arithmetic: TFLite relies on two's-complement wrap where C
 * would have undefined behaviour; going through uint32 makes it defined
 * (the conversion back is modular on every compiler we target). */
static inline int32_t tmc_wrap_add(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t tmc_wrap_sub(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a - (uint32_t)b);
}
static inline int32_t tmc_wrap_neg(int32_t a) {
  return (int32_t)(0u - (uint32_t)a);
}
/* x * 2^n with wrap-around, 0 <= n <= 31 (TFLite: x * (1 << n)). */
static inline int32_t tmc_wrap_shl(int32_t x, int n) {
  return (int32_t)((uint32_t)x << n);
}

static inline int32_t tmc_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t tmc_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t tmc_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* gemmlowp SaturatingRoundingDoublingHighMul (ARM VQRDMULH): round(a*b/2^31)
 * with ties away from zero; INT32_MIN*INT32_MIN saturates to INT32_MAX. */
static inline int32_t tmc_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away
 * from zero; 0 <= exponent <= 31. Relies on arithmetic >> of negative values
 * (gcc, clang and arm-none-eabi-gcc all implement it so). */
static inline int32_t tmc_rdbp(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier(int32 x, q, shift), double rounding:
 * shift > 0 is a left shift applied before the high multiply (wrapping, as
 * TFLite's x * (1 << shift)), shift < 0 a rounding right shift after it.
 * Valid for -31 <= shift <= 31. */
static inline int32_t tmc_mbqm(int32_t x, int32_t q, int32_t shift) {
  const int left = shift > 0 ? (int)shift : 0;
  const int right = shift > 0 ? 0 : (int)-shift;
  return tmc_rdbp(tmc_srdhm(tmc_wrap_shl(x, left), q), right);
}

/* TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (left_shift <= 0). */
static inline int32_t tmc_mbqm_smaller_than_one(int32_t x, int32_t q,
                                                int32_t left_shift) {
  return tmc_rdbp(tmc_srdhm(x, q), (int)-left_shift);
}

/* TFLite MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0). */
static inline int32_t tmc_mbqm_greater_than_one(int32_t x, int32_t q,
                                                int32_t left_shift) {
  return tmc_srdhm(tmc_wrap_shl(x, (int)left_shift), q);
}

/* TFLite MultiplyByQuantizedMultiplier(int64 x, q, shift) (16x8 kernels):
 * q is reduced to 16 bits and a single rounding shift is applied.
 * Needs -31 <= shift < 8 and |x| < 2^47. */
static inline int32_t tmc_mbqm64(int64_t x, int32_t q, int32_t shift) {
  const int32_t reduced = q < 0x7FFF0000 ? ((q + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - (int)shift;
  const int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(r >> total_shift);
}

/* tmc_rq: TFLite's MultiplyByQuantizedMultiplier(x, q, s) (double
 * rounding) with one 64-bit multiply-add: the fast paths'
 * requantization. Exact for q >= 0 and -31 <= s <= 30 whenever x *
 * 2^max(s, 0) does not wrap and its magnitude plus 2^(r-1) stays below
 * 2^31 (the compiler proves both for every accumulator a fast kernel
 * forms: tmc_fast_rq_prepare). With l = max(s, 0), r = max(-s, 0) and t =
 * x * 2^l * q: the high multiply is floor((t + 2^30) / 2^31) (no
 * saturation without q == INT32_MIN; for t < 0 TFLite's truncation of
 * t + 1 - 2^30 is that floor), the rounding shift floor((v + 2^(r-1) -
 * [v < 0]) / 2^r) for r > 0, and the nested floors merge into
 * floor((t + N + 2^(30+r)) / 2^(31+r)) with N = 2^30 - [v < 0] * 2^31.
 * [v < 0] is taken as [x < 0]: they differ only when -2^30 <= t < 0,
 * where both forms give 0. As 2^(30+r) is a multiple of 2^31, that is
 * (floor((t + N) / 2^31) + 2^(r-1)) >> r: one multiply-accumulate onto
 * N = +-2^30, a 64-bit shift by the constant 31, an add and a 32-bit
 * shift. For r = 0, N = 2^30 and nothing is added: the high multiply
 * alone. |floor((t + N) / 2^31)| <= |x * 2^l|. */
typedef struct tmc_rq_ch {
  int32_t q, l, r, rc; /* rc = 2^(r-1), 0 when r == 0 */
  uint32_t neg;        /* 2^31 when r > 0 (N's sign follows x), else 0 */
} tmc_rq_ch;

/* Branch-free: a few ALU operations per channel. */
static inline tmc_rq_ch tmc_rq_ch_of(int32_t q, int32_t s) {
  tmc_rq_ch c;
  c.q = q;
  c.l = s > 0 ? s : 0;
  c.r = s > 0 ? 0 : -s;
  c.rc = (int32_t)(((uint32_t)1 << c.r) >> 1);
  c.neg = (0u - (uint32_t)c.r) & 0x80000000u;
  return c;
}

static inline int32_t tmc_rq_apply(const tmc_rq_ch *c, int32_t x) {
  const int32_t xs = tmc_wrap_shl(x, (int)c->l);
  const uint32_t n = 0x40000000u | ((uint32_t)xs & c->neg);
  const int64_t y = (int64_t)xs * c->q + (int64_t)(int32_t)n;
  return ((int32_t)(y >> 31) + c->rc) >> c->r;
}

static inline int32_t tmc_rq(int32_t x, int32_t q, int32_t s) {
  const tmc_rq_ch c = tmc_rq_ch_of(q, s);
  return tmc_rq_apply(&c, x);
}

/* tmc_rq_apply, clamped to [lo, hi] = the activation range minus out_off
 * (TFLite's clamp, without forming the sum first), plus out_off: the int8
 * output of a fast path. */
static inline int8_t tmc_rq_s8(const tmc_rq_ch *c, int32_t x, int32_t out_off, int32_t lo,
                               int32_t hi) {
  int32_t v = tmc_rq_apply(c, x);
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)(v + out_off);
}

static inline int8_t tmc_sat_s8(int32_t x) {
  return (int8_t)(x < -128 ? -128 : (x > 127 ? 127 : x));
}

#endif /* TMC_KERNELS_REQUANT_H */
