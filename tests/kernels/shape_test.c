/* shape_test.c - data-movement kernels against index-arithmetic references:
 * PAD (ranks 1..6, every side, int8 and int16 elements), TRANSPOSE (ranks 1..6), DEPTH_TO_SPACE and
 * SPACE_TO_DEPTH (TFLite's DCR index rule, and each other's inverse),
 * STRIDED_SLICE with
 * tmc_strided_slice_prepare (the one slice rule of ir/geometry.h: masks,
 * negative indices and strides, shrink),
 * CONCATENATION / SPLIT on every axis, RESIZE_NEAREST_NEIGHBOR (TFLite's
 * float index rule) and RESIZE_BILINEAR (within one step of float bilinear,
 * plus hand values). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/kernels.h"
#include "plan/quant.h"
#include "ktest.h"

static size_t count(int32_t r, const int32_t *d) {
  size_t n = 1;
  int32_t i;
  for (i = 0; i < r; ++i) n *= (size_t)d[i];
  return n;
}

/* Advance a row-major multi-index; returns 0 after the last. */
static int next_index(int32_t r, const int32_t *dims, int32_t *idx) {
  int32_t d;
  for (d = r - 1; d >= 0; --d) {
    if (++idx[d] < dims[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

static size_t flat(int32_t r, const int32_t *dims, const int32_t *idx) {
  size_t o = 0;
  int32_t d;
  for (d = 0; d < r; ++d) o = o * (size_t)dims[d] + (size_t)idx[d];
  return o;
}

static void test_pad(void **state) {
  int it;
  (void)state;
  /* int8 and int16 elements (elem_bytes 1, 2): the kernel fills whole
   * elements of pad_value and copies rows of elements */
  for (it = 0; it < 600; ++it) {
    const int32_t eb = it < 300 ? 1 : 2;
    tmc_pad_params p;
    int32_t od[6], idx[6] = {0}, d;
    size_t nin, nout, i = 0;
    int8_t *x, *y, *want;
    memset(&p, 0, sizeof p);
    p.rank = kt_range(1, 6);
    for (d = 0; d < p.rank; ++d) {
      p.in_dims[d] = kt_range(1, 4);
      p.before[d] = kt_range(0, 2);
      p.after[d] = kt_range(0, 2);
      od[d] = p.before[d] + p.in_dims[d] + p.after[d];
    }
    p.pad_value = eb == 1 ? kt_range(-128, 127) : kt_range(-32768, 32767);
    p.elem_bytes = eb;
    nin = count(p.rank, p.in_dims);
    nout = count(p.rank, od);
    x = malloc(nin * (size_t)eb);
    y = malloc(nout * (size_t)eb);
    want = malloc(nout * (size_t)eb);
    kt_fill_s8(x, nin * (size_t)eb);
    do {
      int32_t src[6], inside = 1;
      for (d = 0; d < p.rank; ++d) {
        src[d] = idx[d] - p.before[d];
        if (src[d] < 0 || src[d] >= p.in_dims[d]) inside = 0;
      }
      if (eb == 1) {
        want[i] = inside ? x[flat(p.rank, p.in_dims, src)] : (int8_t)p.pad_value;
      } else {
        const int16_t v = inside ? ((const int16_t *)(const void *)x)[flat(p.rank, p.in_dims, src)]
                                 : (int16_t)p.pad_value;
        memcpy(want + 2 * i, &v, 2);
      }
      i++;
    } while (next_index(p.rank, od, idx));
    tmc_pad(&p, x, y);
    if (kt_diff(eb == 1 ? "pad" : "pad int16", y, want, nout * (size_t)eb)) fail();
    free(x);
    free(y);
    free(want);
  }
}

/* DEPTH_TO_SPACE against TFLite's reference index rule (DCR: in_d = out_d +
 * ((out_h % b) * b + out_w % b) * out_c), and SPACE_TO_DEPTH as its
 * inverse (it must restore the input). */
static void test_depth_space(void **state) {
  int it;
  (void)state;
  kt_seed(84);
  for (it = 0; it < 200; ++it) {
    tmc_space_depth_params p;
    tmc_dims4 in, out;
    int32_t b, oh, ow, od;
    size_t n;
    int8_t *x, *y, *want, *back;
    p.block_size = b = kt_range(1, 4);
    in.n = kt_range(1, 2);
    in.h = kt_range(1, 4);
    in.w = kt_range(1, 4);
    in.c = b * b * kt_range(1, 5);
    out.n = in.n;
    out.h = in.h * b;
    out.w = in.w * b;
    out.c = in.c / (b * b);
    n = (size_t)in.n * in.h * in.w * in.c;
    x = malloc(n);
    y = malloc(n);
    want = malloc(n);
    back = malloc(n);
    kt_fill_s8(x, n);
    for (int32_t ob = 0; ob < out.n; ++ob)
      for (oh = 0; oh < out.h; ++oh)
        for (ow = 0; ow < out.w; ++ow)
          for (od = 0; od < out.c; ++od) {
            const int32_t id = od + ((oh % b) * b + ow % b) * out.c;
            want[(((size_t)ob * out.h + oh) * out.w + ow) * out.c + od] =
                x[(((size_t)ob * in.h + oh / b) * in.w + ow / b) * in.c + id];
          }
    tmc_depth_to_space_s8(&p, &in, x, &out, y);
    if (kt_diff("depth_to_space", y, want, n)) fail();
    tmc_space_to_depth_s8(&p, &out, y, &in, back);
    if (kt_diff("space_to_depth", back, x, n)) fail();
    free(x);
    free(y);
    free(want);
    free(back);
  }
}

static void test_transpose(void **state) {
  int it;
  (void)state;
  kt_seed(82);
  for (it = 0; it < 300; ++it) {
    tmc_transpose_params p;
    int32_t od[6], idx[6] = {0}, src[6], d, j;
    size_t n, i = 0;
    int8_t *x, *y, *want;
    p.rank = kt_range(1, 6);
    for (d = 0; d < p.rank; ++d) {
      p.in_dims[d] = kt_range(1, 4);
      p.perm[d] = d;
    }
    for (d = p.rank - 1; d > 0; --d) { /* Fisher-Yates */
      const int32_t k = kt_range(0, d), t = p.perm[d];
      p.perm[d] = p.perm[k];
      p.perm[k] = t;
    }
    for (d = 0; d < p.rank; ++d) od[d] = p.in_dims[p.perm[d]];
    n = count(p.rank, p.in_dims);
    x = malloc(n);
    y = malloc(n);
    want = malloc(n);
    kt_fill_s8(x, n);
    do {
      for (j = 0; j < p.rank; ++j) src[p.perm[j]] = idx[j];
      want[i++] = x[flat(p.rank, p.in_dims, src)];
    } while (next_index(p.rank, od, idx));
    tmc_transpose_s8(&p, x, y);
    if (kt_diff("transpose", y, want, n)) fail();
    free(x);
    free(y);
    free(want);
  }
}

static void test_strided_slice(void **state) {
  int it;
  (void)state;
  kt_seed(83);
  for (it = 0; it < 500; ++it) {
    const int32_t rank = kt_range(1, 5);
    int32_t dims[6], begin[6], end[6], strides[6], d;
    int32_t bm = 0, em = 0, sm = 0;
    tmc_strided_slice_params p;
    size_t nin, nout, i = 0;
    int8_t *x, *y, *want;
    int32_t idx[6] = {0}, src[6];
    for (d = 0; d < rank; ++d) {
      dims[d] = kt_range(1, 6);
      strides[d] = kt_range(0, 3) ? kt_range(1, 3) : -kt_range(1, 3);
      begin[d] = kt_range(-dims[d] - 2, dims[d] + 2);
      end[d] = kt_range(-dims[d] - 2, dims[d] + 2);
      if (kt_range(0, 4) == 0) bm |= 1 << d;
      if (kt_range(0, 4) == 0) em |= 1 << d;
      if (kt_range(0, 6) == 0) {
        sm |= 1 << d;
        strides[d] = 1;
        begin[d] = kt_range(-dims[d], dims[d] - 1);
        bm &= ~(1 << d);
      }
    }
    {
      int64_t b64[6], e64[6], s64[6];
      tmc_slice_attr attr = {0};
      attr.begin_mask = bm;
      attr.end_mask = em;
      attr.shrink_axis_mask = sm;
      for (d = 0; d < rank; ++d) {
        b64[d] = begin[d];
        e64[d] = end[d];
        s64[d] = strides[d];
      }
      assert_int_equal(tmc_strided_slice_prepare(rank, dims, b64, e64, s64, &attr, &p), 0);
    }
    /* Independent check of the normalization: python-like slicing. */
    for (d = 0; d < rank; ++d) {
      const int32_t n = dims[d], st = strides[d];
      int32_t b0, e0, c;
      if (sm & (1 << d)) {
        b0 = begin[d] < 0 ? begin[d] + n : begin[d];
        assert_int_equal(p.begin[d], b0);
        assert_int_equal(p.count[d], 1);
        continue;
      }
      if (bm & (1 << d)) {
        b0 = st > 0 ? 0 : n - 1;
      } else {
        b0 = begin[d] < 0 ? begin[d] + n : begin[d];
        if (st > 0) b0 = b0 < 0 ? 0 : (b0 > n ? n : b0);
        else b0 = b0 < -1 ? -1 : (b0 > n - 1 ? n - 1 : b0);
      }
      if (em & (1 << d)) {
        e0 = st > 0 ? n : -1;
      } else {
        e0 = end[d] < 0 ? end[d] + n : end[d];
        if (st > 0) e0 = e0 < 0 ? 0 : (e0 > n ? n : e0);
        else e0 = e0 < -1 ? -1 : (e0 > n - 1 ? n - 1 : e0);
      }
      c = 0;
      if (st > 0) {
        int32_t k;
        for (k = b0; k < e0; k += st) ++c;
      } else {
        int32_t k;
        for (k = b0; k > e0; k += st) ++c;
      }
      assert_int_equal(p.count[d], c);
      if (c > 0) assert_int_equal(p.begin[d], b0);
    }
    nin = count(rank, dims);
    nout = count(rank, p.count);
    x = malloc(nin);
    y = malloc(nout ? nout : 1);
    want = malloc(nout ? nout : 1);
    kt_fill_s8(x, nin);
    if (nout) {
      do {
        for (d = 0; d < rank; ++d) src[d] = p.begin[d] + idx[d] * p.stride[d];
        want[i++] = x[flat(rank, dims, src)];
      } while (next_index(rank, p.count, idx));
      tmc_strided_slice_s8(&p, x, y);
      if (kt_diff("strided_slice", y, want, nout)) fail();
    }
    free(x);
    free(y);
    free(want);
  }
}

static void test_concat_split(void **state) {
  int it;
  (void)state;
  kt_seed(84);
  for (it = 0; it < 300; ++it) {
    const int32_t rank = kt_range(1, 5), nparts = kt_range(1, 4);
    const int32_t axis = kt_range(0, rank - 1);
    int32_t dims[6], pd[4][6], parts[4], d, k, od[6];
    int8_t *in[4], *back[4], *y, *want;
    tmc_concat_params p;
    size_t n, i = 0;
    int32_t idx[6] = {0};
    for (d = 0; d < rank; ++d) dims[d] = kt_range(1, 4);
    memcpy(od, dims, sizeof dims);
    od[axis] = 0;
    for (k = 0; k < nparts; ++k) {
      memcpy(pd[k], dims, sizeof dims);
      pd[k][axis] = kt_range(1, 3);
      od[axis] += pd[k][axis];
      in[k] = malloc(count(rank, pd[k]));
      back[k] = malloc(count(rank, pd[k]));
      kt_fill_s8(in[k], count(rank, pd[k]));
      parts[k] = 1;
      for (d = axis; d < rank; ++d) parts[k] *= pd[k][d];
    }
    n = count(rank, od);
    y = malloc(n);
    want = malloc(n);
    do {
      int32_t a = idx[axis], src[6];
      k = 0;
      while (a >= pd[k][axis]) a -= pd[k++][axis];
      memcpy(src, idx, sizeof src);
      src[axis] = a;
      want[i++] = in[k][flat(rank, pd[k], src)];
    } while (next_index(rank, od, idx));
    p.count = nparts;
    p.outer = 1;
    for (d = 0; d < axis; ++d) p.outer *= dims[d];
    p.part_size = parts;
    tmc_concatenation_s8(&p, (const int8_t *const *)in, y);
    if (kt_diff("concatenation", y, want, n)) fail();
    tmc_split_s8(&p, y, back);
    for (k = 0; k < nparts; ++k)
      if (kt_diff("split", back[k], in[k], count(rank, pd[k]))) fail();
    for (k = 0; k < nparts; ++k) {
      free(in[k]);
      free(back[k]);
    }
    free(y);
    free(want);
  }
}

static int32_t ref_nearest(int32_t v, int32_t in, int32_t out, int ac,
                           int hp) {
  const float scale = (ac && out > 1) ? (float)(in - 1) / (float)(out - 1)
                                      : (float)in / (float)out;
  const float s = ((float)v + (hp ? 0.5f : 0.0f)) * scale;
  int32_t r = ac ? (int32_t)roundf(s) : (int32_t)floorf(s);
  if (r > in - 1) r = in - 1;
  if (hp && r < 0) r = 0;
  return r;
}

static void test_resize(void **state) {
  int it;
  (void)state;
  kt_seed(85);
  for (it = 0; it < 300; ++it) {
    tmc_dims4 in, out;
    tmc_resize_params p;
    int8_t *x, *y, *want;
    int32_t b, oy, ox, c;
    size_t i = 0;
    in.n = kt_range(1, 2);
    in.h = kt_range(1, 7);
    in.w = kt_range(1, 7);
    in.c = kt_range(1, 4);
    out.n = in.n;
    out.c = in.c;
    out.h = kt_range(1, 15);
    out.w = kt_range(1, 15);
    p.align_corners = kt_range(0, 2) == 0;
    p.half_pixel_centers = !p.align_corners && kt_range(0, 1);
    x = malloc((size_t)in.n * in.h * in.w * in.c);
    y = malloc((size_t)out.n * out.h * out.w * out.c);
    want = malloc((size_t)out.n * out.h * out.w * out.c);
    kt_fill_s8(x, (size_t)in.n * in.h * in.w * in.c);
    for (b = 0; b < out.n; ++b)
      for (oy = 0; oy < out.h; ++oy)
        for (ox = 0; ox < out.w; ++ox)
          for (c = 0; c < out.c; ++c) {
            const int32_t iy = ref_nearest(oy, in.h, out.h, p.align_corners,
                                           p.half_pixel_centers);
            const int32_t ix = ref_nearest(ox, in.w, out.w, p.align_corners,
                                           p.half_pixel_centers);
            want[i++] = x[(((size_t)b * in.h + iy) * in.w + ix) * in.c + c];
          }
    {
      int32_t sy[15], sx[15];
      tmc_resize_nearest_params np = {sy, sx};
      tmc_resize_nearest_prepare(in.h, out.h, p.align_corners, p.half_pixel_centers, sy);
      tmc_resize_nearest_prepare(in.w, out.w, p.align_corners, p.half_pixel_centers, sx);
      tmc_resize_nearest_s8(&np, &in, x, &out, y);
    }
    if (kt_diff("resize_nearest", y, want, i)) fail();
    /* bilinear: float interpolation with TFLite's source coordinates */
    i = 0;
    for (b = 0; b < out.n; ++b)
      for (oy = 0; oy < out.h; ++oy)
        for (ox = 0; ox < out.w; ++ox)
          for (c = 0; c < out.c; ++c) {
            double sy, sx, fy, fx, v;
            int32_t y0, y1, x0, x1;
            const double hs = p.align_corners && out.h > 1
                                  ? (double)(in.h - 1) / (out.h - 1)
                                  : (double)in.h / out.h;
            const double ws = p.align_corners && out.w > 1
                                  ? (double)(in.w - 1) / (out.w - 1)
                                  : (double)in.w / out.w;
            sy = p.half_pixel_centers ? (oy + 0.5) * hs - 0.5 : oy * hs;
            sx = p.half_pixel_centers ? (ox + 0.5) * ws - 0.5 : ox * ws;
            y0 = (int32_t)floor(sy);
            x0 = (int32_t)floor(sx);
            fy = sy - y0;
            fx = sx - x0;
            if (y0 < 0) { y0 = 0; fy = 0; }
            if (x0 < 0) { x0 = 0; fx = 0; }
            y1 = y0 + 1 < in.h ? y0 + 1 : in.h - 1;
            x1 = x0 + 1 < in.w ? x0 + 1 : in.w - 1;
#define PX(yy, xx) x[(((size_t)b * in.h + (yy)) * in.w + (xx)) * in.c + c]
            v = PX(y0, x0) * (1 - fy) * (1 - fx) + PX(y1, x0) * fy * (1 - fx) +
                PX(y0, x1) * (1 - fy) * fx + PX(y1, x1) * fy * fx;
#undef PX
            want[i++] = (int8_t)(v < 0 ? -floor(-v + 0.5) : floor(v + 0.5));
          }
    tmc_resize_bilinear_s8(&p, &in, x, &out, y);
    /* 10-bit source coordinates drift from the float ones by up to
     * (out - 1) / 2048 pixels, so allow a few steps on steep gradients. */
    if (kt_diff_tol("resize_bilinear", y, want, i, 3)) fail();
    free(x);
    free(y);
    free(want);
  }
}

static void test_resize_bilinear_hand(void **state) {
  /* 1x2 -> 1x4, no flags: scale 0.5, x = 0, 0.5, 1, 1.5 (clamped) */
  const tmc_dims4 in = {1, 1, 2, 1}, out = {1, 1, 4, 1};
  const int8_t x[2] = {10, -11};
  const int8_t want[4] = {10, -1, -11, -11}; /* (10 - 11) / 2 = -0.5 -> -1 */
  int8_t y[4];
  tmc_resize_params p = {0, 0};
  (void)state;
  tmc_resize_bilinear_s8(&p, &in, x, &out, y);
  assert_memory_equal(y, want, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pad),
      cmocka_unit_test(test_transpose),
      cmocka_unit_test(test_depth_space),
      cmocka_unit_test(test_strided_slice),
      cmocka_unit_test(test_concat_split),
      cmocka_unit_test(test_resize),
      cmocka_unit_test(test_resize_bilinear_hand),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
