/* mini_json: a small JSON reader for tests (flatc --json output, tmc's
 * --json output). Parses a whole document into a tree of mj_value nodes
 * allocated from one tmc_arena. Values of keys listed in `skip_keys` are
 * syntax-checked but not stored: arrays keep only their element count
 * (flatc prints every byte of a Buffer's `data` on its own line, megabytes
 * that the tests only need to count). */
#ifndef TMC_TESTS_READER_MINI_JSON_H
#define TMC_TESTS_READER_MINI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum mj_type {
  MJ_NULL, MJ_BOOL, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT
} mj_type;

typedef struct mj_value mj_value;

typedef struct mj_member {
  const char *key;
  mj_value *value;
} mj_member;

struct mj_value {
  mj_type type;
  bool b;               /* MJ_BOOL */
  double num;           /* MJ_NUMBER */
  bool is_int;          /* MJ_NUMBER written without '.', 'e' or 'E' */
  long long i;          /* MJ_NUMBER when is_int (exact) */
  const char *str;      /* MJ_STRING (decoded, NUL-terminated) */
  size_t n;             /* MJ_ARRAY: elements, MJ_OBJECT: members */
  mj_value **items;     /* MJ_ARRAY; NULL when skipped */
  mj_member *members;   /* MJ_OBJECT */
  bool skipped;         /* value of a skip key: only type and n are set */
};

/* Parses text[0..len); NULL on a syntax error, with a message (line and
 * what was expected) in err. skip_keys is NULL-terminated, may be NULL. */
mj_value *mj_parse(const char *text, size_t len, const char *const *skip_keys,
                   tmc_arena *a, char *err, size_t err_size);

/* Member `key` of an object, NULL when v is not an object or lacks it. */
const mj_value *mj_get(const mj_value *v, const char *key);
/* Element i of an array, NULL when out of range or not an array. */
const mj_value *mj_at(const mj_value *v, size_t i);
/* Number of elements / members, 0 for other types. */
size_t mj_len(const mj_value *v);
/* Convenience readers: the value of `key`, or def when absent or of
 * another type. */
long long mj_int(const mj_value *v, const char *key, long long def);
double mj_num(const mj_value *v, const char *key, double def);
const char *mj_str(const mj_value *v, const char *key, const char *def);
bool mj_bool(const mj_value *v, const char *key, bool def);

#endif
