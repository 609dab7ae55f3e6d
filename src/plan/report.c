/* Plan reports: JSON and SVG (see report.h). */
#include "report.h"

#include "patch.h"

#include "base/utf8.h"

#include <string.h>

const char *tmc_planner_name(tmc_planner p) {
  return p == TMC_PLANNER_FIRST_FIT ? "first-fit" : "best";
}

void tmc_block_label(const tmc_plan *plan, const tmc_block *b, char *buf, size_t n) {
  if (b->tensor >= 0) {
    const tmc_tensor *t = &plan->g->tensors[b->tensor];
    int k = t->name[0] ? snprintf(buf, n, "%s", t->name)
                       : snprintf(buf, n, "tensor %d", b->tensor);
    if (t->is_variable && k >= 0 && (size_t)k < n)
      snprintf(buf + k, n - (size_t)k, " (state, persistent)");
  } else if (b->step == TMC_BLOCK_EXTRA) {
    snprintf(buf, n, "training buffer");
  } else if (b->step < 0) {
    snprintf(buf, n, "patch stage (%dx%d patches, split at op %d)", plan->patch->rows,
             plan->patch->cols, plan->steps[plan->patch->split_step].op);
  } else {
    const tmc_op *op = &plan->g->ops[plan->steps[b->step].op];
    snprintf(buf, n, "scratch of op %d %s", op->id, op->name);
  }
}

static int32_t op_of(const tmc_plan *plan, int32_t step) {
  return step >= 0 && step < plan->n_steps ? plan->steps[step].op : -1;
}

void tmc_plan_json(const tmc_plan *plan, tmc_json *j, const char *key) {
  const tmc_mem *m = &plan->mem;
  char name[256];
  tmc_json_begin_object(j, key);
  tmc_json_string(j, "planner", tmc_planner_name(m->planner));
  tmc_json_int(j, "arena_bytes", m->arena_bytes);
  tmc_json_int(j, "lower_bound_bytes", m->lower_bound);
  tmc_json_int(j, "lower_bound_no_overlap_bytes", m->bound_no_overlap);
  tmc_json_int(j, "activation_floor_bytes", m->act_floor);
  tmc_json_int(j, "kernel_floor_bytes", m->lower_bound);
  tmc_json_int(j, "alignment", TMC_PLAN_ALIGN);
  tmc_json_begin_object(j, "peak");
  tmc_json_int(j, "step", m->peak_step);
  int32_t pop = op_of(plan, m->peak_step);
  tmc_json_int(j, "op", pop);
  tmc_json_string(j, "kind", pop >= 0 ? plan->g->ops[pop].name : NULL);
  tmc_json_end_object(j);
  tmc_json_int(j, "steps", plan->n_steps);
  tmc_json_begin_array(j, "kernel_variants");
  for (int32_t s = 0; plan->variants && s < plan->n_steps; s++) {
    const tmc_step_variants *v = plan->variants[s];
    if (v == NULL) continue;
    const tmc_step *st = &plan->steps[s];
    tmc_json_begin_object(j, NULL);
    tmc_json_int(j, "step", s);
    tmc_json_int(j, "op", st->op);
    tmc_json_string(j, "kind", plan->g->ops[st->op].name);
    tmc_json_string(j, "kernel", tmc_kernel_name(st->kernel));
    tmc_json_string(j, "variant", tmc_step_variant_name(st));
    tmc_json_int(j, "scratch_bytes", (int64_t)st->scratch_bytes);
    tmc_json_string(j, "why", v->why);
    tmc_json_begin_array(j, "options");
    for (int32_t k = 0; k < v->n; k++) {
      tmc_json_begin_object(j, NULL);
      tmc_json_string(j, "kernel", tmc_kernel_name(v->v[k].kernel));
      tmc_json_string(j, "variant", tmc_step_variant_name(&v->v[k]));
      tmc_json_int(j, "scratch_bytes", (int64_t)v->v[k].scratch_bytes);
      tmc_json_bool(j, "chosen", k == v->chosen);
      if (v->arena[k] >= 0)
        tmc_json_int(j, "arena_bytes", v->arena[k]);
      else
        tmc_json_string(j, "arena_bytes", NULL);
      tmc_json_end_object(j);
    }
    tmc_json_end_array(j);
    tmc_json_end_object(j);
  }
  tmc_json_end_array(j);
  tmc_json_begin_array(j, "tensors");
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    tmc_block_label(plan, b, name, sizeof name);
    tmc_json_begin_object(j, NULL);
    tmc_json_string(j, "name", name);
    tmc_json_int(j, "tensor", b->tensor);
    tmc_json_string(j, "kind", b->tensor >= 0 ? "activation" : "scratch");
    tmc_json_int(j, "offset", b->offset);
    tmc_json_int(j, "size", b->size);
    tmc_json_int(j, "first_op", op_of(plan, b->first));
    tmc_json_int(j, "last_op", op_of(plan, b->last));
    tmc_json_int(j, "first_step", b->first);
    tmc_json_int(j, "last_step", b->last);
    tmc_json_end_object(j);
  }
  tmc_json_end_array(j);
  tmc_json_end_object(j);
}

void tmc_plan_svg(const tmc_plan *plan, FILE *f) {
  const tmc_mem *m = &plan->mem;
  const double left = 90, top = 60, width = 1100, height = 620;
  int32_t steps = plan->n_steps > 0 ? plan->n_steps : 1;
  double arena = m->arena_bytes > 0 ? (double)m->arena_bytes : 1;
  double sx = width / steps, sy = height / arena;
  char name[256];
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"11\">\n", left + width + 30, top + height + 70);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%.0f\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", left);
  tmc_utf8_xml_text(f, plan->g->model_name);
  fprintf(f, ": arena %lld bytes (%s planner)</text>\n", (long long)m->arena_bytes,
          tmc_planner_name(m->planner));
  fprintf(f, "<text x=\"%.0f\" y=\"40\">lower bound %lld bytes with overlaps, %lld without; "
          "x: operator step, y: arena address</text>\n", left, (long long)m->lower_bound,
          (long long)m->bound_no_overlap);
  /* Axes. */
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f7f7f7\" "
          "stroke=\"#888\"/>\n", left, top, width, height);
  for (int k = 0; k <= 4; k++) {
    double addr = arena * k / 4, y = top + height - addr * sy;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n", left - 6,
            y + 4, (long long)addr);
  }
  int32_t tick = steps <= 20 ? 1 : steps <= 100 ? 10 : 20;
  for (int32_t s = 0; s < steps; s += tick)
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n",
            left + (s + 0.5) * sx, top + height + 16, s);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">operator step</text>\n",
          left + width / 2, top + height + 36);
  /* Blocks. */
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    double x = left + b->first * sx, w = (b->last - b->first + 1) * sx;
    double y = top + height - (double)(b->offset + b->size) * sy, h = (double)b->size * sy;
    int hue = b->tensor >= 0 ? (b->tensor * 47) % 360 : 0;
    tmc_block_label(plan, b, name, sizeof name);
    fprintf(f, "<g><title>");
    tmc_utf8_xml_text(f, name);
    fprintf(f, ": %lld bytes at %lld, steps %d-%d</title>\n", (long long)b->size,
            (long long)b->offset, b->first, b->last);
    char fill[32];
    if (b->tensor >= 0)
      snprintf(fill, sizeof fill, "hsl(%d,60%%,65%%)", hue);
    else
      snprintf(fill, sizeof fill, "#bbbbbb");
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
            "fill-opacity=\"0.8\" stroke=\"#333\" stroke-width=\"0.5\"/>\n", x, y, w,
            h > 0.5 ? h : 0.5, fill);
    if (h >= 12 && w >= 40) {
      fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"10\">", x + 3, y + h / 2 + 4);
      size_t max = (size_t)(w / 6);
      if (strlen(name) > max) name[max] = '\0';
      tmc_utf8_xml_text(f, name);
      fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n");
  }
  /* Peak and floors. */
  double px = left + (m->peak_step + 0.5) * sx;
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"red\" "
          "stroke-width=\"2\"/>\n", px, top, px, top + height);
  int32_t pop = op_of(plan, m->peak_step);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"red\" text-anchor=\"middle\">peak: op %d ",
          px, top - 6, pop);
  tmc_utf8_xml_text(f, pop >= 0 ? plan->g->ops[pop].name : "?");
  fprintf(f, "</text>\n");
  double ly = top + height - (double)m->lower_bound * sy;
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"blue\" "
          "stroke-dasharray=\"6,4\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"blue\" "
          "text-anchor=\"end\">lower bound</text>\n", left, ly, left + width, ly,
          left + width - 4, ly - 4);
  fprintf(f, "</svg>\n");
}

static void option_json(tmc_json *j, const tmc_patch_option *o) {
  tmc_json_begin_object(j, NULL);
  tmc_json_int(j, "split_op", o->split_op);
  tmc_json_int(j, "rows", o->rows);
  tmc_json_int(j, "cols", o->cols);
  tmc_json_int(j, "arena_bytes", o->arena_bytes);
  tmc_json_bool(j, "planned", o->planned);
  tmc_json_int(j, "region_bytes", o->region_bytes);
  tmc_json_double(j, "extra_macs_pct", o->extra_macs_pct);
  tmc_json_end_object(j);
}

void tmc_plan_patch_json(const tmc_plan *plan, const tmc_patch_report *rep, tmc_json *j) {
  const tmc_patch *p = plan->patch;
  if (p == NULL) {
    tmc_json_string(j, "patch", NULL);
  } else {
    tmc_json_begin_object(j, "patch");
    tmc_json_int(j, "split_op", plan->steps[p->split_step].op);
    tmc_json_int(j, "rows", p->rows);
    tmc_json_int(j, "cols", p->cols);
    tmc_json_int(j, "start_op", plan->steps[p->start_step].op);
    tmc_json_int(j, "stage_ops", p->split_step - p->start_step + 1);
    tmc_json_int(j, "region_bytes", p->region_bytes);
    tmc_json_int(j, "region_offset", plan->mem.patch_off);
    tmc_json_int(j, "layer_macs", p->layer_macs);
    tmc_json_int(j, "patch_macs", p->patch_macs);
    tmc_json_double(j, "extra_macs_pct",
                    p->layer_macs ? 100.0 * (double)(p->patch_macs - p->layer_macs) /
                                        (double)p->layer_macs
                                  : 0.0);
    tmc_json_end_object(j);
  }
  if (rep == NULL || (rep->evaluated == 0 && rep->why[0] == '\0')) return;
  tmc_json_begin_object(j, "patch_search");
  tmc_json_int(j, "evaluated", rep->evaluated);
  tmc_json_int(j, "layerwise_arena_bytes", rep->layerwise.arena_bytes);
  tmc_json_string(j, "why_none", p == NULL && rep->why[0] ? rep->why : NULL);
  tmc_json_begin_array(j, "best");
  for (int i = 0; i < rep->n; i++) option_json(j, &rep->best[i]);
  tmc_json_end_array(j);
  tmc_json_end_object(j);
}
