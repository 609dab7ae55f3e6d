/* tmc_fbw: a small flatbuffer builder. Objects are built back to front in one
 * growable buffer (children before the parents that point at them); a failed
 * allocation or an over-large buffer is sticky and reported by finish. */
#ifndef TMC_READER_FB_WRITE_H
#define TMC_READER_FB_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* An object already written: its distance from the end of the buffer, which
 * stays valid while the buffer grows at the front. 0 means "no object" (every
 * real object is at least 4 bytes long, so 0 is never a real reference). */
typedef uint32_t tmc_fbw_ref;

/* Largest field id a table may use (a vtable holds max id + 1 entries). */
#define TMC_FBW_MAX_FIELDS 64

typedef struct tmc_fbw {
  uint8_t *buf;         /* malloc'd; the data occupies buf[cap - size, cap) */
  size_t cap, size;
  size_t max_align;     /* largest alignment asked for so far */
  tmc_status err;       /* first failure, sticky; TMC_OK while none */
  const char *err_what; /* what failed, for the message */
  long allocs;          /* buffer (re)allocations made so far */
  long fail_at;         /* make allocation number fail_at fail; -1: never */
  /* The table being built (one at a time; tables do not nest). */
  bool in_table;
  bool table_has_data;     /* a field's bytes were pushed */
  tmc_fbw_ref table_start; /* where the table's inline data ends (its
                            * highest address), for the object size */
  int n_fields;                           /* max field id + 1 */
  tmc_fbw_ref field[TMC_FBW_MAX_FIELDS];  /* 0 when absent */
  /* Written vtables, for deduplication. */
  tmc_fbw_ref *vtables;
  size_t n_vtables, cap_vtables;
} tmc_fbw;

/* Starts an empty builder (allocates nothing yet). */
void tmc_fbw_init(tmc_fbw *b);
/* Frees the builder's memory (not the output of tmc_fbw_finish). */
void tmc_fbw_free(tmc_fbw *b);

/* A NUL-terminated string of n bytes (s may hold no NUL). */
tmc_fbw_ref tmc_fbw_string_n(tmc_fbw *b, const char *s, size_t n);
/* A string from a C string. */
tmc_fbw_ref tmc_fbw_string(tmc_fbw *b, const char *s);

/* Vectors of scalars; elements are stored little-endian. force_align raises
 * the alignment of the element data (e.g. 16 for Buffer.data); 0 or 1 means
 * the natural alignment. v may be NULL when n is 0. */
tmc_fbw_ref tmc_fbw_vec_u8(tmc_fbw *b, const uint8_t *v, size_t n,
                           size_t force_align);
tmc_fbw_ref tmc_fbw_vec_i32(tmc_fbw *b, const int32_t *v, size_t n);
tmc_fbw_ref tmc_fbw_vec_u32(tmc_fbw *b, const uint32_t *v, size_t n);
tmc_fbw_ref tmc_fbw_vec_i64(tmc_fbw *b, const int64_t *v, size_t n);
tmc_fbw_ref tmc_fbw_vec_f32(tmc_fbw *b, const float *v, size_t n);
/* A vector of offsets to tables or strings already written (none may be 0). */
tmc_fbw_ref tmc_fbw_vec_refs(tmc_fbw *b, const tmc_fbw_ref *v, size_t n);

/* Tables: start, add fields (any order, each id at most once, ids below
 * TMC_FBW_MAX_FIELDS), end. Every add writes its value, defaults included;
 * callers skip fields they want absent. */
void tmc_fbw_table_start(tmc_fbw *b);
/* tmc_fbw_add_<name>(b, id, v) for each scalar type. */
#define TMC_FBW_SCALARS(X)                                                    \
  X(u8, uint8_t) X(i8, int8_t) X(bool, bool) X(u16, uint16_t) X(i16, int16_t) \
  X(u32, uint32_t) X(i32, int32_t) X(u64, uint64_t) X(i64, int64_t)           \
  X(f32, float) X(f64, double)
#define TMC_FBW_ADD_DECL(name, type) void tmc_fbw_add_##name(tmc_fbw *b, int id, type v);
TMC_FBW_SCALARS(TMC_FBW_ADD_DECL)
#undef TMC_FBW_ADD_DECL
/* An offset field to a table, string or vector; ref 0 leaves it absent. */
void tmc_fbw_add_ref(tmc_fbw *b, int id, tmc_fbw_ref ref);
/* Writes the table's vtable (reusing an identical earlier one) and returns
 * the table. */
tmc_fbw_ref tmc_fbw_table_end(tmc_fbw *b);

/* Writes the root offset and the 4-character file identifier (NULL for none)
 * and hands the finished buffer to the caller (*out malloc'd, free() it).
 * Reports the first failure of any earlier call; the builder is left empty
 * either way and only needs tmc_fbw_free. */
tmc_status tmc_fbw_finish(tmc_fbw *b, tmc_fbw_ref root, const char *file_id,
                          uint8_t **out, size_t *out_len, tmc_diag *d);

#endif
