/* detect.h - YOLOv3 post-processing of int8 detection heads: decoding plus
 * per-class non-maximum suppression. Float arithmetic (expf), after the
 * integer invoke; portable C, no allocation, bounded stack. Shared by the
 * host runner (tmc run --detect) and generated code (NAME_detect). */
#ifndef TMC_KERNELS_DETECT_H
#define TMC_KERNELS_DETECT_H

#include <stdint.h>

/* Candidates kept before NMS (the best by score; 16 bytes each on the
 * stack). Override at build time if a model needs more. */
#ifndef TMC_DETECT_MAX_CANDIDATES
#define TMC_DETECT_MAX_CANDIDATES 256
#endif

/* A box in input-image pixels (corners), its score and class. */
typedef struct tmc_box {
  float x1, y1, x2, y2;
  float score;
  int32_t cls;
} tmc_box;

/* One YOLO head: an int8 tensor [1, h, w, anchors * (5 + classes)], per
 * anchor (tx, ty, tw, th, objectness, class scores...). */
typedef struct tmc_yolo_head {
  const int8_t *data;
  int32_t h, w;
  int32_t num_anchors, num_class;
  const float *anchors; /* w, h per anchor, in input pixels */
  float stride;         /* input pixels per cell */
  float scale;          /* the tensor's quantization */
  int32_t zero_point;
} tmc_yolo_head;

/* Decodes every (cell, anchor, class) with score = sigmoid(objectness) *
 * sigmoid(class) >= score_threshold: center ((sigmoid(tx) + col) * stride,
 * (sigmoid(ty) + row) * stride), size (anchor_w * exp(tw), anchor_h *
 * exp(th)). Then, per class in descending score order (ties: head, cell,
 * anchor order), keeps a box unless its IoU with a kept box of the same
 * class exceeds nms_iou (IoU equal to it is kept; boxes of zero area have
 * IoU 0). Writes at most max_boxes boxes, best first; returns the count.
 * At most TMC_DETECT_MAX_CANDIDATES candidates (the best) enter NMS. */
int tmc_yolo_detect(const tmc_yolo_head *heads, int n_heads, float score_threshold,
                    float nms_iou, tmc_box *boxes, int max_boxes);

#endif /* TMC_KERNELS_DETECT_H */
