/* Reports of a training plan: JSON and SVG (the arena over the forward,
 * the loss and the backward, one colour per part). */
#include <string.h>

#include "base/utf8.h"
#include "train_report.h"

static const char *const part_fill[TMC_TP_COUNT] = {
    "#8fb8de", "#f0b66f", "#e0787a", "#b48ad6", "#7cc48a", "#d8d06a"};

void tmc_train_memory_json(const tmc_train_memory *mm, tmc_json *j, const char *key) {
  tmc_json_begin_object(j, key);
  tmc_json_int(j, "activations", mm->activations);
  tmc_json_int(j, "saved", mm->saved);
  tmc_json_int(j, "gradients", mm->gradients);
  tmc_json_int(j, "weight_gradients", mm->weight_gradients);
  tmc_json_int(j, "weights", mm->weights);
  tmc_json_int(j, "optimizer", mm->optimizer);
  tmc_json_int(j, "total", mm->total);
  tmc_json_int(j, "reused", mm->reused);
  tmc_json_end_object(j);
}

void tmc_train_plan_json(const tmc_train_plan *tp, tmc_json *j, const char *key) {
  const tmc_mem *m = &tp->fwd.mem;
  tmc_json_begin_object(j, key);
  tmc_json_int(j, "arena_bytes", m->arena_bytes);
  tmc_json_int(j, "forward_steps", tp->fwd.n_steps);
  tmc_json_int(j, "times", tp->n_times);
  tmc_json_int(j, "backward_ops", tp->rt.n_ops);
  tmc_train_memory_json(&tp->mem, j, "memory");
  tmc_json_begin_array(j, "blocks");
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    tmc_json_begin_object(j, NULL);
    tmc_json_string(j, "name", tp->label[i]);
    tmc_json_string(j, "part", tmc_train_part_name(tp->part[i]));
    tmc_json_int(j, "tensor", b->tensor);
    tmc_json_int(j, "offset", b->offset);
    tmc_json_int(j, "size", b->size);
    tmc_json_int(j, "first_time", b->first);
    tmc_json_int(j, "last_time", b->last);
    tmc_json_end_object(j);
  }
  tmc_json_end_array(j);
  tmc_json_end_object(j);
}

void tmc_train_plan_svg(const tmc_train_plan *tp, FILE *f) {
  const tmc_mem *m = &tp->fwd.mem;
  const double left = 90, top = 60, width = 1100, height = 620;
  const int32_t times = tp->n_times > 0 ? tp->n_times : 1, ns = tp->fwd.n_steps;
  const double arena = m->arena_bytes > 0 ? (double)m->arena_bytes : 1;
  const double sx = width / times, sy = height / arena;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"11\">\n", left + width + 30, top + height + 90);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%.0f\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", left);
  tmc_utf8_xml_text(f, tp->m->g.model_name);
  fprintf(f, ": training arena %lld bytes (%lld reused across parts)</text>\n",
          (long long)m->arena_bytes, (long long)tp->mem.reused);
  fprintf(f, "<text x=\"%.0f\" y=\"40\">x: forward steps 0-%d, the loss at %d, the backward "
          "ops %d-%d; y: arena address</text>\n", left, ns - 1, ns, ns + 1, times - 1);
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f7f7f7\" "
          "stroke=\"#888\"/>\n", left, top, width, height);
  for (int k = 0; k <= 4; k++) {
    const double addr = arena * k / 4, y = top + height - addr * sy;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n", left - 6,
            y + 4, (long long)addr);
  }
  const double lx = left + ns * sx;
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" "
          "stroke-dasharray=\"4,3\"/>\n", lx, top, lx, top + height);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">forward</text>\n"
          "<text x=\"%.1f\" y=\"%.1f\">loss, backward</text>\n", lx - 4, top + height + 16,
          lx + 4, top + height + 16);
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    const double x = left + b->first * sx, w = (b->last - b->first + 1) * sx;
    const double y = top + height - (double)(b->offset + b->size) * sy, h = (double)b->size * sy;
    fprintf(f, "<g><title>");
    tmc_utf8_xml_text(f, tp->label[i]);
    fprintf(f, " (%s): %lld bytes at %lld, times %d-%d</title>\n",
            tmc_train_part_name(tp->part[i]), (long long)b->size, (long long)b->offset,
            b->first, b->last);
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
            "fill-opacity=\"0.85\" stroke=\"#333\" stroke-width=\"0.4\"/>\n", x, y, w,
            h > 0.5 ? h : 0.5, part_fill[tp->part[i]]);
    if (h >= 12 && w >= 60) {
      char name[256];
      snprintf(name, sizeof name, "%s", tp->label[i]);
      const size_t max = (size_t)(w / 6);
      if (strlen(name) > max) name[max] = '\0';
      fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"10\">", x + 3, y + h / 2 + 4);
      tmc_utf8_xml_text(f, name);
      fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n");
  }
  /* the legend: each part with its bytes */
  const int64_t bytes[TMC_TP_COUNT] = {tp->mem.activations,      tp->mem.saved,
                                       tp->mem.gradients,        tp->mem.weight_gradients,
                                       tp->mem.weights,          tp->mem.optimizer};
  for (int k = 0; k < TMC_TP_COUNT; k++) {
    const double x = left + k * (width / TMC_TP_COUNT), y = top + height + 40;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
            "<text x=\"%.1f\" y=\"%.1f\">%s %lld</text>\n", x, y, part_fill[k], x + 16,
            y + 10, tmc_train_part_name((tmc_train_part)k), (long long)bytes[k]);
  }
  fprintf(f, "</svg>\n");
}
