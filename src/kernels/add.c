/* add.c - int8 ADD and SUB, bit-exact with TFLite's AddFunc / SubFunc:
 * both inputs are offset, shifted left by left_shift (20), rescaled to a
 * common scale, added (subtracted), rescaled to the output, offset, clamped.
 * Broadcasting through per-dim strides (tmc_broadcast). */
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

static inline int32_t scaled(int32_t v, int32_t offset, int32_t left_shift,
                             int32_t m, int32_t s) {
  return tmc_mbqm_smaller_than_one(tmc_wrap_shl(v + offset, (int)left_shift),
                                   m, s);
}

/* One element type's loop (T int8_t or int16_t). */
#define ADD_SUB(T)                                                            \
  TMC_BCAST_EACH_T(T, b, x1, x2, y, {                                         \
    const int32_t v1 = scaled(u, p->input1_offset, p->left_shift,             \
                              p->input1_multiplier, p->input1_shift);         \
    const int32_t v2 = scaled(v, p->input2_offset, p->left_shift,             \
                              p->input2_multiplier, p->input2_shift);         \
    const int32_t raw = negate ? v1 - v2 : v1 + v2;                           \
    const int32_t o = tmc_mbqm_smaller_than_one(raw, p->output_multiplier,    \
                                                p->output_shift) +            \
                      p->output_offset;                                       \
    *out = (T)tmc_clamp_i32(o, p->act_min, p->act_max);                       \
  })

static void add_sub(const tmc_add_params *p, const tmc_broadcast *b,
                    const int8_t *x1, const int8_t *x2, int8_t *y,
                    int negate) {
  ADD_SUB(int8_t);
}

static void add_sub_s16(const tmc_add_params *p, const tmc_broadcast *b,
                        const int16_t *x1, const int16_t *x2, int16_t *y,
                        int negate) {
  ADD_SUB(int16_t);
}

void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
  add_sub(p, b, input1, input2, output, 0);
}

void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output) {
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
