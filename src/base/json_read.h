/* json_read: a small JSON reader (detection configs; in tests, flatc --json
 * and tmc's --json output). Parses a whole document into a tree of
 * tmc_jvalue nodes allocated from one tmc_arena. Values of keys listed in
 * `skip_keys` are syntax-checked but not stored: arrays keep only their
 * element count (flatc prints every byte of a Buffer's `data` on its own
 * line, megabytes that the tests only need to count). */
#ifndef TMC_BASE_JSON_READ_H
#define TMC_BASE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum tmc_jtype {
  TMC_JSON_NULL, TMC_JSON_BOOL, TMC_JSON_NUMBER, TMC_JSON_STRING, TMC_JSON_ARRAY, TMC_JSON_OBJECT
} tmc_jtype;

typedef struct tmc_jvalue tmc_jvalue;

typedef struct tmc_jmember {
  const char *key;
  tmc_jvalue *value;
} tmc_jmember;

struct tmc_jvalue {
  tmc_jtype type;
  bool b;               /* TMC_JSON_BOOL */
  double num;           /* TMC_JSON_NUMBER */
  bool is_int;          /* TMC_JSON_NUMBER written without '.', 'e' or 'E' */
  long long i;          /* TMC_JSON_NUMBER when is_int (exact) */
  const char *str;      /* TMC_JSON_STRING (decoded, NUL-terminated) */
  size_t n;             /* TMC_JSON_ARRAY: elements, TMC_JSON_OBJECT: members */
  tmc_jvalue **items;     /* TMC_JSON_ARRAY; NULL when skipped */
  tmc_jmember *members;   /* TMC_JSON_OBJECT */
  bool skipped;         /* value of a skip key: only type and n are set */
};

/* Parses text[0..len); NULL on a syntax error, with a message (line and
 * what was expected) in err. skip_keys is NULL-terminated, may be NULL. */
tmc_jvalue *tmc_json_parse(const char *text, size_t len, const char *const *skip_keys,
                   tmc_arena *a, char *err, size_t err_size);

/* Member `key` of an object, NULL when v is not an object or lacks it. */
const tmc_jvalue *tmc_json_get(const tmc_jvalue *v, const char *key);
/* Element i of an array, NULL when out of range or not an array. */
const tmc_jvalue *tmc_json_at(const tmc_jvalue *v, size_t i);
/* Number of elements / members, 0 for other types. */
size_t tmc_json_len(const tmc_jvalue *v);
/* Convenience readers: the value of `key`, or def when absent or of
 * another type. */
long long tmc_json_get_int(const tmc_jvalue *v, const char *key, long long def);
double tmc_json_get_num(const tmc_jvalue *v, const char *key, double def);
const char *tmc_json_get_str(const tmc_jvalue *v, const char *key, const char *def);
bool tmc_json_get_bool(const tmc_jvalue *v, const char *key, bool def);

#endif
