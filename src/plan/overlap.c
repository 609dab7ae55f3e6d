/* Overlap rules: how far below a dying input a kernel's output may start
 * when the two share bytes (o_in - o_out >= delta), derived from each
 * kernel's loop order. A write of output bytes [w0, w1) is safe when no input
 * byte at those addresses is read afterwards. For a kernel that writes its
 * output in increasing address order while the lowest input byte it still
 * needs only grows, delta = max over write events of
 *   (output bytes written so far) - (offset of the lowest input byte still
 *   needed at that write).
 * Kernels with another order, or whose output is larger per element than
 * the input, get no rule (-1). Tests check each rule at its limit. */
#include "plan.h"

/* Element-wise: element i is read, then written (same element size). */
static int64_t elementwise(const tmc_tensor *x, const tmc_tensor *y) {
  if (x->elems != y->elems || tmc_dtype_size(x->type) != tmc_dtype_size(y->type)) return -1;
  return 0;
}

/* Raster-window kernels (pooling; convolutions whose loops go output pixel by
 * output pixel, all channels of a pixel before the next): at output pixel p
 * (in N,H,W order) the bytes written so far end at (p + 1) * C_out, and the
 * lowest input byte still needed is the first in-bounds tap of p's window.
 * pad_top/left as the kernel applies them. Channel-wise kernels need
 * C_in == C_out and equal element sizes. */
static int64_t raster_window(const tmc_dims4 *in, const tmc_dims4 *out, int32_t stride_h,
                             int32_t stride_w, int32_t pad_top, int32_t pad_left,
                             int64_t in_elem, int64_t out_elem, bool channelwise) {
  int64_t delta = 0;
  int64_t in_row = (int64_t)in->w * in->c * in_elem, in_px = (int64_t)in->c * in_elem;
  int64_t out_px = (int64_t)out->c * out_elem;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++) {
      int64_t r = (int64_t)oy * stride_h - pad_top;
      if (r < 0) r = 0;
      if (r > in->h) r = in->h;
      for (int32_t ox = 0; ox < out->w; ox++) {
        int64_t c = (int64_t)ox * stride_w - pad_left;
        if (c < 0) c = 0;
        if (c > in->w) c = in->w;
        int64_t p = ((int64_t)n * out->h + oy) * out->w + ox;
        int64_t need = (int64_t)n * in->h * in_row + r * in_row + c * in_px;
        if (r == in->h) need = ((int64_t)n + 1) * in->h * in_row; /* window all padding */
        /* Channel-wise kernels (pooling) finish channel c of the window before
         * writing channel c of the pixel: the write reaches p*C + c + 1 while
         * the input is still needed from need + c + 1. */
        int64_t d = channelwise ? p * out_px - need : (p + 1) * out_px - need;
        if (d > delta) delta = d;
      }
    }
  return delta;
}

int64_t tmc_overlap_delta(const tmc_plan *plan, int32_t s, int in_k, int out_k) {
  const tmc_step *st = &plan->steps[s];
  const tmc_graph *g = plan->g;
  if (in_k < 0 || in_k >= st->n_in || out_k < 0 || out_k >= st->n_out) return -1;
  if (st->in[in_k] < 0) return -1;
  const tmc_tensor *x = &g->tensors[st->in[in_k]], *y = &g->tensors[st->out[out_k]];
  if (x->is_const) return -1;
  switch (st->kernel) {
    case TMC_K_RELU: case TMC_K_CLAMP: case TMC_K_LEAKY_RELU: case TMC_K_REQUANTIZE:
    case TMC_K_LOGISTIC: case TMC_K_TANH: case TMC_K_HARD_SWISH: case TMC_K_SOFTMAX:
    case TMC_K_SOFTMAX_F32: case TMC_K_COPY:
      return in_k == 0 ? elementwise(x, y) : -1;
    case TMC_K_ADD: case TMC_K_SUB: case TMC_K_MUL: case TMC_K_MAXIMUM: case TMC_K_MINIMUM:
      /* The operand that is not broadcast is read at the output's index. */
      return (in_k <= 1 && x->elems == y->elems) ? elementwise(x, y) : -1;
    case TMC_K_AVG_POOL: case TMC_K_MAX_POOL:
      return in_k == 0 ? raster_window(&st->in_dims, &st->out_dims, st->p.pool.stride_h,
                                       st->p.pool.stride_w, st->p.pool.pad_top,
                                       st->p.pool.pad_left, 1, 1, true)
                       : -1;
    default:
      return -1;
  }
}
