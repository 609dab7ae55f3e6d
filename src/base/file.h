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

/* What every writer below does with an output path that exists:
 * - a regular file (or nothing): written under a temporary name next to it
 *   and renamed over it only once everything is written and flushed;
 * - a symbolic link: written through: its final target (a dangling link's
 *   target path) is replaced that way, by a temporary file in the target's
 *   folder; the link stays a link;
 * - a character or block device, a FIFO or a socket (or a link to one):
 *   opened and written in place, never replaced ("cannot write '/dev/full':
 *   No space left on device" when that fails);
 * - a folder: an error naming it.
 * Messages name the path as given (and a link's target). */

/* Writes data to path as above. */
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
 * next to its target (dir/NAME, or where the link dir/NAME leads:
 * ".NAME.PID.tmc-tmp"); only when all are, they are renamed over their
 * targets; devices and FIFOs among them are opened first and written last.
 * On any failure nothing of this call remains but what a device or FIFO
 * already received: the temporary files are removed, files already renamed
 * are taken back (one that replaced an older file gives the old one back
 * when the folder allows hard links, else it is removed) and dir is removed
 * again if this call created it. The message names the file that failed.
 * Bad or repeated names, and links that lead two names onto one file, are
 * refused before anything is created. */
tmc_status tmc_write_files(const char *dir, const tmc_named_data *files, int n, tmc_diag *d);

/* An output file written under a temporary name next to its target and
 * renamed over it only when tmc_out_close commits it; "-" means stdout; a
 * device or FIFO (see above) is opened by tmc_out_open and receives the
 * whole output on commit (collected in memory until then). Nothing
 * half-written is ever left under the final name. */
typedef struct tmc_out {
  FILE *f;
  char *tmp;        /* temporary name (NULL for stdout and in place) */
  const char *path;
  char *target;     /* what tmp is renamed onto: path or a link's target (NULL for stdout) */
  bool link;        /* path is a symbolic link */
  int fd;           /* in place: the open device or FIFO, else -1 */
  char *buf;        /* in place: the output so far (open_memstream) */
  size_t len;
} tmc_out;

tmc_status tmc_out_open(tmc_out *o, const char *path, tmc_diag *d);
/* Flushes and closes; renames into place (or writes in place) when commit
 * is true and every write succeeded, else removes the temporary file. */
tmc_status tmc_out_close(tmc_out *o, bool commit, tmc_diag *d);
/* Closes n outputs as one unit: each is committed only when all were
 * written and flushed, devices and FIFOs (which receive their bytes now)
 * before the renames, and a failure there takes back the renames not yet
 * done. (A rename failing after another succeeded is the one case that
 * leaves part of the set; renames within a folder do not fail that way.)
 * The outputs stay where tmc_out_open put them (an in-place output's stream
 * writes through o's own fields: never copy an open tmc_out). */
tmc_status tmc_out_close_all(tmc_out *o, int n, bool commit, tmc_diag *d);

/* The last path component ("../shared/models/vww.tflite" -> "vww.tflite"). */
const char *tmc_path_base(const char *path);

#endif
