/* The code generator: a placed plan becomes self-contained C11 — NAME.h
 * (the API), NAME.c (straight-line invoke with every constant resolved),
 * NAME_weights.c (const weights, in flash), the kernel sources the model
 * uses (copied from tmc's own kernel library) and, on request, main.c and a
 * Makefile for a host program. Files are built in memory and written only
 * when all succeeded, under temporary names renamed at the end. */
#ifndef TMC_EMIT_EMIT_H
#define TMC_EMIT_EMIT_H

#include <stdbool.h>

#include "base/status.h"
#include "plan/detect.h"
#include "plan/plan.h"

typedef struct tmc_emit_options {
  const char *name; /* C identifier prefixing every symbol ("model") */
  bool profile;     /* call NAME_profile() around each layer; NAME_layers[] */
  bool main;        /* also main.c and a Makefile building NAME_run */
  const tmc_detect_config *detect; /* add NAME_detect() for these heads */
} tmc_emit_options;

typedef struct tmc_emit_file {
  char *name; /* file name inside the output folder */
  char *data;
  size_t size;
} tmc_emit_file;

typedef struct tmc_emit_result {
  int n_files;
  tmc_emit_file files[64];
  size_t weights_bytes;   /* const data emitted (weights, biases, tables) */
  size_t params_bytes;    /* per-layer constants (multipliers, shifts, ...) */
} tmc_emit_result;

/* Generates every file in memory. */
tmc_status tmc_emit(const tmc_plan *plan, const tmc_emit_options *opts,
                    tmc_emit_result *out, tmc_diag *d);

/* Writes the files into dir (created if missing): each under a temporary
 * name first, all renamed at the end; on failure none is left. */
tmc_status tmc_emit_write(const tmc_emit_result *r, const char *dir, tmc_diag *d);

void tmc_emit_free(tmc_emit_result *r);

/* Whether s is a valid C identifier tmc accepts as --name. */
bool tmc_emit_valid_name(const char *s);

#endif
