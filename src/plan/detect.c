/* Detection config: read, check, bind (see detect.h). */
#include "detect.h"

#include <stdlib.h>
#include <string.h>

#include "base/json_read.h"

static tmc_status head_fail(tmc_diag *d, const char *head, const char *what) {
  return tmc_fail(d, TMC_ERR_MODEL, "detection config: head '%s': %s", head, what);
}

tmc_status tmc_detect_parse(const char *text, size_t len, tmc_arena *a,
                            tmc_detect_config *cfg, tmc_diag *d) {
  char err[256];
  memset(cfg, 0, sizeof *cfg);
  const tmc_jvalue *root = tmc_json_parse(text, len, NULL, a, err, sizeof err);
  if (root == NULL) return tmc_fail(d, TMC_ERR_MODEL, "detection config: %s", err);
  if (root->type != TMC_JSON_OBJECT || root->n == 0)
    return tmc_fail(d, TMC_ERR_MODEL, "detection config: expected an object of heads");
  if (root->n > TMC_DETECT_MAX_HEADS)
    return tmc_fail(d, TMC_ERR_LIMIT, "detection config: %zu heads, at most %d", root->n,
                    TMC_DETECT_MAX_HEADS);
  for (size_t i = 0; i < root->n; i++) {
    const char *key = root->members[i].key;
    const tmc_jvalue *h = root->members[i].value;
    tmc_detect_head *o = &cfg->heads[cfg->n_heads++];
    if (h->type != TMC_JSON_OBJECT) return head_fail(d, key, "expected an object");
    const tmc_jvalue *id = tmc_json_get(h, "input_id");
    if (id && id->type == TMC_JSON_STRING) {
      char *end;
      long v = strtol(id->str, &end, 10);
      if (*id->str == '\0' || *end != '\0' || v < 0 || v > INT32_MAX)
        return head_fail(d, key, "input_id is not a tensor index");
      o->tensor = (int32_t)v;
    } else if (id && id->type == TMC_JSON_NUMBER && id->is_int && id->i >= 0 &&
               id->i <= INT32_MAX) {
      o->tensor = (int32_t)id->i;
    } else {
      return head_fail(d, key, "input_id missing or not a tensor index");
    }
    long long nc = tmc_json_get_int(h, "num_class", -1);
    if (nc < 1 || nc > 65535) return head_fail(d, key, "num_class missing or not in 1..65535");
    o->num_class = (int32_t)nc;
    double stride = tmc_json_get_num(h, "stride", -1);
    if (!(stride > 0)) return head_fail(d, key, "stride missing or not positive");
    o->stride = (float)stride;
    const tmc_jvalue *an = tmc_json_get(h, "anchors");
    size_t na = tmc_json_len(an);
    if (an == NULL || an->type != TMC_JSON_ARRAY || na == 0 || na % 2 ||
        na > 2 * TMC_DETECT_MAX_ANCHORS)
      return head_fail(d, key, "anchors must be a list of width, height pairs (at most 16)");
    for (size_t k = 0; k < na; k++) {
      const tmc_jvalue *v = tmc_json_at(an, k);
      if (v->type != TMC_JSON_NUMBER || !(v->num > 0))
        return head_fail(d, key, "anchors must be positive numbers");
      o->anchors[k] = (float)v->num;
    }
    o->num_anchors = (int32_t)(na / 2);
  }
  return TMC_OK;
}

tmc_status tmc_detect_check(const tmc_detect_config *cfg, const tmc_graph *g, tmc_diag *d) {
  for (int i = 0; i < cfg->n_heads; i++) {
    const tmc_detect_head *h = &cfg->heads[i];
    if (h->tensor >= g->n_tensors)
      return tmc_fail(d, TMC_ERR_MODEL, "detection config: head %d: tensor %d does not exist "
                      "(model has %d tensors)", i, h->tensor, g->n_tensors);
    const tmc_tensor *t = &g->tensors[h->tensor];
    int64_t ch = (int64_t)h->num_anchors * (5 + h->num_class);
    if (t->is_const || t->type != TMC_I8 || t->q.n != 1)
      return tmc_fail(d, TMC_ERR_MODEL, "detection config: head %d: tensor %d '%s' is not an "
                      "int8 activation with per-tensor quantization", i, t->id, t->name);
    if (t->rank != 4 || t->dims[0] != 1 || t->dims[3] != ch)
      return tmc_fail(d, TMC_ERR_MODEL, "detection config: head %d: tensor %d '%s' has shape "
                      "[%d,%d,%d,%d], expected [1,H,W,%lld] (%d anchors x (5 + %d classes))", i,
                      t->id, t->name, t->rank > 0 ? t->dims[0] : 0, t->rank > 1 ? t->dims[1] : 0,
                      t->rank > 2 ? t->dims[2] : 0, t->rank > 3 ? t->dims[3] : 0,
                      (long long)ch, h->num_anchors, h->num_class);
  }
  return TMC_OK;
}

void tmc_detect_tensors(const tmc_detect_config *cfg, int32_t *ids) {
  for (int i = 0; i < cfg->n_heads; i++) ids[i] = cfg->heads[i].tensor;
}

void tmc_detect_bind(const tmc_detect_config *cfg, const tmc_plan *plan, const uint8_t *arena,
                     tmc_yolo_head *heads) {
  for (int i = 0; i < cfg->n_heads; i++) {
    const tmc_detect_head *h = &cfg->heads[i];
    const tmc_tensor *t = &plan->g->tensors[h->tensor];
    int64_t off = plan->mem.offset[plan->alias_of[h->tensor]];
    heads[i].data = (const int8_t *)(arena + off);
    heads[i].h = t->dims[1];
    heads[i].w = t->dims[2];
    heads[i].num_anchors = h->num_anchors;
    heads[i].num_class = h->num_class;
    heads[i].anchors = h->anchors;
    heads[i].stride = h->stride;
    heads[i].scale = t->q.scale[0];
    heads[i].zero_point = t->q.zero_point[0];
  }
}
