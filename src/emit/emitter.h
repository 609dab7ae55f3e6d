/* The code generator's state and the helpers its parts share (internal to
 * src/emit): the driver (emit.c) fills an emitter, the parts write NAME.c
 * (source.c, step.c, patch_stage.c), NAME.h (header.c), NAME_weights.c
 * (arrays.c) and the host program (host_main.c). */
#ifndef TMC_EMIT_EMITTER_H
#define TMC_EMIT_EMITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "emit.h"
#include "plan/kernel_desc.h"

typedef struct emitter {
  const tmc_plan *plan;
  const tmc_graph *g;
  const tmc_emit_options *o;
  const char *n;     /* symbol prefix */
  char up[64];       /* upper-case prefix for macros */
  tmc_buf h, c, w;   /* NAME.h, NAME.c, NAME_weights.c */
  tmc_buf decl;      /* extern declarations of weights, for NAME.c */
  tmc_buf arrays;    /* per-layer constant arrays, for NAME.c */
  tmc_buf body;      /* the statements of NAME_invoke */
  bool *const_done;  /* per tensor: its constant array is written */
  bool patching;     /* emitting a step of the patch stage (inside its loop) */
  bool used[TMC_KERNEL_COUNT];
  const char *bug;   /* an inconsistency of the plan found while printing */
  size_t weights_bytes, params_bytes;
  /* The distinct shapes steps pass by address (file-scope NAME_dims<k> of
   * NAME.c, shared by every step with the same shape): their values, and
   * the names the current step's in/f/out refer to. */
  tmc_dims4 *dims;
  int32_t n_dims, cap_dims;
  char dims_ref[3][64];
} emitter;


/* arrays.c: const arrays. */
long long tmc_emit_get_i8(const void *p, size_t i);
long long tmc_emit_get_i16(const void *p, size_t i);
long long tmc_emit_get_i32(const void *p, size_t i);
void tmc_emit_int_array(emitter *e, tmc_buf *b, const char *type, const char *name, size_t n,
                        long long (*get)(const void *, size_t), const void *src, bool is_static);
void tmc_emit_weight_array(emitter *e, const char *type, const char *name, size_t n,
                           long long (*get)(const void *, size_t), const void *src,
                           size_t elem_bytes);
void tmc_emit_i8_params(emitter *e, const char *name, const int8_t *v, size_t n);
void tmc_emit_i32_params(emitter *e, const char *name, const int32_t *v, size_t n);
/* The C expression for tensor t: an arena address, a patch-local address or
 * a constant array (written to NAME_weights.c on first use). */
const char *tmc_emit_tensor_expr(emitter *e, int32_t t, char *buf, size_t n);

/* The name of constant tensor t's array (written to NAME_weights.c on
 * first use). */
const char *tmc_emit_const_name(emitter *e, int32_t t, char *buf, size_t n);

/* train.c (--train): the masks made after step s, the descriptors and
 * functions of the training step (NAME.c), their declarations (NAME.h),
 * the host program of --main (steps file in, trained values out). */
void tmc_emit_train_after_step(emitter *e, int32_t s);
void tmc_emit_train_source(emitter *e, tmc_buf *c);
void tmc_emit_train_header(emitter *e, tmc_buf *h);
void tmc_emit_train_main(emitter *e, tmc_buf *m);

/* step.c: the C initialiser of field f of the struct at base; a table field
 * is printed by name from st (NULL for structs without table fields). */
void tmc_emit_field_value(emitter *e, tmc_buf *b, const tmc_step *st, const tmc_field *f,
                          const void *base);
/* One step's parameters and kernel call, into e->body. */
void tmc_emit_step(emitter *e, int32_t s);
/* patch_stage.c: the patch loop; returns the first step after the stage. */
int32_t tmc_emit_patch_stage(emitter *e);
/* source.c: NAME.c. */
tmc_status tmc_emit_source(emitter *e, tmc_diag *d);
/* header.c: NAME.h. */
void tmc_emit_header(emitter *e);
/* host_main.c: NAME_main.c and the Makefile of --main; CMakeLists.txt. The
 * build files list the files of r. */
void tmc_emit_main(emitter *e, tmc_buf *m);
void tmc_emit_makefile(emitter *e, const tmc_emit_result *r, tmc_buf *m);
void tmc_emit_cmake(emitter *e, const tmc_emit_result *r, tmc_buf *m);

#endif
