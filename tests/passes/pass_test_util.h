/* Helpers of the pass tests (tests/passes): small models built with tmc_mb,
 * turned into a graph (asserting it builds), and the pieces the tests read
 * back (integer constants, op lookup). */
#ifndef TMC_TESTS_PASSES_PASS_TEST_UTIL_H
#define TMC_TESTS_PASSES_PASS_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "fixtures/model_builder.h"
#include "ir/graph.h"

/* A model under construction and the graph built from it. */
typedef struct ps_fx {
  tmc_arena arena;
  tmc_mb b;
  tmc_graph g;
  tmc_diag d;
} ps_fx;

void ps_init(ps_fx *f);
void ps_free(ps_fx *f);

/* Options of builtin-options type `type`, all fields zero. */
tmc_tfl_options ps_opts(uint8_t type);

/* An INT64 constant without quantization. */
int32_t ps_const_i64(tmc_mb *b, const char *name, const int32_t *shape, int32_t rank,
                     const int64_t *values);
/* An INT8 constant with per-tensor quantization (scale 0.5, zero point 0). */
int32_t ps_const_s8(tmc_mb *b, const char *name, const int32_t *shape, int32_t rank,
                    const int8_t *values);
/* An op with n_in inputs and the one output tensor `out`; returns the op
 * index. */
int32_t ps_op(tmc_mb *b, int32_t code, const int32_t *in, int32_t n_in, int32_t out,
              const tmc_tfl_options *o);

/* Sets the graph's inputs and outputs and builds f->g; fails the test with
 * the message when the model does not build. */
void ps_build(ps_fx *f, const int32_t *in, int32_t n_in, const int32_t *out, int32_t n_out);

/* Checks that tensor t is a constant holding the n integers want. */
void ps_expect_ints(const tmc_graph *g, int32_t t, const int64_t *want, int64_t n);

#endif
