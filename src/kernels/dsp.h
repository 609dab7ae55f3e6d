/* dsp.h - the Arm DSP extension's SIMD instructions the DSP kernels use
 * (ACLE <arm_acle.h> where the compiler has them, __ARM_FEATURE_SIMD32:
 * Cortex-M4, M7, M33 with DSP, M55), and a portable C form of each giving
 * the same bits everywhere else, so one kernel source serves the host
 * runner and every core. Words hold two int16 halves (low, high) or four
 * int8 bytes, least significant first. */
#ifndef TMC_KERNELS_DSP_H
#define TMC_KERNELS_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#define TMC_DSP_NATIVE 1
#else
#define TMC_DSP_NATIVE 0
#endif

/* Four bytes from any address (an unaligned LDR on the M4/M7/M33/M55). */
static inline uint32_t tmc_dsp_load(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint32_t tmc_dsp_ror8(uint32_t x) { return (x >> 8) | (x << 24); }

#if TMC_DSP_NATIVE
/* SXTB16: bytes 0 and 2 sign-extended to the two halves. */
static inline uint32_t tmc_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int32_t)x); }
/* SMLAD: acc + lo(a) * lo(b) + hi(a) * hi(b), wrapping. */
static inline int32_t tmc_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad((int16x2_t)a, (int16x2_t)b, acc);
}
#else
static inline uint32_t tmc_sext8_16(uint32_t b) { /* byte -> 16-bit two's complement */
  return (uint32_t)((int32_t)((b & 0xffu) ^ 0x80u) - 0x80) & 0xffffu;
}
static inline uint32_t tmc_sxtb16(uint32_t x) {
  return tmc_sext8_16(x) | tmc_sext8_16(x >> 16) << 16;
}
static inline int32_t tmc_dsp_lo(uint32_t a) { return (int32_t)((a & 0xffffu) ^ 0x8000u) - 0x8000; }
static inline int32_t tmc_dsp_hi(uint32_t a) { return (int32_t)((a >> 16) ^ 0x8000u) - 0x8000; }
static inline int32_t tmc_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const uint32_t p0 = (uint32_t)(tmc_dsp_lo(a) * tmc_dsp_lo(b));
  const uint32_t p1 = (uint32_t)(tmc_dsp_hi(a) * tmc_dsp_hi(b));
  return (int32_t)((uint32_t)acc + p0 + p1);
}
#endif

/* SXTB16 of the word rotated by 8: bytes 1 and 3 (one instruction with
 * its rotate operand; compilers emit a separate ROR for the intrinsic of
 * a rotated value). */
#if TMC_DSP_NATIVE && defined(__GNUC__)
static inline uint32_t tmc_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
#else
static inline uint32_t tmc_sxtb16_ror8(uint32_t x) { return tmc_sxtb16(tmc_dsp_ror8(x)); }
#endif

#endif /* TMC_KERNELS_DSP_H */
