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

#include "requant.h"

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#define TMC_DSP_NATIVE 1
#else
#define TMC_DSP_NATIVE 0
#endif

/* The kernels' inline-asm loops hold up to 13 values in registers: only an
 * optimised GCC/Clang build for a DSP core allocates them (at -O0 the frame
 * pointer and spills leave too few); others take the portable forms, which
 * give the same bits. */
#if TMC_DSP_NATIVE && defined(__GNUC__) && defined(__OPTIMIZE__)
#define TMC_DSP_ASM 1
#else
#define TMC_DSP_ASM 0
#endif

/* Four bytes from any address (an unaligned LDR on the M4/M7/M33/M55). */
static inline uint32_t tmc_dsp_load(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* The low and high int16 halves of a word. */
static inline int32_t tmc_dsp_lo(uint32_t a) { return (int32_t)((a & 0xffffu) ^ 0x8000u) - 0x8000; }
static inline int32_t tmc_dsp_hi(uint32_t a) { return (int32_t)((a >> 16) ^ 0x8000u) - 0x8000; }

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

/* SXTAB16: acc's two int16 halves plus bytes 0 and 2 of x (sign-extended),
 * each half wrapping; _ror8: plus bytes 1 and 3. */
#if TMC_DSP_NATIVE && defined(__GNUC__)
static inline uint32_t tmc_sxtab16(uint32_t acc, uint32_t x) {
  return (uint32_t)__sxtab16((int16x2_t)acc, (int8x4_t)x);
}
static inline uint32_t tmc_sxtab16_ror8(uint32_t acc, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
  return r;
}
#else
static inline uint32_t tmc_sxtab16(uint32_t acc, uint32_t x) {
  const uint32_t e = tmc_sxtb16(x);
  return ((acc + e) & 0xffffu) | ((acc & 0xffff0000u) + (e & 0xffff0000u));
}
static inline uint32_t tmc_sxtab16_ror8(uint32_t acc, uint32_t x) {
  return tmc_sxtab16(acc, tmc_dsp_ror8(x));
}
#endif

/* The four products of the int8 quads xv and wv (byte k times byte k) added
 * to a0..a3 in the order bytes 0, 1, 2, 3 (int32 lvalues; wrapping, as
 * SMLABB / SMLATT): the depthwise kernel's tap. On the DSP cores one asm
 * block of 8 instructions with 2 temporaries, so that the compiler keeps
 * each tap's extensions next to their multiplies instead of hoisting them
 * into spilled registers. */
#if TMC_DSP_NATIVE && defined(__GNUC__)
#define TMC_DSP_MAC4(xv, wv, a0, a1, a2, a3)                                              \
  do {                                                                                    \
    uint32_t e_, f_;                                                                      \
    __asm__("sxtb16 %[e], %[x]\n\t"                                                       \
            "sxtb16 %[f], %[w]\n\t"                                                       \
            "smlabb %[p], %[e], %[f], %[p]\n\t"                                           \
            "smlatt %[r], %[e], %[f], %[r]\n\t"                                           \
            "sxtb16 %[e], %[x], ror #8\n\t"                                               \
            "sxtb16 %[f], %[w], ror #8\n\t"                                               \
            "smlabb %[q], %[e], %[f], %[q]\n\t"                                           \
            "smlatt %[s], %[e], %[f], %[s]"                                                \
            : [p] "+r"(a0), [q] "+r"(a1), [r] "+r"(a2), [s] "+r"(a3), [e] "=&r"(e_),       \
              [f] "=&r"(f_)                                                                \
            : [x] "r"(xv), [w] "r"(wv));                                                   \
  } while (0)
#else
#define TMC_DSP_MAC4(xv, wv, a0, a1, a2, a3)                                              \
  do {                                                                                    \
    const uint32_t xe_ = tmc_sxtb16(xv), we_ = tmc_sxtb16(wv);                            \
    const uint32_t xo_ = tmc_sxtb16_ror8(xv), wo_ = tmc_sxtb16_ror8(wv);                  \
    (a0) = tmc_wrap_add((a0), tmc_dsp_lo(xe_) * tmc_dsp_lo(we_));                         \
    (a2) = tmc_wrap_add((a2), tmc_dsp_hi(xe_) * tmc_dsp_hi(we_));                         \
    (a1) = tmc_wrap_add((a1), tmc_dsp_lo(xo_) * tmc_dsp_lo(wo_));                         \
    (a3) = tmc_wrap_add((a3), tmc_dsp_hi(xo_) * tmc_dsp_hi(wo_));                         \
  } while (0)
#endif

/* One row of a 3-wide depthwise window for a 4-channel block: the input
 * quads at x, x + cs and x + 2 cs times the weight quads at w + o, w + o +
 * 4 and w + o + 8 (o a constant), added to a0..a3 as TMC_DSP_MAC4. On the
 * DSP cores the loads are in the asm block too (register-offset and
 * immediate-offset LDRs, unaligned), so that the compiler does not turn
 * every tap's address into an induction variable of its own; the memory
 * clobber keeps the loads after the stores before them (the output may
 * overlap the input). */
#if TMC_DSP_NATIVE && defined(__GNUC__)
#define TMC_DSP_ROW3(X_, CS_, W_, O_, a0, a1, a2, a3)                                          \
  do {                                                                                    \
    uint32_t xv_, wv_, e_, f_;                                                            \
    __asm__("ldr %[xv], [%[xa]]\n\t"                                                       \
            "ldr %[wv], [%[wa], %[o0]]\n\t"                                                \
            TMC_DSP_MAC4_ASM                                                              \
            "ldr %[xv], [%[xa], %[cr]]\n\t"                                                \
            "ldr %[wv], [%[wa], %[o1]]\n\t"                                                \
            TMC_DSP_MAC4_ASM                                                              \
            "ldr %[xv], [%[xa], %[cr], lsl #1]\n\t"                                        \
            "ldr %[wv], [%[wa], %[o2]]\n\t"                                                \
            TMC_DSP_MAC4_ASM                                                              \
            : [p] "+r"(a0), [q] "+r"(a1), [r] "+r"(a2), [s] "+r"(a3), [e] "=&r"(e_),       \
              [f] "=&r"(f_), [xv] "=&r"(xv_), [wv] "=&r"(wv_)                              \
            : [xa] "r"(X_), [cr] "r"(CS_), [wa] "r"(W_), [o0] "i"(O_), [o1] "i"((O_) + 4), \
              [o2] "i"((O_) + 8)                                                            \
            : "memory");                                                                  \
  } while (0)
#define TMC_DSP_MAC4_ASM                                                                  \
  "sxtb16 %[e], %[xv]\n\t"                                                                \
  "sxtb16 %[f], %[wv]\n\t"                                                                \
  "smlabb %[p], %[e], %[f], %[p]\n\t"                                                     \
  "smlatt %[r], %[e], %[f], %[r]\n\t"                                                     \
  "sxtb16 %[e], %[xv], ror #8\n\t"                                                        \
  "sxtb16 %[f], %[wv], ror #8\n\t"                                                        \
  "smlabb %[q], %[e], %[f], %[q]\n\t"                                                     \
  "smlatt %[s], %[e], %[f], %[s]\n\t"
#else
#define TMC_DSP_ROW3(x, cs, w, o, a0, a1, a2, a3)                                          \
  do {                                                                                    \
    const int8_t *x_ = (x), *w_ = (const int8_t *)(w) + (o);                               \
    const size_t cs_ = (cs);                                                               \
    TMC_DSP_MAC4(tmc_dsp_load(x_), tmc_dsp_load(w_), a0, a1, a2, a3);                     \
    TMC_DSP_MAC4(tmc_dsp_load(x_ + cs_), tmc_dsp_load(w_ + 4), a0, a1, a2, a3);           \
    TMC_DSP_MAC4(tmc_dsp_load(x_ + 2 * cs_), tmc_dsp_load(w_ + 8), a0, a1, a2, a3);       \
  } while (0)
#endif

/* ---- The DSP kernels' requantization --------------------------------------
 * tmc_rq_right_s8 (requant.h: TFLite's double rounding for a right shift r
 * >= 1, |x| * 2 < 2^31) in fewer instructions. With v = SMMULR(2x, q) and
 * u = v - [x < 0], TFLite's result is floor((u + 2^(r-1)) / 2^r). Taking w
 * = floor(u / 2^(r-1)) (one ASR), that is floor((w + 1) / 2): write u = a
 * 2^(r-1) + b with 0 <= b < 2^(r-1); then w = a and floor((u + 2^(r-1)) /
 * 2^r) = floor((a + 1) / 2 + b / 2^r), where b / 2^r < 1/2 leaves the floor
 * of (a + 1) / 2 unchanged. Adding the output zero point inside the last
 * halving, (w + 2 off + 1) >> 1 = floor((w + 1) / 2) + off, and SSAT to 8
 * bits gives the int8 output of the full activation range; a narrower one
 * (a fused ReLU's bound above -128 or below 127) is clamped after
 * (tmc_clamp_run_s8: clamp(ssat(v)) = clamp(v) for a range inside int8).
 * ASR by a register reads the register's low byte, so rm1 = r - 1 is taken
 * from a word's low byte: ~shift of the shift table (shift = -r), or ~ the
 * packed bias word (its low byte holds the shift). */
#if TMC_DSP_NATIVE && defined(__GNUC__)
static inline int32_t tmc_asr_lo8(int32_t u, int32_t n) {
  int32_t r;
  __asm__("asr %0, %1, %2" : "=r"(r) : "r"(u), "r"(n));
  return r;
}
#else
static inline int32_t tmc_asr_lo8(int32_t u, int32_t n) {
  return u >> (n & 255); /* n & 255 = r - 1 <= 30 here; arithmetic >> */
}
#endif
#if TMC_DSP_NATIVE
static inline int32_t tmc_ssat8(int32_t v) { return __ssat(v, 8); }
#else
static inline int32_t tmc_ssat8(int32_t v) { return v < -128 ? -128 : (v > 127 ? 127 : v); }
#endif

/* r - 1 in the low byte (see above) for channel c (shift table entry cs). */
static inline int32_t tmc_rq_rm1(const int32_t *rb, const int8_t *rs, size_t c, size_t cs) {
  return rs ? ~(int32_t)rs[cs] : ~rb[c];
}

/* The int8 output before a narrow range's clamp; off2 = 2 * zero point + 1.
 * tmc_rq_dsp_x2 takes x2 = 2 x (a kernel that forms the doubled value in
 * its own arithmetic: x2 >> 31 = x >> 31). */
static inline int8_t tmc_rq_dsp_x2(int32_t x2, int32_t q, int32_t rm1, int32_t off2) {
  const int32_t u = tmc_smmulr(x2, q) + (x2 >> 31);
  return (int8_t)tmc_ssat8((tmc_asr_lo8(u, rm1) + off2) >> 1);
}
static inline int8_t tmc_rq_dsp(int32_t x, int32_t q, int32_t rm1, int32_t off2) {
  return tmc_rq_dsp_x2(x * 2, q, rm1, off2);
}

/* The fused activation's clamp of n outputs at y, for a range narrower
 * than int8 (the kernels call it only then). */
static inline void tmc_clamp_run_s8(int8_t *y, size_t n, int32_t lo, int32_t hi) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t v = y[i];
    y[i] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
  }
}

#endif /* TMC_KERNELS_DSP_H */
