/* Serialized fixture models for the reader and IR tests: a fixture from
 * tests/fixtures (op_fixtures.h) written with tmc_tfl_write. */
#ifndef TMC_TESTS_READER_FIXTURE_BYTES_H
#define TMC_TESTS_READER_FIXTURE_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef enum tt_fixture {
  TT_FX_CONV,      /* CONV_2D 1x8x8x3 -> 1x8x8x4, tensors input, conv/weights,
                    * conv/bias, output (in this order) */
  TT_FX_DEPTHWISE, /* DEPTHWISE_CONV_2D, same layout */
  TT_FX_FC,        /* FULLY_CONNECTED 1x16 -> 1x8: input, fc/weights, fc/bias, output */
  TT_FX_ADD,       /* ADD of two 1x4x4x8 inputs */
  TT_FX_LSTM,      /* float LSTM (unsupported) */
  TT_FX_CUSTOM,    /* custom op "TmcTestOp" with 3 bytes of options */
  TT_FX_COUNT
} tt_fixture;

extern const char *const tt_fixture_names[TT_FX_COUNT];

/* The fixture's .tflite bytes in a malloc'd buffer of exactly *len bytes
 * (free() it); NULL when building or writing failed. */
uint8_t *tt_fixture_bytes(tt_fixture which, size_t *len);

#endif
