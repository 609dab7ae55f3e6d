/* fully_connected_dsp.c - int8 FULLY_CONNECTED for the DSP cores without
 * scratch (kernels.h tmc_fully_connected_s8_dsp_rows), bit-exact with
 * TFLite's reference_integer_ops::FullyConnected(PerChannel).
 *
 * The input offset is folded into rq_bias at compile time (plan/quant.h
 * tmc_dsp_fold_bias), so the kernel sums w * x over the raw int8 input,
 * read in place. The weights are rearranged at compile time into words in
 * the order the loop reads them (tmc_fully_connected_s8_dsp_rows_arrange),
 * replacing the model's array: for every group of 4 output rows, per input
 * quad the 4 rows' words (one LDM of 4 registers on the DSP cores), then
 * per tail column (depth % 4) one word of the 4 rows' weights; the last
 * units % 4 rows follow one by one, each its quads and then its tail in
 * one zero-padded word. Each input quad is loaded and split (SXTB16) once
 * for 4 rows: per 16 MACs LDR + LDM + 10 SXTB16 + 8 SMLAD. Integer sums in
 * any order are the reference's sums (no partial sum wraps: the lowering
 * bounds them, tmc_dsp_acc_bound), and tmc_rq_dsp (dsp.h) its
 * requantization (every shift a right shift: the lowering's condition).
 * Row b of the input is read while its outputs are written, as the direct
 * kernel (the planner's overlap rule). */
#include <stdbool.h>
#include <stddef.h>

#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* The little-endian word of bytes b0..b3. */
static uint32_t pack4(int8_t b0, int8_t b1, int8_t b2, int8_t b3) {
  return (uint32_t)(uint8_t)b0 | (uint32_t)(uint8_t)b1 << 8 | (uint32_t)(uint8_t)b2 << 16 |
         (uint32_t)(uint8_t)b3 << 24;
}

size_t tmc_fully_connected_s8_dsp_rows_words(int32_t units, int32_t depth) {
  const size_t q = (size_t)(depth >> 2), t = (size_t)(depth & 3);
  return (size_t)(units >> 2) * (4 * q + t) + (size_t)(units & 3) * (q + (t > 0));
}

void tmc_fully_connected_s8_dsp_rows_arrange(int32_t units, int32_t depth, const int8_t *w,
                                             int32_t *out) {
  const int32_t q = depth >> 2, t = depth & 3;
  uint32_t *o = (uint32_t *)out;
  int32_t u = 0, i, r;
  for (; u + 4 <= units; u += 4) {
    const int8_t *w0 = w + (size_t)u * (size_t)depth;
    for (i = 0; i < q; ++i)
      for (r = 0; r < 4; ++r) {
        const int8_t *s = w0 + (size_t)r * (size_t)depth + 4 * i;
        *o++ = pack4(s[0], s[1], s[2], s[3]);
      }
    for (i = 4 * q; i < depth; ++i)
      *o++ = pack4(w0[i], w0[depth + i], w0[2 * (size_t)depth + i], w0[3 * (size_t)depth + i]);
  }
  for (; u < units; ++u) {
    const int8_t *s = w + (size_t)u * (size_t)depth;
    for (i = 0; i < q; ++i, s += 4) *o++ = pack4(s[0], s[1], s[2], s[3]);
    if (t > 0) *o++ = pack4(s[0], t > 1 ? s[1] : 0, t > 2 ? s[2] : 0, 0);
  }
}

/* a0..a3 (int32 lvalues) += the dot products of the nq input quads at x
 * with the 4 rows' words at w (4 per quad, rows in order); x and w are
 * advanced past them. */
#if TMC_DSP_NATIVE && defined(__GNUC__)
#define FC_QUAD                                                                       \
  "ldr %[xe], [%[x]], #4\n\t"                                                         \
  "ldmia %[w]!, {r8, r9, r10, r12}\n\t"                                               \
  "sxtb16 %[xo], %[xe], ror #8\n\t"                                                   \
  "sxtb16 %[xe], %[xe]\n\t"                                                           \
  "sxtb16 %[t], r8\n\t"                                                               \
  "smlad %[a0], %[xe], %[t], %[a0]\n\t"                                               \
  "sxtb16 r8, r8, ror #8\n\t"                                                         \
  "smlad %[a0], %[xo], r8, %[a0]\n\t"                                                 \
  "sxtb16 %[t], r9\n\t"                                                               \
  "smlad %[a1], %[xe], %[t], %[a1]\n\t"                                               \
  "sxtb16 r9, r9, ror #8\n\t"                                                         \
  "smlad %[a1], %[xo], r9, %[a1]\n\t"                                                 \
  "sxtb16 %[t], r10\n\t"                                                              \
  "smlad %[a2], %[xe], %[t], %[a2]\n\t"                                               \
  "sxtb16 r10, r10, ror #8\n\t"                                                       \
  "smlad %[a2], %[xo], r10, %[a2]\n\t"                                                \
  "sxtb16 %[t], r12\n\t"                                                              \
  "smlad %[a3], %[xe], %[t], %[a3]\n\t"                                               \
  "sxtb16 r12, r12, ror #8\n\t"                                                       \
  "smlad %[a3], %[xo], r12, %[a3]\n\t"
#define FC_DOT4(X_, W_, NQ_, a0, a1, a2, a3)                                              \
  do {                                                                                \
    uint32_t xe_, xo_, t_;                                                            \
    if ((NQ_) & 1)                                                                     \
      __asm__(FC_QUAD                                                                 \
              : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(X_), \
                [w] "+r"(W_), [xe] "=&r"(xe_), [xo] "=&r"(xo_), [t] "=&r"(t_)          \
              :                                                                       \
              : "r8", "r9", "r10", "r12", "memory");                                  \
    if ((NQ_) >= 2) {                                                                  \
      const int8_t *e_ = (X_) + 4 * (size_t)((NQ_) & ~1);                               \
      __asm__("1:\n\t" FC_QUAD FC_QUAD                                                \
              "cmp %[x], %[e]\n\t"                                                    \
              "bne 1b"                                                                \
              : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(X_), \
                [w] "+r"(W_), [xe] "=&r"(xe_), [xo] "=&r"(xo_), [t] "=&r"(t_)          \
              : [e] "r"(e_)                                                           \
              : "r8", "r9", "r10", "r12", "cc", "memory");                            \
    }                                                                                 \
  } while (0)
#else
#define FC_DOT4(X_, W_, NQ_, a0, a1, a2, a3)                                              \
  do {                                                                                \
    for (int32_t i_ = 0; i_ < (NQ_); ++i_, (X_) += 4, (W_) += 4) {                       \
      const uint32_t v_ = tmc_dsp_load(X_), e_ = tmc_sxtb16(v_), o_ = tmc_sxtb16_ror8(v_); \
      (a0) = tmc_smlad(o_, tmc_sxtb16_ror8((W_)[0]), tmc_smlad(e_, tmc_sxtb16((W_)[0]), a0)); \
      (a1) = tmc_smlad(o_, tmc_sxtb16_ror8((W_)[1]), tmc_smlad(e_, tmc_sxtb16((W_)[1]), a1)); \
      (a2) = tmc_smlad(o_, tmc_sxtb16_ror8((W_)[2]), tmc_smlad(e_, tmc_sxtb16((W_)[2]), a2)); \
      (a3) = tmc_smlad(o_, tmc_sxtb16_ror8((W_)[3]), tmc_smlad(e_, tmc_sxtb16((W_)[3]), a3)); \
    }                                                                                 \
  } while (0)
#endif

/* The signed byte k of word v. */
static inline int32_t byte_of(uint32_t v, int k) {
  return (int32_t)((v >> (8 * k) & 0xffu) ^ 0x80u) - 0x80;
}

/* One batch row: x (read in place) to y; rs the shift table or NULL
 * (packed into rq_bias). */
TMC_INLINE void fc_row(const tmc_fully_connected_params *p, const int8_t *rs, int32_t depth,
                       const int8_t *x, int32_t out_depth, int8_t *y) {
  const int32_t q = depth >> 2, t = depth & 3;
  const int32_t *const rb = p->rq_bias, *const rm = p->rq_mult;
  const size_t pc = p->per_channel ? 1 : 0;
  const int32_t off2 = 2 * p->output_offset + 1;
  const uint32_t *w = (const uint32_t *)p->w_rows;
  const int8_t *const xt = x + 4 * q; /* the tail columns */
  int32_t o, i;
  for (o = 0; o + 4 <= out_depth; o += 4) {
    const size_t c = (size_t)o;
    const int8_t *xp = x;
    int32_t a0 = tmc_rq_bias(rb, rs, c), a1 = tmc_rq_bias(rb, rs, c + 1),
            a2 = tmc_rq_bias(rb, rs, c + 2), a3 = tmc_rq_bias(rb, rs, c + 3);
    FC_DOT4(xp, w, q, a0, a1, a2, a3);
    for (i = 0; i < t; ++i, ++w) {
      const int32_t xv = xt[i];
      const uint32_t v = *w;
      a0 = tmc_wrap_add(a0, byte_of(v, 0) * xv);
      a1 = tmc_wrap_add(a1, byte_of(v, 1) * xv);
      a2 = tmc_wrap_add(a2, byte_of(v, 2) * xv);
      a3 = tmc_wrap_add(a3, byte_of(v, 3) * xv);
    }
    y[c] = tmc_rq_dsp(a0, rm[c * pc], tmc_rq_rm1(rb, rs, c, c * pc), off2);
    y[c + 1] = tmc_rq_dsp(a1, rm[(c + 1) * pc], tmc_rq_rm1(rb, rs, c + 1, (c + 1) * pc), off2);
    y[c + 2] = tmc_rq_dsp(a2, rm[(c + 2) * pc], tmc_rq_rm1(rb, rs, c + 2, (c + 2) * pc), off2);
    y[c + 3] = tmc_rq_dsp(a3, rm[(c + 3) * pc], tmc_rq_rm1(rb, rs, c + 3, (c + 3) * pc), off2);
  }
  for (; o < out_depth; ++o) { /* the last units % 4 rows */
    const size_t c = (size_t)o;
    int32_t acc = tmc_rq_bias(rb, rs, c);
    for (i = 0; i < q; ++i, ++w) {
      const uint32_t v = tmc_dsp_load(x + 4 * i);
      acc = tmc_smlad(tmc_sxtb16(v), tmc_sxtb16(*w), acc);
      acc = tmc_smlad(tmc_sxtb16_ror8(v), tmc_sxtb16_ror8(*w), acc);
    }
    if (t > 0) {
      for (i = 0; i < t; ++i) acc = tmc_wrap_add(acc, byte_of(*w, i) * xt[i]);
      ++w;
    }
    y[c] = tmc_rq_dsp(acc, rm[c * pc], tmc_rq_rm1(rb, rs, c, c * pc), off2);
  }
}

void tmc_fully_connected_s8_dsp_rows(const tmc_fully_connected_params *p, int32_t batches,
                                     int32_t accum_depth, const int8_t *x, int32_t out_depth,
                                     int8_t *y) {
  const bool narrow = p->act_min > -128 || p->act_max < 127;
  for (int32_t b = 0; b < batches; ++b, x += accum_depth, y += out_depth) {
    fc_row(p, p->rq_shift, accum_depth, x, out_depth, y);
    if (narrow) tmc_clamp_run_s8(y, (size_t)out_depth, p->act_min, p->act_max);
  }
}
