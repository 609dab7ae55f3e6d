/* Helpers for tests on ../shared (the folder named by $TMC_SHARED_DIR): the
 * four whole models and the single-op models of golden/ops. Tests call
 * tt_shared_dir() first and skip() when it returns NULL. */
#ifndef TMC_TESTS_READER_SHARED_MODELS_H
#define TMC_TESTS_READER_SHARED_MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* $TMC_SHARED_DIR when it holds models/, else NULL. */
const char *tt_shared_dir(void);

/* The four whole models, by base name ("vww" ...). */
#define TT_N_MODELS 4
extern const char *const tt_model_names[TT_N_MODELS];

/* "<shared>/models/<name>.tflite" into buf. */
const char *tt_model_path(const char *name, char *buf, size_t n);

/* Sorted paths of <shared>/golden/ops/ *.tflite (malloc'd; free with
 * tt_free_paths). Returns the count; 0 when the folder is missing. */
size_t tt_op_model_paths(char ***paths);
void tt_free_paths(char **paths, size_t n);

/* Reads a whole file into a malloc'd buffer of exactly *len bytes (so that
 * AddressSanitizer catches any read past the end). false on failure. */
bool tt_read_file(const char *path, uint8_t **bytes, size_t *len);

/* The last path component without ".tflite". */
void tt_stem(const char *path, char *buf, size_t n);

/* A model's problems: counted, the first `max` printed (stderr). */
typedef struct tt_report {
  const char *model;
  int count;
  int max;
} tt_report;

void tt_problem(tt_report *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
