/* Detection heads: TinyEngine's detection config (per YOLO head: its output
 * tensor id, anchors, stride and class count) read, checked against the
 * graph, and bound to the arena for tmc_yolo_detect (kernels/detect.h). */
#ifndef TMC_PLAN_DETECT_H
#define TMC_PLAN_DETECT_H

#include "kernels/detect.h"
#include "plan.h"

#define TMC_DETECT_MAX_HEADS 8
#define TMC_DETECT_MAX_ANCHORS 16

typedef struct tmc_detect_head {
  int32_t tensor;
  int32_t num_class, num_anchors;
  float anchors[2 * TMC_DETECT_MAX_ANCHORS]; /* w, h per anchor */
  float stride;
} tmc_detect_head;

typedef struct tmc_detect_config {
  int n_heads;
  tmc_detect_head heads[TMC_DETECT_MAX_HEADS];
} tmc_detect_config;

/* Parses the JSON config (an object of heads, each with input_id, num_class,
 * anchors, stride); errors name the head and the field. */
tmc_status tmc_detect_parse(const char *text, size_t len, tmc_arena *a,
                            tmc_detect_config *cfg, tmc_diag *d);

/* Checks each head against the graph: the tensor exists, is an int8
 * activation with per-tensor quantization, shaped [1, H, W, anchors * (5 +
 * classes)]. */
tmc_status tmc_detect_check(const tmc_detect_config *cfg, const tmc_graph *g, tmc_diag *d);

/* The heads' tensors, to keep alive until the end of the invoke. */
void tmc_detect_tensors(const tmc_detect_config *cfg, int32_t *ids);

/* Binds the heads to a run's arena (tensor data through the plan). */
void tmc_detect_bind(const tmc_detect_config *cfg, const tmc_plan *plan, const uint8_t *arena,
                     tmc_yolo_head *heads);

#endif
