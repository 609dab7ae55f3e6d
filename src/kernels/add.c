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

/* The same for operands of one shape (the broadcast one contiguous run)
 * with the output's shift a right one (-31 <= shift <= -1, the usual
 * case) and left_shift 20, in fewer instructions with the same bits on
 * every target: (x + o) << 21 (tmc_rq_apply's doubling included) as one
 * add of x << 21 to o << 21, the input rescales as tmc_rq_apply with that
 * value, the output's by tmc_rq_dsp (dsp.h), SUB's minus as a product by
 * -1 (one multiply-add). A narrow activation range is clamped after. */
#define ADD_IN(x, k, c) ((tmc_smmulr((x) * (1 << 21) + (k), (c).q) + (c).rc +               \
                          ((((x) * (1 << 21) + (k)) >> 31) & (c).m)) >> (c).r)
static void add_sub_flat(const tmc_add_params *p, int32_t n, const int8_t *x1,
                         const int8_t *x2, int8_t *y, int negate) {
  const tmc_rq_ch c1 = tmc_rq_ch_of(p->input1_multiplier, p->input1_shift);
  const tmc_rq_ch c2 = tmc_rq_ch_of(p->input2_multiplier, p->input2_shift);
  const int32_t k1 = (int32_t)((uint32_t)p->input1_offset << 21),
                k2 = (int32_t)((uint32_t)p->input2_offset << 21);
  const int32_t q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1, ns = negate ? -1 : 1;
  for (int32_t i = 0; i < n; ++i)
    y[i] = tmc_rq_dsp(ADD_IN(x1[i], k1, c1) + ns * ADD_IN(x2[i], k2, c2), q, rm1, off2);
  if (p->act_min > -128 || p->act_max < 127)
    tmc_clamp_run_s8(y, (size_t)n, p->act_min, p->act_max);
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
#if TMC_DSP_NATIVE && defined(__GNUC__)
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
  if (flat_right(p, b)) {
    add_sub_flat(p, b->dims[0], input1, input2, output, 0);
    return;
  }
  add_sub(p, b, input1, input2, output, 0);
}

void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (flat_right(p, b)) {
    add_sub_flat(p, b->dims[0], input1, input2, output, 1);
    return;
  }
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
