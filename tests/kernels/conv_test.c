/* conv_test.c - CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and
 * TRANSPOSE_CONV against plain-loop references written here (every tap
 * bounds-checked, int64 accumulation, ktest.h's requantization): random
 * shapes, strides, dilations and per-side paddings (every border), groups,
 * zero points at the extremes, flushed (zero) and > 1 multipliers, absent
 * bias, weights of -128. Each case runs both the plain path and the fast
 * path (the same int8 weights, allocated to their exact size so that any
 * read past them is caught under ASan; requantization from
 * tmc_fast_rq_prepare), the latter also with wide channel counts so every
 * channel block, pixel group and tail of the fast kernels is reached. A
 * depthwise filter holding -128 must be refused by the fast path's
 * prepare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels/kernels.h"
#include "kernels/requant.h"
#include "ir/geometry.h"
#include "plan/quant.h"
#include "ktest.h"

typedef struct {
  tmc_dims4 in, f, out;
  int32_t sh, sw, dh, dw, pt, pb, pl, pr;
  int32_t in_zp, out_zp, act_min, act_max;
  int has_bias;
} conv_case;

static int32_t pick_zp(void) {
  switch (kt_range(0, 4)) {
    case 0: return -128;
    case 1: return 127;
    default: return kt_range(-128, 127);
  }
}

/* Per-channel multipliers: mostly realistic, some flushed (q = 0, as
 * QuantizeMultiplier gives below 2^-31) and some above one. */
static void pick_multipliers(int32_t n, int32_t *q, int32_t *s) {
  int32_t c;
  for (c = 0; c < n; ++c) {
    const int kind = kt_range(0, 9);
    kt_multiplier(&q[c], &s[c], -12, -5);
    if (kind == 0) {
      q[c] = 0;
      s[c] = 0;
    } else if (kind == 1) {
      s[c] = kt_range(1, 3);
    }
  }
}

static void pick_act(int32_t out_zp, int32_t *lo, int32_t *hi) {
  switch (kt_range(0, 3)) {
    case 0: *lo = -128; *hi = 127; break;
    case 1: *lo = out_zp; *hi = 127; break;
    case 2: *lo = out_zp; *hi = out_zp + kt_range(0, 127 - out_zp); break;
    default: *lo = kt_range(-128, 0); *hi = kt_range(1, 127); break;
  }
}

static int8_t *alloc_s8(size_t n) { return (int8_t *)malloc(n ? n : 1); }

static size_t n4(const tmc_dims4 *d) {
  return (size_t)d->n * d->h * d->w * d->c;
}

static void ref_conv(const conv_case *k, const int8_t *x, const int8_t *w,
                     const int32_t *bias, const int32_t *q, const int32_t *s,
                     int8_t *y) {
  const int32_t groups = k->in.c / k->f.c;
  const int32_t per_group = k->out.c / groups;
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < k->out.n; ++b)
    for (oy = 0; oy < k->out.h; ++oy)
      for (ox = 0; ox < k->out.w; ++ox)
        for (oc = 0; oc < k->out.c; ++oc) {
          int64_t acc = 0;
          const int32_t g = oc / per_group;
          for (ky = 0; ky < k->f.h; ++ky)
            for (kx = 0; kx < k->f.w; ++kx) {
              const int32_t iy = oy * k->sh - k->pt + ky * k->dh;
              const int32_t ix = ox * k->sw - k->pl + kx * k->dw;
              if (iy < 0 || iy >= k->in.h || ix < 0 || ix >= k->in.w) continue;
              for (ic = 0; ic < k->f.c; ++ic) {
                const int32_t xv =
                    x[(((size_t)b * k->in.h + iy) * k->in.w + ix) * k->in.c +
                      g * k->f.c + ic];
                const int32_t wv =
                    w[(((size_t)oc * k->f.h + ky) * k->f.w + kx) * k->f.c + ic];
                acc += (int64_t)wv * (xv - k->in_zp);
              }
            }
          if (bias) acc += bias[oc];
          y[(((size_t)b * k->out.h + oy) * k->out.w + ox) * k->out.c + oc] =
              (int8_t)ref_clamp((int64_t)ref_mbqm((int32_t)acc, q[oc], s[oc]) +
                                    k->out_zp,
                                k->act_min, k->act_max);
        }
}

static void random_geometry(conv_case *k, int depthwise, int pointwise,
                            int wide) {
  const int32_t kh = pointwise ? 1 : kt_range(1, 5);
  const int32_t kw = pointwise ? 1 : kt_range(1, 5);
  int32_t eh, ew;
  k->sh = kt_range(1, 3);
  k->sw = kt_range(1, 3);
  k->dh = pointwise ? 1 : (kt_range(0, 3) == 0 ? kt_range(2, 3) : 1);
  k->dw = pointwise ? 1 : (kt_range(0, 3) == 0 ? kt_range(2, 3) : 1);
  eh = (kh - 1) * k->dh + 1;
  ew = (kw - 1) * k->dw + 1;
  k->in.n = kt_range(1, 2);
  k->in.h = kt_range(eh > 1 ? eh - 1 : 1, 12);
  k->in.w = kt_range(ew > 1 ? ew - 1 : 1, 12);
  k->in.c = kt_range(1, 9);
  /* per-side padding, any border, including asymmetric and none */
  k->pt = pointwise ? 0 : kt_range(0, eh - 1);
  k->pb = pointwise ? 0 : kt_range(0, eh - 1);
  k->pl = pointwise ? 0 : kt_range(0, ew - 1);
  k->pr = pointwise ? 0 : kt_range(0, ew - 1);
  if (k->in.h + k->pt + k->pb < eh) k->pb = eh - k->in.h - k->pt;
  if (k->in.w + k->pl + k->pr < ew) k->pr = ew - k->in.w - k->pl;
  k->out.n = k->in.n;
  k->out.h = (k->in.h + k->pt + k->pb - eh) / k->sh + 1;
  k->out.w = (k->in.w + k->pl + k->pr - ew) / k->sw + 1;
  k->f.h = kh;
  k->f.w = kw;
  if (depthwise) {
    const int32_t m = wide ? 1 : kt_range(1, 3);
    if (wide) k->in.c = kt_range(1, 48);
    k->f.n = 1;
    k->out.c = k->in.c * m;
    k->f.c = k->out.c;
  } else {
    const int32_t groups =
        !wide && kt_range(0, 4) == 0 ? kt_range(1, 3) : 1;
    k->in.c = groups * (wide ? kt_range(1, 40) : kt_range(1, 6));
    k->f.c = k->in.c / groups;
    k->out.c = groups * (wide ? kt_range(1, 24) : kt_range(1, 4));
    k->f.n = k->out.c;
  }
  k->in_zp = pick_zp();
  k->out_zp = pick_zp();
  pick_act(k->out_zp, &k->act_min, &k->act_max);
  k->has_bias = kt_range(0, 3) != 0;
}

static void run_conv_cases(int depthwise, int pointwise, int wide,
                           uint64_t seed, int count) {
  int iter;
  kt_seed(seed);
  for (iter = 0; iter < count; ++iter) {
    conv_case k;
    int8_t *x, *w, *y, *want;
    int32_t *bias = NULL, *q, *s;
    size_t nw, c;
    random_geometry(&k, depthwise, pointwise, wide);
    nw = (size_t)k.f.n * k.f.h * k.f.w * k.f.c;
    x = alloc_s8(n4(&k.in));
    w = alloc_s8(nw);
    y = alloc_s8(n4(&k.out));
    want = alloc_s8(n4(&k.out));
    q = malloc(sizeof(int32_t) * (size_t)k.out.c);
    s = malloc(sizeof(int32_t) * (size_t)k.out.c);
    kt_fill_s8(x, n4(&k.in));
    kt_fill_s8(w, nw);
    if (iter % 5 == 0)
      for (c = 0; c < nw; c += 3) w[c] = -128;
    else if (depthwise) /* TFLite's symmetric range: the fast path runs */
      for (c = 0; c < nw; ++c)
        if (w[c] == -128) w[c] = -127;
    if (k.has_bias) {
      bias = malloc(sizeof(int32_t) * (size_t)k.out.c);
      for (c = 0; c < (size_t)k.out.c; ++c) bias[c] = kt_range(-40000, 40000);
    }
    pick_multipliers(k.out.c, q, s);
    if (depthwise) {
      /* depthwise reference: a grouped conv with one input channel per
       * group and OHWI weights rearranged from 1HWC */
      int8_t *wg = alloc_s8(nw);
      conv_case g = k;
      int32_t ky, kx, oc;
      tmc_depthwise_conv2d_params p = {0};
      for (oc = 0; oc < k.out.c; ++oc)
        for (ky = 0; ky < k.f.h; ++ky)
          for (kx = 0; kx < k.f.w; ++kx)
            wg[((size_t)oc * k.f.h + ky) * k.f.w + kx] =
                w[((size_t)ky * k.f.w + kx) * k.out.c + oc];
      g.f.n = k.out.c;
      g.f.c = 1;
      ref_conv(&g, x, wg, bias, q, s, want);
      free(wg);
      p.stride_h = k.sh;
      p.stride_w = k.sw;
      p.dilation_h = k.dh;
      p.dilation_w = k.dw;
      p.pad_top = k.pt;
      p.pad_bottom = k.pb;
      p.pad_left = k.pl;
      p.pad_right = k.pr;
      p.depth_multiplier = k.out.c / k.in.c;
      p.input_offset = -k.in_zp;
      p.output_offset = k.out_zp;
      p.act_min = k.act_min;
      p.act_max = k.act_max;
      p.multiplier = q;
      p.shift = s;
      tmc_depthwise_conv2d_s8(&p, &k.in, x, &k.f, w, bias, &k.out, y, NULL);
      if (kt_diff("depthwise", y, want, n4(&k.out))) fail();
      if (p.depth_multiplier == 1) {
        /* fast path */
        int8_t *rs = malloc((size_t)k.out.c);
        int32_t *fb = malloc(sizeof(int32_t) * (size_t)k.out.c);
        int8_t *zrow = alloc_s8(tmc_depthwise_conv2d_s8_scratch_bytes(&k.in));
        const int rc =
            tmc_depthwise_conv2d_s8_fold_bias(&k.f, w, bias, p.input_offset, fb);
        assert_int_equal(rc, iter % 5 == 0 ? -1 : 0);
        if (rc == 0) {
          assert_int_equal(
              tmc_fast_rq_prepare(k.out.c, q, s, 1, fb,
                                  tmc_depthwise_conv2d_s8_acc_bound(&k.f), fb, rs),
              0);
          p.rq_bias = fb;
          p.rq_mult = q;
          p.rq_shift = rs;
          memset(y, 0x55, n4(&k.out));
          tmc_depthwise_conv2d_s8(&p, &k.in, x, &k.f, w, NULL, &k.out, y,
                                  zrow);
          if (kt_diff("depthwise fast", y, want, n4(&k.out))) fail();
          p.rq_bias = NULL;
        }
        free(rs);
        free(fb);
        free(zrow);
      }
    } else {
      tmc_conv2d_params p = {0};
      ref_conv(&k, x, w, bias, q, s, want);
      p.stride_h = k.sh;
      p.stride_w = k.sw;
      p.dilation_h = k.dh;
      p.dilation_w = k.dw;
      p.pad_top = k.pt;
      p.pad_bottom = k.pb;
      p.pad_left = k.pl;
      p.pad_right = k.pr;
      p.input_offset = -k.in_zp;
      p.output_offset = k.out_zp;
      p.act_min = k.act_min;
      p.act_max = k.act_max;
      p.multiplier = q;
      p.shift = s;
      tmc_conv2d_s8(&p, &k.in, x, &k.f, w, bias, &k.out, y, NULL);
      if (k.f.c == k.in.c) {
        /* fast path: one group, TMC_CONV2D_PIXELS im2col rows of scratch */
        const size_t sb = tmc_conv2d_s8_scratch_bytes(&k.in, &k.f, &k.out);
        const size_t pixels = (size_t)k.out.n * k.out.h * k.out.w;
        const size_t kd = (size_t)(k.f.h * k.f.w * k.f.c + 15) / 16 * 16;
        int32_t *rb = malloc(sizeof(int32_t) * (size_t)k.out.c);
        int8_t *rs = malloc((size_t)k.out.c);
        void *scratch = malloc(sb);
        int8_t *y2 = alloc_s8(n4(&k.out));
        assert_int_equal(sb, sizeof(int16_t) * kd *
                                 (pixels < TMC_CONV2D_PIXELS ? pixels
                                                             : TMC_CONV2D_PIXELS));
        assert_int_equal(
            tmc_fast_rq_prepare(k.out.c, q, s, 1, bias,
                                tmc_conv2d_s8_acc_bound(&k.f, p.input_offset), rb, rs),
            0);
        p.rq_bias = rb;
        p.rq_mult = q;
        p.rq_shift = rs;
        memset(y2, 0x55, n4(&k.out));
        tmc_conv2d_s8(&p, &k.in, x, &k.f, w, NULL, &k.out, y2, scratch);
        if (kt_diff("conv fast", y2, want, n4(&k.out))) fail();
        free(rb);
        free(rs);
        free(scratch);
        free(y2);
      } else {
        assert_int_equal(tmc_conv2d_s8_scratch_bytes(&k.in, &k.f, &k.out),
                         0);
      }
    }
    if (kt_diff(depthwise ? "depthwise" : "conv", y, want, n4(&k.out))) {
      printf("case %d: in %dx%dx%dx%d f %dx%dx%dx%d out %dx%dx%dx%d "
             "stride %d,%d dil %d,%d pad t%d b%d l%d r%d zp %d/%d\n",
             iter, k.in.n, k.in.h, k.in.w, k.in.c, k.f.n, k.f.h, k.f.w, k.f.c,
             k.out.n, k.out.h, k.out.w, k.out.c, k.sh, k.sw, k.dh, k.dw, k.pt,
             k.pb, k.pl, k.pr, k.in_zp, k.out_zp);
      fail();
    }
    free(x);
    free(w);
    free(y);
    free(want);
    free(q);
    free(s);
    free(bias);
  }
}

static void test_conv_random(void **state) {
  (void)state;
  run_conv_cases(0, 0, 0, 11, 400);
  run_conv_cases(0, 0, 1, 14, 200);
}

static void test_conv_pointwise(void **state) {
  (void)state;
  run_conv_cases(0, 1, 0, 12, 200);
  run_conv_cases(0, 1, 1, 15, 200);
}

static void test_depthwise_random(void **state) {
  (void)state;
  run_conv_cases(1, 0, 0, 13, 400);
  run_conv_cases(1, 0, 1, 16, 300);
}

/* tmc_rq (after the bias add) against ktest.h's requantization:
 * accumulators and biases up to the int32 limits, every shift in
 * [-31, 31], multipliers 0, 2^30 and 2^31 - 1, the ties of both roundings;
 * tmc_fast_rq_prepare accepts exactly the cases where (|acc| + |bias|) *
 * 2^(max(shift, 0) + 1) stays below 2^31 (given the bound |acc|) and the
 * shift is at most 30, and refuses the rest. */
static void check_requant(int32_t acc, int32_t bias, int32_t q, int32_t s) {
  const int64_t bound = acc < 0 ? -(int64_t)acc : acc;
  const int64_t mag =
      (bound + (bias < 0 ? -(int64_t)bias : bias)) << (s > 0 ? s : 0);
  int32_t rb;
  int8_t rs;
  const int rc = tmc_fast_rq_prepare(1, &q, &s, 0, &bias, bound, &rb, &rs);
  if (mag > INT32_MAX / 2 || s > 30) { /* tmc_rq's range: mag * 2 < 2^31 */
    assert_int_equal(rc, -1);
    return;
  }
  assert_int_equal(rc, 0);
  assert_int_equal(rb, bias);
  assert_int_equal(rs, s);
  assert_int_equal(tmc_rq(tmc_wrap_add(acc, rb), q, rs),
                   ref_mbqm((int32_t)(acc + (int64_t)bias), q, s));
}

static void test_requant_packed(void **state) {
  static const int32_t accs[] = {0, 1, -1, 2, -2, 3, -3, 1 << 30,
                                 -(1 << 30), INT32_MAX, INT32_MIN + 1,
                                 12345, -12345, 1 << 15, -(1 << 15) - 1,
                                 1 << 20, -(1 << 20) - 7};
  static const int32_t biases[] = {0, 7, -1000, 1 << 24, -(1 << 24)};
  static const int32_t qs[] = {0, 1 << 30, INT32_MAX, (1 << 30) + 1,
                               1518500250, 1073741825, 2147483000};
  int32_t s, qi, ai, bi, iter;
  (void)state;
  for (s = -31; s <= 31; ++s)
    for (qi = 0; qi < (int32_t)(sizeof qs / sizeof qs[0]); ++qi)
      for (ai = 0; ai < (int32_t)(sizeof accs / sizeof accs[0]); ++ai)
        for (bi = 0; bi < (int32_t)(sizeof biases / sizeof biases[0]); ++bi)
          check_requant(accs[ai], biases[bi], qs[qi], s);
  kt_seed(41);
  for (iter = 0; iter < 200000; ++iter) {
    int32_t q, sh;
    const int32_t acc = (int32_t)kt_u32() >> kt_range(0, 31);
    const int32_t bias = (int32_t)kt_u32() >> kt_range(4, 31);
    kt_multiplier(&q, &sh, -31, 31);
    if (kt_range(0, 1)) sh = kt_range(-12, 2);
    check_requant(acc, bias, q, sh);
  }
  {
    const int32_t qbad = INT32_MIN, sbad = 0, sfar = -32;
    const int32_t qok = 1 << 30;
    int32_t rb;
    int8_t rs;
    assert_int_equal(tmc_fast_rq_prepare(1, &qbad, &sbad, 1, NULL, 0, &rb, &rs), -1);
    assert_int_equal(tmc_fast_rq_prepare(1, &qok, &sfar, 1, NULL, 0, &rb, &rs), -1);
  }
  {
    /* a depthwise bias whose folded value leaves int32 saturates, and the
     * requantization refuses it (the plain path runs instead) */
    const tmc_dims4 f = {1, 1, 2, 2};
    const int8_t w[4] = {100, -100, 100, -100};
    const int32_t bias[2] = {INT32_MAX - 10, INT32_MIN + 10};
    const int32_t q[2] = {1 << 30, 1 << 30}, sh[2] = {-3, -3};
    int32_t fb[2], rb[2];
    int8_t rs[2];
    assert_int_equal(tmc_depthwise_conv2d_s8_fold_bias(&f, w, bias, 128, fb),
                     0);
    assert_int_equal(fb[0], INT32_MAX);
    assert_int_equal(fb[1], INT32_MIN);
    assert_int_equal(tmc_fast_rq_prepare(2, q, sh, 1, fb,
                                         tmc_depthwise_conv2d_s8_acc_bound(&f), rb, rs),
                     -1);
    assert_int_equal(tmc_depthwise_conv2d_s8_fold_bias(&f, w, NULL, -127, fb),
                     0);
    assert_int_equal(fb[0], -127 * 200);
    assert_int_equal(fb[1], 127 * 200);
  }
}

/* 3x3 conv, 1 channel, all-ones weights on a 3x3 input with zero point
 * 127 and padding 1 on every side: hand-computed neighbourhood sums. */
static void test_conv_hand_padding(void **state) {
  const tmc_dims4 in = {1, 3, 3, 1}, f = {1, 3, 3, 1}, out = {1, 3, 3, 1};
  const int8_t x[9] = {-126, -125, -124, -123, -122, -121, -120, -119, -118};
  int8_t w[9], y[9];
  const int32_t q = 1 << 30, s = 1; /* multiplier 1.0 */
  /* x - 127 = -253..-245; sums of in-bounds neighbours */
  const int8_t want[9] = {-128, -128, -128, -128, -128,
                          -128, -128, -128, -128};
  tmc_conv2d_params p = {1, 1, 1, 1, 1, 1, 1, 1, -127, 0, -128, 127, &q, &s,
                         NULL, NULL, NULL};
  int i;
  (void)state;
  for (i = 0; i < 9; ++i) w[i] = 1;
  tmc_conv2d_s8(&p, &in, x, &f, w, NULL, &out, y, NULL);
  assert_memory_equal(y, want, 9);
  /* zero point 0 and small values: exact sums at corners/edges/centre */
  {
    const int8_t x2[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int8_t want2[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    p.input_offset = 0;
    tmc_conv2d_s8(&p, &in, x2, &f, w, NULL, &out, y, NULL);
    assert_memory_equal(y, want2, 9);
  }
}

/* Whether shifts s[0..n) are all right shifts (the DSP kernels' case). */
static int right_shift_all(int32_t n, const int32_t *s) {
  for (int32_t c = 0; c < n; ++c)
    if (s[c] > -1) return 0;
  return 1;
}

static void test_fully_connected(void **state) {
  int iter, dsp_rows_runs = 0;
  (void)state;
  kt_seed(21);
  for (iter = 0; iter < 300; ++iter) {
    const int32_t batches = kt_range(1, 4), depth = kt_range(1, 100);
    const int32_t outd = kt_range(1, 20);
    const int per_channel = kt_range(0, 1);
    const int32_t in_zp = pick_zp(), out_zp = pick_zp();
    const int32_t w_zp = iter % 4 == 0 ? kt_range(-10, 10) : 0;
    int8_t *x = alloc_s8((size_t)batches * depth);
    int8_t *w = alloc_s8((size_t)outd * depth);
    int8_t *y = alloc_s8((size_t)batches * outd);
    int8_t *want = alloc_s8((size_t)batches * outd);
    int32_t *bias = kt_range(0, 2) ? malloc(sizeof(int32_t) * (size_t)outd)
                                   : NULL;
    int32_t *q = malloc(sizeof(int32_t) * (size_t)outd);
    int32_t *s = malloc(sizeof(int32_t) * (size_t)outd);
    int32_t b, o, d, lo, hi;
    tmc_fully_connected_params p = {0};
    kt_fill_s8(x, (size_t)batches * depth);
    kt_fill_s8(w, (size_t)outd * depth);
    if (bias)
      for (o = 0; o < outd; ++o) bias[o] = kt_range(-30000, 30000);
    pick_multipliers(outd, q, s);
    pick_act(out_zp, &lo, &hi);
    for (b = 0; b < batches; ++b)
      for (o = 0; o < outd; ++o) {
        const int32_t ch = per_channel ? o : 0;
        int64_t acc = 0;
        for (d = 0; d < depth; ++d)
          acc += (int64_t)(w[o * depth + d] - w_zp) * (x[b * depth + d] - in_zp);
        if (bias) acc += bias[o];
        want[b * outd + o] = (int8_t)ref_clamp(
            (int64_t)ref_mbqm((int32_t)acc, q[ch], s[ch]) + out_zp, lo, hi);
      }
    p.input_offset = -in_zp;
    p.filter_offset = -w_zp;
    p.output_offset = out_zp;
    p.act_min = lo;
    p.act_max = hi;
    p.per_channel = per_channel;
    p.multiplier = q;
    p.shift = s;
    tmc_fully_connected_s8(&p, batches, depth, x, outd, w, bias, y, NULL);
    if (kt_diff("fully_connected", y, want, (size_t)batches * outd)) fail();
    {
      /* fast path: precomputed requantization, int16 scratch row */
      int32_t *rb = malloc(sizeof(int32_t) * (size_t)outd);
      int8_t *rs = malloc((size_t)outd);
      void *scratch = malloc(tmc_fully_connected_s8_scratch_bytes(depth));
      assert_int_equal(
          tmc_fast_rq_prepare(outd, q, s, per_channel, bias,
                              tmc_fully_connected_s8_acc_bound(
                                  depth, p.input_offset, p.filter_offset),
                              rb, rs),
          0);
      p.rq_bias = rb;
      p.rq_mult = q;
      p.rq_shift = rs;
      memset(y, 0x55, (size_t)batches * outd);
      tmc_fully_connected_s8(&p, batches, depth, x, outd, w, NULL, y,
                             scratch);
      if (kt_diff("fully_connected fast", y, want, (size_t)batches * outd))
        fail();
      free(rb);
      free(rs);
      free(scratch);
    }
    if (w_zp == 0 && right_shift_all(per_channel ? outd : 1, s)) {
      /* the DSP cores' scratch-free kernel (its portable form here): input
       * offset folded, weights rearranged, shifts packed or a table */
      int32_t *fb = malloc(sizeof(int32_t) * (size_t)outd);
      int32_t *rb = malloc(sizeof(int32_t) * (size_t)outd);
      int8_t *rs = malloc((size_t)outd);
      int32_t *wr = malloc(sizeof(int32_t) *
                           (tmc_fully_connected_s8_dsp_rows_words(outd, depth) + 1));
      tmc_fully_connected_params pd = p;
      tmc_dsp_fold_bias(outd, depth, w, bias, p.input_offset, fb);
      assert_int_equal(tmc_fast_rq_prepare(outd, q, s, per_channel, fb,
                                           tmc_dsp_acc_bound(depth), rb, rs),
                       0);
      pd.rq_bias = rb;
      pd.rq_mult = q;
      pd.rq_shift = iter % 2 && tmc_fast_rq_pack(outd, per_channel, rb, rs) ? NULL : rs;
      wr[tmc_fully_connected_s8_dsp_rows_words(outd, depth)] = 0x5a5a5a5a; /* guard */
      tmc_fully_connected_s8_dsp_rows_arrange(outd, depth, w, wr);
      assert_int_equal(wr[tmc_fully_connected_s8_dsp_rows_words(outd, depth)], 0x5a5a5a5a);
      pd.w_rows = wr;
      memset(y, 0x55, (size_t)batches * outd);
      tmc_fully_connected_s8_dsp_rows(&pd, batches, depth, x, outd, y);
      if (kt_diff("fully_connected dsp rows", y, want, (size_t)batches * outd)) fail();
      ++dsp_rows_runs;
      free(fb);
      free(rb);
      free(rs);
      free(wr);
    }
    free(x);
    free(w);
    free(y);
    free(want);
    free(bias);
    free(q);
    free(s);
  }
  assert_true(dsp_rows_runs >= 50); /* the DSP kernel's cases ran */
}

static void test_transpose_conv(void **state) {
  int iter;
  (void)state;
  kt_seed(31);
  for (iter = 0; iter < 300; ++iter) {
    tmc_dims4 in, f, out;
    int32_t sh = kt_range(1, 3), sw = kt_range(1, 3), pt, pl, pb, pr;
    const int same = kt_range(0, 1);
    const int32_t in_zp = pick_zp(), out_zp = pick_zp();
    int8_t *x, *w, *y, *want;
    int32_t *bias, *q, *s, *acc;
    int32_t lo, hi, b, iy, ix, ic, ky, kx, oc, i;
    tmc_transpose_conv_params p;
    in.n = kt_range(1, 2);
    in.h = kt_range(1, 6);
    in.w = kt_range(1, 6);
    in.c = kt_range(1, 5);
    f.n = kt_range(1, 5);
    f.h = kt_range(1, 5);
    f.w = kt_range(1, 5);
    f.c = in.c;
    out.n = in.n;
    out.c = f.n;
    /* TFLite output size: SAME in*stride, VALID (in-1)*stride + k */
    out.h = same ? in.h * sh : (in.h - 1) * sh + f.h;
    out.w = same ? in.w * sw : (in.w - 1) * sw + f.w;
    /* TFLite pads a transpose conv as a conv over its output's size */
    tmc_window wy = tmc_window_geometry(out.h, f.h, sh, 1, same ? TMC_PAD_SAME : TMC_PAD_VALID);
    tmc_window wx = tmc_window_geometry(out.w, f.w, sw, 1, same ? TMC_PAD_SAME : TMC_PAD_VALID);
    pt = wy.before;
    pb = wy.after;
    pl = wx.before;
    pr = wx.after;
    x = alloc_s8(n4(&in));
    w = alloc_s8(n4(&f));
    y = alloc_s8(n4(&out));
    want = alloc_s8(n4(&out));
    acc = calloc(n4(&out), sizeof(int32_t));
    bias = kt_range(0, 1) ? malloc(sizeof(int32_t) * (size_t)out.c) : NULL;
    q = malloc(sizeof(int32_t) * (size_t)out.c);
    s = malloc(sizeof(int32_t) * (size_t)out.c);
    kt_fill_s8(x, n4(&in));
    kt_fill_s8(w, n4(&f));
    if (bias)
      for (i = 0; i < out.c; ++i) bias[i] = kt_range(-20000, 20000);
    pick_multipliers(out.c, q, s);
    pick_act(out_zp, &lo, &hi);
    /* TFLite's scatter formulation */
    for (b = 0; b < in.n; ++b)
      for (iy = 0; iy < in.h; ++iy)
        for (ix = 0; ix < in.w; ++ix)
          for (ic = 0; ic < in.c; ++ic)
            for (ky = 0; ky < f.h; ++ky)
              for (kx = 0; kx < f.w; ++kx)
                for (oc = 0; oc < out.c; ++oc) {
                  const int32_t oy = iy * sh - pt + ky, ox = ix * sw - pl + kx;
                  if (oy < 0 || oy >= out.h || ox < 0 || ox >= out.w) continue;
                  acc[(((size_t)b * out.h + oy) * out.w + ox) * out.c + oc] +=
                      (x[(((size_t)b * in.h + iy) * in.w + ix) * in.c + ic] -
                       in_zp) *
                      w[(((size_t)oc * f.h + ky) * f.w + kx) * f.c + ic];
                }
    for (i = 0; i < (int32_t)n4(&out); ++i) {
      const int32_t c = i % out.c;
      const int32_t a = acc[i] + (bias ? bias[c] : 0);
      want[i] = (int8_t)ref_clamp((int64_t)ref_mbqm(a, q[c], s[c]) + out_zp,
                                  lo, hi);
    }
    p.stride_h = sh;
    p.stride_w = sw;
    p.pad_top = pt;
    p.pad_bottom = pb;
    p.pad_left = pl;
    p.pad_right = pr;
    p.input_offset = -in_zp;
    p.output_offset = out_zp;
    p.act_min = lo;
    p.act_max = hi;
    p.multiplier = q;
    p.shift = s;
    assert_int_equal(tmc_transpose_conv_s8_scratch_bytes(&out), 0);
    tmc_transpose_conv_s8(&p, &in, x, &f, w, bias, &out, y, NULL);
    if (kt_diff("transpose_conv", y, want, n4(&out))) {
      printf("case %d same %d stride %d,%d in %dx%d k %dx%d\n", iter, same,
             sh, sw, in.h, in.w, f.h, f.w);
      fail();
    }
    free(x);
    free(w);
    free(y);
    free(want);
    free(acc);
    free(bias);
    free(q);
    free(s);
  }
}

/* The one padding rule (ir/geometry.h) as the kernels' tests rely on it. */
static void test_conv_geometry_helpers(void **state) {
  tmc_window w;
  (void)state;
  assert_int_equal(tmc_window_geometry(7, 3, 2, 1, TMC_PAD_SAME).out, 4);
  assert_int_equal(tmc_window_geometry(7, 3, 2, 1, TMC_PAD_VALID).out, 3);
  assert_int_equal(tmc_window_geometry(7, 3, 1, 2, TMC_PAD_VALID).out, 3); /* eff 5 */
  w = tmc_window_geometry(7, 3, 2, 1, TMC_PAD_SAME); /* total (3*2+3-7)=2 */
  assert_int_equal(w.before, 1);
  assert_int_equal(w.after, 1);
  w = tmc_window_geometry(8, 3, 2, 1, TMC_PAD_SAME); /* total 1: 0 before, 1 after */
  assert_int_equal(w.before, 0);
  assert_int_equal(w.after, 1);
  w = tmc_window_geometry(7, 3, 2, 1, TMC_PAD_VALID);
  assert_int_equal(w.before, 0);
  assert_int_equal(w.after, 0);
  w = tmc_window_geometry(18, 3, 2, 1, TMC_PAD_SAME); /* conv out 9: 16+3-18 */
  assert_int_equal(w.before, 0);
  assert_int_equal(w.after, 1);
}

/* A bias at the int32 limit (a crafted model; the whole-pipeline fuzzer's
 * find): the plain path adds it with TFLite's wrapping int32 add instead of
 * overflowing (UBSan in the sanitizer build), for FC, conv and depthwise. */
static void test_bias_at_int32_limit(void **state) {
  (void)state;
  const int8_t x[2] = {5, 7}, w[2] = {3, 2}; /* acc = 29 */
  const int32_t bias[1] = {INT32_MAX}, mult[1] = {1 << 30}, shift[1] = {0};
  const int32_t wrapped = (int32_t)((uint32_t)29 + (uint32_t)INT32_MAX);
  int32_t want = tmc_mbqm(wrapped, mult[0], shift[0]);
  want = want < -128 ? -128 : want > 127 ? 127 : want;
  int8_t y[1];
  tmc_fully_connected_params fp = {0};
  fp.act_min = -128;
  fp.act_max = 127;
  fp.multiplier = mult;
  fp.shift = shift;
  tmc_fully_connected_s8(&fp, 1, 2, x, 1, w, bias, y, NULL);
  assert_int_equal(y[0], want);
  tmc_conv2d_params cp = {0};
  cp.stride_h = cp.stride_w = cp.dilation_h = cp.dilation_w = 1;
  cp.act_min = -128;
  cp.act_max = 127;
  cp.multiplier = mult;
  cp.shift = shift;
  const tmc_dims4 in = {1, 1, 1, 2}, f = {1, 1, 1, 2}, out = {1, 1, 1, 1};
  tmc_conv2d_s8(&cp, &in, x, &f, w, bias, &out, y, NULL);
  assert_int_equal(y[0], want);
  tmc_depthwise_conv2d_params dp = {0};
  dp.stride_h = dp.stride_w = dp.dilation_h = dp.dilation_w = 1;
  dp.depth_multiplier = 1;
  dp.act_min = -128;
  dp.act_max = 127;
  dp.multiplier = mult;
  dp.shift = shift;
  const tmc_dims4 din = {1, 1, 1, 1}, df = {1, 1, 1, 1}, dout = {1, 1, 1, 1};
  const int32_t dwant0 = tmc_mbqm((int32_t)((uint32_t)15 + (uint32_t)INT32_MAX), mult[0], 0);
  tmc_depthwise_conv2d_s8(&dp, &din, x, &df, w, bias, &dout, y, NULL);
  assert_int_equal(y[0], dwant0 < -128 ? -128 : dwant0 > 127 ? 127 : dwant0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bias_at_int32_limit),
      cmocka_unit_test(test_conv_random),
      cmocka_unit_test(test_conv_pointwise),
      cmocka_unit_test(test_depthwise_random),
      cmocka_unit_test(test_conv_hand_padding),
      cmocka_unit_test(test_requant_packed),
      cmocka_unit_test(test_fully_connected),
      cmocka_unit_test(test_transpose_conv),
      cmocka_unit_test(test_conv_geometry_helpers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
