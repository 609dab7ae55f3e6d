/* The backward kernels (src/train/backward.c) and the loss (loss.c) against
 * finite differences of independent double-precision forward passes, on
 * small random cases with odd shapes, strides 1 and 2, dilation, padding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "kernels/backward.h"
#include "kernels/train_loss.h"

static uint32_t rng = 12345;
static double uni(void) { /* [-1, 1) */
  rng = rng * 1664525u + 1013904223u;
  return (double)(rng >> 8) / (double)(1u << 23) - 1.0;
}

/* Relative-or-absolute closeness of an analytic and a numeric gradient. */
static void near(double a, double n, const char *what, int i) {
  const double tol = 2e-3 * (fabs(n) > 1 ? fabs(n) : 1);
  if (fabs(a - n) > tol) fail_msg("%s[%d]: backward %.6f, finite difference %.6f", what, i, a, n);
}

/* ---- a conv-like layer: the forward in double -------------------------- */

typedef struct conv_case {
  tmc_dims4 in, filter, out;
  tmc_bw_window win;
  int depthwise, mult;
  int32_t channels; /* trained output channels */
} conv_case;

static double conv_forward(const conv_case *c, const double *x, const double *w,
                           const double *b, const double *gy) {
  double l = 0;
  const tmc_dims4 *in = &c->in, *f = &c->filter, *o = &c->out;
  for (int n = 0; n < o->n; n++)
    for (int oy = 0; oy < o->h; oy++)
      for (int ox = 0; ox < o->w; ox++)
        for (int oc = 0; oc < o->c; oc++) {
          double acc = b[oc];
          for (int ky = 0; ky < f->h; ky++)
            for (int kx = 0; kx < f->w; kx++) {
              const int iy = oy * c->win.sh - c->win.pad_top + ky * c->win.dh;
              const int ix = ox * c->win.sw - c->win.pad_left + kx * c->win.dw;
              if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) continue;
              if (c->depthwise) {
                const int ic = oc / c->mult;
                acc += x[((n * in->h + iy) * in->w + ix) * in->c + ic] *
                       w[(ky * f->w + kx) * o->c + oc];
              } else {
                for (int ic = 0; ic < in->c; ic++)
                  acc += x[((n * in->h + iy) * in->w + ix) * in->c + ic] *
                         w[((oc * f->h + ky) * f->w + kx) * in->c + ic];
              }
            }
          l += acc * gy[((n * o->h + oy) * o->w + ox) * o->c + oc];
        }
  return l;
}

static int32_t dims_n(const tmc_dims4 *d) { return d->n * d->h * d->w * d->c; }

static void check_conv(const conv_case *c) {
  const int nx = dims_n(&c->in), nw = dims_n(&c->filter), ny = dims_n(&c->out), oc = c->out.c;
  float *x = malloc(nx * sizeof *x), *gy = malloc(ny * sizeof *gy), *gx = calloc(nx, 4);
  float *gw = calloc(nw, 4), *gb = calloc(oc, 4), *sc = malloc(oc * sizeof *sc);
  double *xd = malloc(nx * 8), *wd = malloc(nw * 8), *bd = calloc(oc, 8), *gyd = malloc(ny * 8);
  int8_t *w = malloc(nw);
  for (int i = 0; i < nx; i++) xd[i] = x[i] = (float)uni();
  for (int i = 0; i < ny; i++) gyd[i] = gy[i] = (float)uni();
  for (int i = 0; i < oc; i++) sc[i] = 0.01f + 0.002f * (float)i;
  for (int i = 0; i < nw; i++) {
    w[i] = (int8_t)(uni() * 127);
    const int o = c->depthwise ? i % oc : i / (nw / oc);
    wd[i] = (double)sc[o] * w[i];
  }
  const tmc_bw_weights bw = {w, sc, 1};
  if (c->depthwise)
    tmc_bw_depthwise(&c->in, &c->filter, &c->out, &c->win, c->mult, x, &bw, gy, gx, gw, gb,
                     c->channels);
  else
    tmc_bw_conv2d(&c->in, &c->filter, &c->out, &c->win, x, &bw, gy, gx, gw, gb, c->channels);
  /* channel by channel (batch 1's update): the same bits */
  const int per_ch = nw / oc;
  float *row = calloc(per_ch, sizeof *row);
  for (int o = 0; o < c->channels; o++) {
    memset(row, 0, per_ch * sizeof *row);
    if (c->depthwise)
      tmc_bw_depthwise_wgrad(&c->in, &c->filter, &c->out, &c->win, c->mult, x, gy, o, row);
    else
      tmc_bw_conv2d_wgrad(&c->in, &c->filter, &c->out, &c->win, x, gy, o, row);
    assert_memory_equal(row, gw + (size_t)o * per_ch, per_ch * sizeof *row);
  }
  free(row);
  const double eps = 1e-3;
  for (int i = 0; i < nx; i++) {
    const double v = xd[i];
    xd[i] = v + eps;
    const double lp = conv_forward(c, xd, wd, bd, gyd);
    xd[i] = v - eps;
    const double lm = conv_forward(c, xd, wd, bd, gyd);
    xd[i] = v;
    near(gx[i], (lp - lm) / (2 * eps), "gx", i);
  }
  const int per = nw / oc;
  for (int i = 0; i < nw; i++) {
    const int o = c->depthwise ? i % oc : i / per;
    const double v = wd[i];
    wd[i] = v + eps;
    const double lp = conv_forward(c, xd, wd, bd, gyd);
    wd[i] = v - eps;
    const double lm = conv_forward(c, xd, wd, bd, gyd);
    wd[i] = v;
    /* gw is channel-major: [o][per]; channels past the trained ones stay 0 */
    const int tap = c->depthwise ? i / oc : i % per;
    const float got = gw[o * per + tap];
    if (o < c->channels) near(got, (lp - lm) / (2 * eps), "gw", i);
    else assert_true(got == 0.0f);
  }
  for (int o = 0; o < oc; o++) {
    bd[o] = eps;
    const double lp = conv_forward(c, xd, wd, bd, gyd);
    bd[o] = -eps;
    const double lm = conv_forward(c, xd, wd, bd, gyd);
    bd[o] = 0;
    near(gb[o], (lp - lm) / (2 * eps), "gb", o);
  }
  free(x), free(gy), free(gx), free(gw), free(gb), free(sc), free(xd), free(wd), free(bd);
  free(gyd), free(w);
}

static int32_t out_size(int32_t in, int32_t k, int32_t s, int32_t dil, int32_t pb, int32_t pa) {
  return (in + pb + pa - ((k - 1) * dil + 1)) / s + 1;
}

static void conv2d_cases(void **state) {
  (void)state;
  static const int32_t cfg[][8] = {
      /* ih iw ic kh kw oc  s d */
      {5, 7, 3, 3, 3, 4, 1, 1},  {7, 6, 2, 3, 2, 5, 2, 1}, {9, 8, 3, 3, 3, 3, 2, 2},
      {4, 5, 6, 1, 1, 7, 1, 1},  {6, 5, 3, 1, 1, 2, 2, 1},
  };
  for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
    const int32_t *v = cfg[k];
    conv_case c = {0};
    c.in = (tmc_dims4){1, v[0], v[1], v[2]};
    c.filter = (tmc_dims4){v[5], v[3], v[4], v[2]};
    const int32_t pt = v[3] / 2, pl = v[4] / 2;
    c.win = (tmc_bw_window){v[6], v[6], v[7], v[7], pt, pl};
    c.out = (tmc_dims4){1, out_size(v[0], v[3], v[6], v[7], pt, pt),
                        out_size(v[1], v[4], v[6], v[7], pl, pl), v[5]};
    c.channels = v[5] > 2 ? v[5] - 2 : v[5]; /* sparse: the first channels */
    check_conv(&c);
  }
}

static void depthwise_cases(void **state) {
  (void)state;
  static const int32_t cfg[][7] = {
      /* ih iw ic kh kw mult s/d */
      {5, 7, 3, 3, 3, 1, 1}, {8, 7, 2, 3, 3, 2, 2}, {9, 9, 3, 5, 3, 1, 3},
  };
  for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
    const int32_t *v = cfg[k];
    conv_case c = {0};
    c.depthwise = 1;
    c.mult = v[5];
    const int32_t s = v[6] == 3 ? 1 : v[6], d = v[6] == 3 ? 2 : 1;
    c.in = (tmc_dims4){1, v[0], v[1], v[2]};
    c.filter = (tmc_dims4){1, v[3], v[4], v[2] * v[5]};
    c.win = (tmc_bw_window){s, s, d, d, v[3] / 2, v[4] / 2};
    c.out = (tmc_dims4){1, out_size(v[0], v[3], s, d, v[3] / 2, v[3] / 2),
                        out_size(v[1], v[4], s, d, v[4] / 2, v[4] / 2), v[2] * v[5]};
    c.channels = c.out.c - 1;
    check_conv(&c);
  }
}

/* FULLY_CONNECTED is a 1x1 convolution over [batches][depth]. */
static double fc_forward(int nb, int depth, int units, const double *x, const double *w,
                         const double *gy) {
  double l = 0;
  for (int b = 0; b < nb; b++)
    for (int o = 0; o < units; o++) {
      double acc = 0;
      for (int i = 0; i < depth; i++) acc += x[b * depth + i] * w[o * depth + i];
      l += acc * gy[b * units + o];
    }
  return l;
}

static void fc_case(void **state) {
  (void)state;
  enum { NB = 2, D = 7, U = 5, CH = 3 };
  float x[NB * D], gy[NB * U], gx[NB * D] = {0}, gw[CH * D] = {0}, gb[U] = {0}, sc[1] = {0.02f};
  double xd[NB * D], wd[U * D], gyd[NB * U];
  int8_t w[U * D];
  for (int i = 0; i < NB * D; i++) xd[i] = x[i] = (float)uni();
  for (int i = 0; i < NB * U; i++) gyd[i] = gy[i] = (float)uni();
  for (int i = 0; i < U * D; i++) wd[i] = sc[0] * (double)(w[i] = (int8_t)(uni() * 127));
  const tmc_bw_weights bw = {w, sc, 0};
  tmc_bw_fc(NB, D, U, x, &bw, gy, gx, gw, gb, CH);
  for (int o = 0; o < CH; o++) {
    float row[D] = {0};
    tmc_bw_fc_wgrad(NB, D, U, x, gy, o, row);
    assert_memory_equal(row, gw + o * D, sizeof row);
  }
  const double eps = 1e-3;
  for (int i = 0; i < NB * D; i++) {
    const double v = xd[i];
    xd[i] = v + eps;
    const double lp = fc_forward(NB, D, U, xd, wd, gyd);
    xd[i] = v - eps;
    const double lm = fc_forward(NB, D, U, xd, wd, gyd);
    xd[i] = v;
    near(gx[i], (lp - lm) / (2 * eps), "gx", i);
  }
  for (int i = 0; i < CH * D; i++) {
    const double v = wd[i];
    wd[i] = v + eps;
    const double lp = fc_forward(NB, D, U, xd, wd, gyd);
    wd[i] = v - eps;
    const double lm = fc_forward(NB, D, U, xd, wd, gyd);
    wd[i] = v;
    near(gw[i], (lp - lm) / (2 * eps), "gw", i);
  }
  for (int o = 0; o < U; o++) near(gb[o], gyd[o] + gyd[U + o], "gb", o);
}

static void avg_pool_case(void **state) {
  (void)state;
  /* 7x6x3, window 3x2, stride 2, padding 1 / 0 (SAME-like): clipped counts */
  const tmc_dims4 in = {1, 7, 6, 3}, out = {1, 4, 3, 3};
  const tmc_bw_window win = {2, 2, 1, 1, 1, 0};
  const int fh = 3, fw = 2, nx = 7 * 6 * 3, ny = 4 * 3 * 3;
  float gy[4 * 3 * 3], gx[7 * 6 * 3] = {0};
  double gyd[4 * 3 * 3], x[7 * 6 * 3];
  for (int i = 0; i < ny; i++) gyd[i] = gy[i] = (float)uni();
  for (int i = 0; i < nx; i++) x[i] = uni();
  tmc_bw_avg_pool(&in, &out, fh, fw, &win, gy, gx);
  for (int i = 0; i < nx; i++) {
    /* d/dx_i of sum gy * avg: over windows holding i, gy / count */
    double n = 0;
    const int c = i % 3, ix = (i / 3) % 6, iy = i / 18;
    for (int oy = 0; oy < 4; oy++)
      for (int ox = 0; ox < 3; ox++) {
        const int y0 = oy * 2 - 1, x0 = ox * 2;
        const int ys = y0 < 0 ? 0 : y0, xs = x0, ye = y0 + fh < 7 ? y0 + fh : 7,
                  xe = x0 + fw < 6 ? x0 + fw : 6;
        if (iy >= ys && iy < ye && ix >= xs && ix < xe)
          n += gyd[(oy * 3 + ox) * 3 + c] / ((ye - ys) * (xe - xs));
      }
    near(gx[i], n, "gx", i);
  }
  (void)x;
}

/* MAX_POOL_2D's forward in double: sum gy * max over each window. */
static double max_pool_forward(const tmc_dims4 *in, const tmc_dims4 *out, int fh, int fw,
                               const tmc_bw_window *win, const double *x, const double *gy) {
  double l = 0;
  for (int n = 0; n < out->n; n++)
    for (int oy = 0; oy < out->h; oy++)
      for (int ox = 0; ox < out->w; ox++)
        for (int c = 0; c < out->c; c++) {
          double m = -1e300;
          for (int ky = 0; ky < fh; ky++)
            for (int kx = 0; kx < fw; kx++) {
              const int iy = oy * win->sh - win->pad_top + ky, ix = ox * win->sw - win->pad_left + kx;
              if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) continue;
              const double v = x[((n * in->h + iy) * in->w + ix) * in->c + c];
              m = v > m ? v : m;
            }
          l += m * gy[((n * out->h + oy) * out->w + ox) * out->c + c];
        }
  return l;
}

/* Odd shapes, strides 1 and 2, padding, a batch of 2: distinct int8
 * inputs (a shuffled ramp), so the maximum is unique and the finite
 * difference exact; then all-equal inputs: the first tap takes it. */
static void max_pool_cases(void **state) {
  (void)state;
  static const int32_t cfg[][10] = {
      /* n  h  w  c fh fw s pt pl */
      {1, 7, 6, 5, 3, 3, 2, 1, 1}, {2, 5, 4, 3, 2, 3, 1, 0, 1}, {1, 9, 7, 3, 2, 2, 2, 0, 0},
      {1, 6, 7, 4, 3, 2, 1, 1, 0},
  };
  for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
    const int32_t *v = cfg[k];
    const tmc_dims4 in = {v[0], v[1], v[2], v[3]};
    const tmc_bw_window win = {v[6], v[6], 1, 1, v[7], v[8]};
    const int fh = v[4], fw = v[5];
    /* SAME-like: the padding after as before */
    const tmc_dims4 out = {v[0], out_size(v[1], fh, v[6], 1, v[7], v[7]),
                           out_size(v[2], fw, v[6], 1, v[8], v[8]), v[3]};
    const int nx = dims_n(&in), ny = dims_n(&out);
    assert_true(nx <= 255);
    int8_t *q = malloc(nx);
    double *xd = malloc(nx * sizeof *xd), *gyd = malloc(ny * sizeof *gyd);
    float *gy = malloc(ny * sizeof *gy), *gx = calloc(nx, sizeof *gx);
    for (int i = 0; i < nx; i++) q[i] = (int8_t)(i - 127);
    for (int i = nx - 1; i > 0; i--) { /* Fisher-Yates */
      const int j = (int)((uni() + 1) / 2 * (i + 1)) % (i + 1);
      const int8_t t = q[i];
      q[i] = q[j], q[j] = t;
    }
    for (int i = 0; i < nx; i++) xd[i] = q[i];
    for (int i = 0; i < ny; i++) gyd[i] = gy[i] = (float)uni();
    tmc_bw_max_pool(&in, &out, fh, fw, &win, q, gy, gx);
    const double eps = 1e-3;
    for (int i = 0; i < nx; i++) {
      const double x0 = xd[i];
      xd[i] = x0 + eps;
      const double lp = max_pool_forward(&in, &out, fh, fw, &win, xd, gyd);
      xd[i] = x0 - eps;
      const double lm = max_pool_forward(&in, &out, fh, fw, &win, xd, gyd);
      xd[i] = x0;
      near(gx[i], (lp - lm) / (2 * eps), "gx", i);
    }
    /* ties: every input 7; each window's first tap inside the input */
    for (int i = 0; i < nx; i++) q[i] = 7, gx[i] = 0;
    for (int i = 0; i < ny; i++) gy[i] = 1.0f;
    tmc_bw_max_pool(&in, &out, fh, fw, &win, q, gy, gx);
    double *want = calloc(nx, sizeof *want);
    for (int n = 0; n < out.n; n++)
      for (int oy = 0; oy < out.h; oy++)
        for (int ox = 0; ox < out.w; ox++) {
          const int y0 = oy * win.sh - win.pad_top, x0 = ox * win.sw - win.pad_left;
          const int iy = y0 < 0 ? 0 : y0, ix = x0 < 0 ? 0 : x0;
          for (int c = 0; c < in.c; c++) want[((n * in.h + iy) * in.w + ix) * in.c + c] += 1;
        }
    for (int i = 0; i < nx; i++) near(gx[i], want[i], "gx (ties)", i);
    free(q), free(xd), free(gyd), free(gy), free(gx), free(want);
  }
}

/* PAD: the gradient of sum gy * pad(x) is gy without the padding. */
static void pad_case(void **state) {
  (void)state;
  static const int32_t cfg[][8] = {
      /* the input n h w c; the padding before and after each axis below */
      {1, 3, 5, 2}, {2, 4, 3, 3},
  };
  static const int32_t bef[][4] = {{0, 1, 2, 1}, {1, 0, 3, 2}};
  static const int32_t aft[][4] = {{0, 2, 0, 1}, {0, 2, 1, 0}};
  for (size_t k = 0; k < 2; k++) {
    const int32_t *v = cfg[k];
    const tmc_dims4 in = {v[0], v[1], v[2], v[3]};
    const tmc_dims4 out = {v[0] + bef[k][0] + aft[k][0], v[1] + bef[k][1] + aft[k][1],
                           v[2] + bef[k][2] + aft[k][2], v[3] + bef[k][3] + aft[k][3]};
    const int nx = dims_n(&in), ny = dims_n(&out);
    float *gy = malloc(ny * sizeof *gy), *gx = calloc(nx, sizeof *gx);
    double *gyd = malloc(ny * sizeof *gyd), *xd = malloc(nx * sizeof *xd);
    for (int i = 0; i < ny; i++) gyd[i] = gy[i] = (float)uni();
    for (int i = 0; i < nx; i++) xd[i] = uni(), gx[i] = 0.5f; /* it adds */
    tmc_bw_pad(&in, &out, bef[k], gy, gx);
    /* the forward: y = pad(x, 0.25) in double, l = sum gy * y */
    for (int i = 0; i < nx; i++) {
      double l[2];
      for (int side = 0; side < 2; side++) {
        const double x0 = xd[i];
        xd[i] = x0 + (side ? -1e-3 : 1e-3);
        l[side] = 0;
        for (int n = 0; n < out.n; n++)
          for (int h = 0; h < out.h; h++)
            for (int w = 0; w < out.w; w++)
              for (int c = 0; c < out.c; c++) {
                const int a = n - bef[k][0], b = h - bef[k][1], e = w - bef[k][2],
                          f = c - bef[k][3];
                const bool inside = a >= 0 && a < in.n && b >= 0 && b < in.h && e >= 0 &&
                                    e < in.w && f >= 0 && f < in.c;
                const double y = inside ? xd[((a * in.h + b) * in.w + e) * in.c + f] : 0.25;
                l[side] += y * gyd[((n * out.h + h) * out.w + w) * out.c + c];
              }
        xd[i] = x0;
      }
      near(gx[i] - 0.5f, (l[0] - l[1]) / 2e-3, "gx", i);
    }
    free(gy), free(gx), free(gyd), free(xd);
  }
}

static void mean_case(void **state) {
  (void)state;
  /* [1,3,4,5] over axes 1 and 2 -> [1,5] (keep_dims or not: same order) */
  const int32_t dims[4] = {1, 3, 4, 5};
  const int reduce[4] = {0, 1, 1, 0};
  float gy[5], gx[60] = {0};
  for (int i = 0; i < 5; i++) gy[i] = (float)uni();
  tmc_bw_mean(4, dims, reduce, gy, gx);
  for (int i = 0; i < 60; i++) near(gx[i], gy[i % 5] / 12.0, "gx", i);
  /* over the last axis */
  const int reduce2[4] = {0, 0, 0, 1};
  float gy2[12], gx2[60] = {0};
  for (int i = 0; i < 12; i++) gy2[i] = (float)uni();
  tmc_bw_mean(4, dims, reduce2, gy2, gx2);
  for (int i = 0; i < 60; i++) near(gx2[i], gy2[i / 5] / 5.0, "gx", i);
}

static void transpose_case(void **state) {
  (void)state;
  /* [2,3,4,5] with perm {0,3,1,2}: y[a][d][b][c] = x[a][b][c][d] */
  const int32_t dims[4] = {2, 3, 4, 5}, perm[4] = {0, 3, 1, 2};
  float gy[120], gx[120] = {0};
  for (int i = 0; i < 120; i++) gy[i] = (float)i;
  tmc_bw_transpose(4, dims, perm, gy, gx);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        for (int e = 0; e < 5; e++) {
          const int xi = ((a * 3 + b) * 4 + c) * 5 + e, yi = ((a * 5 + e) * 3 + b) * 4 + c;
          assert_true(gx[xi] == gy[yi]);
        }
}

static void masks(void **state) {
  (void)state;
  const int8_t q[11] = {-128, -127, -5, 0, 5, 90, 91, 127, -128, 3, 91};
  uint8_t m[2];
  float g[11];
  for (int i = 0; i < 11; i++) g[i] = 1.0f + (float)i;
  /* RELU6-like clamp [-128, 91] */
  tmc_bw_mask_make(11, q, -128, 91, m);
  tmc_bw_mask(11, m, g);
  const float want[11] = {0, 2, 3, 4, 5, 6, 0, 0, 0, 10, 0};
  for (int i = 0; i < 11; i++) assert_true(g[i] == want[i]);
  assert_int_equal(m[0], 0x3e);
  assert_int_equal(m[1], 0x02);
}

static void exp_log(void **state) {
  (void)state;
  for (double x = -87.0; x <= 88.0; x += 0.01723) {
    const float xf = (float)x;
    const double e = exp((double)xf), got = tmc_train_expf(xf);
    if (fabs(got - e) > 4e-7 * e) fail_msg("expf(%g) = %.9g, libm %.9g", x, got, e);
  }
  assert_true(tmc_train_expf(-100.0f) == 0.0f);
  assert_true(tmc_train_expf(0.0f) == 1.0f);
  for (double x = 1e-30; x < 1e30; x *= 1.0371) {
    const double l = log((float)x), got = tmc_train_logf((float)x);
    if (fabs(got - l) > 4e-7 * (fabs(l) > 1 ? fabs(l) : 1))
      fail_msg("logf(%g) = %.9g, libm %.9g", x, got, l);
  }
  assert_true(tmc_train_logf(1.0f) == 0.0f);
  assert_true(isinf(tmc_train_logf(0.0f)) && tmc_train_logf(0.0f) < 0);
}

static double xent_ref(int n, const double *z, int label) {
  double m = z[0], s = 0;
  for (int k = 1; k < n; k++) m = z[k] > m ? z[k] : m;
  for (int k = 0; k < n; k++) s += exp(z[k] - m);
  return log(s) - (z[label] - m);
}

static void xent(void **state) {
  (void)state;
  const int8_t q[6] = {-100, 20, 3, 127, -128, 50};
  const float scale = 0.07f;
  const int32_t zp = 3;
  float dz[6];
  for (int label = 0; label < 6; label++) {
    const float l = tmc_softmax_xent(6, q, scale, zp, label, dz);
    double z[6];
    for (int k = 0; k < 6; k++) z[k] = (double)(scale * (float)(q[k] - zp));
    near(l, xent_ref(6, z, label), "loss", label);
    for (int k = 0; k < 6; k++) {
      const double v = z[k];
      z[k] = v + 1e-4;
      const double lp = xent_ref(6, z, label);
      z[k] = v - 1e-4;
      const double lm = xent_ref(6, z, label);
      z[k] = v;
      near(dz[k], (lp - lm) / 2e-4, "dz", k);
    }
  }
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(conv2d_cases), cmocka_unit_test(depthwise_cases),
      cmocka_unit_test(fc_case),      cmocka_unit_test(avg_pool_case),
      cmocka_unit_test(mean_case),    cmocka_unit_test(transpose_case),
      cmocka_unit_test(masks),        cmocka_unit_test(max_pool_cases),
      cmocka_unit_test(pad_case),
      cmocka_unit_test(exp_log),      cmocka_unit_test(xent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
