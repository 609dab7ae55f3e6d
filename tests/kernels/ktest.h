/* ktest.h - shared pieces of the kernel unit tests: a deterministic RNG, an
 * independent 64-bit formulation of TFLite's requantization (written from
 * the arithmetic's definition, not from requant.h), and byte-compare
 * helpers that print each mismatch. Header-only; every test includes it
 * after cmocka.h. */
#ifndef TMC_TESTS_KERNELS_KTEST_H
#define TMC_TESTS_KERNELS_KTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*; seeded per test so failures reproduce. */
static uint64_t kt_state = 0x9E3779B97F4A7C15ull;
static inline void kt_seed(uint64_t s) { kt_state = s ? s : 1; }
static inline uint32_t kt_u32(void) {
  kt_state ^= kt_state >> 12;
  kt_state ^= kt_state << 25;
  kt_state ^= kt_state >> 27;
  return (uint32_t)((kt_state * 0x2545F4914F6CDD1Dull) >> 32);
}
/* Uniform integer in [lo, hi]. */
static inline int32_t kt_range(int32_t lo, int32_t hi) {
  return lo + (int32_t)(kt_u32() % (uint32_t)(hi - lo + 1));
}
static inline int8_t kt_s8(void) { return (int8_t)kt_range(-128, 127); }
static inline void kt_fill_s8(int8_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i) p[i] = kt_s8();
}
/* Log-uniform float in [lo, hi). */
static inline float kt_logf(float lo, float hi) {
  const double u = (double)kt_u32() / 4294967296.0;
  return (float)(lo * __builtin_exp(u * __builtin_log((double)hi / lo)));
}

/* Reference requantization from the definitions:
 * high multiply = floor((a*b + 2^30) / 2^31) (ties toward +inf, exactly
 * what gemmlowp's nudge-and-truncate yields), saturating -1 * -1;
 * rounding shift = round(x / 2^e), ties away from zero. */
static inline int32_t ref_high_mul(int32_t a, int32_t b) {
  int64_t ab;
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * b;
  /* floor division by 2^31 without relying on >> of negatives */
  {
    const int64_t num = ab + ((int64_t)1 << 30);
    const int64_t den = (int64_t)1 << 31;
    int64_t q = num / den;
    if ((num % den) != 0 && num < 0) --q;
    return (int32_t)q;
  }
}
static inline int32_t ref_round_shift(int32_t x, int e) {
  const int64_t den = (int64_t)1 << e;
  const int64_t ax = x < 0 ? -(int64_t)x : (int64_t)x;
  const int64_t q = (ax + den / 2) / den; /* half away from zero on |x| */
  if (e == 0) return x;
  return (int32_t)(x < 0 ? -q : q);
}
static inline int32_t ref_mbqm(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t xl = (int32_t)(uint32_t)((uint64_t)(uint32_t)x << left);
  return ref_round_shift(ref_high_mul(xl, m), right);
}
static inline int32_t ref_clamp(int64_t v, int32_t lo, int32_t hi) {
  return (int32_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* A random TFLite-style multiplier: q in [2^30, 2^31), shift in range. */
static inline void kt_multiplier(int32_t *q, int32_t *shift, int lo, int hi) {
  *q = (int32_t)((1u << 30) + (kt_u32() & ((1u << 30) - 1)));
  *shift = kt_range(lo, hi);
}

/* Compare int8 buffers, printing up to 8 mismatches; returns mismatches. */
static inline size_t kt_diff(const char *what, const int8_t *got,
                             const int8_t *want, size_t n) {
  size_t i, bad = 0;
  for (i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      if (bad < 8)
        printf("%s: element %zu: got %d want %d\n", what, i, got[i], want[i]);
      ++bad;
    }
  }
  return bad;
}

/* Compare with a tolerance of tol (for ops checked against float math). */
static inline size_t kt_diff_tol(const char *what, const int8_t *got,
                                 const int8_t *want, size_t n, int tol) {
  size_t i, bad = 0;
  for (i = 0; i < n; ++i) {
    const int d = got[i] - want[i];
    if (d > tol || d < -tol) {
      if (bad < 8)
        printf("%s: element %zu: got %d want %d (tol %d)\n", what, i, got[i],
               want[i], tol);
      ++bad;
    }
  }
  return bad;
}

#endif /* TMC_TESTS_KERNELS_KTEST_H */
