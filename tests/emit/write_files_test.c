/* tmc_write_files (base/file.c), the writer of tmc compile's folder and tmc
 * run's outputs: all files or none. Cases: a new folder; replacing older
 * files; a failure at the last rename (one name taken by a folder) gives the
 * older files back, removes the new ones and the temporaries, and leaves an
 * unrelated file alone; a failure while writing removes the temporaries
 * and renames nothing; bad or repeated names are refused before anything
 * (even the folder) is created. Links, devices: a link among the names is
 * written through (its target replaced, in the target's folder; a dangling
 * link's target created) and stays a link; two names leading onto one file
 * are refused; a device written in place that fails (/dev/full) takes the
 * renamed files back; tmc_file_write_atomic and tmc_out do the same with
 * one file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"

static char root[256];

static int setup(void **state) {
  (void)state;
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/tmc_write_files.XXXXXX", t && *t ? t : "/tmp");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

/* The contents of dir/name ("" when absent: absent is NULL). */
static char *slurp(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  uint8_t *data;
  size_t len;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (tmc_file_read(path, 1 << 20, &data, &len, &d) != TMC_OK) return NULL;
  char *s = malloc(len + 1);
  memcpy(s, data, len);
  s[len] = '\0';
  free(data);
  return s;
}

static void expect(const char *dir, const char *name, const char *want) {
  char *got = slurp(dir, name);
  if (want == NULL) {
    assert_null(got);
  } else {
    assert_non_null(got);
    assert_string_equal(got, want);
  }
  free(got);
}

/* Entries of dir other than "." and "..", and whether any is a temporary. */
static int entries(const char *dir, int *temporaries) {
  char cmd[600], line[512];
  snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
  FILE *p = popen(cmd, "r");
  int n = 0;
  *temporaries = 0;
  while (p && fgets(line, sizeof line, p)) {
    n++;
    if (strstr(line, ".tmc-tmp") || strstr(line, ".tmc-old")) (*temporaries)++;
  }
  if (p) pclose(p);
  return n;
}

static const tmc_named_data v1[3] = {
    {"a.txt", "alpha 1", 7}, {"b.txt", "beta 1", 6}, {"c.txt", "gamma 1", 7}};
static const tmc_named_data v2[3] = {
    {"a.txt", "alpha 2", 7}, {"b.txt", "beta 2", 6}, {"c.txt", "gamma 2", 7}};

static void new_folder_then_replace(void **state) {
  (void)state;
  char dir[300];
  snprintf(dir, sizeof dir, "%s/new", root);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, v1, 3, &d), TMC_OK);
  expect(dir, "a.txt", "alpha 1");
  expect(dir, "c.txt", "gamma 1");
  assert_int_equal(tmc_write_files(dir, v2, 3, &d), TMC_OK);
  expect(dir, "a.txt", "alpha 2");
  expect(dir, "b.txt", "beta 2");
  int tmp;
  assert_int_equal(entries(dir, &tmp), 3);
  assert_int_equal(tmp, 0);
}

static void failure_gives_old_files_back(void **state) {
  (void)state;
  char dir[300], path[400];
  snprintf(dir, sizeof dir, "%s/old", root);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  /* a.txt and b.txt exist; notes.txt is unrelated; d.txt is a folder. */
  assert_int_equal(tmc_write_files(dir, v1, 2, &d), TMC_OK);
  const tmc_named_data notes = {"notes.txt", "keep", 4};
  assert_int_equal(tmc_write_files(dir, &notes, 1, &d), TMC_OK);
  snprintf(path, sizeof path, "%s/d.txt", dir);
  assert_int_equal(mkdir(path, 0777), 0);
  const tmc_named_data next[4] = {v2[0], v2[1], v2[2], {"d.txt", "delta", 5}};
  assert_int_equal(tmc_write_files(dir, next, 4, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "d.txt"));
  expect(dir, "a.txt", "alpha 1"); /* the older files are back */
  expect(dir, "b.txt", "beta 1");
  expect(dir, "c.txt", NULL);      /* the new one is gone */
  expect(dir, "notes.txt", "keep");
  int tmp;
  assert_int_equal(entries(dir, &tmp), 4); /* a, b, notes, the folder d.txt */
  assert_int_equal(tmp, 0);
}

static void failure_while_writing(void **state) {
  (void)state;
  char dir[300], tmpname[400];
  snprintf(dir, sizeof dir, "%s/busy", root);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  /* The temporary name of b.txt is taken by a folder: b.txt cannot be
   * written, a.txt's temporary must go too, nothing is renamed. */
  assert_int_equal(mkdir(dir, 0777), 0);
  snprintf(tmpname, sizeof tmpname, "%s/.b.txt.%ld.tmc-tmp", dir, (long)getpid());
  assert_int_equal(mkdir(tmpname, 0777), 0);
  assert_int_equal(tmc_write_files(dir, v1, 3, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "b.txt"));
  expect(dir, "a.txt", NULL);
  int tmp;
  assert_int_equal(entries(dir, &tmp), 1); /* only that folder */
  assert_int_equal(rmdir(tmpname), 0);
  /* The folder existed before the call: it stays. */
  struct stat st;
  assert_int_equal(stat(dir, &st), 0);
}

static void bad_names(void **state) {
  (void)state;
  char dir[300];
  snprintf(dir, sizeof dir, "%s/names", root);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  static const char *const names[] = {"", ".", "..", "a/b", "/abs", "fine.txt"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    /* The last: one name twice. */
    const tmc_named_data f[2] = {{"fine.txt", "x", 1}, {names[i], "y", 1}};
    assert_int_not_equal(tmc_write_files(dir, f, 2, &d), TMC_OK);
    struct stat st;
    assert_int_equal(stat(dir, &st), -1); /* nothing, not even the folder */
  }
}

/* path is a symbolic link holding want. */
static void expect_link(const char *dir, const char *name, const char *want) {
  char path[512], got[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  ssize_t n = readlink(path, got, sizeof got - 1);
  assert_true(n > 0);
  got[n] = '\0';
  assert_string_equal(got, want);
}

static void put(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void sym(const char *to, const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  assert_int_equal(symlink(to, path), 0);
}

static void links_written_through(void **state) {
  (void)state;
  char dir[300], other[300];
  snprintf(dir, sizeof dir, "%s/links", root);
  snprintf(other, sizeof other, "%s/other", root);
  assert_int_equal(mkdir(dir, 0777), 0);
  assert_int_equal(mkdir(other, 0777), 0);
  put(other, "t.txt", "old");
  put(other, "keep.txt", "keep");
  sym("../other/t.txt", dir, "a.txt"); /* relative, to another folder */
  sym("../other/new.txt", dir, "b.txt"); /* dangling */
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, v1, 3, &d), TMC_OK);
  expect_link(dir, "a.txt", "../other/t.txt");
  expect_link(dir, "b.txt", "../other/new.txt");
  expect(other, "t.txt", "alpha 1");
  expect(other, "new.txt", "beta 1");
  expect(dir, "c.txt", "gamma 1");
  expect(other, "keep.txt", "keep");
  int tmp;
  assert_int_equal(entries(dir, &tmp), 3);
  assert_int_equal(tmp, 0);
  assert_int_equal(entries(other, &tmp), 3);
  assert_int_equal(tmp, 0);
  /* Two names onto one file, or a link onto another name of the set:
   * refused, nothing changes. */
  char path[400];
  snprintf(path, sizeof path, "%s/c.txt", dir);
  assert_int_equal(remove(path), 0);
  sym("a.txt", dir, "c.txt");
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, v2, 3, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "the same file"));
  expect(other, "t.txt", "alpha 1");
  assert_int_equal(remove(path), 0);
  sym("b.txt", dir, "c.txt");
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, v2, 3, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "the same file"));
  expect(other, "new.txt", "beta 1");
  assert_int_equal(remove(path), 0);
  snprintf(path, sizeof path, "%s/self.txt", dir);
  sym("self.txt", dir, "self.txt"); /* a loop */
  const tmc_named_data self = {"self.txt", "x", 1};
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, &self, 1, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "self.txt"));
  expect_link(dir, "self.txt", "self.txt");
  assert_int_equal(remove(path), 0);
  assert_int_equal(entries(dir, &tmp), 2);
  assert_int_equal(entries(other, &tmp), 3);
  assert_int_equal(tmp, 0);
}

static void devices_written_in_place(void **state) {
  (void)state;
  if (access("/dev/null", W_OK) != 0 || access("/dev/full", W_OK) != 0) skip();
  char dir[300];
  snprintf(dir, sizeof dir, "%s/devices", root);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_write_files(dir, v1, 3, &d), TMC_OK);
  char path[400];
  snprintf(path, sizeof path, "%s/b.txt", dir);
  assert_int_equal(remove(path), 0);
  sym("/dev/null", dir, "b.txt");
  assert_int_equal(tmc_write_files(dir, v2, 3, &d), TMC_OK);
  expect(dir, "a.txt", "alpha 2");
  expect_link(dir, "b.txt", "/dev/null");
  expect(dir, "c.txt", "gamma 2");
  struct stat st;
  assert_int_equal(stat("/dev/null", &st), 0);
  assert_true(S_ISCHR(st.st_mode));
  /* /dev/full fails after the others were renamed: they are taken back. */
  assert_int_equal(remove(path), 0);
  sym("/dev/full", dir, "b.txt");
  assert_int_equal(tmc_write_files(dir, v1, 3, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "b.txt"));
  assert_non_null(strstr(d.msg, strerror(ENOSPC)));
  expect(dir, "a.txt", "alpha 2");
  expect(dir, "c.txt", "gamma 2");
  expect_link(dir, "b.txt", "/dev/full");
  assert_int_equal(stat("/dev/full", &st), 0);
  assert_true(S_ISCHR(st.st_mode));
  int tmp;
  assert_int_equal(entries(dir, &tmp), 3);
  assert_int_equal(tmp, 0);
}

static void one_file_writers(void **state) {
  (void)state;
  char dir[300], path[400], target[400];
  snprintf(dir, sizeof dir, "%s/one", root);
  assert_int_equal(mkdir(dir, 0777), 0);
  put(dir, "t.txt", "old");
  sym("t.txt", dir, "l.txt");
  snprintf(path, sizeof path, "%s/l.txt", dir);
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_file_write_atomic(path, "new", 3, &d), TMC_OK);
  expect_link(dir, "l.txt", "t.txt");
  expect(dir, "t.txt", "new");
  tmc_out o;
  assert_int_equal(tmc_out_open(&o, path, &d), TMC_OK);
  fputs("streamed", o.f);
  assert_int_equal(tmc_out_close(&o, true, &d), TMC_OK);
  expect_link(dir, "l.txt", "t.txt");
  expect(dir, "t.txt", "streamed");
  assert_int_equal(tmc_out_open(&o, path, &d), TMC_OK);
  fputs("dropped", o.f);
  assert_int_equal(tmc_out_close(&o, false, &d), TMC_OK);
  expect(dir, "t.txt", "streamed");
  /* A folder: refused by name. */
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_file_write_atomic(dir, "x", 1, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, dir));
  assert_non_null(strstr(d.msg, strerror(EISDIR)));
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_out_open(&o, dir, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, strerror(EISDIR)));
  int tmp;
  assert_int_equal(entries(dir, &tmp), 2);
  assert_int_equal(tmp, 0);
  if (access("/dev/full", W_OK) != 0) return;
  snprintf(target, sizeof target, "/dev/full");
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_file_write_atomic(target, "x", 1, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, "/dev/full"));
  assert_non_null(strstr(d.msg, strerror(ENOSPC)));
  tmc_diag_init(&d, NULL);
  assert_int_equal(tmc_out_open(&o, target, &d), TMC_OK);
  fputs("x", o.f);
  assert_int_equal(tmc_out_close(&o, true, &d), TMC_ERR_IO);
  assert_non_null(strstr(d.msg, strerror(ENOSPC)));
  struct stat st;
  assert_int_equal(stat("/dev/full", &st), 0);
  assert_true(S_ISCHR(st.st_mode));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(new_folder_then_replace),
      cmocka_unit_test(failure_gives_old_files_back),
      cmocka_unit_test(failure_while_writing),
      cmocka_unit_test(bad_names),
      cmocka_unit_test(links_written_through),
      cmocka_unit_test(devices_written_in_place),
      cmocka_unit_test(one_file_writers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
