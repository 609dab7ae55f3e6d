/* The trainer: the training plan (train_plan.c) in one arena on the host.
 * The forward is the host runner on the plan's forward (bit-exact with
 * `tmc run` on the exported model: the trained layers' portable kernels
 * read their weights and bias from the arena), with a hook making the
 * fused activations' masks; the loss, the backward and the update are the
 * runtime of kernels/train_rt.c, the same code the generated C runs. */
#include <stdlib.h>
#include <string.h>

#include "host/run.h"
#include "ir/geometry.h"
#include "train_plan.h"

struct tmc_trainer {
  tmc_train_model *m;
  tmc_train_cfg cfg;
  tmc_arena a; /* the plan */
  tmc_train_plan tp;
  uint8_t *block, *arena; /* arena: block aligned to 16 */
  const tmc_train_op_rt **mask_of; /* per op: its backward descriptor with a mask */
};

static tmc_status oom(tmc_diag *d) { return tmc_fail(d, TMC_ERR_NOMEM, "out of memory"); }

/* The trained values back into the model's buffers (the graph's constants
 * and the writer's bytes). */
static void sync(tmc_trainer *t) {
  const tmc_graph *g = &t->m->g;
  for (int32_t k = 0; k < t->tp.rt.n_layers; k++) {
    const tmc_train_layer_rt *L = &t->tp.rt.layers[k];
    const tmc_op *op = &g->ops[t->tp.set.layer[k].op];
    const tmc_tensor *w = tmc_op_input(g, op, 1), *b = tmc_op_input(g, op, 2);
    if (L->w_off >= 0) memcpy((uint8_t *)(uintptr_t)w->data, t->arena + L->w_off, (size_t)w->elems);
    if (L->b_off >= 0) {
      uint8_t *q = (uint8_t *)(uintptr_t)b->data;
      const int32_t *v = (const int32_t *)(const void *)(t->arena + L->b_off);
      for (int32_t o = 0; o < L->ch; o++)
        for (int k8 = 0; k8 < 4; k8++) q[4 * o + k8] = (uint8_t)((uint32_t)v[o] >> (8 * k8));
    }
  }
}

tmc_status tmc_trainer_new(tmc_train_model *m, const tmc_train_set *s, const tmc_train_cfg *c,
                           tmc_trainer **out, tmc_diag *d) {
  *out = NULL;
  tmc_trainer *t = calloc(1, sizeof *t);
  if (t == NULL) return oom(d);
  t->m = m;
  t->cfg = *c;
  tmc_arena_init(&t->a);
  *out = t;
  const tmc_graph *g = &m->g;
  if (s->n == 0) return tmc_fail(d, TMC_ERR_USAGE, "the trainable set is empty");
  TMC_TRY(tmc_train_plan_make(m, s, c, &t->a, &t->tp, d));
  const tmc_train_plan *tp = &t->tp;
  t->block = calloc((size_t)tp->fwd.mem.arena_bytes + 16, 1);
  t->mask_of = tmc_arena_array(&t->a, (size_t)g->n_ops, sizeof *t->mask_of);
  if (t->block == NULL || t->mask_of == NULL) return oom(d);
  t->arena = t->block + (16 - (uintptr_t)t->block % 16) % 16;
  for (int32_t k = 0; k < tp->rt.n_ops; k++)
    if (tp->rt.ops[k].mask_off >= 0) t->mask_of[tp->rt.ops[k].op] = &tp->rt.ops[k];
  /* the trainable values into the arena, the forward reading them there */
  for (int32_t k = 0; k < tp->rt.n_layers; k++) {
    const tmc_train_layer_rt *L = &tp->rt.layers[k];
    const tmc_op *op = &g->ops[s->layer[k].op];
    const tmc_tensor *w = tmc_op_input(g, op, 1), *b = tmc_op_input(g, op, 2);
    tmc_step *st = &t->tp.fwd.steps[tp->layer_step[k]];
    if (L->w_off >= 0) {
      memcpy(t->arena + L->w_off, w->data, (size_t)w->elems);
      st->weights = (const int8_t *)(t->arena + L->w_off);
    }
    if (L->b_off >= 0) {
      int32_t *v = (int32_t *)(void *)(t->arena + L->b_off);
      for (int32_t o = 0; o < L->ch; o++) v[o] = (int32_t)tmc_tensor_int(b, o);
      st->bias = v;
    }
  }
  tmc_train_rt_init(&tp->rt, t->arena, tp->seed);
  return TMC_OK;
}

void tmc_trainer_free(tmc_trainer *t) {
  if (t == NULL) return;
  tmc_arena_free(&t->a);
  free(t->block);
  free(t);
}

const tmc_train_memory *tmc_trainer_memory(const tmc_trainer *t) { return &t->tp.mem; }
const tmc_plan *tmc_trainer_plan(const tmc_trainer *t) { return &t->tp.fwd; }
const tmc_train_plan *tmc_trainer_train_plan(const tmc_trainer *t) { return &t->tp; }
uint8_t *tmc_trainer_arena(tmc_trainer *t) { return t->arena; }

const float *tmc_trainer_weight_grad(const tmc_trainer *t, int32_t k) {
  const tmc_train_layer_rt *L = &t->tp.rt.layers[k];
  return L->channels > 0 ? (const float *)(const void *)(t->arena + L->gw_off) : NULL;
}

const float *tmc_trainer_bias_grad(const tmc_trainer *t, int32_t k) {
  const tmc_train_layer_rt *L = &t->tp.rt.layers[k];
  return L->b_off >= 0 ? (const float *)(const void *)(t->arena + L->gb_off) : NULL;
}

const int8_t *tmc_trainer_tensor(const tmc_trainer *t, int32_t tensor) {
  return (const int8_t *)tmc_host_tensor(&t->tp.fwd, t->arena, tensor);
}

int8_t *tmc_trainer_input(tmc_trainer *t) {
  return (int8_t *)tmc_host_tensor(&t->tp.fwd, t->arena, t->m->input);
}

static void make_masks(void *ctx, const tmc_plan *plan, int32_t s, uint8_t *arena) {
  const tmc_trainer *t = ctx;
  const tmc_train_op_rt *op = t->mask_of[plan->steps[s].op];
  if (op) tmc_train_rt_mask(op, arena);
}

int32_t tmc_trainer_predict(tmc_trainer *t) {
  tmc_host_invoke(&t->tp.fwd, t->arena, NULL, NULL);
  const int8_t *q = tmc_trainer_tensor(t, t->m->logits);
  int32_t best = 0;
  for (int32_t k = 1; k < t->m->classes; k++)
    if (q[k] > q[best]) best = k;
  return best;
}

int32_t tmc_trainer_eval(tmc_trainer *t, int32_t label, float *loss) {
  tmc_host_invoke(&t->tp.fwd, t->arena, NULL, NULL);
  int32_t pred;
  *loss = tmc_train_rt_loss(&t->tp.rt, t->arena, label, &pred);
  return pred;
}

tmc_status tmc_trainer_flush(tmc_trainer *t, tmc_diag *d) {
  (void)d;
  if (tmc_train_rt_flush(&t->tp.rt, t->arena)) sync(t);
  return TMC_OK;
}

tmc_status tmc_trainer_step(tmc_trainer *t, int32_t label, float *loss, int32_t *pred,
                            tmc_diag *d) {
  (void)d;
  tmc_host_invoke(&t->tp.fwd, t->arena, make_masks, t);
  *loss = tmc_train_rt_step(&t->tp.rt, t->arena, label, pred);
  const int32_t pending = *(const int32_t *)(const void *)(t->arena + t->tp.rt.state_off + 4);
  if (t->tp.rt.batch == 1 || pending == 0) sync(t);
  return TMC_OK;
}
