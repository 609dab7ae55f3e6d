/* Unit tests of the flatbuffer builder (src/reader/fb_write.c): exact bytes
 * of small buffers, alignment of every kind of object, vtable sharing,
 * read-back through the checked reader (fb.c), misuse and allocation faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/le.h"
#include "reader/fb.h"
#include "reader/fb_write.h"

/* ---- a tiny independent reader for checking layouts ---------------------- */

/* Position of the root table. */
static uint32_t root_of(const uint8_t *b) { return tmc_le_u32(b); }

/* Position of field id of the table at t, or 0 when absent. */
static uint32_t field_at(const uint8_t *b, uint32_t t, int id) {
  uint32_t vt = (uint32_t)((int64_t)t - tmc_le_i32(b + t));
  uint16_t vsize = tmc_le_u16(b + vt);
  if (4 + 2 * (uint32_t)id >= vsize) return 0;
  uint16_t off = tmc_le_u16(b + vt + 4 + 2 * id);
  return off ? t + off : 0;
}

/* Follows the uoffset stored at pos. */
static uint32_t deref(const uint8_t *b, uint32_t pos) { return pos + tmc_le_u32(b + pos); }

/* Position of the vtable of the table at t. */
static uint32_t vtable_of(const uint8_t *b, uint32_t t) {
  return (uint32_t)((int64_t)t - tmc_le_i32(b + t));
}

/* Finishes b into *out, asserting success. */
static size_t finish_ok(tmc_fbw *b, tmc_fbw_ref root, const char *id, uint8_t **out) {
  tmc_diag d;
  size_t len = 0;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_fbw_finish(b, root, id, out, &len, &d), TMC_OK);
  assert_non_null(*out);
  return len;
}

/* Prints both buffers when they differ, then fails. */
static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want,
                         size_t want_len) {
  if (got_len == want_len && memcmp(got, want, want_len) == 0) return;
  for (size_t i = 0; i < got_len || i < want_len; i++) {
    if (i < got_len && i < want_len && got[i] == want[i]) continue;
    print_error("byte %zu: got %s%02x, want %s%02x\n", i, i < got_len ? "" : "(none) ",
                i < got_len ? got[i] : 0, i < want_len ? "" : "(none) ",
                i < want_len ? want[i] : 0);
  }
  fail_msg("buffers differ (got %zu bytes, want %zu)", got_len, want_len);
}

/* ---- exact layouts --------------------------------------------------------- */

/* One table, one byte field, no identifier. */
static void test_exact_one_byte_table(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  tmc_fbw_init(&b);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_u8(&b, 0, 7);
  tmc_fbw_ref t = tmc_fbw_table_end(&b);
  size_t len = finish_ok(&b, t, NULL, &out);
  static const uint8_t want[] = {
      0x0c, 0x00, 0x00, 0x00,             /* root: table at 12 */
      0x00, 0x00,                         /* padding */
      0x06, 0x00, 0x08, 0x00, 0x07, 0x00, /* vtable: 6 bytes, table 8, field 0 at +7 */
      0x06, 0x00, 0x00, 0x00,             /* table: vtable at 12 - 6 */
      0x00, 0x00, 0x00,                   /* padding */
      0x07,                               /* field 0 */
  };
  expect_bytes(out, len, want, sizeof want);
  free(out);
  tmc_fbw_free(&b);
}

/* A table holding a vector of two ints, with the "TFL3" identifier. */
static void test_exact_vector_table_ident(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  static const int32_t v[2] = {1, 2};
  tmc_fbw_init(&b);
  tmc_fbw_ref vec = tmc_fbw_vec_i32(&b, v, 2);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_ref(&b, 0, vec);
  tmc_fbw_ref t = tmc_fbw_table_end(&b);
  size_t len = finish_ok(&b, t, "TFL3", &out);
  static const uint8_t want[] = {
      0x10, 0x00, 0x00, 0x00,             /* root: table at 16 */
      'T',  'F',  'L',  '3',              /* file identifier */
      0x00, 0x00,                         /* padding */
      0x06, 0x00, 0x08, 0x00, 0x04, 0x00, /* vtable at 10 */
      0x06, 0x00, 0x00, 0x00,             /* table at 16: vtable at 16 - 6 */
      0x04, 0x00, 0x00, 0x00,             /* field 0 at 20: vector at 20 + 4 */
      0x02, 0x00, 0x00, 0x00,             /* vector length */
      0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  };
  expect_bytes(out, len, want, sizeof want);
  free(out);
  tmc_fbw_free(&b);
}

/* A string: length without the NUL, then the bytes and a NUL. */
static void test_exact_string(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  tmc_fbw_init(&b);
  tmc_fbw_ref s = tmc_fbw_string(&b, "abc");
  tmc_fbw_table_start(&b);
  tmc_fbw_add_ref(&b, 1, s);
  tmc_fbw_ref t = tmc_fbw_table_end(&b);
  size_t len = finish_ok(&b, t, NULL, &out);
  static const uint8_t want[] = {
      0x0c, 0x00, 0x00, 0x00,                         /* root: table at 12 */
      0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, /* vtable: field 0 absent */
      0x08, 0x00, 0x00, 0x00,                         /* table: vtable at 4 */
      0x04, 0x00, 0x00, 0x00,                         /* field 1: string at 20 */
      0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c', 0x00,
  };
  expect_bytes(out, len, want, sizeof want);
  free(out);
  tmc_fbw_free(&b);
}

/* ---- alignment ----------------------------------------------------------- */

/* Every scalar field is aligned to its size, every vector's data to its
 * element size (8 for int64, 16 when forced), and the buffer size is a
 * multiple of the largest alignment. */
static void test_alignment(void **state) {
  (void)state;
  for (int pre = 0; pre < 8; pre++) { /* shift everything by pre bytes */
    tmc_fbw b;
    uint8_t *out;
    static const uint8_t bytes5[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int64_t longs[3] = {-1, 2, INT64_MIN};
    tmc_fbw_init(&b);
    tmc_fbw_ref filler = tmc_fbw_vec_u8(&b, bytes5, (size_t)pre, 0);
    tmc_fbw_ref data = tmc_fbw_vec_u8(&b, bytes5, 5, 16);
    tmc_fbw_ref l = tmc_fbw_vec_i64(&b, longs, 3);
    tmc_fbw_ref s = tmc_fbw_string_n(&b, "xy", (size_t)pre % 3);
    tmc_fbw_table_start(&b);
    tmc_fbw_add_u8(&b, 0, 0xab);
    tmc_fbw_add_u64(&b, 1, 0x0102030405060708ull);
    tmc_fbw_add_u8(&b, 2, 0xcd);
    tmc_fbw_add_u16(&b, 3, 0x1234);
    tmc_fbw_add_ref(&b, 4, data);
    tmc_fbw_add_u8(&b, 5, 0xef);
    tmc_fbw_add_f64(&b, 6, 0.25);
    tmc_fbw_add_ref(&b, 7, l);
    tmc_fbw_add_i32(&b, 8, -5);
    tmc_fbw_add_ref(&b, 9, s);
    tmc_fbw_add_ref(&b, 10, filler);
    tmc_fbw_ref t = tmc_fbw_table_end(&b);
    size_t len = finish_ok(&b, t, "TFL3", &out);
    assert_int_equal(len % 16, 0);
    uint32_t r = root_of(out);
    assert_int_equal(r % 4, 0);
    assert_memory_equal(out + 4, "TFL3", 4);
    assert_int_equal(out[field_at(out, r, 0)], 0xab);
    uint32_t f1 = field_at(out, r, 1);
    assert_int_equal(f1 % 8, 0);
    assert_true(tmc_le_u64(out + f1) == 0x0102030405060708ull);
    assert_int_equal(field_at(out, r, 3) % 2, 0);
    assert_int_equal(tmc_le_u16(out + field_at(out, r, 3)), 0x1234);
    uint32_t f6 = field_at(out, r, 6);
    assert_int_equal(f6 % 8, 0);
    assert_true(tmc_le_f64(out + f6) == 0.25);
    assert_int_equal(field_at(out, r, 8) % 4, 0);
    assert_int_equal(tmc_le_i32(out + field_at(out, r, 8)), -5);
    uint32_t dv = deref(out, field_at(out, r, 4));
    assert_int_equal(dv % 4, 0);
    assert_int_equal(tmc_le_u32(out + dv), 5);
    assert_int_equal((dv + 4) % 16, 0);
    assert_memory_equal(out + dv + 4, bytes5, 5);
    uint32_t lv = deref(out, field_at(out, r, 7));
    assert_int_equal((lv + 4) % 8, 0);
    assert_int_equal(tmc_le_u32(out + lv), 3);
    for (int i = 0; i < 3; i++) assert_true(tmc_le_i64(out + lv + 4 + 8 * i) == longs[i]);
    uint32_t sv = deref(out, field_at(out, r, 9));
    assert_int_equal(sv % 4, 0);
    assert_int_equal(tmc_le_u32(out + sv), (uint32_t)pre % 3);
    assert_int_equal(out[sv + 4 + (uint32_t)pre % 3], 0);
    uint32_t fv = deref(out, field_at(out, r, 10));
    assert_int_equal(tmc_le_u32(out + fv), (uint32_t)pre);
    free(out);
    tmc_fbw_free(&b);
  }
}

/* ---- offsets --------------------------------------------------------------- */

/* A vector of offsets: each element is relative to its own position. */
static void test_vector_of_tables_and_strings(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  tmc_fbw_ref tables[5], strings[3];
  tmc_fbw_init(&b);
  for (int i = 0; i < 5; i++) {
    tmc_fbw_table_start(&b);
    tmc_fbw_add_i32(&b, 0, 100 + i);
    tables[i] = tmc_fbw_table_end(&b);
  }
  strings[0] = tmc_fbw_string(&b, "zero");
  strings[1] = tmc_fbw_string(&b, "");
  strings[2] = tmc_fbw_string(&b, "two!");
  tmc_fbw_ref tv = tmc_fbw_vec_refs(&b, tables, 5);
  tmc_fbw_ref sv = tmc_fbw_vec_refs(&b, strings, 3);
  tmc_fbw_ref empty = tmc_fbw_vec_refs(&b, NULL, 0);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_ref(&b, 0, tv);
  tmc_fbw_add_ref(&b, 1, sv);
  tmc_fbw_add_ref(&b, 2, empty);
  tmc_fbw_ref root = tmc_fbw_table_end(&b);
  finish_ok(&b, root, "TFL3", &out);
  uint32_t r = root_of(out);
  uint32_t v = deref(out, field_at(out, r, 0));
  assert_int_equal(tmc_le_u32(out + v), 5);
  uint32_t first_vt = 0;
  for (uint32_t i = 0; i < 5; i++) {
    uint32_t t = deref(out, v + 4 + 4 * i);
    assert_int_equal(t % 4, 0);
    assert_int_equal(tmc_le_i32(out + field_at(out, t, 0)), 100 + (int32_t)i);
    /* identical layouts share one vtable */
    if (i == 0) first_vt = vtable_of(out, t);
    assert_int_equal(vtable_of(out, t), first_vt);
  }
  uint32_t s = deref(out, field_at(out, r, 1));
  static const char *const want[3] = {"zero", "", "two!"};
  for (uint32_t i = 0; i < 3; i++) {
    uint32_t p = deref(out, s + 4 + 4 * i);
    assert_int_equal(tmc_le_u32(out + p), strlen(want[i]));
    assert_string_equal((const char *)out + p + 4, want[i]);
  }
  assert_int_equal(tmc_le_u32(out + deref(out, field_at(out, r, 2))), 0);
  /* the root's layout differs, so it has its own vtable */
  assert_int_not_equal(vtable_of(out, r), first_vt);
  free(out);
  tmc_fbw_free(&b);
}

/* Absent fields: ref 0 adds nothing; unused ids below the max read as 0. */
static void test_absent_fields(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  tmc_fbw_init(&b);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_ref(&b, 0, 0);
  tmc_fbw_add_i16(&b, 5, -2);
  tmc_fbw_ref t = tmc_fbw_table_end(&b);
  finish_ok(&b, t, NULL, &out);
  uint32_t r = root_of(out);
  assert_int_equal(tmc_le_u16(out + vtable_of(out, r)), 4 + 2 * 6);
  for (int id = 0; id < 5; id++) assert_int_equal(field_at(out, r, id), 0);
  assert_int_equal(field_at(out, r, 6), 0);
  assert_int_equal(tmc_le_i16(out + field_at(out, r, 5)), -2);
  free(out);
  tmc_fbw_free(&b);
}

/* ---- read back with the checked reader ------------------------------------ */

/* Every field kind written by the builder reads back through fb.c. */
static void test_read_back_with_fb(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *out;
  static const int32_t ints[4] = {-1, 0, 1, INT32_MAX};
  static const int64_t longs[2] = {INT64_MIN, 42};
  static const float floats[3] = {0.5f, -2.0f, 1e-7f};
  static const uint8_t bytes[17] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7};
  tmc_fbw_init(&b);
  tmc_fbw_ref vi = tmc_fbw_vec_i32(&b, ints, 4);
  tmc_fbw_ref vl = tmc_fbw_vec_i64(&b, longs, 2);
  tmc_fbw_ref vf = tmc_fbw_vec_f32(&b, floats, 3);
  tmc_fbw_ref vb = tmc_fbw_vec_u8(&b, bytes, 17, 16);
  tmc_fbw_ref name = tmc_fbw_string(&b, "conv1/weights");
  tmc_fbw_table_start(&b);
  tmc_fbw_add_i32(&b, 0, 77);
  tmc_fbw_ref sub = tmc_fbw_table_end(&b);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_u8(&b, 0, 200);
  tmc_fbw_add_i8(&b, 1, -3);
  tmc_fbw_add_bool(&b, 2, true);
  tmc_fbw_add_i32(&b, 3, -123456);
  tmc_fbw_add_u32(&b, 4, 4000000000u);
  tmc_fbw_add_u64(&b, 5, 0xfedcba9876543210ull);
  tmc_fbw_add_f32(&b, 6, 3.25f);
  tmc_fbw_add_ref(&b, 7, vi);
  tmc_fbw_add_ref(&b, 8, vl);
  tmc_fbw_add_ref(&b, 9, vf);
  tmc_fbw_add_ref(&b, 10, vb);
  tmc_fbw_add_ref(&b, 11, name);
  tmc_fbw_add_ref(&b, 12, sub);
  tmc_fbw_add_i64(&b, 13, -9);
  tmc_fbw_ref root = tmc_fbw_table_end(&b);
  size_t len = finish_ok(&b, root, "TFL3", &out);

  tmc_diag d;
  tmc_fb fb;
  tmc_fb_table t, st;
  tmc_fb_vec v;
  bool present, flag;
  uint8_t u8;
  int8_t i8;
  int32_t i32;
  uint32_t u32;
  uint64_t u64;
  float f;
  const char *s;
  uint32_t slen;
  tmc_diag_init(&d, "test");
  assert_int_equal(tmc_fb_open(&fb, out, len, "TFL3", &d, &t), TMC_OK);
  assert_int_equal(tmc_fb_u8(&fb, &t, 0, 0, &u8, "u8"), TMC_OK);
  assert_int_equal(u8, 200);
  assert_int_equal(tmc_fb_i8(&fb, &t, 1, 0, &i8, "i8"), TMC_OK);
  assert_int_equal(i8, -3);
  assert_int_equal(tmc_fb_bool(&fb, &t, 2, false, &flag, "bool"), TMC_OK);
  assert_true(flag);
  assert_int_equal(tmc_fb_i32(&fb, &t, 3, 0, &i32, "i32"), TMC_OK);
  assert_int_equal(i32, -123456);
  assert_int_equal(tmc_fb_u32(&fb, &t, 4, 0, &u32, "u32"), TMC_OK);
  assert_int_equal(u32, 4000000000u);
  assert_int_equal(tmc_fb_u64(&fb, &t, 5, 0, &u64, "u64"), TMC_OK);
  assert_true(u64 == 0xfedcba9876543210ull);
  assert_int_equal(tmc_fb_f32(&fb, &t, 6, 0, &f, "f32"), TMC_OK);
  assert_true(f == 3.25f);
  assert_int_equal(tmc_fb_vector(&fb, &t, 7, 4, 4, true, &v, &present, "vi"), TMC_OK);
  assert_true(present);
  assert_int_equal(v.n, 4);
  for (uint32_t i = 0; i < 4; i++) assert_int_equal(tmc_fb_vec_i32(&fb, &v, i), ints[i]);
  assert_int_equal(tmc_fb_vector(&fb, &t, 8, 8, 8, true, &v, &present, "vl"), TMC_OK);
  assert_int_equal(v.n, 2);
  for (uint32_t i = 0; i < 2; i++) assert_true(tmc_fb_vec_i64(&fb, &v, i) == longs[i]);
  assert_int_equal(tmc_fb_vector(&fb, &t, 9, 4, 4, true, &v, &present, "vf"), TMC_OK);
  assert_int_equal(v.n, 3);
  for (uint32_t i = 0; i < 3; i++) assert_true(tmc_fb_vec_f32(&fb, &v, i) == floats[i]);
  assert_int_equal(tmc_fb_vector(&fb, &t, 10, 1, 16, false, &v, &present, "vb"), TMC_OK);
  assert_int_equal(v.n, 17);
  assert_int_equal(v.pos % 16, 0);
  assert_memory_equal(out + v.pos, bytes, 17);
  assert_int_equal(tmc_fb_string(&fb, &t, 11, &s, &slen, "name"), TMC_OK);
  assert_int_equal(slen, 13);
  assert_string_equal(s, "conv1/weights");
  assert_int_equal(tmc_fb_table_field(&fb, &t, 12, &st, &present, "sub"), TMC_OK);
  assert_true(present);
  assert_int_equal(tmc_fb_i32(&fb, &st, 0, 0, &i32, "sub.i32"), TMC_OK);
  assert_int_equal(i32, 77);
  tmc_fb_leave(&fb);
  assert_true(tmc_le_i64(out + field_at(out, root_of(out), 13)) == -9);
  /* absent field: default */
  assert_int_equal(tmc_fb_i32(&fb, &t, 20, 5, &i32, "absent"), TMC_OK);
  assert_int_equal(i32, 5);
  free(out);
  tmc_fbw_free(&b);
}

/* ---- failures -------------------------------------------------------------- */

/* Builds a buffer large enough to need several reallocations. */
static void build_some(tmc_fbw *b, tmc_fbw_ref *root) {
  tmc_fbw_ref r[40];
  uint8_t data[300];
  memset(data, 0x5a, sizeof data);
  for (int i = 0; i < 40; i++) {
    tmc_fbw_ref v = tmc_fbw_vec_u8(b, data, (size_t)(i * 7), 16);
    tmc_fbw_table_start(b);
    tmc_fbw_add_ref(b, 0, v);
    tmc_fbw_add_i32(b, 1 + i % 5, i);
    r[i] = tmc_fbw_table_end(b);
  }
  tmc_fbw_ref vec = tmc_fbw_vec_refs(b, r, 40);
  tmc_fbw_table_start(b);
  tmc_fbw_add_ref(b, 0, vec);
  *root = tmc_fbw_table_end(b);
}

/* Allocation k fails, k = 0, 1, 2...: finish reports TMC_ERR_NOMEM every
 * time, with no crash and no leak, until no allocation fails. */
static void test_nomem_sweep(void **state) {
  (void)state;
  int failures = 0;
  for (long k = 0;; k++) {
    tmc_fbw b;
    tmc_fbw_ref root;
    tmc_diag d;
    uint8_t *out = (uint8_t *)&d;
    size_t len = 99;
    tmc_fbw_init(&b);
    b.fail_at = k;
    build_some(&b, &root);
    tmc_diag_init(&d, "sweep");
    tmc_status s = tmc_fbw_finish(&b, root, "TFL3", &out, &len, &d);
    tmc_fbw_free(&b);
    if (s == TMC_OK) {
      assert_true(len > 40 * 4);
      free(out);
      break;
    }
    assert_int_equal(s, TMC_ERR_NOMEM);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_non_null(strstr(d.msg, "out of memory"));
    failures++;
    assert_true(k < 1000);
  }
  assert_true(failures >= 3);
}

/* Misuse is reported as TMC_ERR_USAGE at finish, naming the mistake. */
static void test_misuse(void **state) {
  (void)state;
  static const struct {
    int kind;
    const char *msg;
  } cases[] = {
      {0, "table started inside a table"},  {1, "field added twice"},
      {2, "field added outside a table"},   {3, "field id out of range"},
      {4, "vector written inside a table"}, {5, "ended without being started"},
      {6, "finished inside a table"},       {7, "not 4 characters"},
      {8, "alignment"},                     {9, "unwritten object"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tmc_fbw b;
    tmc_diag d;
    uint8_t *out;
    size_t len;
    const char *id = "TFL3";
    tmc_fbw_init(&b);
    tmc_fbw_ref s = tmc_fbw_string(&b, "s");
    tmc_fbw_ref root = 0;
    bool end = true;
    tmc_fbw_table_start(&b);
    switch (cases[i].kind) {
      case 0: tmc_fbw_table_start(&b); break;
      case 1: tmc_fbw_add_i32(&b, 1, 1); tmc_fbw_add_i32(&b, 1, 2); break;
      case 2: tmc_fbw_table_end(&b); tmc_fbw_add_i32(&b, 0, 1); end = false; break;
      case 3: tmc_fbw_add_i32(&b, TMC_FBW_MAX_FIELDS, 1); break;
      case 4: tmc_fbw_string(&b, "x"); break;
      case 5: root = tmc_fbw_table_end(&b); tmc_fbw_table_end(&b); end = false; break;
      case 6: end = false; break;
      case 7: id = "TFL"; break;
      case 8: root = tmc_fbw_table_end(&b); tmc_fbw_vec_u8(&b, NULL, 0, 3); end = false; break;
      case 9: tmc_fbw_table_end(&b); tmc_fbw_vec_refs(&b, &s, 1);
              { tmc_fbw_ref bad = 1000; tmc_fbw_vec_refs(&b, &bad, 1); } end = false; break;
    }
    if (end) root = tmc_fbw_table_end(&b);
    if (root == 0) root = s;
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_fbw_finish(&b, root, id, &out, &len, &d), TMC_ERR_USAGE);
    if (strstr(d.msg, cases[i].msg) == NULL)
      fail_msg("case %zu: message '%s' lacks '%s'", i, d.msg, cases[i].msg);
    assert_null(out);
    tmc_fbw_free(&b);
  }
}

/* The builder can be reused after finish. */
static void test_reuse_after_finish(void **state) {
  (void)state;
  tmc_fbw b;
  uint8_t *a, *c;
  tmc_fbw_init(&b);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_u8(&b, 0, 7);
  size_t la = finish_ok(&b, tmc_fbw_table_end(&b), NULL, &a);
  tmc_fbw_table_start(&b);
  tmc_fbw_add_u8(&b, 0, 7);
  size_t lc = finish_ok(&b, tmc_fbw_table_end(&b), NULL, &c);
  expect_bytes(c, lc, a, la);
  free(a);
  free(c);
  tmc_fbw_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_one_byte_table),
      cmocka_unit_test(test_exact_vector_table_ident),
      cmocka_unit_test(test_exact_string),
      cmocka_unit_test(test_alignment),
      cmocka_unit_test(test_vector_of_tables_and_strings),
      cmocka_unit_test(test_absent_fields),
      cmocka_unit_test(test_read_back_with_fb),
      cmocka_unit_test(test_nomem_sweep),
      cmocka_unit_test(test_misuse),
      cmocka_unit_test(test_reuse_after_finish),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
