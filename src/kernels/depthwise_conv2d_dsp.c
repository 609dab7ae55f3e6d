/* depthwise_conv2d_dsp.c - int8 DEPTHWISE_CONV_2D with depth_multiplier 1
 * (any window, stride, dilation, padding up to TMC_DW_MAX_TAPS taps) for
 * the cores with the DSP extension (dsp.h), bit for bit TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel.
 *
 * The input offset is folded into rq_bias at compile time (as the portable
 * fast path does, tmc_depthwise_conv2d_s8_fold_bias), so a tap adds w * x
 * of raw int8 values, and a tap outside the input reads a row of the
 * input zero point (w * zp cancels that tap's share of the folded term,
 * exactly the reference's skipping of it). Channels go in blocks of 4: per
 * tap one word of 4 inputs and one of 4 weights (1HWC: adjacent channels),
 * SXTB16 of each and of each rotated by 8 give the even and odd channels
 * as int16 halves, and SMLABB / SMLATT add the 4 products to 4
 * accumulators: 2 loads, 4 extensions and 4 multiply-accumulates per 4
 * channels and tap. The last in.c % 4 channels go one at a time.
 *
 * Per output row, the pixels whose window lies inside the input (the
 * interior, found once per call) read their taps at constant strides
 * from the window's first tap (a 3x3 window: one asm block of its 9
 * taps); the others (borders) get a table of tap pointers. The shift
 * tables hold r - 1 = ~shift where the lowering put it (the low byte of a
 * packed bias word, or rq_shift: see lower_conv.c), so a right shift's
 * requantization reads it as it is (tmc_rq_dsp); a layer with a shift >= 0
 * (a multiplier of 0.5 or more) takes the general requantization of the
 * portable fast path (requant.h tmc_rq_s8) on the same accumulators.
 * Channel c of pixel p is written once channel c (and the block's others)
 * of p's window is read: the planner's WINDOW_CHANNEL rule holds (writes
 * reach p * C + c + 4 when the lowest input still needed is start(p) + c +
 * 4). */
#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

size_t tmc_depthwise_conv2d_s8_dsp_scratch_bytes(const tmc_dims4 *input) {
  return (size_t)input->c; /* the row of the input zero point */
}

/* The per-channel tables and output constants, copied out of the params
 * (the int8 output stores could alias them for the compiler): rm1 the
 * r - 1 table (NULL: in the bias words' low byte); off2 for tmc_rq_dsp;
 * narrow when the activation range is inside int8, [lo, hi]; gen when a
 * channel's shift is >= 0 (general requantization). */
typedef struct dw_ctx {
  const int32_t *bias, *mult;
  const int8_t *rm1;
  int32_t off2, out_off, lo, hi, narrow, gen;
} dw_ctx;

/* r - 1 (in the low byte) and the accumulator's start of channel c. */
#define DW_RM1(rb, rs, c) ((rs) ? (int32_t)(rs)[c] : (rb)[c])
#define DW_BIAS(rb, rs, c) ((rs) ? (rb)[c] : (rb)[c] >> 8)

/* TFLite's shift of channel c (~ the stored r - 1). */
static int32_t dw_shift(const dw_ctx *k, size_t c) {
  return ~(int32_t)(int8_t)(uint8_t)(DW_RM1(k->bias, k->rm1, c) & 255);
}

/* The requantization of n accumulators of channels c.. of a layer with a
 * shift >= 0 somewhere: tmc_rq_dsp for a right shift, else TFLite's
 * high multiply of acc * 2^shift (requant.h: SMMULR of 2 acc 2^shift) plus
 * the zero point, clamped (tmc_fast_rq_prepare bounds acc * 2^(shift+1)). */
static void dw_out_gen(const dw_ctx *k, size_t c, const int32_t *acc, size_t n, int8_t *y) {
  for (size_t j = 0; j < n; ++j) {
    const int32_t s = dw_shift(k, c + j), q = k->mult[c + j], x = acc[j];
    if (s < 0) {
      y[j] = tmc_rq_dsp(x, q, ~s, k->off2);
    } else {
      const int32_t v = tmc_smmulr(tmc_wrap_shl(x, (int)s + 1), q) + k->out_off;
      y[j] = (int8_t)(v < k->lo ? k->lo : (v > k->hi ? k->hi : v));
    }
  }
}

/* The 4 outputs of the block of channels c.. from a0..a3 (locals rb, rm,
 * rs, off2 of the caller). */
#define DW_OUT4(k, c, y)                                                  \
  do {                                                                    \
    if ((k)->gen) {                                                       \
      const int32_t acc_[4] = {a0, a1, a2, a3};                           \
      dw_out_gen((k), (c), acc_, 4, (y));                                 \
    } else {                                                              \
      (y)[0] = tmc_rq_dsp(a0, rm[(c)], DW_RM1(rb, rs, (c)), off2);         \
      (y)[1] = tmc_rq_dsp(a1, rm[(c) + 1], DW_RM1(rb, rs, (c) + 1), off2); \
      (y)[2] = tmc_rq_dsp(a2, rm[(c) + 2], DW_RM1(rb, rs, (c) + 2), off2); \
      (y)[3] = tmc_rq_dsp(a3, rm[(c) + 3], DW_RM1(rb, rs, (c) + 3), off2); \
    }                                                                     \
  } while (0)

/* One output of channel c from a. */
#define DW_OUT1(k, c, y)                                                  \
  do {                                                                    \
    if ((k)->gen)                                                         \
      dw_out_gen((k), (c), &a, 1, (y));                                   \
    else                                                                  \
      *(y) = tmc_rq_dsp(a, rm[(c)], DW_RM1(rb, rs, (c)), off2);            \
  } while (0)

/* The locals the pixel functions work from (not through k: the output
 * stores and the asm blocks' memory clobber would reload them). */
#define DW_LOCALS(k)                                                      \
  const int32_t *const rb = (k)->bias, *const rm = (k)->mult;             \
  const int32_t off2 = (k)->off2

/* One tap of a 4-channel block: the products of the words at xp and wp. */
#define DW_TAP(xp, wp)                                             \
  do {                                                             \
    const uint32_t xv = tmc_dsp_load(xp), wv = tmc_dsp_load(wp);   \
    TMC_DSP_MAC4(xv, wv, a0, a1, a2, a3);                          \
  } while (0)

/* All channels of one output pixel whose taps are taps[0..nt) (wb: the
 * filter as _arrange wrote it). rs: the r - 1 table (NULL: packed). */
TMC_INLINE void dw_pixel(const dw_ctx *k, const int8_t *rs, const int8_t *const *taps,
                         int32_t nt, const int8_t *wb, size_t c_n, int8_t *y) {
  DW_LOCALS(k);
  size_t c;
  int32_t t;
  const int8_t *wt = wb;
  for (c = 0; c + 4 <= c_n; c += 4, wt += 4 * (size_t)nt) {
    int32_t a0 = DW_BIAS(rb, rs, c), a1 = DW_BIAS(rb, rs, c + 1), a2 = DW_BIAS(rb, rs, c + 2),
            a3 = DW_BIAS(rb, rs, c + 3);
    for (t = 0; t < nt; ++t) DW_TAP(taps[t] + c, wt + 4 * t);
    DW_OUT4(k, c, y + c);
  }
  for (; c < c_n; ++c, wt += nt) {
    int32_t a = DW_BIAS(rb, rs, c);
    for (t = 0; t < nt; ++t) a = tmc_wrap_add(a, taps[t][c] * wt[t]);
    DW_OUT1(k, c, y + c);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}

/* Channels [c0, c_n) (c0 a multiple of 4) of one output pixel whose
 * window lies inside the input, then the narrow range's clamp of all its
 * channels: its first tap at x0, taps cs apart in a row and rows xr apart
 * (no table). */
static void dw_pixel_in(const dw_ctx *k, const int8_t *rs, const int8_t *x0, size_t cs,
                        size_t xr, int32_t kh, int32_t kw, const int8_t *wb, size_t c0,
                        size_t c_n, int8_t *y) {
  const size_t nt = (size_t)kh * (size_t)kw;
  DW_LOCALS(k);
  size_t c;
  int32_t ky, kx;
  const int8_t *wt = wb + c0 * nt;
  for (c = c0; c + 4 <= c_n; c += 4, wt += 4 * nt) {
    int32_t a0 = DW_BIAS(rb, rs, c), a1 = DW_BIAS(rb, rs, c + 1), a2 = DW_BIAS(rb, rs, c + 2),
            a3 = DW_BIAS(rb, rs, c + 3);
    const int8_t *xp = x0 + c, *wp = wt;
    for (ky = 0; ky < kh; ++ky, xp += xr)
      for (kx = 0; kx < kw; ++kx, wp += 4) DW_TAP(xp + (size_t)kx * cs, wp);
    DW_OUT4(k, c, y + c);
  }
  for (; c < c_n; ++c, wt += nt) {
    int32_t a = DW_BIAS(rb, rs, c);
    const int8_t *wp = wt;
    for (ky = 0; ky < kh; ++ky)
      for (kx = 0; kx < kw; ++kx, ++wp)
        a = tmc_wrap_add(a, x0[(size_t)ky * xr + (size_t)kx * cs + c] * *wp);
    DW_OUT1(k, c, y + c);
  }
  if (k->narrow) tmc_clamp_run_s8(y, c_n, k->lo, k->hi);
}

/* The DSP cores' 3x3 interior pixel of a layer with packed tables and
 * right shifts only, its 4-channel blocks (at least one) in one asm
 * block of 12 registers: per block 4 biases (packed words >> 8), the 9
 * taps (as TMC_DSP_ROW3 three times), then each channel's tmc_rq_dsp (2 acc doubled for
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
} dw_frame;

#if TMC_DSP_NATIVE && defined(__GNUC__)
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
#define DW_ROW_ASM(O0, O1, O2)                                            \
  "ldr %[xv], [%[xa]]\n\t"                                                 \
  "ldr %[wv], [%[wa], #" O0 "]\n\t" TMC_DSP_MAC4_ASM                       \
  "ldr %[xv], [%[xa], %[cs]]\n\t"                                          \
  "ldr %[wv], [%[wa], #" O1 "]\n\t" TMC_DSP_MAC4_ASM                       \
  "ldr %[xv], [%[xa], %[cs], lsl #1]\n\t"                                  \
  "ldr %[wv], [%[wa], #" O2 "]\n\t" TMC_DSP_MAC4_ASM

static void dw_pixel33_asm(dw_frame *fr, const int8_t *xa, const int8_t *wa) {
  int32_t a0, a1, a2, a3;
  uint32_t e_, f_, xv_, wv_;
  int32_t cs = fr->cs;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[e], [%[c]]\n\t"
      "ldrd %[p], %[q], [%[e]]\n\t"
      "ldrd %[r], %[s], [%[e], #8]\n\t"
      "asr %[p], %[p], #8\n\t"
      "asr %[q], %[q], #8\n\t"
      "asr %[r], %[r], #8\n\t"
      "asr %[s], %[s], #8\n\t"
      DW_ROW_ASM("0", "4", "8")
      "ldr %[e], [%[c], #20]\n\t"
      "add %[xa], %[xa], %[e]\n\t"
      DW_ROW_ASM("12", "16", "20")
      "ldr %[e], [%[c], #20]\n\t"
      "add %[xa], %[xa], %[e]\n\t"
      DW_ROW_ASM("24", "28", "32")
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
      : [c] "r"(fr)
      : "cc", "memory");
}
#undef DW_OUT_ASM
#undef DW_ROW_ASM
#else
static void dw_pixel33_asm(dw_frame *fr, const int8_t *xa, const int8_t *wa) {
  const size_t cs = (size_t)fr->cs, xr = (size_t)fr->xr;
  for (; fr->yp < fr->yend; fr->yp += 4, fr->bp += 4, fr->mp += 4, xa += 4, wa += 36) {
    const int32_t *const bp = fr->bp;
    int32_t a0 = bp[0] >> 8, a1 = bp[1] >> 8, a2 = bp[2] >> 8, a3 = bp[3] >> 8;
    TMC_DSP_ROW3(xa, cs, wa, 0, a0, a1, a2, a3);
    TMC_DSP_ROW3(xa + xr, cs, wa, 12, a0, a1, a2, a3);
    TMC_DSP_ROW3(xa + 2 * xr, cs, wa, 24, a0, a1, a2, a3);
    fr->yp[0] = tmc_rq_dsp(a0, fr->mp[0], bp[0], fr->off2);
    fr->yp[1] = tmc_rq_dsp(a1, fr->mp[1], bp[1], fr->off2);
    fr->yp[2] = tmc_rq_dsp(a2, fr->mp[2], bp[2], fr->off2);
    fr->yp[3] = tmc_rq_dsp(a3, fr->mp[3], bp[3], fr->off2);
  }
}
#endif

#undef DW_TAP

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
                                 int8_t *y, void *scratch) {
  const int8_t *w = p->w_blocks;
  const size_t c_n = (size_t)in->c;
  const int32_t nt = f->h * f->w;
  dw_ctx k = {p->rq_bias, p->rq_mult, p->rq_shift, 2 * p->output_offset + 1, p->output_offset,
              p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127, 0};
  const size_t cs = (size_t)p->dilation_w * c_n, xr = (size_t)p->dilation_h * in->w * c_n;
  const size_t ps = (size_t)p->stride_w * c_n;
  int8_t *zrow = (int8_t *)scratch;
  const int8_t *taps[TMC_DW_MAX_TAPS];
  size_t c;
  int32_t b, oy, ox, ox0, ox1;
  for (c = 0; c < c_n; ++c) {
    zrow[c] = (int8_t)-p->input_offset;
    if (dw_shift(&k, c) >= 0) k.gen = 1;
  }
  const size_t c4 = c_n & ~(size_t)3;
  const int fast33 = f->h == 3 && f->w == 3 && k.rm1 == NULL && !k.gen && c4 > 0;
  dw_frame fr = {k.bias, k.mult, y, k.off2, y, (int32_t)xr, (int32_t)cs};
  dw_interior(out->w, p->stride_w, (f->w - 1) * p->dilation_w + 1, p->pad_left, in->w, &ox0,
              &ox1);
  for (b = 0; b < out->n; ++b) {
    const int8_t *xb = x + (size_t)b * in->h * in->w * c_n;
    for (oy = 0; oy < out->h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1, a0 = out->w, a1 = out->w;
      tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
      if (ky0 == 0 && ky1 == f->h) a0 = ox0, a1 = ox1;
      for (ox = 0; ox < out->w; ++ox, y += out->c) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        if (ox == a0 && a0 < a1) { /* the row's interior */
          const int8_t *x0 = xb + ((size_t)iy0 * in->w + (size_t)ix0) * c_n;
          for (; ox < a1; ++ox, x0 += ps, y += out->c) {
            if (fast33) {
              fr.bp = k.bias, fr.mp = k.mult, fr.yp = y, fr.yend = y + c4;
              dw_pixel33_asm(&fr, x0, w);
              if (c4 < c_n || k.narrow) dw_pixel_in(&k, NULL, x0, cs, xr, 3, 3, w, c4, c_n, y);
            } else {
              dw_pixel_in(&k, k.rm1, x0, cs, xr, f->h, f->w, w, 0, c_n, y);
            }
          }
          if (ox == out->w) break;
        }
        tmc_window_taps(xb, in, f->h, f->w, p->dilation_h, p->dilation_w, iy0, ky0, ky1,
                        ox * p->stride_w - p->pad_left, zrow, taps);
        dw_pixel(&k, k.rm1, taps, nt, w, c_n, y);
      }
    }
  }
}
