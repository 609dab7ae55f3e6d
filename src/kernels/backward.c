/* Backward kernels in float32: loops in a fixed order, one rounding per
 * operation (no FMA: -ffp-contract=off). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "backward.h"

/* Runs the statement (the variadic tail) for each tap (ky, kx) of output
 * pixel (n, oy, ox) that lands inside the input, in raster order, with
 * px the tap's input pixel index ((n * in.h + iy) * in.w + ix). */
#define BW_TAPS(in, kh, kw, win, n, oy, ox, ...)                                \
  for (int32_t ky = 0; ky < (kh); ky++) {                                       \
    const int32_t iy_ = (oy) * (win)->sh - (win)->pad_top + ky * (win)->dh;     \
    if (iy_ < 0 || iy_ >= (in)->h) continue;                                    \
    for (int32_t kx = 0; kx < (kw); kx++) {                                     \
      const int32_t ix_ = (ox) * (win)->sw - (win)->pad_left + kx * (win)->dw;  \
      if (ix_ < 0 || ix_ >= (in)->w) continue;                                  \
      const size_t px = ((size_t)(n) * (in)->h + iy_) * (in)->w + ix_;          \
      __VA_ARGS__;                                                              \
    }                                                                           \
  }

static float wscale(const tmc_bw_weights *w, int32_t o) {
  return w->scale[w->per_channel ? o : 0];
}

void tmc_bw_fc(int32_t batches, int32_t depth, int32_t units, const float *x,
               const tmc_bw_weights *w, const float *gy, float *gx, float *gw, float *gb,
               int32_t channels) {
  for (int32_t b = 0; b < batches; b++) {
    const float *xb = x ? x + (size_t)b * depth : NULL;
    const float *g = gy + (size_t)b * units;
    if (gx) {
      float *gxb = gx + (size_t)b * depth;
      for (int32_t o = 0; o < units; o++) {
        const float go = g[o] * wscale(w, o);
        if (go == 0.0f) continue;
        const int8_t *wr = w->w + (size_t)o * depth;
        for (int32_t i = 0; i < depth; i++) gxb[i] += go * (float)wr[i];
      }
    }
    if (gb)
      for (int32_t o = 0; o < units; o++) gb[o] += g[o];
    for (int32_t o = 0; o < channels; o++) {
      if (gw && g[o] != 0.0f) {
        float *gr = gw + (size_t)o * depth;
        for (int32_t i = 0; i < depth; i++) gr[i] += g[o] * xb[i];
      }
    }
  }
}

void tmc_bw_conv2d(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                   const tmc_bw_window *win, const float *x, const tmc_bw_weights *w,
                   const float *gy, float *gx, float *gw, float *gb, int32_t channels) {
  const int32_t ic = in->c, kh = filter->h, kw = filter->w, oc = out->c;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const float *g = gy + (((size_t)n * out->h + oy) * out->w + ox) * oc;
        for (int32_t o = 0; o < oc; o++) {
          const float go = g[o];
          if (gb) gb[o] += go;
          if (go == 0.0f) continue;
          const float gs = go * wscale(w, o);
          BW_TAPS(in, kh, kw, win, n, oy, ox, {
            const size_t xo = px * ic;
            const size_t wo = (((size_t)o * kh + ky) * kw + kx) * ic;
            if (gx) {
              const int8_t *wr = w->w + wo;
              for (int32_t i = 0; i < ic; i++) gx[xo + i] += gs * (float)wr[i];
            }
            if (gw && o < channels) {
              float *gr = gw + wo;
              for (int32_t i = 0; i < ic; i++) gr[i] += go * x[xo + i];
            }
          })
        }
      }
}

void tmc_bw_depthwise(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                      const tmc_bw_window *win, int32_t mult, const float *x,
                      const tmc_bw_weights *w, const float *gy, float *gx, float *gw,
                      float *gb, int32_t channels) {
  const int32_t ic = in->c, kh = filter->h, kw = filter->w, oc = out->c;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const float *g = gy + (((size_t)n * out->h + oy) * out->w + ox) * oc;
        for (int32_t o = 0; o < oc; o++) {
          const float go = g[o];
          if (gb) gb[o] += go;
          if (go == 0.0f) continue;
          const float gs = go * wscale(w, o);
          const int32_t i = o / mult;
          BW_TAPS(in, kh, kw, win, n, oy, ox, {
            const size_t xo = px * ic + i;
            const size_t wo = ((size_t)ky * kw + kx) * oc + o;
            if (gx) gx[xo] += gs * (float)w->w[wo];
            if (gw && o < channels) gw[((size_t)o * kh + ky) * kw + kx] += go * x[xo];
          })
        }
      }
}

void tmc_bw_fc_wgrad(int32_t batches, int32_t depth, int32_t units, const float *x,
                     const float *gy, int32_t o, float *row) {
  for (int32_t b = 0; b < batches; b++) {
    const float g = gy[(size_t)b * units + o];
    if (g == 0.0f) continue;
    const float *xb = x + (size_t)b * depth;
    for (int32_t i = 0; i < depth; i++) row[i] += g * xb[i];
  }
}

void tmc_bw_conv2d_wgrad(const tmc_dims4 *in, const tmc_dims4 *filter, const tmc_dims4 *out,
                         const tmc_bw_window *win, const float *x, const float *gy, int32_t o,
                         float *row) {
  const int32_t ic = in->c, kh = filter->h, kw = filter->w, oc = out->c;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const float go = gy[(((size_t)n * out->h + oy) * out->w + ox) * oc + o];
        if (go == 0.0f) continue;
        BW_TAPS(in, kh, kw, win, n, oy, ox, {
          const float *xr = x + px * ic;
          float *gr = row + ((size_t)ky * kw + kx) * ic;
          for (int32_t i = 0; i < ic; i++) gr[i] += go * xr[i];
        })
      }
}

void tmc_bw_depthwise_wgrad(const tmc_dims4 *in, const tmc_dims4 *filter,
                            const tmc_dims4 *out, const tmc_bw_window *win, int32_t mult,
                            const float *x, const float *gy, int32_t o, float *row) {
  const int32_t ic = in->c, kh = filter->h, kw = filter->w, oc = out->c, i = o / mult;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const float go = gy[(((size_t)n * out->h + oy) * out->w + ox) * oc + o];
        if (go == 0.0f) continue;
        BW_TAPS(in, kh, kw, win, n, oy, ox,
                row[(size_t)ky * kw + kx] += go * x[px * ic + i])
      }
}

void tmc_bw_avg_pool(const tmc_dims4 *in, const tmc_dims4 *out, int32_t fh, int32_t fw,
                     const tmc_bw_window *win, const float *gy, float *gx) {
  const int32_t c = in->c;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const int32_t y0 = oy * win->sh - win->pad_top, x0 = ox * win->sw - win->pad_left;
        const int32_t ys = y0 < 0 ? 0 : y0, xs = x0 < 0 ? 0 : x0;
        const int32_t ye = y0 + fh < in->h ? y0 + fh : in->h;
        const int32_t xe = x0 + fw < in->w ? x0 + fw : in->w;
        const int32_t count = (ye - ys) * (xe - xs);
        if (count <= 0) continue;
        const float *g = gy + (((size_t)n * out->h + oy) * out->w + ox) * c;
        for (int32_t iy = ys; iy < ye; iy++)
          for (int32_t ix = xs; ix < xe; ix++) {
            float *gr = gx + (((size_t)n * in->h + iy) * in->w + ix) * c;
            for (int32_t k = 0; k < c; k++) gr[k] += g[k] / (float)count;
          }
      }
}

void tmc_bw_max_pool(const tmc_dims4 *in, const tmc_dims4 *out, int32_t fh, int32_t fw,
                     const tmc_bw_window *win, const int8_t *x, const float *gy, float *gx) {
  const int32_t c = in->c;
  for (int32_t n = 0; n < out->n; n++)
    for (int32_t oy = 0; oy < out->h; oy++)
      for (int32_t ox = 0; ox < out->w; ox++) {
        const int32_t y0 = oy * win->sh - win->pad_top, x0 = ox * win->sw - win->pad_left;
        const int32_t ys = y0 < 0 ? 0 : y0, xs = x0 < 0 ? 0 : x0;
        const int32_t ye = y0 + fh < in->h ? y0 + fh : in->h;
        const int32_t xe = x0 + fw < in->w ? x0 + fw : in->w;
        if (ye <= ys || xe <= xs) continue;
        const float *g = gy + (((size_t)n * out->h + oy) * out->w + ox) * c;
        for (int32_t k = 0; k < c; k++) {
          size_t best = (((size_t)n * in->h + ys) * in->w + xs) * c + k;
          for (int32_t iy = ys; iy < ye; iy++)
            for (int32_t ix = xs; ix < xe; ix++) {
              const size_t e = (((size_t)n * in->h + iy) * in->w + ix) * c + k;
              if (x[e] > x[best]) best = e; /* strictly: the first maximum keeps it */
            }
          gx[best] += g[k];
        }
      }
}

void tmc_bw_pad(const tmc_dims4 *in, const tmc_dims4 *out, const int32_t *before,
                const float *gy, float *gx) {
  for (int32_t n = 0; n < in->n; n++)
    for (int32_t h = 0; h < in->h; h++)
      for (int32_t w = 0; w < in->w; w++) {
        const float *g = gy + ((((size_t)(n + before[0]) * out->h + (size_t)(h + before[1])) *
                                    out->w + (size_t)(w + before[2])) * out->c +
                               (size_t)before[3]);
        float *r = gx + (((size_t)n * in->h + h) * in->w + w) * in->c;
        for (int32_t k = 0; k < in->c; k++) r[k] += g[k];
      }
}

void tmc_bw_mean(int32_t rank, const int32_t *dims, const int *reduce, const float *gy,
                 float *gx) {
  int64_t total = 1, count = 1;
  for (int32_t a = 0; a < rank; a++) {
    total *= dims[a];
    if (reduce[a]) count *= dims[a];
  }
  int32_t idx[TMC_MAX_DIMS] = {0};
  for (int64_t e = 0; e < total; e++) {
    /* the output element: the index with the reduced axes dropped */
    int64_t o = 0;
    for (int32_t a = 0; a < rank; a++)
      if (!reduce[a]) o = o * dims[a] + idx[a];
    gx[e] += gy[o] / (float)count;
    for (int32_t a = rank - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

void tmc_bw_transpose(int32_t rank, const int32_t *dims, const int32_t *perm, const float *gy,
                      float *gx) {
  int64_t total = 1, stride[TMC_MAX_DIMS]; /* per input axis: its step in the output */
  for (int32_t a = 0; a < rank; a++) total *= dims[a];
  int64_t s = 1;
  for (int32_t j = rank - 1; j >= 0; j--) {
    stride[perm[j]] = s;
    s *= dims[perm[j]];
  }
  int32_t idx[TMC_MAX_DIMS] = {0};
  int64_t o = 0;
  for (int64_t e = 0; e < total; e++) {
    gx[e] += gy[o];
    for (int32_t a = rank - 1; a >= 0; a--) {
      o += stride[a];
      if (++idx[a] < dims[a]) break;
      o -= stride[a] * dims[a];
      idx[a] = 0;
    }
  }
}

void tmc_bw_copy(int64_t n, const float *gy, float *gx) {
  for (int64_t i = 0; i < n; i++) gx[i] += gy[i];
}

void tmc_bw_mask_make(int64_t n, const int8_t *q, int32_t lo, int32_t hi, uint8_t *mask) {
  for (int64_t i = 0; i < (n + 7) / 8; i++) mask[i] = 0;
  for (int64_t i = 0; i < n; i++)
    if (q[i] > lo && q[i] < hi) mask[i >> 3] |= (uint8_t)(1u << (i & 7));
}

void tmc_bw_mask(int64_t n, const uint8_t *mask, float *gy) {
  for (int64_t i = 0; i < n; i++)
    if (!(mask[i >> 3] >> (i & 7) & 1)) gy[i] = 0.0f;
}
