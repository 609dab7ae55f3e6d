/* Helpers of the memory-plan tests (tests/plan): small int8 graphs built
 * with tmc_mb, planned with tmc_plan_build, and run by the host runner in
 * arenas of exactly the size a layout needs (malloc'd, so ASan catches any
 * byte outside). */
#ifndef TMC_TESTS_PLAN_TEST_UTIL_H
#define TMC_TESTS_PLAN_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "fixtures/model_builder.h"
#include "host/run.h"
#include "ir/graph.h"
#include "plan/plan.h"

#define PT_MAX_IO 16 /* graph inputs/outputs the run helpers handle */

/* A graph and its plan built from an in-memory model. plan.g points at
 * graph: do not copy the struct after pt_plan. */
typedef struct pt_built {
  tmc_graph graph;
  tmc_plan plan;
  tmc_diag diag;
} pt_built;

/* Builds the graph of m (model_name for messages) and its plan with opts
 * (NULL: defaults), all from arena a. Returns the status; the message is in
 * out->diag.msg. */
tmc_status pt_plan(const tmc_tfl_model *m, const char *model_name,
                   const tmc_plan_options *opts, tmc_arena *a, pt_built *out);

/* ---- graph building (int8 activations) ---------------------------------- */

/* An op with one activation input and one output of new shape/quantization,
 * no constant inputs; options may be NULL. Returns the output tensor. */
int32_t pt_unary(tmc_mb *b, int32_t code, int32_t x, const char *name,
                 const int32_t *shape, int32_t rank, float scale, int32_t zp,
                 const tmc_tfl_options *o);

/* A binary op (ADD, SUB, MUL, MAXIMUM, MINIMUM) with activation fused. */
int32_t pt_binary(tmc_mb *b, int32_t code, int32_t x1, int32_t x2, const char *name,
                  const int32_t *shape, int32_t rank, float scale, int32_t zp,
                  int32_t act);

/* CONV_2D (depthwise false: out_c filters k x k over in_c) or
 * DEPTHWISE_CONV_2D (multiplier = out_c / in_c), random per-channel weights
 * and bias; x has shape {n, h, w, in_c} and scale in_scale. */
typedef struct pt_conv {
  int32_t n, h, w, in_c, out_c, k_h, k_w, stride, dilation, padding, act;
  bool depthwise;
  float in_scale, out_scale;
  int32_t out_zp;
} pt_conv;
int32_t pt_conv_op(tmc_mb *b, tmc_mb_rng *rng, int32_t x, const char *name,
                   const pt_conv *c);

/* A pooling op (AVERAGE_POOL_2D or MAX_POOL_2D) on x {n, h, w, c}; output
 * with x's quantization. */
int32_t pt_pool(tmc_mb *b, int32_t code, int32_t x, const char *name, const int32_t *xshape,
                int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                int32_t padding, float scale, int32_t zp);

/* Finishes b into a model; NULL (after printing the message) on failure. */
tmc_tfl_model *pt_finish(tmc_mb *b);

/* ---- layouts and runs ---------------------------------------------------- */

/* Saved offsets of a plan (tensor offsets and scratch offsets), to put a
 * plan's layout back after a test moved its buffers. */
typedef struct pt_layout {
  int64_t *offset;      /* per tensor */
  int64_t *scratch_off; /* per step */
  int64_t *block_off;   /* per block */
  int64_t arena_bytes;
} pt_layout;

void pt_layout_save(const tmc_plan *p, pt_layout *l);
void pt_layout_restore(tmc_plan *p, const pt_layout *l);
void pt_layout_free(pt_layout *l);

/* Lays every block out on its own (no two share a byte), in block order,
 * each at a multiple of TMC_PLAN_ALIGN; updates blocks, offsets, scratch
 * offsets and arena_bytes. Returns the arena size. */
int64_t pt_layout_separate(tmc_plan *p);

/* Sets block bi's offset, and the offsets of the tensors (or the scratch)
 * it holds. */
void pt_set_block(tmc_plan *p, int32_t bi, int64_t off);

/* Deterministic random bytes. */
void pt_fill_random(uint8_t *v, size_t n, uint32_t seed);

/* Random contents for tensor t: bytes for integer types, floats in [-6, 6)
 * for float32 (no NaN or infinity). */
void pt_fill_tensor(const tmc_tensor *t, uint8_t *v, uint32_t seed);

/* Runs the plan in a fresh malloc of exactly plan->mem.arena_bytes (filled
 * with garbage first), with each graph input k set to inputs[k]; copies
 * graph output k into outputs[k] (malloc'd, caller frees). */
void pt_run(const tmc_plan *p, uint8_t *const *inputs, uint8_t **outputs);

/* pt_run with the arena bytes [lo[i], hi[i]) made unaddressable (ASan
 * manual poisoning; a no-op without ASan) while the plan runs: gaps between
 * buffers, so a kernel reading or writing outside its tensors is caught. */
void pt_run_poisoned(const tmc_plan *p, uint8_t *const *inputs, uint8_t **outputs,
                     const int64_t *lo, const int64_t *hi, int n_poison);

/* Runs the plan as placed and again with every block separate; returns the
 * number of graph outputs whose bytes differ (0 when all are identical).
 * Random inputs from seed. */
int pt_check_against_separate(tmc_plan *p, uint32_t seed);

/* Block index of tensor t's group, or -1. */
int32_t pt_block_of(const tmc_plan *p, int32_t t);

/* Scratch bytes of the plan's steps, each rounded up to TMC_PLAN_ALIGN,
 * at step s (0 when none). */
int64_t pt_scratch(const tmc_plan *p, int32_t s);

int64_t pt_align(int64_t v);

#endif
