/* Negative tests of the reader (label unit): every error path of fb.c and
 * tflite_read.c, each asserting the status and a message substring naming
 * the element. Malformed files come from a valid fixture written with
 * tmc_tfl_write and patched (an independent little navigator below finds
 * the root table, vtables, fields and vectors), from flatbuffers assembled
 * with the project's builder (fb_write.h) where objects must be shared or
 * huge, or from bytes laid out by hand. Every read gets a copy of the file
 * in an allocation of exactly its length, so AddressSanitizer reports any
 * read past the end. Finally every truncation of each fixture model must
 * end in a clean error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/le.h"
#include "base/limits.h"
#include "base/status.h"
#include "fixtures/op_fixtures.h"
#include "ir/build.h"
#include "reader/fb.h"
#include "reader/fb_write.h"
#include "reader/fixture_bytes.h"
#include "reader/tflite.h"
#include "reader/tflite_write.h"

#define SUBJECT "fx.tflite"

/* ---- a file being patched -------------------------------------------------- */

typedef struct buf {
  uint8_t *b;
  size_t len;
} buf;

/* File buffers still held when a test stops at a failed assertion are
 * freed by the teardown, so a failure does not also show up as a leak. */
static void *g_held[16];

static void hold(void *p) {
  for (size_t i = 0; i < sizeof g_held / sizeof g_held[0]; i++)
    if (g_held[i] == NULL) {
      g_held[i] = p;
      return;
    }
}

static void release(void *p, void *replacement) {
  for (size_t i = 0; i < sizeof g_held / sizeof g_held[0]; i++)
    if (g_held[i] == p && p != NULL) {
      g_held[i] = replacement;
      return;
    }
  if (replacement) hold(replacement);
}

static int free_held(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof g_held / sizeof g_held[0]; i++) {
    free(g_held[i]);
    g_held[i] = NULL;
  }
  return 0;
}

static buf fixture(tt_fixture which) {
  buf f;
  f.b = tt_fixture_bytes(which, &f.len);
  assert_non_null(f.b);
  hold(f.b);
  return f;
}

static void buf_free(buf *f) {
  release(f->b, NULL);
  free(f->b);
  f->b = NULL;
  f->len = 0;
}

static uint32_t rd32(const buf *f, uint32_t p) {
  assert_true((size_t)p + 4 <= f->len);
  return tmc_le_u32(f->b + p);
}
static uint16_t rd16(const buf *f, uint32_t p) {
  assert_true((size_t)p + 2 <= f->len);
  return tmc_le_u16(f->b + p);
}
static void wr32(buf *f, uint32_t p, uint32_t v) {
  assert_true((size_t)p + 4 <= f->len);
  tmc_le_put_u32(f->b + p, v);
}
static void wr16(buf *f, uint32_t p, uint16_t v) {
  assert_true((size_t)p + 2 <= f->len);
  tmc_le_put_u16(f->b + p, v);
}

/* Appends n bytes (zeros when data is NULL) at an offset aligned to align;
 * returns that offset. */
static uint32_t append(buf *f, const void *data, size_t n, size_t align) {
  size_t pos = (f->len + align - 1) / align * align;
  uint8_t *nb = realloc(f->b, pos + n);
  assert_non_null(nb);
  memset(nb + f->len, 0, pos - f->len);
  if (data)
    memcpy(nb + pos, data, n);
  else
    memset(nb + pos, 0, n);
  release(f->b, nb);
  f->b = nb;
  f->len = pos + n;
  return (uint32_t)pos;
}

/* ---- navigation (trusts the file: only used on valid fixtures) ---------- */

static uint32_t root_of(const buf *f) { return rd32(f, 0); }
static uint32_t vtable_of(const buf *f, uint32_t t) {
  return (uint32_t)((int64_t)t - (int32_t)rd32(f, t));
}
/* Position of the vtable slot of field id (0 when the vtable is shorter). */
static uint32_t slot_of(const buf *f, uint32_t t, int id) {
  uint32_t vt = vtable_of(f, t);
  uint32_t slot = 4 + 2 * (uint32_t)id;
  return slot + 2 <= rd16(f, vt) ? vt + slot : 0;
}
/* Position of field id of table t; 0 when absent. */
static uint32_t field_at(const buf *f, uint32_t t, int id) {
  uint32_t s = slot_of(f, t, id);
  uint16_t fo = s ? rd16(f, s) : 0;
  return fo ? t + fo : 0;
}
static uint32_t deref(const buf *f, uint32_t p) { return p + rd32(f, p); }
/* Target of the offset field id of table t (must be present). */
static uint32_t target_of(const buf *f, uint32_t t, int id) {
  uint32_t p = field_at(f, t, id);
  assert_true(p != 0);
  return deref(f, p);
}
/* Table i of the vector at v. */
static uint32_t vec_table(const buf *f, uint32_t v, uint32_t i) {
  return deref(f, v + 4 + 4 * i);
}

/* Model fields (schema.fbs): 0 version, 1 operator_codes, 2 subgraphs,
 * 3 description, 4 buffers. SubGraph: 0 tensors, 1 inputs, 2 outputs,
 * 3 operators, 4 name. Tensor: 0 shape, 1 type, 2 buffer, 3 name,
 * 4 quantization. QuantizationParameters: 2 scale, 3 zero_point. */
static uint32_t subgraph0(const buf *f) { return vec_table(f, target_of(f, root_of(f), 2), 0); }
static uint32_t tensor_at(const buf *f, uint32_t k) {
  return vec_table(f, target_of(f, subgraph0(f), 0), k);
}

/* Gives table t a private copy of its vtable (the writer shares identical
 * vtables), appended to the file; returns the copy's offset. */
static uint32_t own_vtable(buf *f, uint32_t t) {
  uint32_t vt = vtable_of(f, t);
  uint16_t n = rd16(f, vt);
  uint8_t *copy = malloc(n);
  assert_non_null(copy);
  memcpy(copy, f->b + vt, n);
  uint32_t pos = append(f, copy, n, 4);
  free(copy);
  wr32(f, t, (uint32_t)(int32_t)((int64_t)t - (int64_t)pos));
  return pos;
}

/* ---- expectations -------------------------------------------------------- */

/* Reads a copy of b[0..len) in an allocation of exactly len bytes. */
static tmc_status read_copy(const uint8_t *b, size_t len, tmc_diag *d) {
  uint8_t *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  if (len) memcpy(copy, b, len);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model m;
  tmc_diag_init(d, SUBJECT);
  tmc_status s = tmc_tfl_read(copy, len, &a, &m, d);
  tmc_arena_free(&a);
  free(copy);
  return s;
}

/* Asserts status want and every substring (NULL-terminated list). */
static void check_diag(tmc_status s, const tmc_diag *d, tmc_status want,
                       const char *const *subs) {
  bool ok = s == want && d->status == want &&
            strncmp(d->msg, SUBJECT ": ", strlen(SUBJECT ": ")) == 0;
  for (const char *const *p = subs; *p; p++) ok = ok && strstr(d->msg, *p) != NULL;
  if (!ok) {
    print_error("expected %s with:", tmc_status_str(want));
    for (const char *const *p = subs; *p; p++) print_error(" '%s'", *p);
    print_error("\n     got %s: '%s'\n", tmc_status_str(s), d->msg);
  }
  assert_true(ok);
}

static void expect_error_(const uint8_t *b, size_t len, tmc_status want,
                          const char *const *subs) {
  tmc_diag d;
  tmc_status s = read_copy(b, len, &d);
  check_diag(s, &d, want, subs);
}

#define EXPECT_ERROR(f, want, ...) \
  expect_error_((f)->b, (f)->len, want, (const char *const[]){__VA_ARGS__, NULL})

/* "at offset 123" and similar fragments. */
static const char *fmt(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static const char *fmt(const char *format, ...) {
  static char ring[8][256];
  static int next;
  char *s = ring[next++ % 8];
  va_list ap;
  va_start(ap, format);
  vsnprintf(s, sizeof ring[0], format, ap);
  va_end(ap);
  return s;
}

/* ---- sanity: the fixtures read ------------------------------------------- */

static void test_fixtures_read(void **state) {
  (void)state;
  for (int i = 0; i < TT_FX_COUNT; i++) {
    buf f = fixture((tt_fixture)i);
    tmc_diag d;
    tmc_status s = read_copy(f.b, f.len, &d);
    if (s != TMC_OK) print_error("%s: %s\n", tt_fixture_names[i], d.msg);
    assert_int_equal(s, TMC_OK);
    buf_free(&f);
  }
  /* The navigator agrees with the reader on the conv fixture's layout. */
  buf f = fixture(TT_FX_CONV);
  assert_memory_equal(f.b + 4, "TFL3", 4);
  uint32_t t0 = tensor_at(&f, 0);
  const char *name = (const char *)f.b + target_of(&f, t0, 3) + 4;
  assert_string_equal(name, "input");
  assert_string_equal((const char *)f.b + target_of(&f, tensor_at(&f, 1), 3) + 4,
                      "conv/weights");
  buf_free(&f);
}

/* ---- file size and identifier ------------------------------------------- */

static void test_too_short(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  for (size_t n = 0; n < 8; n++) {
    tmc_diag d;
    tmc_status s = read_copy(f.b, n, &d);
    check_diag(s, &d, TMC_ERR_FORMAT,
               (const char *const[]){fmt("file is %zu bytes", n),
                                     "too short for a flatbuffer (at least 8)", NULL});
  }
  buf_free(&f);
}

#if SIZE_MAX > TMC_MAX_MODEL_BYTES
static void test_too_large(void **state) {
  (void)state;
  /* The size check comes before any byte is read, so a small buffer with
   * an over-large length exercises it without 2 GB of memory. (Where size_t
   * cannot hold the length, main() does not list this test: no skip.) */
  buf f = fixture(TT_FX_CONV);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model m;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  tmc_status s = tmc_tfl_read(f.b, (size_t)TMC_MAX_MODEL_BYTES + 1, &a, &m, &d);
  check_diag(s, &d, TMC_ERR_LIMIT,
             (const char *const[]){"file is 2147483648 bytes",
                                   "more than the 2147483647 a flatbuffer can address",
                                   NULL});
  tmc_arena_free(&a);
  buf_free(&f);
}
#endif

static void test_wrong_identifier(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  memcpy(f.b + 4, "TFL2", 4);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "file identifier is 'TFL2', expected 'TFL3'",
               "not a .tflite model?");
  memcpy(f.b + 4, "\x01\x7f" "AB", 4); /* unprintable bytes show as '?' */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "file identifier is '??AB'");
  buf_free(&f);
}

/* ---- tables and vtables (the root table) --------------------------------- */

static void test_root_offset_out_of_range(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t len = (uint32_t)f.len;
  wr32(&f, 0, len - 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: table at offset %u lies outside the %u-byte file", len - 2,
                   len));
  wr32(&f, 0, 0xFFFFFFFFu);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "root table: table at offset 4294967295 lies outside");
  buf_free(&f);
}

static void test_misaligned_table(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  wr32(&f, 0, root + 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: table at offset %u is not 4-byte aligned", root + 2));
  buf_free(&f);
  /* A table reached through a vector of offsets: tensor 1. */
  f = fixture(TT_FX_CONV);
  uint32_t tv = target_of(&f, subgraph0(&f), 0);
  wr32(&f, tv + 4 + 4, rd32(&f, tv + 4 + 4) + 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "subgraph 0 tensor 1: table: table at offset",
               "is not 4-byte aligned");
  buf_free(&f);
}

static void test_vtable_out_of_range(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f), len = (uint32_t)f.len;
  const char *want = fmt("root table: vtable of table at offset %u lies outside the file", root);
  wr32(&f, root, root + 4); /* vtable at -4 */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, want);
  wr32(&f, root, (uint32_t)((int64_t)root - (int64_t)len)); /* at the end of the file */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, want);
  wr32(&f, root, 0x80000000u); /* most negative soffset: far past the end */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, want);
  buf_free(&f);
}

static void test_vtable_odd(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = vtable_of(&f, root);
  wr32(&f, root, rd32(&f, root) + 1);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: vtable at offset %u is not 2-byte aligned", vt - 1));
  buf_free(&f);
}

static void test_vtable_too_small(void **state) {
  (void)state;
  static const uint16_t sizes[] = {0, 2, 7, 9};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    buf f = fixture(TT_FX_CONV);
    uint32_t vt = own_vtable(&f, root_of(&f));
    wr16(&f, vt, sizes[i]);
    EXPECT_ERROR(&f, TMC_ERR_FORMAT,
                 fmt("root table: vtable at offset %u has invalid size %u", vt, sizes[i]));
    buf_free(&f);
  }
}

static void test_vtable_past_end(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint16_t tsize = rd16(&f, vtable_of(&f, root) + 2);
  /* A vtable whose 4-byte header is the last thing in the file but which
   * claims 12 bytes. */
  uint8_t head[4];
  tmc_le_put_u16(head, 12);
  tmc_le_put_u16(head + 2, tsize);
  uint32_t vt = append(&f, head, 4, 4);
  wr32(&f, root, (uint32_t)(int32_t)((int64_t)root - vt));
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: vtable at offset %u runs past the end of the file", vt));
  buf_free(&f);
}

static void test_table_past_end(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = own_vtable(&f, root);
  uint32_t too_big = (uint32_t)f.len - root + 4;
  assert_true(too_big <= (uint32_t)f.len && too_big < 65536);
  wr16(&f, vt + 2, (uint16_t)too_big);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: table at offset %u (%u bytes) runs past the end of the file",
                   root, too_big));
  /* A table smaller than its own vtable offset is invalid too. */
  wr16(&f, vt + 2, 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, fmt("table at offset %u (2 bytes)", root));
  buf_free(&f);
}

/* ---- fields -------------------------------------------------------------- */

static void test_field_outside_table(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = own_vtable(&f, root);
  uint16_t tsize = rd16(&f, vt + 2);
  /* version (field 0, 4 bytes) starting 2 bytes before the table's end */
  wr16(&f, vt + 4, (uint16_t)(tsize - 2));
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: version: field at table offset %u does not fit in the %u-byte "
                   "table at offset %u", tsize - 2, tsize, root));
  /* an offset inside the table's own vtable offset */
  wr16(&f, vt + 4, 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "model: version: field at table offset 2 does not fit");
  buf_free(&f);
  /* Same for an offset field of a tensor (name). */
  f = fixture(TT_FX_CONV);
  uint32_t t1 = tensor_at(&f, 1);
  vt = own_vtable(&f, t1);
  wr16(&f, vt + 4 + 2 * 3, rd16(&f, vt + 2));
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "subgraph 0 tensor 1: name: field at table offset",
               "does not fit in the");
  buf_free(&f);
}

static void test_misaligned_scalar(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = own_vtable(&f, root);
  uint16_t tsize = rd16(&f, vt + 2);
  assert_true(tsize >= 10 && root % 4 == 0);
  wr16(&f, vt + 4, 6); /* version at root + 6: 2 mod 4 */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: version: field at offset %u is not 4-byte aligned", root + 6));
  buf_free(&f);
}

/* Direct use of fb.c: an 8-byte scalar out of alignment, and vectors of
 * strings (which tflite_read does not use). */
static void test_fb_u64_and_string_vector(void **state) {
  (void)state;
  tmc_fbw w;
  tmc_fbw_init(&w);
  tmc_fbw_ref s1 = tmc_fbw_string(&w, "first");
  tmc_fbw_ref s2 = tmc_fbw_string(&w, "second");
  tmc_fbw_ref sv = tmc_fbw_vec_refs(&w, (tmc_fbw_ref[]){s1, s2}, 2);
  tmc_fbw_table_start(&w);
  tmc_fbw_add_ref(&w, 0, sv);
  tmc_fbw_add_u64(&w, 1, 0x0102030405060708ull);
  tmc_fbw_add_u32(&w, 2, 7);
  tmc_fbw_ref root = tmc_fbw_table_end(&w);
  buf f;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fbw_finish(&w, root, "TEST", &f.b, &f.len, &d), TMC_OK);
  hold(f.b);
  tmc_fbw_free(&w);

  tmc_fb fb;
  tmc_fb_table t;
  tmc_fb_vec v;
  const char *s;
  uint64_t u64;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fb_open(&fb, f.b, f.len, "TEST", &d, &t), TMC_OK);
  assert_int_equal(tmc_fb_u64(&fb, &t, 1, 0, &u64, "big"), TMC_OK);
  assert_true(u64 == 0x0102030405060708ull);
  assert_int_equal(tmc_fb_vector(&fb, &t, 0, 4, 4, true, &v, NULL, "names"), TMC_OK);
  assert_int_equal(v.n, 2);
  assert_int_equal(tmc_fb_vec_string(&fb, &v, 1, &s, "names"), TMC_OK);
  assert_string_equal(s, "second");

  /* u64 moved 4 bytes: still inside the table, no longer 8-aligned. */
  uint32_t r = root_of(&f);
  uint32_t vt = own_vtable(&f, r);
  uint16_t fo = rd16(&f, vt + 6), tsize = rd16(&f, vt + 2);
  uint16_t bad = (uint16_t)(fo >= 8 ? fo - 4 : fo + 4);
  assert_true(bad >= 4 && bad + 8 <= tsize && (r + bad) % 8 != 0);
  wr16(&f, vt + 6, bad);
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fb_open(&fb, f.b, f.len, "TEST", &d, &t), TMC_OK);
  tmc_status st = tmc_fb_u64(&fb, &t, 1, 0, &u64, "big");
  check_diag(st, &d, TMC_ERR_FORMAT,
             (const char *const[]){fmt("big: field at offset %u is not 8-byte aligned", r + bad),
                                   NULL});

  /* String element 0 loses its NUL. */
  uint32_t vec = target_of(&f, r, 0);
  uint32_t str = deref(&f, vec + 4);
  uint32_t n = rd32(&f, str);
  f.b[str + 4 + n] = 'x';
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fb_open(&fb, f.b, f.len, "TEST", &d, &t), TMC_OK);
  assert_int_equal(tmc_fb_vector(&fb, &t, 0, 4, 4, true, &v, NULL, "names"), TMC_OK);
  st = tmc_fb_vec_string(&fb, &v, 0, &s, "names");
  check_diag(st, &d, TMC_ERR_FORMAT,
             (const char *const[]){fmt("names: string at offset %u is not NUL-terminated", str),
                                   NULL});
  /* String element 1's offset points past the end. */
  wr32(&f, vec + 8, (uint32_t)f.len);
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fb_open(&fb, f.b, f.len, "TEST", &d, &t), TMC_OK);
  assert_int_equal(tmc_fb_vector(&fb, &t, 0, 4, 4, true, &v, NULL, "names"), TMC_OK);
  st = tmc_fb_vec_string(&fb, &v, 1, &s, "names");
  check_diag(st, &d, TMC_ERR_FORMAT,
             (const char *const[]){fmt("names: offset %u at %u points outside the %zu-byte file",
                                       (uint32_t)f.len, vec + 8, f.len),
                                   NULL});
  buf_free(&f);
}

/* ---- offsets, vectors, strings ------------------------------------------ */

static void test_offset_out_of_range(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t p = field_at(&f, root_of(&f), 2); /* subgraphs */
  uint32_t len = (uint32_t)f.len;
  wr32(&f, p, len - p + 4);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: subgraphs: offset %u at %u points outside the %u-byte file",
                   len - p + 4, p, len));
  wr32(&f, p, 0xFFFFFFFFu);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "model: subgraphs: offset 4294967295 at",
               "points outside");
  wr32(&f, p, 0); /* an offset of 0 points at itself: never valid */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, fmt("model: subgraphs: offset 0 at %u points outside", p));
  buf_free(&f);
  /* A sub-table offset (tensor 0's quantization) out of range. */
  f = fixture(TT_FX_CONV);
  p = field_at(&f, tensor_at(&f, 0), 4);
  assert_true(p != 0);
  wr32(&f, p, (uint32_t)f.len);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "subgraph 0 tensor 0 'input': quantization: offset",
               "points outside");
  buf_free(&f);
}

static void test_vector_outside_file(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t p = field_at(&f, root_of(&f), 4); /* buffers */
  uint32_t len = (uint32_t)f.len;
  wr32(&f, p, len - 2 - p); /* length word would straddle the end */
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: buffers: vector at offset %u lies outside the file", len - 2));
  buf_free(&f);
}

static void test_vector_past_end(void **state) {
  (void)state;
  static const uint32_t counts[] = {0x7fffffffu, 0xffffffffu, 0x40000000u};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    buf f = fixture(TT_FX_CONV);
    uint32_t v = target_of(&f, root_of(&f), 2); /* subgraphs */
    wr32(&f, v, counts[i]);
    EXPECT_ERROR(&f, TMC_ERR_FORMAT,
                 fmt("model: subgraphs: vector of %u elements of 4 bytes at offset %u runs "
                     "past the end of the %zu-byte file", counts[i], v, f.len));
    buf_free(&f);
  }
  /* A tensor's shape: the message names the tensor. */
  buf f = fixture(TT_FX_CONV);
  uint32_t shape = target_of(&f, tensor_at(&f, 3), 0);
  wr32(&f, shape, 0x7fffffffu);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "subgraph 0 tensor 3 'output': shape: vector of 2147483647",
               "runs past the end");
  buf_free(&f);
  /* Bytes (Buffer.data, 1-byte elements) one past the end. */
  f = fixture(TT_FX_CONV);
  uint32_t bufs = target_of(&f, root_of(&f), 4);
  uint32_t b1 = vec_table(&f, bufs, 1);
  uint32_t data = target_of(&f, b1, 0);
  wr32(&f, data, (uint32_t)f.len - data - 4 + 1);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "buffer 1: data: vector of", "elements of 1 bytes",
               "runs past the end");
  buf_free(&f);
}

static void test_misaligned_vector(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t p = field_at(&f, root_of(&f), 2);
  uint32_t v = deref(&f, p);
  wr32(&f, p, rd32(&f, p) + 2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: subgraphs: vector at offset %u is not 4-byte aligned", v + 2));
  buf_free(&f);
}

static void test_misaligned_vector_data(void **state) {
  (void)state;
  /* zero_point is a vector of int64: its data must be 8-aligned. Point
   * tensor 0's zero_point at a copy whose data starts at 4 mod 8. */
  buf f = fixture(TT_FX_CONV);
  uint32_t q = target_of(&f, tensor_at(&f, 0), 4);
  uint32_t zp_field = field_at(&f, q, 3);
  assert_true(zp_field != 0);
  uint8_t vec[12];
  tmc_le_put_u32(vec, 1);
  tmc_le_put_u64(vec + 4, (uint64_t)(int64_t)-10);
  uint32_t at = append(&f, vec, sizeof vec, 8); /* length at 0 mod 8: data at 4 mod 8 */
  wr32(&f, zp_field, at - zp_field);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("subgraph 0 tensor 0 'input': quantization.zero_point: vector data at "
                   "offset %u is not 8-byte aligned", at + 4));
  buf_free(&f);
}

static void test_string_not_terminated(void **state) {
  (void)state;
  /* The model description loses its NUL. */
  buf f = fixture(TT_FX_CONV);
  uint32_t s = target_of(&f, root_of(&f), 3);
  uint32_t n = rd32(&f, s);
  assert_int_equal(f.b[s + 4 + n], 0);
  f.b[s + 4 + n] = '!';
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("model: description: string at offset %u is not NUL-terminated", s));
  buf_free(&f);
  /* A tensor name that runs to the very end of the file. */
  f = fixture(TT_FX_CONV);
  uint32_t name_field = field_at(&f, tensor_at(&f, 2), 3);
  uint8_t str[4 + 5];
  tmc_le_put_u32(str, 5);
  memcpy(str + 4, "abcde", 5);
  uint32_t at = append(&f, str, sizeof str, 4);
  wr32(&f, name_field, at - name_field);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("subgraph 0 tensor 2: name: string at offset %u is not NUL-terminated", at));
  buf_free(&f);
}

/* ---- nesting and the decode budget -------------------------------------- */

static void test_nesting_depth(void **state) {
  (void)state;
  /* 80 tables chained through field 0, sharing one vtable at offset 8. The
   * TFLite schema nests at most 5 deep, so this goes through fb.c directly. */
  enum { N = 80 };
  size_t len = 16 + 8 * N;
  uint8_t *b = calloc(1, len);
  assert_non_null(b);
  tmc_le_put_u32(b, 16);
  memcpy(b + 4, "NEST", 4);
  tmc_le_put_u16(b + 8, 6);  /* vtable: 6 bytes */
  tmc_le_put_u16(b + 10, 8); /* tables: 8 bytes */
  tmc_le_put_u16(b + 12, 4); /* field 0 at +4 */
  for (uint32_t k = 0; k < N; k++) {
    uint32_t t = 16 + 8 * k;
    tmc_le_put_u32(b + t, t - 8);
    tmc_le_put_u32(b + t + 4, k + 1 < N ? 4 : 0);
  }
  tmc_fb fb;
  tmc_fb_table t, next;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fb_open(&fb, b, len, "NEST", &d, &t), TMC_OK);
  /* Entering and leaving keeps the depth balanced. */
  bool present;
  for (int i = 0; i < 200; i++) {
    assert_int_equal(tmc_fb_table_field(&fb, &t, 0, &next, &present, "next"), TMC_OK);
    assert_true(present);
    tmc_fb_leave(&fb);
  }
  int entered = 0;
  tmc_status s = TMC_OK;
  for (; entered < N; entered++) {
    s = tmc_fb_table_field(&fb, &t, 0, &next, &present, "next");
    if (s != TMC_OK) break;
    t = next;
  }
  /* The root counts as depth 1: 63 more tables fit under the limit. */
  assert_int_equal(entered, TMC_MAX_FB_DEPTH - 1);
  check_diag(s, &d, TMC_ERR_FORMAT,
             (const char *const[]){fmt("next: tables nested deeper than %d", TMC_MAX_FB_DEPTH),
                                   NULL});
  free(b);
}

/* Finishes a model built with fb_write into f. */
static buf finish_model(tmc_fbw *w, tmc_fbw_ref root) {
  buf f;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  tmc_status s = tmc_fbw_finish(w, root, "TFL3", &f.b, &f.len, &d);
  hold(f.b);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  tmc_fbw_free(w);
  return f;
}

/* A model with one subgraph whose tensors vector is tensors (and operators
 * ops, when not 0). */
static buf model_with_subgraph(tmc_fbw *w, tmc_fbw_ref tensors, tmc_fbw_ref ops) {
  tmc_fbw_table_start(w);
  tmc_fbw_add_ref(w, 0, tensors);
  tmc_fbw_add_ref(w, 3, ops);
  tmc_fbw_ref sg = tmc_fbw_table_end(w);
  tmc_fbw_ref sgs = tmc_fbw_vec_refs(w, &sg, 1);
  tmc_fbw_table_start(w);
  tmc_fbw_add_u32(w, 0, 3);
  tmc_fbw_add_ref(w, 2, sgs);
  return finish_model(w, tmc_fbw_table_end(w));
}

static void test_shared_vector_budget(void **state) {
  (void)state;
  /* Sixteen tensors, one table, one 64 Ki-element shape vector: a valid
   * file decodes each object once, so this must hit the budget. */
  enum { DIMS = 65536, TENSORS = 16 };
  int32_t *shape = malloc(DIMS * sizeof *shape);
  assert_non_null(shape);
  for (int i = 0; i < DIMS; i++) shape[i] = 1;
  tmc_fbw w;
  tmc_fbw_init(&w);
  tmc_fbw_ref sv = tmc_fbw_vec_i32(&w, shape, DIMS);
  tmc_fbw_table_start(&w);
  tmc_fbw_add_ref(&w, 0, sv);
  tmc_fbw_ref t = tmc_fbw_table_end(&w);
  tmc_fbw_ref refs[TENSORS];
  for (int i = 0; i < TENSORS; i++) refs[i] = t;
  tmc_fbw_ref tv = tmc_fbw_vec_refs(&w, refs, TENSORS);
  buf f = model_with_subgraph(&w, tv, 0);
  free(shape);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "subgraph 0 tensor ", ": shape: objects are shared more "
               "than a valid model's can be");
  buf_free(&f);
}

static void test_shared_table_budget(void **state) {
  (void)state;
  /* 32 operator codes, all one table that claims 60000 bytes. */
  enum { CODES = 32, BIG = 60000 };
  tmc_fbw w;
  tmc_fbw_init(&w);
  tmc_fbw_table_start(&w);
  tmc_fbw_add_i32(&w, 2, 1);
  tmc_fbw_ref oc = tmc_fbw_table_end(&w);
  tmc_fbw_ref refs[CODES];
  for (int i = 0; i < CODES; i++) refs[i] = oc;
  tmc_fbw_ref ocv = tmc_fbw_vec_refs(&w, refs, CODES);
  tmc_fbw_table_start(&w);
  tmc_fbw_add_u32(&w, 0, 3);
  tmc_fbw_add_ref(&w, 1, ocv);
  buf f = finish_model(&w, tmc_fbw_table_end(&w));
  uint32_t t = vec_table(&f, target_of(&f, root_of(&f), 1), 0);
  uint32_t vt = own_vtable(&f, t);
  append(&f, NULL, BIG, 4);
  wr16(&f, vt + 2, BIG);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "operator code ", ": table: objects are shared more than");
  buf_free(&f);
}

/* ---- counts and the >2 GB layout ---------------------------------------- */

static buf huge_count_model(int which) {
  enum { N = TMC_MAX_TENSORS + 1 };
  uint32_t *zeros = calloc(N, sizeof *zeros);
  assert_non_null(zeros);
  tmc_fbw w;
  tmc_fbw_init(&w);
  tmc_fbw_ref v = tmc_fbw_vec_u32(&w, zeros, N);
  free(zeros);
  if (which == 0) return model_with_subgraph(&w, v, 0);
  if (which == 1) return model_with_subgraph(&w, 0, v);
  tmc_fbw_table_start(&w);
  tmc_fbw_add_u32(&w, 0, 3);
  tmc_fbw_add_ref(&w, 4, v);
  return finish_model(&w, tmc_fbw_table_end(&w));
}

static void test_too_many(void **state) {
  (void)state;
  /* One more than TMC_MAX_TENSORS / TMC_MAX_OPS: rejected from the count,
   * before any element is followed. */
  buf f = huge_count_model(0);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               "subgraph 0: tensors: 1000001 tensors, more than the 1000000 tmc accepts");
  buf_free(&f);
  f = huge_count_model(1);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               "subgraph 0: operators: 1000001 operators, more than the 1000000 tmc accepts");
  buf_free(&f);
  f = huge_count_model(2);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT, "model: buffers: 1000001 entries, more than tmc accepts");
  buf_free(&f);
}

static void test_buffer_outside_flatbuffer(void **state) {
  (void)state;
  /* The >2 GB layout: Buffer.offset/size instead of data. */
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_fx_conv p;
  tmc_fx_conv_defaults(&p);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_fx_conv2d(&a, &p, &m, &d), TMC_OK);
  uint32_t wbuf = m->subgraphs[0].tensors[1].buffer;
  assert_true(wbuf > 0);
  m->buffers[wbuf].data.data = NULL;
  m->buffers[wbuf].data.size = 0;
  m->buffers[wbuf].offset = 4096;
  m->buffers[wbuf].size = 108;
  buf f;
  tmc_status s = tmc_tfl_write(m, &f.b, &f.len, &d);
  hold(f.b);
  if (s != TMC_OK) print_error("writer: %s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  EXPECT_ERROR(&f, TMC_ERR_UNSUPPORTED,
               fmt("buffer %u: stored outside the flatbuffer (offset 4096, size 108)", wbuf),
               "models over 2 GB, which tmc does not support");
  buf_free(&f);
  tmc_arena_free(&a);
}

/* ---- truncations ---------------------------------------------------------- */

static void test_every_truncation(void **state) {
  (void)state;
  for (int i = 0; i < TT_FX_COUNT; i++) {
    buf f = fixture((tt_fixture)i);
    for (size_t cut = 0; cut < f.len; cut++) {
      tmc_diag d;
      tmc_status s = read_copy(f.b, cut, &d);
      if (s == TMC_OK || d.status != s ||
          strlen(d.msg) <= strlen(SUBJECT ": ")) {
        print_error("%s cut to %zu of %zu bytes: %s '%s'\n", tt_fixture_names[i], cut,
                    f.len, tmc_status_str(s), d.msg);
        fail();
      }
      /* The IR builder is never reached with a broken file. */
      uint8_t *copy = malloc(cut ? cut : 1);
      assert_non_null(copy);
      memcpy(copy, f.b, cut);
      tmc_arena a;
      tmc_arena_init(&a);
      tmc_graph g;
      tmc_diag d2;
      tmc_diag_init(&d2, SUBJECT);
      assert_int_equal(tmc_graph_load(copy, cut, SUBJECT, &a, &g, &d2), s);
      assert_string_equal(d2.msg, d.msg);
      tmc_arena_free(&a);
      free(copy);
    }
    buf_free(&f);
  }
}

/* ---- sizes larger than the whole file ------------------------------------ */

/* A vtable that claims more bytes than the whole file has (regression: fb.c
 * once checked `vt > len - vt_size` where len - vt_size wrapped around, and
 * read vtable slots past the end of the buffer). */
static void test_vtable_larger_than_file(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = own_vtable(&f, root);
  assert_true(f.len < 0xFFF0);
  wr16(&f, vt, 0xFFF0);
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: vtable at offset %u runs past the end of the file", vt));
  buf_free(&f);
}

/* A table that claims more bytes than the whole file has, with a field
 * placed beyond the end of the file (regression: `pos > len - size` wrapped
 * around and the field was read past the end of the buffer). */
static void test_table_larger_than_file(void **state) {
  (void)state;
  buf f = fixture(TT_FX_CONV);
  uint32_t root = root_of(&f);
  uint32_t vt = own_vtable(&f, root);
  assert_true(f.len + 0x100 < 0xFFF0);
  wr16(&f, vt + 2, 0xFFF0);
  /* version (4-aligned, so only the bounds check can catch it) past the end */
  wr16(&f, vt + 4, (uint16_t)((f.len + 0x100 - root + 3) & ~(size_t)3));
  EXPECT_ERROR(&f, TMC_ERR_FORMAT,
               fmt("root table: table at offset %u (65520 bytes) runs past the end of the "
                   "file", root));
  buf_free(&f);
}

/* An optional argument selects tests by name pattern (cmocka filter). */
int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_fixtures_read, free_held),
      cmocka_unit_test_teardown(test_too_short, free_held),
#if SIZE_MAX > TMC_MAX_MODEL_BYTES
      cmocka_unit_test_teardown(test_too_large, free_held),
#endif
      cmocka_unit_test_teardown(test_wrong_identifier, free_held),
      cmocka_unit_test_teardown(test_root_offset_out_of_range, free_held),
      cmocka_unit_test_teardown(test_misaligned_table, free_held),
      cmocka_unit_test_teardown(test_vtable_out_of_range, free_held),
      cmocka_unit_test_teardown(test_vtable_odd, free_held),
      cmocka_unit_test_teardown(test_vtable_too_small, free_held),
      cmocka_unit_test_teardown(test_vtable_past_end, free_held),
      cmocka_unit_test_teardown(test_table_past_end, free_held),
      cmocka_unit_test_teardown(test_vtable_larger_than_file, free_held),
      cmocka_unit_test_teardown(test_table_larger_than_file, free_held),
      cmocka_unit_test_teardown(test_field_outside_table, free_held),
      cmocka_unit_test_teardown(test_misaligned_scalar, free_held),
      cmocka_unit_test_teardown(test_fb_u64_and_string_vector, free_held),
      cmocka_unit_test_teardown(test_offset_out_of_range, free_held),
      cmocka_unit_test_teardown(test_vector_outside_file, free_held),
      cmocka_unit_test_teardown(test_vector_past_end, free_held),
      cmocka_unit_test_teardown(test_misaligned_vector, free_held),
      cmocka_unit_test_teardown(test_misaligned_vector_data, free_held),
      cmocka_unit_test_teardown(test_string_not_terminated, free_held),
      cmocka_unit_test_teardown(test_nesting_depth, free_held),
      cmocka_unit_test_teardown(test_shared_vector_budget, free_held),
      cmocka_unit_test_teardown(test_shared_table_budget, free_held),
      cmocka_unit_test_teardown(test_too_many, free_held),
      cmocka_unit_test_teardown(test_buffer_outside_flatbuffer, free_held),
      cmocka_unit_test_teardown(test_every_truncation, free_held),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
