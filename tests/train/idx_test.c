/* IDX reading (src/train/idx.c): small files the test writes itself, plain
 * and gzipped; every malformed case is a named error that leaves nothing. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "testlib.h"
#include "train/idx.h"

static char dir[64];

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Writes an IDX file DIR/name (gzipped when gz): magic, dims, then n_data
 * bytes of data (or the product of dims when n_data < 0, bytes i*7+label). */
static void write_idx(const char *name, bool gz, uint32_t magic, int rank, const uint32_t *dims,
                      const uint8_t *data, long n_data) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
  uint8_t head[16];
  put_be32(head, magic);
  for (int i = 0; i < rank; i++) put_be32(head + 4 + 4 * i, dims[i]);
  if (gz) {
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, head, (unsigned)(4 + 4 * rank)), 4 + 4 * rank);
    if (n_data > 0) assert_int_equal(gzwrite(f, data, (unsigned)n_data), n_data);
    assert_int_equal(gzclose(f), Z_OK);
  } else {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(head, 1, (size_t)(4 + 4 * rank), f), (size_t)(4 + 4 * rank));
    if (n_data > 0) assert_int_equal(fwrite(data, 1, (size_t)n_data, f), (size_t)n_data);
    assert_int_equal(fclose(f), 0);
  }
}

static void clean(void) {
  static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  char path[128];
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s.gz", dir, names[i]);
    unlink(path);
  }
}

static uint8_t pix[5 * 3 * 4], lab[5];

/* A good set of 5 images 3x4 and their labels. */
static void write_good(bool gz) {
  clean();
  for (int i = 0; i < (int)sizeof pix; i++) pix[i] = (uint8_t)(i * 7);
  for (int i = 0; i < 5; i++) lab[i] = (uint8_t)(i % 3);
  write_idx("train-images-idx3-ubyte", gz, 0x803, 3, (uint32_t[]){5, 3, 4}, pix, sizeof pix);
  write_idx("train-labels-idx1-ubyte", gz, 0x801, 1, (uint32_t[]){5}, lab, 5);
}

static void expect_error(tmc_status want, const char *sub, int32_t classes) {
  tmc_idx_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  tmc_status st = tmc_idx_load_set(dir, "train", classes, 0, &s, &d);
  if (st != want || strstr(d.msg, sub) == NULL)
    fail_msg("expected status %d with '%s', got %d: %s", want, sub, st, d.msg);
  assert_null(s.images.pix);
  assert_null(s.labels.label);
  assert_int_equal(s.images.n, 0);
}

static void good_sets(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    write_good(gz);
    tmc_idx_set s;
    tmc_diag d;
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_idx_load_set(dir, "train", 3, 0, &s, &d), TMC_OK);
    assert_int_equal(s.images.n, 5);
    assert_int_equal(s.images.rows, 3);
    assert_int_equal(s.images.cols, 4);
    assert_memory_equal(s.images.pix, pix, sizeof pix);
    assert_memory_equal(s.labels.label, lab, 5);
    tmc_idx_free(&s);
    assert_int_equal(tmc_idx_load_set(dir, "train", 3, 2, &s, &d), TMC_OK);
    assert_int_equal(s.images.n, 2);
    assert_int_equal(s.labels.n, 2);
    tmc_idx_free(&s);
  }
}

static void conversion(void **state) {
  (void)state;
  write_good(false);
  tmc_idx_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_idx_load_set(dir, "train", 3, 0, &s, &d), TMC_OK);
  /* same size: p / 255 quantized with scale 1/255, zero point -128 */
  int8_t out[6 * 8 * 3];
  tmc_idx_to_input(&s.images, 1, 3, 4, 1, 1.0f / 255.0f, -128, out);
  for (int k = 0; k < 12; k++) assert_int_equal(out[k], (int)pix[12 + k] - 128);
  /* twice the size, 3 channels: pixel centres, replicated, corners clamp */
  tmc_idx_to_input(&s.images, 0, 6, 8, 3, 1.0f / 255.0f, -128, out);
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 8; x++) {
      const int8_t *p = &out[(y * 8 + x) * 3];
      assert_int_equal(p[0], p[1]);
      assert_int_equal(p[0], p[2]);
    }
  assert_int_equal(out[0], (int)pix[0] - 128);                  /* top left: clamped */
  assert_int_equal(out[(5 * 8 + 7) * 3], (int)pix[11] - 128);   /* bottom right */
  /* output (0,1): source x = 1.5*0.5-0.5 = 0.25 between pixels 0 and 1 */
  const float v = pix[0] + (pix[1] - pix[0]) * 0.25f;
  assert_int_equal(out[3], (int)(v + 0.5f) - 128);
  /* a coarser scale: 2/255 halves the values */
  tmc_idx_to_input(&s.images, 2, 3, 4, 1, 2.0f / 255.0f, 0, out);
  assert_int_equal(out[3], (int)((pix[27] / 2.0f) + 0.5f));
  tmc_idx_free(&s);
}

static void bad_magic(void **state) {
  (void)state;
  write_good(false);
  write_idx("train-labels-idx1-ubyte", false, 0x803, 1, (uint32_t[]){5}, lab, 5);
  expect_error(TMC_ERR_FORMAT, "train-labels-idx1-ubyte: magic number 0x00000803, expected "
               "0x00000801", 3);
  write_idx("train-labels-idx1-ubyte", false, 0x0d01, 1, (uint32_t[]){5}, lab, 5);
  expect_error(TMC_ERR_FORMAT, "magic number 0x00000d01", 3);
}

static void count_mismatch(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    write_good(gz);
    write_idx("train-labels-idx1-ubyte", gz, 0x801, 1, (uint32_t[]){4}, lab, 4);
    expect_error(TMC_ERR_FORMAT, "holds 5 images, train-labels-idx1-ubyte", 3);
  }
}

static void truncated(void **state) {
  (void)state;
  for (int gz = 0; gz < 2; gz++) {
    write_good(gz);
    write_idx("train-images-idx3-ubyte", gz, 0x803, 3, (uint32_t[]){5, 3, 4}, pix, 59);
    expect_error(TMC_ERR_FORMAT, gz ? "train-images-idx3-ubyte.gz: truncated: the images data (60 "
                 "bytes after the header) needs 60 bytes, the file ends after 59" : "train-images-idx3-ubyte: truncated: the images data (60 bytes "
                 "after the header) needs 60 bytes, the file ends after 59", 3);
    /* the header itself cut */
    write_idx("train-images-idx3-ubyte", gz, 0x803, 2, (uint32_t[]){5, 3}, pix, 0);
    expect_error(TMC_ERR_FORMAT, "truncated: the dimensions needs 12 bytes, the file ends after 8",
                 3);
    /* longer than announced */
    write_good(gz);
    write_idx("train-labels-idx1-ubyte", gz, 0x801, 1, (uint32_t[]){4}, lab, 5);
    expect_error(TMC_ERR_FORMAT, gz ? "train-labels-idx1-ubyte.gz: more data after the 4 bytes"
                              : "train-labels-idx1-ubyte: more data after the 4 bytes", 3);
  }
  /* a gzip stream cut in the middle */
  write_good(true);
  char path[128];
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  uint8_t buf[512];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, n - 12, f), n - 12);
  fclose(f);
  tmc_idx_set s;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_not_equal(tmc_idx_load_set(dir, "train", 3, 0, &s, &d), TMC_OK);
  assert_non_null(strstr(d.msg, "train-images-idx3-ubyte.gz: "));
  assert_null(s.images.pix);
}

static void label_range(void **state) {
  (void)state;
  write_good(true);
  expect_error(TMC_ERR_FORMAT, "train-labels-idx1-ubyte.gz: item 2: label 2, the model has 2 "
               "classes (labels 0 to 1)", 2);
}

static void size_zero_and_overflow(void **state) {
  (void)state;
  write_good(false);
  write_idx("train-images-idx3-ubyte", false, 0x803, 3, (uint32_t[]){5, 0, 4}, pix, 0);
  expect_error(TMC_ERR_FORMAT, "train-images-idx3-ubyte: dimension 1 (rows) is 0: an image of "
               "size 0", 3);
  write_idx("train-images-idx3-ubyte", false, 0x803, 3, (uint32_t[]){0, 3, 4}, pix, 0);
  expect_error(TMC_ERR_FORMAT, "dimension 0 (count) is 0", 3);
  write_idx("train-images-idx3-ubyte", false, 0x803, 3, (uint32_t[]){0x10000, 0x10000, 0x10000},
            pix, 60);
  expect_error(TMC_ERR_LIMIT, "dimensions 65536 x 65536 x 65536 pass tmc's limit", 3);
  write_idx("train-images-idx3-ubyte", false, 0x803, 3, (uint32_t[]){0xffffffffu, 1, 1}, pix, 60);
  expect_error(TMC_ERR_LIMIT, "dimensions 4294967295 x 1 x 1 pass", 3);
}

static void missing(void **state) {
  (void)state;
  clean();
  expect_error(TMC_ERR_IO, "neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz "
               "exists", 3);
  write_good(false);
  char path[128];
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
  unlink(path);
  expect_error(TMC_ERR_IO, "neither train-labels-idx1-ubyte nor", 3);
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  snprintf(dir, sizeof dir, "/tmp/tmc_idx_test.XXXXXX");
  if (mkdtemp(dir) == NULL) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_sets),      cmocka_unit_test(conversion),
      cmocka_unit_test(bad_magic),      cmocka_unit_test(count_mismatch),
      cmocka_unit_test(truncated),      cmocka_unit_test(label_range),
      cmocka_unit_test(size_zero_and_overflow), cmocka_unit_test(missing),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  clean();
  rmdir(dir);
  return rc;
}
