/* quant.c - host-side precomputation of kernel parameters, mirroring
 * TFLite's quantization_util.cc and TFLM's Prepare() functions. Float vs
 * double matters for bit-exactness: each helper states which TFLM uses. */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "ir/geometry.h"
#include "kernels/requant.h"

/* TfLiteRound(double) = std::round: half away from zero. */
static double round_away(double x) { return round(x); }

void tmc_quantize_multiplier(double m, int32_t *q, int *shift) {
  double frac;
  int64_t q_fixed;
  int e = 0;
  if (m == 0.0) {
    *q = 0;
    *shift = 0;
    return;
  }
  frac = frexp(m, &e);
  q_fixed = (int64_t)round_away(frac * (double)(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    q_fixed = 0;
  }
  *q = (int32_t)q_fixed;
  *shift = e;
}

int tmc_quantize_multiplier_smaller_than_one_exp(double m, int32_t *q,
                                                 int *left_shift) {
  int s;
  if (!(m < 1.0) || !(m > 0.0)) return -1;
  tmc_quantize_multiplier(m, q, &s);
  if (s > 0) return -1;
  *left_shift = s;
  return 0;
}

int tmc_quantize_multiplier_greater_than_one(double m, int32_t *q,
                                             int *left_shift) {
  if (!(m > 1.0)) return -1;
  tmc_quantize_multiplier(m, q, left_shift);
  return *left_shift >= 0 ? 0 : -1;
}

int32_t tmc_calculate_input_radius(int input_integer_bits,
                                   int input_left_shift,
                                   int total_signed_bits) {
  /* TFLite: 1.0 * ((1 << ib) - 1) * 2^(total - ib) / 2^left_shift, floored.
   * ldexp gives the same exact double and also covers negative shifts. */
  const double max_input_rescaled =
      ldexp((double)((1 << input_integer_bits) - 1),
            total_signed_bits - input_integer_bits - input_left_shift);
  const double r = floor(max_input_rescaled);
  return r >= 2147483647.0 ? INT32_MAX : (int32_t)r;
}

int tmc_preprocess_softmax_scaling(double beta, double input_scale,
                                   int input_integer_bits, int32_t *q,
                                   int *left_shift) {
  const double max_real_multiplier = (double)((1LL << 31) - 1);
  double m = beta * input_scale * (double)(1 << (31 - input_integer_bits));
  if (m > max_real_multiplier) m = max_real_multiplier;
  return tmc_quantize_multiplier_greater_than_one(m, q, left_shift);
}

int tmc_preprocess_log_softmax_scaling_exp(double beta, double input_scale,
                                           int input_integer_bits,
                                           int32_t *q, int *left_shift,
                                           int32_t *reverse_scaling_divisor,
                                           int *reverse_scaling_left_shift) {
  double real_reverse;
  if (tmc_preprocess_softmax_scaling(beta, input_scale, input_integer_bits, q,
                                     left_shift) != 0)
    return -1;
  real_reverse = (double)(1LL << (31 - *left_shift)) / (double)*q;
  return tmc_quantize_multiplier_smaller_than_one_exp(
      real_reverse, reverse_scaling_divisor, reverse_scaling_left_shift);
}

int16_t tmc_downscale_multiplier_int16(int32_t m) {
  const int32_t kRoundingOffset = 1 << 15;
  if (m >= INT32_MAX - kRoundingOffset) return INT16_MAX;
  return (int16_t)((m + kRoundingOffset) >> 16);
}

/* zp + round(f / scale) as TFLite computes it, saturated to int32 where
 * TFLite's own cast would be undefined (f / scale beyond int32, or NaN):
 * the result is clamped to int8 afterwards either way. */
static int32_t quantize_act(float f, float scale, int32_t zp) {
  float q = roundf(f / scale);
  int64_t v = q != q ? 0 : q >= 2147483648.0f ? INT32_MAX : q <= -2147483648.0f ? INT32_MIN
                                                                           : (int64_t)q;
  v += zp;
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* CalculateActivationRangeQuantized for an output of range [qmin, qmax]. */
static void activation_range(int activation, float output_scale, int32_t output_zero_point,
                             int32_t qmin, int32_t qmax, int32_t *act_min, int32_t *act_max) {
  int32_t lo = qmin, hi = qmax;
  if (activation == TMC_ACT_RELU) {
    lo = tmc_max_i32(qmin, quantize_act(0.0f, output_scale, output_zero_point));
  } else if (activation == TMC_ACT_RELU6) {
    lo = quantize_act(0.0f, output_scale, output_zero_point);
    hi = quantize_act(6.0f, output_scale, output_zero_point);
    if (lo < qmin) lo = qmin;
    if (hi > qmax) hi = qmax;
  } else if (activation == TMC_ACT_RELU_N1_TO_1) {
    lo = quantize_act(-1.0f, output_scale, output_zero_point);
    hi = quantize_act(1.0f, output_scale, output_zero_point);
    if (lo < qmin) lo = qmin;
    if (hi > qmax) hi = qmax;
  }
  *act_min = lo;
  *act_max = hi;
}

void tmc_activation_range_s8(int activation, float output_scale,
                             int32_t output_zero_point, int32_t *act_min,
                             int32_t *act_max) {
  activation_range(activation, output_scale, output_zero_point, -128, 127, act_min, act_max);
}

void tmc_activation_range_s16(int activation, float output_scale,
                              int32_t output_zero_point, int32_t *act_min,
                              int32_t *act_max) {
  activation_range(activation, output_scale, output_zero_point, -32768, 32767, act_min,
                   act_max);
}

int tmc_broadcast_init(int32_t rank1, const int32_t *dims1, int32_t rank2,
                       const int32_t *dims2, tmc_broadcast *b) {
  int32_t a[TMC_MAX_DIMS], c[TMC_MAX_DIMS], o[TMC_MAX_DIMS];
  int32_t s1[TMC_MAX_DIMS], s2[TMC_MAX_DIMS];
  int32_t r, d, n = 0, acc1 = 1, acc2 = 1;
  if (!tmc_broadcast_shape(dims1, rank1, dims2, rank2, o, &r)) return -1;
  for (d = 0; d < r; ++d) {
    a[d] = d - (r - rank1) >= 0 ? dims1[d - (r - rank1)] : 1;
    c[d] = d - (r - rank2) >= 0 ? dims2[d - (r - rank2)] : 1;
  }
  for (d = r - 1; d >= 0; --d) {
    s1[d] = a[d] == 1 ? 0 : acc1;
    s2[d] = c[d] == 1 ? 0 : acc2;
    acc1 *= a[d];
    acc2 *= c[d];
  }
  /* Drop size-1 output dims, merge dims contiguous in both operands. */
  memset(b, 0, sizeof *b);
  for (d = 0; d < r; ++d) {
    if (o[d] == 1) continue;
    if (n > 0 && b->stride1[n - 1] == s1[d] * o[d] &&
        b->stride2[n - 1] == s2[d] * o[d]) {
      b->dims[n - 1] *= o[d];
      b->stride1[n - 1] = s1[d];
      b->stride2[n - 1] = s2[d];
      continue;
    }
    b->dims[n] = o[d];
    b->stride1[n] = s1[d];
    b->stride2[n] = s2[d];
    ++n;
  }
  if (n == 0) {
    b->dims[0] = 1;
    b->stride1[0] = 0;
    b->stride2[0] = 0;
    n = 1;
  }
  b->rank = n;
  return 0;
}

void tmc_conv_quant_prepare(float input_scale, const float *filter_scales,
                            int32_t num_scales, float output_scale,
                            int32_t num_channels, int32_t *multiplier,
                            int32_t *shift) {
  int32_t c;
  for (c = 0; c < num_channels; ++c) {
    const double fs = (double)filter_scales[num_scales > 1 ? c : 0];
    const double eff = (double)input_scale * fs / (double)output_scale;
    int s;
    tmc_quantize_multiplier(eff, &multiplier[c], &s);
    shift[c] = s;
  }
}

/* ADD / SUB after the ratios: left_shift 20 for int8 outputs, 15 for
 * int16 (wide) ones. */
static int add_sub_finish(double r1, double r2, double ro, int32_t zp1,
                          int32_t zp2, float out_scale, int32_t out_zp,
                          int activation, int wide, tmc_add_params *p) {
  int s1, s2, so;
  p->input1_offset = -zp1;
  p->input2_offset = -zp2;
  p->output_offset = out_zp;
  p->left_shift = wide ? 15 : 20;
  if (tmc_quantize_multiplier_smaller_than_one_exp(r1, &p->input1_multiplier,
                                                   &s1) ||
      tmc_quantize_multiplier_smaller_than_one_exp(r2, &p->input2_multiplier,
                                                   &s2) ||
      tmc_quantize_multiplier_smaller_than_one_exp(ro, &p->output_multiplier,
                                                   &so))
    return -1;
  p->input1_shift = s1;
  p->input2_shift = s2;
  p->output_shift = so;
  (wide ? tmc_activation_range_s16 : tmc_activation_range_s8)(activation, out_scale, out_zp,
                                                              &p->act_min, &p->act_max);
  return 0;
}

static int add_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                       float out_scale, int32_t out_zp, int activation, int wide,
                       tmc_add_params *p) {
  const double twice_max =
      2.0 * (double)(scale1 > scale2 ? scale1 : scale2);
  const double r1 = (double)scale1 / twice_max;
  const double r2 = (double)scale2 / twice_max;
  const double ro = twice_max / ((double)(1 << (wide ? 15 : 20)) * (double)out_scale);
  return add_sub_finish(r1, r2, ro, zp1, zp2, out_scale, out_zp, activation, wide,
                        p);
}

static int sub_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                       float out_scale, int32_t out_zp, int activation, int wide,
                       tmc_add_params *p) {
  /* TFLM sub_common.cc: float twice_max and float quotients. */
  const float twice_max = 2.0f * (scale1 > scale2 ? scale1 : scale2);
  const float f1 = scale1 / twice_max;
  const float f2 = scale2 / twice_max;
  const float fo = twice_max / ((float)(1 << (wide ? 15 : 20)) * out_scale);
  return add_sub_finish((double)f1, (double)f2, (double)fo, zp1, zp2,
                        out_scale, out_zp, activation, wide, p);
}

int tmc_add_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                    float out_scale, int32_t out_zp, int activation,
                    tmc_add_params *p) {
  return add_prepare(scale1, zp1, scale2, zp2, out_scale, out_zp, activation, 0, p);
}

int tmc_sub_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                    float out_scale, int32_t out_zp, int activation,
                    tmc_add_params *p) {
  return sub_prepare(scale1, zp1, scale2, zp2, out_scale, out_zp, activation, 0, p);
}

int tmc_add_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                        tmc_add_params *p) {
  return add_prepare(scale1, 0, scale2, 0, out_scale, 0, activation, 1, p);
}

int tmc_sub_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                        tmc_add_params *p) {
  return sub_prepare(scale1, 0, scale2, 0, out_scale, 0, activation, 1, p);
}

static void mul_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                        float out_scale, int32_t out_zp, int activation, int wide,
                        tmc_mul_params *p) {
  const double real = (double)scale1 * (double)scale2 / (double)out_scale;
  int s;
  tmc_quantize_multiplier(real, &p->output_multiplier, &s);
  p->output_shift = s;
  p->input1_offset = -zp1;
  p->input2_offset = -zp2;
  p->output_offset = out_zp;
  (wide ? tmc_activation_range_s16 : tmc_activation_range_s8)(activation, out_scale, out_zp,
                                                              &p->act_min, &p->act_max);
}

void tmc_mul_prepare(float scale1, int32_t zp1, float scale2, int32_t zp2,
                     float out_scale, int32_t out_zp, int activation,
                     tmc_mul_params *p) {
  mul_prepare(scale1, zp1, scale2, zp2, out_scale, out_zp, activation, 0, p);
}

void tmc_mul_prepare_s16(float scale1, float scale2, float out_scale, int activation,
                         tmc_mul_params *p) {
  mul_prepare(scale1, 0, scale2, 0, out_scale, 0, activation, 1, p);
}

int tmc_mean_prepare(int32_t rank, const int32_t *dims, int32_t num_axes,
                     const int32_t *axes, float input_scale, int32_t input_zp,
                     float output_scale, int32_t output_zp,
                     tmc_mean_params *p) {
  int32_t d, i;
  int64_t num = 1;
  int32_t m;
  int s, sh;
  if (rank < 1 || rank > TMC_MAX_DIMS) return -1;
  memset(p, 0, sizeof *p);
  p->rank = rank;
  for (d = 0; d < rank; ++d) p->dims[d] = dims[d];
  for (i = 0; i < num_axes; ++i) {
    const int32_t ax = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (ax < 0 || ax >= rank) return -1;
    p->reduce[ax] = 1;
  }
  for (d = 0; d < rank; ++d)
    if (p->reduce[d]) num *= dims[d];
  if (num <= 0) return -1;
  /* The kernel's int32 sum and input_zp * num (TFLite's arithmetic): each
   * at most 128 * num, their difference 255 * num. */
  if (num > INT32_MAX / 255) return -2;
  p->num_elements = (int32_t)num;
  p->input_zero_point = input_zp;
  p->output_zero_point = output_zp;
  /* TFLM PrepareMeanOrSum, then QuantizedMeanOrSum folds 1/num in:
   * shift = floor(log2(num)), capped at 32 and at 31 + output_shift. */
  tmc_quantize_multiplier((double)input_scale / (double)output_scale, &m, &s);
  sh = 0;
  while ((num >> (sh + 1)) != 0) ++sh;
  if (sh > 32) sh = 32;
  if (sh > 31 + s) sh = 31 + s;
  if (sh < 0) sh = 0;
  p->multiplier = (int32_t)(((int64_t)m * ((int64_t)1 << sh)) / num);
  p->shift = s - sh;
  return 0;
}

int tmc_softmax_prepare(float beta, float input_scale, tmc_softmax_params *p) {
  int ls;
  if (tmc_preprocess_softmax_scaling((double)beta, (double)input_scale, 5,
                                     &p->input_multiplier, &ls) != 0)
    return -1;
  p->input_left_shift = ls;
  p->diff_min = -tmc_calculate_input_radius(5, ls, 31);
  return 0;
}

int tmc_log_softmax_prepare(float input_scale, tmc_log_softmax_params *p) {
  int ls, rs;
  if (tmc_preprocess_log_softmax_scaling_exp(
          1.0, (double)input_scale, 5, &p->input_multiplier, &ls,
          &p->reverse_scaling_divisor, &rs) != 0)
    return -1;
  p->input_left_shift = ls;
  p->reverse_scaling_right_shift = -rs;
  p->diff_min = -tmc_calculate_input_radius(5, ls, 31);
  return 0;
}

void tmc_sigmoid_prepare(float input_scale, int32_t input_zp,
                         tmc_sigmoid_params *p) {
  /* TFLM logistic_common.cc / tanh.cc: frexp without QuantizeMultiplier's
   * normalisation (a float32 scale never rounds q up to 2^31). */
  const double real = (double)input_scale * (double)(1 << (31 - 4));
  int e = 0;
  const double q = frexp(real, &e);
  int64_t qf = (int64_t)round_away(q * (double)(1LL << 31));
  if (qf > INT32_MAX) qf = INT32_MIN; /* what x86 TFLite's cast yields */
  p->input_zero_point = input_zp;
  p->input_multiplier = (int32_t)qf;
  p->input_left_shift = e;
  p->input_range_radius = tmc_calculate_input_radius(4, e, 31);
}

/* TFLite's gen_lut<float, int16_t, int16_t> for f over [lo, hi] onto
 * [-1, 1]: 512 samples each biased by half the error of the interpolation
 * at its segment's middle, and f(hi); in float, as TFLite computes it. */
static void gen_lut_s16(float (*f)(float), float lo, float hi, int16_t *lut) {
  const float step = (hi - lo) / 512.0f, half = step / 2.0f, scale = 65536.0f / 2.0f;
  for (int i = 0; i < 512; i++) {
    const float v = f(lo + (float)i * step), mid = f(lo + (float)i * step + half);
    const float next = f(lo + (float)(i + 1) * step);
    const float sample = roundf(v * scale);
    const float interp = roundf((next * scale + roundf(v * scale)) / 2.0f);
    const float bias = roundf((interp - roundf(mid * scale)) / 2.0f);
    const float q = sample - bias;
    lut[i] = (int16_t)(q < -32768.0f ? -32768.0f : q > 32767.0f ? 32767.0f : q);
  }
  const float last = roundf(f(hi) * scale);
  lut[512] = (int16_t)(last < -32768.0f ? -32768.0f : last > 32767.0f ? 32767.0f : last);
}

static float exp_f(float x) { return expf(x); }
static float one_over_one_plus_x(float x) { return 1.0f / (1.0f + x); }

int tmc_softmax_s16_prepare(float beta, float input_scale, tmc_softmax_s16_params *p) {
  int s;
  tmc_quantize_multiplier((double)input_scale * (double)beta / (10.0 / 65535.0),
                          &p->input_multiplier, &s);
  p->input_left_shift = s;
  return s > 30 || s < -31 ? -1 : 0;
}

void tmc_softmax_s16_luts(int16_t *exp_lut, int16_t *recip_lut) {
  gen_lut_s16(exp_f, -10.0f, 0.0f, exp_lut);
  gen_lut_s16(one_over_one_plus_x, 0.0f, 1.0f, recip_lut);
}

/* TFLite's CheckedLog2 (float arithmetic): whether x is a power of two
 * within 1e-3 in log2, with the rounded log2. */
static bool checked_log2(float x, int *log2_rounded) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  *log2_rounded = (int)r;
  return fabsf(l - r) < 1e-3f;
}

int tmc_sigmoid_s16_prepare(float input_scale, tmc_sigmoid_s16_params *p) {
  /* TFLM logistic_common.cc / tanh.cc, int16: 3 integer bits */
  int log2_rounded = 0;
  const bool pot = checked_log2(input_scale, &log2_rounded);
  p->input_right_bits = (15 - 3) + log2_rounded;
  if (pot && p->input_right_bits == 0) {
    p->input_multiplier = 0;
    return 0;
  }
  /* rescale the input to 1/(3 * 4096) */
  double m = (double)input_scale * 4096.0 * 3.0;
  p->input_right_bits = 0;
  while (m <= 32767.0 / 2.0 && p->input_right_bits <= 30) {
    p->input_right_bits++;
    m *= 2.0;
  }
  /* The kernel forms x * m + round in int32 (|x| <= 32768): m at most
   * 65535; and m of 0 would read as the power-of-two case. Beyond either
   * TFLite's own arithmetic is undefined. */
  if (!(m <= 65535.0) || (int32_t)m == 0) return -1;
  p->input_multiplier = (int32_t)m;
  return 0;
}

void tmc_sigmoid16_table(int16_t *t) {
  /* 65536 sigmoid(i / 24), biased by half the error of the linear
   * interpolation at the middle of segment i (the table is read with
   * interpolation), rounded; the last entry is the saturated 65535. */
  const double h = 1.0 / 24.0;
  for (int i = 0; i < 255; i++) {
    const double x = i * h;
    const double a = 65536.0 / (1.0 + exp(-x)), b = 65536.0 / (1.0 + exp(-(x + h)));
    const double mid = 65536.0 / (1.0 + exp(-(x + h / 2)));
    const double v = round(a - ((a + b) / 2.0 - mid) / 2.0);
    t[i] = (int16_t)(uint16_t)(v > 65535.0 ? 65535 : (int32_t)v); /* the uint16's bits */
  }
  t[255] = (int16_t)(uint16_t)65535;
}

int tmc_hard_swish_prepare(float input_scale, int32_t input_zp,
                           float output_scale, int32_t output_zp,
                           tmc_hard_swish_params *p) {
  const float hires_input_scale = (1.0f / 128.0f) * input_scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float out_ratio = hires_input_scale / output_scale;
  const float relu_ratio = hires_input_scale / reluish_scale;
  int32_t m32;
  int e;
  p->input_zero_point = input_zp;
  p->output_zero_point = output_zp;
  tmc_quantize_multiplier((double)out_ratio, &m32, &e);
  p->output_multiplier_fixedpoint_int16 = tmc_downscale_multiplier_int16(m32);
  p->output_multiplier_exponent = e;
  tmc_quantize_multiplier((double)relu_ratio, &m32, &e);
  p->reluish_multiplier_fixedpoint_int16 = tmc_downscale_multiplier_int16(m32);
  p->reluish_multiplier_exponent = e;
  /* The kernel shifts by the exponents (RoundingDivideByPOT, SaturatingLeftShift),
   * which take 0..31: extreme input scales give more. */
  if (p->output_multiplier_exponent < -31 || p->reluish_multiplier_exponent < -31 ||
      p->reluish_multiplier_exponent > 32)
    return -1;
  return p->output_multiplier_exponent <= 0 ? 0 : -1;
}

/* RELU for an output of range [qmin, qmax]. */
static void relu_prepare(float input_scale, int32_t input_zp, float output_scale,
                         int32_t output_zp, int32_t qmin, int32_t qmax, tmc_relu_params *p) {
  int s;
  /* TFLM's CalculateReluOpData divides in float, then widens to double
   * (unlike Requantize): the ops-v2 suite's relu_001 tells the two apart. */
  tmc_quantize_multiplier((double)(input_scale / output_scale), &p->multiplier, &s);
  p->shift = s;
  p->input_zero_point = input_zp;
  p->output_zero_point = output_zp;
  p->act_min = quantize_act(0.0f, output_scale, output_zp);
  if (p->act_min < qmin) p->act_min = qmin;
  p->act_max = qmax;
}

void tmc_relu_prepare(float input_scale, int32_t input_zp, float output_scale,
                      int32_t output_zp, tmc_relu_params *p) {
  relu_prepare(input_scale, input_zp, output_scale, output_zp, -128, 127, p);
}

void tmc_relu_prepare_s16(float input_scale, int32_t input_zp, float output_scale,
                          int32_t output_zp, tmc_relu_params *p) {
  relu_prepare(input_scale, input_zp, output_scale, output_zp, -32768, 32767, p);
}

/* TFLM FloatToQuantizedType<T>(6.0f, scale, zp) for T of range [qmin, qmax]. */
static void relu6_prepare(float input_scale, int32_t input_zp, int32_t qmin, int32_t qmax,
                          tmc_clamp_params *p) {
  const float r = roundf(6.0f / input_scale) + (float)input_zp;
  int32_t six = r > (float)qmax ? qmax : (r < (float)qmin ? qmin : (int32_t)r);
  p->lo = input_zp;
  p->hi = six;
}

void tmc_relu6_prepare(float input_scale, int32_t input_zp, tmc_clamp_params *p) {
  relu6_prepare(input_scale, input_zp, -128, 127, p);
}

void tmc_relu6_prepare_s16(float input_scale, int32_t input_zp, tmc_clamp_params *p) {
  relu6_prepare(input_scale, input_zp, -32768, 32767, p);
}

void tmc_leaky_relu_prepare(float input_scale, int32_t input_zp,
                            float output_scale, int32_t output_zp,
                            float alpha, tmc_leaky_relu_params *p) {
  const float alpha_ratio = input_scale * alpha / output_scale;
  const float identity_ratio = input_scale / output_scale;
  int s;
  p->input_zero_point = input_zp;
  p->output_zero_point = output_zp;
  tmc_quantize_multiplier((double)alpha_ratio, &p->multiplier_alpha, &s);
  p->shift_alpha = s;
  tmc_quantize_multiplier((double)identity_ratio, &p->multiplier_identity,
                          &s);
  p->shift_identity = s;
}

void tmc_requantize_prepare(float input_scale, int32_t input_zp,
                            float output_scale, int32_t output_zp,
                            tmc_requantize_params *p) {
  int s;
  tmc_quantize_multiplier((double)input_scale / (double)output_scale, &p->multiplier, &s);
  p->shift = s;
  p->input_zero_point = input_zp;
  p->output_zero_point = output_zp;
}

int tmc_strided_slice_prepare(int32_t rank, const int32_t *dims, const int64_t *begin,
                              const int64_t *end, const int64_t *strides,
                              const tmc_slice_attr *attr, tmc_strided_slice_params *p) {
  tmc_slice sl;
  if (rank < 1 || rank > TMC_MAX_DIMS) return -1;
  if (!tmc_slice_geometry(dims, rank, begin, end, strides, attr, &sl)) return -1;
  memset(p, 0, sizeof *p);
  p->rank = rank;
  for (int32_t d = 0; d < rank; d++) {
    p->in_dims[d] = dims[d];
    /* The kernel reads begin only for a non-empty slice: keep it in range. */
    p->begin[d] = sl.count[d] > 0 ? sl.start[d] : 0;
    /* With one element (or none) the stride is never applied; 1 keeps the
     * kernel's offset arithmetic in range for any stride the model gives. */
    p->stride[d] = sl.count[d] > 1 ? sl.step[d] : 1;
    p->count[d] = sl.count[d];
  }
  return 0;
}

int tmc_fast_rq_prepare(int32_t channels, const int32_t *multiplier, const int32_t *shift,
                        int per_channel, const int32_t *bias, int64_t acc_bound,
                        int32_t *bias_out, int8_t *shift_out) {
  int32_t c;
  if (acc_bound < 0) return -1;
  for (c = 0; c < channels; ++c) {
    const int32_t q = multiplier[per_channel ? c : 0];
    const int32_t s = shift[per_channel ? c : 0];
    const int32_t b = bias ? bias[c] : 0;
    const int64_t mag = acc_bound + (b < 0 ? -(int64_t)b : (int64_t)b);
    if (q < 0 || s < -31 || s > 30 || mag > (INT32_MAX >> ((s > 0 ? s : 0) + 1)))
      return -1; /* tmc_rq needs |x| * 2^(max(s, 0) + 1) < 2^31 */
  }
  for (c = 0; c < channels; ++c) {
    bias_out[c] = bias ? bias[c] : 0;
    if (per_channel || c == 0) shift_out[c] = (int8_t)shift[c];
  }
  return 0;
}

bool tmc_fast_rq_pack(int32_t channels, int per_channel, int32_t *bias, const int8_t *shift) {
  int32_t c;
  for (c = 0; c < channels; ++c)
    if (bias[c] < -(1 << 23) || bias[c] >= (1 << 23)) return false;
  for (c = 0; c < channels; ++c)
    bias[c] = (int32_t)(((uint32_t)bias[c] << 8) | (uint8_t)shift[per_channel ? c : 0]);
  return true;
}

static int64_t max_abs_x(int32_t input_offset) {
  const int64_t lo = -128 + (int64_t)input_offset,
                hi = 127 + (int64_t)input_offset;
  return -lo > hi ? -lo : hi;
}

int64_t tmc_s8_max_abs_x(int32_t input_offset) { return max_abs_x(input_offset); }

int64_t tmc_acc_weight_sum(const int8_t *w, int32_t taps, size_t ch_step, size_t tap_step,
                           int32_t c, int32_t filter_offset) {
  const int64_t fo = filter_offset;
  int64_t sum = 0;
  int32_t k;
  if (w == NULL) return (int64_t)taps * (128 + (fo < 0 ? -fo : fo));
  w += (size_t)c * ch_step;
  for (k = 0; k < taps; ++k) {
    const int64_t v = (int64_t)w[(size_t)k * tap_step] + fo;
    sum += v < 0 ? -v : v;
  }
  return sum;
}

int64_t tmc_conv2d_s8_acc_bound(const tmc_dims4 *filter,
                                int32_t input_offset) {
  return (int64_t)filter->h * filter->w * filter->c * 128 *
         max_abs_x(input_offset);
}

int64_t tmc_dsp_acc_bound(int32_t row_len) { return (int64_t)row_len * 128 * 128; }

int64_t tmc_depthwise_conv2d_s8_acc_bound(const tmc_dims4 *filter) {
  return (int64_t)filter->h * filter->w * 128 * 128;
}

int64_t tmc_fully_connected_s8_acc_bound(int32_t accum_depth,
                                         int32_t input_offset,
                                         int32_t filter_offset) {
  const int64_t w = 128 + (filter_offset < 0 ? -(int64_t)filter_offset
                                             : (int64_t)filter_offset);
  return (int64_t)accum_depth * w * max_abs_x(input_offset);
}

/* sum[c] += w[c], c < n. */
static void add_row_s8(int32_t *restrict sum, const int8_t *restrict w,
                       int32_t n) {
  int32_t i = 0, j;
  for (; i + 16 <= n; i += 16)
    for (j = 0; j < 16; ++j) sum[i + j] += w[i + j];
  for (; i < n; ++i) sum[i] += w[i];
}

/* bias + input_offset * weight_sum, saturated to int32: only a bias near
 * the int32 limits (or a huge weight sum) leaves the range, and
 * tmc_fast_rq_prepare then refuses the saturated value (the plain path
 * runs). */
static int32_t fold(int32_t bias, int64_t weight_sum, int32_t input_offset) {
  const int64_t v = (int64_t)bias + weight_sum * input_offset;
  return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

int tmc_depthwise_conv2d_s8_fold_bias(const tmc_dims4 *filter,
                                      const int8_t *filter_data,
                                      const int32_t *bias,
                                      int32_t input_offset, int32_t *out) {
  const int32_t c_n = filter->c, taps = filter->h * filter->w;
  const size_t n = (size_t)taps * (size_t)c_n;
  int32_t c, t;
  size_t i;
  for (i = 0; i < n; ++i)
    if (filter_data[i] == -128) return -1;
  for (c = 0; c < c_n; ++c) out[c] = 0;
  for (t = 0; t < taps; ++t)
    add_row_s8(out, filter_data + (size_t)t * c_n, c_n);
  for (c = 0; c < c_n; ++c) out[c] = fold(bias ? bias[c] : 0, out[c], input_offset);
  return 0;
}

void tmc_dsp_fold_bias(int32_t out_c, int32_t row_len, const int8_t *filter_data,
                       const int32_t *bias, int32_t input_offset, int32_t *out) {
  for (int32_t c = 0; c < out_c; ++c) {
    const int8_t *w = filter_data + (size_t)c * (size_t)row_len;
    int64_t sum = 0;
    for (int32_t k = 0; k < row_len; ++k) sum += w[k];
    out[c] = fold(bias ? bias[c] : 0, sum, input_offset);
  }
}

void tmc_resize_nearest_prepare(int32_t in_size, int32_t out_size, int align_corners,
                                int half_pixel_centers, int32_t *src) {
  const float scale = (align_corners && out_size > 1)
                          ? (float)(in_size - 1) / (float)(out_size - 1)
                          : (float)in_size / (float)out_size;
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  int32_t i;
  for (i = 0; i < out_size; ++i) {
    const float s = ((float)i + offset) * scale;
    int32_t r = align_corners ? (int32_t)roundf(s) : (int32_t)floorf(s);
    if (r > in_size - 1) r = in_size - 1;
    if (half_pixel_centers && r < 0) r = 0;
    src[i] = r;
  }
}
