/* conv_dsp.c - int8 CONV_2D (one group) and FULLY_CONNECTED for the
 * cores with the DSP extension (dsp.h), bit for bit TFLite's
 * reference_integer_ops::ConvPerChannel and FullyConnected. Below, the
 * 1x1 convolution with no padding (any stride); a k x k window (any
 * stride, dilation, padding: tmc_conv2d_s8_dsp) first copies each
 * pixel's window into the scratch as a row of kh * kw * in.c int8 values,
 * the input zero point for taps outside the input (w * zp cancels that
 * tap's share of the folded bias: the reference skips it), zeros after
 * them to a multiple of 4 (the filter rows padded alike at compile time,
 * w_rows), and then runs as the 1x1 convolution of that row.
 *
 * The input zero point is folded into the bias at compile time (rq_bias[c]
 * = bias[c] + input_offset * sum of filter row c: a 1x1 window has no tap
 * outside the input), so every product is w * x of raw int8 values.
 * Output pixels go in pairs (raster order; in triples where the asm
 * block runs a _dsp3 kernel's layer: triple_channels_asm). A pair's two input pixels are
 * first widened into the scratch, interleaved per quad of channels k..k+3
 * as four words: pixel a's (x[k], x[k+2]) and (x[k+1], x[k+3]) as int16
 * pairs, then pixel b's; the last in.c % 4 channels follow as int16 (a's,
 * then b's). Then each pair of filter rows is read once for the pair of
 * pixels: a word of 4 weights gives (w[k], w[k+2]) by SXTB16 and
 * (w[k+1], w[k+3]) by SXTB16 of the word rotated by 8, and 8 SMLADs make
 * the 16 products of a 2 x 2 (pixels x channels) register tile: 4 loads, 4
 * extensions and 8 SMLADs per 16 multiply-accumulates. An odd last pixel
 * runs alone (its quads as two words each, then its tail; 1 x 2 tiles);
 * an odd last channel runs alone. FULLY_CONNECTED (tmc_fully_connected_s8_dsp)
 * is the same with its batch rows as the pixels. Integer sums in any order are
 * the reference's sums (no partial sum wraps: the lowering bounds them),
 * and tmc_rq_dsp (dsp.h) its requantization (every shift of the layer a right
 * shift: the lowering's condition; the tables hold ~shift, r - 1). On the
 * DSP cores an asm block runs the channel pairs of rows of whole quads
 * (pair_channels_asm), its requantization in 4 instructions an output. All input of a pair is read before any
 * of its outputs is written (the planner's overlap rule for the fast
 * convolution, WINDOW_COPIED, holds). */
#include <stddef.h>
#include <string.h>

#include "dsp.h"
#include "kernels.h"
#include "kutil.h"
#include "requant.h"

/* The widened rows of n pixels of k values: a pair's quads (a partial
 * last quad padded) hold the pair layout of the header. */
static size_t widened_bytes(int32_t k, size_t n) {
  return n > 1 ? (size_t)(k + 3) / 4 * 8 * n : (size_t)k * 2;
}

size_t tmc_conv2d_1x1_s8_dsp_scratch_bytes(const tmc_dims4 *input, const tmc_dims4 *output) {
  const size_t pixels = (size_t)output->n * output->h * output->w;
  return widened_bytes(input->c, pixels > 1 ? 2 : 1); /* one or two pixels, int16 */
}

size_t tmc_conv2d_1x1_s8_dsp3_scratch_bytes(const tmc_dims4 *input) {
  return widened_bytes(input->c, 3);
}

/* Widened rows, then the int8 windows, of n pixels. */
static size_t windows_bytes(const tmc_dims4 *filter, size_t n) {
  const int32_t row = tmc_conv2d_s8_dsp_row(filter);
  return widened_bytes(row, n) + n * (size_t)row;
}

size_t tmc_conv2d_s8_dsp_scratch_bytes(const tmc_dims4 *filter, const tmc_dims4 *output) {
  const size_t pixels = (size_t)output->n * output->h * output->w;
  return windows_bytes(filter, pixels > 1 ? 2 : 1);
}

size_t tmc_conv2d_s8_dsp3_scratch_bytes(const tmc_dims4 *filter) {
  return windows_bytes(filter, 3);
}

size_t tmc_fully_connected_s8_dsp_scratch_bytes(int32_t batches, int32_t accum_depth) {
  return (size_t)accum_depth * 2 * (batches > 1 ? 2 : 1);
}

/* Pixel x (ic_n channels) widened into slot `slot` of a layout of `slots`
 * pixels (2: the pair layout of the header; 1: one pixel's quads and then
 * its tail). */
static void widen_pixel(const int8_t *x, int32_t ic_n, int slot, int slots, uint32_t *w) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  int16_t *tail = (int16_t *)(w + 2 * (size_t)slots * (size_t)q) + slot * t;
  int32_t i;
  w += 2 * slot;
  for (i = 0; i < q; ++i, x += 4, w += 2 * slots) {
    const uint32_t v = tmc_dsp_load(x);
    w[0] = tmc_sxtb16(v);
    w[1] = tmc_sxtb16_ror8(v);
  }
  for (i = 0; i < t; ++i) tail[i] = x[i];
}

/* The requantization and stores: channel oc's multiplier and shift at
 * oc * pc (pc 0: one for all, a per-tensor FULLY_CONNECTED). The tile
 * functions copy it into locals (their int8 stores could alias it for the
 * compiler); one_channels and pair_channels test the shift table (rq_s)
 * per channel (on the DSP cores the asm blocks run the packed pairs and
 * triples of whole quads). */
typedef struct rq_ctx {
  const int32_t *bias, *mult;
  const int8_t *shift;
  int32_t pc, off2, lo, hi, narrow; /* tmc_rq_dsp's off2; narrow: clamp to [lo, hi] */
} rq_ctx;

/* r - 1 of channel c (shift table entry cs) in the low byte: the lowering
 * keeps ~shift in the tables (plan/lower_conv.c dsp_rq_tables). */
static inline int32_t rm1_of(const int32_t *rb, const int8_t *rs, size_t c, size_t cs) {
  return rs ? rs[cs] : rb[c];
}

#define RQ_LOCALS(r)                                                            \
  const int32_t *const rq_b = (r)->bias, *const rq_m = (r)->mult;               \
  const int32_t rq_pc = (r)->pc, rq_off2 = (r)->off2

/* Channel oc of one pixel (store1) or two (store2, its constants once). */
#define STORE1(oc, a, y)                                                        \
  do {                                                                          \
    const int32_t q_ = rq_m[(oc) * rq_pc];                                      \
    const int32_t r_ = rm1_of(rq_b, rq_s, (size_t)(oc), (size_t)((oc) * rq_pc));  \
    (y)[oc] = tmc_rq_dsp(a, q_, r_, rq_off2);                                    \
  } while (0)
#define STORE2(oc, a0, a1, ya, yb)                                              \
  do {                                                                          \
    const int32_t q_ = rq_m[(oc) * rq_pc];                                      \
    const int32_t r_ = rm1_of(rq_b, rq_s, (size_t)(oc), (size_t)((oc) * rq_pc));  \
    (ya)[oc] = tmc_rq_dsp(a0, q_, r_, rq_off2);                                  \
    (yb)[oc] = tmc_rq_dsp(a1, q_, r_, rq_off2);                                  \
  } while (0)

#if TMC_DSP_NATIVE && defined(__GNUC__)
/* ---- The DSP cores' channel loop of a pixel pair (quad_pair) ------------
 * One asm block runs every channel pair of a pixel pair widened (doubled)
 * into the quad layout: per pair, the packed biases, the 2 x 2 tile's
 * quads (two LDRDs of the pixels, two weight LDRs, 4 SXTB16 and 8 SMLADs a
 * quad; the loop unrolled twice and entered in its middle for an odd
 * count), tmc_rq_dsp of the four sums and their stores. The quad loop
 * takes 14 registers, so the rest of the loop's state lives in a
 * pair_asm the block reads and updates: nothing is spilled and no tap
 * address becomes an induction variable. The arithmetic is pair_channels'
 * (which the other cores run), integer sums in another order. */
typedef struct pair_asm {
  const uint32_t *xs, *xend; /* the widened pair, its end */
  const int32_t *bp, *mp;    /* the next pair's packed bias words, multipliers */
  int8_t *ya;                /* the next pair's outputs of pixel a */
  int32_t ybo, off2;         /* yb - ya; tmc_rq_dsp's off2 */
  const int8_t *yend;        /* ya after the last pair */
  int32_t odd, wstep;        /* quads odd; 2 k - 4 quads (the next pair's rows) */
  uint32_t entry;            /* set by the block: where its quad loop starts */
} pair_asm;
#define PA_XS 0
#define PA_XEND 4
#define PA_BP 8
#define PA_MP 12
#define PA_YA 16
#define PA_YBO 20
#define PA_OFF2 24
#define PA_YEND 28
#define PA_ODD 32
#define PA_WSTEP 36
#define PA_ENTRY 40
#define PA_S_(x) #x
#define PA_S(x) "[%[c], #" PA_S_(x) "]"
/* One quad: rows w and w + ws times the pair at xp, into a0, b0, a1, b1. */
#define PA_QUAD                                                                 \
  "ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                          \
  "ldrd %[x2], %[x3], [%[xp]], #8\n\t"                                          \
  "ldr %[u], [%[w], %[ws]]\n\t"                                                 \
  "sxtb16 %[t], %[u]\n\t"                                                       \
  "smlad %[a1], %[x0], %[t], %[a1]\n\t"                                         \
  "smlad %[b1], %[x2], %[t], %[b1]\n\t"                                         \
  "sxtb16 %[u], %[u], ror #8\n\t"                                               \
  "smlad %[a1], %[x1], %[u], %[a1]\n\t"                                         \
  "smlad %[b1], %[x3], %[u], %[b1]\n\t"                                         \
  "ldr %[u], [%[w]], #4\n\t"                                                    \
  "sxtb16 %[t], %[u]\n\t"                                                       \
  "smlad %[a0], %[x0], %[t], %[a0]\n\t"                                         \
  "smlad %[b0], %[x2], %[t], %[b0]\n\t"                                         \
  "sxtb16 %[u], %[u], ror #8\n\t"                                               \
  "smlad %[a0], %[x1], %[u], %[a0]\n\t"                                         \
  "smlad %[b0], %[x3], %[u], %[b0]\n\t"
/* One output: tmc_rq_dsp of acc = 2 x (multiplier q, r - 1 in rm's low
 * byte, off2 2^(r-1) in xp) into acc, in 4 instructions: SMMLAR adds
 * off2 2^(r-1) - [x < 0] to SMMULR(2 x, q) (the lowering proves the sum
 * fits int32: dsp_conv_rq_fits), so that one ASR by r - 1 gives
 * tmc_rq_dsp's w + off2 and SSAT's ASR by 1 its halving. */
#define PA_RQ(acc, q, rm)                                                       \
  "add %[u], %[xp], %[" acc "], asr #31\n\t"                                    \
  "smmlar %[" acc "], %[" acc "], %[" q "], %[u]\n\t"                            \
  "asr %[" acc "], %[" acc "], %[" rm "]\n\t"                                    \
  "ssat %[" acc "], #8, %[" acc "], asr #1\n\t"
/* The blocks' shared steps: the quad loop's entry (an odd count starts in
 * its middle), a Thumb address for the LDR to PC of each pair of rows; the
 * quad loop's end; the next pair of rows until ya reaches yend. */
#define PA_ENTRY_SET                                                            \
  "ldr %[u], " PA_S(PA_ODD) "\n\t"                                               \
  "adr %[t], 1f\n\t"                                                            \
  "cmp %[u], #0\n\t"                                                            \
  "it ne\n\t"                                                                   \
  "adrne %[t], 3f\n\t"                                                          \
  "orr %[t], %[t], #1\n\t"                                                      \
  "str %[t], " PA_S(PA_ENTRY) "\n"
/* A pair of rows' start: its two biases doubled (the packed words >> 7)
 * into a0 and a1, xp at the widened pixels. */
#define PA_PAIR_START                                                           \
  "2:\n\t"                                                                      \
  "ldr %[t], " PA_S(PA_BP) "\n\t"                                                \
  "ldrd %[a0], %[a1], [%[t]]\n\t"                                                \
  "ldr %[xp], " PA_S(PA_XS) "\n\t"                                               \
  "asr %[a0], %[a0], #7\n\t"                                                    \
  "asr %[a1], %[a1], #7\n\t"
/* Its packed words again into x0, x1 (bp stepped past them), xp at its
 * multipliers. */
#define PA_PAIR_WORDS                                                           \
  "ldr %[xp], " PA_S(PA_BP) "\n\t"                                               \
  "ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                           \
  "str %[xp], " PA_S(PA_BP) "\n\t"                                               \
  "ldr %[xp], " PA_S(PA_MP) "\n\t"
#define PA_QUADS_END                                                            \
  "ldr %[u], " PA_S(PA_XEND) "\n\t"                                              \
  "cmp %[xp], %[u]\n\t"                                                         \
  "bne 1b\n\t"
#define PA_NEXT_ROWS                                                            \
  "ldr %[u], " PA_S(PA_WSTEP) "\n\t"                                             \
  "add %[w], %[w], %[u]\n\t"                                                    \
  "ldr %[u], " PA_S(PA_YEND) "\n\t"                                              \
  "cmp %[xp], %[u]\n\t"                                                         \
  "bne 2b"
/* The pairs of rows from w (k = ws apart) until c->ya reaches c->yend. */
static void pair_channels_asm(pair_asm *c, const int8_t *w, int32_t ws) {
  uint32_t a0, b0, a1, b1, x0, x1, x2, x3, u, t;
  const uint32_t *xp;
  _Static_assert(offsetof(pair_asm, xend) == PA_XEND && offsetof(pair_asm, bp) == PA_BP &&
                     offsetof(pair_asm, mp) == PA_MP && offsetof(pair_asm, ya) == PA_YA &&
                     offsetof(pair_asm, ybo) == PA_YBO && offsetof(pair_asm, off2) == PA_OFF2 &&
                     offsetof(pair_asm, yend) == PA_YEND && offsetof(pair_asm, odd) == PA_ODD &&
                     offsetof(pair_asm, wstep) == PA_WSTEP &&
                     offsetof(pair_asm, entry) == PA_ENTRY,
                 "pair_asm offsets");
  __asm__ volatile(
      PA_ENTRY_SET
      PA_PAIR_START
      "mov %[b0], %[a0]\n\t"
      "mov %[b1], %[a1]\n\t"
      "ldr pc, " PA_S(PA_ENTRY) "\n"
      "1:\n\t" PA_QUAD "3:\n\t" PA_QUAD
      PA_QUADS_END
      PA_PAIR_WORDS
      "ldrd %[x2], %[x3], [%[xp]], #8\n\t"
      "str %[xp], " PA_S(PA_MP) "\n\t"
      "ldr %[t], " PA_S(PA_OFF2) "\n\t"
      "lsl %[xp], %[t], %[x0]\n\t"
      PA_RQ("a0", "x2", "x0") PA_RQ("b0", "x2", "x0")
      "lsl %[xp], %[t], %[x1]\n\t"
      PA_RQ("a1", "x3", "x1") PA_RQ("b1", "x3", "x1")
      "ldr %[xp], " PA_S(PA_YA) "\n\t"
      "ldr %[u], " PA_S(PA_YBO) "\n\t"
      "strb %[b0], [%[xp], %[u]]\n\t"
      "strb %[a0], [%[xp]], #1\n\t"
      "strb %[b1], [%[xp], %[u]]\n\t"
      "strb %[a1], [%[xp]], #1\n\t"
      "str %[xp], " PA_S(PA_YA) "\n\t"
      PA_NEXT_ROWS
      : [a0] "=&r"(a0), [b0] "=&r"(b0), [a1] "=&r"(a1), [b1] "=&r"(b1), [xp] "=&r"(xp),
        [w] "+r"(w), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3),
        [u] "=&r"(u), [t] "=&r"(t)
      : [c] "r"(c), [ws] "r"(ws)
      : "cc", "memory");
}

/* The same for a pixel triple widened (doubled) in the triple layout (per
 * quad, pixel a's two words, b's, c's): a 3 x 2 (pixels x channels) tile,
 * each weight quad extended once for three pixels, pixel c's words kept
 * for the second row (5 LDRDs, 2 LDRs, 4 SXTB16 and 12 SMLADs a quad of
 * 24 multiply-accumulates), and the pair's requantization constants read
 * once for its six outputs. Same registers, same frame (xend: 6 words a
 * quad). */
#define TR_QUAD                                                                 \
  "ldr %[u], [%[w], %[ws]]\n\t"                                                 \
  "ldrd %[x0], %[x1], [%[xp]]\n\t"                                              \
  "sxtb16 %[t], %[u]\n\t"                                                       \
  "sxtb16 %[u], %[u], ror #8\n\t"                                               \
  "smlad %[a1], %[x0], %[t], %[a1]\n\t"                                         \
  "smlad %[a1], %[x1], %[u], %[a1]\n\t"                                         \
  "ldrd %[x0], %[x1], [%[xp], #8]\n\t"                                          \
  "smlad %[b1], %[x0], %[t], %[b1]\n\t"                                         \
  "smlad %[b1], %[x1], %[u], %[b1]\n\t"                                         \
  "ldrd %[x0], %[x1], [%[xp], #16]\n\t"                                         \
  "smlad %[c1], %[x0], %[t], %[c1]\n\t"                                         \
  "smlad %[c1], %[x1], %[u], %[c1]\n\t"                                         \
  "ldr %[u], [%[w]], #4\n\t"                                                    \
  "sxtb16 %[t], %[u]\n\t"                                                       \
  "sxtb16 %[u], %[u], ror #8\n\t"                                               \
  "smlad %[c0], %[x0], %[t], %[c0]\n\t"                                         \
  "smlad %[c0], %[x1], %[u], %[c0]\n\t"                                         \
  "ldrd %[x0], %[x1], [%[xp], #8]\n\t"                                          \
  "smlad %[b0], %[x0], %[t], %[b0]\n\t"                                         \
  "smlad %[b0], %[x1], %[u], %[b0]\n\t"                                         \
  "ldrd %[x0], %[x1], [%[xp]], #24\n\t"                                         \
  "smlad %[a0], %[x0], %[t], %[a0]\n\t"                                         \
  "smlad %[a0], %[x1], %[u], %[a0]\n\t"
static void triple_channels_asm(pair_asm *c, const int8_t *w, int32_t ws) {
  uint32_t a0, b0, c0, a1, b1, c1, x0, x1, u, t;
  const uint32_t *xp;
  __asm__ volatile(
      PA_ENTRY_SET
      PA_PAIR_START
      "mov %[b0], %[a0]\n\t"
      "mov %[c0], %[a0]\n\t"
      "mov %[b1], %[a1]\n\t"
      "mov %[c1], %[a1]\n\t"
      "ldr pc, " PA_S(PA_ENTRY) "\n"
      "1:\n\t" TR_QUAD "3:\n\t" TR_QUAD
      PA_QUADS_END
      PA_PAIR_WORDS
      "ldr %[t], [%[xp]]\n\t"
      "ldr %[u], " PA_S(PA_OFF2) "\n\t"
      "lsl %[xp], %[u], %[x0]\n\t"
      PA_RQ("a0", "t", "x0") PA_RQ("b0", "t", "x0") PA_RQ("c0", "t", "x0")
      "ldr %[xp], " PA_S(PA_MP) "\n\t"
      "ldr %[t], [%[xp], #4]\n\t"
      "add %[xp], %[xp], #8\n\t"
      "str %[xp], " PA_S(PA_MP) "\n\t"
      "ldr %[u], " PA_S(PA_OFF2) "\n\t"
      "lsl %[xp], %[u], %[x1]\n\t"
      PA_RQ("a1", "t", "x1") PA_RQ("b1", "t", "x1") PA_RQ("c1", "t", "x1")
      "ldr %[xp], " PA_S(PA_YA) "\n\t"
      "ldr %[u], " PA_S(PA_YBO) "\n\t"
      "strb %[c0], [%[xp], %[u], lsl #1]\n\t"
      "strb %[b0], [%[xp], %[u]]\n\t"
      "strb %[a0], [%[xp]], #1\n\t"
      "strb %[c1], [%[xp], %[u], lsl #1]\n\t"
      "strb %[b1], [%[xp], %[u]]\n\t"
      "strb %[a1], [%[xp]], #1\n\t"
      "str %[xp], " PA_S(PA_YA) "\n\t"
      PA_NEXT_ROWS
      : [a0] "=&r"(a0), [b0] "=&r"(b0), [c0] "=&r"(c0), [a1] "=&r"(a1), [b1] "=&r"(b1),
        [c1] "=&r"(c1), [xp] "=&r"(xp), [w] "+r"(w), [x0] "=&r"(x0), [x1] "=&r"(x1),
        [u] "=&r"(u), [t] "=&r"(t)
      : [c] "r"(c), [ws] "r"(ws)
      : "cc", "memory");
}
#undef TR_QUAD

/* Both int16 halves doubled (SADD16): the widened values of the asm
 * block are 2 x, so that its sums are the 2 x its requantization takes. */
static inline uint32_t twice(uint32_t h) { return (uint32_t)__sadd16((int16x2_t)h, (int16x2_t)h); }
#endif

/* Every output channel of the pixel pair widened at xs (slots 2), to ya
 * and yb. */
TMC_INLINE void pair_channels(const uint32_t *xs, int32_t ic_n, const int8_t *w, int32_t oc_n,
                              const rq_ctx *r, const int8_t *rq_s, int8_t *ya, int8_t *yb) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  const int16_t *tail = (const int16_t *)(xs + 4 * (size_t)q);
  int32_t oc, i, k;
  RQ_LOCALS(r);
  for (oc = 0; oc + 2 <= oc_n; oc += 2, w += 2 * (size_t)ic_n) {
    const int8_t *w0 = w, *w1 = w + ic_n;
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), b0 = a0,
            a1 = tmc_rq_bias(rq_b, rq_s, (size_t)oc + 1), b1 = a1;
    for (i = 0; i < q; ++i, xp += 4) {
      const uint32_t u = tmc_dsp_load(w0 + 4 * i), v = tmc_dsp_load(w1 + 4 * i);
      const uint32_t ue = tmc_sxtb16(u), uo = tmc_sxtb16_ror8(u);
      const uint32_t ve = tmc_sxtb16(v), vo = tmc_sxtb16_ror8(v);
      a0 = tmc_smlad(xp[0], ue, a0);
      a0 = tmc_smlad(xp[1], uo, a0);
      b0 = tmc_smlad(xp[2], ue, b0);
      b0 = tmc_smlad(xp[3], uo, b0);
      a1 = tmc_smlad(xp[0], ve, a1);
      a1 = tmc_smlad(xp[1], vo, a1);
      b1 = tmc_smlad(xp[2], ve, b1);
      b1 = tmc_smlad(xp[3], vo, b1);
    }
    for (k = 0; k < t; ++k) {
      const int32_t xa = tail[k], xb = tail[t + k];
      const int32_t u = w0[4 * q + k], v = w1[4 * q + k];
      a0 = tmc_wrap_add(a0, u * xa);
      b0 = tmc_wrap_add(b0, u * xb);
      a1 = tmc_wrap_add(a1, v * xa);
      b1 = tmc_wrap_add(b1, v * xb);
    }
    STORE2(oc, a0, b0, ya, yb);
    STORE2(oc + 1, a1, b1, ya, yb);
  }
  if (oc < oc_n) { /* the odd last channel */
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), b0 = a0;
    for (i = 0; i < q; ++i, xp += 4) {
      const uint32_t u = tmc_dsp_load(w + 4 * i);
      const uint32_t ue = tmc_sxtb16(u), uo = tmc_sxtb16_ror8(u);
      a0 = tmc_smlad(xp[0], ue, a0);
      a0 = tmc_smlad(xp[1], uo, a0);
      b0 = tmc_smlad(xp[2], ue, b0);
      b0 = tmc_smlad(xp[3], uo, b0);
    }
    for (k = 0; k < t; ++k) {
      a0 = tmc_wrap_add(a0, w[4 * q + k] * tail[k]);
      b0 = tmc_wrap_add(b0, w[4 * q + k] * tail[t + k]);
    }
    STORE2(oc, a0, b0, ya, yb);
  }
}

/* Every output channel of the one pixel widened at xs (slots 1), to y:
 * channels in pairs (1 x 2 tiles), the odd last alone. */
TMC_INLINE void one_channels(const uint32_t *xs, int32_t ic_n, const int8_t *w, int32_t oc_n,
                             const rq_ctx *r, const int8_t *rq_s, int8_t *y) {
  const int32_t q = ic_n >> 2, t = ic_n & 3;
  const int16_t *tail = (const int16_t *)(xs + 2 * (size_t)q);
  int32_t oc, i, k;
  RQ_LOCALS(r);
  for (oc = 0; oc + 2 <= oc_n; oc += 2, w += 2 * (size_t)ic_n) {
    const int8_t *w0 = w, *w1 = w + ic_n;
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc), a1 = tmc_rq_bias(rq_b, rq_s, (size_t)oc + 1);
    for (i = 0; i < q; ++i, xp += 2) {
      const uint32_t u = tmc_dsp_load(w0 + 4 * i), v = tmc_dsp_load(w1 + 4 * i);
      a0 = tmc_smlad(xp[0], tmc_sxtb16(u), a0);
      a0 = tmc_smlad(xp[1], tmc_sxtb16_ror8(u), a0);
      a1 = tmc_smlad(xp[0], tmc_sxtb16(v), a1);
      a1 = tmc_smlad(xp[1], tmc_sxtb16_ror8(v), a1);
    }
    for (k = 0; k < t; ++k) {
      a0 = tmc_wrap_add(a0, w0[4 * q + k] * tail[k]);
      a1 = tmc_wrap_add(a1, w1[4 * q + k] * tail[k]);
    }
    STORE1(oc, a0, y);
    STORE1(oc + 1, a1, y);
  }
  if (oc < oc_n) {
    const uint32_t *xp = xs;
    int32_t a0 = tmc_rq_bias(rq_b, rq_s, (size_t)oc);
    for (i = 0; i < q; ++i, xp += 2) {
      const uint32_t u = tmc_dsp_load(w + 4 * i);
      a0 = tmc_smlad(xp[0], tmc_sxtb16(u), a0);
      a0 = tmc_smlad(xp[1], tmc_sxtb16_ror8(u), a0);
    }
    for (k = 0; k < t; ++k) a0 = tmc_wrap_add(a0, w[4 * q + k] * tail[k]);
    STORE1(oc, a0, y);
  }
}

/* rows[0..n) (n 1 or 2) through the channels: the outputs to ys[i]. */
static void rows_channels(const int8_t *const *rows, int n, int32_t ic_n, const int8_t *w,
                          int32_t oc_n, const rq_ctx *r, uint32_t *xs, int8_t *const *ys) {
  if (n == 2) {
    widen_pixel(rows[0], ic_n, 0, 2, xs);
    widen_pixel(rows[1], ic_n, 1, 2, xs);
    /* one copy, testing the shift table per channel: the DSP cores run
     * the common packed case in quad_pair */
    pair_channels(xs, ic_n, w, oc_n, r, r->shift, ys[0], ys[1]);
  } else {
    widen_pixel(rows[0], ic_n, 0, 1, xs);
    one_channels(xs, ic_n, w, oc_n, r, r->shift, ys[0]);
  }
  if (r->narrow)
    for (int i = 0; i < n; ++i) tmc_clamp_run_s8(ys[i], (size_t)oc_n, r->lo, r->hi);
}

#if TMC_DSP_NATIVE && defined(__GNUC__)
/* Whether the asm block takes a layer: packed tables (one multiplier a
 * channel), rows of whole quads (k % 4 == 0, k >= 4: the rows are read a
 * word at a time) and at least one channel pair; the number of pairs. */
static int32_t fast_pairs(const rq_ctx *r, int32_t k, int32_t oc_n) {
  return r->shift || r->pc != 1 || k < 4 || (k & 3) ? 0 : oc_n / 2;
}

/* The odd last channel (weights row w, packed bias word rb, multiplier q)
 * of the n pixels widened (doubled) at xs in the layout of n slots, quads
 * quads, to ys[i] (i < n): read from the widened pixels, not the input,
 * which the block's outputs may have overwritten (WINDOW_COPIED). */
static void odd_channel(const uint32_t *xs, int n, int32_t quads, const int8_t *w, int32_t rb,
                        int32_t q, int32_t off2, int8_t *const *ys) {
  int32_t acc[3];
  int i;
  for (i = 0; i < n; ++i) acc[i] = rb >> 7; /* twice the bias */
  for (int32_t j = 0; j < quads; ++j, xs += 2 * n) {
    const uint32_t v = tmc_dsp_load(w + 4 * j), we = tmc_sxtb16(v), wo = tmc_sxtb16_ror8(v);
    for (i = 0; i < n; ++i) acc[i] = tmc_smlad(xs[2 * i + 1], wo, tmc_smlad(xs[2 * i], we, acc[i]));
  }
  for (i = 0; i < n; ++i) *ys[i] = tmc_rq_dsp_x2(acc[i], q, rb, off2);
}

/* The pixel pairs of a layer whose rows are whole quads (k % 4 == 0:
 * fast_pairs gives every channel pair to the asm block): the block's
 * invariant state set once (quad_run_init), then per pair (quad_pair) the
 * widening, the block, the odd last channel (rows_channels) and the
 * narrow range's clamp. Outputs of pixel b follow those of a (oc_n
 * apart). */
typedef struct quad_run {
  pair_asm c; /* the asm blocks' frame (xend set per group: group_frame) */
  const rq_ctx *r;
  const int8_t *w;
  int32_t k, oc_n, pairs;
  uint32_t *xs;
} quad_run;

static void quad_run_init(quad_run *q, const int8_t *w, int32_t k, int32_t oc_n,
                          const rq_ctx *r, int32_t pairs, uint32_t *xs) {
  const pair_asm c = {xs, NULL, r->bias, r->mult, NULL, oc_n, r->off2, NULL, (k >> 2) & 1, k, 0};
  q->c = c;
  q->r = r;
  q->w = w;
  q->k = k;
  q->oc_n = oc_n;
  q->pairs = pairs;
  q->xs = xs;
}

/* A group's frame for the asm block (outputs from ya), and after it the
 * odd last channel and the narrow range's clamp of its n pixels (outputs
 * oc_n apart). */
TMC_INLINE pair_asm *group_frame(quad_run *q, int n, int8_t *ya) {
  pair_asm *const c = &q->c;
  c->xend = q->xs + q->k / 4 * 2 * n; /* n pixels' two words a quad */
  c->bp = q->r->bias;
  c->mp = q->r->mult;
  c->ya = ya;
  c->yend = ya + 2 * q->pairs;
  return c;
}
TMC_INLINE void group_rest(const quad_run *q, int n, int8_t *ya) {
  const int32_t k = q->k, oc = 2 * q->pairs;
  if (oc < q->oc_n) { /* the odd last channel */
    int8_t *const rd[3] = {ya + oc, ya + q->oc_n + oc, ya + 2 * q->oc_n + oc};
    odd_channel(q->xs, n, k >> 2, q->w + (size_t)oc * (size_t)k, q->r->bias[oc], q->r->mult[oc],
                q->r->off2, rd);
  }
  if (q->r->narrow) tmc_clamp_run_s8(ya, (size_t)n * (size_t)q->oc_n, q->r->lo, q->r->hi);
}

static void quad_pair(quad_run *q, const int8_t *a, const int8_t *b, int8_t *ya) {
  uint32_t *xs = q->xs;
  const int32_t k = q->k;
  for (int32_t i = 0; i < k; i += 4, xs += 4) {
    const uint32_t u = tmc_dsp_load(a + i), v = tmc_dsp_load(b + i);
    xs[0] = twice(tmc_sxtb16(u));
    xs[1] = twice(tmc_sxtb16_ror8(u));
    xs[2] = twice(tmc_sxtb16(v));
    xs[3] = twice(tmc_sxtb16_ror8(v));
  }
  pair_channels_asm(group_frame(q, 2, ya), q->w, k);
  group_rest(q, 2, ya);
}

/* The same for three pixels (outputs oc_n apart) in triple_channels_asm. */
static void quad_triple(quad_run *q, const int8_t *const *src, int8_t *ya) {
  uint32_t *xs = q->xs;
  const int32_t k = q->k;
  const int8_t *const a = src[0], *const b = src[1], *const c = src[2];
  for (int32_t i = 0; i < k; i += 4, xs += 6) {
    const uint32_t u = tmc_dsp_load(a + i), v = tmc_dsp_load(b + i), t = tmc_dsp_load(c + i);
    xs[0] = twice(tmc_sxtb16(u));
    xs[1] = twice(tmc_sxtb16_ror8(u));
    xs[2] = twice(tmc_sxtb16(v));
    xs[3] = twice(tmc_sxtb16_ror8(v));
    xs[4] = twice(tmc_sxtb16(t));
    xs[5] = twice(tmc_sxtb16_ror8(t));
  }
  triple_channels_asm(group_frame(q, 3, ya), q->w, k);
  group_rest(q, 3, ya);
}
#endif

static void conv_1x1(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                     const int8_t *w, const tmc_dims4 *out, int8_t *y, void *scratch,
                     int triples) {
  const int32_t ic_n = in->c, oc_n = out->c;
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, 1, 2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  const size_t pixels = (size_t)out->n * out->h * out->w;
  const int8_t *src[2];
  int8_t *dst[2];
  int32_t b = 0, oy = 0, ox = 0;
  uint32_t *const xs = (uint32_t *)scratch;
  size_t p0;
  int i;
#if TMC_DSP_NATIVE && defined(__GNUC__)
  const int32_t fast = fast_pairs(&r, ic_n, oc_n);
  quad_run q;
  if (fast) {
    quad_run_init(&q, w, ic_n, oc_n, &r, fast, xs);
    if (p->stride_h == 1 && p->stride_w == 1 && in->h == out->h && in->w == out->w) {
      /* the pixels in a row: triples (a scratch of three), then pairs */
      for (p0 = 0; triples && p0 + 3 <= pixels; p0 += 3) {
        const int8_t *const t3[3] = {x + p0 * (size_t)ic_n, x + (p0 + 1) * (size_t)ic_n,
                                     x + (p0 + 2) * (size_t)ic_n};
        quad_triple(&q, t3, y + p0 * (size_t)oc_n);
      }
      for (; p0 + 2 <= pixels; p0 += 2)
        quad_pair(&q, x + p0 * (size_t)ic_n, x + (p0 + 1) * (size_t)ic_n, y + p0 * (size_t)oc_n);
      if (p0 < pixels) {
        src[0] = x + p0 * (size_t)ic_n;
        dst[0] = y + p0 * (size_t)oc_n;
        rows_channels(src, 1, ic_n, w, oc_n, &r, xs, dst);
      }
      return;
    }
  }
#endif
  (void)triples;
  for (p0 = 0; p0 < pixels; p0 += 2) {
    const int n = pixels - p0 < 2 ? 1 : 2;
    for (i = 0; i < n; ++i) {
      src[i] = x + (((size_t)b * in->h + (size_t)oy * p->stride_h) * in->w +
                    (size_t)ox * p->stride_w) * ic_n;
      dst[i] = y + (p0 + (size_t)i) * (size_t)oc_n;
      if (++ox == out->w) {
        ox = 0;
        if (++oy == out->h) {
          oy = 0;
          ++b;
        }
      }
    }
#if TMC_DSP_NATIVE && defined(__GNUC__)
    if (n == 2 && fast) {
      quad_pair(&q, src[0], src[1], dst[0]);
      continue;
    }
#endif
    rows_channels(src, n, ic_n, w, oc_n, &r, xs, dst);
  }
}

void tmc_conv2d_1x1_s8_dsp(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                           const tmc_dims4 *f, const int8_t *w, const int32_t *bias,
                           const tmc_dims4 *out, int8_t *y, void *scratch) {
  (void)f, (void)bias;
  conv_1x1(p, in, x, w, out, y, scratch, 0);
}

void tmc_conv2d_1x1_s8_dsp3(const tmc_conv2d_params *p, const tmc_dims4 *in, const int8_t *x,
                            const tmc_dims4 *f, const int8_t *w, const int32_t *bias,
                            const tmc_dims4 *out, int8_t *y, void *scratch) {
  (void)f, (void)bias;
  conv_1x1(p, in, x, w, out, y, scratch, 1);
}

/* n bytes from s to d, or of value v: a call for long runs, a loop for
 * the few channels of a first layer (a library call per tap would cost
 * more than the copy). */
static inline void copy_s8(int8_t *d, const int8_t *s, int32_t n) {
  if (n >= 16) {
    memcpy(d, s, (size_t)n);
    return;
  }
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) memcpy(d + i, s + i, 4); /* an unaligned LDR and STR */
  for (; i < n; ++i) d[i] = s[i];
}
static inline void fill_s8(int8_t *d, int8_t v, int32_t n) {
  if (n >= 16) {
    memset(d, v, (size_t)n);
    return;
  }
  for (int32_t i = 0; i < n; ++i) d[i] = v;
}

/* The window of output pixel (oy, ox) of batch xb as kh * kw * in.c int8
 * values at d, zp for the taps outside the input. */
static void window_row(const tmc_conv2d_dsp_params *p, const tmc_dims4 *in, const int8_t *xb,
                       const tmc_dims4 *f, int32_t oy, int32_t ox, int8_t zp, int8_t *d) {
  const int32_t c = in->c, iy0 = oy * p->stride_h - p->pad_top,
                ix0 = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1, ky, kx;
  if (p->dilation_w == 1 && iy0 >= 0 && ix0 >= 0 && ix0 + f->w <= in->w &&
      iy0 + (f->h - 1) * p->dilation_h < in->h) { /* inside: one run a row */
    const int8_t *s = xb + ((size_t)iy0 * in->w + (size_t)ix0) * (size_t)c;
    const size_t step = (size_t)p->dilation_h * in->w * (size_t)c;
    const int32_t n = f->w * c;
    for (ky = 0; ky < f->h; ++ky, s += step, d += n) copy_s8(d, s, n);
    return;
  }
  tmc_tap_range(iy0, p->dilation_h, f->h, in->h, &ky0, &ky1);
  tmc_tap_range(ix0, p->dilation_w, f->w, in->w, &kx0, &kx1);
  for (ky = 0; ky < f->h; ++ky) {
    if (ky < ky0 || ky >= ky1) {
      fill_s8(d, zp, f->w * c);
      d += (size_t)f->w * (size_t)c;
      continue;
    }
    const int8_t *row = xb + (size_t)(iy0 + ky * p->dilation_h) * in->w * c;
    for (kx = 0; kx < f->w; ++kx, d += c) {
      if (kx < kx0 || kx >= kx1)
        fill_s8(d, zp, c);
      else
        copy_s8(d, row + (ptrdiff_t)(ix0 + kx * p->dilation_w) * c, c);
    }
  }
}

void tmc_conv2d_s8_dsp_arrange(const tmc_dims4 *f, const int8_t *w, int8_t *out) {
  const int32_t k = f->h * f->w * f->c, row = tmc_conv2d_s8_dsp_row(f);
  for (int32_t o = 0; o < f->n; ++o, w += k, out += row) {
    memcpy(out, w, (size_t)k);
    memset(out + k, 0, (size_t)(row - k));
  }
}

/* Each pixel pair's windows are copied as rows of tmc_conv2d_s8_dsp_row
 * values (their tails zeros, as the filter rows' in w_rows: products that
 * add nothing), so that the 1x1 code runs them in whole quads. */
static void conv_kxk(const tmc_conv2d_dsp_params *p, const tmc_dims4 *in, const int8_t *x,
                     const tmc_dims4 *f, const tmc_dims4 *out, int8_t *y, void *scratch,
                     int triples) {
  const int32_t k = f->h * f->w * f->c, row = tmc_conv2d_s8_dsp_row(f), oc_n = out->c;
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, 1, 2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  const size_t pixels = (size_t)out->n * out->h * out->w;
  const size_t in_batch = (size_t)in->h * in->w * in->c;
  const size_t n_max = triples ? 3 : pixels > 1 ? 2 : 1;
  const int8_t *const w = p->w_rows;
  uint32_t *xs = (uint32_t *)scratch;
  int8_t *rows = (int8_t *)scratch + widened_bytes(row, n_max);
  const int8_t *src[3] = {rows, rows + row, rows + 2 * row};
  int8_t *dst[3];
  int32_t b = 0, oy = 0, ox = 0;
  size_t p0;
  int i, n = 1;
#if TMC_DSP_NATIVE && defined(__GNUC__)
  const int32_t fast = fast_pairs(&r, row, oc_n);
  quad_run q;
  if (fast) quad_run_init(&q, w, row, oc_n, &r, fast, xs);
#endif
  for (i = 0; i < (int)n_max; ++i) memset(rows + (size_t)i * (size_t)row + k, 0, (size_t)(row - k));
  for (p0 = 0; p0 < pixels; p0 += (size_t)n) {
    n = pixels - p0 < n_max ? (int)(pixels - p0) : (int)n_max;
    for (i = 0; i < n; ++i) {
      window_row(p, in, x + (size_t)b * in_batch, f, oy, ox, (int8_t)-p->input_offset,
                 rows + (size_t)i * (size_t)row);
      dst[i] = y + (p0 + (size_t)i) * (size_t)oc_n;
      if (++ox == out->w) {
        ox = 0;
        if (++oy == out->h) {
          oy = 0;
          ++b;
        }
      }
    }
#if TMC_DSP_NATIVE && defined(__GNUC__)
    if (n == 3 && fast) {
      quad_triple(&q, src, dst[0]);
      continue;
    }
    if (n == 2 && fast) {
      quad_pair(&q, src[0], src[1], dst[0]);
      continue;
    }
#endif
    rows_channels(src, n > 1 ? 2 : 1, row, w, oc_n, &r, xs, dst);
    if (n == 3) rows_channels(src + 2, 1, row, w, oc_n, &r, xs, dst + 2);
  }
}

void tmc_conv2d_s8_dsp(const tmc_conv2d_dsp_params *p, const tmc_dims4 *in, const int8_t *x,
                       const tmc_dims4 *f, const tmc_dims4 *out, int8_t *y, void *scratch) {
  conv_kxk(p, in, x, f, out, y, scratch, 0);
}

void tmc_conv2d_s8_dsp3(const tmc_conv2d_dsp_params *p, const tmc_dims4 *in, const int8_t *x,
                        const tmc_dims4 *f, const tmc_dims4 *out, int8_t *y, void *scratch) {
  conv_kxk(p, in, x, f, out, y, scratch, 1);
}

void tmc_fully_connected_s8_dsp(const tmc_fully_connected_params *p, int32_t batches,
                                int32_t accum_depth, const int8_t *x, int32_t out_depth,
                                const int8_t *w, const int32_t *bias, int8_t *y,
                                void *scratch) {
  const rq_ctx r = {p->rq_bias, p->rq_mult, p->rq_shift, p->per_channel ? 1 : 0,
                    2 * p->output_offset + 1,
                    p->act_min, p->act_max, p->act_min > -128 || p->act_max < 127};
  int32_t b;
  (void)bias;
  for (b = 0; b < batches; b += 2) {
    const int n = batches - b < 2 ? 1 : 2;
    const int8_t *src[2] = {x + (size_t)b * accum_depth,
                            x + (size_t)(b + n - 1) * accum_depth};
    int8_t *dst[2] = {y + (size_t)b * out_depth, y + (size_t)(b + n - 1) * out_depth};
    rows_channels(src, n, accum_depth, w, out_depth, &r, (uint32_t *)scratch, dst);
  }
}
