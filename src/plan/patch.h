/* Patch-based inference (MCUNetV2): the first steps of the plan, up to and
 * including a split step, run patch by patch over an R x C grid of the split
 * step's output, so their large activations never exist whole. Each patch's
 * receptive field is traced back through the stage (halo and the
 * whole-tensor layer's border padding included); kernels run on patch-local
 * buffers with per-patch explicit padding, so the arithmetic is exactly the
 * whole-tensor one. The stage's local buffers share one region of the arena,
 * reused by every patch. */
#ifndef TMC_PLAN_PATCH_H
#define TMC_PLAN_PATCH_H

#include "plan.h"

/* Rows [y0, y1) and columns [x0, x1) of a 4-D NHWC tensor (batch 1). */
typedef struct tmc_region {
  int32_t y0, y1, x0, x1;
} tmc_region;

/* One stage step in one patch: local shapes and padding for its kernel;
 * for a binary element-wise kernel (ADD, SUB, MUL, MAXIMUM, MINIMUM), an
 * input may hold a larger region than the output (a residual branch kept
 * per patch: the tensor another stage op reads over a wider window), read
 * from byte skip[k] of its local buffer with rows of in_w[k] pixels. */
typedef struct tmc_patch_geom {
  tmc_dims4 in_dims, out_dims;
  int32_t pad_top, pad_bottom, pad_left, pad_right; /* may be negative */
  int32_t skip[2], in_w[2];
} tmc_patch_geom;

struct tmc_patch {
  int32_t start_step;   /* the stage is steps start_step..split_step; the steps
                           before it run whole (e.g. a leading TRANSPOSE) */
  int32_t split_step;
  bool *strided;        /* per step up to split_step: a binary element-wise step
                           whose input regions differ from its output's */
  int32_t rows, cols, n_patches;
  int32_t input_tensor; /* the whole tensor the stage reads (a graph input, or
                           the output of the step before start_step) */
  int32_t split_tensor; /* the whole tensor the stage writes, patch by patch */
  tmc_region *regions;  /* [n_patches][n_tensors]: each stage tensor's region */
  tmc_patch_geom *geom; /* [n_patches][split_step + 1] (from start_step) */
  int64_t *local_off;   /* per tensor id: offset of its local buffer in the
                           stage region, -1 when it has none */
  int64_t *scratch_off; /* per stage step: its scratch in the stage region */
  int64_t region_bytes; /* the stage region (all local buffers and scratch) */
  int64_t layer_macs, patch_macs; /* MACs of the stage: whole tensors, patches */
};

/* "none", "auto" or "SPLIT:RxC" (SPLIT an op index of the model). */
typedef struct tmc_patch_request {
  enum { TMC_PATCH_NONE, TMC_PATCH_AUTO, TMC_PATCH_FORCE } mode;
  int32_t split_op, rows, cols;
} tmc_patch_request;

/* The most rows or columns of a patch grid. */
#define TMC_PATCH_MAX_GRID 64

/* Parses a --patch value: none, auto or SPLIT:RxC (decimal digits only;
 * SPLIT at most INT32_MAX, R and C 1 to TMC_PATCH_MAX_GRID). False when
 * malformed or out of range, with *why (when why is not NULL) saying which. */
bool tmc_patch_parse(const char *s, tmc_patch_request *r, const char **why);

/* Builds the patch stage for a split step and grid, or fails with the
 * reason (an op that cannot run patch by patch, a branch inside the stage,
 * a grid finer than the split tensor...). */
tmc_status tmc_patch_build(tmc_plan *plan, int32_t split_step, int32_t rows, int32_t cols,
                           tmc_arena *a, tmc_patch **out, tmc_diag *d);

/* What the stage checks need to know of every tensor, computed once per
 * plan (tmc_patch_build computes them itself; the search shares them). */
typedef struct tmc_patch_facts {
  int32_t *producer;    /* per tensor: the first step writing it (out[0]), or INT32_MAX */
  int32_t *last_reader; /* per tensor: the last step reading it, or -1 */
  bool *viewed;         /* per tensor: another tensor views its bytes */
  int32_t *slot;        /* per tensor: -1 (a build's scratch, restored after it) */
} tmc_patch_facts;

tmc_status tmc_patch_facts_init(const tmc_plan *plan, tmc_arena *a, tmc_patch_facts *f,
                                tmc_diag *d);

/* Step 1 of tmc_patch_build alone: can ops up to split step S run patch by
 * patch at all (the same reasons and messages)? *input gets the tensor the
 * stage reads. */
tmc_status tmc_patch_check(const tmc_plan *plan, const tmc_patch_facts *f, int32_t S,
                           int32_t *input, tmc_diag *d);

/* tmc_patch_check for S = 0, 1, 2, ... in turn, O(1) per step on average:
 * true when the stage up to S passes (then *input is its input). */
typedef struct tmc_patch_scan {
  bool dead;         /* a step so far fails a check that holds for every later split */
  int32_t input;     /* the tensor the stage reads from outside so far */
  int32_t flag_at;   /* the first step writing a graph output or a viewed tensor */
  int32_t last_read; /* the last reader of the outputs of steps before S */
  int32_t start;     /* the stage's first step (tmc_patch_stage_start) */
} tmc_patch_scan;

/* The first step of a stage ending at split step S: the steps before the
 * last one that cannot run patch by patch (a leading TRANSPOSE, a
 * reshape's view...) run whole, the stage starts after it. */
int32_t tmc_patch_stage_start(const tmc_plan *plan, int32_t S);

bool tmc_patch_scan_next(const tmc_plan *plan, const tmc_patch_facts *f, tmc_patch_scan *sc,
                         int32_t S, int32_t *input);

/* tmc_patch_build with shared facts; with measure, only what the search
 * compares is filled (region_bytes, the MACs, scratch_off): regions, geom
 * and local_off stay NULL and the patch must not be run or printed. */
tmc_status tmc_patch_build_with(tmc_plan *plan, const tmc_patch_facts *f, int32_t S, int32_t R,
                                int32_t C, bool measure, tmc_arena *a, tmc_patch **out,
                                tmc_diag *d);

/* Work arrays for tmc_patch_region_floor: per tensor, a region and the
 * largest bytes, valid when their marks equal the current ones. */
typedef struct tmc_patch_work {
  tmc_region *reg;
  int64_t *max_bytes;
  uint32_t *reg_mark, *max_mark;
  uint32_t patch_mark, grid_mark;
} tmc_patch_work;

/* A lower bound on the stage region tmc_patch_build would place for split
 * step S (stage from start) and an R x C grid, from the last `depth` steps of the stage; it
 * stops early once above stop_above. For a stage that passed
 * tmc_patch_check and a grid that fits the split tensor. */
int64_t tmc_patch_region_floor(const tmc_plan *plan, tmc_patch_work *w, int32_t start,
                               int32_t S, int32_t R, int32_t C, int32_t depth,
                               int64_t stop_above);

/* One configuration the search evaluated. */
typedef struct tmc_patch_option {
  int32_t split_op, rows, cols; /* split_op -1: layer by layer */
  int64_t arena_bytes;          /* planned (the chosen few) or estimated */
  int64_t region_bytes;         /* the patch stage's buffers */
  double extra_macs_pct;        /* recomputation: patch MACs over layer MACs - 1 */
  bool planned;                 /* arena_bytes is a real plan, not an estimate */
} tmc_patch_option;

#define TMC_PATCH_REPORT 6

typedef struct tmc_patch_report {
  int n;                                  /* options below, best first */
  tmc_patch_option best[TMC_PATCH_REPORT];
  tmc_patch_option layerwise;
  int evaluated;                          /* configurations tried */
  /* When no configuration is chosen: why, naming the operator that blocks
   * a stage through the layer-by-layer peak (or the best one's arena). */
  char why[400];
} tmc_patch_report;

/* --patch auto: tries every split step and grid (1x1 ... 8x8), estimates
 * each one's arena from the floors (the stage's buffers plus what is live
 * beside them, and the rest of the network), plans the most promising
 * exactly and keeps the smallest arena; ties go to the least recomputation.
 * With limit > 0, the least-recompute configuration that fits. Never picks
 * patches that do not lower the peak (plan->patch stays NULL then). Leaves
 * plan->patch set (or NULL) and the memory planned. */
tmc_status tmc_patch_search(tmc_plan *plan, tmc_planner planner, int64_t limit, tmc_arena *a,
                            tmc_patch_report *report, tmc_diag *d);

/* Copies a region of a whole NHWC tensor into a dense local buffer, and
 * back. */
/* Step s of the stage as it runs on patch pi: local shapes; for window
 * kernels the patch's padding (in st->win and in the params' pad fields),
 * for element-wise kernels the local element count in size and bcast. The
 * host runner executes it; the code generator prints the same
 * localisation in C from the patch's geometry table. */
void tmc_patch_step(const tmc_plan *plan, int32_t pi, int32_t s, tmc_step *st);

void tmc_patch_gather(const uint8_t *whole, const tmc_tensor *t, const tmc_region *r,
                      uint8_t *local);
void tmc_patch_scatter(uint8_t *whole, const tmc_tensor *t, const tmc_region *r,
                       const uint8_t *local);

#endif
