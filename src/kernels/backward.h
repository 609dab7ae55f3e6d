/* Backward kernels: the gradients of the real-valued (dequantized) layers,
 * in float32 with a fixed summation order (built with -ffp-contract=off),
 * so the host and a microcontroller give the same bits. Every function ADDS
 * into its gradient outputs (the caller zeroes them), and any of them may be
 * NULL when nothing needs it (no gradient into an input nothing trainable
 * depends on, no weight gradient for a frozen layer).
 *
 * Weights are the model's int8 values with their scales: the real weight of
 * output channel o is scale[per_channel ? o : 0] * w (TFLite int8 weights
 * have zero point 0). Shapes are NHWC tmc_dims4; weights as kernels.h says
 * (conv OHWI, depthwise 1HWC, fully connected [units][depth]). gy is the
 * gradient of the loss with respect to the layer's real output before its
 * fused activation (tmc_bw_mask applied). */
#ifndef TMC_KERNELS_BACKWARD_H
#define TMC_KERNELS_BACKWARD_H

#include <stdint.h>

#include "kernels.h"

typedef struct tmc_bw_weights {
  const int8_t *w;
  const float *scale;
  int per_channel;
} tmc_bw_weights;

/* y[b][o] = sum_i x[b][i] * W[o][i] + bias[o]. gw covers the first
 * channels output channels only (sparse update): gw[o][i], o < channels;
 * gb every output channel. The same for the windows below. */
void tmc_bw_fc(int32_t batches, int32_t depth, int32_t units, const float *x,
               const tmc_bw_weights *w, const float *gy, float *gx, float *gw, float *gb,
               int32_t channels);

/* A window's geometry: stride, dilation, the padding before (top, left). */
typedef struct tmc_bw_window {
  int32_t sh, sw, dh, dw, pad_top, pad_left;
} tmc_bw_window;

/* CONV_2D (one group): y[n][oy][ox][o] = sum_{ky,kx,i} x[n][iy][ix][i] *
 * W[o][ky][kx][i], iy = oy*sh - pad_top + ky*dh (taps outside read 0). */
void tmc_bw_conv2d(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                   const tmc_bw_window *win, const float *x, const tmc_bw_weights *w,
                   const float *gy, float *gx, float *gw, float *gb, int32_t channels);

/* DEPTHWISE_CONV_2D: output channel o = i * mult + m reads input channel i
 * and W[0][ky][kx][o]. gw is channel-major: gw[o][ky][kx]. */
void tmc_bw_depthwise(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                      const tmc_bw_window *win, int32_t mult, const float *x,
                      const tmc_bw_weights *w, const float *gy, float *gx, float *gw,
                      float *gb, int32_t channels);

/* The weight gradient of one output channel o alone (row: its weights in
 * the layout of gw above, zeroed by the caller), for an update applied
 * channel by channel without a whole layer's gradient in memory. The
 * summation order is that of the functions above: the same bits. */
void tmc_bw_fc_wgrad(int32_t batches, int32_t depth, int32_t units, const float *x,
                     const float *gy, int32_t o, float *row);
void tmc_bw_conv2d_wgrad(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                         const tmc_bw_window *win, const float *x, const float *gy, int32_t o,
                         float *row);
void tmc_bw_depthwise_wgrad(const tmc_dims4 *in, const tmc_dims4 *filter,
                            const tmc_dims4 *out, const tmc_bw_window *win, int32_t mult,
                            const float *x, const float *gy, int32_t o, float *row);

/* AVERAGE_POOL_2D (window fh x fw, TFLite's count: the taps inside the
 * input). */
void tmc_bw_avg_pool(const tmc_dims4 *in, const tmc_dims4 *out, int32_t fh, int32_t fw,
                     const tmc_bw_window *win, const float *gy, float *gx);

/* MAX_POOL_2D (window fh x fw, taps outside the input skipped): each
 * output's gradient goes to the input element that gave the maximum, the
 * first in window order (row by row) among equal ones, found again in the
 * forward's int8 input x (the int8 order is the real one: one scale). */
void tmc_bw_max_pool(const tmc_dims4 *in, const tmc_dims4 *out, int32_t fh, int32_t fw,
                     const tmc_bw_window *win, const int8_t *x, const float *gy, float *gx);

/* PAD / PADV2 (rank <= 4, as NHWC dims with leading 1s): gx is gy with the
 * padding cut off; before[a] elements of padding precede axis a. */
void tmc_bw_pad(const tmc_dims4 *in, const tmc_dims4 *out, const int32_t *before,
                const float *gy, float *gx);

/* MEAN over the axes with reduce[axis] set, of a rank-dims input (the
 * output keeps or drops those axes: the element order is the same). */
void tmc_bw_mean(int32_t rank, const int32_t *dims, const int *reduce, const float *gy,
                 float *gx);

/* TRANSPOSE: output axis j is input axis perm[j] (dims: the input's). */
void tmc_bw_transpose(int32_t rank, const int32_t *dims, const int32_t *perm, const float *gy,
                      float *gx);

/* gx += gy (ADD's inputs of the output's shape, views that copy, int8
 * requantization seen as the identity). */
void tmc_bw_copy(int64_t n, const float *gy, float *gx);

/* Fused activations: bit e of mask is 1 where output element e was not
 * clamped (it passes the gradient). tmc_bw_mask_make builds it from the
 * int8 output q: a bit is 1 when lo < q < hi (q at a clamp bound has a
 * zero gradient; hi 128 when there is no upper bound); tmc_bw_mask zeroes
 * gy where the bit is 0. */
void tmc_bw_mask_make(int64_t n, const int8_t *q, int32_t lo, int32_t hi, uint8_t *mask);
void tmc_bw_mask(int64_t n, const uint8_t *mask, float *gy);

#endif
