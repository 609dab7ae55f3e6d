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

/* tmc_file_read, but a folder is refused first saying so ("cannot read
 * 'DIR': Is a directory") rather than with a read error without a reason. */
tmc_status tmc_cli_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        tmc_diag *d);

/* Reads path and builds its graph; messages are prefixed with the file name.
 * Call tmc_cli_unload afterwards whatever the status. */
tmc_status tmc_cli_load(const char *path, tmc_cli_model *m, tmc_diag *d);
void tmc_cli_unload(tmc_cli_model *m);

/* --detect CFG, shared by run and compile: reads the detection config
 * (TinyEngine's JSON) at path, checks it against the loaded model's graph
 * and, on success, asks the plan to keep the heads' tensors alive to the end
 * (opts->keep = keep, which has room for TMC_DETECT_MAX_HEADS). *cfg is
 * zeroed first, so a file that cannot be read leaves no garbage in it, and
 * opts is only changed on success. */
struct tmc_detect_config;
struct tmc_plan_options;
tmc_status tmc_cli_load_detect(const char *path, tmc_cli_model *m,
                               struct tmc_detect_config *cfg, int32_t *keep,
                               struct tmc_plan_options *opts, tmc_diag *d);

#endif
