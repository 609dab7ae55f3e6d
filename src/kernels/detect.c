/* detect.c - YOLOv3 decoding and per-class NMS (see detect.h). Steps:
 * 1. score every (head, cell, anchor, class); keep the candidates at or
 *    above the threshold in a bounded list sorted by score (stable);
 * 2. walk the list in order, decode each box and keep it unless it overlaps
 *    a kept box of its class by more than nms_iou. */
#include <math.h>

#include "detect.h"

typedef struct candidate {
  float score;
  uint16_t head;
  uint16_t cls;
  int32_t index; /* (row * w + col) * anchors + anchor */
} candidate;

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static float deq(const tmc_yolo_head *h, int8_t q) {
  return (float)(q - h->zero_point) * h->scale;
}

static void decode(const tmc_yolo_head *h, int32_t index, tmc_box *b) {
  const int32_t a = index % h->num_anchors, cell = index / h->num_anchors;
  const int32_t row = cell / h->w, col = cell % h->w;
  const int8_t *v = h->data + (long)index * (5 + h->num_class);
  const float cx = (sigmoid(deq(h, v[0])) + (float)col) * h->stride;
  const float cy = (sigmoid(deq(h, v[1])) + (float)row) * h->stride;
  const float w = h->anchors[2 * a] * expf(deq(h, v[2]));
  const float ht = h->anchors[2 * a + 1] * expf(deq(h, v[3]));
  b->x1 = cx - 0.5f * w;
  b->y1 = cy - 0.5f * ht;
  b->x2 = cx + 0.5f * w;
  b->y2 = cy + 0.5f * ht;
}

static float iou(const tmc_box *a, const tmc_box *b) {
  const float area_a = (a->x2 - a->x1) * (a->y2 - a->y1);
  const float area_b = (b->x2 - b->x1) * (b->y2 - b->y1);
  const float iw = fminf(a->x2, b->x2) - fmaxf(a->x1, b->x1);
  const float ih = fminf(a->y2, b->y2) - fmaxf(a->y1, b->y1);
  float inter, uni;
  if (area_a <= 0.0f || area_b <= 0.0f || iw <= 0.0f || ih <= 0.0f) return 0.0f;
  inter = iw * ih;
  uni = area_a + area_b - inter;
  return uni > 0.0f ? inter / uni : 0.0f;
}

int tmc_yolo_detect(const tmc_yolo_head *heads, int n_heads, float score_threshold,
                    float nms_iou, tmc_box *boxes, int max_boxes) {
  candidate cand[TMC_DETECT_MAX_CANDIDATES];
  int n = 0, kept = 0, hi, i, j;
  for (hi = 0; hi < n_heads; ++hi) {
    const tmc_yolo_head *h = &heads[hi];
    const int32_t cells = h->h * h->w * h->num_anchors;
    int32_t index, c;
    for (index = 0; index < cells; ++index) {
      const int8_t *v = h->data + (long)index * (5 + h->num_class);
      const float obj = sigmoid(deq(h, v[4]));
      for (c = 0; c < h->num_class; ++c) {
        const float score = obj * sigmoid(deq(h, v[5 + c]));
        int pos;
        if (!(score >= score_threshold)) continue;
        if (n == TMC_DETECT_MAX_CANDIDATES && !(score > cand[n - 1].score)) continue;
        /* Insert after every candidate with a score >= this one (stable). */
        pos = n < TMC_DETECT_MAX_CANDIDATES ? n : n - 1;
        while (pos > 0 && cand[pos - 1].score < score) {
          cand[pos] = cand[pos - 1];
          --pos;
        }
        cand[pos].score = score;
        cand[pos].head = (uint16_t)hi;
        cand[pos].cls = (uint16_t)c;
        cand[pos].index = index;
        if (n < TMC_DETECT_MAX_CANDIDATES) ++n;
      }
    }
  }
  for (i = 0; i < n && kept < max_boxes; ++i) {
    tmc_box b;
    int keep = 1;
    decode(&heads[cand[i].head], cand[i].index, &b);
    b.score = cand[i].score;
    b.cls = cand[i].cls;
    for (j = 0; j < kept && keep; ++j)
      if (boxes[j].cls == b.cls && iou(&boxes[j], &b) > nms_iou) keep = 0;
    if (keep) boxes[kept++] = b;
  }
  return kept;
}
