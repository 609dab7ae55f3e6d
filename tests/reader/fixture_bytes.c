/* Fixture models as .tflite bytes. */
#include "fixture_bytes.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "fixtures/op_fixtures.h"
#include "reader/tflite_write.h"

const char *const tt_fixture_names[TT_FX_COUNT] = {"conv", "depthwise", "fc",
                                                   "add",  "lstm",      "custom"};

uint8_t *tt_fixture_bytes(tt_fixture which, size_t *len) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_diag d;
  tmc_diag_init(&d, tt_fixture_names[which]);
  tmc_tfl_model *m = NULL;
  tmc_status s = TMC_ERR_USAGE;
  tmc_fx_conv conv;
  tmc_fx_fc fc;
  tmc_fx_add add;
  static const uint8_t custom_options[3] = {1, 2, 3};
  switch (which) {
    case TT_FX_CONV:
    case TT_FX_DEPTHWISE:
      tmc_fx_conv_defaults(&conv);
      s = which == TT_FX_CONV ? tmc_fx_conv2d(&a, &conv, &m, &d)
                              : tmc_fx_depthwise_conv2d(&a, &conv, &m, &d);
      break;
    case TT_FX_FC:
      tmc_fx_fc_defaults(&fc);
      s = tmc_fx_fully_connected(&a, &fc, &m, &d);
      break;
    case TT_FX_ADD:
      tmc_fx_add_defaults(&add);
      s = tmc_fx_add_model(&a, &add, &m, &d);
      break;
    case TT_FX_LSTM:
      s = tmc_fx_lstm(&a, 1, 4, 3, &m, &d);
      break;
    case TT_FX_CUSTOM:
      s = tmc_fx_custom(&a, "TmcTestOp", 8, custom_options, sizeof custom_options, &m, &d);
      break;
    default:
      break;
  }
  uint8_t *out = NULL, *exact = NULL;
  *len = 0;
  if (s == TMC_OK && tmc_tfl_write(m, &out, len, &d) == TMC_OK) {
    /* Copy to an allocation of exactly len bytes (for AddressSanitizer). */
    exact = malloc(*len ? *len : 1);
    if (exact) memcpy(exact, out, *len);
  }
  free(out);
  tmc_arena_free(&a);
  if (exact == NULL) *len = 0;
  return exact;
}
