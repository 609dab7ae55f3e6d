/* Host runner: executes a plan, each step through its kernel descriptor. */
#include "run.h"

#include <string.h>

#include "plan/patch.h"

uint8_t *tmc_host_tensor(const tmc_plan *plan, uint8_t *arena, int32_t t) {
  if (t < 0 || t >= plan->g->n_tensors) return NULL;
  const tmc_tensor *x = &plan->g->tensors[t];
  if (x->is_const) return (uint8_t *)x->data;
  if (plan->mem.offset[t] < 0) return NULL;
  return arena + plan->mem.offset[t];
}

/* Where a step's operands are: the arena as planned, or, for a step of the
 * patch stage, the stage's local buffers (local != NULL). */
typedef struct exec {
  const tmc_plan *plan;
  uint8_t *arena;
  uint8_t *local; /* the patch stage's region, or NULL */
} exec;

static uint8_t *operand(const exec *x, int32_t t) {
  if (x->local && t >= 0 && x->plan->patch->local_off[t] >= 0)
    return x->local + x->plan->patch->local_off[t];
  return tmc_host_tensor(x->plan, x->arena, t);
}

/* One function per kernel, calling it with the arguments kernels.def lists
 * (the code generator prints the same call from the same list). Operands
 * are int8 views of the arena; A_IN/A_OUT pass them as void pointers, which
 * C converts to each kernel's pointer types. */
typedef struct operands {
  const int8_t *in[TMC_MAX_OP_IO];
  int8_t *out[TMC_MAX_OP_IO];
} operands;

#define A_P ((const void *)&st->p)
#define A_IN(k) ((const void *)o->in[k])
#define A_OUT(k) ((void *)o->out[k])
#define A_W(k) (st->weights)
#define A_B(k) (st->bias)
#define A_IN_DIMS (&st->in_dims)
#define A_FILTER_DIMS (&st->filter_dims)
#define A_OUT_DIMS (&st->out_dims)
#define A_BCAST (&st->bcast)
#define A_SIZE (st->size)
#define A_OUTER (st->outer)
#define A_DEPTH (st->depth)
#define A_UNITS (st->units)
#define A_SCRATCH (scratch)
#define A_INS (o->in)
#define A_OUTS (o->out)
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args)               \
  static void call_##e(const tmc_step *st, const operands *o, void *scratch) {      \
    (void)st, (void)o, (void)scratch;                                                \
    fn args;                                                                         \
  }
#include "plan/kernels.def"
#undef TMC_KERNEL

typedef void (*kernel_call)(const tmc_step *, const operands *, void *);
static const kernel_call calls[TMC_KERNEL_COUNT] = {
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args) call_##e,
#include "plan/kernels.def"
#undef TMC_KERNEL
};

/* skip: bytes into the buffers of inputs 0 and 1 (a patch's strided
 * operands), or NULL. */
static void run_step(const exec *x, const tmc_step *st, void *scratch, const int32_t *skip) {
  operands o; /* only the first n_in / n_out entries are set */
  for (int k = 0; k < st->n_in; k++)
    o.in[k] = (const int8_t *)operand(x, st->in[k]) + (skip && k < 2 ? skip[k] : 0);
  for (int k = 0; k < st->n_out; k++) o.out[k] = (int8_t *)operand(x, st->out[k]);
  calls[st->kernel](st, &o, scratch);
}

/* The patch stage: per patch, gather the input region, run the stage's
 * steps on local buffers with the patch's shapes and padding, scatter the
 * split tensor's region. */
static void run_patches(const tmc_plan *plan, uint8_t *arena) {
  const tmc_patch *pt = plan->patch;
  const tmc_graph *g = plan->g;
  const int32_t nt = g->n_tensors, ns = pt->split_step + 1, s0 = pt->start_step;
  exec x = {plan, arena, arena + plan->mem.patch_off};
  const tmc_tensor *in = &g->tensors[pt->input_tensor], *out = &g->tensors[pt->split_tensor];
  for (int32_t pi = 0; pi < pt->n_patches; pi++) {
    const tmc_region *reg = &pt->regions[(size_t)pi * nt];
    tmc_patch_gather(tmc_host_tensor(plan, arena, in->id), in, &reg[in->id],
                     x.local + pt->local_off[in->id]);
    for (int32_t s = s0; s < ns; s++) {
      tmc_step st;
      tmc_patch_step(plan, pi, s, &st);
      run_step(&x, &st, pt->scratch_off[s] >= 0 ? x.local + pt->scratch_off[s] : NULL,
               pt->strided[s] ? pt->geom[(size_t)pi * ns + s].skip : NULL);
    }
    tmc_patch_scatter(tmc_host_tensor(plan, arena, out->id), out, &reg[out->id],
                      x.local + pt->local_off[out->id]);
  }
}

void tmc_host_reset(const tmc_plan *plan, uint8_t *arena) {
  const tmc_graph *g = plan->g;
  for (int32_t t = 0; t < g->n_tensors; t++) {
    const tmc_tensor *x = &g->tensors[t];
    if (!x->is_variable || plan->mem.offset[t] < 0) continue;
    memset(arena + plan->mem.offset[t], tmc_plan_reset_byte(x), (size_t)x->bytes);
  }
}

void tmc_host_invoke(const tmc_plan *plan, uint8_t *arena, tmc_host_hook hook, void *ctx) {
  exec x = {plan, arena, NULL};
  for (int32_t s = 0; s < plan->n_steps; s++) {
    if (plan->patch && s == plan->patch->start_step) {
      run_patches(plan, arena);
      s = plan->patch->split_step;
      if (hook) hook(ctx, plan, s, arena);
      continue;
    }
    run_step(&x, &plan->steps[s],
             plan->mem.scratch_off[s] >= 0 ? arena + plan->mem.scratch_off[s] : NULL, NULL);
    if (hook) hook(ctx, plan, s, arena);
  }
}
