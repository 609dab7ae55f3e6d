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
 * A pixel whose window lies inside the input reads its taps at constant
 * strides from the window's first tap (3x3: one asm block for all its
 * 4-channel blocks; 3, 5 and 7 wide rows: one asm block a row); the
 * others read the clipped rectangle the same way. The shift tables hold r
 * - 1 = ~shift where the lowering put it (the low byte of a packed bias
 * word, or rq_shift: see lower_conv.c), so a right shift's
 * requantization reads it as it is (tmc_rq_dsp); a layer with a shift >=
 * 0 (a multiplier of 0.5 or more) takes the general requantization on
 * the same accumulators. Channel c of pixel p is written once channel c
 * (and the block's others) of p's window is read: the planner's
 * WINDOW_CHANNEL rule holds (writes reach p * C + c + 4 when the lowest
 * input still needed is start(p) + c + 4). */
#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* The per-channel tables and output constants, copied out of the params
 * (the int8 output stores could alias them for the compiler): rm1 the
 * r - 1 table (NULL: in the bias words' low byte); off2 for tmc_rq_dsp;
 * ioff the input offset in both int16 halves; narrow when the activation
 * range is inside int8, [lo, hi]; gen when a channel's shift is >= 0
 * (dw_rq_gen). */
typedef struct dw_ctx {
  const int32_t *bias, *mult;
  const int8_t *rm1, *wb; /* wb: the filter as _arrange wrote it */
  uint32_t ioff;
  int32_t io, off2, out_off, lo, hi, narrow, gen;
  size_t cs, xr, c_n;  /* input steps of a window column and row; channels */
  int32_t kw, nt;      /* filter width, taps */
} dw_ctx;

/* r - 1 (in the low byte) and the accumulator's start of channel c. */
#define DW_RM1(rb, rs, c) ((rs) ? (int32_t)(rs)[c] : (rb)[c])
#define DW_BIAS(rb, rs, c) ((rs) ? (rb)[c] : (rb)[c] >> 8)

/* TFLite's shift of channel c (~ the stored r - 1). */
static int32_t dw_shift(const dw_ctx *k, size_t c) {
  return ~(int32_t)(int8_t)(uint8_t)(DW_RM1(k->bias, k->rm1, c) & 255);
}

/* The requantization of accumulator a of a channel with the stored
 * low byte rm1 (the low byte of the word rm1) in a layer with a shift >=
 * 0 somewhere: tmc_rq_dsp for a right shift (rm1 = r - 1 >= 0), else
 * (rm1 = ~shift < 0) TFLite's high multiply of a * 2^shift (requant.h:
 * SMMULR of a 2^(shift + 1)) plus the zero point, saturated to int8
 * (tmc_fast_rq_prepare bounds a * 2^(shift+1); a narrow range's clamp
 * follows, as for tmc_rq_dsp). */
TMC_INLINE int8_t dw_rq_gen(int32_t a, int32_t q, int32_t rm1, int32_t off2, int32_t off) {
  const int32_t r = (int8_t)(uint8_t)(rm1 & 255);
  if (r >= 0) return tmc_rq_dsp(a, q, rm1, off2);
  return (int8_t)tmc_ssat8(tmc_smmulr(tmc_wrap_shl(a, -r), q) + off);
}

/* The asm blocks below need up to 13 registers: an optimised build (GCC
 * or Clang) for a DSP core; others take the portable forms (same bits). */
#if TMC_DSP_NATIVE && defined(__GNUC__) && defined(__OPTIMIZE__)
#define TMC_DW_ASM 1
#else
#define TMC_DW_ASM 0
#endif

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
#if TMC_DW_ASM
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
#if TMC_DW_ASM
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
#define DW_ROW1_BODY DW_LD("[%[xa]]", "0")
#define DW_ROW2_BODY DW_ROW1_BODY DW_LD("[%[xa], %[cs]]", "4")
#define DW_ROW3_BODY DW_ROW2_BODY DW_LD("[%[xa], %[cs], lsl #1]", "8")
#endif

TMC_INLINE void dw_row(const int8_t *x, size_t cs, const int8_t *w, int32_t n, uint32_t o,
                       int32_t *pa0, int32_t *pa1, int32_t *pa2, int32_t *pa3) {
  int32_t a0 = *pa0, a1 = *pa1, a2 = *pa2, a3 = *pa3;
#if TMC_DW_ASM
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

/* Channels [c0, k->c_n) (c0 a multiple of 4) of one output pixel, then
 * the narrow range's clamp of all its channels: nh x nw taps inside the
 * input (nw >= 1; nh possibly 0), the first at x0, taps k->cs apart in a
 * row and rows k->xr apart; wt0 the first tap's index in the filter's
 * raster order. Out of line: the caller's loops stay in registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void dw_pixel(const dw_ctx *k, const int8_t *x0, int32_t nh, int32_t nw, int32_t wt0,
                     size_t c0, int8_t *y) {
  const int32_t *const rb = k->bias, *const rm = k->mult;
  const int8_t *const rs = k->rm1;
  const int32_t off2 = k->off2, kw = k->kw;
  const size_t nt = (size_t)k->nt, c_n = k->c_n, cs = k->cs, xr = k->xr;
  const size_t wr = 4 * (size_t)kw;
  const uint32_t o = k->ioff;
  size_t c;
  int32_t ky, kx;
  const int8_t *wt = k->wb + c0 * nt + 4 * (size_t)wt0;
  for (c = c0; c + 4 <= c_n; c += 4, wt += 4 * nt) {
    int32_t a0 = DW_BIAS(rb, rs, c), a1 = DW_BIAS(rb, rs, c + 1), a2 = DW_BIAS(rb, rs, c + 2),
            a3 = DW_BIAS(rb, rs, c + 3);
    const int8_t *xp = x0 + c, *wp = wt;
    for (ky = 0; ky < nh; ++ky, xp += xr, wp += wr)
      dw_row(xp, cs, wp, nw, o, &a0, &a1, &a2, &a3);
    if (k->gen) {
      const int32_t off = k->out_off;
      y[c] = dw_rq_gen(a0, rm[c], DW_RM1(rb, rs, c), off2, off);
      y[c + 1] = dw_rq_gen(a1, rm[c + 1], DW_RM1(rb, rs, c + 1), off2, off);
      y[c + 2] = dw_rq_gen(a2, rm[c + 2], DW_RM1(rb, rs, c + 2), off2, off);
      y[c + 3] = dw_rq_gen(a3, rm[c + 3], DW_RM1(rb, rs, c + 3), off2, off);
    } else {
      y[c] = tmc_rq_dsp(a0, rm[c], DW_RM1(rb, rs, c), off2);
      y[c + 1] = tmc_rq_dsp(a1, rm[c + 1], DW_RM1(rb, rs, c + 1), off2);
      y[c + 2] = tmc_rq_dsp(a2, rm[c + 2], DW_RM1(rb, rs, c + 2), off2);
      y[c + 3] = tmc_rq_dsp(a3, rm[c + 3], DW_RM1(rb, rs, c + 3), off2);
    }
  }
  for (; c < c_n; ++c) { /* the tail: nt taps a channel, in raster order */
    int32_t a = DW_BIAS(rb, rs, c);
    const int8_t *wp = k->wb + c * nt + wt0;
    for (ky = 0; ky < nh; ++ky, wp += kw)
      for (kx = 0; kx < nw; ++kx)
        a = tmc_wrap_add(a, (x0[(size_t)ky * xr + (size_t)kx * cs + c] + k->io) * wp[kx]);
    y[c] = k->gen ? dw_rq_gen(a, rm[c], DW_RM1(rb, rs, c), off2, k->out_off)
                  : tmc_rq_dsp(a, rm[c], DW_RM1(rb, rs, c), off2);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}

/* The DSP cores' 3x3 interior pixel of a layer with packed tables and
 * right shifts only, its 4-channel blocks (at least one) in one asm
 * block of 13 registers: per block 4 biases (packed words >> 8), the 9
 * taps (DW_MAC4_ASM), then each channel's tmc_rq_dsp (2 acc doubled for
 * SMMULR, whose sign is acc's: |acc| < 2^30) reading r - 1 from the low
 * byte of its packed word, stored in order. The pointers the blocks walk
 * and the constants live in a small frame, loaded when needed. The
 * portable form does the same in C. */
typedef struct dw_frame {
  const int32_t *bp, *mp; /* offsets 0, 4: bias words, multipliers */
  int8_t *yp;             /* 8 */
  int32_t off2;           /* 12 */
  int8_t *yend;           /* 16: past the last block's outputs */
  int32_t xr, cs;         /* 20, 24 */
  uint32_t ioff;          /* 28 */
} dw_frame;

#if TMC_DW_ASM
#define DW_OUT_ASM(A)                                                     \
  "ldr %[cs], [%[f]], #4\n\t"                                              \
  "lsl %[" A "], %[" A "], #1\n\t"                                         \
  "smmulr %[cs], %[" A "], %[cs]\n\t"                                      \
  "add %[cs], %[cs], %[" A "], asr #31\n\t"                                \
  "ldr %[" A "], [%[e]], #4\n\t"                                           \
  "asr %[cs], %[cs], %[" A "]\n\t"                                         \
  "add %[cs], %[cs], %[wv]\n\t"                                            \
  "ssat %[cs], #8, %[cs], asr #1\n\t"                                      \
  "strb %[cs], [%[xv]], #1\n\t"
#define DW_ROW3A(O0, O1, O2)                                               \
  "ldr %[xv], [%[xa]]\n\t"                                                 \
  "ldr %[wv], [%[wa], #" O0 "]\n\t" DW_MAC4_ASM                            \
  "ldr %[xv], [%[xa], %[cs]]\n\t"                                          \
  "ldr %[wv], [%[wa], #" O1 "]\n\t" DW_MAC4_ASM                            \
  "ldr %[xv], [%[xa], %[cs], lsl #1]\n\t"                                  \
  "ldr %[wv], [%[wa], #" O2 "]\n\t" DW_MAC4_ASM

static void dw_pixel33_asm(dw_frame *fr, const int8_t *xa, const int8_t *wa) {
  int32_t a0, a1, a2, a3;
  uint32_t e_, f_, xv_, wv_;
  int32_t cs = fr->cs;
  const uint32_t o = fr->ioff;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[e], [%[c]]\n\t"
      "ldrd %[p], %[q], [%[e]]\n\t"
      "ldrd %[r], %[s], [%[e], #8]\n\t"
      "asr %[p], %[p], #8\n\t"
      "asr %[q], %[q], #8\n\t"
      "asr %[r], %[r], #8\n\t"
      "asr %[s], %[s], #8\n\t"
      DW_ROW3A("0", "4", "8")
      "ldr %[e], [%[c], #20]\n\t"
      "add %[xa], %[xa], %[e]\n\t"
      DW_ROW3A("12", "16", "20")
      "ldr %[e], [%[c], #20]\n\t"
      "add %[xa], %[xa], %[e]\n\t"
      DW_ROW3A("24", "28", "32")
      "ldr %[e], [%[c], #20]\n\t"
      "sub %[xa], %[xa], %[e], lsl #1\n\t"
      "add %[xa], %[xa], #4\n\t"
      "add %[wa], %[wa], #36\n\t"
      "ldrd %[e], %[f], [%[c]]\n\t"
      "ldrd %[xv], %[wv], [%[c], #8]\n\t"
      DW_OUT_ASM("p") DW_OUT_ASM("q") DW_OUT_ASM("r") DW_OUT_ASM("s")
      "strd %[e], %[f], [%[c]]\n\t"
      "str %[xv], [%[c], #8]\n\t"
      "ldr %[e], [%[c], #16]\n\t"
      "ldr %[cs], [%[c], #24]\n\t"
      "cmp %[xv], %[e]\n\t"
      "blo 1b"
      : [p] "=&r"(a0), [q] "=&r"(a1), [r] "=&r"(a2), [s] "=&r"(a3), [e] "=&r"(e_),
        [f] "=&r"(f_), [xv] "=&r"(xv_), [wv] "=&r"(wv_), [xa] "+r"(xa), [wa] "+r"(wa),
        [cs] "+r"(cs)
      : [c] "r"(fr), [o] "r"(o)
      : "cc", "memory");
}
#undef DW_OUT_ASM
#undef DW_ROW3A
#else
static void dw_pixel33_asm(dw_frame *fr, const int8_t *xa, const int8_t *wa) {
  const size_t cs = (size_t)fr->cs, xr = (size_t)fr->xr;
  for (; fr->yp < fr->yend; fr->yp += 4, fr->bp += 4, fr->mp += 4, xa += 4, wa += 36) {
    const int32_t *const bp = fr->bp;
    int32_t a0 = bp[0] >> 8, a1 = bp[1] >> 8, a2 = bp[2] >> 8, a3 = bp[3] >> 8;
    dw_row(xa, cs, wa, 3, fr->ioff, &a0, &a1, &a2, &a3);
    dw_row(xa + xr, cs, wa + 12, 3, fr->ioff, &a0, &a1, &a2, &a3);
    dw_row(xa + 2 * xr, cs, wa + 24, 3, fr->ioff, &a0, &a1, &a2, &a3);
    fr->yp[0] = tmc_rq_dsp(a0, fr->mp[0], bp[0], fr->off2);
    fr->yp[1] = tmc_rq_dsp(a1, fr->mp[1], bp[1], fr->off2);
    fr->yp[2] = tmc_rq_dsp(a2, fr->mp[2], bp[2], fr->off2);
    fr->yp[3] = tmc_rq_dsp(a3, fr->mp[3], bp[3], fr->off2);
  }
}
#endif

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
  const size_t ps = (size_t)p->stride_w * c_n, c4 = c_n & ~(size_t)3;
  size_t c;
  int32_t b, oy, ox, ox0, ox1;
  for (c = 0; c < c_n; ++c)
    if (dw_shift(&k, c) >= 0) k.gen = 1;
  const int fast33 = f->h == 3 && f->w == 3 && k.rm1 == NULL && !k.gen && c4 > 0;
  dw_frame fr = {k.bias, k.mult, y, k.off2, y, (int32_t)k.xr, (int32_t)k.cs, k.ioff};
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
      if (nh == f->h) a0 = ox0, a1 = ox1;
      for (ox = 0; ox < out->w; ++ox, y += out->c) {
        if (ox == a0 && a0 < a1) { /* the row's interior */
          const int8_t *x0 = xrow + (size_t)(ox * p->stride_w - p->pad_left) * c_n;
          for (; ox < a1; ++ox, x0 += ps, y += out->c) {
            if (fast33) {
              fr.bp = k.bias, fr.mp = k.mult, fr.yp = y, fr.yend = y + c4;
              dw_pixel33_asm(&fr, x0, k.wb);
              if (c4 < c_n || k.narrow) dw_pixel(&k, x0, 3, 3, 0, c4, y);
            } else {
              dw_pixel(&k, x0, nh, f->w, 0, 0, y);
            }
          }
          if (ox == out->w) break;
        }
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
        if (nh > 0 && kx1 > kx0)
          dw_pixel(&k, xrow + (size_t)(ix0 + kx0 * p->dilation_w) * c_n, nh, kx1 - kx0,
                   ky0 * f->w + kx0, 0, y);
        else /* no tap inside: the bias alone */
          dw_pixel(&k, xb, 0, 1, 0, 0, y);
      }
    }
  }
}
