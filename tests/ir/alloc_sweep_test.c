/* Allocation-failure sweep (label unit): for each model, count the arena
 * allocations of a clean tmc_graph_load, then load again with allocation
 * k made to fail (tmc_arena.fail_at = k) for k = 0, 1, 2, ... until the
 * load succeeds. Every failing run must end in TMC_ERR_NOMEM with an "out
 * of memory" message naming the file, nothing may crash, and the first
 * success must come exactly at k = the clean run's count (the failure points
 * are deterministic). The test build runs under AddressSanitizer, whose
 * LeakSanitizer checks at exit that every run freed what it allocated.
 * Models: every fixture of tests/fixtures, plus lenet and vww from
 * $TMC_SHARED_DIR when present (skipped otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/build.h"
#include "ir/graph.h"
#include "reader/fixture_bytes.h"
#include "reader/shared_models.h"
#include "testlib.h"

/* Sweeps one model; returns the number of allocation points tried. */
static long sweep(const char *name, const uint8_t *bytes, size_t len) {
  tmc_arena a;
  tmc_graph g;
  tmc_diag d;
  tmc_arena_init(&a);
  tmc_diag_init(&d, name);
  tmc_status s = tmc_graph_load(bytes, len, name, &a, &g, &d);
  if (s != TMC_OK) print_error("%s: %s\n", name, d.msg);
  assert_int_equal(s, TMC_OK);
  long clean = a.allocs;
  tmc_arena_free(&a);
  assert_true(clean > 0);

  size_t prefix = strlen(name);
  for (long k = 0;; k++) {
    tmc_arena_init(&a);
    a.fail_at = k;
    tmc_diag_init(&d, name);
    s = tmc_graph_load(bytes, len, name, &a, &g, &d);
    if (s == TMC_OK) {
      /* The graph is whole: every op and tensor built. */
      tmc_diag d2;
      tmc_diag_init(&d2, name);
      tmc_status cs = tmc_graph_check_supported(&g, &d2);
      assert_true(cs == TMC_OK || cs == TMC_ERR_UNSUPPORTED);
      tmc_arena_free(&a);
      if (k != clean)
        print_error("%s: first success with allocation %ld failing, clean run made %ld\n",
                    name, k, clean);
      assert_int_equal(k, clean);
      return k;
    }
    bool ok = s == TMC_ERR_NOMEM && d.status == TMC_ERR_NOMEM &&
              strncmp(d.msg, name, prefix) == 0 && strstr(d.msg, "out of memory") != NULL;
    if (!ok)
      print_error("%s: allocation %ld of %ld failing: %s '%s'\n", name, k, clean,
                  tmc_status_str(s), d.msg);
    tmc_arena_free(&a);
    assert_true(ok);
    assert_true(k <= clean);
  }
}

static void test_fixture_sweeps(void **state) {
  (void)state;
  for (int i = 0; i < TT_FX_COUNT; i++) {
    size_t len;
    uint8_t *bytes = tt_fixture_bytes((tt_fixture)i, &len);
    assert_non_null(bytes);
    char name[64];
    snprintf(name, sizeof name, "%s.tflite", tt_fixture_names[i]);
    long n = sweep(name, bytes, len);
    print_message("%s: %ld allocation failure points, each a clean error\n", name, n);
    free(bytes);
  }
}

static void sweep_shared(const char *model) {
  assert_non_null(tt_shared_dir()); /* main() skipped the group otherwise */
  char path[2048], name[64];
  tt_model_path(model, path, sizeof path);
  snprintf(name, sizeof name, "%s.tflite", model);
  uint8_t *bytes;
  size_t len;
  assert_true(tt_read_file(path, &bytes, &len));
  long n = sweep(name, bytes, len);
  print_message("%s: %ld allocation failure points, each a clean error\n", name, n);
  free(bytes);
}

static void test_lenet_sweep(void **state) {
  (void)state;
  sweep_shared("lenet");
}

static void test_vww_sweep(void **state) {
  (void)state;
  sweep_shared("vww");
}

int main(int argc, char **argv) {
  static const char *const groups[] = {"shared", NULL};
  const char *group = tt_start(argc, argv, groups);
  if (strcmp(group, "shared") == 0) {
    tt_need_shared();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lenet_sweep),
        cmocka_unit_test(test_vww_sweep),
    };
    return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_sweeps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
