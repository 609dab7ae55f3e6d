/* Loading a model file into the IR, shared by the subcommands. */
#define _POSIX_C_SOURCE 200809L
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/limits.h"
#include "ir/build.h"
#include "plan/detect.h"

#include <sys/stat.h>

tmc_status tmc_cli_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        tmc_diag *d) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    *data = NULL;
    *len = 0;
    return tmc_fail(d, TMC_ERR_IO, "cannot read '%s': %s", path, strerror(EISDIR));
  }
  return tmc_file_read(path, max_bytes, data, len, d);
}

tmc_status tmc_cli_load(const char *path, tmc_cli_model *m, tmc_diag *d) {
  m->bytes = NULL;
  m->len = 0;
  tmc_arena_init(&m->arena);
  d->subject = tmc_path_base(path);
  TMC_TRY(tmc_cli_read(path, TMC_MAX_MODEL_BYTES, &m->bytes, &m->len, d));
  return tmc_graph_load(m->bytes, m->len, tmc_path_base(path), &m->arena, &m->graph, d);
}

void tmc_cli_unload(tmc_cli_model *m) {
  tmc_arena_free(&m->arena);
  free(m->bytes);
  m->bytes = NULL;
}

tmc_status tmc_cli_load_detect(const char *path, tmc_cli_model *m,
                               struct tmc_detect_config *cfg, int32_t *keep,
                               struct tmc_plan_options *opts, tmc_diag *d) {
  memset(cfg, 0, sizeof *cfg);
  uint8_t *text;
  size_t len;
  const char *model = d->subject;
  d->subject = NULL; /* tmc_file_read names the path */
  tmc_status s = tmc_cli_read(path, 1 << 20, &text, &len, d);
  d->subject = tmc_path_base(path); /* syntax: the config's; fit: the model's */
  if (s == TMC_OK) s = tmc_detect_parse((const char *)text, len, &m->arena, cfg, d);
  free(text);
  char both[512]; /* the messages are formatted when they are made */
  snprintf(both, sizeof both, "%s with %s", model ? model : "model", tmc_path_base(path));
  d->subject = both;
  if (s == TMC_OK) s = tmc_detect_check(cfg, &m->graph, d);
  d->subject = model;
  if (s != TMC_OK) {
    memset(cfg, 0, sizeof *cfg);
    return s;
  }
  tmc_detect_tensors(cfg, keep);
  opts->n_keep = cfg->n_heads;
  opts->keep = keep;
  return TMC_OK;
}
