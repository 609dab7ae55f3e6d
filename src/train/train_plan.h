/* The training plan: one static arena for a training step, laid out by the
 * memory planner over the forward, the loss and the backward, and the
 * descriptors the runtime (kernels/train_rt.h) runs the step from. Both
 * `tmc train` (host) and `tmc compile --train` (generated C) use it, and
 * the memory it reports (tmc_train_memory) is what --budget checks. */
#ifndef TMC_TRAIN_TRAIN_PLAN_H
#define TMC_TRAIN_TRAIN_PLAN_H

#include "kernels/train_rt.h"
#include "path.h"
#include "train.h"

typedef enum tmc_train_part {
  TMC_TP_ACTIVATIONS = 0,
  TMC_TP_SAVED,
  TMC_TP_GRADIENTS,
  TMC_TP_WEIGHT_GRADIENTS,
  TMC_TP_WEIGHTS,
  TMC_TP_OPTIMIZER,
  TMC_TP_COUNT
} tmc_train_part;

/* "activations", "saved", ... (the JSON keys of tmc_train_memory). */
const char *tmc_train_part_name(tmc_train_part p);

typedef struct tmc_train_plan {
  const tmc_train_model *m;
  tmc_train_set set;
  tmc_train_path path;
  /* The forward, lowered with the trained layers on the portable kernels
   * (they read their weights and bias from the arena), and its memory:
   * fwd.mem.blocks holds every block of the arena (the forward's, then
   * fwd.extra's), fwd.mem.arena_bytes the arena. */
  tmc_plan fwd;
  /* Time: the forward's steps 0..n_steps-1, the loss at n_steps, then one
   * time per backward op; bw_time[op] is op's (-1: none). */
  int32_t n_times;
  int32_t *bw_time;
  int32_t *step_of;      /* per op: its forward step, -1 */
  tmc_train_part *part;  /* per block of fwd.mem.blocks */
  const char **label;    /* per block: what it is (for reports) */
  int64_t *sram_off;     /* per tensor: the arena offset of a trained
                          * constant (weights, bias), -1 */
  int32_t *layer_step;   /* per layer of the set: its forward step */
  tmc_train_rt rt;       /* the runtime's descriptors (arrays in the arena
                          * the plan was made in) */
  uint32_t seed;         /* the rounding generator's first state */
  tmc_train_memory mem;
} tmc_train_plan;

/* Plans set s of model m (errors: a layer that cannot be trained, an op
 * on the way back without a backward kernel, naming them). */
tmc_status tmc_train_plan_make(const tmc_train_model *m, const tmc_train_set *s,
                               const tmc_train_cfg *c, tmc_arena *a, tmc_train_plan *tp,
                               tmc_diag *d);

#endif
