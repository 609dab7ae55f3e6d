/* golden_kernels.c - runs the single-operator golden suite (flattened by
 * golden_extract.py) through tmc's kernels and quant_util prepare helpers,
 * comparing every output byte with TFLM's. A kernel-level check that needs
 * no tmc reader: usage golden_kernels EXTRACT_DIR [case...]. Prints each
 * failing case with its first mismatches, then "N passed, M failed". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/quant_util.h"

enum { T_INT8, T_FLOAT32, T_INT32, T_OTHER };

typedef struct {
  int type;
  int rank;
  int32_t dims[8];
  int nscale;
  float *scales;
  int nzp;
  int32_t *zps;
  void *data;
  size_t bytes;
} tensor;

typedef struct {
  char name[40];
  int nin, nout;
  int in[8], out[8];
  int nopt;
  char key[16][40];
  char val[16][200];
} op;

static int type_size(int t) { return t == T_INT8 ? 1 : 4; }

static size_t elems(const tensor *t) {
  size_t n = 1;
  int d;
  for (d = 0; d < t->rank; ++d) n *= (size_t)t->dims[d];
  return n;
}

static void *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  void *p;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  p = malloc(n > 0 ? (size_t)n : 1);
  if (fread(p, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(p);
    return NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return p;
}

static const char *opt(const op *o, const char *key) {
  int i;
  for (i = 0; i < o->nopt; ++i)
    if (!strcmp(o->key[i], key)) return o->val[i];
  return NULL;
}
static int opt_int(const op *o, const char *key, int def) {
  const char *v = opt(o, key);
  return v ? atoi(v) : def;
}

static tmc_dims4 dims4(const tensor *t) {
  tmc_dims4 d = {1, 1, 1, 1};
  int32_t v[4] = {1, 1, 1, 1};
  int i, r = t->rank;
  for (i = 0; i < r && i < 4; ++i) v[4 - r + i] = t->dims[i];
  d.n = v[0];
  d.h = v[1];
  d.w = v[2];
  d.c = v[3];
  return d;
}

static int act_of(const op *o) {
  return opt_int(o, "fused_activation_function", 0);
}

/* Runs one operator; returns 0 or -1 for an unsupported case. */
static int run_op(const op *o, tensor *T) {
  const char *n = o->name;
  tensor *in = &T[o->in[0]], *out = &T[o->out[0]];
  const int8_t *x = (const int8_t *)in->data;
  int8_t *y = (int8_t *)out->data;
  const int32_t size = (int32_t)elems(out);

  if (!strcmp(n, "CONV_2D") || !strcmp(n, "DEPTHWISE_CONV_2D")) {
    tensor *w = &T[o->in[1]];
    const int32_t *bias =
        (o->nin > 2 && o->in[2] >= 0) ? (const int32_t *)T[o->in[2]].data
                                      : NULL;
    tmc_dims4 di = dims4(in), dw = dims4(w), dout = dims4(out);
    int32_t *mult = malloc(sizeof(int32_t) * (size_t)dout.c);
    int32_t *sh = malloc(sizeof(int32_t) * (size_t)dout.c);
    int32_t pt, pb, pl, pr, amin, amax;
    const int32_t sh_ = opt_int(o, "stride_h", 1), sw = opt_int(o, "stride_w", 1);
    const int32_t dh = opt_int(o, "dilation_h_factor", 1),
                  dw_ = opt_int(o, "dilation_w_factor", 1);
    tmc_conv_quant_prepare(in->scales[0], w->scales, w->nscale,
                           out->scales[0], dout.c, mult, sh);
    tmc_activation_range_s8(act_of(o), out->scales[0], out->zps[0], &amin,
                            &amax);
    tmc_conv_padding(di.h, dw.h, sh_, dh, dout.h, &pt, &pb);
    tmc_conv_padding(di.w, dw.w, sw, dw_, dout.w, &pl, &pr);
    if (!strcmp(n, "CONV_2D")) {
      tmc_conv2d_params p;
      p.stride_h = sh_;
      p.stride_w = sw;
      p.dilation_h = dh;
      p.dilation_w = dw_;
      p.pad_top = pt;
      p.pad_bottom = pb;
      p.pad_left = pl;
      p.pad_right = pr;
      p.input_offset = -in->zps[0];
      p.output_offset = out->zps[0];
      p.act_min = amin;
      p.act_max = amax;
      p.multiplier = mult;
      p.shift = sh;
      tmc_conv2d_s8(&p, &di, x, &dw, (const int8_t *)w->data, bias, &dout, y,
                    NULL);
    } else {
      tmc_depthwise_conv2d_params p;
      p.stride_h = sh_;
      p.stride_w = sw;
      p.dilation_h = dh;
      p.dilation_w = dw_;
      p.pad_top = pt;
      p.pad_bottom = pb;
      p.pad_left = pl;
      p.pad_right = pr;
      p.depth_multiplier = dout.c / di.c;
      p.input_offset = -in->zps[0];
      p.output_offset = out->zps[0];
      p.act_min = amin;
      p.act_max = amax;
      p.multiplier = mult;
      p.shift = sh;
      tmc_depthwise_conv2d_s8(&p, &di, x, &dw, (const int8_t *)w->data, bias,
                              &dout, y, NULL);
    }
    free(mult);
    free(sh);
    return 0;
  }
  if (!strcmp(n, "FULLY_CONNECTED")) {
    tensor *w = &T[o->in[1]];
    const int32_t *bias =
        (o->nin > 2 && o->in[2] >= 0) ? (const int32_t *)T[o->in[2]].data
                                      : NULL;
    const int32_t accum = w->dims[1], od = w->dims[0];
    const int32_t batches = (int32_t)(elems(in) / (size_t)accum);
    int32_t *mult = malloc(sizeof(int32_t) * (size_t)od);
    int32_t *sh = malloc(sizeof(int32_t) * (size_t)od);
    tmc_fully_connected_params p;
    tmc_conv_quant_prepare(in->scales[0], w->scales, w->nscale,
                           out->scales[0], od, mult, sh);
    p.input_offset = -in->zps[0];
    p.filter_offset = -w->zps[0];
    p.output_offset = out->zps[0];
    tmc_activation_range_s8(act_of(o), out->scales[0], out->zps[0],
                            &p.act_min, &p.act_max);
    p.per_channel = w->nscale > 1;
    p.multiplier = mult;
    p.shift = sh;
    tmc_fully_connected_s8(&p, batches, accum, x, od, (const int8_t *)w->data,
                           bias, y, NULL);
    free(mult);
    free(sh);
    return 0;
  }
  if (!strcmp(n, "TRANSPOSE_CONV")) {
    tensor *w = &T[o->in[1]], *xi = &T[o->in[2]];
    const int32_t *bias =
        (o->nin > 3 && o->in[3] >= 0) ? (const int32_t *)T[o->in[3]].data
                                      : NULL;
    tmc_dims4 di = dims4(xi), dw = dims4(w), dout = dims4(out);
    int32_t *mult = malloc(sizeof(int32_t) * (size_t)dout.c);
    int32_t *sh = malloc(sizeof(int32_t) * (size_t)dout.c);
    tmc_transpose_conv_params p;
    const int same = opt_int(o, "padding", 0);
    p.stride_h = opt_int(o, "stride_h", 1);
    p.stride_w = opt_int(o, "stride_w", 1);
    tmc_transpose_conv_padding(same, dout.h, dw.h, p.stride_h, &p.pad_top,
                               &p.pad_bottom);
    tmc_transpose_conv_padding(same, dout.w, dw.w, p.stride_w, &p.pad_left,
                               &p.pad_right);
    tmc_conv_quant_prepare(xi->scales[0], w->scales, w->nscale,
                           out->scales[0], dout.c, mult, sh);
    p.input_offset = -xi->zps[0];
    p.output_offset = out->zps[0];
    tmc_activation_range_s8(getenv("TMC_TCONV_NO_ACT") ? 0 : act_of(o),
                            out->scales[0], out->zps[0], &p.act_min,
                            &p.act_max);
    p.multiplier = mult;
    p.shift = sh;
    tmc_transpose_conv_s8(&p, &di, (const int8_t *)xi->data, &dw,
                          (const int8_t *)w->data, bias, &dout, y, NULL);
    free(mult);
    free(sh);
    return 0;
  }
  if (!strcmp(n, "ADD") || !strcmp(n, "SUB") || !strcmp(n, "MUL") ||
      !strcmp(n, "MAXIMUM") || !strcmp(n, "MINIMUM")) {
    tensor *b2 = &T[o->in[1]];
    tmc_broadcast bc;
    if (tmc_broadcast_init(in->rank, in->dims, b2->rank, b2->dims, &bc))
      return -1;
    if (!strcmp(n, "MUL")) {
      tmc_mul_params p;
      tmc_mul_prepare(in->scales[0], in->zps[0], b2->scales[0], b2->zps[0],
                      out->scales[0], out->zps[0], act_of(o), &p);
      tmc_mul_s8(&p, &bc, x, (const int8_t *)b2->data, y);
    } else if (!strcmp(n, "MAXIMUM")) {
      tmc_maximum_s8(&bc, x, (const int8_t *)b2->data, y);
    } else if (!strcmp(n, "MINIMUM")) {
      tmc_minimum_s8(&bc, x, (const int8_t *)b2->data, y);
    } else {
      tmc_add_params p;
      int rc = !strcmp(n, "ADD")
                   ? tmc_add_prepare(in->scales[0], in->zps[0], b2->scales[0],
                                     b2->zps[0], out->scales[0], out->zps[0],
                                     act_of(o), &p)
                   : tmc_sub_prepare(in->scales[0], in->zps[0], b2->scales[0],
                                     b2->zps[0], out->scales[0], out->zps[0],
                                     act_of(o), &p);
      if (rc) return -1;
      if (!strcmp(n, "ADD"))
        tmc_add_s8(&p, &bc, x, (const int8_t *)b2->data, y);
      else
        tmc_sub_s8(&p, &bc, x, (const int8_t *)b2->data, y);
    }
    return 0;
  }
  if (!strcmp(n, "AVERAGE_POOL_2D") || !strcmp(n, "MAX_POOL_2D")) {
    tmc_dims4 di = dims4(in), dout = dims4(out);
    tmc_pool_params p;
    p.stride_h = opt_int(o, "stride_h", 1);
    p.stride_w = opt_int(o, "stride_w", 1);
    p.filter_h = opt_int(o, "filter_height", 1);
    p.filter_w = opt_int(o, "filter_width", 1);
    tmc_conv_padding(di.h, p.filter_h, p.stride_h, 1, dout.h, &p.pad_top,
                     &p.pad_bottom);
    tmc_conv_padding(di.w, p.filter_w, p.stride_w, 1, dout.w, &p.pad_left,
                     &p.pad_right);
    tmc_activation_range_s8(act_of(o), out->scales[0], out->zps[0],
                            &p.act_min, &p.act_max);
    if (n[0] == 'A')
      tmc_avg_pool_s8(&p, &di, x, &dout, y);
    else
      tmc_max_pool_s8(&p, &di, x, &dout, y);
    return 0;
  }
  if (!strcmp(n, "MEAN")) {
    tensor *ax = &T[o->in[1]];
    tmc_mean_params p;
    if (tmc_mean_prepare(in->rank, in->dims, (int32_t)elems(ax),
                         (const int32_t *)ax->data, in->scales[0], in->zps[0],
                         out->scales[0], out->zps[0], &p))
      return -1;
    tmc_mean_s8(&p, x, y);
    return 0;
  }
  if (!strcmp(n, "PAD") || !strcmp(n, "PADV2")) {
    const int32_t *pads = (const int32_t *)T[o->in[1]].data;
    tmc_pad_params p;
    int d;
    memset(&p, 0, sizeof p);
    p.rank = in->rank;
    for (d = 0; d < in->rank; ++d) {
      p.in_dims[d] = in->dims[d];
      p.before[d] = pads[2 * d];
      p.after[d] = pads[2 * d + 1];
    }
    p.pad_value = !strcmp(n, "PADV2") && o->nin > 2
                      ? *(const int8_t *)T[o->in[2]].data
                      : out->zps[0];
    tmc_pad_s8(&p, x, y);
    return 0;
  }
  if (!strcmp(n, "RESIZE_NEAREST_NEIGHBOR") || !strcmp(n, "RESIZE_BILINEAR")) {
    tmc_dims4 di = dims4(in), dout = dims4(out);
    tmc_resize_params p;
    p.align_corners = opt_int(o, "align_corners", 0);
    p.half_pixel_centers = opt_int(o, "half_pixel_centers", 0);
    if (n[7] == 'N')
      tmc_resize_nearest_s8(&p, &di, x, &dout, y);
    else
      tmc_resize_bilinear_s8(&p, &di, x, &dout, y);
    return 0;
  }
  if (!strcmp(n, "CONCATENATION") || !strcmp(n, "SPLIT")) {
    const int is_split = n[0] == 'S';
    tensor *whole = is_split ? &T[o->in[1]] : out;
    const int nparts = is_split ? o->nout : o->nin;
    int32_t axis = is_split ? *(const int32_t *)T[o->in[0]].data
                            : opt_int(o, "axis", 0);
    int32_t parts[8];
    const int8_t *ins[8];
    int8_t *outs[8];
    tmc_concat_params p;
    int k, d;
    if (axis < 0) axis += whole->rank;
    p.count = nparts;
    p.outer = 1;
    for (d = 0; d < axis; ++d) p.outer *= whole->dims[d];
    for (k = 0; k < nparts; ++k) {
      tensor *t = &T[is_split ? o->out[k] : o->in[k]];
      parts[k] = 1;
      for (d = axis; d < t->rank; ++d) parts[k] *= t->dims[d];
      ins[k] = (const int8_t *)t->data;
      outs[k] = (int8_t *)t->data;
    }
    p.part_size = parts;
    if (is_split)
      tmc_split_s8(&p, (const int8_t *)whole->data, outs);
    else
      tmc_concatenation_s8(&p, ins, y);
    return 0;
  }
  if (!strcmp(n, "RESHAPE") || !strcmp(n, "SQUEEZE")) {
    memcpy(y, x, elems(out));
    return 0;
  }
  if (!strcmp(n, "TRANSPOSE")) {
    const int32_t *perm = (const int32_t *)T[o->in[1]].data;
    tmc_transpose_params p;
    int d;
    p.rank = in->rank;
    for (d = 0; d < in->rank; ++d) {
      p.in_dims[d] = in->dims[d];
      p.perm[d] = perm[d];
    }
    tmc_transpose_s8(&p, x, y);
    return 0;
  }
  if (!strcmp(n, "STRIDED_SLICE")) {
    tmc_strided_slice_params p;
    if (tmc_strided_slice_prepare(
            in->rank, in->dims, (const int32_t *)T[o->in[1]].data,
            (const int32_t *)T[o->in[2]].data,
            (const int32_t *)T[o->in[3]].data, opt_int(o, "begin_mask", 0),
            opt_int(o, "end_mask", 0), opt_int(o, "shrink_axis_mask", 0),
            opt_int(o, "offset", 0), &p))
      return -1;
    tmc_strided_slice_s8(&p, x, y);
    return 0;
  }
  if (!strcmp(n, "SOFTMAX") || !strcmp(n, "LOG_SOFTMAX")) {
    const int32_t depth = in->dims[in->rank - 1];
    const int32_t outer = (int32_t)(elems(in) / (size_t)depth);
    if (n[0] == 'S') {
      tmc_softmax_params p;
      const char *b = opt(o, "beta");
      if (tmc_softmax_prepare(b ? (float)strtod(b, NULL) : 1.0f,
                              in->scales[0], &p))
        return -1;
      tmc_softmax_s8(&p, outer, depth, x, y);
    } else {
      tmc_log_softmax_params p;
      if (tmc_log_softmax_prepare(in->scales[0], &p)) return -1;
      tmc_log_softmax_s8(&p, outer, depth, x, y);
    }
    return 0;
  }
  if (!strcmp(n, "LOGISTIC") || !strcmp(n, "TANH")) {
    tmc_sigmoid_params p;
    tmc_sigmoid_prepare(in->scales[0], in->zps[0], &p);
    if (n[0] == 'L')
      tmc_logistic_s8(&p, size, x, y);
    else
      tmc_tanh_s8(&p, size, x, y);
    return 0;
  }
  if (!strcmp(n, "HARD_SWISH")) {
    tmc_hard_swish_params p;
    if (tmc_hard_swish_prepare(in->scales[0], in->zps[0], out->scales[0],
                               out->zps[0], &p))
      return -1;
    tmc_hard_swish_s8(&p, size, x, y);
    return 0;
  }
  if (!strcmp(n, "RELU")) {
    tmc_relu_params p;
    tmc_relu_prepare(in->scales[0], in->zps[0], out->scales[0], out->zps[0],
                     &p);
    tmc_relu_s8(&p, size, x, y);
    return 0;
  }
  if (!strcmp(n, "RELU6")) {
    int32_t lo, hi;
    tmc_relu6_prepare(in->scales[0], in->zps[0], &lo, &hi);
    tmc_clamp_s8(lo, hi, size, x, y);
    return 0;
  }
  if (!strcmp(n, "LEAKY_RELU")) {
    tmc_leaky_relu_params p;
    const char *a = opt(o, "alpha");
    tmc_leaky_relu_prepare(in->scales[0], in->zps[0], out->scales[0],
                           out->zps[0], a ? (float)strtod(a, NULL) : 0.2f,
                           &p);
    tmc_leaky_relu_s8(&p, size, x, y);
    return 0;
  }
  if (!strcmp(n, "QUANTIZE")) {
    if (in->type == T_FLOAT32) {
      tmc_quantize_params p;
      p.scale = out->scales[0];
      p.zero_point = out->zps[0];
      tmc_quantize_f32_s8(&p, size, (const float *)in->data, y);
    } else {
      tmc_requantize_params p;
      tmc_requantize_prepare(in->scales[0], in->zps[0], out->scales[0],
                             out->zps[0], &p);
      tmc_requantize_s8(&p, size, x, y);
    }
    return 0;
  }
  if (!strcmp(n, "DEQUANTIZE")) {
    tmc_dequantize_params p;
    p.scale = (double)in->scales[0];
    p.zero_point = in->zps[0];
    tmc_dequantize_s8_f32(&p, size, x, (float *)out->data);
    return 0;
  }
  return -1;
}

static char *next_tok(char **s) {
  char *t;
  while (**s == ' ' || **s == '\n') ++*s;
  if (!**s) return NULL;
  t = *s;
  while (**s && **s != ' ' && **s != '\n') ++*s;
  if (**s) *(*s)++ = 0;
  return t;
}

static int run_case(const char *dir, const char *name) {
  char path[1024];
  size_t len;
  char *text, *s, *line;
  tensor T[64];
  op ops[4];
  int nt = 0, nops = 0, k, failed = 0, unsupported = 0;
  int out_t[8], nouts = 0;
  char out_file[8][512];
  snprintf(path, sizeof path, "%s/%s.txt", dir, name);
  text = read_file(path, &len);
  if (!text) {
    printf("%s: cannot read %s\n", name, path);
    return 1;
  }
  text = realloc(text, len + 1);
  text[len] = 0;
  memset(T, 0, sizeof T);
  for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    s = line;
    {
      char *kind = next_tok(&s);
      if (!kind) continue;
      if (!strcmp(kind, "tensor")) {
        int idx = atoi(next_tok(&s)), d;
        tensor *t = &T[idx];
        const char *ty = next_tok(&s);
        char *data;
        t->type = !strcmp(ty, "int8")      ? T_INT8
                  : !strcmp(ty, "float32") ? T_FLOAT32
                  : !strcmp(ty, "int32")   ? T_INT32
                                           : T_OTHER;
        t->rank = atoi(next_tok(&s));
        for (d = 0; d < t->rank; ++d) t->dims[d] = atoi(next_tok(&s));
        t->nscale = atoi(next_tok(&s));
        t->scales = calloc((size_t)t->nscale + 1, sizeof(float));
        for (d = 0; d < t->nscale; ++d)
          t->scales[d] = (float)strtod(next_tok(&s), NULL);
        t->nzp = atoi(next_tok(&s));
        t->zps = calloc((size_t)t->nzp + 1, sizeof(int32_t));
        for (d = 0; d < t->nzp; ++d) t->zps[d] = atoi(next_tok(&s));
        (void)next_tok(&s); /* quantized dimension */
        data = next_tok(&s);
        t->bytes = elems(t) * (size_t)type_size(t->type);
        if (strcmp(data, "-")) {
          size_t n;
          t->data = read_file(data, &n);
        } else {
          t->data = calloc(t->bytes + 1, 1);
        }
        if (idx + 1 > nt) nt = idx + 1;
      } else if (!strcmp(kind, "op")) {
        op *o = &ops[nops++];
        int i;
        memset(o, 0, sizeof *o);
        snprintf(o->name, sizeof o->name, "%s", next_tok(&s));
        o->nin = atoi(next_tok(&s));
        for (i = 0; i < o->nin; ++i) o->in[i] = atoi(next_tok(&s));
        o->nout = atoi(next_tok(&s));
        for (i = 0; i < o->nout; ++i) o->out[i] = atoi(next_tok(&s));
        o->nopt = atoi(next_tok(&s));
        for (i = 0; i < o->nopt; ++i) {
          const char *key = next_tok(&s);
          const char *v = next_tok(&s);
          snprintf(o->key[i], sizeof o->key[i], "%s", key);
          if (!strcmp(key, "new_shape") || !strcmp(key, "squeeze_dims")) {
            int cnt = atoi(v), j;
            for (j = 0; j < cnt; ++j) (void)next_tok(&s);
          }
          snprintf(o->val[i], sizeof o->val[i], "%s", v);
        }
      } else if (!strcmp(kind, "input")) {
        int t;
        size_t n;
        void *p;
        (void)next_tok(&s);
        t = atoi(next_tok(&s));
        p = read_file(next_tok(&s), &n);
        if (!p || n != T[t].bytes) {
          printf("%s: bad input file\n", name);
          return 1;
        }
        free(T[t].data);
        T[t].data = p;
      } else if (!strcmp(kind, "output")) {
        (void)next_tok(&s);
        out_t[nouts] = atoi(next_tok(&s));
        snprintf(out_file[nouts], sizeof out_file[0], "%s", next_tok(&s));
        ++nouts;
      }
    }
  }
  (void)nt;
  for (k = 0; k < nops; ++k) {
    if (run_op(&ops[k], T) != 0) {
      printf("%s: %s not supported by the harness\n", name, ops[k].name);
      unsupported = 1;
    }
  }
  for (k = 0; k < nouts && !unsupported; ++k) {
    size_t n, i;
    unsigned char *want = read_file(out_file[k], &n);
    const unsigned char *got = T[out_t[k]].data;
    int shown = 0;
    size_t bad = 0;
    if (!want || n != T[out_t[k]].bytes) {
      printf("%s: output %d size mismatch\n", name, k);
      failed = 1;
      free(want);
      continue;
    }
    for (i = 0; i < n; ++i) {
      if (got[i] != want[i]) {
        ++bad;
        if (shown++ < 5)
          printf("%s: output %d byte %zu: got %d want %d\n", name, k, i,
                 (int)(signed char)got[i], (int)(signed char)want[i]);
      }
    }
    if (bad) {
      printf("%s: output %d: %zu of %zu bytes differ\n", name, k, bad, n);
      failed = 1;
    }
    free(want);
  }
  for (k = 0; k < 64; ++k) {
    free(T[k].data);
    free(T[k].scales);
    free(T[k].zps);
  }
  free(text);
  return failed || unsupported;
}

int main(int argc, char **argv) {
  char path[1024], name[128];
  int passed = 0, failed = 0, i;
  if (argc < 2) {
    fprintf(stderr, "usage: %s EXTRACT_DIR [case...]\n", argv[0]);
    return 2;
  }
  if (argc > 2) {
    for (i = 2; i < argc; ++i) {
      if (run_case(argv[1], argv[i]))
        ++failed;
      else
        ++passed;
    }
  } else {
    FILE *f;
    snprintf(path, sizeof path, "%s/cases.txt", argv[1]);
    f = fopen(path, "r");
    if (!f) {
      fprintf(stderr, "cannot open %s\n", path);
      return 2;
    }
    while (fscanf(f, "%127s", name) == 1) {
      if (run_case(argv[1], name))
        ++failed;
      else
        ++passed;
    }
    fclose(f);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
