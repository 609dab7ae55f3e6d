/* Reports of a training plan (train_plan.h): the memory by part and every
 * block as JSON, and an SVG of the arena over the forward, the loss and the
 * backward (`tmc plan --train --json/--svg`). */
#ifndef TMC_TRAIN_TRAIN_REPORT_H
#define TMC_TRAIN_TRAIN_REPORT_H

#include <stdio.h>

#include "base/json.h"
#include "train_plan.h"

/* {"activations": ..., "total": ..., "reused": ...} under key. */
void tmc_train_memory_json(const tmc_train_memory *mm, tmc_json *j, const char *key);
void tmc_train_plan_json(const tmc_train_plan *tp, tmc_json *j, const char *key);
void tmc_train_plan_svg(const tmc_train_plan *tp, FILE *f);

#endif
