/* add.c - int8 ADD and SUB, bit-exact with TFLite's AddFunc / SubFunc:
 * both inputs are offset, shifted left by left_shift (20), rescaled to a
 * common scale, added (subtracted), rescaled to the output, offset, clamped.
 * Broadcasting through per-dim strides (tmc_broadcast). */
#include <stdbool.h>

#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* int8: the three rescales are TFLite's
 * MultiplyByQuantizedMultiplierSmallerThanOneExp, computed by tmc_rq
 * (requant.h) with each multiplier's constants taken once per call: its
 * condition (|x| * 2 < 2^31, the shifts being <= 0) holds for every int8
 * input, as |(x + offset) << 20| < 2^28 and each rescale only shrinks, so
 * the sum of two stays below 2^29. */
static void add_sub(const tmc_add_params *p, const tmc_broadcast *b,
                    const int8_t *x1, const int8_t *x2, int8_t *y,
                    int negate) {
  const tmc_rq_ch c1 = tmc_rq_ch_of(p->input1_multiplier, p->input1_shift);
  const tmc_rq_ch c2 = tmc_rq_ch_of(p->input2_multiplier, p->input2_shift);
  const tmc_rq_ch co = tmc_rq_ch_of(p->output_multiplier, p->output_shift);
  const int32_t o1 = p->input1_offset, o2 = p->input2_offset, ls = p->left_shift;
  const int32_t out_off = p->output_offset, lo = p->act_min - out_off,
                hi = p->act_max - out_off;
  TMC_BCAST_EACH(b, x1, x2, y, {
    const int32_t v1 = tmc_rq_apply(&c1, (u + o1) * (1 << ls));
    const int32_t v2 = tmc_rq_apply(&c2, (v + o2) * (1 << ls));
    *out = tmc_rq_s8(&co, negate ? v1 - v2 : v1 + v2, out_off, lo, hi);
  });
}

/* add_sub_flat when one input's multiplier is exactly 1/2 (q 2^30, shift
 * 0: TFLite gives it to the input of the larger scale), "big", and the
 * other's a right shift r >= 1, "small" (scales that differ): the big
 * input's rescale of (x + o) << 20 is (x + o) << 19 exactly (SMMULR by 2^30
 * of a multiple of 4), so its doubled value is (x << 20) + (o << 20); the
 * small one's doubled value is (w + 1) & ~1 with w = floor(u / 2^(r-1)),
 * u = SMMULR(A, q) - [A < 0], A = (x + o) << 21 (dsp.h's identity for
 * tmc_rq_dsp: its rounding is floor((w + 1) / 2)). Their sum (difference)
 * is the doubled operand of tmc_rq_dsp_x2. sign: +1 for ADD, -1 for SUB
 * with the big input first, -2 for SUB with the small one first (big
 * subtracted). ADD: 18 instructions an element on the DSP cores (one asm
 * loop; SUB, rare, the C one). The caller clamps a narrow range. */
static void add_sub_half(const tmc_add_params *p, int32_t n, const int8_t *xb,
                         int32_t ob, const int8_t *xs, int32_t os, int32_t qs, int32_t rs,
                         int8_t *y, int sign) {
  const int32_t kb = (int32_t)((uint32_t)ob << 20), ks = (int32_t)((uint32_t)os << 21);
  const int32_t rm1s = rs - 1, q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1;
#if TMC_DSP_ASM
  if (sign == 1 && n > 0) { /* ADD; SUB (rare) takes the C loop below */
    const int8_t *const e = y + n;
    int32_t b, v, t;
#define ADD_HALF_LOOP(COMBINE)                                                            \
  __asm__ volatile("1:\n\t"                                                                \
                   "ldrsb %[b], [%[xb]], #1\n\t"                                          \
                   "ldrsb %[v], [%[xs]], #1\n\t"                                          \
                   "add %[v], %[ks], %[v], lsl #21\n\t"                                   \
                   "smmulr %[t], %[v], %[qs]\n\t"                                         \
                   "add %[t], %[t], %[v], asr #31\n\t"                                    \
                   "asr %[t], %[t], %[rm1s]\n\t"                                          \
                   "add %[t], %[t], #1\n\t"                                               \
                   "bic %[t], %[t], #1\n\t"                                               \
                   "add %[b], %[kb], %[b], lsl #20\n\t" COMBINE                           \
                   "smmulr %[v], %[t], %[q]\n\t"                                          \
                   "add %[v], %[v], %[t], asr #31\n\t"                                    \
                   "asr %[v], %[v], %[rm1]\n\t"                                           \
                   "add %[v], %[v], %[off2]\n\t"                                          \
                   "ssat %[v], #8, %[v], asr #1\n\t"                                      \
                   "strb %[v], [%[y]], #1\n\t"                                            \
                   "cmp %[y], %[e]\n\t"                                                   \
                   "bne 1b"                                                               \
                   : [b] "=&r"(b), [v] "=&r"(v), [t] "=&r"(t), [xb] "+r"(xb),             \
                     [xs] "+r"(xs), [y] "+r"(y)                                           \
                   : [kb] "r"(kb), [ks] "r"(ks), [qs] "r"(qs), [rm1s] "r"(rm1s),          \
                     [q] "r"(q), [rm1] "r"(rm1), [off2] "r"(off2), [e] "r"(e)             \
                   : "cc", "memory")
    ADD_HALF_LOOP("add %[t], %[b], %[t]\n\t");
#undef ADD_HALF_LOOP
  } else
#endif
  for (int32_t i = 0; i < n; ++i) {
    const int32_t b = kb + xb[i] * (1 << 20), a = ks + xs[i] * (1 << 21);
    const int32_t w = tmc_asr_lo8(tmc_smmulr(a, qs) + (a >> 31), rm1s);
    const int32_t v = (int32_t)((uint32_t)(w + 1) & ~1u);
    y[i] = tmc_rq_dsp_x2(sign == 1 ? b + v : sign == -1 ? b - v : v - b, q, rm1, off2);
  }
}

/* add_sub_half for operands of one shape (flat_right), when one input is
 * big and the other small (scales that differ: always, from TFLite's
 * prepare); returns false for the others. */
static bool add_sub_flat(const tmc_add_params *p, int32_t n, const int8_t *x1,
                         const int8_t *x2, int8_t *y, int negate) {
  const bool half1 = p->input1_multiplier == 1 << 30 && p->input1_shift == 0;
  const bool half2 = p->input2_multiplier == 1 << 30 && p->input2_shift == 0;
  if (half1 && p->input2_shift <= -1 && p->input2_shift >= -31 && p->input2_multiplier >= 0)
    add_sub_half(p, n, x1, p->input1_offset, x2, p->input2_offset, p->input2_multiplier,
                 -p->input2_shift, y, negate ? -1 : 1);
  else if (half2 && p->input1_shift <= -1 && p->input1_shift >= -31 &&
           p->input1_multiplier >= 0)
    add_sub_half(p, n, x2, p->input2_offset, x1, p->input1_offset, p->input1_multiplier,
                 -p->input1_shift, y, negate ? -2 : 1);
  else
    return false;
  if (p->act_min > -128 || p->act_max < 127)
    tmc_clamp_run_s8(y, (size_t)n, p->act_min, p->act_max);
  return true;
}

/* The tables of tmc_add_s8_lut (kernels.h): add_sub's input rescales of
 * every int8 value, doubled (|v| < 2^28: no wrap), input 2's negated for
 * SUB. */
void tmc_add_s8_lut_fill(const tmc_add_params *p, int negate, int32_t *lut) {
  const tmc_rq_ch c1 = tmc_rq_ch_of(p->input1_multiplier, p->input1_shift);
  const tmc_rq_ch c2 = tmc_rq_ch_of(p->input2_multiplier, p->input2_shift);
  for (int32_t x = -128; x < 128; ++x) {
    const uint8_t k = (uint8_t)x;
    lut[k] = 2 * tmc_rq_apply(&c1, (x + p->input1_offset) * (1 << p->left_shift));
    lut[256 + k] = (negate ? -2 : 2) * tmc_rq_apply(&c2, (x + p->input2_offset) * (1 << p->left_shift));
  }
}

/* Per element: two byte loads, two table loads, one add and tmc_rq_dsp_x2
 * (the sum is already doubled); the activation's narrow range clamped after
 * (clamp(ssat(v)) = clamp(v) inside int8). A function of its own, so that
 * its loop keeps every constant in a register. */
static void add_lut_flat(const tmc_add_lut_params *p, int32_t n, const uint8_t *u1,
                         const uint8_t *u2, int8_t *y) {
  const int32_t *const t1 = p->lut, *const t2 = p->lut + 256;
  const int32_t q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1;
#if TMC_DSP_ASM
  /* the loop below as the compiler does not quite write it (13 a element) */
  if (n > 0) {
    const int8_t *const e = y + n;
    int32_t a, c;
    __asm__ volatile("1:\n\t"
                     "ldrb %[a], [%[u1]], #1\n\t"
                     "ldrb %[c], [%[u2]], #1\n\t"
                     "ldr %[a], [%[t1], %[a], lsl #2]\n\t"
                     "ldr %[c], [%[t2], %[c], lsl #2]\n\t"
                     "add %[a], %[a], %[c]\n\t"
                     "smmulr %[c], %[a], %[q]\n\t"
                     "add %[c], %[c], %[a], asr #31\n\t"
                     "asr %[c], %[c], %[rm1]\n\t"
                     "add %[c], %[c], %[off2]\n\t"
                     "ssat %[c], #8, %[c], asr #1\n\t"
                     "strb %[c], [%[y]], #1\n\t"
                     "cmp %[y], %[e]\n\t"
                     "bne 1b"
                     : [a] "=&r"(a), [c] "=&r"(c), [u1] "+r"(u1), [u2] "+r"(u2), [y] "+r"(y)
                     : [t1] "r"(t1), [t2] "r"(t2), [q] "r"(q), [rm1] "r"(rm1),
                       [off2] "r"(off2), [e] "r"(e)
                     : "cc", "memory");
    y -= n;
  }
#else
  for (int32_t i = 0; i < n; ++i) y[i] = tmc_rq_dsp_x2(t1[u1[i]] + t2[u2[i]], q, rm1, off2);
#endif
  if (p->act_min > -128 || p->act_max < 127)
    tmc_clamp_run_s8(y, (size_t)n, p->act_min, p->act_max);
}

void tmc_add_s8_lut(const tmc_add_lut_params *p, const tmc_broadcast *b,
                    const int8_t *x1, const int8_t *x2, int8_t *y) {
  if (b->rank == 1 && b->stride1[0] == 1 && b->stride2[0] == 1) {
    add_lut_flat(p, b->dims[0], (const uint8_t *)x1, (const uint8_t *)x2, y);
    return;
  }
  const int32_t *const t1 = p->lut, *const t2 = p->lut + 256;
  const int32_t q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1;
  const int32_t lo = p->act_min, hi = p->act_max;
  TMC_BCAST_EACH(b, x1, x2, y, {
    const int32_t o = tmc_rq_dsp_x2(t1[(uint8_t)u] + t2[(uint8_t)v], q, rm1, off2);
    *out = (int8_t)(o < lo ? lo : (o > hi ? hi : o));
  });
}

static inline int32_t scaled(int32_t v, int32_t offset, int32_t left_shift,
                             int32_t m, int32_t s) {
  return tmc_mbqm_smaller_than_one(tmc_wrap_shl(v + offset, (int)left_shift),
                                   m, s);
}

/* int16 (left_shift 15: |x << 15| reaches 2^30, beyond tmc_rq's range):
 * TFLite's arithmetic step by step. */
static void add_sub_s16(const tmc_add_params *p, const tmc_broadcast *b,
                        const int16_t *x1, const int16_t *x2, int16_t *y,
                        int negate) {
  TMC_BCAST_EACH_T(int16_t, b, x1, x2, y, {
    const int32_t v1 = scaled(u, p->input1_offset, p->left_shift,
                              p->input1_multiplier, p->input1_shift);
    const int32_t v2 = scaled(v, p->input2_offset, p->left_shift,
                              p->input2_multiplier, p->input2_shift);
    const int32_t raw = negate ? v1 - v2 : v1 + v2;
    const int32_t o = tmc_mbqm_smaller_than_one(raw, p->output_multiplier,
                                                p->output_shift) +
                      p->output_offset;
    *out = (int16_t)tmc_clamp_i32(o, p->act_min, p->act_max);
  });
}

/* add_sub_flat's conditions (its input rescales are add_sub's). */
static bool flat_right(const tmc_add_params *p, const tmc_broadcast *b) {
  return b->rank == 1 && b->stride1[0] == 1 && b->stride2[0] == 1 && p->left_shift == 20 &&
         p->output_shift <= -1 && p->output_shift >= -31 && p->output_multiplier >= 0;
}

void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (flat_right(p, b) && add_sub_flat(p, b->dims[0], input1, input2, output, 0)) return;
  add_sub(p, b, input1, input2, output, 0);
}

void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (flat_right(p, b) && add_sub_flat(p, b->dims[0], input1, input2, output, 1)) return;
  add_sub(p, b, input1, input2, output, 1);
}

void tmc_add_s16(const tmc_add_params *p, const tmc_broadcast *b,
                 const int16_t *input1, const int16_t *input2, int16_t *output) {
  add_sub_s16(p, b, input1, input2, output, 0);
}

void tmc_sub_s16(const tmc_add_params *p, const tmc_broadcast *b,
                 const int16_t *input1, const int16_t *input2, int16_t *output) {
  add_sub_s16(p, b, input1, input2, output, 1);
}
