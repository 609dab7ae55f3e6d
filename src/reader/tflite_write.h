/* tmc_tfl_model -> .tflite bytes: the inverse of tmc_tfl_read, so that
 * read(write(m)) == m for every field the model struct holds. Used to build
 * test fixtures and example models, and to write rewritten models. */
#ifndef TMC_READER_TFLITE_WRITE_H
#define TMC_READER_TFLITE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "tflite.h"

/* Serializes m as a flatbuffer with identifier "TFL3". *out is malloc'd
 * (free() it); on failure *out is NULL and d names the problem. Fields the
 * struct only flags (sparsity, quantization details, builtin_options_2, and
 * builtin options tables tmc does not decode) are written as empty tables of
 * the recorded type. Custom options or tensors stored outside the file (the
 * >2 GB layout, external buffers) cannot be written: TMC_ERR_UNSUPPORTED. */
tmc_status tmc_tfl_write(const tmc_tfl_model *m, uint8_t **out, size_t *out_len,
                         tmc_diag *d);

/* tmc_tfl_write with fault injection for tests: the builder's allocation
 * number fbw_fail_at and the scratch arena's allocation number
 * arena_fail_at fail (-1: never). */
tmc_status tmc_tfl_write_faults(const tmc_tfl_model *m, long fbw_fail_at,
                                long arena_fail_at, uint8_t **out,
                                size_t *out_len, tmc_diag *d);

#endif
