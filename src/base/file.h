/* Whole-file reads and atomic writes: an output appears under its final name
 * complete, or not at all. */
#ifndef TMC_BASE_FILE_H
#define TMC_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

/* Reads path into a malloc'd buffer (free with free()); at most max_bytes. */
tmc_status tmc_file_read(const char *path, size_t max_bytes, uint8_t **data,
                         size_t *len, tmc_diag *d);

/* Writes data to path through a temporary file in the same folder, renamed
 * over path only once everything is written and flushed. */
tmc_status tmc_file_write_atomic(const char *path, const void *data, size_t len,
                                 tmc_diag *d);

/* One file of a set written together by tmc_write_files. */
typedef struct tmc_named_data {
  const char *name; /* file name inside the folder: no '/', not "." or ".." */
  const void *data;
  size_t size;
} tmc_named_data;

/* Writes n files into dir as one unit. dir is created when missing (only its
 * last component). Each file is written and flushed under a temporary name
 * in dir (".NAME.PID.tmc-tmp"); only when all are, they are renamed over
 * their final names. On any failure nothing of this call remains: the
 * temporary files are removed, files already renamed are taken back (one
 * that replaced an older file gives the old one back when the folder allows
 * hard links, else it is removed) and dir is removed again if this call
 * created it. The message names the file that failed. Bad or repeated
 * names are refused before anything is created. */
tmc_status tmc_write_files(const char *dir, const tmc_named_data *files, int n, tmc_diag *d);

/* An output file written under a temporary name in the same folder and
 * renamed over its final name only when tmc_out_close commits it; "-" means
 * stdout. Nothing half-written is ever left under the final name. */
typedef struct tmc_out {
  FILE *f;
  char *tmp;        /* temporary name (NULL for stdout) */
  const char *path;
} tmc_out;

tmc_status tmc_out_open(tmc_out *o, const char *path, tmc_diag *d);
/* Flushes and closes; renames into place when commit is true and every
 * write succeeded, else removes the temporary file. */
tmc_status tmc_out_close(tmc_out *o, bool commit, tmc_diag *d);

/* The last path component ("../shared/models/vww.tflite" -> "vww.tflite"). */
const char *tmc_path_base(const char *path);

#endif
