/* NAME.h: the API of a generated model. */
#include "emitter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "plan/patch.h"

/* ---- the stack bound -------------------------------------------------------
 * How the static bound was obtained (bench/stack_usage.sh prints the table
 * again): arm-none-eabi-gcc 12.2.1 with -fcallgraph-info=su, for Cortex-M0+,
 * M4, M7 and M33 at -O0, -O1, -O2, -O3, -Os and -Oz, the deepest call chain
 * from NAME_invoke of vww, lenet, detection and mcunetv2_large --io int8,
 * layer by layer and with --patch auto, each C library call (memcpy,
 * memset, __aeabi_* helpers; newlib-nano's memset pushes 12 bytes) counted
 * 64 bytes. The kernels have no recursion, no variable-length arrays, no
 * alloca and no calls through pointers, so the chain is a bound. Worst
 * chains: layer by layer 936 bytes (mcunetv2_large, Cortex-M0+, -O3:
 * depthwise conv 168 + 600 + __aeabi_idiv, invoke 104); with a patch stage
 * 1296 (detection's 12-step stage, Cortex-M0+, -O0: the invoke's frame grows
 * by about 24 bytes a stage step at -O0, to 464). TMC_EMIT_STACK_BASE = 1280
 * leaves a quarter to spare layer by layer; a patch stage adds 256 + 32 per
 * step (detection: 1824). NAME_detect: tmc_yolo_detect's candidate array
 * (12 bytes each, 16 allowed) plus at most 200 bytes measured, allowed
 * 1024. The figures are for 32-bit Arm; tmc compile --measure-code
 * replaces them by this model's chain. emit_cli_test.sh's cases
 * measure_code and two_models_mcu check the bound against the call graph
 * and against the stack painted under QEMU. */

long long tmc_emit_static_stack(const tmc_plan *plan) {
  long long b = TMC_EMIT_STACK_BASE;
  if (plan->patch)
    b += TMC_EMIT_STACK_PATCH +
         TMC_EMIT_STACK_PATCH_STEP * (long long)(plan->patch->split_step + 1);
  return b;
}

long long tmc_emit_static_detect_stack(void) {
  return TMC_EMIT_DETECT_STACK_BASE + 16LL * TMC_DETECT_MAX_CANDIDATES;
}

/* ---- NAME.h ----------------------------------------------------------------- */

static const char *c_type(tmc_dtype t) {
  switch (t) {
    case TMC_F32: return "float";
    case TMC_I32: return "int32_t";
    case TMC_U8: return "uint8_t";
    case TMC_I16: return "int16_t";
    default: return "int8_t";
  }
}

static void io_macros(emitter *e, const char *kind, int k, const tmc_tensor *t) {
  tmc_buf *h = &e->h;
  tmc_buf_printf(h, "\n/* %s %d: tensor %d '", kind, k, t->id);
  tmc_buf_comment(h, t->name, 200);
  tmc_buf_printf(h, "', %s [", tmc_dtype_name(t->type));
  for (int i = 0; i < t->rank; i++) tmc_buf_printf(h, i ? ",%d" : "%d", t->dims[i]);
  tmc_buf_printf(h, "] */\n");
  char KIND[16];
  snprintf(KIND, sizeof KIND, "%s", kind);
  for (char *p = KIND; *p; p++) *p = (char)toupper((unsigned char)*p);
  tmc_buf_printf(h, "#define %s_%s%d_BYTES %lld\n", e->up, KIND, k, (long long)t->bytes);
  tmc_buf_printf(h, "#define %s_%s%d_RANK %d\n", e->up, KIND, k, t->rank);
  tmc_buf_printf(h, "#define %s_%s%d_DIMS {", e->up, KIND, k);
  for (int i = 0; i < t->rank; i++) tmc_buf_printf(h, i ? ", %d" : "%d", t->dims[i]);
  tmc_buf_printf(h, "}\n");
  if (t->q.n == 1) {
    tmc_buf_printf(h, "#define %s_%s%d_SCALE %.9gf\n", e->up, KIND, k, (double)t->q.scale[0]);
    tmc_buf_printf(h, "#define %s_%s%d_ZERO_POINT %d\n", e->up, KIND, k, t->q.zero_point[0]);
  }
  tmc_buf_printf(h, "static inline %s *%s_%s%d(void *arena) {\n"
                 "  return (%s *)(void *)((unsigned char *)arena + %lld);\n}\n",
                 c_type(t->type), e->n, kind, k, c_type(t->type),
                 (long long)e->plan->mem.offset[t->id]);
}

/* The NAME_STACK_BYTES (and NAME_DETECT_STACK_BYTES) block. */
static void stack_macros(emitter *e) {
  tmc_buf *h = &e->h;
  const tmc_emit_stack *m = e->o->stack;
  tmc_buf_printf(h, "\n/* Stack: %s_invoke needs at most %s_STACK_BYTES bytes of stack on a\n"
                 " * 32-bit Arm Cortex-M%s%s%s.\n", e->n, e->up,
                 e->o->profile ? " (plus what " : "", e->o->profile ? e->n : "",
                 e->o->profile ? "_profile uses)" : "");
  if (m) {
    tmc_buf_printf(h, " * Measured by tmc compile --measure-code: the deepest call chain in\n"
                   " * GCC's call graph, C library calls allowed %d bytes each:\n",
                   TMC_EMIT_LIBC_STACK);
    for (const char *p = m->how; *p;) { /* one comment line per line of how */
      size_t len = strcspn(p, "\n");
      char line[256];
      snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
      tmc_buf_printf(h, " *   ");
      tmc_buf_comment(h, line, 0);
      tmc_buf_printf(h, "\n");
      p += len;
      if (*p) p++;
    }
    tmc_buf_printf(h, " */\n");
  } else {
    tmc_buf_printf(h, " * A static bound, for any optimisation level: the deepest call chain of\n"
                   " * tmc's kernels and of the invoke in arm-none-eabi-gcc 12.2's call graph\n"
                   " * (-fcallgraph-info=su; Cortex-M0+/M4/M7/M33, -O0 to -O3, -Os, -Oz; C\n"
                   " * library calls counted 64 bytes) on tmc's shared models is at most 936\n"
                   " * bytes layer by layer and 1296 with a 12-step patch stage; %d bytes\n"
                   " * are allowed", TMC_EMIT_STACK_BASE);
    if (e->plan->patch)
      tmc_buf_printf(h, ", plus %d and %d per step of the patch stage (%d\n * steps here)",
                     TMC_EMIT_STACK_PATCH, TMC_EMIT_STACK_PATCH_STEP,
                     e->plan->patch->split_step + 1);
    tmc_buf_printf(h, ". tmc compile --measure-code measures this model's own chain. */\n");
  }
  tmc_buf_printf(h, "#define %s_STACK_BYTES %lld\n", e->up,
                 m ? m->invoke_bytes : tmc_emit_static_stack(e->plan));
  if (!e->o->detect) return;
  if (m && m->detect_bytes >= 0)
    tmc_buf_printf(h, "/* %s_detect, measured the same way. */\n#define %s_DETECT_STACK_BYTES %lld\n",
                   e->n, e->up, m->detect_bytes);
  else
    tmc_buf_printf(h, "/* %s_detect: its candidates (16 bytes each allowed) and %d bytes. */\n"
                   "#define %s_DETECT_STACK_BYTES (%d + 16 * %s_TMC_DETECT_MAX_CANDIDATES)\n",
                   e->n, TMC_EMIT_DETECT_STACK_BASE, e->up, TMC_EMIT_DETECT_STACK_BASE, e->up);
}

void tmc_emit_header(emitter *e) {
  const tmc_graph *g = e->g;
  tmc_buf *h = &e->h;
  const char *n = e->n, *N = e->up;
  tmc_buf_printf(h, "/* %s.h: generated by tmc from ", n);
  tmc_buf_comment(h, g->model_name, 200);
  tmc_buf_printf(h, ". Do not edit.\n"
                 " *\n"
                 " * Usage: place an arena of %s_ARENA_BYTES bytes, aligned to\n"
                 " * %s_ARENA_ALIGN, where you like (e.g. a linker section), write the\n"
                 " * inputs through %s_input<k>(arena), call %s_invoke(arena, its size),\n"
                 " * read"
                 " * %s_output<k>(arena). The arena holds every activation; inputs are\n"
                 " * overwritten during the invoke. Define %s_DEFAULT_ARENA before\n"
                 " * including this header in one file to get a static arena %s_arena.\n"
                 " *\n"
                 " * Every file, function, object and macro of this model begins with\n"
                 " * %s (or %s); the kernels are %s_tmc_*, in %s_*.c. Several models\n"
                 " * compiled with different names link into one program. */\n",
                 N, N, n, n, n, N, n, n, N, n, n);
  tmc_buf_printf(h, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n",
                 N, N);
  if (e->o->detect) tmc_buf_printf(h, "#include \"%s_detect.h\"\n\n", n);
  tmc_buf_printf(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  tmc_buf_printf(h, "#define %s_ARENA_BYTES %lld\n", N, (long long)e->plan->mem.arena_bytes);
  tmc_buf_printf(h, "/* Every tensor and scratch buffer starts at a multiple of %d bytes from\n"
                 " * the arena (float32 and int32 data need it); so must the arena. */\n"
                 "#define %s_ARENA_ALIGN %d\n", TMC_PLAN_ALIGN, N, TMC_PLAN_ALIGN);
  stack_macros(e);
  tmc_buf_printf(h, "\n/* Placed before every weight array and parameter table (flash): define it\n"
                 " * (e.g. as __attribute__((section(\".ext_flash\"), aligned(16)))) before\n"
                 " * this header is included to place them; empty by default. */\n"
                 "#ifndef %s_WEIGHTS_ATTR\n#define %s_WEIGHTS_ATTR\n#endif\n\n", N, N);
  tmc_buf_printf(h, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n", N, g->n_inputs, N,
                 g->n_outputs);
  tmc_buf_printf(h, "#define %s_NUM_LAYERS %d\n", N, e->plan->n_steps);
  for (int k = 0; k < g->n_inputs; k++) io_macros(e, "input", k, &g->tensors[g->inputs[k]]);
  for (int k = 0; k < g->n_outputs; k++) io_macros(e, "output", k, &g->tensors[g->outputs[k]]);
  tmc_buf_printf(h, "\ntypedef enum %s_status {\n  %s_OK = 0,\n  %s_ERR_NULL_ARENA = 1,\n"
                 "  %s_ERR_ARENA_ALIGN = 2,\n  %s_ERR_ARENA_SIZE = 3\n} %s_status;\n\n", n, N, N,
                 N, N, n);
  tmc_buf_printf(h, "/* \"ok\", \"arena is NULL\", \"arena is not %d-byte aligned\", \"arena is\n"
                 " * smaller than %s_ARENA_BYTES\"; \"unknown status\" for other values. */\n"
                 "const char *%s_status_str(%s_status status);\n\n", TMC_PLAN_ALIGN, N, n, n);
  tmc_buf_printf(h, "/* Runs the model in arena, of arena_bytes bytes: %s_OK, or the reason\n"
                 " * nothing was run (NULL, not aligned to %s_ARENA_ALIGN, or smaller than\n"
                 " * %s_ARENA_BYTES: the invoke never writes outside the arena). */\n"
                 "%s_status %s_invoke(void *arena, size_t arena_bytes);\n", N, N, N, n, n);
  if (e->plan->mem.n_persist > 0)
    tmc_buf_printf(h, "\n/* State: the first %s_STATE_BYTES bytes of the arena hold the model's\n"
                   " * state (%d variable tensors: SVDF / LSTM memory), carried from one\n"
                   " * %s_invoke to the next; nothing else is placed there. %s_reset sets it\n"
                   " * to its start (each int8 tensor to its zero point, the others to 0, as\n"
                   " * TFLM): call it once before the first invoke, and to start a new\n"
                   " * sequence. */\n#define %s_STATE_BYTES %lld\n"
                   "void %s_reset(void *arena);\n", N, e->plan->mem.n_persist, n, n, N,
                   (long long)e->plan->mem.persist_bytes, n);
  if (e->o->detect) {
    tmc_buf_printf(h, "\n/* YOLO post-processing of the detection heads after %s_invoke: decodes\n"
                   " * boxes (input pixels), keeps those with score >= score_threshold, applies\n"
                   " * per-class NMS (suppressing IoU > nms_iou), writes at most max_boxes,\n"
                   " * best first, and returns their number. */\n"
                   "typedef tmc_box %s_box;\n"
                   "int %s_detect(const void *arena, %s_box *boxes, int max_boxes,\n"
                   "              float score_threshold, float nms_iou);\n", n, n, n, n);
  }
  if (e->o->profile) {
    tmc_buf_printf(h, "\n/* Profiling: defined by the user, called before (phase 0) and after\n"
                   " * (phase 1) each layer. */\n"
                   "void %s_profile(int layer, const char *op, uint32_t macs, int phase);\n\n"
                   "typedef struct %s_layer {\n  const char *op;\n  uint32_t macs;\n"
                   "  uint32_t weight_bytes;\n  uint32_t activation_bytes;\n} %s_layer;\n", n, n,
                   n);
    /* No table for a model without layers: C has no zero-size arrays. */
    if (e->plan->n_steps > 0)
      tmc_buf_printf(h, "extern const %s_layer %s_layers[%s_NUM_LAYERS];\n", n, n, N);
  }
  if (e->o->train) tmc_emit_train_header(e, h);
  tmc_buf_printf(h, "\n#ifdef %s_DEFAULT_ARENA\n"
                 "_Alignas(%s_ARENA_ALIGN) unsigned char %s_arena[%s_ARENA_BYTES];\n"
                 "#endif\n", N, N, n, N);
  tmc_buf_printf(h, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}
