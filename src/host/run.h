/* The host runner: executes a plan's kernel calls in one arena, the same
 * kernels and parameters the generated C uses. No allocation while running. */
#ifndef TMC_HOST_RUN_H
#define TMC_HOST_RUN_H

#include <stdint.h>

#include "plan/plan.h"

/* Where tensor t's bytes are: in the arena for activations, in the model or
 * compile arena for constants. NULL for a tensor the plan does not hold. */
uint8_t *tmc_host_tensor(const tmc_plan *plan, uint8_t *arena, int32_t t);

/* Called after each step (e.g. to hash intermediate tensors). */
typedef void (*tmc_host_hook)(void *ctx, const tmc_plan *plan, int32_t step,
                              uint8_t *arena);

/* Resets the persistent region: every variable tensor (SVDF and LSTM state)
 * to its zero point when int8, else to 0, as TFLM does at allocation
 * (tmc_plan_reset_byte); call it before the first invoke, and to start a new
 * sequence. The state then carries from one invoke to the next. */
void tmc_host_reset(const tmc_plan *plan, uint8_t *arena);

/* Runs every step. The caller has written the graph inputs into the arena
 * (tmc_host_tensor of each input) and reads the outputs the same way. */
void tmc_host_invoke(const tmc_plan *plan, uint8_t *arena, tmc_host_hook hook, void *ctx);

#endif
