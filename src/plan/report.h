/* Reports of a placed plan: JSON (for tools) and an SVG picture of the arena
 * over time (x: steps, y: address, one labelled rectangle per block, the
 * peak marked). Both write to a FILE the caller opened. */
#ifndef TMC_PLAN_REPORT_H
#define TMC_PLAN_REPORT_H

#include <stdio.h>

#include "base/json.h"
#include "plan.h"

const char *tmc_planner_name(tmc_planner p);

/* "conv_12/Relu" for a tensor block ("tensor 12" when the model names it
 * not; " (state, persistent)" after a variable tensor), "scratch of op 7
 * CONV_2D" for scratch. */
void tmc_block_label(const tmc_plan *plan, const tmc_block *b, char *buf, size_t n);

/* The plan as a JSON object (under key, or as a value when key is NULL):
 * arena_bytes, lower_bound_bytes, lower_bound_no_overlap_bytes, planner,
 * peak, and blocks with name, tensor, offset, size, first_op, last_op. */
void tmc_plan_json(const tmc_plan *plan, tmc_json *j, const char *key);

void tmc_plan_svg(const tmc_plan *plan, FILE *f);

struct tmc_patch_report;
/* The patch stage (or null) under "patch", and with a search report the
 * configurations compared under "patch_search". */
void tmc_plan_patch_json(const tmc_plan *plan, const struct tmc_patch_report *rep,
                         tmc_json *j);

#endif
