/* elementwise_test.c - ADD, SUB, MUL, MAXIMUM, MINIMUM (broadcast shapes of
 * ranks 0..6, checked through N-d index arithmetic rather than strides),
 * tmc_broadcast_init's merging, AVERAGE/MAX_POOL_2D and MEAN against
 * plain-loop references with ktest.h's requantization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/kernels.h"
#include "plan/quant.h"
#include "ktest.h"

static int32_t pick_zp(void) {
  switch (kt_range(0, 4)) {
    case 0: return -128;
    case 1: return 127;
    default: return kt_range(-128, 127);
  }
}

/* Random broadcast-compatible shapes: output rank r, each operand may drop
 * leading dims and put 1 in any dim. */
static void random_shapes(int32_t *r1, int32_t *d1, int32_t *r2, int32_t *d2,
                          int32_t *ro, int32_t *dout) {
  const int32_t r = kt_range(0, 6);
  int32_t d;
  *ro = r;
  for (d = 0; d < r; ++d) dout[d] = kt_range(1, r > 4 ? 3 : 5);
  *r1 = kt_range(0, r);
  *r2 = kt_range(0, 2) == 0 ? kt_range(0, r) : r;
  if (kt_range(0, 1)) {
    int32_t t = *r1;
    *r1 = *r2;
    *r2 = t;
  }
  for (d = 0; d < *r1; ++d)
    d1[d] = kt_range(0, 2) == 0 ? 1 : dout[r - *r1 + d];
  for (d = 0; d < *r2; ++d)
    d2[d] = kt_range(0, 2) == 0 ? 1 : dout[r - *r2 + d];
  /* the output is the broadcast of the two */
  for (d = 0; d < r; ++d) {
    const int32_t a = d - (r - *r1) >= 0 ? d1[d - (r - *r1)] : 1;
    const int32_t b = d - (r - *r2) >= 0 ? d2[d - (r - *r2)] : 1;
    dout[d] = a > b ? a : b;
  }
}

static size_t count(int32_t r, const int32_t *d) {
  size_t n = 1;
  int32_t i;
  for (i = 0; i < r; ++i) n *= (size_t)d[i];
  return n;
}

/* Flat index of operand element for output multi-index idx. */
static size_t operand_index(int32_t ro, const int32_t *idx, int32_t r,
                            const int32_t *dims) {
  size_t off = 0;
  int32_t d;
  for (d = 0; d < r; ++d) {
    const int32_t i = dims[d] == 1 ? 0 : idx[ro - r + d];
    off = off * (size_t)dims[d] + (size_t)i;
  }
  return off;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_MAX, OP_MIN };

static void run_binary(int op, uint64_t seed, int iters) {
  int it;
  kt_seed(seed);
  for (it = 0; it < iters; ++it) {
    int32_t r1, r2, ro, d1[6], d2[6], dout[6], idx[6] = {0};
    size_t n1, n2, no, i;
    int8_t *x1, *x2, *y, *want;
    tmc_broadcast b;
    tmc_add_params ap;
    tmc_mul_params mp;
    random_shapes(&r1, d1, &r2, d2, &ro, dout);
    n1 = count(r1, d1);
    n2 = count(r2, d2);
    no = count(ro, dout);
    x1 = malloc(n1);
    x2 = malloc(n2);
    y = malloc(no);
    want = malloc(no);
    kt_fill_s8(x1, n1);
    kt_fill_s8(x2, n2);
    assert_int_equal(tmc_broadcast_init(r1, d1, r2, d2, &b), 0);
    if (op == OP_ADD || op == OP_SUB) {
      const float s1 = kt_logf(0.001f, 0.1f), s2 = kt_logf(0.001f, 0.1f);
      const float so = kt_logf(0.002f, 0.2f);
      const int32_t z1 = pick_zp(), z2 = pick_zp(), zo = pick_zp();
      const int act = kt_range(0, 3);
      int rc = op == OP_ADD
                   ? tmc_add_prepare(s1, z1, s2, z2, so, zo, act, &ap)
                   : tmc_sub_prepare(s1, z1, s2, z2, so, zo, act, &ap);
      assert_int_equal(rc, 0);
    } else if (op == OP_MUL) {
      tmc_mul_prepare(kt_logf(0.001f, 0.1f), pick_zp(), kt_logf(0.001f, 0.1f),
                      pick_zp(), kt_logf(1e-5f, 0.05f), pick_zp(),
                      kt_range(0, 3), &mp);
    }
    for (i = 0; i < no; ++i) {
      const int32_t a = x1[operand_index(ro, idx, r1, d1)];
      const int32_t c = x2[operand_index(ro, idx, r2, d2)];
      int32_t v, d;
      if (op == OP_ADD || op == OP_SUB) {
        const int32_t sa = ref_mbqm((a + ap.input1_offset) * (1 << 20),
                                    ap.input1_multiplier, ap.input1_shift);
        const int32_t sc = ref_mbqm((c + ap.input2_offset) * (1 << 20),
                                    ap.input2_multiplier, ap.input2_shift);
        v = ref_mbqm(op == OP_ADD ? sa + sc : sa - sc, ap.output_multiplier,
                     ap.output_shift) +
            ap.output_offset;
        v = ref_clamp(v, ap.act_min, ap.act_max);
      } else if (op == OP_MUL) {
        v = ref_mbqm((a + mp.input1_offset) * (c + mp.input2_offset),
                     mp.output_multiplier, mp.output_shift) +
            mp.output_offset;
        v = ref_clamp(v, mp.act_min, mp.act_max);
      } else {
        v = op == OP_MAX ? (a > c ? a : c) : (a < c ? a : c);
      }
      want[i] = (int8_t)v;
      for (d = ro - 1; d >= 0; --d) {
        if (++idx[d] < dout[d]) break;
        idx[d] = 0;
      }
    }
    switch (op) {
      case OP_ADD: tmc_add_s8(&ap, &b, x1, x2, y); break;
      case OP_SUB: tmc_sub_s8(&ap, &b, x1, x2, y); break;
      case OP_MUL: tmc_mul_s8(&mp, &b, x1, x2, y); break;
      case OP_MAX: tmc_maximum_s8(&b, x1, x2, y); break;
      default: tmc_minimum_s8(&b, x1, x2, y); break;
    }
    if (kt_diff("binary", y, want, no)) {
      printf("op %d iter %d ranks %d %d -> %d\n", op, it, r1, r2, ro);
      fail();
    }
    /* The table kernel of the DSP targets (tmc_add_s8_lut), where its
     * conditions hold (plan/lower_elementwise.c add_lut), on every shape. */
    if ((op == OP_ADD || op == OP_SUB) && ap.left_shift == 20 && ap.output_shift <= -1 &&
        ap.output_shift >= -31 && ap.output_multiplier >= 0) {
      static int32_t lut[TMC_ADD_LUT_ENTRIES];
      tmc_add_lut_params lp;
      memcpy(&lp, &ap, sizeof ap);
      tmc_add_s8_lut_fill(&ap, op == OP_SUB, lut);
      lp.lut = lut;
      memset(y, 0x5a, no);
      tmc_add_s8_lut(&lp, &b, x1, x2, y);
      if (kt_diff("binary lut", y, want, no)) {
        printf("op %d (table) iter %d ranks %d %d -> %d\n", op, it, r1, r2, ro);
        fail();
      }
    }
    free(x1);
    free(x2);
    free(y);
    free(want);
  }
}

static void test_add(void **state) {
  (void)state;
  run_binary(OP_ADD, 41, 600);
}
static void test_sub(void **state) {
  (void)state;
  run_binary(OP_SUB, 42, 600);
}
static void test_mul(void **state) {
  (void)state;
  run_binary(OP_MUL, 43, 600);
}
static void test_max_min(void **state) {
  (void)state;
  run_binary(OP_MAX, 44, 300);
  run_binary(OP_MIN, 45, 300);
}

static void test_add_hand(void **state) {
  /* equal scales 0.5 in and 1.0 out, zero points 0: out = (a + b) / 2,
   * rounded; saturation at both ends. */
  tmc_add_params p;
  tmc_broadcast b;
  const int32_t d[1] = {6};
  const int8_t a[6] = {10, -10, 127, -128, 3, -3};
  const int8_t c[6] = {20, -20, 127, -128, 0, 0};
  const int8_t want[6] = {15, -15, 127, -128, 2, -2}; /* 1.5 -> 2 */
  int8_t y[6];
  (void)state;
  assert_int_equal(tmc_add_prepare(0.5f, 0, 0.5f, 0, 1.0f, 0, TMC_ACT_NONE, &p),
                   0);
  assert_int_equal(tmc_broadcast_init(1, d, 1, d, &b), 0);
  tmc_add_s8(&p, &b, a, c, y);
  assert_memory_equal(y, want, 6);
  /* saturation: output scale tiny */
  assert_int_equal(
      tmc_add_prepare(0.5f, 0, 0.5f, 0, 0.01f, 0, TMC_ACT_NONE, &p), 0);
  tmc_add_s8(&p, &b, a, c, y);
  assert_int_equal(y[0], 127);
  assert_int_equal(y[1], -128);
}

static void test_broadcast_init(void **state) {
  tmc_broadcast b;
  (void)state;
  {
    const int32_t a[4] = {1, 5, 7, 3}, c[4] = {1, 5, 7, 3};
    assert_int_equal(tmc_broadcast_init(4, a, 4, c, &b), 0);
    assert_int_equal(b.rank, 1);
    assert_int_equal(b.dims[0], 105);
    assert_int_equal(b.stride1[0], 1);
    assert_int_equal(b.stride2[0], 1);
  }
  {
    const int32_t a[4] = {1, 5, 7, 3}, c[1] = {3};
    assert_int_equal(tmc_broadcast_init(4, a, 1, c, &b), 0);
    assert_int_equal(b.rank, 2);
    assert_int_equal(b.dims[0], 35);
    assert_int_equal(b.dims[1], 3);
    assert_int_equal(b.stride1[0], 3);
    assert_int_equal(b.stride2[0], 0);
    assert_int_equal(b.stride2[1], 1);
  }
  {
    const int32_t a[4] = {1, 4, 1, 3}, c[4] = {1, 1, 6, 3};
    assert_int_equal(tmc_broadcast_init(4, a, 4, c, &b), 0);
    assert_int_equal(b.rank, 3);
    assert_int_equal(b.stride1[1], 0);
    assert_int_equal(b.stride2[0], 0);
  }
  {
    const int32_t a[2] = {4, 3}, c[2] = {5, 3};
    assert_int_equal(tmc_broadcast_init(2, a, 2, c, &b), -1);
  }
  assert_int_equal(tmc_broadcast_init(0, NULL, 0, NULL, &b), 0);
  assert_int_equal(b.rank, 1);
  assert_int_equal(b.dims[0], 1);
}

static void test_pooling(void **state) {
  int it;
  (void)state;
  kt_seed(51);
  for (it = 0; it < 500; ++it) {
    tmc_dims4 in, out;
    tmc_pool_params p;
    const int is_max = it & 1;
    int8_t *x, *y, *want;
    int32_t b, oy, ox, c, ky, kx;
    in.n = kt_range(1, 2);
    in.h = kt_range(1, 10);
    in.w = kt_range(1, 10);
    in.c = it % 4 >= 2 ? 4 * kt_range(1, 3) : kt_range(1, 6); /* the DSP kernel's 4s */
    p.filter_h = kt_range(1, in.h + 1);
    p.filter_w = kt_range(1, in.w + 1);
    p.stride_h = kt_range(1, 3);
    p.stride_w = kt_range(1, 3);
    p.pad_top = kt_range(0, p.filter_h - 1);
    p.pad_left = kt_range(0, p.filter_w - 1);
    p.pad_bottom = kt_range(0, p.filter_h - 1);
    p.pad_right = kt_range(0, p.filter_w - 1);
    if (in.h + p.pad_top + p.pad_bottom < p.filter_h)
      p.pad_bottom = p.filter_h - in.h - p.pad_top;
    if (in.w + p.pad_left + p.pad_right < p.filter_w)
      p.pad_right = p.filter_w - in.w - p.pad_left;
    out.n = in.n;
    out.c = in.c;
    out.h = (in.h + p.pad_top + p.pad_bottom - p.filter_h) / p.stride_h + 1;
    out.w = (in.w + p.pad_left + p.pad_right - p.filter_w) / p.stride_w + 1;
    p.act_min = kt_range(0, 2) ? -128 : kt_range(-128, 0);
    p.act_max = kt_range(0, 2) ? 127 : kt_range(1, 127);
    x = malloc((size_t)in.n * in.h * in.w * in.c);
    y = malloc((size_t)out.n * out.h * out.w * out.c);
    want = malloc((size_t)out.n * out.h * out.w * out.c);
    kt_fill_s8(x, (size_t)in.n * in.h * in.w * in.c);
    for (b = 0; b < out.n; ++b)
      for (oy = 0; oy < out.h; ++oy)
        for (ox = 0; ox < out.w; ++ox)
          for (c = 0; c < out.c; ++c) {
            int32_t sum = 0, cnt = 0, mx = -128, v;
            for (ky = 0; ky < p.filter_h; ++ky)
              for (kx = 0; kx < p.filter_w; ++kx) {
                const int32_t iy = oy * p.stride_h - p.pad_top + ky;
                const int32_t ix = ox * p.stride_w - p.pad_left + kx;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                v = x[(((size_t)b * in.h + iy) * in.w + ix) * in.c + c];
                sum += v;
                ++cnt;
                if (v > mx) mx = v;
              }
            if (is_max) {
              v = mx;
            } else {
              /* round(sum / cnt), ties away from zero */
              const int32_t a = sum < 0 ? -sum : sum;
              v = (2 * a + cnt) / (2 * cnt);
              if (sum < 0) v = -v;
            }
            want[(((size_t)b * out.h + oy) * out.w + ox) * out.c + c] =
                (int8_t)ref_clamp(v, p.act_min, p.act_max);
          }
    if (is_max)
      tmc_max_pool_s8(&p, &in, x, &out, y);
    else
      tmc_avg_pool_s8(&p, &in, x, &out, y);
    if (kt_diff(is_max ? "max_pool" : "avg_pool", y, want,
                (size_t)out.n * out.h * out.w * out.c))
      fail();
    if (!is_max && in.c % 4 == 0) { /* the DSP targets' kernel (windows <= 100 taps) */
      memset(y, 0x5a, (size_t)out.n * out.h * out.w * out.c);
      tmc_avg_pool_s8_dsp(&p, &in, x, &out, y);
      if (kt_diff("avg_pool_dsp", y, want, (size_t)out.n * out.h * out.w * out.c)) fail();
    }
    free(x);
    free(y);
    free(want);
  }
}

/* tmc_avg_pool_s8_dsp at its bound: 256 taps of -128 or 127 (int16 sums of
 * -32768 and 32512), and mixed signs, against tmc_avg_pool_s8. */
static void test_avg_pool_dsp_extremes(void **state) {
  static int8_t x[16 * 16 * 8];
  int8_t y[8], want[8];
  tmc_dims4 in = {1, 16, 16, 8}, out = {1, 1, 1, 8};
  tmc_pool_params p;
  int k;
  (void)state;
  memset(&p, 0, sizeof p);
  p.filter_h = p.filter_w = 16;
  p.stride_h = p.stride_w = 1;
  p.act_min = -128;
  p.act_max = 127;
  for (k = 0; k < 3; ++k) {
    for (size_t i = 0; i < sizeof x; ++i)
      x[i] = (int8_t)(k == 0 ? -128 : k == 1 ? 127 : ((i % 8) & 1 ? -128 : (int)(i % 7) - 3));
    tmc_avg_pool_s8(&p, &in, x, &out, want);
    tmc_avg_pool_s8_dsp(&p, &in, x, &out, y);
    assert_memory_equal(y, want, sizeof y);
    if (k < 2) assert_int_equal(want[0], k == 0 ? -128 : 127);
  }
}

static void test_avg_pool_rounding(void **state) {
  /* 1x2 windows: sums 3 -> 2 (1.5), -3 -> -2, 1 -> 1 (0.5), -1 -> -1 */
  const tmc_dims4 in = {1, 1, 8, 1}, out = {1, 1, 4, 1};
  const int8_t x[8] = {1, 2, -1, -2, 0, 1, 0, -1};
  const int8_t want[4] = {2, -2, 1, -1};
  int8_t y[4];
  tmc_pool_params p = {1, 2, 1, 2, 0, 0, 0, 0, -128, 127};
  (void)state;
  tmc_avg_pool_s8(&p, &in, x, &out, y);
  assert_memory_equal(y, want, 4);
}

static void test_mean(void **state) {
  int it;
  (void)state;
  kt_seed(61);
  for (it = 0; it < 400; ++it) {
    const int32_t rank = kt_range(1, 5);
    int32_t dims[6], axes[6], nax = 0, d, red[6] = {0};
    size_t n = 1, nout = 1, i;
    int8_t *x, *y, *want;
    tmc_mean_params p;
    const float si = kt_logf(0.001f, 0.1f);
    const float so = kt_range(0, 2) ? si : kt_logf(0.001f, 0.1f);
    const int32_t zi = pick_zp(), zo = kt_range(0, 1) ? zi : pick_zp();
    int32_t m, s, sh;
    int64_t cnt = 1;
    for (d = 0; d < rank; ++d) {
      dims[d] = kt_range(1, 7);
      n *= (size_t)dims[d];
      if (kt_range(0, 1)) {
        axes[nax++] = kt_range(0, 1) ? d : d - rank; /* negative axes too */
        red[d] = 1;
        cnt *= dims[d];
      } else {
        nout *= (size_t)dims[d];
      }
    }
    if (nax == 0) {
      axes[nax++] = rank - 1;
      red[rank - 1] = 1;
      cnt = dims[rank - 1];
      nout /= (size_t)dims[rank - 1];
    }
    x = malloc(n);
    y = malloc(nout);
    want = malloc(nout);
    kt_fill_s8(x, n);
    assert_int_equal(
        tmc_mean_prepare(rank, dims, nax, axes, si, zi, so, zo, &p), 0);
    assert_int_equal(p.num_elements, cnt);
    /* expected multiplier: QuantizeMultiplier(si/so) then TFLM's fold */
    {
      int e;
      tmc_quantize_multiplier((double)si / (double)so, &m, &e);
      s = e;
      sh = 0;
      while ((cnt >> (sh + 1)) != 0) ++sh;
      if (sh > 31 + s) sh = 31 + s;
      m = (int32_t)(((int64_t)m << sh) / cnt);
      s -= sh;
      assert_int_equal(p.multiplier, m);
      assert_int_equal(p.shift, s);
    }
    /* reference: for each input element add to its output slot */
    {
      int32_t *sums = calloc(nout, sizeof(int32_t));
      int32_t idx[6] = {0};
      for (i = 0; i < n; ++i) {
        size_t o = 0;
        for (d = 0; d < rank; ++d)
          if (!red[d]) o = o * (size_t)dims[d] + (size_t)idx[d];
        sums[o] += x[i];
        for (d = rank - 1; d >= 0; --d) {
          if (++idx[d] < dims[d]) break;
          idx[d] = 0;
        }
      }
      for (i = 0; i < nout; ++i)
        want[i] = (int8_t)ref_clamp(
            (int64_t)ref_mbqm(sums[i] - zi * (int32_t)cnt, m, s) + zo, -128,
            127);
      free(sums);
    }
    tmc_mean_s8(&p, x, y);
    if (kt_diff("mean", y, want, nout)) fail();
    {
      int32_t on, pn, kn;
      if (tmc_mean_runs_shape(&p, &on, &pn, &kn)) {
        memset(y, 0x55, nout);
        tmc_mean_s8_runs(&p, x, y);
        if (kt_diff("mean runs", y, want, nout)) fail();
      }
    }
    free(x);
    free(y);
    free(want);
  }
}

/* MEAN over one run of dims with many pixels (the SXTAB16 sums' 256-pixel
 * widening) against the generic kernel test_mean checks. */
static void test_mean_runs(void **state) {
  int it, runs = 0;
  (void)state;
  kt_seed(67);
  for (it = 0; it < 60; ++it) {
    const int32_t dims[4] = {kt_range(1, 2), kt_range(1, 30), kt_range(1, 30), kt_range(1, 13)};
    const int32_t axes[2] = {1, 2};
    const size_t n = (size_t)dims[0] * dims[1] * dims[2] * dims[3], nout = (size_t)dims[0] * dims[3];
    const float si = kt_logf(0.001f, 0.1f), so = kt_range(0, 1) ? si : kt_logf(0.001f, 0.1f);
    int8_t *x = malloc(n), *y = malloc(nout), *want = malloc(nout);
    tmc_mean_params p;
    int32_t on, pn, kn;
    if (it % 3 == 0)
      memset(x, it % 2 ? 127 : -128, n); /* the int16 halves' extremes */
    else
      kt_fill_s8(x, n);
    assert_int_equal(tmc_mean_prepare(4, dims, 2, axes, si, pick_zp(), so, pick_zp(), &p), 0);
    tmc_mean_s8(&p, x, want);
    if (tmc_mean_runs_shape(&p, &on, &pn, &kn)) {
      assert_int_equal(pn, dims[1] * dims[2]);
      tmc_mean_s8_runs(&p, x, y);
      if (kt_diff("mean runs", y, want, nout)) fail();
      runs++;
    }
    free(x);
    free(y);
    free(want);
  }
  assert_true(runs >= 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mean_runs),
      cmocka_unit_test(test_add),
      cmocka_unit_test(test_sub),
      cmocka_unit_test(test_mul),
      cmocka_unit_test(test_max_min),
      cmocka_unit_test(test_add_hand),
      cmocka_unit_test(test_broadcast_init),
      cmocka_unit_test(test_pooling),
      cmocka_unit_test(test_avg_pool_rounding),
      cmocka_unit_test(test_avg_pool_dsp_extremes),
      cmocka_unit_test(test_mean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
