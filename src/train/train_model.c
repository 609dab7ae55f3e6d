/* A model prepared for training: the classifier head found (and replaced
 * for --classes N), every weight and bias buffer copied into writable
 * memory (the graph's constants and the writer's buffers both point to the
 * copies, so the updates reach the forward and the exported file), the
 * --io int8 pass and the front end's other passes run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/limits.h"
#include "ir/build.h"
#include "passes/passes.h"
#include "reader/tflite_write.h"
#include "train.h"

#define MAX_CHAIN 64 /* ops walked back from the output to the head */

static bool is_param_op(tmc_op_kind k) {
  return k == TMC_OP_FULLY_CONNECTED || k == TMC_OP_CONV_2D || k == TMC_OP_DEPTHWISE_CONV_2D;
}

/* The head: walking back from the single graph output over DEQUANTIZE,
 * SOFTMAX, LOG_SOFTMAX, QUANTIZE, RESHAPE and SQUEEZE to a
 * FULLY_CONNECTED. chain[] gets the ops walked (output side first). */
static tmc_status find_head(const tmc_graph *g, int32_t *head, int32_t *chain,
                            int32_t *n_chain, tmc_diag *d) {
  if (g->n_outputs != 1)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "%d graph outputs: training needs one, the "
                    "classifier's", g->n_outputs);
  int32_t t = g->outputs[0];
  *n_chain = 0;
  for (int32_t steps = 0; steps <= g->n_ops; steps++) {
    const tmc_tensor *x = &g->tensors[t];
    if (x->producer < 0)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "no classifier head: tensor %d '%s' on the way "
                      "back from the output has no producer", x->id, x->name);
    const tmc_op *op = &g->ops[x->producer];
    if (op->kind == TMC_OP_FULLY_CONNECTED) {
      *head = x->producer;
      return TMC_OK;
    }
    if (op->kind != TMC_OP_DEQUANTIZE && op->kind != TMC_OP_SOFTMAX &&
        op->kind != TMC_OP_LOG_SOFTMAX && op->kind != TMC_OP_QUANTIZE &&
        op->kind != TMC_OP_RESHAPE && op->kind != TMC_OP_SQUEEZE)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "no classifier head: the output comes from op %d "
                      "%s, expected a FULLY_CONNECTED (possibly followed by DEQUANTIZE, "
                      "SOFTMAX, LOG_SOFTMAX, QUANTIZE, RESHAPE, SQUEEZE)", op->id, op->name);
    if (op->kind == TMC_OP_RESHAPE && op->n_in > 1 && op->in[1] >= 0)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--classes: op %d RESHAPE after the head has a "
                      "shape input (tensor %d); cannot give it the new class count",
                      op->id, op->in[1]);
    if (*n_chain < MAX_CHAIN) chain[(*n_chain)++] = x->producer;
    t = op->in[0];
  }
  return tmc_fail(d, TMC_ERR_MODEL, "no classifier head: the graph loops");
}

/* A fresh buffer for tensor t of subgraph 0 holding len bytes (appended to
 * the model's buffers). */
static tmc_status new_buffer(tmc_train_model *m, tmc_tfl_tensor *t, uint8_t *data, size_t len,
                             tmc_diag *d) {
  tmc_tfl_model *f = &m->tfl;
  tmc_tfl_buffer *b = tmc_arena_array(&m->arena, (size_t)f->n_buffers + 1, sizeof *b);
  uint8_t **own = realloc(m->owned, ((size_t)m->n_owned + 1) * sizeof *own);
  if (own) m->owned = own;
  if (b == NULL || own == NULL) {
    free(data);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  }
  m->owned = own;
  m->owned[m->n_owned++] = data;
  memcpy(b, f->buffers, (size_t)f->n_buffers * sizeof *b);
  b[f->n_buffers].data.data = data;
  b[f->n_buffers].data.size = len;
  t->buffer = (uint32_t)f->n_buffers;
  f->buffers = b;
  f->n_buffers++;
  return TMC_OK;
}

static tmc_status set_shape(tmc_train_model *m, tmc_tfl_tensor *t, int32_t last, tmc_diag *d) {
  tmc_ivec *vs[2] = {&t->shape, t->has_shape_signature ? &t->shape_signature : NULL};
  for (int k = 0; k < 2; k++) {
    if (vs[k] == NULL || vs[k]->n == 0) continue;
    int32_t *v = tmc_arena_array(&m->arena, (size_t)vs[k]->n, sizeof *v);
    if (v == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
    memcpy(v, vs[k]->v, (size_t)vs[k]->n * sizeof *v);
    v[vs[k]->n - 1] = last;
    vs[k]->v = v;
  }
  return TMC_OK;
}

static tmc_status set_quant(tmc_train_model *m, tmc_tfl_tensor *t, float scale, tmc_diag *d) {
  float *s = tmc_arena_alloc(&m->arena, sizeof *s);
  int64_t *z = tmc_arena_alloc(&m->arena, sizeof *z);
  if (s == NULL || z == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  *s = scale;
  *z = 0;
  memset(&t->quant, 0, sizeof t->quant);
  t->has_quant = true;
  t->quant.n_scale = t->quant.n_zero_point = 1;
  t->quant.scale = s;
  t->quant.zero_point = z;
  return TMC_OK;
}

/* --classes: the new head (see train.h). */
static tmc_status replace_head(tmc_train_model *m, const tmc_graph *g0, int32_t head,
                               const int32_t *chain, int32_t n_chain, int32_t classes,
                               uint32_t seed, tmc_diag *d) {
  const tmc_op *op = &g0->ops[head];
  const tmc_tensor *x = tmc_op_input(g0, op, 0), *w = tmc_op_input(g0, op, 1);
  const tmc_tensor *b = tmc_op_input(g0, op, 2), *y = tmc_op_output(g0, op, 0);
  if (b == NULL)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--classes: the head, op %d FULLY_CONNECTED, has "
                    "no bias tensor", op->id);
  if (x->type != TMC_I8 || x->q.n != 1 || y->type != TMC_I8 || w->rank != 2)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--classes: the head, op %d FULLY_CONNECTED, is "
                    "not int8 with per-tensor activations and 2-D weights", op->id);
  tmc_tfl_tensor *ts = m->tfl.subgraphs[0].tensors;
  const int32_t depth = w->dims[1];
  const float s_w = 2.0f / (127.0f * sqrtf((float)depth));
  const float s_x = x->q.scale[0];
  uint8_t *wd = malloc((size_t)classes * (size_t)depth);
  uint8_t *bd = calloc((size_t)classes, 4);
  if (wd == NULL || bd == NULL) {
    free(wd);
    free(bd);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  }
  uint32_t r = seed;
  for (size_t i = 0; i < (size_t)classes * (size_t)depth; i++) {
    r = r * 1103515245u + 12345u;
    wd[i] = (uint8_t)(int8_t)((int32_t)((r >> 16) % 33u) - 16);
  }
  tmc_status s = new_buffer(m, &ts[w->id], wd, (size_t)classes * (size_t)depth, d);
  if (s != TMC_OK) {
    free(bd);
    return s;
  }
  TMC_TRY(new_buffer(m, &ts[b->id], bd, (size_t)classes * 4, d));
  ts[w->id].shape.v = NULL; /* set below */
  int32_t *wshape = tmc_arena_array(&m->arena, 2, sizeof *wshape);
  if (wshape == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  wshape[0] = classes;
  wshape[1] = depth;
  ts[w->id].shape.n = 2;
  ts[w->id].shape.v = wshape;
  ts[w->id].has_shape_signature = false;
  TMC_TRY(set_quant(m, &ts[w->id], s_w, d));
  TMC_TRY(set_shape(m, &ts[b->id], classes, d));
  TMC_TRY(set_quant(m, &ts[b->id], s_x * s_w, d));
  TMC_TRY(set_shape(m, &ts[y->id], classes, d));
  TMC_TRY(set_quant(m, &ts[y->id], 32.0f / 255.0f, d));
  for (int32_t k = 0; k < n_chain; k++)
    TMC_TRY(set_shape(m, &ts[g0->ops[chain[k]].out[0]], classes, d));
  return TMC_OK;
}

/* Writable copies of every weight and bias buffer of the trainable kinds. */
static tmc_status own_weights(tmc_train_model *m, const tmc_graph *g0, tmc_diag *d) {
  tmc_tfl_model *f = &m->tfl;
  bool *done = calloc((size_t)f->n_buffers + 1, sizeof *done);
  if (done == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  for (int32_t i = 0; i < m->n_owned; i++) /* the new head's */
    for (int32_t k = 0; k < f->n_buffers; k++)
      if (f->buffers[k].data.data == m->owned[i]) done[k] = true;
  tmc_status s = TMC_OK;
  for (int32_t i = 0; s == TMC_OK && i < g0->n_ops; i++) {
    const tmc_op *op = &g0->ops[i];
    if (!is_param_op(op->kind)) continue;
    for (int k = 1; k <= 2 && k < op->n_in; k++) {
      if (op->in[k] < 0) continue;
      const tmc_tfl_tensor *t = &f->subgraphs[0].tensors[op->in[k]];
      if (t->buffer == 0 || t->buffer >= (uint32_t)f->n_buffers || done[t->buffer]) continue;
      tmc_bytes *bb = &f->buffers[t->buffer].data;
      if (bb->size == 0) continue;
      uint8_t *copy = malloc(bb->size);
      uint8_t **own = realloc(m->owned, ((size_t)m->n_owned + 1) * sizeof *own);
      if (own) m->owned = own;
      if (copy == NULL || own == NULL) {
        free(copy);
        s = tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
        break;
      }
      memcpy(copy, bb->data, bb->size);
      m->owned[m->n_owned++] = copy;
      bb->data = copy;
      done[t->buffer] = true;
    }
  }
  free(done);
  return s;
}

tmc_status tmc_train_model_load(const char *path, int32_t classes, uint32_t seed,
                                tmc_train_model *m, tmc_diag *d) {
  memset(m, 0, sizeof *m);
  tmc_arena_init(&m->arena);
  const char *name = tmc_path_base(path);
  d->subject = name;
  TMC_TRY(tmc_file_read(path, TMC_MAX_MODEL_BYTES, &m->bytes, &m->len, d));
  TMC_TRY(tmc_tfl_read(m->bytes, m->len, &m->arena, &m->tfl, d));
  tmc_graph g0;
  TMC_TRY(tmc_graph_from_tflite(&m->tfl, name, &m->arena, &g0, d));
  int32_t head = -1, chain[MAX_CHAIN], n_chain = 0;
  TMC_TRY(find_head(&g0, &head, chain, &n_chain, d));
  if (classes > 0) TMC_TRY(replace_head(m, &g0, head, chain, n_chain, classes, seed, d));
  TMC_TRY(own_weights(m, &g0, d));
  tmc_graph *g = &m->g;
  TMC_TRY(tmc_graph_from_tflite(&m->tfl, name, &m->arena, g, d));
  TMC_TRY(tmc_pass_io_int8(g, d));
  TMC_TRY(tmc_pass_fold_constants(g, &m->arena, d));
  TMC_TRY(tmc_pass_fold_pad(g, d));
  TMC_TRY(tmc_graph_check_supported(g, d));
  if (g->n_inputs != 1)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "%d graph inputs: training needs one, the image",
                    g->n_inputs);
  m->head_op = head;
  m->input = g->inputs[0];
  const tmc_tensor *y = tmc_op_output(g, &g->ops[head], 0);
  const tmc_tensor *in = &g->tensors[m->input];
  if (y->type != TMC_I8 || y->q.n != 1)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "the head's output (tensor %d '%s') is not int8 "
                    "with one scale", y->id, y->name);
  if (in->type != TMC_I8 || in->q.n != 1 || in->rank != 4 || in->dims[0] != 1)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "the input (tensor %d '%s') is not an int8 "
                    "[1,H,W,C] image with one scale", in->id, in->name);
  m->logits = y->id;
  m->classes = y->dims[y->rank - 1];
  return TMC_OK;
}

void tmc_train_model_free(tmc_train_model *m) {
  for (int32_t i = 0; i < m->n_owned; i++) free(m->owned[i]);
  free(m->owned);
  tmc_arena_free(&m->arena);
  free(m->bytes);
  memset(m, 0, sizeof *m);
}

tmc_status tmc_train_model_write(const tmc_train_model *m, uint8_t **out, size_t *len,
                                 tmc_diag *d) {
  return tmc_tfl_write(&m->tfl, out, len, d);
}
