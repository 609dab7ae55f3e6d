/* Overlap rules: how far below a dying input a kernel's output may start
 * when the two share bytes (o_in - o_out >= delta), derived from each
 * kernel's loop order. A write of output bytes [w0, w1) is safe when no input
 * byte at those addresses is read afterwards. For a kernel that writes its
 * output in increasing address order while the lowest input byte it still
 * needs only grows, delta = max over write events of
 *   (output bytes written so far) - (offset of the lowest input byte still
 *   needed at that write).
 * Kernels with another order, or whose output is larger per element than
 * the input, get no rule (-1). A negative delta lets the output start above
 * the input. Tests check each rule at its limit. */
#include "kernel_desc.h"

/* Element-wise: element i is read, then written (same element size). */
static int64_t elementwise(const tmc_tensor *x, const tmc_tensor *y) {
  if (x->elems != y->elems || tmc_dtype_size(x->type) != tmc_dtype_size(y->type)) return -1;
  return 0;
}

/* How a raster-order windowed kernel interleaves reads and writes. */
typedef enum window_order {
  /* All channels of output pixel p are written while p's whole window is
   * still being read (plain convolution, one output channel at a time):
   * writes reach (p + 1) * C_out, input needed from start(p). */
  WINDOW_PIXEL,
  /* Channel c of pixel p is written once channel c of p's window is read
   * (pooling, depthwise with multiplier 1; equal channel counts): writes
   * reach p * C + c + 1, input needed from start(p) + c + 1. */
  WINDOW_CHANNEL,
  /* p's window is copied to scratch before any of p's outputs is written
   * (fast convolution): writes reach (p + 1) * C_out, input needed from
   * start(p + 1); nothing after the last pixel. The fast convolution takes
   * pixels in groups of G = TMC_CONV2D_PIXELS (raster order, all G windows
   * copied before any of the group's outputs is written), so it needs the
   * constraint only at p + 1 = G, 2G, ...: a subset of these events, so the
   * rule is safe for it, and at most (G - 1) * C_out bytes above its exact
   * limit. */
  WINDOW_COPIED
} window_order;

/* Start (bytes) of the first in-bounds tap of output pixel p's window. */
static int64_t window_start(const tmc_dims4 *in, const tmc_dims4 *out, int32_t stride_h,
                            int32_t stride_w, int32_t pad_top, int32_t pad_left, int64_t p) {
  int64_t per_batch = (int64_t)out->h * out->w;
  int64_t n = p / per_batch, oy = (p % per_batch) / out->w, ox = p % out->w;
  int64_t row = (int64_t)in->w * in->c;
  int64_t r = oy * stride_h - pad_top, c = ox * stride_w - pad_left;
  if (r < 0) r = 0;
  if (c < 0) c = 0;
  if (c > in->w) c = in->w;
  if (r >= in->h) return (n + 1) * in->h * row; /* the window is all padding */
  return n * in->h * row + r * row + c * in->c;
}

/* Raster-window kernels (int8 in and out): delta is the largest excess of
 * output bytes written over the offset of the lowest input byte still
 * needed, over all write events (see window_order). */
static int64_t raster_window(const tmc_dims4 *in, const tmc_dims4 *out, int32_t stride_h,
                             int32_t stride_w, int32_t pad_top, int32_t pad_left,
                             window_order order) {
  int64_t pixels = (int64_t)out->n * out->h * out->w, c_out = out->c;
  int64_t in_bytes = (int64_t)in->n * in->h * in->w * in->c;
  if (order == WINDOW_CHANNEL && in->c != out->c) return -1;
  int64_t delta = -in_bytes; /* no constraint at all: any overlap works */
  for (int64_t p = 0; p < pixels; p++) {
    int64_t d;
    if (order == WINDOW_COPIED) {
      if (p + 1 >= pixels) break;
      d = (p + 1) * c_out -
          window_start(in, out, stride_h, stride_w, pad_top, pad_left, p + 1);
    } else {
      int64_t need = window_start(in, out, stride_h, stride_w, pad_top, pad_left, p);
      d = (order == WINDOW_CHANNEL ? p : p + 1) * c_out - need;
    }
    if (d > delta) delta = d;
  }
  return delta;
}

/* Fully connected, row by row: the fast path widens row b into scratch
 * before writing its outputs (input needed from row b + 1); the plain path
 * reads row b while writing it. */
static int64_t fc_rows(int32_t rows, int32_t depth, int32_t units, bool copied) {
  int64_t delta = -(int64_t)rows * depth;
  for (int64_t b = 0; b < rows; b++) {
    int64_t d = copied ? (b + 1 < rows ? (b + 1) * units - (b + 1) * depth : delta)
                       : (b + 1) * units - b * depth;
    if (d > delta) delta = d;
  }
  return delta;
}

/* The rules kernels.def names. */
int64_t tmc_ov_none(const tmc_plan *plan, const tmc_step *st, int in_k, const tmc_tensor *x,
                    const tmc_tensor *y) {
  (void)plan, (void)st, (void)in_k, (void)x, (void)y;
  return -1;
}

int64_t tmc_ov_elementwise(const tmc_plan *plan, const tmc_step *st, int in_k,
                           const tmc_tensor *x, const tmc_tensor *y) {
  (void)plan, (void)st;
  return in_k == 0 ? elementwise(x, y) : -1;
}

/* The operand that is not broadcast is read at the output's index. */
int64_t tmc_ov_binary(const tmc_plan *plan, const tmc_step *st, int in_k,
                      const tmc_tensor *x, const tmc_tensor *y) {
  (void)plan, (void)st;
  return (in_k <= 1 && x->elems == y->elems) ? elementwise(x, y) : -1;
}

static int64_t window_rule(const tmc_step *st, int in_k, window_order order) {
  const tmc_step_window *w = &st->win;
  return in_k == 0 ? raster_window(&st->in_dims, &st->out_dims, w->sh, w->sw, w->pad_top,
                                   w->pad_left, order)
                   : -1;
}

int64_t tmc_ov_pool(const tmc_plan *plan, const tmc_step *st, int in_k, const tmc_tensor *x,
                    const tmc_tensor *y) {
  (void)plan, (void)x, (void)y;
  return window_rule(st, in_k, WINDOW_CHANNEL);
}

/* Mirrors tmc_conv2d_s8's dispatch: fast (one group) or plain. */
int64_t tmc_ov_conv(const tmc_plan *plan, const tmc_step *st, int in_k, const tmc_tensor *x,
                    const tmc_tensor *y) {
  (void)plan, (void)x, (void)y;
  bool fast = st->kernel != TMC_K_CONV2D_DIRECT &&
              TMC_CPARAMS(st, tmc_conv2d_params)->rq_bias != NULL &&
              st->in_dims.c == st->filter_dims.c;
  return window_rule(st, in_k, fast ? WINDOW_COPIED : WINDOW_PIXEL);
}

int64_t tmc_ov_depthwise(const tmc_plan *plan, const tmc_step *st, int in_k,
                         const tmc_tensor *x, const tmc_tensor *y) {
  (void)plan, (void)x, (void)y;
  return window_rule(st, in_k,
                     TMC_CPARAMS(st, tmc_depthwise_conv2d_params)->depth_multiplier == 1 ? WINDOW_CHANNEL : WINDOW_PIXEL);
}

int64_t tmc_ov_fc(const tmc_plan *plan, const tmc_step *st, int in_k, const tmc_tensor *x,
                  const tmc_tensor *y) {
  (void)plan, (void)x, (void)y;
  bool copied = st->kernel != TMC_K_FULLY_CONNECTED_DIRECT &&
                st->kernel != TMC_K_FULLY_CONNECTED_DSP_ROWS &&
                TMC_CPARAMS(st, tmc_fully_connected_params)->rq_bias != NULL;
  return in_k == 0 ? fc_rows(st->outer, st->depth, st->units, copied) : -1;
}

int64_t tmc_overlap_delta(const tmc_plan *plan, int32_t s, int in_k, int out_k) {
  const tmc_step *st = &plan->steps[s];
  const tmc_graph *g = plan->g;
  if (in_k < 0 || in_k >= st->n_in || out_k < 0 || out_k >= st->n_out) return -1;
  if (st->in[in_k] < 0) return -1;
  const tmc_tensor *x = &g->tensors[st->in[in_k]], *y = &g->tensors[st->out[out_k]];
  if (x->is_const) return -1;
  return tmc_kernel_desc_of(st->kernel)->overlap(plan, st, in_k, x, y);
}
