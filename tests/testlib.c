/* Helpers every cmocka test binary shares (see testlib.h). */
#define _POSIX_C_SOURCE 200809L
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static char tt_name[256] = "test";

const char *tt_start(int argc, char **argv, const char *const *groups) {
  const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
  base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "test");
  const char *group = argc > 1 ? argv[1] : "";
  snprintf(tt_name, sizeof tt_name, "%s%s%s", base, group[0] ? " " : "", group);
  if (argc > 2) {
    fprintf(stderr, "%s: one group argument at most\n", base);
    exit(2);
  }
  if (group[0] == '\0') return group;
  for (const char *const *g = groups; g && *g; g++)
    if (strcmp(*g, group) == 0) return group;
  fprintf(stderr, "%s: unknown group '%s'\n", base, group);
  exit(2);
}

_Noreturn void tt_skip(const char *fmt, ...) {
  char why[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  printf("SKIP [%s]: %s\n", tt_name, why);
  fflush(stdout);
  exit(TT_SKIP_CODE);
}

const char *tt_need_shared(void) {
  const char *dir = getenv("TMC_SHARED_DIR");
  if (dir == NULL || dir[0] == '\0')
    tt_skip("../shared is absent: TMC_SHARED_DIR is not set (run the test through ctest)");
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/models", dir);
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    tt_skip("../shared is absent: TMC_SHARED_DIR=%s has no models/ folder", dir);
  return dir;
}

void tt_need_tool(const char *probe, const char *what) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s >/dev/null 2>&1", probe);
  if (system(cmd) != 0) tt_skip("%s is absent ('%s' failed)", what, probe);
}

bool tt_diag_has(const tmc_diag *d, tmc_status s, tmc_status want, const char *subject,
                 const char *const *subs) {
  size_t n = strlen(subject);
  bool ok = s == want && d->status == want && strncmp(d->msg, subject, n) == 0 &&
            strncmp(d->msg + n, ": ", 2) == 0;
  for (const char *const *p = subs; *p; p++) ok = ok && strstr(d->msg, *p) != NULL;
  return ok;
}

void tt_diag_report(const char *how, tmc_status s, const tmc_diag *d, tmc_status want,
                    const char *const *subs) {
  print_error("%s: expected %s with:", how, tmc_status_str(want));
  for (const char *const *p = subs; *p; p++) print_error(" '%s'", *p);
  print_error("\n     got %s: '%s'\n", tmc_status_str(s), d->msg);
}
