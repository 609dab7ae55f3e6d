/* Lowering: each graph op becomes one kernel call with every parameter
 * computed here, once, as TFLite Micro's Prepare() would (quant.c); the
 * runner and the generated code only call kernels. The operator families
 * live in lower_conv.c, lower_elementwise.c and lower_layout.c. RESHAPE and
 * SQUEEZE become views (no step). What TFLite itself refuses is an error
 * (TMC_ERR_MODEL) naming the op, as is what tmc cannot compute
 * (TMC_ERR_UNSUPPORTED). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir/geometry.h"
#include "ir/op_table.h"
#include "lower.h"
#include "quant.h"

tmc_status tmc_lower_report(tmc_lowerer *l, tmc_status code, const tmc_op *op,
                            const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return tmc_fail(l->d, code, "op %d %s: %s", op->id, op->name, what);
}

void *tmc_lower_alloc(tmc_lowerer *l, size_t n, size_t size) {
  void *p = tmc_arena_array(l->a, n ? n : 1, size);
  if (p == NULL) tmc_fail(l->d, TMC_ERR_NOMEM, "out of memory lowering the graph");
  return p;
}

void *tmc_lower_table(tmc_lowerer *l, tmc_step *st, size_t n, size_t size) {
  void *p = tmc_lower_alloc(l, n, size);
  if (p && !tmc_step_add_array(st, p, (int32_t)n)) {
    tmc_fail(l->d, TMC_ERR_UNSUPPORTED, "a step needs more than %d tables (a limit of tmc's "
             "plan, TMC_STEP_ARRAYS)", TMC_STEP_ARRAYS);
    return NULL;
  }
  return p;
}

tmc_dims4 tmc_lower_dims4(const tmc_tensor *t) {
  int32_t v[4] = {1, 1, 1, 1};
  for (int32_t i = 0; i < t->rank && i < 4; i++) v[4 - t->rank + i] = t->dims[i];
  tmc_dims4 r = {v[0], v[1], v[2], v[3]};
  return r;
}

float tmc_lower_scale(const tmc_tensor *t) { return t->q.n ? t->q.scale[0] : 0.0f; }
int32_t tmc_lower_zp(const tmc_tensor *t) { return t->q.n ? t->q.zero_point[0] : 0; }

tmc_status tmc_lower_need_quant(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *t,
                                const char *role) {
  if (t->type != TMC_I8 && t->type != TMC_I16) return TMC_OK;
  const bool i8 = t->type == TMC_I8;
  if (t->q.n < 1)
    return tmc_lower_fail(l, op, "%s (tensor %d '%s') is %s without quantization", role,
                          t->id, t->name, i8 ? "int8" : "int16");
  if (!(t->q.scale[0] > 0.0f))
    return tmc_lower_fail(l, op, "%s (tensor %d '%s'): scale %g, expected > 0", role, t->id,
                          t->name, (double)t->q.scale[0]);
  const int32_t lo = i8 ? -128 : -32768, hi = i8 ? 127 : 32767;
  if (t->q.zero_point[0] < lo || t->q.zero_point[0] > hi)
    return tmc_lower_fail(l, op, "%s (tensor %d '%s'): zero point %d outside %s", role,
                          t->id, t->name, t->q.zero_point[0], i8 ? "int8" : "int16");
  return TMC_OK;
}

tmc_status tmc_lower_same_types(tmc_lowerer *l, const tmc_op *op) {
  const tmc_tensor *first = NULL;
  for (int k = 0; k < op->n_in + op->n_out; k++) {
    const bool is_out = k >= op->n_in;
    if (!is_out && tmc_op_param_input(op->kind, k)) continue;
    const tmc_tensor *t = is_out ? tmc_op_output(l->g, op, k - op->n_in)
                                 : tmc_op_input(l->g, op, k);
    if (t == NULL) continue;
    if (first == NULL) {
      first = t;
      continue;
    }
    if (t->type != first->type)
      return tmc_lower_unsupported(l, op, "%s %d (tensor %d '%s') is %s, tensor %d '%s' %s: "
                                   "tmc's kernels for this operator take one element type",
                                   is_out ? "output" : "input", is_out ? k - op->n_in : k,
                                   t->id, t->name, tmc_dtype_name(t->type), first->id,
                                   first->name, tmc_dtype_name(first->type));
  }
  return TMC_OK;
}

tmc_status tmc_lower_zero_zp(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *t,
                             const char *role) {
  if (t->type != TMC_I16 || tmc_lower_zp(t) == 0) return TMC_OK;
  return tmc_lower_fail(l, op, "%s (tensor %d '%s'): int16 zero point %d, TFLite's 16x8 "
                        "kernels need 0", role, t->id, t->name, tmc_lower_zp(t));
}

bool tmc_lower_same_quant(const tmc_tensor *a, const tmc_tensor *b) {
  return a->q.n >= 1 && b->q.n >= 1 && a->q.scale[0] == b->q.scale[0] &&
         a->q.zero_point[0] == b->q.zero_point[0];
}

tmc_status tmc_lower_act_range(tmc_lowerer *l, const tmc_op *op, tmc_act act,
                               const tmc_tensor *y, int32_t *lo, int32_t *hi) {
  if (act > TMC_FUSED_RELU6)
    return tmc_lower_unsupported(l, op, "fused activation %s is not supported",
                                 tmc_act_name(act));
  if (y->type == TMC_I16)
    tmc_activation_range_s16((int)act, tmc_lower_scale(y), tmc_lower_zp(y), lo, hi);
  else
    tmc_activation_range_s8((int)act, tmc_lower_scale(y), tmc_lower_zp(y), lo, hi);
  return TMC_OK;
}

const int32_t *tmc_lower_const_i32(tmc_lowerer *l, const tmc_tensor *t) {
  int32_t *v = tmc_lower_alloc(l, (size_t)t->elems, sizeof *v);
  if (v == NULL) return NULL;
  for (int64_t i = 0; i < t->elems; i++) v[i] = (int32_t)tmc_tensor_int(t, i);
  return v;
}

/* Inputs a kernel's parameters are read from at compile time (the PARAMS
 * column of ops.def: weights, axes, paddings, permutations, slice bounds):
 * they must be constants by now. */
static tmc_status params_constant(tmc_lowerer *l, const tmc_op *op) {
  if (tmc_op_desc_of(op->kind)->flags & TMC_OPF_DYN_PARAMS) return TMC_OK;
  for (int k = 0; k < op->n_in; k++) {
    if (!tmc_op_param_input(op->kind, k)) continue;
    const tmc_tensor *t = tmc_op_input(l->g, op, k);
    if (t == NULL && tmc_op_optional_input(op->kind, k)) continue;
    if (t == NULL || !t->is_const)
      return tmc_lower_unsupported(l, op, "input %d must be a constant (tensor %d '%s' is "
                                   "computed at run time)", k, t ? t->id : -1,
                                   t ? t->name : "");
  }
  return TMC_OK;
}

/* LOWER none: an op the folding pass evaluates, reached with inputs that
 * are not constants. */
tmc_status tmc_lower_none(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  (void)st;
  return tmc_lower_unsupported(l, op, "needs constant inputs to be evaluated at compile "
                               "time");
}

/* LOWER view (RESHAPE, SQUEEZE) of a constant: a constant reshaped into a
 * graph output is copied there (views of activations take no step). */
tmc_status tmc_lower_view(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  (void)l; /* same elements and type: the IR's checks (reshape, squeeze) */
  st->kernel = TMC_K_COPY;
  st->size = (int32_t)tmc_op_output(l->g, op, 0)->bytes;
  return TMC_OK;
}

/* One lowering function per LOWER token of ops.def (op_table.h). */
static const tmc_lower_fn lowerers[TMC_LOWER_COUNT] = {
#define LOWERER(t) [TMC_LOWER_##t] = tmc_lower_##t,
    TMC_OP_LOWERS(LOWERER)
#undef LOWERER
};

/* Whether a rescale shift is one the kernels' int32 arithmetic (TFLite's)
 * can apply: a left shift of at most 30, a right shift of at most 31. */
static bool shift_ok(int32_t v) { return v >= -31 && v <= 30; }

/* Every params field and table whose name holds "shift" (kernel_desc's
 * field lists) is in range: scales so far apart that TFLite's own
 * arithmetic would overflow (an effective multiplier of 2^31 or more) are
 * refused here instead of shifting out of range in a kernel. */
static tmc_status check_shifts(tmc_lowerer *l, const tmc_op *op, const tmc_step *st) {
  for (const tmc_field *f = tmc_kernel_desc_of(st->kernel)->fields; f->name; f++) {
    if (strstr(f->name, "shift") == NULL) continue;
    const char *at = (const char *)&st->p + f->offset;
    if (f->kind == TMC_FK_I32) {
      int32_t v;
      memcpy(&v, at, sizeof v);
      if (!shift_ok(v))
        return tmc_lower_fail(l, op, "the quantization scales give a rescale by 2^%d (%s), "
                              "beyond the int32 arithmetic of TFLite's kernels", v, f->name);
    } else if (f->kind == TMC_FK_I32P || f->kind == TMC_FK_I8P) {
      const void *t;
      memcpy(&t, at, sizeof t);
      int32_t n = t ? tmc_step_array_len(st, t) : 0;
      for (int32_t i = 0; i < n; i++) {
        const int32_t v = f->kind == TMC_FK_I32P ? ((const int32_t *)t)[i]
                                                 : ((const int8_t *)t)[i];
        if (!shift_ok(v))
          return tmc_lower_fail(l, op, "the quantization scales of channel %d give a rescale "
                                "by 2^%d (%s), beyond the int32 arithmetic of TFLite's "
                                "kernels", i, v, f->name);
      }
    }
  }
  return TMC_OK;
}

/* The kernels read weights as int8: the constant input they come from must
 * be INT8 (the IR's type rules skip constant parameter inputs; a UINT8 or
 * BOOL tensor of the same bytes would otherwise pass, and the generated C
 * would declare it unsigned). */
static tmc_status check_weights(tmc_lowerer *l, const tmc_op *op, const tmc_step *st) {
  if (st->weights == NULL) return TMC_OK;
  for (int k = 0; k < op->n_in; k++) {
    const tmc_tensor *t = tmc_op_input(l->g, op, k);
    if (t && t->data == (const uint8_t *)st->weights && t->type != TMC_I8)
      return tmc_lower_unsupported(l, op, "input %d (tensor %d '%s'): %s weights, tmc's "
                                   "kernels take INT8", k, t->id, t->name,
                                   tmc_dtype_name(t->type));
  }
  return TMC_OK;
}

static tmc_status lower_op(tmc_lowerer *l, const tmc_op *op, tmc_step *st) {
  TMC_TRY(params_constant(l, op));
  TMC_TRY(lowerers[tmc_op_desc_of(op->kind)->lower](l, op, st));
  TMC_TRY(check_weights(l, op, st));
  return check_shifts(l, op, st);
}

/* The kernel variants of a step that needs scratch (tmc_step_variants_make):
 * a DSP kernel's portable alternative is the op lowered again for the
 * generic target. */
static tmc_status lower_variants(tmc_lowerer *l, const tmc_op *op, const tmc_step *st,
                                 tmc_step_variants **out) {
  *out = NULL;
  if (st->scratch_bytes == 0) return TMC_OK;
  tmc_step port;
  const tmc_step *pp = NULL;
  if (tmc_target_dsp(l->target)) {
    tmc_lowerer g = *l;
    g.target = TMC_TARGET_GENERIC;
    memset(&port, 0, sizeof port);
    port.op = st->op;
    port.n_in = st->n_in;
    port.n_out = st->n_out;
    port.in = st->in;
    port.out = st->out;
    TMC_TRY(lower_op(&g, op, &port));
    pp = &port;
  }
  return tmc_step_variants_make(l->a, l->d, st, pp, out);
}

/* RESHAPE and SQUEEZE of an activation are views: no step, shared bytes. */
static bool is_view(const tmc_graph *g, const tmc_op *op) {
  if (tmc_op_desc_of(op->kind)->lower != TMC_LOWER_view) return false;
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  return !x->is_const;
}

static const char *const target_names[TMC_TARGET_COUNT] = {
    "generic", "cortex-m0", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"};

const char *tmc_target_name(tmc_target t) {
  return t >= 0 && t < TMC_TARGET_COUNT ? target_names[t] : "?";
}

bool tmc_target_parse(const char *name, tmc_target *t) {
  for (int i = 0; i < TMC_TARGET_COUNT; i++)
    if (strcmp(name, target_names[i]) == 0) {
      *t = (tmc_target)i;
      return true;
    }
  return false;
}

bool tmc_target_dsp(tmc_target t) {
  return t == TMC_TARGET_CORTEX_M4 || t == TMC_TARGET_CORTEX_M7 ||
         t == TMC_TARGET_CORTEX_M33 || t == TMC_TARGET_CORTEX_M55;
}

tmc_status tmc_plan_lower(const tmc_graph *g, tmc_target target, tmc_arena *a, tmc_plan *plan,
                          tmc_diag *d) {
  return tmc_plan_lower_plain(g, target, NULL, a, plan, d);
}

tmc_status tmc_plan_lower_plain(const tmc_graph *g, tmc_target target, const bool *plain_ops,
                                tmc_arena *a, tmc_plan *plan, tmc_diag *d) {
  tmc_lowerer l = {g, a, d, target, false};
  memset(plan, 0, sizeof *plan);
  plan->g = g;
  plan->target = target;
  plan->steps = tmc_lower_alloc(&l, (size_t)g->n_ops, sizeof *plan->steps);
  plan->alias_of = tmc_lower_alloc(&l, (size_t)g->n_tensors, sizeof *plan->alias_of);
  plan->variants = tmc_lower_alloc(&l, (size_t)g->n_ops, sizeof *plan->variants);
  if (plan->steps == NULL || plan->alias_of == NULL || plan->variants == NULL)
    return d->status;
  for (int32_t t = 0; t < g->n_tensors; t++) plan->alias_of[t] = t;
  for (int32_t i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op)) continue;
    if (is_view(g, op)) {
      /* Same elements and type: the IR's checks (reshape, squeeze). */
      const tmc_tensor *x = tmc_op_input(g, op, 0), *y = tmc_op_output(g, op, 0);
      plan->alias_of[y->id] = plan->alias_of[x->id];
      continue;
    }
    tmc_step *st = &plan->steps[plan->n_steps];
    memset(st, 0, sizeof *st);
    st->op = i;
    st->n_in = op->n_in;
    st->n_out = op->n_out;
    st->in = op->in;
    st->out = op->out;
    l.plain_op = plain_ops && plain_ops[i];
    TMC_TRY(lower_op(&l, op, st));
    TMC_TRY(lower_variants(&l, op, st, &plan->variants[plan->n_steps]));
    plan->n_steps++;
  }
  return TMC_OK;
}
