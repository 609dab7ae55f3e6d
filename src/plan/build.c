/* The whole front end after reading: passes, the supported-op check, the
 * lowering and the memory layout. */
#include "passes/passes.h"
#include "patch.h"
#include "plan.h"

tmc_status tmc_plan_build(tmc_graph *g, const tmc_plan_options *opts, tmc_arena *a,
                          tmc_plan *plan, tmc_diag *d) {
  if (opts && opts->io_int8) TMC_TRY(tmc_pass_io_int8(g, d));
  TMC_TRY(tmc_pass_fold_constants(g, a, d));
  TMC_TRY(tmc_pass_fold_pad(g, d));
  TMC_TRY(tmc_graph_check_supported(g, d));
  TMC_TRY(tmc_plan_lower(g, opts ? opts->target : TMC_TARGET_GENERIC, a, plan, d));
  if (opts) {
    for (int32_t i = 0; i < opts->n_keep; i++)
      if (opts->keep[i] < 0 || opts->keep[i] >= g->n_tensors)
        return tmc_fail(d, TMC_ERR_USAGE, "tensor %d to keep does not exist", opts->keep[i]);
    plan->n_keep = opts->n_keep;
    plan->keep = opts->keep;
  }
  tmc_planner planner = opts ? opts->planner : TMC_PLANNER_BEST;
  int64_t limit = opts ? opts->limit : 0;
  if (opts && opts->patch_mode == TMC_PATCH_AUTO) {
    tmc_patch_report local, *rep = opts->patch_report ? opts->patch_report : &local;
    return tmc_patch_search(plan, planner, limit, a, rep, d);
  }
  if (opts && opts->patch_mode == TMC_PATCH_FORCE) {
    int32_t s = -1;
    for (int32_t i = 0; i < plan->n_steps; i++)
      if (plan->steps[i].op == opts->patch_op) s = i;
    if (s < 0)
      return tmc_fail(d, TMC_ERR_USAGE, "--patch: op %d is not executed (no such op, or "
                      "folded, a view or removed)", opts->patch_op);
    TMC_TRY(tmc_patch_build(plan, s, opts->patch_rows, opts->patch_cols, a, &plan->patch, d));
  }
  return tmc_plan_memory_variants(plan, planner, limit, a, d);
}
