/* The execution plan: the graph lowered to a list of kernel calls with every
 * parameter resolved (multipliers, shifts, padding, broadcast strides), plus
 * where each activation lives in the one arena. The host runner executes it;
 * the code generator prints it. */
#ifndef TMC_PLAN_PLAN_H
#define TMC_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/graph.h"
#include "kernels/kernels.h"

typedef enum tmc_kernel {
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args) TMC_K_##e,
#include "kernels.def"
#undef TMC_KERNEL
  TMC_KERNEL_COUNT
} tmc_kernel;

const char *tmc_kernel_name(tmc_kernel k);

/* The params of kernels without any. */
typedef struct tmc_no_params {
  char unused;
} tmc_no_params;

/* A step's parameters: one member per kernel of kernels.def, of its params
 * type. Read and write them with TMC_PARAMS(st, type): a pointer to a union,
 * converted, points to each of its members (C11 6.7.2.1). */
typedef union tmc_kernel_params {
#define TMC_KERNEL(e, fn, file, T, FIELDS, data, flags, overlap, args) T k_##e;
#include "kernels.def"
#undef TMC_KERNEL
} tmc_kernel_params;

#define TMC_PARAMS(st, T) ((T *)(void *)&(st)->p)
#define TMC_CPARAMS(st, T) ((const T *)(const void *)&(st)->p)

/* The raster window of a TMC_KF_WINDOW step (kernel size, stride, dilation,
 * explicit padding per side), as the lowering computed it. */
typedef struct tmc_step_window {
  int32_t kh, kw, sh, sw, dh, dw;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
} tmc_step_window;

/* A table a params pointer field refers to, with its element count (the
 * code generator prints it as a const array). */
typedef struct tmc_step_array {
  const void *data;
  int32_t n;
} tmc_step_array;

#define TMC_STEP_ARRAYS 5

typedef struct tmc_step {
  int32_t op;           /* the graph op this step computes */
  tmc_kernel kernel;
  tmc_kernel_params p;
  /* Shapes the kernel takes (those it uses). */
  tmc_dims4 in_dims, filter_dims, out_dims;
  tmc_broadcast bcast;
  int32_t size;         /* element count (element-wise kernels, COPY bytes) */
  int32_t outer, depth; /* softmax rows / row length; FC batches / depth */
  int32_t units;        /* FC output depth */
  /* Constant operands (in the model or the compile arena); bias is NULL
   * when the kernel does not read it (fast paths fold it into requant). */
  const int8_t *weights;
  const int32_t *bias;
  /* Activation operands, as tensor ids (placed by the memory plan). */
  int32_t n_in, n_out;
  const int32_t *in, *out;
  size_t scratch_bytes; /* from the kernel's _scratch_bytes() query */
  tmc_step_window win;  /* TMC_KF_WINDOW kernels */
  int32_t n_arrays;     /* the tables the params point to */
  tmc_step_array arrays[TMC_STEP_ARRAYS];
} tmc_step;

/* A step's kernel variants (variants.c): kernels giving the same bytes
 * with less scratch and more instructions, fastest first (v[0] is what the
 * lowering picked). The memory planner takes per step the one giving the
 * smallest arena, then the fastest (under a limit: the fastest that fits)
 * and copies it into the step; arena[k] is the arena measured with v[k]
 * (the other steps as chosen then), -1 when not tried. */
#define TMC_STEP_VARIANTS 4

typedef struct tmc_step_variants {
  int32_t n, chosen;
  tmc_step v[TMC_STEP_VARIANTS];
  int64_t arena[TMC_STEP_VARIANTS];
  const char *why; /* the reason for the choice, for the report */
} tmc_step_variants;

/* Memory. Every activation (a group of a tensor and its views) and every
 * step's scratch is a block: bytes x lifetime in steps. Placement gives each
 * block an offset in the one arena. Two blocks live at the same step must
 * not share bytes, except an output written by a step over one of its dying
 * inputs where the kernel's loop order allows it (tmc_overlap_delta). */
typedef struct tmc_block {
  int32_t tensor;        /* group root tensor id, or -1 for scratch */
  int32_t step;          /* scratch: its step; tensors: -1; the patch stage's
                          * region: tensor and step both -1 */
  int32_t first, last;   /* steps during which it must hold its bytes */
  int64_t size;          /* bytes, rounded up to TMC_PLAN_ALIGN */
  int64_t offset;
} tmc_block;

#define TMC_PLAN_ALIGN 4 /* float32 tensors and int32 scratch need it */

typedef enum tmc_planner {
  TMC_PLANNER_BEST = 0,      /* overlaps and several orderings, best kept */
  TMC_PLANNER_FIRST_FIT = 1  /* TinyEngine's baseline: whole tensors, first fit */
} tmc_planner;

typedef struct tmc_mem {
  tmc_planner planner;
  int64_t arena_bytes;
  int32_t n_blocks;
  tmc_block *blocks;
  int32_t *block_of;     /* per tensor id: its group's block, or -1 */
  int64_t *offset;       /* per tensor id; -1 for constants and unused tensors */
  int64_t *scratch_off;  /* per step; -1 when it needs no scratch */
  /* Floors for this schedule: the most bytes that must be live at one step,
   * without any overlap and with every overlap rule applied. */
  int64_t bound_no_overlap, lower_bound;
  /* The activation-only floor: lower_bound's rule without any scratch and
   * with each step's most permissive overlap among its variants, so no
   * kernel choice can go below it. */
  int64_t act_floor;
  int32_t peak_step;     /* the step where the placed arena is fullest */
  int64_t patch_off;     /* offset of the patch stage's region, -1 without */
  /* The persistent region [0, persist_bytes): the variable tensors (state
   * kept from one invoke to the next, zeroed by a reset), the last
   * n_persist blocks, never shared with any other block; 0 without. */
  int64_t persist_bytes;
  int32_t n_persist;
} tmc_mem;

/* The byte a variable tensor is reset to (TFLite's ResetVariableTensor):
 * an int8 tensor's zero point, 0 for every other type. */
static inline int tmc_plan_reset_byte(const tmc_tensor *t) {
  return t->type == TMC_I8 && t->q.n > 0 ? (int)(uint8_t)(int8_t)t->q.zero_point[0] : 0;
}

typedef struct tmc_patch tmc_patch; /* patch.h */

/* The core the plan is for (--target): which kernel variants the lowering
 * may pick. GENERIC and CORTEX_M0 take the portable kernels; the cores
 * with the Arm DSP extension (M4, M7, M33, M55) also the kernels written
 * for its SIMD instructions (kernels/dsp.h), which give the same bytes on
 * any core (a portable form of each instruction) and are fast where the
 * compiler has the instructions (__ARM_FEATURE_DSP). */
typedef enum tmc_target {
  TMC_TARGET_GENERIC = 0,
  TMC_TARGET_CORTEX_M0,
  TMC_TARGET_CORTEX_M4,
  TMC_TARGET_CORTEX_M7,
  TMC_TARGET_CORTEX_M33,
  TMC_TARGET_CORTEX_M55,
  TMC_TARGET_COUNT
} tmc_target;

/* "generic", "cortex-m0", ...; tmc_target_parse: false for other names. */
const char *tmc_target_name(tmc_target t);
bool tmc_target_parse(const char *name, tmc_target *t);
/* Whether the target's kernels may use the DSP extension's SIMD. */
bool tmc_target_dsp(tmc_target t);

typedef struct tmc_plan {
  const tmc_graph *g;
  tmc_target target;
  int32_t n_steps;
  tmc_step *steps;
  int32_t *alias_of;     /* per tensor id: the tensor whose bytes it views, or itself */
  int32_t n_keep;        /* tensors kept alive to the end (e.g. detection heads) */
  const int32_t *keep;
  tmc_patch *patch;      /* the patch stage, or NULL (layer by layer) */
  tmc_step_variants **variants; /* per step, NULL when it has no other kernel */
  tmc_mem mem;
  /* Per step, tmc_overlap_delta(plan, s, 0, 0) when a caller planning the
   * memory many times (the patch search) cached it; NULL otherwise. */
  const int64_t *overlap00;
  /* Training (src/train/train_plan.c): n_extra blocks placed in the same
   * arena as the activations, over a time axis running past the last step
   * (n_times >= n_steps; 0: n_steps), each with tensor -1 and step
   * TMC_BLOCK_EXTRA; placement writes their offsets back into extra[].
   * keep_last, when not NULL, is keep[k]'s last time (else the last step). */
  int32_t n_extra;
  tmc_block *extra;
  const int32_t *keep_last;
  int32_t n_times;
} tmc_plan;

#define TMC_BLOCK_EXTRA (-2) /* tmc_block.step of a plan's extra block */

/* Lowers the graph (after passes) to kernel calls. Errors name the op:
 * what TFLite itself would refuse (quantization a kernel cannot take) and
 * what tmc does not support. */
tmc_status tmc_plan_lower(const tmc_graph *g, tmc_target target, tmc_arena *a, tmc_plan *plan,
                          tmc_diag *d);
/* The same, with the ops i where plain_ops[i] (NULL: none) lowered to the
 * portable kernel reading st->weights and st->bias as they are (no table
 * folded from them at compile time): training updates them in place. */
tmc_status tmc_plan_lower_plain(const tmc_graph *g, tmc_target target, const bool *plain_ops,
                                tmc_arena *a, tmc_plan *plan, tmc_diag *d);

/* Lays out the arena with the chosen planner; limit > 0 makes a plan larger
 * than limit bytes an error naming the peak step, its op and the tensors
 * live there. */
tmc_status tmc_plan_memory(tmc_plan *plan, tmc_planner planner, int64_t limit,
                           tmc_arena *a, tmc_diag *d);

/* tmc_plan_memory choosing each step's kernel variant first (variants.c):
 * the smallest arena, then the fastest kernels; with limit > 0 the fastest
 * that fit. Steps of the patch stage keep their fastest kernel. */
tmc_status tmc_plan_memory_variants(tmc_plan *plan, tmc_planner planner, int64_t limit,
                                    tmc_arena *a, tmc_diag *d);

/* The variants of a step that lowered to st (portable: the same op lowered
 * for the generic target when st is a DSP kernel, or NULL): filled into
 * *out (NULL when st has no other variant). */
tmc_status tmc_step_variants_make(tmc_arena *a, tmc_diag *d, const tmc_step *st,
                                  const tmc_step *portable, tmc_step_variants **out);

/* Step s of plan on its near variant with less scratch (the DSP
 * convolutions' pixel pairs for their triples) when it runs its fastest:
 * a patch stage's steps, whose scratch is a larger share of its small
 * buffers. */
void tmc_step_variant_lean(tmc_plan *plan, int32_t s);

/* "fast, int16 window rows in scratch", "direct, no scratch", ... */
const char *tmc_step_variant_name(const tmc_step *st);

/* Places blocks (no overlaps) at offsets; *arena_bytes gets the size. */
tmc_status tmc_place_blocks(tmc_block *blocks, int32_t n, tmc_planner planner, tmc_arena *a,
                            int64_t *arena_bytes, tmc_diag *d);

/* Minimum distance (bytes) by which step s's output out_k must start below
 * its input in_k when the two share bytes (o_in - o_out >= delta), from the
 * kernel's loop order; -1 when they may not share bytes at all. Only for an
 * input whose last use is step s. */
int64_t tmc_overlap_delta(const tmc_plan *plan, int32_t s, int in_k, int out_k);

/* Checks a placed plan: every block aligned and inside the arena, and no two
 * blocks live at the same step sharing a byte unless an overlap rule allows
 * it. Names the first conflict. */
tmc_status tmc_plan_validate(const tmc_plan *plan, tmc_diag *d);

typedef struct tmc_plan_options {
  bool io_int8;        /* drop the float QUANTIZE/DEQUANTIZE edges (tmc_pass_io_int8) */
  tmc_planner planner; /* TMC_PLANNER_BEST by default */
  tmc_target target;   /* TMC_TARGET_GENERIC by default */
  int64_t limit;       /* arena bytes allowed; 0 for no limit */
  int32_t n_keep;      /* activations to keep until the invoke returns */
  const int32_t *keep;
  /* Patch-based inference: 0 none, 1 auto, 2 forced at patch_op with a
   * patch_rows x patch_cols grid (tmc_patch_request in patch.h). */
  int patch_mode;
  int32_t patch_op, patch_rows, patch_cols;
  struct tmc_patch_report *patch_report; /* filled by auto when not NULL */
} tmc_plan_options;

/* Passes, the supported-op check, lowering and memory layout: everything
 * after reading. opts may be NULL for the defaults. */
tmc_status tmc_plan_build(tmc_graph *g, const tmc_plan_options *opts, tmc_arena *a,
                          tmc_plan *plan, tmc_diag *d);

#endif
