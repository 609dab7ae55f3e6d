/* Const arrays of the generated code: weights in NAME_weights.c, per-layer
 * tables in NAME.c. */
#include "emitter.h"

#include <stdio.h>

#include "base/le.h"
#include "plan/kernel_desc.h"
#include "plan/patch.h"

/* ---- const arrays ------------------------------------------------------- */

/* An array of n integers read by get(i), 16 per line. */
/* One element as "%s%lld," would print it (after "\n  " at a line's
 * start, else " "), without the format parsing: weights are most of the
 * generated text. */
static void put_element(tmc_buf *b, bool line_start, long long v) {
  char s[32];
  size_t k = sizeof s;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  s[--k] = ',';
  do {
    s[--k] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  if (v < 0) s[--k] = '-';
  if (line_start) {
    s[--k] = ' ';
    s[--k] = ' ';
    s[--k] = '\n';
  } else {
    s[--k] = ' ';
  }
  tmc_buf_write(b, s + k, sizeof s - k);
}

void tmc_emit_int_array(emitter *e, tmc_buf *b, const char *type, const char *name, size_t n,
                      long long (*get)(const void *, size_t), const void *src,
                      bool is_static) {
  tmc_buf_printf(b, "%s%s_WEIGHTS_ATTR const %s %s[%zu] = {", is_static ? "static " : "",
                 e->up, type, name, n ? n : 1);
  for (size_t i = 0; i < n; i++) put_element(b, i % 16 == 0, get(src, i));
  if (n == 0) tmc_buf_printf(b, "0");
  tmc_buf_printf(b, "\n};\n");
}

long long tmc_emit_get_i8(const void *p, size_t i) { return ((const int8_t *)p)[i]; }
static long long get_u8(const void *p, size_t i) { return ((const uint8_t *)p)[i]; }
long long tmc_emit_get_i16(const void *p, size_t i) { return ((const int16_t *)p)[i]; }
long long tmc_emit_get_i32(const void *p, size_t i) { return ((const int32_t *)p)[i]; }
static long long get_le16(const void *p, size_t i) {
  return tmc_le_i16((const uint8_t *)p + 2 * i);
}
static long long get_le32(const void *p, size_t i) {
  return tmc_le_i32((const uint8_t *)p + 4 * i);
}

/* A weights-file array with an extern declaration for NAME.c. */
void tmc_emit_weight_array(emitter *e, const char *type, const char *name, size_t n,
                         long long (*get)(const void *, size_t), const void *src,
                         size_t elem_bytes) {
  tmc_emit_int_array(e, &e->w, type, name, n, get, src, false);
  tmc_buf_printf(&e->decl, "extern const %s %s[%zu];\n", type, name, n ? n : 1);
  e->weights_bytes += n * elem_bytes;
}

void tmc_emit_i32_params(emitter *e, const char *name, const int32_t *v, size_t n) {
  tmc_emit_int_array(e, &e->arrays, "int32_t", name, n, tmc_emit_get_i32, v, true);
  e->params_bytes += n * 4;
}

void tmc_emit_i8_params(emitter *e, const char *name, const int8_t *v, size_t n) {
  tmc_emit_int_array(e, &e->arrays, "int8_t", name, n, tmc_emit_get_i8, v, true);
  e->params_bytes += n;
}

/* ---- tensors -------------------------------------------------------------- */

/* The C expression for tensor t: an arena address or a constant array. */
/* The array of a constant tensor, written to NAME_weights.c the first time a
 * kernel call refers to it (so only constants a kernel reads take flash). */
static void const_array(emitter *e, int32_t t) {
  if (e->const_done[t]) return;
  const tmc_tensor *x = &e->g->tensors[t];
  char name[96];
  e->const_done[t] = true;
  snprintf(name, sizeof name, "%s_t%d", e->n, t);
  if (x->type == TMC_I32)
    tmc_emit_weight_array(e, "int32_t", name, (size_t)x->elems, get_le32, x->data, 4);
  else if (x->type == TMC_I16) /* read through int16_t pointers: typed, aligned */
    tmc_emit_weight_array(e, "int16_t", name, (size_t)x->elems, get_le16, x->data, 2);
  else if (x->type == TMC_I8)
    tmc_emit_weight_array(e, "int8_t", name, (size_t)x->elems, tmc_emit_get_i8, x->data, 1);
  else
    tmc_emit_weight_array(e, "uint8_t", name, (size_t)x->bytes, get_u8, x->data, 1);
}

const char *tmc_emit_tensor_expr(emitter *e, int32_t t, char *buf, size_t n) {
  const tmc_tensor *x = &e->g->tensors[t];
  if (e->patching && e->plan->patch->local_off[t] >= 0) {
    snprintf(buf, n, "(L + %lld)", (long long)e->plan->patch->local_off[t]);
    return buf;
  }
  if (!x->is_const) {
    snprintf(buf, n, "(a + %lld)", (long long)e->plan->mem.offset[t]);
    return buf;
  }
  const_array(e, t);
  if (e->o->train && e->o->train->sram_off[t] >= 0) { /* trained: the arena's copy */
    snprintf(buf, n, "(const void *)(a + %lld)", (long long)e->o->train->sram_off[t]);
    return buf;
  }
  snprintf(buf, n, "%s_t%d", e->n, t);
  return buf;
}


const char *tmc_emit_const_name(emitter *e, int32_t t, char *buf, size_t n) {
  const_array(e, t);
  snprintf(buf, n, "%s_t%d", e->n, t);
  return buf;
}
