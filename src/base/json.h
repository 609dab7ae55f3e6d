/* A minimal streaming JSON writer for --json outputs and reports: it keeps
 * track of commas and nesting so callers only say what comes next. */
#ifndef TMC_BASE_JSON_H
#define TMC_BASE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct tmc_json {
  FILE *f;
  int depth;
  bool need_comma[64];
} tmc_json;

void tmc_json_init(tmc_json *j, FILE *f);
void tmc_json_begin_object(tmc_json *j, const char *key); /* key NULL in arrays */
void tmc_json_end_object(tmc_json *j);
void tmc_json_begin_array(tmc_json *j, const char *key);
void tmc_json_end_array(tmc_json *j);
void tmc_json_string(tmc_json *j, const char *key, const char *v); /* NULL -> null */
void tmc_json_int(tmc_json *j, const char *key, long long v);
void tmc_json_double(tmc_json *j, const char *key, double v);
void tmc_json_bool(tmc_json *j, const char *key, bool v);
void tmc_json_int_array(tmc_json *j, const char *key, const int32_t *v, int n);

#endif
