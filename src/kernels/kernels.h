/* kernels.h - tmc's portable int8 kernels: parameter structs and entry points.
 * Each kernel is one .c file; all share this header, requant.h and (for the
 * transcendental ops) fixedpoint.h, so emitted code copies only what it uses.
 *
 * Conventions (CMSIS-NN-like):
 * - tmc_<op>_s8(const tmc_<op>_params *p, dims/data per tensor..., output
 *   last, void *scratch). Kernels never allocate, never validate (the
 *   compiler checks every bound first) and keep no state.
 * - Activations are NHWC, row-major; conv weights OHWI, depthwise 1HW(C*M).
 * - Quantized multipliers use TFLite's convention: real ~= q * 2^(shift-31),
 *   q in [2^30, 2^31) or 0, shift > 0 a left shift (see requant.h).
 * - "offset" fields follow TFLite: input_offset = -input_zero_point,
 *   output_offset = +output_zero_point.
 * - act_min/act_max: the fused activation clamp in the output's int8 domain
 *   (see tmc_activation_range_s8 in quant_util.h).
 * - Every params struct is filled at compile time by the helpers in
 *   quant_util.h, which mirror TFLite Micro's Prepare() arithmetic.
 * - Bit-exactness: every kernel reproduces TFLM 90b983c2's reference kernels
 *   (checked on the 261-case op suite by tests/kernels/golden_kernels.c).
 * - Aliasing (for the planner's in-place rule): output may equal input for
 *   RELU, clamp (RELU6), LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, requantize,
 *   SOFTMAX, LOG_SOFTMAX, and for ADD/SUB/MUL/MAXIMUM/MINIMUM when that
 *   operand has the output's shape; tmc_depthwise_conv2d_s8_inplace allows
 *   it for depthwise convs. All other kernels need disjoint buffers. */
#ifndef TMC_KERNELS_KERNELS_H
#define TMC_KERNELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define TMC_MAX_DIMS 6 /* highest rank any shape-generic kernel takes */

/* A 4-D NHWC shape (N batches, H rows, W columns, C channels). For weights:
 * conv OHWI = {out_c, kh, kw, in_c}; depthwise {1, kh, kw, out_c}. */
typedef struct {
  int32_t n, h, w, c;
} tmc_dims4;

/* Element-wise broadcasting of two operands onto one output, row-major.
 * Filled by tmc_broadcast_init (quant_util.h), which right-aligns the shapes,
 * drops size-1 output dims and merges dims that are contiguous in both
 * operands. stride[d] is the element step of an operand along output dim d,
 * 0 where that operand is broadcast. */
typedef struct {
  int32_t rank;                     /* 1..TMC_MAX_DIMS */
  int32_t dims[TMC_MAX_DIMS];       /* output extents */
  int32_t stride1[TMC_MAX_DIMS];    /* operand 1 strides (elements) */
  int32_t stride2[TMC_MAX_DIMS];    /* operand 2 strides (elements) */
} tmc_broadcast;

/* ---- CONV_2D ------------------------------------------------------------ */
/* Per-output-channel requantization, precomputed at compile time by
 * tmc_requant_prepare (quant_util.h) for the fast conv / depthwise / FC
 * paths: bias, TFLite's MultiplyByQuantizedMultiplier (double rounding,
 * shift s) and the left shift folded into one 64-bit multiply, compare,
 * add and shift. With l = max(s, 0), r = max(-s, 0), Q = q * 2^l and
 * B = bias * Q, the kernel's int32 accumulator acc maps to
 *   t = acc * Q,
 *   result = (t + (t < threshold ? round_neg : round_pos)) >> (31 + r)
 * with threshold = -2^30 - B, round_pos = B + 2^30 + (r > 0 ? 2^(30+r) : 0)
 * and round_neg = round_pos - (r > 0 ? 2^31 : 0). This is TFLite's
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul((acc + bias) *
 * 2^l, q), r) bit for bit whenever (acc + bias) * 2^l does not wrap in
 * int32, which tmc_requant_prepare guarantees from a bound on |acc| (it
 * refuses otherwise): then ab = (acc + bias) * 2^l * q = t + B exactly, the
 * high multiply is floor((ab + 2^30) / 2^31), the rounding shift
 * floor((v + 2^(r-1) - [v < 0]) / 2^r), nested floors of divisions by
 * powers of two merge, and v < 0 exactly when ab < -2^30, i.e.
 * t < threshold. |ab| < 2^62, so nothing overflows int64; the saturating
 * case needs q == INT32_MIN, which TFLite never produces (refused too). */
typedef struct {
  int64_t multiplier; /* Q */
  int64_t threshold, round_pos, round_neg;
  int32_t total_shift; /* 31 + r, at most 62 */
  int32_t reserved;    /* 0 */
} tmc_requant_ch;

static inline int32_t tmc_requant_apply(const tmc_requant_ch *r,
                                        int32_t acc) {
  const int64_t t = acc * r->multiplier;
  return (int32_t)((t + (t < r->threshold ? r->round_neg : r->round_pos)) >>
                   r->total_shift);
}

/* The int8 output: requantized, clamped to [lo, hi] = the activation range
 * minus out_off (the same clamp as TFLite's, without forming the sum
 * first), plus out_off. */
static inline int8_t tmc_requant_s8(const tmc_requant_ch *r, int32_t acc,
                                    int32_t out_off, int32_t lo,
                                    int32_t hi) {
  int32_t v = tmc_requant_apply(r, acc);
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)(v + out_off);
}

/* Fast paths (the params' requant set; the kernels then ignore bias,
 * multiplier and shift): CONV_2D (one group), DEPTHWISE_CONV_2D
 * (depth_multiplier 1) and FULLY_CONNECTED all read the model's own int8
 * weights, as they are; only the per-channel requant table is computed at
 * compile time. CONV_2D widens each output pixel's window (x +
 * input_offset, zeros for taps outside the input) into an int16 scratch row
 * and reads each filter row once per group of TMC_CONV2D_PIXELS pixels;
 * DEPTHWISE_CONV_2D folds the input offset into the requant bias
 * (tmc_depthwise_conv2d_s8_fold_bias). */

/* Shared by the fast paths and their prepare functions: d[i] =
 * (int16_t)(s[i] + off), i < n, in blocks of 16 and 8 (loops of
 * constant length compilers turn into vector instructions), then single
 * elements. */
static inline void tmc_widen_s8(int16_t *restrict d,
                                const int8_t *restrict s, int32_t n,
                                int32_t off) {
  int32_t i = 0, j;
  for (; i + 16 <= n; i += 16)
    for (j = 0; j < 16; ++j) d[i + j] = (int16_t)(s[i + j] + off);
  if (i + 8 <= n) {
    for (j = 0; j < 8; ++j) d[i + j] = (int16_t)(s[i + j] + off);
    i += 8;
  }
  for (; i < n; ++i) d[i] = (int16_t)(s[i] + off);
}

typedef struct {
  int32_t stride_h, stride_w;     /* >= 1 */
  int32_t dilation_h, dilation_w; /* >= 1 */
  /* Explicit padding per side. Output row y reads input rows
   * y*stride_h - pad_top + ky*dilation_h; rows outside [0, in.h) read as the
   * input zero point (contribute 0). pad_bottom/pad_right are implied by the
   * output size; they are kept so passes (PAD folding, patch-based inference
   * with per-patch padding) can state the full geometry. */
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  int32_t input_offset;  /* -input zero point, [-127, 128] */
  int32_t output_offset; /* output zero point, [-128, 127] */
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_c] per output channel */
  const int32_t *shift;      /* [out_c] per output channel */
  /* Fast path when set (one group only): requant[out_c] from
   * tmc_requant_prepare with the bias and tmc_conv2d_s8_acc_bound; NULL:
   * plain path. */
  const tmc_requant_ch *requant;
} tmc_conv2d_params;

/* Output pixels the fast path computes together (raster order; all their
 * windows are copied to the scratch before any of their outputs is
 * written: the planner's overlap rule depends on it). Fixed at 4. */
#define TMC_CONV2D_PIXELS 4

/* Grouped convolution when filter->c < input->c (groups = in.c / filter.c,
 * out.c / groups filters per group), as TFLite's reference. bias may be NULL.
 * Accumulates in int32 (the compiler checks kh*kw*in_c*255*128 < 2^31).
 * filter_data (OHWI int8) is always needed. The fast path needs one group
 * and scratch of tmc_conv2d_s8_scratch_bytes (min(TMC_CONV2D_PIXELS,
 * output pixels) int16 im2col rows of kh*kw*in_c rounded up to 16, 2-byte
 * aligned); it ignores bias. The plain path needs no scratch. */
size_t tmc_conv2d_s8_scratch_bytes(const tmc_dims4 *input,
                                   const tmc_dims4 *filter,
                                   const tmc_dims4 *output);
void tmc_conv2d_s8(const tmc_conv2d_params *p, const tmc_dims4 *input,
                   const int8_t *input_data, const tmc_dims4 *filter,
                   const int8_t *filter_data, const int32_t *bias,
                   const tmc_dims4 *output, int8_t *output_data,
                   void *scratch);

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------- */
typedef struct {
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right; /* as conv2d */
  int32_t depth_multiplier; /* out.c == in.c * depth_multiplier */
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_c] */
  const int32_t *shift;      /* [out_c] */
  /* Fast path when set: requant[out_c] from tmc_requant_prepare with the
   * bias from tmc_depthwise_conv2d_s8_fold_bias (which refuses filters
   * holding -128) and tmc_depthwise_conv2d_s8_acc_bound. Taken when
   * depth_multiplier is 1 and kh * kw <= TMC_DW_MAX_TAPS; otherwise (or
   * when NULL) the plain path runs on bias, multiplier and shift. */
  const tmc_requant_ch *requant;
} tmc_depthwise_conv2d_params;

#define TMC_DW_MAX_TAPS 64 /* fast path: kh * kw at most (stack table) */

/* Output channel oc = ic * depth_multiplier + m reads input channel ic and
 * filter[0][ky][kx][oc] (filter_data, 1HWC int8, always needed). bias may
 * be NULL. The fast path needs tmc_depthwise_conv2d_s8_scratch_bytes of
 * scratch (in.c bytes: a row of the input zero point) and ignores bias;
 * the plain path needs none. */
size_t tmc_depthwise_conv2d_s8_scratch_bytes(const tmc_dims4 *input);
void tmc_depthwise_conv2d_s8(const tmc_depthwise_conv2d_params *p,
                             const tmc_dims4 *input, const int8_t *input_data,
                             const tmc_dims4 *filter,
                             const int8_t *filter_data, const int32_t *bias,
                             const tmc_dims4 *output, int8_t *output_data,
                             void *scratch);

/* In-place variant (TinyEngine's trick, for the planner's in-place rule):
 * depth_multiplier must be 1; output_data may equal input_data (it must
 * not overlap it otherwise). Channel by channel, the input plane is copied
 * to scratch, so writing output channel c only overwrites bytes of channel
 * c that are no longer read. Scratch: in.h * in.w bytes. Same results as
 * tmc_depthwise_conv2d_s8. */
size_t tmc_depthwise_conv2d_s8_inplace_scratch_bytes(const tmc_dims4 *input);
void tmc_depthwise_conv2d_s8_inplace(const tmc_depthwise_conv2d_params *p,
                                     const tmc_dims4 *input,
                                     const int8_t *input_data,
                                     const tmc_dims4 *filter,
                                     const int8_t *filter_data,
                                     const int32_t *bias,
                                     const tmc_dims4 *output,
                                     int8_t *output_data, void *scratch);

/* ---- FULLY_CONNECTED ---------------------------------------------------- */
typedef struct {
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -weights zero point (0 for TFLite int8 weights) */
  int32_t output_offset; /* output zero point */
  int32_t act_min, act_max;
  int32_t per_channel;       /* 0: multiplier[0]/shift[0] for all outputs */
  const int32_t *multiplier; /* [out_depth] or [1] */
  const int32_t *shift;      /* [out_depth] or [1] */
  /* Fast path when set: requant[out_depth] from tmc_requant_prepare
   * (per-tensor values repeated, bias folded in); NULL: plain path. */
  const tmc_requant_ch *requant;
} tmc_fully_connected_params;

/* input [batches][accum_depth], filter [out_depth][accum_depth],
 * bias [out_depth] or NULL, output [batches][out_depth]. The fast path
 * ignores bias, multiplier and shift, and needs
 * tmc_fully_connected_s8_scratch_bytes of scratch (2-byte aligned); the
 * plain path needs none. */
size_t tmc_fully_connected_s8_scratch_bytes(int32_t accum_depth);
void tmc_fully_connected_s8(const tmc_fully_connected_params *p,
                            int32_t batches, int32_t accum_depth,
                            const int8_t *input_data, int32_t out_depth,
                            const int8_t *filter_data, const int32_t *bias,
                            int8_t *output_data, void *scratch);

/* ---- TRANSPOSE_CONV ----------------------------------------------------- */
typedef struct {
  int32_t stride_h, stride_w;
  /* Input pixel (y, x) scatters to output rows y*stride_h - pad_top + ky.
   * TFLite pads as a conv from the output shape (tmc_transpose_conv_padding);
   * only top/left matter, bottom/right are informational. */
  int32_t pad_top, pad_bottom, pad_left, pad_right;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_c] */
  const int32_t *shift;      /* [out_c] */
} tmc_transpose_conv_params;

/* filter OHWI {out_c, kh, kw, in_c}; bias may be NULL. Computed as a gather
 * (each output sums the inputs that scatter onto it), so no int32 scratch is
 * needed, unlike TFLite's scatter; integer sums make the result identical. */
size_t tmc_transpose_conv_s8_scratch_bytes(const tmc_dims4 *output);
void tmc_transpose_conv_s8(const tmc_transpose_conv_params *p,
                           const tmc_dims4 *input, const int8_t *input_data,
                           const tmc_dims4 *filter, const int8_t *filter_data,
                           const int32_t *bias, const tmc_dims4 *output,
                           int8_t *output_data, void *scratch);

/* ---- ADD / SUB ---------------------------------------------------------- */
typedef struct {
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t output_offset;                /* output zero point */
  int32_t left_shift;                   /* 20 for int8 */
  int32_t input1_multiplier, input1_shift; /* shifts <= 0 */
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tmc_add_params;

/* out = clamp(requant(s1*(x1+o1) +/- s2*(x2+o2))) per TFLite's AddFunc /
 * SubFunc. Operands are addressed through b (same shape: one dim, strides 1).
 * Output may alias either input when shapes are equal. */
void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);
void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);

/* ---- MUL ---------------------------------------------------------------- */
typedef struct {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift; /* any sign of shift */
  int32_t act_min, act_max;
} tmc_mul_params;

void tmc_mul_s8(const tmc_mul_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);

/* ---- MAXIMUM / MINIMUM (no requantization: TFLite requires equal
 * quantization and compares raw values) ---------------------------------- */
void tmc_maximum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output);
void tmc_minimum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output);

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D -------------------------------------- */
typedef struct {
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right; /* top/left used */
  int32_t act_min, act_max;
} tmc_pool_params;

/* Average over the in-bounds part of each window (padding not counted),
 * rounded as TFLite: (sum +/- count/2) / count, C division. Input and output
 * share the quantization (TFLite requires it). A window with no in-bounds
 * element writes act_min clamped 0 (TFLite errors out; the compiler rejects). */
void tmc_avg_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data);
void tmc_max_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data);

/* ---- MEAN --------------------------------------------------------------- */
typedef struct {
  int32_t rank;                /* input rank, 1..TMC_MAX_DIMS */
  int32_t dims[TMC_MAX_DIMS];  /* input shape */
  int32_t reduce[TMC_MAX_DIMS];/* 1 where dim d is reduced */
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t num_elements;        /* product of reduced dims (> 0) */
  /* TFLM QuantizedMeanOrSum: QuantizeMultiplier(in_scale/out_scale) with
   * 1/num_elements folded in (tmc_mean_prepare). */
  int32_t multiplier, shift;
} tmc_mean_params;

/* out[kept index] = clamp(mbqm(sum - in_zp*num, multiplier, shift) + out_zp).
 * Output elements are in row-major order of the kept dims (keep_dims only
 * inserts 1s, so the layout is the same either way). */
void tmc_mean_s8(const tmc_mean_params *p, const int8_t *input,
                 int8_t *output);

/* ---- SOFTMAX / LOG_SOFTMAX (over the last dim) -------------------------- */
typedef struct {
  int32_t input_multiplier;  /* PreprocessSoftmaxScaling, 5 integer bits */
  int32_t input_left_shift;
  int32_t diff_min;          /* -CalculateInputRadius(5, left_shift, 31) */
} tmc_softmax_params;

/* Output quantization is fixed by TFLite: scale 1/256, zero point -128. */
void tmc_softmax_s8(const tmc_softmax_params *p, int32_t outer,
                    int32_t depth, const int8_t *input, int8_t *output);

typedef struct {
  int32_t input_multiplier; /* PreprocessLogSoftmaxScalingExp, beta 1 */
  int32_t input_left_shift;
  int32_t reverse_scaling_divisor;
  int32_t reverse_scaling_right_shift; /* >= 0 */
  int32_t diff_min;
} tmc_log_softmax_params;

/* Output quantization fixed by TFLite: scale 16/256, zero point 127. */
void tmc_log_softmax_s8(const tmc_log_softmax_params *p, int32_t outer,
                        int32_t depth, const int8_t *input, int8_t *output);

/* ---- LOGISTIC / TANH ---------------------------------------------------- */
typedef struct {
  int32_t input_zero_point;
  int32_t input_range_radius; /* CalculateInputRadius(4, left_shift, 31) */
  int32_t input_multiplier;   /* round(frexp(in_scale * 2^27) * 2^31) */
  int32_t input_left_shift;   /* frexp exponent (may be > 0) */
} tmc_sigmoid_params;

/* LOGISTIC: output scale 1/256, zp -128. TANH: output scale 1/128, zp 0. */
void tmc_logistic_s8(const tmc_sigmoid_params *p, int32_t size,
                     const int8_t *input, int8_t *output);
void tmc_tanh_s8(const tmc_sigmoid_params *p, int32_t size,
                 const int8_t *input, int8_t *output);

/* ---- HARD_SWISH --------------------------------------------------------- */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_multiplier_fixedpoint_int16; /* int16 range */
  int32_t output_multiplier_exponent;         /* <= 0 */
  int32_t reluish_multiplier_fixedpoint_int16;
  int32_t reluish_multiplier_exponent;
} tmc_hard_swish_params;

void tmc_hard_swish_s8(const tmc_hard_swish_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

/* ---- RELU (requantizing) / RELU6 / LEAKY_RELU --------------------------- */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier, shift; /* QuantizeMultiplier(in_scale / out_scale) */
  int32_t act_min, act_max;  /* output domain clamp */
} tmc_relu_params;

/* TFLM RELU (and any requantize-then-clamp). */
void tmc_relu_s8(const tmc_relu_params *p, int32_t size, const int8_t *input,
                 int8_t *output);

/* TFLM RELU6 int8: a plain clamp of the raw values to [lo, hi] (lo = input
 * zero point, hi = quantized 6.0 clamped to int8); no requantization. */
void tmc_clamp_s8(int32_t lo, int32_t hi, int32_t size, const int8_t *input,
                  int8_t *output);

typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier_identity, shift_identity; /* in_scale / out_scale */
  int32_t multiplier_alpha, shift_alpha;       /* in_scale*alpha/out_scale */
} tmc_leaky_relu_params;

void tmc_leaky_relu_s8(const tmc_leaky_relu_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

/* ---- QUANTIZE / DEQUANTIZE ---------------------------------------------- */
typedef struct {
  float scale; /* output scale */
  int32_t zero_point;
} tmc_quantize_params;

/* float -> int8: clamp(round(x / scale) + zp), roundf ties away from zero. */
void tmc_quantize_f32_s8(const tmc_quantize_params *p, int32_t size,
                         const float *input, int8_t *output);

typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier, shift; /* QuantizeMultiplier(in_scale / out_scale) */
} tmc_requantize_params;

/* int8 -> int8 QUANTIZE (TFLite Requantize). */
void tmc_requantize_s8(const tmc_requantize_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

typedef struct {
  double scale; /* (double) of the float32 scale */
  int32_t zero_point;
} tmc_dequantize_params;

/* int8 -> float: (float)(scale * (q - zp)) computed in double. */
void tmc_dequantize_s8_f32(const tmc_dequantize_params *p, int32_t size,
                           const int8_t *input, float *output);

/* ---- PAD / PADV2 -------------------------------------------------------- */
typedef struct {
  int32_t rank;                    /* 1..TMC_MAX_DIMS */
  int32_t in_dims[TMC_MAX_DIMS];
  int32_t before[TMC_MAX_DIMS];    /* >= 0 */
  int32_t after[TMC_MAX_DIMS];     /* >= 0 */
  int32_t pad_value;               /* int8: output zp (PAD) or constant */
} tmc_pad_params;

void tmc_pad_s8(const tmc_pad_params *p, const int8_t *input, int8_t *output);

/* ---- RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR -------------------------- */
typedef struct {
  int32_t align_corners;
  int32_t half_pixel_centers;
} tmc_resize_params;

/* Nearest neighbour: the source row of each output row and the source
 * column of each output column, computed at compile time exactly as
 * TFLite's GetNearestNeighbor (in float) by tmc_resize_nearest_prepare, so
 * the kernel itself is integer-only. */
typedef struct {
  const int32_t *src_y; /* [out.h] */
  const int32_t *src_x; /* [out.w] */
} tmc_resize_nearest_params;

void tmc_resize_nearest_s8(const tmc_resize_nearest_params *p, const tmc_dims4 *input,
                           const int8_t *input_data, const tmc_dims4 *output,
                           int8_t *output_data);
/* TFLite ResizeBilinearInteger (10-bit fixed-point weights). */
void tmc_resize_bilinear_s8(const tmc_resize_params *p,
                            const tmc_dims4 *input, const int8_t *input_data,
                            const tmc_dims4 *output, int8_t *output_data);

/* ---- CONCATENATION / SPLIT ---------------------------------------------- */
typedef struct {
  int32_t count; /* number of inputs (concat) or outputs (split) */
  int32_t outer; /* product of the dims before the axis */
  /* elements per outer step of each part: dims[axis] * product(after) */
  const int32_t *part_size; /* [count] */
} tmc_concat_params;

/* All parts share the quantization (TFLM requires it; no requantization). */
void tmc_concatenation_s8(const tmc_concat_params *p,
                          const int8_t *const *inputs, int8_t *output);
void tmc_split_s8(const tmc_concat_params *p, const int8_t *input,
                  int8_t *const *outputs);

/* ---- TRANSPOSE ---------------------------------------------------------- */
typedef struct {
  int32_t rank;                   /* 1..TMC_MAX_DIMS */
  int32_t in_dims[TMC_MAX_DIMS];
  int32_t perm[TMC_MAX_DIMS];     /* output dim d = input dim perm[d] */
} tmc_transpose_params;

void tmc_transpose_s8(const tmc_transpose_params *p, const int8_t *input,
                      int8_t *output);

/* ---- STRIDED_SLICE (and SLICE) ------------------------------------------ */
typedef struct {
  int32_t rank;                   /* 1..TMC_MAX_DIMS */
  int32_t in_dims[TMC_MAX_DIMS];
  int32_t begin[TMC_MAX_DIMS];    /* normalized start index, in range */
  int32_t stride[TMC_MAX_DIMS];   /* non-zero, may be negative */
  int32_t count[TMC_MAX_DIMS];    /* output extent per dim (>= 0) */
} tmc_strided_slice_params;

/* out[i0..] = in[begin[d] + i_d * stride[d]]; shrink_axis dims have count 1
 * (dropping them does not change the layout). */
void tmc_strided_slice_s8(const tmc_strided_slice_params *p,
                          const int8_t *input, int8_t *output);

/* ---- float SOFTMAX / LOG_SOFTMAX (the float tail of float-output models) --
 * As TFLite's reference: per row, max; e = expf((x - max) * beta); softmax
 * out = e / sum(e); log-softmax out = (x - max) - logf(sum(expf(x - max))),
 * sums accumulated in float in index order. */
void tmc_softmax_f32(float beta, int32_t outer, int32_t depth, const float *input,
                     float *output);
void tmc_log_softmax_f32(int32_t outer, int32_t depth, const float *input,
                         float *output);

#endif /* TMC_KERNELS_KERNELS_H */
