/* --train: the training step in the generated C. The descriptors of the
 * training plan (kernels/train_rt.h) printed as constants, and:
 * - NAME_train_init(arena, bytes): the trainable weights and biases copied
 *   from flash into the arena, where the trained layers' kernels read them,
 *   and the runtime's state;
 * - NAME_train_step(arena, input, label): the forward (NAME_invoke, which
 *   also makes the fused activations' masks), then the loss, the backward
 *   and the update of kernels/train_rt.c, the code `tmc train` runs;
 * - NAME_train_flush(arena): a partial batch's update;
 * - NAME_export(arena, out, bytes): the trained values (per layer: int8
 *   weights, int32 biases little-endian), NAME_TRAIN_EXPORT_BYTES of them. */
#include <stdio.h>
#include <string.h>

#include "emitter.h"

void tmc_emit_train_after_step(emitter *e, int32_t s) {
  const tmc_train_rt *rt = e->o->train->rt;
  const int32_t op = e->plan->steps[s].op;
  for (int32_t k = 0; k < rt->n_ops; k++)
    if (rt->ops[k].op == op && rt->ops[k].mask_off >= 0)
      tmc_buf_printf(&e->body, "  tmc_train_rt_mask(&%s_train_ops[%d], a); /* the mask of "
                     "op %d's fused activation, for the backward */\n", e->n, k, op);
}

static void floats(emitter *e, tmc_buf *c, const char *name, const float *v, int32_t n) {
  tmc_buf_printf(c, "static const float %s[%d] = {", name, n > 0 ? n : 1);
  for (int32_t i = 0; i < n; i++)
    tmc_buf_printf(c, "%s%af,", i % 6 == 0 ? "\n  " : " ", (double)v[i]);
  if (n == 0) tmc_buf_printf(c, "0");
  tmc_buf_printf(c, "\n};\n");
  e->params_bytes += (size_t)(n > 0 ? n : 1) * sizeof(float);
}

static void dims(tmc_buf *c, const char *field, const tmc_dims4 *d) {
  tmc_buf_printf(c, "    .%s = {%d, %d, %d, %d},\n", field, d->n, d->h, d->w, d->c);
}

static void ints(tmc_buf *c, const char *field, const int32_t *v, int32_t n) {
  tmc_buf_printf(c, "    .%s = {", field);
  for (int32_t i = 0; i < n; i++) tmc_buf_printf(c, i ? ", %d" : "%d", v[i]);
  tmc_buf_printf(c, "},\n");
}

void tmc_emit_train_source(emitter *e, tmc_buf *c) {
  const tmc_emit_train *tr = e->o->train;
  const tmc_train_rt *rt = tr->rt;
  const char *n = e->n;
  char name[96], w[96];
  tmc_buf_printf(c, "\n/* ---- training (tmc compile --train) ---- */\n\n");
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    snprintf(name, sizeof name, "%s_train_ws%d", n, k);
    floats(e, c, name, L->w_scale, L->ch);
    if (L->b_scale) {
      snprintf(name, sizeof name, "%s_train_bs%d", n, k);
      floats(e, c, name, L->b_scale, L->ch);
    }
  }
  for (int32_t k = 0; k < rt->n_ops; k++) {
    const tmc_train_op_rt *o = &rt->ops[k];
    if (o->w_scale == NULL) continue;
    snprintf(name, sizeof name, "%s_train_ows%d", n, k);
    const tmc_op *op = &e->g->ops[o->op];
    const tmc_tensor *wt = tmc_op_input(e->g, op, 1);
    const int32_t ch = op->kind == TMC_OP_DEPTHWISE_CONV_2D ? wt->dims[3] : wt->dims[0];
    floats(e, c, name, o->w_scale, ch);
  }
  tmc_buf_printf(c, "\nstatic const tmc_train_layer_rt %s_train_layers[%d] = {\n", n,
                 rt->n_layers > 0 ? rt->n_layers : 1);
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    tmc_buf_printf(c, "  {%d, %d, %d, %d, %d, %d, %s_train_ws%d, ", L->ch, L->per, L->channels,
                   L->depthwise, L->w_off, L->b_off, n, k);
    if (L->b_scale)
      tmc_buf_printf(c, "%s_train_bs%d, ", n, k);
    else
      tmc_buf_printf(c, "NULL, ");
    tmc_buf_printf(c, "%d, %d, %d, %d, %d, %d, %d},\n", L->gw_off, L->gb_off, L->mw_off,
                   L->mb_off, L->fw_off, L->fb_off, L->rw_off);
  }
  tmc_buf_printf(c, "};\n\nstatic const tmc_train_op_rt %s_train_ops[%d] = {\n", n,
                 rt->n_ops > 0 ? rt->n_ops : 1);
  for (int32_t k = 0; k < rt->n_ops; k++) {
    const tmc_train_op_rt *o = &rt->ops[k];
    const tmc_op *op = &e->g->ops[o->op];
    tmc_buf_printf(c, "  { /* op %d ", o->op);
    tmc_buf_comment(c, op->name, 60);
    tmc_buf_printf(c, " */\n    .op = %d, .kind = %d, .layer = %d, .y_elems = %d, .gy_off = %d,\n"
                   "    .gx_off = {%d, %d}, .zero_off = {%d, %d}, .zero_elems = {%d, %d},\n"
                   "    .mask_off = %d, .y_off = %d, .mask_lo = %d, .mask_hi = %d,\n"
                   "    .x_off = %d, .x_elems = %d, .x_zp = %d, .x_scale = %af, .xf_off = %d,\n",
                   o->op, o->kind, o->layer, o->y_elems, o->gy_off, o->gx_off[0], o->gx_off[1],
                   o->zero_off[0], o->zero_off[1], o->zero_elems[0], o->zero_elems[1],
                   o->mask_off, o->y_off, o->mask_lo, o->mask_hi, o->x_off, o->x_elems,
                   o->x_zp, (double)o->x_scale, o->xf_off);
    if (o->w_scale) {
      tmc_emit_const_name(e, op->in[1], w, sizeof w);
      tmc_buf_printf(c, "    .w = %s, .w_arena_off = %d, .w_scale = %s_train_ows%d,\n", w,
                     o->w_arena_off, n, k);
    } else {
      tmc_buf_printf(c, "    .w = NULL, .w_arena_off = -1, .w_scale = NULL,\n");
    }
    dims(c, "in", &o->in);
    dims(c, "filter", &o->filter);
    dims(c, "out", &o->out);
    tmc_buf_printf(c, "    .win = {%d, %d, %d, %d, %d, %d},\n", o->win.sh, o->win.sw, o->win.dh,
                   o->win.dw, o->win.pad_top, o->win.pad_left);
    tmc_buf_printf(c, "    .mult = %d, .batches = %d, .depth = %d, .units = %d, .fh = %d, "
                   ".fw = %d, .rank = %d,\n", o->mult, o->batches, o->depth, o->units, o->fh,
                   o->fw, o->rank);
    ints(c, "dims", o->dims, TMC_MAX_DIMS);
    ints(c, "axes", o->axes, TMC_MAX_DIMS);
    tmc_buf_printf(c, "  },\n");
  }
  tmc_buf_printf(c, "};\n\nstatic const tmc_train_rt %s_train = {\n"
                 "  %d, %s_train_ops, %d, %s_train_layers,\n"
                 "  %d, %d, %d, %af, %d, %d,\n  %af, %af, %af, %d, %d, %d};\n", n, rt->n_ops, n,
                 rt->n_layers, n, rt->logits_off, rt->classes, rt->logits_zp,
                 (double)rt->logits_scale, rt->glogits_off, rt->batch, (double)rt->lr,
                 (double)rt->momentum, (double)rt->weight_decay, rt->qas, rt->stochastic,
                 rt->state_off);
  /* NAME_train_init */
  tmc_buf_printf(c, "\n%s_status %s_train_init(void *arena, size_t arena_bytes) {\n"
                 "  unsigned char *const a = (unsigned char *)arena;\n"
                 "  if (a == NULL) return %s_ERR_NULL_ARENA;\n"
                 "  if ((uintptr_t)a %% %s_ARENA_ALIGN != 0) return %s_ERR_ARENA_ALIGN;\n"
                 "  if (arena_bytes < %s_ARENA_BYTES) return %s_ERR_ARENA_SIZE;\n",
                 n, n, e->up, e->up, e->up, e->up, e->up);
  for (int32_t k = 0; k < rt->n_layers; k++) {
    const tmc_train_layer_rt *L = &rt->layers[k];
    if (L->w_off >= 0)
      tmc_buf_printf(c, "  memcpy(a + %d, %s, %lld); /* weights of layer %d */\n", L->w_off,
                     tmc_emit_const_name(e, tr->w_tensor[k], w, sizeof w),
                     (long long)L->ch * L->per, k);
    if (L->b_off >= 0)
      tmc_buf_printf(c, "  memcpy(a + %d, %s, %lld); /* bias of layer %d */\n", L->b_off,
                     tmc_emit_const_name(e, tr->b_tensor[k], w, sizeof w), 4LL * L->ch, k);
  }
  char in[96];
  tmc_emit_tensor_expr(e, tr->input, in, sizeof in);
  tmc_buf_printf(c, "  tmc_train_rt_init(&%s_train, a, %uu);\n  return %s_OK;\n}\n\n"
                 "float %s_train_step(void *arena, const int8_t *input, int32_t label) {\n"
                 "  unsigned char *const a = (unsigned char *)arena;\n"
                 "  memcpy(%s, input, %lld);\n"
                 "  (void)%s_invoke(arena, %s_ARENA_BYTES);\n"
                 "  return tmc_train_rt_step(&%s_train, a, label, NULL);\n}\n\n"
                 "int %s_train_flush(void *arena) {\n"
                 "  return tmc_train_rt_flush(&%s_train, (unsigned char *)arena);\n}\n\n"
                 "size_t %s_export(const void *arena, void *out, size_t out_bytes) {\n"
                 "  if (arena == NULL || out == NULL || out_bytes < %s_TRAIN_EXPORT_BYTES) "
                 "return 0;\n"
                 "  return (size_t)tmc_train_rt_export(&%s_train, (const unsigned char *)arena, "
                 "(unsigned char *)out, %s_TRAIN_EXPORT_BYTES);\n}\n",
                 n, tr->seed, e->up, n, in, (long long)e->g->tensors[tr->input].bytes, n, e->up,
                 n, n, n, n, e->up, n, e->up);
}

void tmc_emit_train_header(emitter *e, tmc_buf *h) {
  const char *n = e->n, *N = e->up;
  const int32_t bytes = tmc_train_rt_export(e->o->train->rt, NULL, NULL, 0);
  tmc_buf_printf(h, "\n/* Training (tmc compile --train). %s_ARENA_BYTES covers a training step:\n"
                 " * the forward, the saved tensors, the gradients, the trainable weights\n"
                 " * and the optimizer's state, in one arena (tmc plan --train).\n"
                 " * %s_train_init: copies the trainable weights and biases from flash\n"
                 " *   into the arena (%s_invoke reads them there) and resets the state;\n"
                 " * %s_train_step: one sample (the int8 input, %s_INPUT0_BYTES, and its\n"
                 " *   label): forward, loss, backward and, at the end of a batch, the\n"
                 " *   update; returns the loss (the arena must be %s_train_init's);\n"
                 " * %s_train_flush: the update of a partial batch (1 when there was one);\n"
                 " * %s_export: the trained values (per trained layer: its int8 weights,\n"
                 " *   then its int32 biases little-endian) into out; returns their size,\n"
                 " *   or 0 when out_bytes < %s_TRAIN_EXPORT_BYTES. */\n"
                 "#define %s_TRAIN_EXPORT_BYTES %d\n"
                 "%s_status %s_train_init(void *arena, size_t arena_bytes);\n"
                 "float %s_train_step(void *arena, const int8_t *input, int32_t label);\n"
                 "int %s_train_flush(void *arena);\n"
                 "size_t %s_export(const void *arena, void *out, size_t out_bytes);\n",
                 N, N, n, n, N, n, n, n, N, N, bytes, n, n, n, n, n);
}

void tmc_emit_train_main(emitter *e, tmc_buf *m) {
  const char *n = e->n, *N = e->up;
  tmc_buf_printf(m, "/* %s_main.c: generated by tmc (--main --train). Trains on a steps file\n"
                 " * (per step: the label as int32 little-endian, then %s_INPUT0_BYTES of\n"
                 " * int8 input; `tmc train --steps-out` writes one) and writes what\n"
                 " * %s_export gives: %s_run STEPS OUT [N] (the first N steps, default\n"
                 " * all). Prints the mean loss. */\n"
                 "#include <stdio.h>\n#include <stdlib.h>\n\n#include \"%s.h\"\n\n"
                 "static _Alignas(%s_ARENA_ALIGN) unsigned char arena[%s_ARENA_BYTES];\n"
                 "static int8_t input[%s_INPUT0_BYTES];\n"
                 "static unsigned char trained[%s_TRAIN_EXPORT_BYTES];\n\n"
                 "int main(int argc, char **argv) {\n"
                 "  if (argc != 3 && argc != 4) {\n"
                 "    fprintf(stderr, \"usage: %%s STEPS OUT [N]\\n\", argv[0]);\n"
                 "    return 2;\n  }\n"
                 "  const long limit = argc == 4 ? strtol(argv[3], NULL, 10) : -1;\n"
                 "  FILE *f = fopen(argv[1], \"rb\");\n"
                 "  if (f == NULL) {\n    perror(argv[1]);\n    return 1;\n  }\n"
                 "  %s_status s = %s_train_init(arena, sizeof arena);\n"
                 "  if (s != %s_OK) {\n    fprintf(stderr, \"%%s\\n\", %s_status_str(s));\n"
                 "    return 1;\n  }\n"
                 "  long steps = 0;\n  double sum = 0;\n  unsigned char le[4];\n"
                 "  while ((limit < 0 || steps < limit) && fread(le, 1, 4, f) == 4 &&\n"
                 "         fread(input, 1, sizeof input, f) == sizeof input) {\n"
                 "    const int32_t label = (int32_t)((uint32_t)le[0] | (uint32_t)le[1] << 8 |\n"
                 "                                    (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24);\n"
                 "    sum += %s_train_step(arena, input, label);\n    steps++;\n  }\n"
                 "  fclose(f);\n  %s_train_flush(arena);\n"
                 "  if (%s_export(arena, trained, sizeof trained) != sizeof trained) return 1;\n"
                 "  FILE *o = fopen(argv[2], \"wb\");\n"
                 "  if (o == NULL || fwrite(trained, 1, sizeof trained, o) != sizeof trained ||\n"
                 "      fclose(o) != 0) {\n    perror(argv[2]);\n    return 1;\n  }\n"
                 "  printf(\"%%ld steps, mean loss %%.6f\\n\", steps, steps ? sum / (double)steps : 0.0);\n"
                 "  return 0;\n}\n",
                 n, N, n, n, n, N, N, N, N, n, n, N, n, n, n, n);
}
