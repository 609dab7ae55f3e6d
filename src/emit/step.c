/* One step of NAME_invoke, printed from its kernel descriptor
 * (plan/kernel_desc.h): the tables its params point to (before the block),
 * the params as a static const struct with designated initialisers from
 * the kernel's field list, and the call with the arguments kernels.def
 * lists. In the patch stage the step is localised in C as tmc_patch_step
 * localises it on the host, from the patch's geometry row
 * G = {in h, in w, out h, out w, pad top, pad bottom, pad left, pad right}. */
#include "emitter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/heap.h"
#include "plan/kernel_desc.h"
#include "plan/patch.h"

static void print_i64(tmc_buf *b, int64_t v) {
  if (v == INT64_MIN)
    tmc_buf_printf(b, "(-%" PRId64 "LL - 1)", INT64_MAX);
  else
    tmc_buf_printf(b, "%" PRId64 "LL", v);
}

/* The initialiser of one field of the struct at base. Tables are named
 * NAME_op<op>_<field> (printed by print_tables). */
void tmc_emit_field_value(emitter *e, tmc_buf *b, const tmc_step *st, const tmc_field *f,
                          const void *base) {
  const char *at = (const char *)base + f->offset;
  switch (f->kind) {
    case TMC_FK_I32: {
      int32_t v;
      memcpy(&v, at, sizeof v);
      tmc_buf_printf(b, "%" PRId32, v);
      break;
    }
    case TMC_FK_I64: {
      int64_t v;
      memcpy(&v, at, sizeof v);
      print_i64(b, v);
      break;
    }
    case TMC_FK_F32: {
      float v;
      memcpy(&v, at, sizeof v);
      tmc_buf_printf(b, "%af", (double)v);
      break;
    }
    case TMC_FK_F64: {
      double v;
      memcpy(&v, at, sizeof v);
      tmc_buf_printf(b, "%a", v);
      break;
    }
    case TMC_FK_DIMS: {
      int32_t v[TMC_MAX_DIMS];
      memcpy(v, at, sizeof v);
      tmc_buf_printf(b, "{");
      for (int i = 0; i < TMC_MAX_DIMS; i++) tmc_buf_printf(b, i ? ", %d" : "%d", v[i]);
      tmc_buf_printf(b, "}");
      break;
    }
    case TMC_FK_I32P:
    case TMC_FK_I8P:
    case TMC_FK_I64P:
    case TMC_FK_I16P: {
      const void *p;
      memcpy(&p, at, sizeof p);
      if (p == NULL)
        tmc_buf_printf(b, "NULL");
      else
        tmc_buf_printf(b, "%s_op%d_%s", e->n, st->op, f->name);
      break;
    }
  }
}

/* "{.a = 1, .b = 2}" from a field list. */
static void print_struct(emitter *e, tmc_buf *b, const tmc_step *st, const tmc_field *fields,
                         const void *base) {
  tmc_buf_printf(b, "{");
  for (const tmc_field *f = fields; f->name; f++) {
    tmc_buf_printf(b, "%s.%s = ", f == fields ? "" : ", ", f->name);
    tmc_emit_field_value(e, b, st, f, base);
  }
  tmc_buf_printf(b, "}");
}

static long long get_i64(const void *p, size_t i) { return ((const int64_t *)p)[i]; }

/* The tables the params point to, as static const arrays of NAME.c (an
 * int64 table's values are the lowering's, never INT64_MIN: see the 16x8
 * conv bounds). */
static void print_tables(emitter *e, const tmc_step *st, const tmc_kernel_desc *kd) {
  for (const tmc_field *f = kd->fields; f->name; f++) {
    if (f->kind != TMC_FK_I32P && f->kind != TMC_FK_I64P && f->kind != TMC_FK_I16P &&
        f->kind != TMC_FK_I8P)
      continue;
    const void *p;
    memcpy(&p, (const char *)&st->p + f->offset, sizeof p);
    if (p == NULL) continue;
    int32_t n = tmc_step_array_len(st, p);
    char name[128];
    snprintf(name, sizeof name, "%s_op%d_%s", e->n, st->op, f->name);
    if (n < 0) {
      e->bug = "a params table the plan did not record";
      continue;
    }
    if (f->kind == TMC_FK_I32P) {
      tmc_emit_i32_params(e, name, p, (size_t)n);
    } else if (f->kind == TMC_FK_I64P || f->kind == TMC_FK_I16P) {
      const bool i64 = f->kind == TMC_FK_I64P;
      tmc_emit_int_array(e, &e->arrays, i64 ? "int64_t" : "int16_t", name, (size_t)n,
                         i64 ? get_i64 : tmc_emit_get_i16, p, true);
      e->params_bytes += (size_t)n * (i64 ? 8 : 2);
    } else
      tmc_emit_i8_params(e, name, p, (size_t)n);
  }
}

/* Channels of the step's output (the patch stage's tensors are NHWC). */
static int32_t channels(const emitter *e, const tmc_step *st) {
  return e->g->tensors[st->out[0]].dims[3];
}

static bool has_arg(const tmc_kernel_desc *kd, tmc_arg_kind kind) {
  for (const tmc_arg *a = kd->args; a->kind != TMC_ARG_END; a++)
    if (a->kind == kind) return true;
  return false;
}

/* The index of shape d among the file-scope shapes of NAME.c, printed to
 * e->arrays when new (equal shapes are one object: most steps read their
 * input in the shape the step before wrote its output); -1 when out of
 * memory (the arrays buffer then reports it). */
static int32_t shared_dims(emitter *e, const tmc_dims4 *d) {
  for (int32_t k = 0; k < e->n_dims; k++)
    if (e->dims[k].n == d->n && e->dims[k].h == d->h && e->dims[k].w == d->w &&
        e->dims[k].c == d->c)
      return k;
  if (e->n_dims == e->cap_dims) {
    int32_t cap = e->cap_dims ? 2 * e->cap_dims : 32;
    tmc_dims4 *nd = tmc_heap_realloc(e->dims, (size_t)cap * sizeof *nd);
    if (!nd) {
      e->arrays.failed = true; /* reported as out of memory, as a buffer's */
      return -1;
    }
    e->dims = nd;
    e->cap_dims = cap;
  }
  int32_t k = e->n_dims++;
  e->dims[k] = *d;
  tmc_buf_printf(&e->arrays, "static const tmc_dims4 %s_dims%d = ", e->n, k);
  print_struct(e, &e->arrays, NULL, tmc_dims4_fields, d);
  tmc_buf_printf(&e->arrays, ";\n");
  return k;
}

/* The declarations the call's arguments refer to: p (or its patch copy q),
 * in/f/out shapes, the broadcast b, the parts array. */
static void print_decls(emitter *e, tmc_buf *c, const tmc_step *st,
                        const tmc_kernel_desc *kd) {
  if (has_arg(kd, TMC_ARG_P)) {
    tmc_buf_printf(c, "    static const %s p = ", kd->params_type);
    print_struct(e, c, st, kd->fields, &st->p);
    tmc_buf_printf(c, ";\n");
    if (e->patching && (kd->flags & TMC_KF_WINDOW)) {
      static const char *const pads[] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
      tmc_buf_printf(c, "    %s q = p;\n", kd->params_type);
      for (int i = 0; i < 4; i++)
        if (tmc_kernel_field(st->kernel, pads[i]))
          tmc_buf_printf(c, "    q.%s = G[%d];\n", pads[i], 4 + i);
    }
  }
  const struct {
    tmc_arg_kind kind;
    const char *name;
    const tmc_dims4 *d;
  } dims[] = {{TMC_ARG_IN_DIMS, "in", &st->in_dims},
              {TMC_ARG_FILTER_DIMS, "f", &st->filter_dims},
              {TMC_ARG_OUT_DIMS, "out", &st->out_dims}};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
    snprintf(e->dims_ref[i], sizeof e->dims_ref[i], "&%s", dims[i].name);
    if (!has_arg(kd, dims[i].kind)) continue;
    if (e->patching && dims[i].kind != TMC_ARG_FILTER_DIMS) {
      int row = dims[i].kind == TMC_ARG_OUT_DIMS ? 2 : 0;
      tmc_buf_printf(c, "    const tmc_dims4 %s = {.n = 1, .h = G[%d], .w = G[%d], .c = %d};\n",
                     dims[i].name, row, row + 1, dims[i].d->c);
    } else {
      int32_t k = shared_dims(e, dims[i].d);
      if (k >= 0) snprintf(e->dims_ref[i], sizeof e->dims_ref[i], "&%s_dims%d", e->n, k);
    }
  }
  if (has_arg(kd, TMC_ARG_BCAST)) {
    if (e->patching && e->plan->patch->strided[st - e->plan->steps]) /* rows of regions */
      tmc_buf_printf(c, "    const tmc_broadcast b = {.rank = 2, .dims = {G[2], G[3] * %d}, "
                     ".stride1 = {G[10] * %d, 1}, .stride2 = {G[11] * %d, 1}};\n",
                     channels(e, st), channels(e, st), channels(e, st));
    else if (e->patching) /* equal shapes in the stage: one flat dimension */
      tmc_buf_printf(c, "    const tmc_broadcast b = {.rank = 1, .dims = {G[2] * G[3] * %d}, "
                     ".stride1 = {1}, .stride2 = {1}};\n", channels(e, st));
    else {
      tmc_buf_printf(c, "    static const tmc_broadcast b = ");
      print_struct(e, c, st, tmc_broadcast_fields, &st->bcast);
      tmc_buf_printf(c, ";\n");
    }
  }
  bool ins = has_arg(kd, TMC_ARG_INS);
  if (ins || has_arg(kd, TMC_ARG_OUTS)) {
    int n = ins ? st->n_in : st->n_out;
    tmc_buf_printf(c, "    %sint8_t *parts[%d];\n", ins ? "const " : "", n);
    for (int k = 0; k < n; k++) {
      char t[96];
      tmc_emit_tensor_expr(e, ins ? st->in[k] : st->out[k], t, sizeof t);
      tmc_buf_printf(c, "    parts[%d] = (%sint8_t *)%s;\n", k, ins ? "const " : "", t);
    }
  }
}

/* One argument of the call. */
static void print_arg(emitter *e, tmc_buf *c, int32_t s, const tmc_step *st,
                      const tmc_kernel_desc *kd, const tmc_arg *a) {
  char t[96];
  switch (a->kind) {
    case TMC_ARG_P:
      tmc_buf_printf(c, e->patching && (kd->flags & TMC_KF_WINDOW) ? "&q" : "&p");
      break;
    case TMC_ARG_IN:
      if (e->patching && e->plan->patch->strided[s] && a->k < 2)
        tmc_buf_printf(c, "(const void *)(%s + G[%d])",
                       tmc_emit_tensor_expr(e, st->in[a->k], t, sizeof t), 8 + a->k);
      else
        tmc_buf_printf(c, "(const void *)%s",
                       tmc_emit_tensor_expr(e, st->in[a->k], t, sizeof t));
      break;
    case TMC_ARG_OUT:
      tmc_buf_printf(c, "(void *)%s", tmc_emit_tensor_expr(e, st->out[a->k], t, sizeof t));
      break;
    case TMC_ARG_W:
      tmc_buf_printf(c, "%s", tmc_emit_tensor_expr(e, st->in[a->k], t, sizeof t));
      break;
    case TMC_ARG_B:
      tmc_buf_printf(c, "%s", st->bias && a->k < st->n_in && st->in[a->k] >= 0
                                  ? tmc_emit_tensor_expr(e, st->in[a->k], t, sizeof t)
                                  : "NULL");
      break;
    case TMC_ARG_IN_DIMS: tmc_buf_printf(c, "%s", e->dims_ref[0]); break;
    case TMC_ARG_FILTER_DIMS: tmc_buf_printf(c, "%s", e->dims_ref[1]); break;
    case TMC_ARG_OUT_DIMS: tmc_buf_printf(c, "%s", e->dims_ref[2]); break;
    case TMC_ARG_BCAST: tmc_buf_printf(c, "&b"); break;
    case TMC_ARG_SIZE:
      if (e->patching && (kd->flags & TMC_KF_ELEMENTWISE))
        tmc_buf_printf(c, "G[2] * G[3] * %d", channels(e, st));
      else
        tmc_buf_printf(c, "%d", st->size);
      break;
    case TMC_ARG_OUTER: tmc_buf_printf(c, "%d", st->outer); break;
    case TMC_ARG_DEPTH: tmc_buf_printf(c, "%d", st->depth); break;
    case TMC_ARG_UNITS: tmc_buf_printf(c, "%d", st->units); break;
    case TMC_ARG_SCRATCH:
      if (e->patching && e->plan->patch->scratch_off[s] >= 0)
        tmc_buf_printf(c, "(void *)(L + %lld)", (long long)e->plan->patch->scratch_off[s]);
      else if (!e->patching && e->plan->mem.scratch_off[s] >= 0)
        tmc_buf_printf(c, "(void *)(a + %lld)", (long long)e->plan->mem.scratch_off[s]);
      else
        tmc_buf_printf(c, "NULL");
      break;
    case TMC_ARG_INS:
    case TMC_ARG_OUTS: tmc_buf_printf(c, "parts"); break;
    case TMC_ARG_END: break;
  }
}

void tmc_emit_step(emitter *e, int32_t s) {
  const tmc_step *st = &e->plan->steps[s];
  const tmc_kernel_desc *kd = tmc_kernel_desc_of(st->kernel);
  const tmc_op *op = &e->g->ops[st->op];
  tmc_buf *c = &e->body;
  e->used[st->kernel] = true;
  print_tables(e, st, kd);

  tmc_buf_printf(c, "\n  /* op %d ", st->op);
  tmc_buf_comment(c, op->name, 60);
  tmc_buf_printf(c, " -> [");
  const tmc_tensor *y = &e->g->tensors[st->out[0]];
  for (int i = 0; i < y->rank; i++) tmc_buf_printf(c, i ? ",%d" : "%d", y->dims[i]);
  long long macs = (long long)tmc_op_macs(e->g, op);
  tmc_buf_printf(c, "]%s", macs ? "" : " */\n");
  if (macs) tmc_buf_printf(c, ", %lld MACs */\n", macs);
  if (e->o->profile && !e->patching) {
    tmc_buf_printf(c, "  %s_profile(%d, ", e->n, s);
    tmc_buf_cstring(c, op->name);
    tmc_buf_printf(c, ", %lluu, 0);\n", (unsigned long long)macs);
  }
  tmc_buf_printf(c, "  {\n");
  print_decls(e, c, st, kd);
  tmc_buf_printf(c, "    %s(", kd->function);
  for (const tmc_arg *a = kd->args; a->kind != TMC_ARG_END; a++) {
    if (a != kd->args) tmc_buf_printf(c, ", ");
    print_arg(e, c, s, st, kd, a);
  }
  tmc_buf_printf(c, ");\n  }\n");
  if (e->o->profile && !e->patching) {
    tmc_buf_printf(c, "  %s_profile(%d, ", e->n, s);
    tmc_buf_cstring(c, op->name);
    tmc_buf_printf(c, ", %lluu, 1);\n", (unsigned long long)macs);
  }
}
