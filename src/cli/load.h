/* A model file loaded into the IR: the file bytes (constants point into
 * them), the arena holding the graph, and the graph. */
#ifndef TMC_CLI_LOAD_H
#define TMC_CLI_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "ir/graph.h"

typedef struct tmc_cli_model {
  uint8_t *bytes;
  size_t len;
  tmc_arena arena;
  tmc_graph graph;
} tmc_cli_model;

/* Reads path and builds its graph; messages are prefixed with the file name.
 * Call tmc_cli_unload afterwards whatever the status. */
tmc_status tmc_cli_load(const char *path, tmc_cli_model *m, tmc_diag *d);
void tmc_cli_unload(tmc_cli_model *m);

/* Reads a detection config (TinyEngine's JSON) and checks it against the
 * loaded model's graph. */
struct tmc_detect_config;
tmc_status tmc_cli_load_detect(const char *path, tmc_cli_model *m,
                               struct tmc_detect_config *cfg, tmc_diag *d);

#endif
