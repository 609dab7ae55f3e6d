/* Helpers of the pass tests (see pass_test_util.h). */
#include "pass_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "base/le.h"
#include "ir/build.h"
#include "ir/geometry.h"

void ps_init(ps_fx *f) {
  memset(f, 0, sizeof *f);
  tmc_arena_init(&f->arena);
  tmc_mb_init(&f->b, &f->arena, "passes");
  tmc_diag_init(&f->d, "passes");
}

void ps_free(ps_fx *f) { tmc_arena_free(&f->arena); }

tmc_tfl_options ps_opts(uint8_t type) {
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = type;
  o.decoded = true;
  return o;
}

int32_t ps_const_i64(tmc_mb *b, const char *name, const int32_t *shape, int32_t rank,
                     const int64_t *values) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= shape[i];
  uint8_t *data = tmc_arena_array(b->arena, (size_t)n + 1, 8);
  assert_non_null(data);
  for (int64_t i = 0; i < n; i++) tmc_le_put_u64(data + 8 * i, (uint64_t)values[i]);
  int32_t buf = tmc_mb_buffer(b, data, (size_t)n * 8);
  return tmc_mb_tensor(b, name, TMC_TFL_INT64, shape, rank, (uint32_t)buf);
}

int32_t ps_const_s8(tmc_mb *b, const char *name, const int32_t *shape, int32_t rank,
                    const int8_t *values) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= shape[i];
  int32_t buf = tmc_mb_buffer(b, values, (size_t)n);
  int32_t t = tmc_mb_tensor(b, name, TMC_TFL_INT8, shape, rank, (uint32_t)buf);
  float scale = 0.5f;
  int64_t zp = 0;
  tmc_mb_quant(b, t, 1, &scale, &zp, 0);
  return t;
}

int32_t ps_op(tmc_mb *b, int32_t code, const int32_t *in, int32_t n_in, int32_t out,
              const tmc_tfl_options *o) {
  return tmc_mb_op(b, code, 1, in, n_in, &out, 1, o);
}

void ps_build(ps_fx *f, const int32_t *in, int32_t n_in, const int32_t *out, int32_t n_out) {
  tmc_mb_io(&f->b, in, n_in, out, n_out);
  tmc_tfl_model *m = NULL;
  tmc_status s = tmc_mb_finish(&f->b, &m, &f->d);
  if (s == TMC_OK) s = tmc_graph_from_tflite(m, "passes", &f->arena, &f->g, &f->d);
  if (s != TMC_OK) fail_msg("model does not build: %s", f->d.msg);
}

void ps_expect_ints(const tmc_graph *g, int32_t t, const int64_t *want, int64_t n) {
  const tmc_tensor *x = &g->tensors[t];
  assert_true(x->is_const);
  assert_non_null(x->data);
  assert_int_equal(x->elems, n);
  for (int64_t i = 0; i < n; i++)
    if (tmc_tensor_int(x, i) != want[i])
      fail_msg("tensor %d '%s' element %lld: %lld, expected %lld", t, x->name, (long long)i,
               (long long)tmc_tensor_int(x, i), (long long)want[i]);
}
