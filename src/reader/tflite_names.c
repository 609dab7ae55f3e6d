/* Names of TFLite builtin operators and tensor types. */
#include "tflite.h"

const char *tmc_tfl_builtin_name(int32_t code) {
  switch (code) {
#define TMC_TFL_BUILTIN(c, name) \
  case c:                        \
    return #name;
#include "builtin_ops.def"
#undef TMC_TFL_BUILTIN
    default:
      return NULL;
  }
}

const char *tmc_tfl_type_name(int32_t type) {
  static const char *const names[] = {
      "FLOAT32", "FLOAT16", "INT32",   "UINT8",    "INT64",  "STRING", "BOOL",
      "INT16",   "COMPLEX64", "INT8",  "FLOAT64",  "COMPLEX128", "UINT64",
      "RESOURCE", "VARIANT", "UINT32", "UINT16",   "INT4",   "BFLOAT16"};
  if (type < 0 || type >= (int32_t)(sizeof names / sizeof names[0])) return "?";
  return names[type];
}

size_t tmc_tfl_type_size(int32_t type) {
  switch (type) {
    case TMC_TFL_FLOAT32: case TMC_TFL_INT32: case TMC_TFL_UINT32: return 4;
    case TMC_TFL_FLOAT16: case TMC_TFL_INT16: case TMC_TFL_UINT16:
    case TMC_TFL_BFLOAT16: return 2;
    case TMC_TFL_UINT8: case TMC_TFL_INT8: case TMC_TFL_BOOL: return 1;
    case TMC_TFL_INT64: case TMC_TFL_FLOAT64: case TMC_TFL_UINT64:
    case TMC_TFL_COMPLEX64: return 8;
    case TMC_TFL_COMPLEX128: return 16;
    default: return 0;
  }
}
