/* The code generator: a placed plan becomes self-contained C11 — NAME.h
 * (the API), NAME.c (straight-line invoke with every constant resolved),
 * NAME_weights.c (const weights, in flash), the kernel sources the model
 * uses (copied from tmc's own kernel library as NAME_conv2d.c, ...,
 * NAME_kernels.h, ...), a CMakeLists.txt (static library NAME) and, on
 * request, NAME_main.c and a Makefile for a host program. Every file and
 * every external symbol and macro carries the model's name (the kernels'
 * tmc_* / TMC_* identifiers become NAME_tmc_* / UPPER_TMC_*), so several
 * models link into one program. Files are built in memory and written only
 * when all succeeded (tmc_write_files). */
#ifndef TMC_EMIT_EMIT_H
#define TMC_EMIT_EMIT_H

#include <stdbool.h>

#include "base/status.h"
#include "plan/detect.h"
#include "kernels/train_rt.h"
#include "plan/plan.h"

/* The stack NAME_invoke (and NAME_detect) needs, measured by the caller on
 * the generated code (tmc compile --measure-code). */
typedef struct tmc_emit_stack {
  long long invoke_bytes; /* deepest call chain from NAME_invoke */
  long long detect_bytes; /* from NAME_detect (-1 without --detect) */
  const char *how;        /* compiler, flags, levels, the chain: lines of ASCII */
} tmc_emit_stack;

/* tmc compile --train: the training step of a training plan (src/train),
 * run by the kernels' runtime (kernels/train_rt.h) from these descriptors,
 * printed as constants. The plan's arena holds the training buffers; the
 * trained layers' kernels read their weights and bias from it. */
typedef struct tmc_emit_train {
  const tmc_train_rt *rt;
  const int64_t *sram_off; /* per tensor: the arena offset of a trained constant, -1 */
  const int32_t *w_tensor; /* per layer of rt: the weights tensor, the bias */
  const int32_t *b_tensor; /* tensor (-1: not trained), copied by NAME_train_init */
  int32_t input;           /* the int8 input tensor NAME_train_step fills */
  uint32_t seed;           /* the rounding generator's first state */
} tmc_emit_train;

typedef struct tmc_emit_options {
  const char *name; /* C identifier prefixing every symbol ("model") */
  bool profile;     /* call NAME_profile() around each layer; NAME_layers[] */
  bool main;        /* also NAME_main.c and a Makefile building NAME_run */
  const tmc_detect_config *detect; /* add NAME_detect() for these heads */
  const tmc_emit_stack *stack;     /* measured stack; NULL: the static bound */
  const tmc_emit_train *train;     /* NAME_train_init, _step, _flush, NAME_export */
} tmc_emit_options;

typedef struct tmc_emit_file {
  char *name; /* file name inside the output folder */
  char *data;
  size_t size;
} tmc_emit_file;

typedef struct tmc_emit_result {
  int n_files;
  tmc_emit_file files[64];
  size_t weights_bytes;   /* const data emitted (weights, biases, tables) */
  size_t params_bytes;    /* per-layer constants (multipliers, shifts, ...) */
  long long stack_bytes;  /* NAME_STACK_BYTES */
  long long detect_stack_bytes; /* NAME_DETECT_STACK_BYTES, -1 without --detect */
} tmc_emit_result;

/* The static stack bound of NAME_invoke on a 32-bit Arm Cortex-M when it is
 * not measured (see header.c for how it was obtained): TMC_EMIT_STACK_BASE,
 * plus TMC_EMIT_STACK_PATCH and TMC_EMIT_STACK_PATCH_STEP per step of a patch
 * stage; NAME_detect's is TMC_EMIT_DETECT_STACK_BASE + 16 bytes per
 * candidate (TMC_DETECT_MAX_CANDIDATES, kernels/detect.h). */
#define TMC_EMIT_STACK_BASE 1280
#define TMC_EMIT_STACK_PATCH 256
#define TMC_EMIT_STACK_PATCH_STEP 32
#define TMC_EMIT_DETECT_STACK_BASE 1024
/* Stack allowed to each call of a C library function (memcpy, memset,
 * expf, ...), whose frames a call graph of the generated code cannot show. */
#define TMC_EMIT_LIBC_STACK 64
long long tmc_emit_static_stack(const tmc_plan *plan);
long long tmc_emit_static_detect_stack(void);

/* Generates every file in memory. */
tmc_status tmc_emit(const tmc_plan *plan, const tmc_emit_options *opts,
                    tmc_emit_result *out, tmc_diag *d);

/* Writes the files into dir (created if missing) with tmc_write_files: all
 * of them or, on failure, none. */
tmc_status tmc_emit_write(const tmc_emit_result *r, const char *dir, tmc_diag *d);

void tmc_emit_free(tmc_emit_result *r);

/* Whether s is a valid C identifier tmc accepts as --name: at most 40
 * characters, and not "tmc" or beginning with "tmc_" in any case (those
 * prefixes are the kernels', renamed to NAME_tmc_* in the output). */
bool tmc_emit_valid_name(const char *s);

#endif
