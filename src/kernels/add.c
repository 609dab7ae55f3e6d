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

/* The same with the output's shift a right one (-31 <= shift <= -1, the
 * usual case) and left_shift 20, in fewer instructions with the same bits
 * on every target: (x + o) << 21 (tmc_rq_apply's doubling included) as one
 * add of x << 21 to o << 21, the input rescales as tmc_rq_apply with that
 * value, the output's by tmc_rq_dsp (dsp.h); each row of the broadcast in
 * a loop of its own (both operands advancing, or one fixed). A narrow
 * activation range is clamped after each row. */
#define ADD_IN(x, k, c) ((tmc_smmulr((x) * (1 << 21) + (k), (c).q) + (c).rc +               \
                          ((((x) * (1 << 21) + (k)) >> 31) & (c).m)) >> (c).r)
static void add_sub_right(const tmc_add_params *p, const tmc_broadcast *b, const int8_t *x1,
                          const int8_t *x2, int8_t *y, int negate) {
  const tmc_rq_ch c1 = tmc_rq_ch_of(p->input1_multiplier, p->input1_shift);
  const tmc_rq_ch c2 = tmc_rq_ch_of(p->input2_multiplier, p->input2_shift);
  const int32_t rows = tmc_bcast_rows(b), n = b->dims[b->rank - 1];
  const int32_t s1 = b->stride1[b->rank - 1], s2 = b->stride2[b->rank - 1];
  const int32_t k1 = (int32_t)((uint32_t)p->input1_offset << 21),
                k2 = (int32_t)((uint32_t)p->input2_offset << 21);
  const int32_t q = p->output_multiplier, rm1 = -p->output_shift - 1,
                off2 = 2 * p->output_offset + 1;
  const bool narrow = p->act_min > -128 || p->act_max < 127;
  int32_t idx[TMC_MAX_DIMS] = {0}, off1 = 0, offb = 0, r, i;
  for (r = 0; r < rows; ++r, y += n) {
    const int8_t *a = x1 + off1, *c = x2 + offb;
    if (s1 == 1 && s2 == 1 && !negate) {
      for (i = 0; i < n; ++i)
        y[i] = tmc_rq_dsp(ADD_IN(a[i], k1, c1) + ADD_IN(c[i], k2, c2), q, rm1, off2);
    } else if (s2 == 0 && !negate) {
      const int32_t cv = ADD_IN(c[0], k2, c2);
      for (i = 0; i < n; ++i) y[i] = tmc_rq_dsp(ADD_IN(a[i * s1], k1, c1) + cv, q, rm1, off2);
    } else {
      for (i = 0; i < n; ++i) {
        const int32_t v1 = ADD_IN(a[i * s1], k1, c1), v2 = ADD_IN(c[i * s2], k2, c2);
        y[i] = tmc_rq_dsp(negate ? v1 - v2 : v1 + v2, q, rm1, off2);
      }
    }
    if (narrow) tmc_clamp_run_s8(y, (size_t)n, p->act_min, p->act_max);
    tmc_bcast_next(b, idx, &off1, &offb);
  }
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

/* add_sub_right's conditions (its input rescales are add_sub's). */
static bool right_out(const tmc_add_params *p) {
  return p->left_shift == 20 && p->output_shift <= -1 && p->output_shift >= -31 &&
         p->output_multiplier >= 0;
}

void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (right_out(p)) {
    add_sub_right(p, b, input1, input2, output, 0);
    return;
  }
  add_sub(p, b, input1, input2, output, 0);
}

void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (right_out(p)) {
    add_sub_right(p, b, input1, input2, output, 1);
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
