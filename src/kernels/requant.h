/* requant.h - TFLite's fixed-point requantization arithmetic, bit-exact.
 * Double-rounding path (TFLite's default; TFLITE_SINGLE_ROUNDING is not
 * defined in TFLM): a saturating rounding doubling high multiply followed by a
 * rounding (half away from zero) arithmetic right shift. Header-only so the
 * kernels and the emitted C share one definition. */
#ifndef TMC_KERNELS_REQUANT_H
#define TMC_KERNELS_REQUANT_H

#include <stddef.h>
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

/* SMMULR: the high word of a * b, rounded (a * b + 2^31) >> 32; one
 * instruction on the cores with the DSP extension. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)
static inline int32_t tmc_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
#else
static inline int32_t tmc_smmulr(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
}
#endif

/* SMMLAR: the high word of acc * 2^32 + a * b, rounded. With b = 2q -
 * 2^32 (q in [2^30, 2^31): an int32) and acc = a it is SMMULR(2a, q) in
 * one instruction, without doubling a. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)
static inline int32_t tmc_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
#else
static inline int32_t tmc_smmlar(int32_t a, int32_t b, int32_t acc) {
  const uint64_t s = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
  return (int32_t)(uint32_t)(s >> 32); /* bits 63..32 of the wrapping sum, as SMMLAR */
}
#endif

/* tmc_rq: TFLite's MultiplyByQuantizedMultiplier(x, q, s) (double
 * rounding) in a few 32-bit instructions: the fast paths'
 * requantization. Exact for q >= 0 and -31 <= s <= 30 whenever
 * |x| * 2^(max(s, 0) + 1) < 2^31 (the compiler proves it for every
 * accumulator a fast kernel forms: tmc_fast_rq_prepare). With l = max(s,
 * 0), r = max(-s, 0) and xs = x * 2^l: TFLite's high multiply is
 * floor((xs * q + 2^30) / 2^31) (no saturation without q == INT32_MIN;
 * for a negative product its truncation of xs * q + 1 - 2^30 is that
 * floor) = floor((2 xs * q + 2^31) / 2^32) =: v, SMMULR of 2 xs and q.
 * Its rounding shift is floor((v + 2^(r-1) - [v < 0]) / 2^r) for r > 0
 * (v for r = 0); [v < 0] is taken as [x < 0]: they differ only when v =
 * 0 and x < 0, where both give floor((2^(r-1) - {0, 1}) / 2^r) = 0. Then
 * |v| <= |xs| < 2^30 and v + 2^(r-1) fits int32. */
typedef struct tmc_rq_ch {
  int32_t q, l1, r, rc; /* l1 = l + 1; rc = 2^(r-1), 0 when r == 0 */
  int32_t m;            /* -1 when r > 0 ([x < 0] is subtracted), else 0 */
} tmc_rq_ch;

/* Branch-free: a few ALU operations per channel. */
static inline tmc_rq_ch tmc_rq_ch_of(int32_t q, int32_t s) {
  const int32_t l = s & ~(s >> 31); /* max(s, 0): arithmetic >> of a negative value */
  tmc_rq_ch c;
  c.q = q;
  c.l1 = l + 1;
  c.r = l - s; /* max(-s, 0) */
  c.rc = (int32_t)(((uint32_t)1 << c.r) >> 1);
  c.m = -(int32_t)((uint32_t)(0 - c.r) >> 31);
  return c;
}

static inline int32_t tmc_rq_apply(const tmc_rq_ch *c, int32_t x) {
  const int32_t v = tmc_smmulr(tmc_wrap_shl(x, (int)c->l1), c->q);
  return (v + c->rc + ((x >> 31) & c->m)) >> c->r;
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

/* tmc_rq for a right shift (TFLite shift -r, r >= 1: every multiplier
 * below 0.5), as the DSP kernels take it (the lowering picks them only for
 * such layers): no left shift, and [x < 0] always subtracted. Same range:
 * |x| * 2 < 2^31. Returns the int8 output: clamped to [lo, hi] (the
 * activation range minus out_off), plus out_off. */
static inline int8_t tmc_rq_right_s8(int32_t x, int32_t q, int32_t r, int32_t out_off,
                                     int32_t lo, int32_t hi) {
  int32_t v = tmc_smmulr(x * 2, q);
  v = (v + (int32_t)(((uint32_t)1 << r) >> 1) + (x >> 31)) >> r;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)(v + out_off);
}

/* The fast paths' per-channel bias and shift (kernels.h
 * TMC_FAST_RQ_FIELDS): rb[c] and rs[cs], or, with rs NULL, both packed in
 * rb[c] = bias * 2^8 + (shift & 255) (the compiler packs a layer whose
 * biases all lie in [-2^23, 2^23): 1 byte a channel less). */
static inline int32_t tmc_rq_bias(const int32_t *rb, const int8_t *rs, size_t c) {
  return rs ? rb[c] : rb[c] >> 8; /* arithmetic >> of a negative value */
}
static inline int32_t tmc_rq_shift(const int32_t *rb, const int8_t *rs, size_t c, size_t cs) {
  return rs ? rs[cs] : (int32_t)((uint32_t)rb[c] << 24) >> 24; /* SXTB */
}

static inline int8_t tmc_sat_s8(int32_t x) {
  return (int8_t)(x < -128 ? -128 : (x > 127 ? 127 : x));
}

#endif /* TMC_KERNELS_REQUANT_H */
