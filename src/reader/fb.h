/* Checked flatbuffer reads. Every access verifies, before the bytes are used,
 * what the flatbuffers verifier would: offsets and lengths inside the buffer
 * (with overflow-free arithmetic: `off > len - n`, never `off + n > len`),
 * alignment, vtable sanity, NUL-terminated strings, nesting depth, and a
 * budget on decoded elements so that objects shared by many offsets cannot
 * blow up the work (a valid file never shares them). Failures name the
 * element being read (the reader keeps a context path such as
 * "subgraph 0 tensor 12 'conv/w'") and the byte offset. */
#ifndef TMC_READER_FB_H
#define TMC_READER_FB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct tmc_fb {
  const uint8_t *buf;
  uint32_t len;
  tmc_diag *d;
  int depth;           /* tables entered and not left */
  uint64_t budget;     /* decoded bytes still allowed */
  char ctx[256];       /* where we are, for messages */
} tmc_fb;

typedef struct tmc_fb_table {
  uint32_t pos;     /* start of the table (its soffset to the vtable) */
  uint32_t vt;      /* start of its vtable */
  uint16_t vt_size; /* vtable bytes */
  uint16_t size;    /* table bytes, as the vtable states */
} tmc_fb_table;

typedef struct tmc_fb_vec {
  uint32_t pos; /* first element */
  uint32_t n;   /* element count */
} tmc_fb_vec;

/* Starts reading: checks the size and the 4-byte file identifier (NULL:
 * none required) and returns the root table. */
tmc_status tmc_fb_open(tmc_fb *fb, const uint8_t *buf, size_t len,
                       const char *ident, tmc_diag *d, tmc_fb_table *root);

/* Sets the context path used in messages (printf-style). */
void tmc_fb_context(tmc_fb *fb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Records a failure "<ctx>: <field>: <problem>". */
tmc_status tmc_fb_error(tmc_fb *fb, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Scalars: tmc_fb_<name>(fb, t, id, def, out, field) reads the field's
 * value, or def when the field is absent. */
#define TMC_FB_SCALARS(X) \
  X(u8, uint8_t) X(i8, int8_t) X(bool, bool) X(i32, int32_t) X(u32, uint32_t) \
  X(u64, uint64_t) X(f32, float)
#define TMC_FB_SCALAR_DECL(name, type)                                          \
  tmc_status tmc_fb_##name(tmc_fb *fb, const tmc_fb_table *t, int id, type def, \
                           type *out, const char *field);
TMC_FB_SCALARS(TMC_FB_SCALAR_DECL)
#undef TMC_FB_SCALAR_DECL

/* A sub-table; *present is false (and *out untouched) when absent. The table
 * counts as entered (depth + 1) until tmc_fb_leave. */
tmc_status tmc_fb_table_field(tmc_fb *fb, const tmc_fb_table *t, int id,
                              tmc_fb_table *out, bool *present, const char *field);
void tmc_fb_leave(tmc_fb *fb);

/* A vector of elem_size-byte elements (scalars, or 4-byte offsets). Absent
 * gives n = 0 and *present false. Checks alignment of elem_align. Charges
 * n * elem_size against the decode budget when `decode` is true. */
tmc_status tmc_fb_vector(tmc_fb *fb, const tmc_fb_table *t, int id,
                         uint32_t elem_size, uint32_t elem_align, bool decode,
                         tmc_fb_vec *out, bool *present, const char *field);

/* Element i of a vector of tables (entered as by tmc_fb_table_field). */
tmc_status tmc_fb_vec_table(tmc_fb *fb, const tmc_fb_vec *v, uint32_t i,
                            tmc_fb_table *out, const char *field);

/* A string: pointer into the buffer (NUL-terminated, checked) or NULL when
 * absent; *n its length. */
tmc_status tmc_fb_string(tmc_fb *fb, const tmc_fb_table *t, int id,
                         const char **out, uint32_t *n, const char *field);

/* Element i of a vector of strings. */
tmc_status tmc_fb_vec_string(tmc_fb *fb, const tmc_fb_vec *v, uint32_t i,
                             const char **out, const char *field);

/* Vector element loads (the vector was checked as a whole). */
int32_t tmc_fb_vec_i32(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i);
int64_t tmc_fb_vec_i64(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i);
float tmc_fb_vec_f32(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i);
uint8_t tmc_fb_vec_u8(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i);

#endif
