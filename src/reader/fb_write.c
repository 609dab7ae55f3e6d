/* Flatbuffer builder, back to front: the buffer grows towards lower addresses,
 * so an object's children are already written (at higher addresses) when its
 * forward-pointing uoffsets are stored. Alignment is kept relative to the end
 * and made absolute by padding the front to the largest alignment used. */
#include "fb_write.h"

#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "base/limits.h"

/* Offsets are 32-bit and the reader caps files at this size. */
#define FBW_MAX_SIZE ((size_t)TMC_MAX_MODEL_BYTES)
#define FBW_FIRST_CAP 256u

void tmc_fbw_init(tmc_fbw *b) {
  memset(b, 0, sizeof *b);
  b->max_align = 1;
  b->err = TMC_OK;
  b->fail_at = -1;
}

void tmc_fbw_free(tmc_fbw *b) {
  free(b->buf);
  free(b->vtables);
  b->buf = NULL;
  b->vtables = NULL;
  b->cap = b->size = 0;
  b->n_vtables = b->cap_vtables = 0;
}

/* Records the first failure; later calls become no-ops. */
static void fail(tmc_fbw *b, tmc_status s, const char *what) {
  if (b->err != TMC_OK) return;
  b->err = s;
  b->err_what = what;
}

/* malloc-family call counted for fault injection (fail_at). */
static void *counted_realloc(tmc_fbw *b, void *p, size_t n) {
  long k = b->allocs++;
  if (b->fail_at >= 0 && k == b->fail_at) return NULL;
  return realloc(p, n);
}

/* Makes room for n more bytes at the front; false (failure recorded) when
 * memory runs out or the buffer would pass FBW_MAX_SIZE. */
static bool reserve(tmc_fbw *b, size_t n) {
  if (b->err != TMC_OK) return false;
  if (n > FBW_MAX_SIZE - b->size) {
    fail(b, TMC_ERR_LIMIT, "flatbuffer would exceed 2 GiB");
    return false;
  }
  if (b->buf != NULL && b->cap - b->size >= n) return true;
  size_t need = b->size + n;
  size_t cap = b->cap ? b->cap : FBW_FIRST_CAP;
  while (cap < need) cap = cap > FBW_MAX_SIZE ? need : cap * 2;
  uint8_t *p = counted_realloc(b, b->buf, cap);
  if (p == NULL) {
    fail(b, TMC_ERR_NOMEM, "out of memory growing the flatbuffer");
    return false;
  }
  /* The data sits at the end: move it to the new end. */
  if (b->size) memmove(p + cap - b->size, p + b->cap - b->size, b->size);
  b->buf = p;
  b->cap = cap;
  return true;
}

/* Claims n bytes at the front and returns them (uninitialised); NULL on
 * failure. */
static uint8_t *push(tmc_fbw *b, size_t n) {
  if (!reserve(b, n)) return NULL;
  b->size += n;
  return b->buf + (b->cap - b->size);
}

/* Zero-pads so that once `extra` more bytes are pushed the size is a
 * multiple of align (a power of two): the object pushed then starts aligned
 * relative to the end, and finish makes that absolute. */
static bool prep(tmc_fbw *b, size_t align, size_t extra) {
  if (b->err != TMC_OK) return false;
  if (extra > FBW_MAX_SIZE) {
    fail(b, TMC_ERR_LIMIT, "flatbuffer would exceed 2 GiB");
    return false;
  }
  if (align > b->max_align) b->max_align = align;
  size_t pad = (align - (b->size + extra) % align) % align;
  if (pad == 0) return reserve(b, 0);
  uint8_t *p = push(b, pad);
  if (p == NULL) return false;
  memset(p, 0, pad);
  return true;
}

/* The current front as a reference. */
static tmc_fbw_ref here(const tmc_fbw *b) { return (tmc_fbw_ref)b->size; }

/* Pointer to the object at ref. */
static uint8_t *at(tmc_fbw *b, tmc_fbw_ref ref) { return b->buf + (b->cap - ref); }

/* True when a is 0 or a power of two no larger than 256. */
static bool valid_align(size_t a) { return a <= 256 && (a & (a - 1)) == 0; }

/* Pads and claims the element data of an n-element vector (elements esz
 * bytes, data aligned to max(4, esz, align)); NULL on failure. */
static uint8_t *vec_begin(tmc_fbw *b, size_t n, size_t esz, size_t align) {
  if (b->err != TMC_OK) return NULL;
  if (b->in_table) {
    fail(b, TMC_ERR_USAGE, "vector written inside a table");
    return NULL;
  }
  if (!valid_align(align)) {
    fail(b, TMC_ERR_USAGE, "vector alignment is not a power of two");
    return NULL;
  }
  if (n > (FBW_MAX_SIZE - 4) / esz) {
    fail(b, TMC_ERR_LIMIT, "flatbuffer would exceed 2 GiB");
    return NULL;
  }
  size_t a = align > esz ? align : esz;
  if (a < 4) a = 4;
  size_t bytes = n * esz;
  /* Room for data plus length, so the pointer below stays valid. */
  if (!prep(b, a, bytes) || !reserve(b, bytes + 4)) return NULL;
  return push(b, bytes);
}

/* Writes the length word in front of the data claimed by vec_begin. */
static tmc_fbw_ref vec_end(tmc_fbw *b, size_t n) {
  uint8_t *p = push(b, 4); /* room reserved by vec_begin: cannot fail */
  if (p == NULL) return 0;
  tmc_le_put_u32(p, (uint32_t)n);
  return here(b);
}

tmc_fbw_ref tmc_fbw_string_n(tmc_fbw *b, const char *s, size_t n) {
  if (n >= FBW_MAX_SIZE) {
    fail(b, TMC_ERR_LIMIT, "flatbuffer would exceed 2 GiB");
    return 0;
  }
  uint8_t *p = vec_begin(b, n + 1, 1, 1);
  if (p == NULL) return 0;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return vec_end(b, n);
}

tmc_fbw_ref tmc_fbw_string(tmc_fbw *b, const char *s) {
  return tmc_fbw_string_n(b, s, strlen(s));
}

tmc_fbw_ref tmc_fbw_vec_u8(tmc_fbw *b, const uint8_t *v, size_t n,
                           size_t force_align) {
  uint8_t *p = vec_begin(b, n, 1, force_align);
  if (p == NULL) return 0;
  if (n) memcpy(p, v, n);
  return vec_end(b, n);
}

/* Vectors of little-endian scalars: element size, the put function and the
 * cast to its argument type. */
#define FBW_VEC(name, type, size, put, cast)                                 \
  tmc_fbw_ref tmc_fbw_vec_##name(tmc_fbw *b, const type *v, size_t n) {      \
    uint8_t *p = vec_begin(b, n, size, size);                                \
    if (p == NULL) return 0;                                                 \
    for (size_t i = 0; i < n; i++) put(p + (size) * i, (cast)v[i]);          \
    return vec_end(b, n);                                                    \
  }
FBW_VEC(i32, int32_t, 4, tmc_le_put_u32, uint32_t)
FBW_VEC(u32, uint32_t, 4, tmc_le_put_u32, uint32_t)
FBW_VEC(i64, int64_t, 8, tmc_le_put_u64, uint64_t)
FBW_VEC(f32, float, 4, tmc_le_put_f32, float)
#undef FBW_VEC

tmc_fbw_ref tmc_fbw_vec_refs(tmc_fbw *b, const tmc_fbw_ref *v, size_t n) {
  tmc_fbw_ref before = here(b);
  for (size_t i = 0; i < n; i++) {
    if (v[i] == 0 || v[i] > before) {
      fail(b, TMC_ERR_USAGE, "vector of offsets holds an unwritten object");
      return 0;
    }
  }
  uint8_t *p = vec_begin(b, n, 4, 4);
  if (p == NULL) return 0;
  /* Element i sits at ref (data start - 4 i); its uoffset is the distance
   * forward to the target. */
  tmc_fbw_ref start = here(b);
  for (size_t i = 0; i < n; i++)
    tmc_le_put_u32(p + 4 * i, (uint32_t)(start - 4 * i - v[i]));
  return vec_end(b, n);
}

void tmc_fbw_table_start(tmc_fbw *b) {
  if (b->err != TMC_OK) return;
  if (b->in_table) {
    fail(b, TMC_ERR_USAGE, "table started inside a table");
    return;
  }
  b->in_table = true;
  b->table_has_data = false;
  b->n_fields = 0;
  memset(b->field, 0, sizeof b->field);
  b->table_start = here(b);
}

/* Checks that field id can be added now. */
static bool field_ok(tmc_fbw *b, int id) {
  if (b->err != TMC_OK) return false;
  if (!b->in_table) {
    fail(b, TMC_ERR_USAGE, "field added outside a table");
    return false;
  }
  if (id < 0 || id >= TMC_FBW_MAX_FIELDS) {
    fail(b, TMC_ERR_USAGE, "table field id out of range");
    return false;
  }
  if (b->field[id] != 0) {
    fail(b, TMC_ERR_USAGE, "table field added twice");
    return false;
  }
  return true;
}

/* Called after a field's padding, before its bytes: the first field's
 * bytes end the table, so padding in front of it (alignment of the field
 * relative to whatever precedes the table) stays out of the object size and
 * equal layouts share a vtable. */
static void field_begin(tmc_fbw *b) {
  if (b->table_has_data) return;
  b->table_has_data = true;
  b->table_start = here(b);
}

/* Records that field id starts at the current front. */
static void field_set(tmc_fbw *b, int id) {
  b->field[id] = here(b);
  if (id + 1 > b->n_fields) b->n_fields = id + 1;
}

/* Adds an inline scalar of n bytes (already little-endian), aligned to n. */
static void add_scalar(tmc_fbw *b, int id, const uint8_t *le, size_t n) {
  if (!field_ok(b, id) || !prep(b, n, n)) return;
  field_begin(b);
  uint8_t *p = push(b, n);
  if (p == NULL) return;
  memcpy(p, le, n);
  field_set(b, id);
}

void tmc_fbw_add_u8(tmc_fbw *b, int id, uint8_t v) { add_scalar(b, id, &v, 1); }

void tmc_fbw_add_i8(tmc_fbw *b, int id, int8_t v) {
  uint8_t u = (uint8_t)v;
  add_scalar(b, id, &u, 1);
}

void tmc_fbw_add_bool(tmc_fbw *b, int id, bool v) {
  uint8_t u = v ? 1 : 0;
  add_scalar(b, id, &u, 1);
}

/* The little-endian unsigned field of each width and its signed twin. */
#define FBW_ADD_INT(bits)                                                    \
  void tmc_fbw_add_u##bits(tmc_fbw *b, int id, uint##bits##_t v) {           \
    uint8_t le[(bits) / 8];                                                  \
    tmc_le_put_u##bits(le, v);                                               \
    add_scalar(b, id, le, (bits) / 8);                                       \
  }                                                                          \
  void tmc_fbw_add_i##bits(tmc_fbw *b, int id, int##bits##_t v) {            \
    tmc_fbw_add_u##bits(b, id, (uint##bits##_t)v);                           \
  }
FBW_ADD_INT(16)
FBW_ADD_INT(32)
FBW_ADD_INT(64)
#undef FBW_ADD_INT

void tmc_fbw_add_f32(tmc_fbw *b, int id, float v) {
  uint8_t le[4];
  tmc_le_put_f32(le, v);
  add_scalar(b, id, le, 4);
}

void tmc_fbw_add_f64(tmc_fbw *b, int id, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  tmc_fbw_add_u64(b, id, u);
}

void tmc_fbw_add_ref(tmc_fbw *b, int id, tmc_fbw_ref ref) {
  if (ref == 0 || !field_ok(b, id)) return;
  if (ref > b->size) {
    fail(b, TMC_ERR_USAGE, "table field refers to an unwritten object");
    return;
  }
  if (!prep(b, 4, 4)) return;
  field_begin(b);
  uint8_t *p = push(b, 4);
  if (p == NULL) return;
  tmc_le_put_u32(p, (uint32_t)(here(b) - ref));
  field_set(b, id);
}

/* Returns an identical vtable written before, or 0. */
static tmc_fbw_ref find_vtable(tmc_fbw *b, const uint8_t *vt, size_t len) {
  for (size_t i = 0; i < b->n_vtables; i++) {
    const uint8_t *p = at(b, b->vtables[i]);
    if (tmc_le_u16(p) == len && memcmp(p, vt, len) == 0) return b->vtables[i];
  }
  return 0;
}

/* Remembers a new vtable for deduplication. */
static void keep_vtable(tmc_fbw *b, tmc_fbw_ref vt) {
  if (b->n_vtables == b->cap_vtables) {
    size_t cap = b->cap_vtables ? 2 * b->cap_vtables : 16;
    tmc_fbw_ref *p = counted_realloc(b, b->vtables, cap * sizeof *p);
    if (p == NULL) {
      fail(b, TMC_ERR_NOMEM, "out of memory listing vtables");
      return;
    }
    b->vtables = p;
    b->cap_vtables = cap;
  }
  b->vtables[b->n_vtables++] = vt;
}

tmc_fbw_ref tmc_fbw_table_end(tmc_fbw *b) {
  if (b->err != TMC_OK) return 0;
  if (!b->in_table) {
    fail(b, TMC_ERR_USAGE, "table ended without being started");
    return 0;
  }
  b->in_table = false;
  /* 1. The soffset to the vtable starts the table (filled in at step 4). */
  if (!prep(b, 4, 4)) return 0;
  field_begin(b); /* a table without fields is just the soffset */
  if (push(b, 4) == NULL) return 0;
  tmc_fbw_ref table = here(b);
  size_t obj = table - b->table_start;
  if (obj > 0xffff) {
    fail(b, TMC_ERR_LIMIT, "table larger than 64 KiB");
    return 0;
  }
  /* 2. vtable: its size, the table's size, then each field's offset from
   * the table start (0 when absent). */
  uint8_t vt[4 + 2 * TMC_FBW_MAX_FIELDS];
  size_t len = 4 + 2 * (size_t)b->n_fields;
  tmc_le_put_u16(vt, (uint16_t)len);
  tmc_le_put_u16(vt + 2, (uint16_t)obj);
  for (int i = 0; i < b->n_fields; i++) {
    uint16_t off = b->field[i] ? (uint16_t)(table - b->field[i]) : 0;
    tmc_le_put_u16(vt + 4 + 2 * i, off);
  }
  /* 3. Reuse an identical vtable, or write this one just before the table. */
  tmc_fbw_ref vref = find_vtable(b, vt, len);
  if (vref == 0) {
    if (!prep(b, 2, len)) return 0;
    uint8_t *p = push(b, len);
    if (p == NULL) return 0;
    memcpy(p, vt, len);
    vref = here(b);
    keep_vtable(b, vref);
  }
  /* 4. vtable = table - soffset. */
  tmc_le_put_u32(at(b, table), (uint32_t)(int32_t)((int64_t)vref - (int64_t)table));
  return b->err == TMC_OK ? table : 0;
}

tmc_status tmc_fbw_finish(tmc_fbw *b, tmc_fbw_ref root, const char *file_id,
                          uint8_t **out, size_t *out_len, tmc_diag *d) {
  *out = NULL;
  *out_len = 0;
  if (b->in_table) fail(b, TMC_ERR_USAGE, "finished inside a table");
  if (file_id != NULL && strlen(file_id) != 4)
    fail(b, TMC_ERR_USAGE, "file identifier is not 4 characters");
  if (b->err == TMC_OK && (root == 0 || root > b->size))
    fail(b, TMC_ERR_USAGE, "root is not a written table");
  /* Pad so the finished size is a multiple of the largest alignment: then
   * every object aligned relative to the end is aligned absolutely. */
  size_t head = file_id ? 8 : 4;
  size_t align = b->max_align > 4 ? b->max_align : 4;
  if (prep(b, align, head) && file_id) {
    uint8_t *p = push(b, 4);
    if (p) memcpy(p, file_id, 4);
  }
  uint8_t *p = push(b, 4);
  if (p) tmc_le_put_u32(p, (uint32_t)(here(b) - root));
  if (b->err != TMC_OK) {
    tmc_status s = b->err;
    const char *what = b->err_what;
    tmc_fbw_free(b);
    tmc_fbw_init(b);
    return tmc_fail(d, s, "flatbuffer builder: %s", what);
  }
  /* Move the data to the start of the allocation and trim it. */
  size_t n = b->size;
  memmove(b->buf, b->buf + (b->cap - n), n);
  uint8_t *shrunk = realloc(b->buf, n);
  *out = shrunk ? shrunk : b->buf;
  *out_len = n;
  b->buf = NULL;
  tmc_fbw_free(b);
  tmc_fbw_init(b);
  return TMC_OK;
}
