/* depthwise_conv2d_dsp.c - int8 DEPTHWISE_CONV_2D with depth_multiplier 1
 * (any window, stride, dilation, padding up to TMC_DW_MAX_TAPS taps) for
 * the cores with the DSP extension (dsp.h), bit for bit TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel.
 *
 * rq_bias holds the model's bias (no input offset folded in) and every
 * tap adds w * (x + input_offset) as the reference does, so a pixel's
 * window is clipped to the taps inside the input and the others are
 * skipped (no zero-point row, no scratch; a 7x7 window on a 5x5 input
 * does the reference's work, not 49 taps a pixel). Channels go in blocks
 * of 4: per tap one word of 4 inputs and one of 4 weights (1HWC: adjacent
 * channels); SXTAB16 of the input word (and of it rotated by 8) with the
 * offset pair gives x + input_offset of the even (odd) channels as int16
 * halves, SXTB16 the weights', and SMLABB / SMLATT add the 4 products to
 * 4 accumulators: 2 loads, 4 extensions and 4 multiply-accumulates per 4
 * channels and tap. The last in.c % 4 channels go one at a time.
 *
 * A 3x3 filter's pixel whose window inside the input is 3x3, 3x2, 2x3 or
 * 2x2 taps runs its 4-channel blocks in one asm block (dw_run33 ...:
 * taps at constant strides from the window's first tap), any other reads
 * its clipped rectangle row by row (3, 2 or 1 taps an asm block). The
 * lowering stores each multiplier q as 2q - 2^32 (q in [2^30, 2^31)), so
 * that SMMLAR(acc, q2, acc) is the SMMULR(2 acc, q) of TFLite's high
 * multiply in one instruction, and the shift as r - 1 = ~shift in the low
 * byte of a packed bias word or in rq_shift (see lower_conv.c), the
 * operand of the rounding shift's ASR (dw_rq). In a layer with a shift >=
 * 0 (a multiplier of 0.5 or more) somewhere, the 4-channel blocks holding
 * one take the general requantization (dw_rq_gen), in C; the others stay
 * in the asm blocks. Channel c of pixel p is written once channel c (and
 * the block's others) of p's window is read: the planner's WINDOW_CHANNEL
 * rule holds (writes reach p * C + c + 4 when the lowest input still
 * needed is start(p) + c + 4). */
#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* The per-channel tables and output constants, copied out of the params
 * (the int8 output stores could alias them for the compiler): rm1 the
 * r - 1 table (NULL: in the bias words' low byte); q2 the multipliers as
 * 2q - 2^32 (the lowering's form: tmc_smmlar); off2 for the right shifts'
 * requantization; ioff the input offset in both int16 halves; narrow when
 * the activation range is inside int8, [lo, hi]; gen when a channel's
 * shift is >= 0 (dw_rq_gen). */
typedef struct dw_ctx {
  const int32_t *bias, *q2;
  const int8_t *rm1, *wb; /* wb: the filter as _arrange wrote it */
  uint32_t ioff;
  int32_t io, off2, out_off, lo, hi, narrow, gen;
  size_t cs, xr, c_n;  /* input steps of a window column and row; channels */
  int32_t kw, nt;      /* filter width, taps */
} dw_ctx;

/* The common right-shift requantization unrolled (GCC), the rarer general
 * one a loop: flash. */
#if defined(__GNUC__) && !defined(__clang__)
#define TMC_UNROLL4 _Pragma("GCC unroll 4")
#else
#define TMC_UNROLL4
#endif

/* r - 1 (in the low byte) and the accumulator's start of channel c. */
#define DW_RM1(rb, rs, c) ((rs) ? (int32_t)(rs)[c] : (rb)[c])
#define DW_BIAS(rb, rs, c) ((rs) ? (rb)[c] : (rb)[c] >> 8)

/* TFLite's shift of channel c (~ the stored r - 1). */
static int32_t dw_shift(const dw_ctx *k, size_t c) {
  return ~(int32_t)(int8_t)(uint8_t)(DW_RM1(k->bias, k->rm1, c) & 255);
}

/* The int8 output (before a narrow range's clamp) of accumulator a of a
 * channel with a right shift r (rm1 = r - 1 in the low byte), multiplier
 * q2 = 2q - 2^32: v = SMMULR(2a, q) = SMMLAR(a, q2, a), rounded shift as
 * requant.h's tmc_rq_dsp_x2 (|a| < 2^30), off2 = 2 * zero point + 1. */
TMC_INLINE int8_t dw_rq(int32_t a, int32_t q2, int32_t rm1, int32_t off2) {
  const int32_t u = tmc_smmlar(a, q2, a) + (a >> 31);
  return (int8_t)tmc_ssat8((tmc_asr_lo8(u, rm1) + off2) >> 1);
}

/* dw_rq in a layer with a shift >= 0 somewhere: for such a channel (rm1 =
 * ~shift < 0) TFLite's high multiply of a * 2^shift (requant.h: SMMULR of
 * a 2^(shift + 1) and q = q2 / 2 + 2^31) plus the zero point, saturated to
 * int8 (tmc_fast_rq_prepare bounds a * 2^(shift+1)); a narrow range's
 * clamp follows, as for dw_rq. */
TMC_INLINE int8_t dw_rq_gen(int32_t a, int32_t q2, int32_t rm1, int32_t off2, int32_t off) {
  const int32_t r = (int8_t)(uint8_t)(rm1 & 255);
  if (r >= 0) return dw_rq(a, q2, rm1, off2);
  return (int8_t)tmc_ssat8(tmc_smmulr(tmc_wrap_shl(a, -r), (int32_t)((uint32_t)q2 >> 1)) + off);
}

/* One tap of a 4-channel block: the int8 quads xv (inputs) and wv
 * (weights), (x + offset) * w added to a0..a3 in the order bytes 0, 1, 2,
 * 3 (int32 lvalues; wrapping, as SMLABB / SMLATT); o the offset pair. */
#define DW_MAC4_ASM                                                                      \
  "sxtab16 %[e], %[o], %[xv]\n\t"                                                        \
  "sxtb16 %[f], %[wv]\n\t"                                                               \
  "smlabb %[p], %[e], %[f], %[p]\n\t"                                                    \
  "smlatt %[r], %[e], %[f], %[r]\n\t"                                                    \
  "sxtab16 %[e], %[o], %[xv], ror #8\n\t"                                                \
  "sxtb16 %[f], %[wv], ror #8\n\t"                                                       \
  "smlabb %[q], %[e], %[f], %[q]\n\t"                                                    \
  "smlatt %[s], %[e], %[f], %[s]\n\t"
#if TMC_DSP_ASM
#define DW_MAC4(xv_, wv_, o_, a0, a1, a2, a3)                                            \
  do {                                                                                   \
    uint32_t e_, f_;                                                                     \
    __asm__(DW_MAC4_ASM                                                                  \
            : [p] "+r"(a0), [q] "+r"(a1), [r] "+r"(a2), [s] "+r"(a3), [e] "=&r"(e_),      \
              [f] "=&r"(f_)                                                               \
            : [xv] "r"(xv_), [wv] "r"(wv_), [o] "r"(o_));                                 \
  } while (0)
#else
#define DW_MAC4(xv_, wv_, o_, a0, a1, a2, a3)                                            \
  do {                                                                                   \
    const uint32_t xe_ = tmc_sxtab16((o_), (xv_)), we_ = tmc_sxtb16(wv_);                 \
    const uint32_t xo_ = tmc_sxtab16_ror8((o_), (xv_)), wo_ = tmc_sxtb16_ror8(wv_);       \
    (a0) = tmc_wrap_add((a0), tmc_dsp_lo(xe_) * tmc_dsp_lo(we_));                        \
    (a2) = tmc_wrap_add((a2), tmc_dsp_hi(xe_) * tmc_dsp_hi(we_));                        \
    (a1) = tmc_wrap_add((a1), tmc_dsp_lo(xo_) * tmc_dsp_lo(wo_));                        \
    (a3) = tmc_wrap_add((a3), tmc_dsp_hi(xo_) * tmc_dsp_hi(wo_));                        \
  } while (0)
#endif

/* One row of n taps of a 4-channel block: inputs at x, x + cs, ...,
 * weights at w, w + 4, ... (n >= 1). On the DSP cores asm blocks of 3, 2
 * or 1 taps (register-offset and immediate-offset LDRs, unaligned); the
 * memory clobber keeps the loads after the stores before them (the
 * output may overlap the input). */
#if TMC_DSP_ASM
#define DW_LD(XO, WO) "ldr %[xv], " XO "\n\tldr %[wv], [%[wa], #" WO "]\n\t" DW_MAC4_ASM
#define DW_ROW_ASM(BODY)                                                                 \
  do {                                                                                   \
    uint32_t xv_, wv_, e_, f_;                                                           \
    __asm__(BODY                                                                         \
            : [p] "+r"(a0), [q] "+r"(a1), [r] "+r"(a2), [s] "+r"(a3), [e] "=&r"(e_),      \
              [f] "=&r"(f_), [xv] "=&r"(xv_), [wv] "=&r"(wv_)                              \
            : [xa] "r"(x), [cs] "r"(cs), [wa] "r"(w), [o] "r"(o)                          \
            : "memory");                                                                 \
  } while (0)
#define DW_X0 "[%[xa]]"
#define DW_X1 "[%[xa], %[cs]]"
#define DW_X2 "[%[xa], %[cs], lsl #1]"
#define DW_ROW1_BODY DW_LD(DW_X0, "0")
#define DW_ROW2_BODY DW_ROW1_BODY DW_LD(DW_X1, "4")
#define DW_ROW3_BODY DW_ROW2_BODY DW_LD(DW_X2, "8")
#endif

TMC_INLINE void dw_row(const int8_t *x, size_t cs, const int8_t *w, int32_t n, uint32_t o,
                       int32_t *pa0, int32_t *pa1, int32_t *pa2, int32_t *pa3) {
  int32_t a0 = *pa0, a1 = *pa1, a2 = *pa2, a3 = *pa3;
#if TMC_DSP_ASM
  for (; n > 3; n -= 3, x += 3 * cs, w += 12) DW_ROW_ASM(DW_ROW3_BODY);
  if (n == 3)
    DW_ROW_ASM(DW_ROW3_BODY);
  else if (n == 2)
    DW_ROW_ASM(DW_ROW2_BODY);
  else
    DW_ROW_ASM(DW_ROW1_BODY);
#else
  for (int32_t t = 0; t < n; ++t, x += cs, w += 4)
    DW_MAC4(tmc_dsp_load(x), tmc_dsp_load(w), o, a0, a1, a2, a3);
#endif
  *pa0 = a0, *pa1 = a1, *pa2 = a2, *pa3 = a3;
}

/* Channels [c0, c1) of one output pixel in 4-channel blocks (c0 a
 * multiple of 4), then, when c1 is k->c_n, the last c_n % 4 channels
 * and the narrow range's clamp of all its channels: nh x nw taps inside
 * the input (nw >= 1; nh possibly 0), the first at x0, taps k->cs apart
 * in a row and rows k->xr apart; wt0 the first tap's index in the
 * filter's raster order. Out of line: the caller's loops stay in
 * registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void dw_pixel(const dw_ctx *k, const int8_t *x0, int32_t nh, int32_t nw, int32_t wt0,
                     size_t c0, size_t c1, int8_t *y) {
  const int32_t *const rb = k->bias, *const rm = k->q2;
  const int8_t *const rs = k->rm1;
  const int32_t off2 = k->off2, kw = k->kw;
  const size_t nt = (size_t)k->nt, c_n = k->c_n, cs = k->cs, xr = k->xr;
  const size_t wr = 4 * (size_t)kw;
  const uint32_t o = k->ioff;
  size_t c;
  int32_t ky, kx;
  const int8_t *wt = k->wb + c0 * nt + 4 * (size_t)wt0;
  for (c = c0; c + 4 <= c1; c += 4, wt += 4 * nt) {
    int32_t a0 = DW_BIAS(rb, rs, c), a1 = DW_BIAS(rb, rs, c + 1), a2 = DW_BIAS(rb, rs, c + 2),
            a3 = DW_BIAS(rb, rs, c + 3);
    const int8_t *xp = x0 + c, *wp = wt;
    for (ky = 0; ky < nh; ++ky, xp += xr, wp += wr)
      dw_row(xp, cs, wp, nw, o, &a0, &a1, &a2, &a3);
    const int32_t acc[4] = {a0, a1, a2, a3};
    int j;
    if (k->gen)
      for (j = 0; j < 4; ++j)
        y[c + j] = dw_rq_gen(acc[j], rm[c + j], DW_RM1(rb, rs, c + j), off2, k->out_off);
    else
      TMC_UNROLL4 for (j = 0; j < 4; ++j) y[c + j] = dw_rq(acc[j], rm[c + j], DW_RM1(rb, rs, c + j), off2);
  }
  if (c1 < c_n) return;
  for (; c < c_n; ++c) { /* the tail: nt taps a channel, in raster order */
    int32_t a = DW_BIAS(rb, rs, c);
    const int8_t *wp = k->wb + c * nt + wt0;
    for (ky = 0; ky < nh; ++ky, wp += kw)
      for (kx = 0; kx < nw; ++kx)
        a = tmc_wrap_add(a, (x0[(size_t)ky * xr + (size_t)kx * cs + c] + k->io) * wp[kx]);
    y[c] = dw_rq_gen(a, rm[c], DW_RM1(rb, rs, c), off2, k->out_off);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}

/* A 3x3 filter's pixel whose window inside the input is 3x3, 3x2, 2x3 or
 * 2x2 taps, in a layer with packed tables: a run of 4-channel blocks with
 * right shifts (at least one) in one asm block of 14 registers. Per block
 * 4 biases (packed words >> 8), the taps (DW_MAC4_ASM; the window's first
 * tap last, its load stepping the input pointer to the next block), then
 * each channel's dw_rq (SMMLAR with q2) reading r - 1 from the low byte of
 * its packed word, stored in order. The pointers the blocks walk and the
 * constants live in a small frame, loaded when needed. The portable form
 * does the same in C. */
typedef struct dw_frame {
  const int32_t *bp, *mp; /* offsets 0, 4: bias words, multipliers (q2) */
  int8_t *yp;             /* 8 */
  int32_t off2;           /* 12 */
  int8_t *yend;           /* 16: past the run's outputs */
  int32_t cs, xr;         /* 20, 24: input steps of a tap and a row */
  uint32_t ioff;          /* 28 */
} dw_frame;

typedef void (*dw_run_fn)(dw_frame *fr, const int8_t *xa, const int8_t *wa);

#if TMC_DSP_ASM
#define DW_OUT_ASM(A)                                                     \
  "ldr %[cs], [%[f]], #4\n\t"                                              \
  "smmlar %[cs], %[" A "], %[cs], %[" A "]\n\t"                            \
  "add %[cs], %[cs], %[" A "], asr #31\n\t"                                \
  "ldr %[" A "], [%[e]], #4\n\t"                                           \
  "asr %[cs], %[cs], %[" A "]\n\t"                                         \
  "add %[cs], %[cs], %[wv]\n\t"                                            \
  "ssat %[cs], #8, %[cs], asr #1\n\t"                                      \
  "strb %[cs], [%[xv]], #1\n\t"
#define DW_DOWN "add %[xa], %[xa], %[xr]\n\t"
/* the window's first tap, post-indexed: xa steps to the next block */
#define DW_FIRST DW_LD("[%[xa]], #4", "0")
#define DW_RUN_FN(NAME, TAPS)                                                            \
  static void NAME(dw_frame *fr, const int8_t *xa, const int8_t *wa) {                   \
    int32_t a0, a1, a2, a3;                                                              \
    uint32_t e_, f_, xv_, wv_;                                                           \
    int32_t cs = fr->cs;                                                                 \
    const int32_t xr = fr->xr;                                                           \
    const uint32_t o = fr->ioff;                                                         \
    __asm__ volatile(                                                                    \
        "1:\n\t"                                                                         \
        "ldr %[e], [%[c]]\n\t"                                                           \
        "ldrd %[p], %[q], [%[e]]\n\t"                                                    \
        "ldrd %[r], %[s], [%[e], #8]\n\t"                                                \
        "asr %[p], %[p], #8\n\t"                                                         \
        "asr %[q], %[q], #8\n\t"                                                         \
        "asr %[r], %[r], #8\n\t"                                                         \
        "asr %[s], %[s], #8\n\t" TAPS                                                    \
        "add %[wa], %[wa], #36\n\t"                                                      \
        "ldrd %[e], %[f], [%[c]]\n\t"                                                    \
        "ldrd %[xv], %[wv], [%[c], #8]\n\t"                                              \
        DW_OUT_ASM("p") DW_OUT_ASM("q") DW_OUT_ASM("r") DW_OUT_ASM("s")                  \
        "strd %[e], %[f], [%[c]]\n\t"                                                    \
        "str %[xv], [%[c], #8]\n\t"                                                      \
        "ldr %[e], [%[c], #16]\n\t"                                                      \
        "ldr %[cs], [%[c], #20]\n\t"                                                     \
        "cmp %[xv], %[e]\n\t"                                                            \
        "blo 1b"                                                                         \
        : [p] "=&r"(a0), [q] "=&r"(a1), [r] "=&r"(a2), [s] "=&r"(a3), [e] "=&r"(e_),      \
          [f] "=&r"(f_), [xv] "=&r"(xv_), [wv] "=&r"(wv_), [xa] "+r"(xa), [wa] "+r"(wa),  \
          [cs] "+r"(cs)                                                                  \
        : [c] "r"(fr), [o] "r"(o), [xr] "r"(xr)                                          \
        : "cc", "memory");                                                               \
  }
/* The taps in program order, weights at 4 * (3 row + column) from wa. */
DW_RUN_FN(dw_run33, DW_LD(DW_X1, "4") DW_LD(DW_X2, "8") DW_DOWN DW_LD(DW_X0, "12")
                        DW_LD(DW_X1, "16") DW_LD(DW_X2, "20") DW_DOWN DW_LD(DW_X0, "24")
                            DW_LD(DW_X1, "28") DW_LD(DW_X2, "32")
                                "sub %[xa], %[xa], %[xr], lsl #1\n\t" DW_FIRST)
DW_RUN_FN(dw_run32, DW_LD(DW_X1, "4") DW_DOWN DW_LD(DW_X0, "12") DW_LD(DW_X1, "16") DW_DOWN
                        DW_LD(DW_X0, "24") DW_LD(DW_X1, "28")
                            "sub %[xa], %[xa], %[xr], lsl #1\n\t" DW_FIRST)
DW_RUN_FN(dw_run23, DW_LD(DW_X1, "4") DW_LD(DW_X2, "8") DW_DOWN DW_LD(DW_X0, "12")
                        DW_LD(DW_X1, "16") DW_LD(DW_X2, "20")
                            "sub %[xa], %[xa], %[xr]\n\t" DW_FIRST)
DW_RUN_FN(dw_run22, DW_LD(DW_X1, "4") DW_DOWN DW_LD(DW_X0, "12") DW_LD(DW_X1, "16")
                        "sub %[xa], %[xa], %[xr]\n\t" DW_FIRST)
#undef DW_RUN_FN
#undef DW_FIRST
#undef DW_DOWN
#undef DW_OUT_ASM
#else
static void dw_run(dw_frame *fr, const int8_t *xa, const int8_t *wa, int32_t nh, int32_t nw) {
  const size_t cs = (size_t)fr->cs, xr = (size_t)fr->xr;
  for (; fr->yp < fr->yend; fr->yp += 4, fr->bp += 4, fr->mp += 4, xa += 4, wa += 36) {
    const int32_t *const bp = fr->bp;
    int32_t a0 = bp[0] >> 8, a1 = bp[1] >> 8, a2 = bp[2] >> 8, a3 = bp[3] >> 8;
    for (int32_t ky = 0; ky < nh; ++ky)
      dw_row(xa + ky * xr, cs, wa + 12 * ky, nw, fr->ioff, &a0, &a1, &a2, &a3);
    fr->yp[0] = dw_rq(a0, fr->mp[0], bp[0], fr->off2);
    fr->yp[1] = dw_rq(a1, fr->mp[1], bp[1], fr->off2);
    fr->yp[2] = dw_rq(a2, fr->mp[2], bp[2], fr->off2);
    fr->yp[3] = dw_rq(a3, fr->mp[3], bp[3], fr->off2);
  }
}
static void dw_run33(dw_frame *fr, const int8_t *xa, const int8_t *wa) { dw_run(fr, xa, wa, 3, 3); }
static void dw_run32(dw_frame *fr, const int8_t *xa, const int8_t *wa) { dw_run(fr, xa, wa, 3, 2); }
static void dw_run23(dw_frame *fr, const int8_t *xa, const int8_t *wa) { dw_run(fr, xa, wa, 2, 3); }
static void dw_run22(dw_frame *fr, const int8_t *xa, const int8_t *wa) { dw_run(fr, xa, wa, 2, 2); }
#endif

/* Whether the 4-channel block at c has a shift >= 0 (the low byte of a
 * packed word ~shift < 0: bit 7). */
static int dw_gen_block(const int32_t *rb, size_t c) {
  return ((rb[c] | rb[c + 1] | rb[c + 2] | rb[c + 3]) & 128) != 0;
}

/* One output pixel of a 3x3 filter with packed tables whose window inside
 * the input is nh x nw taps (2 or 3 each; the first at x0, filter tap
 * wt0): the runs of right-shift blocks in dw_run*, the blocks with a shift
 * >= 0 and the last c_n % 4 channels in dw_pixel. */
static void dw_pixel_runs(const dw_ctx *k, dw_frame *fr, const int8_t *x0, int32_t nh,
                          int32_t nw, int32_t wt0, int8_t *y) {
  static const dw_run_fn runs[4] = {dw_run22, dw_run23, dw_run32, dw_run33};
  const dw_run_fn run = runs[2 * (nh - 2) + (nw - 2)];
  const size_t c4 = k->c_n & ~(size_t)3;
  const int8_t *const wa = k->wb + 4 * (size_t)wt0;
  size_t c = 0, e;
  while (c < c4) {
    e = c4;
    if (k->gen)
      for (e = c; e < c4 && !dw_gen_block(k->bias, e);) e += 4;
    if (e > c) {
      fr->bp = k->bias + c, fr->mp = k->q2 + c, fr->yp = y + c, fr->yend = y + e;
      run(fr, x0 + c, wa + c * 9);
    }
    if (e < c4) dw_pixel(k, x0, nh, nw, wt0, e, e + 4, y), e += 4;
    c = e;
  }
  if (c4 < k->c_n || k->narrow) dw_pixel(k, x0, nh, nw, wt0, c4, k->c_n, y);
}

void tmc_depthwise_conv2d_s8_dsp_arrange(const tmc_dims4 *f, const int8_t *w, int8_t *out) {
  const size_t c_n = (size_t)f->c, nt = (size_t)f->h * (size_t)f->w;
  size_t c, t, j;
  for (c = 0; c + 4 <= c_n; c += 4)
    for (t = 0; t < nt; ++t)
      for (j = 0; j < 4; ++j) out[c * nt + 4 * t + j] = w[t * c_n + c + j];
  for (; c < c_n; ++c)
    for (t = 0; t < nt; ++t) out[c * nt + t] = w[t * c_n + c];
}

/* The first output column whose window starts inside the input, and one
 * past the last whose window ends inside it (sw the stride, span the
 * window's extent, pad the padding before, n the input's extent). */
static void dw_interior(int32_t n_out, int32_t sw, int32_t span, int32_t pad, int32_t n,
                        int32_t *o0, int32_t *o1) {
  int32_t a = (pad + sw - 1) / sw, b = n - span + pad >= 0 ? (n - span + pad) / sw + 1 : 0;
  if (b > n_out) b = n_out;
  if (a > b) a = b;
  *o0 = a;
  *o1 = b;
}

void tmc_depthwise_conv2d_s8_dsp(const tmc_depthwise_conv2d_params *p, const tmc_dims4 *in,
                                 const int8_t *x, const tmc_dims4 *f, const tmc_dims4 *out,
                                 int8_t *y) {
  const size_t c_n = (size_t)in->c;
  const int32_t io = p->input_offset;
  dw_ctx k = {p->rq_bias, p->rq_mult, p->rq_shift, p->w_blocks,
              ((uint32_t)io & 0xffffu) * 0x10001u, io, 2 * p->output_offset + 1,
              p->output_offset, p->act_min, p->act_max,
              p->act_min > -128 || p->act_max < 127, 0,
              (size_t)p->dilation_w * c_n, (size_t)p->dilation_h * in->w * c_n, c_n,
              f->w, f->h * f->w};
  const size_t ps = (size_t)p->stride_w * c_n;
  size_t c;
  int32_t b, oy, ox, ox0, ox1;
  for (c = 0; c < c_n; ++c)
    if (dw_shift(&k, c) >= 0) k.gen = 1;
  /* the asm runs: a 3x3 filter, packed tables, a 4-channel block */
  const int runs = f->h == 3 && f->w == 3 && k.rm1 == NULL && c_n >= 4;
  dw_frame fr = {k.bias, k.q2, y, k.off2, y, (int32_t)k.cs, (int32_t)k.xr, k.ioff};
  dw_interior(out->w, p->stride_w, (f->w - 1) * p->dilation_w + 1, p->pad_left, in->w, &ox0,
              &ox1);
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1, a0 = out->w, a1 = out->w;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      const int32_t nh = ky1 - ky0;
      const int8_t *xrow =
          nh > 0 ? xb + (size_t)(iy0 + ky0 * p->dilation_h) * in->w * c_n : xb;
      const int row_runs = runs && nh >= 2;
      if (nh == f->h) a0 = ox0, a1 = ox1;
      for (ox = 0; ox < out->w; ++ox, y += out->c) {
        if (ox == a0 && a0 < a1) { /* the row's interior */
          const int8_t *x0 = xrow + (size_t)(ox * p->stride_w - p->pad_left) * c_n;
          for (; ox < a1; ++ox, x0 += ps, y += out->c) {
            if (runs)
              dw_pixel_runs(&k, &fr, x0, 3, 3, 0, y);
            else
              dw_pixel(&k, x0, nh, f->w, 0, 0, c_n, y);
          }
          if (ox == out->w) break;
        }
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        const int8_t *x0 = xrow + (size_t)(ix0 + kx0 * p->dilation_w) * c_n;
        if (nh > 0 && kx1 > kx0) {
          if (row_runs && kx1 - kx0 >= 2)
            dw_pixel_runs(&k, &fr, x0, nh, kx1 - kx0, ky0 * f->w + kx0, y);
          else
            dw_pixel(&k, x0, nh, kx1 - kx0, ky0 * f->w + kx0, 0, c_n, y);
        } else { /* no tap inside: the bias alone */
          dw_pixel(&k, xb, 0, 1, 0, 0, c_n, y);
        }
      }
    }
  }
}
