/* Compile-time (host) arithmetic of the plan stage: TFLite scales, zero
 * points and options become the kernels' params, mirroring TensorFlow Lite
 * Micro's Prepare() arithmetic exactly (including where TFLM computes in
 * float rather than double; double precision throughout, never shipped to a
 * device: the generated code receives the results as literals).
 *
 * Functions returning int give 0 on success and -1 when TFLite itself would
 * refuse the parameters (its TF_LITE_ENSURE / TFLITE_CHECK); the compiler
 * reports that as an error naming the operator. */
#ifndef TMC_PLAN_QUANT_H
#define TMC_PLAN_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/geometry.h"
#include "kernels/kernels.h"

/* TFLite's fused activation codes (schema ActivationFunctionType). */
enum {
  TMC_ACT_NONE = 0,
  TMC_ACT_RELU = 1,
  TMC_ACT_RELU_N1_TO_1 = 2,
  TMC_ACT_RELU6 = 3
};

/* ---- TFLite quantization_util.cc ---------------------------------------- */

/* QuantizeMultiplier: m ~= q * 2^(shift - 31), q in [2^30, 2^31) (negative
 * for negative m); m == 0 -> (0, 0); q rounding up to 2^31 is halved with
 * shift + 1; shift < -31 flushes to (0, 0). */
void tmc_quantize_multiplier(double m, int32_t *q, int *shift);
/* QuantizeMultiplierSmallerThanOneExp: needs 0 < m < 1, left_shift <= 0. */
int tmc_quantize_multiplier_smaller_than_one_exp(double m, int32_t *q,
                                                 int *left_shift);
/* QuantizeMultiplierGreaterThanOne: needs m > 1, left_shift >= 0. */
int tmc_quantize_multiplier_greater_than_one(double m, int32_t *q,
                                             int *left_shift);
/* CalculateInputRadius (total_signed_bits is 31 in every TFLite use). */
int32_t tmc_calculate_input_radius(int input_integer_bits,
                                   int input_left_shift,
                                   int total_signed_bits);
/* PreprocessSoftmaxScaling (double-rounding build: cap 2^31 - 1). */
int tmc_preprocess_softmax_scaling(double beta, double input_scale,
                                   int input_integer_bits, int32_t *q,
                                   int *left_shift);
/* PreprocessLogSoftmaxScalingExp. */
int tmc_preprocess_log_softmax_scaling_exp(double beta, double input_scale,
                                           int input_integer_bits,
                                           int32_t *q, int *left_shift,
                                           int32_t *reverse_scaling_divisor,
                                           int *reverse_scaling_left_shift);
/* DownScaleInt32ToInt16Multiplier. */
int16_t tmc_downscale_multiplier_int16(int32_t m);

/* CalculateActivationRangeQuantized for an int8 output. */
void tmc_activation_range_s8(int activation, float output_scale,
                             int32_t output_zero_point, int32_t *act_min,
                             int32_t *act_max);
/* The same for an int16 output. */
void tmc_activation_range_s16(int activation, float output_scale,
                              int32_t output_zero_point, int32_t *act_min,
                              int32_t *act_max);

/* ---- geometry ------------------------------------------------------------ */

/* Broadcast two shapes (ranks 0..TMC_MAX_DIMS, right-aligned). -1 when the
 * shapes are incompatible. Equal shapes give one dim with strides 1. */
int tmc_broadcast_init(int32_t rank1, const int32_t *dims1, int32_t rank2,
                       const int32_t *dims2, tmc_broadcast *b);

/* ---- per-operator prepare (TFLM *_common.cc) ------------------------------ */

/* CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, per-channel FULLY_CONNECTED:
 * multiplier[c], shift[c] from (double)in * (double)w[c] / (double)out;
 * num_scales 1 broadcasts a per-tensor scale over num_channels. */
void tmc_conv_quant_prepare(float input_scale, const float *filter_scales,
                            int32_t num_scales, float output_scale,
                            int32_t num_channels, int32_t *multiplier,
                            int32_t *shift);

/* ADD (double arithmetic), left_shift 20. */
int tmc_add_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                    float out_scale, int32_t out_zp, int activation,
                    tmc_add_params *p);
/* SUB: as ADD but TFLM computes the ratios in float. */
int tmc_sub_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                    float out_scale, int32_t out_zp, int activation,
                    tmc_add_params *p);
void tmc_mul_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                     float out_scale, int32_t out_zp, int activation,
                     tmc_mul_params *p);
/* The int16 forms (zero points 0; ADD / SUB with pot_scale_int16 false:
 * TFLM's general path, left_shift 15; int16 activation range). */
int tmc_add_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                        tmc_add_params *p);
int tmc_sub_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                        tmc_add_params *p);
void tmc_mul_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                         tmc_mul_params *p);

/* MEAN over axes (negative allowed, duplicates ignored). -1 on bad axes or
 * rank, -2 when more values are averaged than the kernel's int32 sum holds
 * (INT32_MAX / 255). */
int tmc_mean_prepare(int32_t rank, const int32_t *dims, int32_t num_axes,
                     const int32_t *axes, float input_scale, int32_t input_zp,
                     float output_scale, int32_t output_zp,
                     tmc_mean_params *p);

/* SOFTMAX (beta from the options), LOG_SOFTMAX (beta 1). */
int tmc_softmax_prepare(float beta, float input_scale, tmc_softmax_params *p);
int tmc_log_softmax_prepare(float input_scale, tmc_log_softmax_params *p);
/* LOGISTIC and TANH share the input preprocessing. */
void tmc_sigmoid_prepare(float input_scale, int32_t input_zp,
                         tmc_sigmoid_params *p);
/* int16 SOFTMAX: the input rescaling (-1 when the shift is out of the
 * kernel's range) and TFLM's two 513-entry tables (exp over [-10, 0],
 * 1/(1+x) over [0, 1]). */
int tmc_softmax_s16_prepare(float beta, float input_scale, tmc_softmax_s16_params *p);
void tmc_softmax_s16_luts(int16_t *exp_lut, int16_t *recip_lut);
/* int16 LOGISTIC and TANH: TFLM's input rescaling (multiplier 0 in the
 * power-of-two case; -1 for an input scale whose multiplier overflows the
 * kernel's int32 arithmetic, above 65535 / 12288, or rounds to 0, below
 * about 2^-44), and the sigmoid table their kernels interpolate (256
 * entries). */
int tmc_sigmoid_s16_prepare(float input_scale, tmc_sigmoid_s16_params *p);
void tmc_sigmoid16_table(int16_t *t); /* uint16 values, as their int16 bits */
/* HARD_SWISH (float arithmetic as TFLM); -1 if the output exponent > 0. */
int tmc_hard_swish_prepare(float input_scale, int32_t input_zp,
                           float output_scale, int32_t output_zp,
                           tmc_hard_swish_params *p);
/* RELU (requantizing, act range [zp, 127]). */
void tmc_relu_prepare(float input_scale, int32_t input_zp, float output_scale,
                      int32_t output_zp, tmc_relu_params *p);
/* RELU6 bounds for tmc_clamp_s8: [input zp, quantized 6.0 clamped]. */
void tmc_relu6_prepare(float input_scale, int32_t input_zp, tmc_clamp_params *p);
/* The same for int16 outputs (act range up to 32767, 6.0 clamped to int16). */
void tmc_relu_prepare_s16(float input_scale, int32_t input_zp, float output_scale,
                          int32_t output_zp, tmc_relu_params *p);
void tmc_relu6_prepare_s16(float input_scale, int32_t input_zp, tmc_clamp_params *p);
void tmc_leaky_relu_prepare(float input_scale, int32_t input_zp,
                            float output_scale, int32_t output_zp,
                            float alpha, tmc_leaky_relu_params *p);
/* int8 -> int8 QUANTIZE. */
void tmc_requantize_prepare(float input_scale, int32_t input_zp,
                            float output_scale, int32_t output_zp,
                            tmc_requantize_params *p);

/* STRIDED_SLICE params from the one slice rule, tmc_slice_geometry
 * (ir/geometry.h: TFLite's StridedSliceStartForAxis / EndForAxis, masks
 * and offset as in the options). -1 when the rank is out of range or a
 * stride is 0. */
int tmc_strided_slice_prepare(int32_t rank, const int32_t *dims, const int64_t *begin,
                              const int64_t *end, const int64_t *strides,
                              const tmc_slice_attr *attr, tmc_strided_slice_params *p);

/* ---- fast conv / depthwise / FC paths (kernels.h) ---------------------- */

/* The fast paths' tables (kernels.h TMC_FAST_RQ_FIELDS) for channels
 * outputs whose multipliers and shifts are multiplier[c] / shift[c]
 * (per_channel) or [0] for all: bias_out[c] = bias[c] (0 when bias is
 * NULL; bias_out may be bias), shift_out[c] = shift[c] as int8 ([0] only
 * when not per_channel); the multipliers are used as they are. The
 * kernel's accumulator before the bias is at most acc_bound in magnitude.
 * -1 (outputs partly written; the plain path must be used) if
 * (acc_bound + |bias[c]|) * 2^(max(shift, 0) + 1) >= 2^31 (beyond tmc_rq's
 * range: kernels/requant.h), a multiplier is negative or a
 * shift lies outside [-31, 30]; none of these happens with TFLite's
 * QuantizeMultiplier and real models. */
int tmc_fast_rq_prepare(int32_t channels, const int32_t *multiplier, const int32_t *shift,
                        int per_channel, const int32_t *bias, int64_t acc_bound,
                        int32_t *bias_out, int8_t *shift_out);

/* Packs the tables tmc_fast_rq_prepare wrote when every bias lies in
 * [-2^23, 2^23): bias[c] = bias[c] * 2^8 + (shift[c or 0] & 255), the
 * shift table then unused (kernels/requant.h tmc_rq_bias, tmc_rq_shift);
 * false (tables unchanged) otherwise. */
bool tmc_fast_rq_pack(int32_t channels, int per_channel, int32_t *bias, const int8_t *shift);

/* Bounds on the accumulators the fast paths hand to requant:
 * taps * 128 * max|x + input_offset| (conv), taps * 128 * 128 (depthwise:
 * raw x, offset folded into the bias), depth * max|w + filter_offset| *
 * max|x + input_offset| (FC). */
int64_t tmc_conv2d_s8_acc_bound(const tmc_dims4 *filter,
                                int32_t input_offset);
int64_t tmc_depthwise_conv2d_s8_acc_bound(const tmc_dims4 *filter);
int64_t tmc_fully_connected_s8_acc_bound(int32_t accum_depth,
                                         int32_t input_offset,
                                         int32_t filter_offset);

/* Accumulator range of the conv-like kernels (CONV_2D, DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV, FULLY_CONNECTED), which add bias + sum over the taps of
 * (w + filter_offset) * (x + input_offset) in int32 as TFLite's int8
 * reference kernels do. tmc_s8_max_abs_x: the largest |x + input_offset|
 * over int8 x. tmc_acc_weight_sum: sum over k < taps of
 * |w[c * ch_step + k * tap_step] + filter_offset| for channel c (every |w|
 * taken as 128 when w is NULL: not a constant). |bias[c]| + this sum times
 * tmc_s8_max_abs_x bounds every partial sum the kernels form, in any order;
 * the lowering refuses a layer where it exceeds INT32_MAX. */
int64_t tmc_s8_max_abs_x(int32_t input_offset);
int64_t tmc_acc_weight_sum(const int8_t *w, int32_t taps, size_t ch_step, size_t tap_step,
                           int32_t c, int32_t filter_offset);

/* The fast DEPTHWISE_CONV_2D's requantization bias: out[c] = bias[c] (0 if
 * NULL) + input_offset * sum over taps of w[c], saturated to int32
 * (tmc_fast_rq_prepare then refuses it); pass out to tmc_fast_rq_prepare.
 * -1 (out unset: the plain path must be used) when a weight is -128, which
 * the kernel's 16-bit sums of two products cannot hold. */
/* The DSP cores' convolution and FULLY_CONNECTED rq_bias: out[c] =
 * bias[c] (0 if NULL) + input_offset * the sum of filter row c ([out_c]
 * rows of row_len int8: OHWI filters, FC weights), saturated to int32
 * (tmc_fast_rq_prepare then refuses it). tmc_dsp_acc_bound: the bound on
 * those kernels' accumulator before the bias, row_len * 128 * 128. */
void tmc_dsp_fold_bias(int32_t out_c, int32_t row_len, const int8_t *filter_data,
                       const int32_t *bias, int32_t input_offset, int32_t *out);
int64_t tmc_dsp_acc_bound(int32_t row_len);

int tmc_depthwise_conv2d_s8_fold_bias(const tmc_dims4 *filter,
                                      const int8_t *filter_data,
                                      const int32_t *bias,
                                      int32_t input_offset, int32_t *out);

/* RESIZE_NEAREST_NEIGHBOR source indices (TFLite's GetNearestNeighbor, in
 * float): src[i] for i < out_size, along one axis. */
void tmc_resize_nearest_prepare(int32_t in_size, int32_t out_size, int align_corners,
                                int half_pixel_centers, int32_t *src);

#endif /* TMC_PLAN_QUANT_H */
