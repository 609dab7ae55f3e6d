/* The patch stage of NAME_invoke: tables and one loop over the patches. */
#include "emitter.h"

#include "plan/patch.h"

/* ---- the patch stage -------------------------------------------------------- */

/* A region table: {y0, y1, x0, x1} of one tensor per patch. */
static void region_table(emitter *e, const char *what, int32_t t) {
  const tmc_patch *pt = e->plan->patch;
  tmc_buf_printf(&e->arrays, "static const int32_t %s_%s[%d][4] = {\n", e->n, what,
                 pt->n_patches);
  for (int32_t pi = 0; pi < pt->n_patches; pi++) {
    const tmc_region *r = &pt->regions[(size_t)pi * e->g->n_tensors + t];
    tmc_buf_printf(&e->arrays, "  {%d, %d, %d, %d},\n", r->y0, r->y1, r->x0, r->x1);
  }
  tmc_buf_printf(&e->arrays, "};\n");
  e->params_bytes += (size_t)pt->n_patches * 16;
}

/* Emits the stage: tables, then one loop over the patches running the
 * stage's steps (start_step..split_step) on the local buffers. Returns the
 * first step after it. */
int32_t tmc_emit_patch_stage(emitter *e) {
  const tmc_patch *pt = e->plan->patch;
  const tmc_graph *g = e->g;
  const int32_t ns = pt->split_step + 1, s0 = pt->start_step;
  const tmc_tensor *in = &g->tensors[pt->input_tensor], *out = &g->tensors[pt->split_tensor];
  tmc_buf *c = &e->body;
  /* Per step and patch: local in/out rows and columns, padding; a strided
   * step also the byte skips into its operands and their row widths. */
  for (int32_t s = s0; s < ns; s++) {
    const int w = pt->strided[s] ? 12 : 8;
    tmc_buf_printf(&e->arrays, "static const int32_t %s_pg%d[%d][%d] = {\n", e->n, s,
                   pt->n_patches, w);
    for (int32_t pi = 0; pi < pt->n_patches; pi++) {
      const tmc_patch_geom *ge = &pt->geom[(size_t)pi * ns + s];
      tmc_buf_printf(&e->arrays, "  {%d, %d, %d, %d, %d, %d, %d, %d", ge->in_dims.h,
                     ge->in_dims.w, ge->out_dims.h, ge->out_dims.w, ge->pad_top,
                     ge->pad_bottom, ge->pad_left, ge->pad_right);
      if (pt->strided[s])
        tmc_buf_printf(&e->arrays, ", %d, %d, %d, %d", ge->skip[0], ge->skip[1], ge->in_w[0],
                       ge->in_w[1]);
      tmc_buf_printf(&e->arrays, "},\n");
    }
    tmc_buf_printf(&e->arrays, "};\n");
    e->params_bytes += (size_t)pt->n_patches * 4 * (size_t)w;
  }
  region_table(e, "pin", in->id);
  region_table(e, "pout", out->id);
  tmc_buf_printf(&e->arrays, "\n/* Copies rows of bytes between strided buffers. */\n"
                 "static void %s_rows(unsigned char *dst, size_t dst_stride, "
                 "const unsigned char *src,\n    size_t src_stride, int32_t rows, size_t bytes) {\n"
                 "  for (; rows > 0; rows--, dst += dst_stride, src += src_stride)\n"
                 "    memcpy(dst, src, bytes);\n}\n", e->n);
  long long px_in = (long long)in->dims[3] * (long long)tmc_dtype_size(in->type);
  long long px_out = (long long)out->dims[3] * (long long)tmc_dtype_size(out->type);
  tmc_buf_printf(c, "\n  /* patch stage: ops %d..%d run patch by patch, %dx%d patches of tensor "
                 "%d '", e->plan->steps[s0].op, e->plan->steps[pt->split_step].op, pt->rows,
                 pt->cols, out->id);
  tmc_buf_comment(c, out->name, 80);
  tmc_buf_printf(c, "'\n   * (%lld MACs instead of %lld); their buffers share %lld bytes at "
                 "offset %lld */\n", (long long)pt->patch_macs, (long long)pt->layer_macs,
                 (long long)pt->region_bytes, (long long)e->plan->mem.patch_off);
  if (e->o->profile)
    tmc_buf_printf(c, "  %s_profile(%d, \"PATCH_STAGE\", %lluu, 0);\n", e->n, pt->split_step,
                   (unsigned long long)pt->patch_macs);
  tmc_buf_printf(c, "  {\n    unsigned char *const L = a + %lld;\n    int pi;\n"
                 "    for (pi = 0; pi < %d; pi++) {\n", (long long)e->plan->mem.patch_off,
                 pt->n_patches);
  /* Gather the input region into its local buffer. */
  tmc_buf_printf(c, "      const int32_t *R = %s_pin[pi];\n"
                 "      %s_rows(L + %lld, (size_t)(R[3] - R[2]) * %lldu,\n"
                 "          a + %lld + ((size_t)R[0] * %d + (size_t)R[2]) * %lldu, %lldu, "
                 "(int32_t)(R[1] - R[0]),\n          (size_t)(R[3] - R[2]) * %lldu);\n",
                 e->n, e->n, (long long)pt->local_off[in->id], px_in,
                 (long long)e->plan->mem.offset[e->plan->alias_of[in->id]], in->dims[2], px_in,
                 (long long)in->dims[2] * px_in, px_in);
  e->patching = true;
  for (int32_t s = s0; s < ns; s++) {
    tmc_buf_printf(c, "      {\n      const int32_t *G = %s_pg%d[pi];\n", e->n, s);
    tmc_emit_step(e, s);
    tmc_buf_printf(c, "      }\n");
  }
  e->patching = false;
  /* Scatter the split tensor's region. */
  tmc_buf_printf(c, "      R = %s_pout[pi];\n"
                 "      %s_rows(a + %lld + ((size_t)R[0] * %d + (size_t)R[2]) * %lldu, %lldu,\n"
                 "          L + %lld, (size_t)(R[3] - R[2]) * %lldu, (int32_t)(R[1] - R[0]),\n"
                 "          (size_t)(R[3] - R[2]) * %lldu);\n    }\n  }\n",
                 e->n, e->n, (long long)e->plan->mem.offset[e->plan->alias_of[out->id]],
                 out->dims[2], px_out, (long long)out->dims[2] * px_out,
                 (long long)pt->local_off[out->id], px_out, px_out);
  if (e->o->profile)
    tmc_buf_printf(c, "  %s_profile(%d, \"PATCH_STAGE\", %lluu, 1);\n", e->n, pt->split_step,
                   (unsigned long long)pt->patch_macs);
  return ns;
}

