/* kernels.h - tmc's portable int8 (and 16x8 int16) kernels: parameter structs and entry points.
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
 *   (see tmc_activation_range_s8 in plan/quant.h).
 * - Every params struct is filled at compile time by the helpers in
 *   plan/quant.h, which mirror TFLite Micro's Prepare() arithmetic.
 * - Bit-exactness: every kernel reproduces TFLM 90b983c2's reference kernels
 *   (checked byte for byte on the shared op suites by tests/golden/golden_ops_test.c).
 * - Aliasing (for the planner's in-place rule): output may equal input for
 *   RELU, clamp (RELU6), LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, requantize,
 *   SOFTMAX, LOG_SOFTMAX, and for ADD/SUB/MUL/MAXIMUM/MINIMUM when that
 *   operand has the output's shape. All other kernels need disjoint
 *   buffers; the planner's overlap rules (plan/overlap.c) say how far an
 *   output may start below a dying input for each kernel's loop order. */
#ifndef TMC_KERNELS_KERNELS_H
#define TMC_KERNELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define TMC_MAX_DIMS 6 /* highest rank any shape-generic kernel takes */

/* Every struct below is declared from its field list, an X-macro
 * TMC_<TYPE>_FIELDS(X, T) of X(T, KIND, name) entries. KIND is I32, I64,
 * F32, F64 (scalars), DIMS (int32_t[TMC_MAX_DIMS]), I32P (const int32_t *,
 * a table), I64P (const int64_t *), I16P (const int16_t *) or I8P (const
 * int8_t *, a table). The compiler expands the
 * same lists to print each layer's values as initialisers, so a struct and
 * the initialisers tmc generates for it cannot disagree. */
#define TMC_FIELD_I32(n) int32_t n;
#define TMC_FIELD_I64(n) int64_t n;
#define TMC_FIELD_F32(n) float n;
#define TMC_FIELD_F64(n) double n;
#define TMC_FIELD_DIMS(n) int32_t n[TMC_MAX_DIMS];
#define TMC_FIELD_I32P(n) const int32_t *n;
#define TMC_FIELD_I8P(n) const int8_t *n;
#define TMC_FIELD_I64P(n) const int64_t *n;
#define TMC_FIELD_I16P(n) const int16_t *n;
#define TMC_DECLARE_FIELD(T, kind, n) TMC_FIELD_##kind(n)
#define TMC_PARAMS_STRUCT(T, LIST) \
  typedef struct T { LIST(TMC_DECLARE_FIELD, T) } T;

/* A 4-D NHWC shape (N batches, H rows, W columns, C channels). For weights:
 * conv OHWI = {out_c, kh, kw, in_c}; depthwise {1, kh, kw, out_c}. */
#define TMC_DIMS4_FIELDS(X, T) \
  X(T, I32, n) X(T, I32, h) X(T, I32, w) X(T, I32, c)
TMC_PARAMS_STRUCT(tmc_dims4, TMC_DIMS4_FIELDS)

/* Element-wise broadcasting of two operands onto one output, row-major.
 * Filled by tmc_broadcast_init (plan/quant.h), which right-aligns the shapes,
 * drops size-1 output dims and merges dims that are contiguous in both
 * operands. stride[d] is the element step of an operand along output dim d,
 * 0 where that operand is broadcast. */
#define TMC_BROADCAST_FIELDS(X, T) \
  X(T, I32, rank) /* 1..TMC_MAX_DIMS */ \
  X(T, DIMS, dims) /* output extents */ \
  X(T, DIMS, stride1) /* operand 1 strides (elements) */ \
  X(T, DIMS, stride2) /* operand 2 strides (elements) */
TMC_PARAMS_STRUCT(tmc_broadcast, TMC_BROADCAST_FIELDS)

/* ---- CONV_2D ------------------------------------------------------------ */
/* The fast conv / depthwise / FC paths requantize from three tables of
 * the params, per output channel c (filled at compile time, plan/quant.h
 * tmc_fast_rq_prepare): rq_bias[c], the int32 the accumulator starts from
 * (the model's bias with whatever the kernel's loop leaves out folded in,
 * e.g. input_offset * sum of the channel's weights), and TFLite's
 * multiplier rq_mult[c] and shift rq_shift[c] (int8). 9 bytes a channel,
 * 8 where every bias of the layer fits 24 bits and the shifts are packed
 * into rq_bias's low byte (rq_shift NULL: tmc_fast_rq_pack);
 * DEPTHWISE_CONV_2D_DSP's tables hold ~shift instead (r - 1 for a right
 * shift r, the operand of its ASR; plan/lower_conv.c);
 * the arithmetic is tmc_rq (requant.h), TFLite's double rounding bit for
 * bit because the compiler proves that no accumulator the kernel forms,
 * shifted left by max(shift, 0), wraps. */
#define TMC_FAST_RQ_FIELDS(X, T) \
  X(T, I32P, rq_bias) /* [out_c]; set: the fast path (bias, multiplier, shift unused) */ \
  X(T, I32P, rq_mult) /* [out_c] */ \
  X(T, I8P, rq_shift) /* [out_c]; NULL: packed into rq_bias (requant.h tmc_rq_bias) */

/* Fast paths (rq_bias set; the kernels then ignore bias, multiplier and
 * shift): CONV_2D (one group), DEPTHWISE_CONV_2D (depth_multiplier 1) and
 * FULLY_CONNECTED read the model's own int8 weights, as they are (the DSP
 * depthwise kernel and FULLY_CONNECTED_DSP_ROWS read them rearranged at
 * compile time, in place of the model's array); only the per-channel
 * tables are computed at compile time. CONV_2D widens
 * each output pixel's window (x + input_offset, zeros for taps outside the
 * input) into an int16 scratch row and reads each filter row once per
 * group of TMC_CONV2D_PIXELS pixels; DEPTHWISE_CONV_2D folds the input
 * offset into rq_bias (tmc_depthwise_conv2d_s8_fold_bias). */

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

#define TMC_CONV2D_PARAMS_FIELDS(X, T) \
  X(T, I32, stride_h) X(T, I32, stride_w) /* >= 1 */ \
  X(T, I32, dilation_h) X(T, I32, dilation_w) /* >= 1 */ \
  /* Explicit padding per side. Output row y reads input rows \
  * y*stride_h - pad_top + ky*dilation_h; rows outside [0, in.h) read as the \
  * input zero point (contribute 0). pad_bottom/pad_right are implied by the \
  * output size; they are kept so passes (PAD folding, patch-based inference \
  * with per-patch padding) can state the full geometry. */ \
  X(T, I32, pad_top) X(T, I32, pad_bottom) X(T, I32, pad_left) X(T, I32, pad_right) \
  X(T, I32, input_offset) /* -input zero point, [-127, 128] */ \
  X(T, I32, output_offset) /* output zero point, [-128, 127] */ \
  X(T, I32, act_min) X(T, I32, act_max) \
  X(T, I32P, multiplier) /* [out_c] per output channel */ \
  X(T, I32P, shift) /* [out_c] per output channel */ \
  /* Fast path (one group only) when rq_bias is set: the tables from \
  * tmc_fast_rq_prepare with the bias and tmc_conv2d_s8_acc_bound. */ \
  TMC_FAST_RQ_FIELDS(X, T)
TMC_PARAMS_STRUCT(tmc_conv2d_params, TMC_CONV2D_PARAMS_FIELDS)

/* Output pixels the fast path computes together (raster order; all their
 * windows are copied to the scratch before any of their outputs is
 * written: the planner's overlap rule depends on it). Fixed at 4. */
#define TMC_CONV2D_PIXELS 4

/* Grouped convolution when filter->c < input->c (groups = in.c / filter.c,
 * out.c / groups filters per group), as TFLite's reference. bias may be NULL.
 * Accumulates in int32, as TFLite: the compiler checks per output channel
 * that |bias| + sum |w| * max |x + input_offset| < 2^31 (plan/lower_conv.c;
 * DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED too), so no sum
 * wraps.
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

/* CONV_2D, the fast path's tables and arithmetic (rq_bias set, one group)
 * without scratch: each output pixel's window is read in place, four
 * output channels at a time (slower than tmc_conv2d_s8's fast path, which
 * widens the window once for all channels and 4 pixels; the planner takes
 * it where that scratch would raise the arena). bias is unused. */
void tmc_conv2d_s8_direct(const tmc_conv2d_params *p, const tmc_dims4 *input,
                          const int8_t *input_data, const tmc_dims4 *filter,
                          const int8_t *filter_data, const int32_t *bias,
                          const tmc_dims4 *output, int8_t *output_data);

/* CONV_2D for the DSP cores (conv_dsp.c): a 1x1 filter, one group,
 * no padding, any stride. The params' rq_* tables are set, rq_bias with
 * the input offset folded in (plan/quant.h tmc_dsp_fold_bias) and ~shift
 * (r - 1) in place of each shift, as DEPTHWISE_CONV_2D_DSP's (the same
 * for CONV2D_DSP and FULLY_CONNECTED_DSP: plan/lower_conv.c dsp_rq_tables);
 * bias, multiplier, shift and dilation are unused. Scratch:
 * tmc_conv2d_1x1_s8_dsp_scratch_bytes, 4-byte aligned. */
size_t tmc_conv2d_1x1_s8_dsp_scratch_bytes(const tmc_dims4 *input, const tmc_dims4 *output);
void tmc_conv2d_1x1_s8_dsp(const tmc_conv2d_params *p, const tmc_dims4 *input,
                           const int8_t *input_data, const tmc_dims4 *filter,
                           const int8_t *filter_data, const int32_t *bias,
                           const tmc_dims4 *output, int8_t *output_data, void *scratch);
/* The same with the pixels of a stride-1 layer in triples (a 3 x 2 register
 * tile where the asm block runs: rows of whole quads, packed tables), its
 * scratch tmc_conv2d_1x1_s8_dsp3_scratch_bytes (three widened pixels). */
size_t tmc_conv2d_1x1_s8_dsp3_scratch_bytes(const tmc_dims4 *input);
void tmc_conv2d_1x1_s8_dsp3(const tmc_conv2d_params *p, const tmc_dims4 *input,
                            const int8_t *input_data, const tmc_dims4 *filter,
                            const int8_t *filter_data, const int32_t *bias,
                            const tmc_dims4 *output, int8_t *output_data, void *scratch);

/* CONV_2D for the DSP cores (conv_dsp.c), any window, one group: as the
 * 1x1 kernel on each pixel's window copied into the scratch
 * (tmc_conv2d_s8_dsp_scratch_bytes, 4-byte aligned) as a row of
 * tmc_conv2d_s8_dsp_row(filter) values, the window's kh * kw * in.c and
 * zeros; rq_bias with the input offset times the sum of the whole filter
 * row folded in. The filter is read from w_rows (the model's filter, bias,
 * multiplier and shift unused): _arrange writes each output channel's
 * filter row (OHWI) followed by zeros to the same length, out.c rows. */
#define TMC_CONV2D_DSP_PARAMS_FIELDS(X, T) \
  TMC_CONV2D_PARAMS_FIELDS(X, T) \
  X(T, I8P, w_rows) /* [out_c][tmc_conv2d_s8_dsp_row(filter)] */
TMC_PARAMS_STRUCT(tmc_conv2d_dsp_params, TMC_CONV2D_DSP_PARAMS_FIELDS)
static inline int32_t tmc_conv2d_s8_dsp_row(const tmc_dims4 *filter) {
  return (filter->h * filter->w * filter->c + 3) & ~3;
}
void tmc_conv2d_s8_dsp_arrange(const tmc_dims4 *filter, const int8_t *w, int8_t *out);
size_t tmc_conv2d_s8_dsp_scratch_bytes(const tmc_dims4 *filter, const tmc_dims4 *output);
void tmc_conv2d_s8_dsp(const tmc_conv2d_dsp_params *p, const tmc_dims4 *input,
                       const int8_t *input_data, const tmc_dims4 *filter,
                       const tmc_dims4 *output, int8_t *output_data, void *scratch);
/* The same with the pixels in triples where the asm block runs (packed
 * tables), as tmc_conv2d_1x1_s8_dsp3; scratch for three windows. */
size_t tmc_conv2d_s8_dsp3_scratch_bytes(const tmc_dims4 *filter);
void tmc_conv2d_s8_dsp3(const tmc_conv2d_dsp_params *p, const tmc_dims4 *input,
                        const int8_t *input_data, const tmc_dims4 *filter,
                        const tmc_dims4 *output, int8_t *output_data, void *scratch);

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------- */
#define TMC_DEPTHWISE_CONV2D_PARAMS_FIELDS(X, T) \
  X(T, I32, stride_h) X(T, I32, stride_w) \
  X(T, I32, dilation_h) X(T, I32, dilation_w) \
  X(T, I32, pad_top) X(T, I32, pad_bottom) X(T, I32, pad_left) X(T, I32, pad_right) /* as conv2d */ \
  X(T, I32, depth_multiplier) /* out.c == in.c * depth_multiplier */ \
  X(T, I32, input_offset) X(T, I32, output_offset) \
  X(T, I32, act_min) X(T, I32, act_max) \
  X(T, I32P, multiplier) /* [out_c] */ \
  X(T, I32P, shift) /* [out_c] */ \
  /* Fast path when rq_bias is set: the tables from tmc_fast_rq_prepare \
  * with the bias from tmc_depthwise_conv2d_s8_fold_bias (which refuses \
  * filters holding -128) and tmc_depthwise_conv2d_s8_acc_bound. Taken \
  * when depth_multiplier is 1 and kh * kw <= TMC_DW_MAX_TAPS; otherwise \
  * (or when NULL) the plain path runs on bias, multiplier and shift. */ \
  TMC_FAST_RQ_FIELDS(X, T) \
  /* The DSP kernel's filter, in the order it reads it \
  * (tmc_depthwise_conv2d_s8_dsp_arrange); NULL for the others. */ \
  X(T, I8P, w_blocks)
TMC_PARAMS_STRUCT(tmc_depthwise_conv2d_params, TMC_DEPTHWISE_CONV2D_PARAMS_FIELDS)

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

/* DEPTHWISE_CONV_2D for the DSP cores (depthwise_conv2d_dsp.c): depth
 * multiplier 1, at most TMC_DW_MAX_TAPS taps, the fast path's tables
 * (rq_* set; rq_mult each multiplier q in [2^30, 2^31) as the int32 2q -
 * 2^32, rq_shift or the packed words ~shift) with rq_bias the model's
 * bias (no input offset folded in:
 * every tap adds w * (x + input_offset), the taps outside the input are
 * skipped) and the filter rearranged into w_blocks (the model's filter,
 * bias, multiplier and shift unused). _arrange writes the filter f (1HWC,
 * w) in that order: channels in blocks of 4, each block's taps in raster
 * order as words of its 4 channels (4 * kh * kw bytes a block), then each
 * of the last f.c % 4 channels' taps; f.h * f.w * f.c bytes in all. No
 * scratch. */
void tmc_depthwise_conv2d_s8_dsp_arrange(const tmc_dims4 *filter, const int8_t *w,
                                         int8_t *out);
void tmc_depthwise_conv2d_s8_dsp(const tmc_depthwise_conv2d_params *p,
                                 const tmc_dims4 *input, const int8_t *input_data,
                                 const tmc_dims4 *filter, const tmc_dims4 *output,
                                 int8_t *output_data);

/* ---- FULLY_CONNECTED ---------------------------------------------------- */
#define TMC_FULLY_CONNECTED_PARAMS_FIELDS(X, T) \
  X(T, I32, input_offset) /* -input zero point */ \
  X(T, I32, filter_offset) /* -weights zero point (0 for TFLite int8 weights) */ \
  X(T, I32, output_offset) /* output zero point */ \
  X(T, I32, act_min) X(T, I32, act_max) \
  X(T, I32, per_channel) /* 0: multiplier[0]/shift[0] for all outputs */ \
  X(T, I32P, multiplier) /* [out_depth] or [1] */ \
  X(T, I32P, shift) /* [out_depth] or [1] */ \
  /* Fast path when rq_bias is set: rq_bias[out_depth], rq_mult and \
  * rq_shift [out_depth] or [1] (per_channel 0), from tmc_fast_rq_prepare. */ \
  TMC_FAST_RQ_FIELDS(X, T) \
  /* The scratch-free DSP kernel's weights as it reads them \
  * (tmc_fully_connected_s8_dsp_rows_arrange); NULL for the others. */ \
  X(T, I32P, w_rows)
TMC_PARAMS_STRUCT(tmc_fully_connected_params, TMC_FULLY_CONNECTED_PARAMS_FIELDS)

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

/* FULLY_CONNECTED, the fast path's tables (rq_bias set) without scratch:
 * the input row is read in place (x + input_offset formed once per four
 * outputs instead of once per row); bias is unused. The planner takes it
 * where the fast path's int16 row would raise the arena. */
void tmc_fully_connected_s8_direct(const tmc_fully_connected_params *p, int32_t batches,
                                   int32_t accum_depth, const int8_t *input_data,
                                   int32_t out_depth, const int8_t *filter_data,
                                   const int32_t *bias, int8_t *output_data);

/* FULLY_CONNECTED for the DSP cores (conv_dsp.c, the 1x1
 * convolution's code with batch rows as pixels): filter_offset 0, rq_*
 * set with the input offset folded into rq_bias; bias, multiplier and
 * shift unused. Scratch: tmc_fully_connected_s8_dsp_scratch_bytes, 4-byte
 * aligned. */
size_t tmc_fully_connected_s8_dsp_scratch_bytes(int32_t batches, int32_t accum_depth);
void tmc_fully_connected_s8_dsp(const tmc_fully_connected_params *p, int32_t batches,
                                int32_t accum_depth, const int8_t *input_data,
                                int32_t out_depth, const int8_t *filter_data,
                                const int32_t *bias, int8_t *output_data, void *scratch);

/* FULLY_CONNECTED for the DSP cores without scratch (fully_connected_dsp.c):
 * filter_offset 0, rq_* set with the input offset folded into rq_bias,
 * w_rows the weights rearranged into
 * tmc_fully_connected_s8_dsp_rows_words(units, depth) words (4-byte
 * aligned: LDM) by tmc_fully_connected_s8_dsp_rows_arrange from the
 * [units][depth] filter; bias, multiplier and shift unused. The input row
 * is read in place while its outputs are written. */
size_t tmc_fully_connected_s8_dsp_rows_words(int32_t units, int32_t depth);
void tmc_fully_connected_s8_dsp_rows_arrange(int32_t units, int32_t depth, const int8_t *w,
                                             int32_t *out);
void tmc_fully_connected_s8_dsp_rows(const tmc_fully_connected_params *p, int32_t batches,
                                     int32_t accum_depth, const int8_t *input_data,
                                     int32_t out_depth, int8_t *output_data);

/* ---- TRANSPOSE_CONV ----------------------------------------------------- */
#define TMC_TRANSPOSE_CONV_PARAMS_FIELDS(X, T) \
  X(T, I32, stride_h) X(T, I32, stride_w) \
  /* Input pixel (y, x) scatters to output rows y*stride_h - pad_top + ky. \
  * TFLite pads as a conv from the output shape (tmc_transpose_conv_padding); \
  * only top/left matter, bottom/right are informational. */ \
  X(T, I32, pad_top) X(T, I32, pad_bottom) X(T, I32, pad_left) X(T, I32, pad_right) \
  X(T, I32, input_offset) X(T, I32, output_offset) \
  X(T, I32, act_min) X(T, I32, act_max) \
  X(T, I32P, multiplier) /* [out_c] */ \
  X(T, I32P, shift) /* [out_c] */
TMC_PARAMS_STRUCT(tmc_transpose_conv_params, TMC_TRANSPOSE_CONV_PARAMS_FIELDS)

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
#define TMC_ADD_PARAMS_FIELDS(X, T) \
  X(T, I32, input1_offset) X(T, I32, input2_offset) /* -zero points */ \
  X(T, I32, output_offset) /* output zero point */ \
  X(T, I32, left_shift) /* 20 for int8 */ \
  X(T, I32, input1_multiplier) X(T, I32, input1_shift) /* shifts <= 0 */ \
  X(T, I32, input2_multiplier) X(T, I32, input2_shift) \
  X(T, I32, output_multiplier) X(T, I32, output_shift) \
  X(T, I32, act_min) X(T, I32, act_max)
TMC_PARAMS_STRUCT(tmc_add_params, TMC_ADD_PARAMS_FIELDS)

/* out = clamp(requant(s1*(x1+o1) +/- s2*(x2+o2))) per TFLite's AddFunc /
 * SubFunc. Operands are addressed through b (same shape: one dim, strides 1).
 * Output may alias either input when shapes are equal. */
void tmc_add_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);
void tmc_sub_s8(const tmc_add_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);

/* ADD / SUB through a table of each operand's rescaled value (the DSP
 * targets' kernel for large layers, plan/lower_elementwise.c): lut[(uint8_t)
 * x] = 2 * input 1's rescale of x, lut[256 + (uint8_t)x] = +-2 * input 2's
 * (minus for SUB), filled at compile time by tmc_add_s8_lut_fill; the
 * output's rescale is dsp.h's tmc_rq_dsp_x2 of their sum. For params with
 * left_shift 20 and an output shift in [-31, -1] (multiplier >= 0). */
#define TMC_ADD_LUT_PARAMS_FIELDS(X, T) \
  TMC_ADD_PARAMS_FIELDS(X, T) \
  X(T, I32P, lut) /* [512] */
TMC_PARAMS_STRUCT(tmc_add_lut_params, TMC_ADD_LUT_PARAMS_FIELDS)
#define TMC_ADD_LUT_ENTRIES 512
void tmc_add_s8_lut_fill(const tmc_add_params *p, int negate, int32_t *lut);
void tmc_add_s8_lut(const tmc_add_lut_params *p, const tmc_broadcast *b,
                    const int8_t *input1, const int8_t *input2, int8_t *output);

/* ---- MUL ---------------------------------------------------------------- */
#define TMC_MUL_PARAMS_FIELDS(X, T) \
  X(T, I32, input1_offset) X(T, I32, input2_offset) X(T, I32, output_offset) \
  X(T, I32, output_multiplier) X(T, I32, output_shift) /* any sign of shift */ \
  X(T, I32, act_min) X(T, I32, act_max)
TMC_PARAMS_STRUCT(tmc_mul_params, TMC_MUL_PARAMS_FIELDS)

void tmc_mul_s8(const tmc_mul_params *p, const tmc_broadcast *b,
                const int8_t *input1, const int8_t *input2, int8_t *output);

/* ---- MAXIMUM / MINIMUM (no requantization: TFLite requires equal
 * quantization and compares raw values) ---------------------------------- */
void tmc_maximum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output);
void tmc_minimum_s8(const tmc_broadcast *b, const int8_t *input1,
                    const int8_t *input2, int8_t *output);

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D -------------------------------------- */
#define TMC_POOL_PARAMS_FIELDS(X, T) \
  X(T, I32, stride_h) X(T, I32, stride_w) \
  X(T, I32, filter_h) X(T, I32, filter_w) \
  X(T, I32, pad_top) X(T, I32, pad_bottom) X(T, I32, pad_left) X(T, I32, pad_right) /* top/left used */ \
  X(T, I32, act_min) X(T, I32, act_max)
TMC_PARAMS_STRUCT(tmc_pool_params, TMC_POOL_PARAMS_FIELDS)

/* Average over the in-bounds part of each window (padding not counted),
 * rounded as TFLite: (sum +/- count/2) / count, C division. Input and output
 * share the quantization (TFLite requires it). A window with no in-bounds
 * element writes act_min clamped 0 (TFLite errors out; the compiler rejects). */
void tmc_avg_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data);
/* AVERAGE_POOL_2D on the DSP targets (pooling.c), the same bytes: for int8
 * channels a multiple of 4 and windows of at most 256 taps (the lowering's
 * conditions). */
void tmc_avg_pool_s8_dsp(const tmc_pool_params *p, const tmc_dims4 *input,
                         const int8_t *input_data, const tmc_dims4 *output,
                         int8_t *output_data);
void tmc_max_pool_s8(const tmc_pool_params *p, const tmc_dims4 *input,
                     const int8_t *input_data, const tmc_dims4 *output,
                     int8_t *output_data);

/* ---- MEAN --------------------------------------------------------------- */
#define TMC_MEAN_PARAMS_FIELDS(X, T) \
  X(T, I32, rank) /* input rank, 1..TMC_MAX_DIMS */ \
  X(T, DIMS, dims) /* input shape */ \
  X(T, DIMS, reduce) /* 1 where dim d is reduced */ \
  X(T, I32, input_zero_point) \
  X(T, I32, output_zero_point) \
  X(T, I32, num_elements) /* product of reduced dims (> 0) */ \
  /* TFLM QuantizedMeanOrSum: QuantizeMultiplier(in_scale/out_scale) with \
  * 1/num_elements folded in (tmc_mean_prepare). */ \
  X(T, I32, multiplier) X(T, I32, shift)
TMC_PARAMS_STRUCT(tmc_mean_params, TMC_MEAN_PARAMS_FIELDS)

/* out[kept index] = clamp(mbqm(sum - in_zp*num, multiplier, shift) + out_zp).
 * Output elements are in row-major order of the kept dims (keep_dims only
 * inserts 1s, so the layout is the same either way). */
void tmc_mean_s8(const tmc_mean_params *p, const int8_t *input,
                 int8_t *output);

/* The same for an input [on][pn][kn] whose reduced dims are one run (pn)
 * with kn >= 4 (tmc_mean_runs_shape: 1 then): 4 outputs at a time summed
 * with SXTAB16 (dsp.h; the same bits on every target). */
int tmc_mean_runs_shape(const tmc_mean_params *p, int32_t *on, int32_t *pn, int32_t *kn);
void tmc_mean_s8_runs(const tmc_mean_params *p, const int8_t *input, int8_t *output);

/* ---- SOFTMAX / LOG_SOFTMAX (over the last dim) -------------------------- */
#define TMC_SOFTMAX_PARAMS_FIELDS(X, T) \
  X(T, I32, input_multiplier) /* PreprocessSoftmaxScaling, 5 integer bits */ \
  X(T, I32, input_left_shift) \
  X(T, I32, diff_min) /* -CalculateInputRadius(5, left_shift, 31) */
TMC_PARAMS_STRUCT(tmc_softmax_params, TMC_SOFTMAX_PARAMS_FIELDS)

/* Output quantization is fixed by TFLite: scale 1/256, zero point -128. */
void tmc_softmax_s8(const tmc_softmax_params *p, int32_t outer,
                    int32_t depth, const int8_t *input, int8_t *output);

#define TMC_LOG_SOFTMAX_PARAMS_FIELDS(X, T) \
  X(T, I32, input_multiplier) /* PreprocessLogSoftmaxScalingExp, beta 1 */ \
  X(T, I32, input_left_shift) \
  X(T, I32, reverse_scaling_divisor) \
  X(T, I32, reverse_scaling_right_shift) /* >= 0 */ \
  X(T, I32, diff_min)
TMC_PARAMS_STRUCT(tmc_log_softmax_params, TMC_LOG_SOFTMAX_PARAMS_FIELDS)

/* Output quantization fixed by TFLite: scale 16/256, zero point 127. */
void tmc_log_softmax_s8(const tmc_log_softmax_params *p, int32_t outer,
                        int32_t depth, const int8_t *input, int8_t *output);

/* ---- LOGISTIC / TANH ---------------------------------------------------- */
#define TMC_SIGMOID_PARAMS_FIELDS(X, T) \
  X(T, I32, input_zero_point) \
  X(T, I32, input_range_radius) /* CalculateInputRadius(4, left_shift, 31) */ \
  X(T, I32, input_multiplier) /* round(frexp(in_scale * 2^27) * 2^31) */ \
  X(T, I32, input_left_shift) /* frexp exponent (may be > 0) */
TMC_PARAMS_STRUCT(tmc_sigmoid_params, TMC_SIGMOID_PARAMS_FIELDS)

/* LOGISTIC: output scale 1/256, zp -128. TANH: output scale 1/128, zp 0. */
void tmc_logistic_s8(const tmc_sigmoid_params *p, int32_t size,
                     const int8_t *input, int8_t *output);
void tmc_tanh_s8(const tmc_sigmoid_params *p, int32_t size,
                 const int8_t *input, int8_t *output);

/* ---- HARD_SWISH --------------------------------------------------------- */
#define TMC_HARD_SWISH_PARAMS_FIELDS(X, T) \
  X(T, I32, input_zero_point) \
  X(T, I32, output_zero_point) \
  X(T, I32, output_multiplier_fixedpoint_int16) /* int16 range */ \
  X(T, I32, output_multiplier_exponent) /* <= 0 */ \
  X(T, I32, reluish_multiplier_fixedpoint_int16) \
  X(T, I32, reluish_multiplier_exponent)
TMC_PARAMS_STRUCT(tmc_hard_swish_params, TMC_HARD_SWISH_PARAMS_FIELDS)

void tmc_hard_swish_s8(const tmc_hard_swish_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

/* ---- RELU (requantizing) / RELU6 / LEAKY_RELU --------------------------- */
#define TMC_RELU_PARAMS_FIELDS(X, T) \
  X(T, I32, input_zero_point) \
  X(T, I32, output_zero_point) \
  X(T, I32, multiplier) X(T, I32, shift) /* QuantizeMultiplier(in_scale / out_scale) */ \
  X(T, I32, act_min) X(T, I32, act_max) /* output domain clamp */
TMC_PARAMS_STRUCT(tmc_relu_params, TMC_RELU_PARAMS_FIELDS)

/* TFLM RELU (and any requantize-then-clamp). */
void tmc_relu_s8(const tmc_relu_params *p, int32_t size, const int8_t *input,
                 int8_t *output);

/* TFLM RELU6 int8: a plain clamp of the raw values to [lo, hi] (lo = input
 * zero point, hi = quantized 6.0 clamped to int8); no requantization. */
#define TMC_CLAMP_PARAMS_FIELDS(X, T) X(T, I32, lo) X(T, I32, hi)
TMC_PARAMS_STRUCT(tmc_clamp_params, TMC_CLAMP_PARAMS_FIELDS)

void tmc_clamp_s8(const tmc_clamp_params *p, int32_t size, const int8_t *input,
                  int8_t *output);

#define TMC_LEAKY_RELU_PARAMS_FIELDS(X, T) \
  X(T, I32, input_zero_point) \
  X(T, I32, output_zero_point) \
  X(T, I32, multiplier_identity) X(T, I32, shift_identity) /* in_scale / out_scale */ \
  X(T, I32, multiplier_alpha) X(T, I32, shift_alpha) /* in_scale*alpha/out_scale */
TMC_PARAMS_STRUCT(tmc_leaky_relu_params, TMC_LEAKY_RELU_PARAMS_FIELDS)

void tmc_leaky_relu_s8(const tmc_leaky_relu_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

/* ---- QUANTIZE / DEQUANTIZE ---------------------------------------------- */
#define TMC_QUANTIZE_PARAMS_FIELDS(X, T) \
  X(T, F32, scale) /* output scale */ \
  X(T, I32, zero_point)
TMC_PARAMS_STRUCT(tmc_quantize_params, TMC_QUANTIZE_PARAMS_FIELDS)

/* float -> int8: clamp(round(x / scale) + zp), roundf ties away from zero. */
void tmc_quantize_f32_s8(const tmc_quantize_params *p, int32_t size,
                         const float *input, int8_t *output);

#define TMC_REQUANTIZE_PARAMS_FIELDS(X, T) \
  X(T, I32, input_zero_point) \
  X(T, I32, output_zero_point) \
  X(T, I32, multiplier) X(T, I32, shift) /* QuantizeMultiplier(in_scale / out_scale) */
TMC_PARAMS_STRUCT(tmc_requantize_params, TMC_REQUANTIZE_PARAMS_FIELDS)

/* int8 -> int8 QUANTIZE (TFLite Requantize). */
void tmc_requantize_s8(const tmc_requantize_params *p, int32_t size,
                       const int8_t *input, int8_t *output);

#define TMC_DEQUANTIZE_PARAMS_FIELDS(X, T) \
  X(T, F64, scale) /* (double) of the float32 scale */ \
  X(T, I32, zero_point)
TMC_PARAMS_STRUCT(tmc_dequantize_params, TMC_DEQUANTIZE_PARAMS_FIELDS)

/* int8 -> float: (float)(scale * (q - zp)) computed in double. */
void tmc_dequantize_s8_f32(const tmc_dequantize_params *p, int32_t size,
                           const int8_t *input, float *output);

/* ---- PAD / PADV2 -------------------------------------------------------- */
#define TMC_PAD_PARAMS_FIELDS(X, T) \
  X(T, I32, rank) /* 1..TMC_MAX_DIMS */ \
  X(T, DIMS, in_dims) \
  X(T, DIMS, before) /* >= 0 */ \
  X(T, DIMS, after) /* >= 0 */ \
  X(T, I32, pad_value) /* an element: output zp (PAD) or constant */ \
  X(T, I32, elem_bytes) /* 1 (int8) or 2 (int16) */
TMC_PARAMS_STRUCT(tmc_pad_params, TMC_PAD_PARAMS_FIELDS)

/* int8 or int16 elements, as elem_bytes says. */
void tmc_pad(const tmc_pad_params *p, const void *input, void *output);

/* ---- RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR -------------------------- */
#define TMC_RESIZE_PARAMS_FIELDS(X, T) \
  X(T, I32, align_corners) \
  X(T, I32, half_pixel_centers)
TMC_PARAMS_STRUCT(tmc_resize_params, TMC_RESIZE_PARAMS_FIELDS)

/* Nearest neighbour: the source row of each output row and the source
 * column of each output column, computed at compile time exactly as
 * TFLite's GetNearestNeighbor (in float) by tmc_resize_nearest_prepare, so
 * the kernel itself is integer-only. */
#define TMC_RESIZE_NEAREST_PARAMS_FIELDS(X, T) \
  X(T, I32P, src_y) /* [out.h] */ \
  X(T, I32P, src_x) /* [out.w] */
TMC_PARAMS_STRUCT(tmc_resize_nearest_params, TMC_RESIZE_NEAREST_PARAMS_FIELDS)

void tmc_resize_nearest_s8(const tmc_resize_nearest_params *p, const tmc_dims4 *input,
                           const int8_t *input_data, const tmc_dims4 *output,
                           int8_t *output_data);
/* TFLite ResizeBilinearInteger (10-bit fixed-point weights). */
void tmc_resize_bilinear_s8(const tmc_resize_params *p,
                            const tmc_dims4 *input, const int8_t *input_data,
                            const tmc_dims4 *output, int8_t *output_data);

/* ---- CONCATENATION / SPLIT ---------------------------------------------- */
#define TMC_CONCAT_PARAMS_FIELDS(X, T) \
  X(T, I32, count) /* number of inputs (concat) or outputs (split) */ \
  X(T, I32, outer) /* product of the dims before the axis */ \
  /* elements per outer step of each part: dims[axis] * product(after) */ \
  X(T, I32P, part_size) /* [count] */
TMC_PARAMS_STRUCT(tmc_concat_params, TMC_CONCAT_PARAMS_FIELDS)

/* All parts share the quantization (TFLM requires it; no requantization). */
void tmc_concatenation_s8(const tmc_concat_params *p,
                          const int8_t *const *inputs, int8_t *output);
void tmc_split_s8(const tmc_concat_params *p, const int8_t *input,
                  int8_t *const *outputs);

/* ---- TRANSPOSE ---------------------------------------------------------- */
#define TMC_TRANSPOSE_PARAMS_FIELDS(X, T) \
  X(T, I32, rank) /* 1..TMC_MAX_DIMS */ \
  X(T, DIMS, in_dims) \
  X(T, DIMS, perm) /* output dim d = input dim perm[d] */
TMC_PARAMS_STRUCT(tmc_transpose_params, TMC_TRANSPOSE_PARAMS_FIELDS)

void tmc_transpose_s8(const tmc_transpose_params *p, const int8_t *input,
                      int8_t *output);

/* ---- STRIDED_SLICE (and SLICE) ------------------------------------------ */
#define TMC_STRIDED_SLICE_PARAMS_FIELDS(X, T) \
  X(T, I32, rank) /* 1..TMC_MAX_DIMS */ \
  X(T, DIMS, in_dims) \
  X(T, DIMS, begin) /* normalized start index, in range */ \
  X(T, DIMS, stride) /* non-zero, may be negative */ \
  X(T, DIMS, count) /* output extent per dim (>= 0) */
TMC_PARAMS_STRUCT(tmc_strided_slice_params, TMC_STRIDED_SLICE_PARAMS_FIELDS)

/* out[i0..] = in[begin[d] + i_d * stride[d]]; shrink_axis dims have count 1
 * (dropping them does not change the layout). */
void tmc_strided_slice_s8(const tmc_strided_slice_params *p,
                          const int8_t *input, int8_t *output);

/* ---- DEPTH_TO_SPACE / SPACE_TO_DEPTH ------------------------------------ */
/* TFLite's DCR order: output pixel (y, x) of DEPTH_TO_SPACE takes channels
 * [((y % b) * b + x % b) * out.c, ... + out.c) of input pixel (y / b, x / b);
 * SPACE_TO_DEPTH is the inverse. Raw values are copied (the quantization
 * is the input's, as TFLite does). */
#define TMC_SPACE_DEPTH_PARAMS_FIELDS(X, T) X(T, I32, block_size) /* >= 1 */
TMC_PARAMS_STRUCT(tmc_space_depth_params, TMC_SPACE_DEPTH_PARAMS_FIELDS)

void tmc_depth_to_space_s8(const tmc_space_depth_params *p, const tmc_dims4 *input,
                           const int8_t *input_data, const tmc_dims4 *output,
                           int8_t *output_data);
void tmc_space_to_depth_s8(const tmc_space_depth_params *p, const tmc_dims4 *input,
                           const int8_t *input_data, const tmc_dims4 *output,
                           int8_t *output_data);

/* ---- float SOFTMAX / LOG_SOFTMAX (the float tail of float-output models) --
 * As TFLite's reference: per row, max; e = expf((x - max) * beta); softmax
 * out = e / sum(e); log-softmax out = (x - max) - logf(sum(expf(x - max))),
 * sums accumulated in float in index order. */
#define TMC_SOFTMAX_F32_PARAMS_FIELDS(X, T) X(T, F32, beta)
TMC_PARAMS_STRUCT(tmc_softmax_f32_params, TMC_SOFTMAX_F32_PARAMS_FIELDS)

void tmc_softmax_f32(const tmc_softmax_f32_params *p, int32_t outer, int32_t depth,
                     const float *input, float *output);
void tmc_log_softmax_f32(int32_t outer, int32_t depth, const float *input,
                         float *output);

/* ==== int16 activations (TFLite's 16x8 scheme) ============================
 * int16 activations with zero point 0 (SOFTMAX int8 -> int16 aside), int8
 * weights. The pools (pooling.c), MAXIMUM / MINIMUM (maximum_minimum.c) and
 * the byte movers (PAD, CONCATENATION, SPLIT, TRANSPOSE, STRIDED_SLICE,
 * RESIZE_NEAREST_NEIGHBOR: lowered as bytes) share the int8 kernels' code. */

void tmc_avg_pool_s16(const tmc_pool_params *p, const tmc_dims4 *input,
                      const int16_t *input_data, const tmc_dims4 *output,
                      int16_t *output_data);
void tmc_max_pool_s16(const tmc_pool_params *p, const tmc_dims4 *input,
                      const int16_t *input_data, const tmc_dims4 *output,
                      int16_t *output_data);
/* ADD / SUB (tmc_add_params: left_shift 15) and MUL of int16 operands with
 * zero points 0, as TFLite's general int16 paths (the int8 arithmetic). */
void tmc_add_s16(const tmc_add_params *p, const tmc_broadcast *b,
                 const int16_t *input1, const int16_t *input2, int16_t *output);
void tmc_sub_s16(const tmc_add_params *p, const tmc_broadcast *b,
                 const int16_t *input1, const int16_t *input2, int16_t *output);
void tmc_mul_s16(const tmc_mul_params *p, const tmc_broadcast *b,
                 const int16_t *input1, const int16_t *input2, int16_t *output);
void tmc_maximum_s16(const tmc_broadcast *b, const int16_t *input1,
                     const int16_t *input2, int16_t *output);
void tmc_minimum_s16(const tmc_broadcast *b, const int16_t *input1,
                     const int16_t *input2, int16_t *output);

/* MEAN of int16 (tmc_mean_s8's arithmetic, clamped to int16). */
void tmc_mean_s16(const tmc_mean_params *p, const int16_t *input, int16_t *output);

/* ---- RELU / RELU6 / LEAKY_RELU of int16 (the int8 kernels' arithmetic,
 * clamped to int16) ------------------------------------------------------- */
void tmc_relu_s16(const tmc_relu_params *p, int32_t size, const int16_t *input,
                  int16_t *output);
void tmc_clamp_s16(const tmc_clamp_params *p, int32_t size, const int16_t *input,
                   int16_t *output);
void tmc_leaky_relu_s16(const tmc_leaky_relu_params *p, int32_t size,
                        const int16_t *input, int16_t *output);

/* ---- SOFTMAX: int8 -> int16 (softmax.c) and int16 -> int16 --------------- */
/* int8 in, int16 out: tmc_softmax_s8's arithmetic, output scale 1/65536,
 * zero point -32768. */
void tmc_softmax_s8_s16(const tmc_softmax_params *p, int32_t outer,
                        int32_t depth, const int8_t *input, int16_t *output);
#define TMC_SOFTMAX_S16_PARAMS_FIELDS(X, T) \
  X(T, I32, input_multiplier) X(T, I32, input_left_shift) /* in_scale * beta / (10/65535) */ \
  X(T, I16P, exp_lut) /* [513] exp over [-10, 0] (tmc_softmax_s16_luts) */ \
  X(T, I16P, recip_lut) /* [513] 1 / (1 + x) over [0, 1] */
TMC_PARAMS_STRUCT(tmc_softmax_s16_params, TMC_SOFTMAX_S16_PARAMS_FIELDS)
/* Output scale 1/32768, zero point 0. */
void tmc_softmax_s16(const tmc_softmax_s16_params *p, int32_t outer, int32_t depth,
                     const int16_t *input, int16_t *output);

/* ---- LOGISTIC / TANH of int16 (sigmoid_s16.c) ---------------------------- */
#define TMC_SIGMOID_S16_PARAMS_FIELDS(X, T) \
  X(T, I32, input_multiplier) /* 0: TFLite's power-of-two case (3, no shift) */ \
  X(T, I32, input_right_bits) /* TFLite's input_left_shift: a right shift, 0..31 */ \
  X(T, I16P, table) /* [256] sigmoid(i / 24) in 0.16, as uint16 bits (tmc_sigmoid16_table) */
TMC_PARAMS_STRUCT(tmc_sigmoid_s16_params, TMC_SIGMOID_S16_PARAMS_FIELDS)

void tmc_logistic_s16(const tmc_sigmoid_s16_params *p, int32_t size,
                      const int16_t *input, int16_t *output);
void tmc_tanh_s16(const tmc_sigmoid_s16_params *p, int32_t size,
                  const int16_t *input, int16_t *output);

/* ---- QUANTIZE / DEQUANTIZE with int16 (and int32) ---------------------- */
/* float -> int16 as tmc_quantize_f32_s8, clamped to int16. */
void tmc_quantize_f32_s16(const tmc_quantize_params *p, int32_t size,
                          const float *input, int16_t *output);
/* int8 / int16 / int32 -> int8 / int16 / int32 QUANTIZE (TFLite's
 * Requantize): tmc_requantize_params' fields and the element sizes. */
#define TMC_REQUANTIZE_WIDE_PARAMS_FIELDS(X, T) \
  TMC_REQUANTIZE_PARAMS_FIELDS(X, T) \
  X(T, I32, in_bytes) X(T, I32, out_bytes) /* 1, 2 or 4 */
TMC_PARAMS_STRUCT(tmc_requantize_wide_params, TMC_REQUANTIZE_WIDE_PARAMS_FIELDS)
void tmc_requantize(const tmc_requantize_wide_params *p, int32_t size, const void *input,
                    void *output);
/* int16 -> float as tmc_dequantize_s8_f32. */
void tmc_dequantize_s16_f32(const tmc_dequantize_params *p, int32_t size,
                            const int16_t *input, float *output);

/* ---- CONV_2D / DEPTHWISE_CONV_2D / TRANSPOSE_CONV / FULLY_CONNECTED, 16x8
 * TFLite's reference_integer_ops 16-bit forms: per output channel c, the
 * sum of w * x over the taps, plus the bias, then with an int64 bias
 * (bias64) TFLite's 64-bit MultiplyByQuantizedMultiplier (tmc_mbqm64),
 * otherwise (int32 bias, or none) the sum wraps in int32 and the 32-bit
 * one (tmc_mbqm) applies, as TFLM's AccumScalar = int32_t kernels do; then
 * the activation clamp (no output offset: zero point 0). Tables have one
 * entry per output channel. The lowering guarantees the int64 sum stays
 * within TFLite's |x| < 2^47 and shift in [-31, 7]. TRANSPOSE_CONV gathers
 * (each output pixel from the input pixels whose window covers it) where
 * TFLite scatters into an int64 buffer: integer sums, the same result, no
 * scratch. */
#define TMC_CONV_S16_PARAMS_FIELDS(X, T) \
  X(T, I32, stride_h) X(T, I32, stride_w) \
  X(T, I32, dilation_h) X(T, I32, dilation_w) \
  X(T, I32, pad_top) X(T, I32, pad_bottom) X(T, I32, pad_left) X(T, I32, pad_right) \
  X(T, I32, depth_multiplier) /* DEPTHWISE_CONV_2D */ \
  X(T, I32, act_min) X(T, I32, act_max) \
  X(T, I32P, multiplier) X(T, I32P, shift) \
  X(T, I32P, bias32) /* int32 bias, or NULL */ \
  X(T, I64P, bias64) /* int64 bias, or NULL */
TMC_PARAMS_STRUCT(tmc_conv_s16_params, TMC_CONV_S16_PARAMS_FIELDS)

void tmc_conv2d_s16(const tmc_conv_s16_params *p, const tmc_dims4 *input,
                    const int16_t *input_data, const tmc_dims4 *filter,
                    const int8_t *filter_data, const tmc_dims4 *output,
                    int16_t *output_data);
void tmc_depthwise_conv2d_s16(const tmc_conv_s16_params *p, const tmc_dims4 *input,
                              const int16_t *input_data, const tmc_dims4 *filter,
                              const int8_t *filter_data, const tmc_dims4 *output,
                              int16_t *output_data);
void tmc_transpose_conv_s16(const tmc_conv_s16_params *p, const tmc_dims4 *input,
                            const int16_t *input_data, const tmc_dims4 *filter,
                            const int8_t *filter_data, const tmc_dims4 *output,
                            int16_t *output_data);
/* outer rows of depth inputs onto units outputs; weights [units, depth]. */
void tmc_fully_connected_s16(const tmc_conv_s16_params *p, int32_t outer, int32_t depth,
                             const int16_t *input, int32_t units,
                             const int8_t *filter_data, int16_t *output);

/* SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM: state across invokes. */
#include "seq.h"

#endif /* TMC_KERNELS_KERNELS_H */
