/* The fuzz target of the reader and IR builder, shared by the libFuzzer build
 * and the replay driver (replay_main.c). */
#ifndef TMC_TESTS_FUZZ_READER_H
#define TMC_TESTS_FUZZ_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Loads data as a model and walks the graph; aborts on any broken contract.
 * Returns the load status (so the replay driver can count outcomes). */
tmc_status tmc_fuzz_reader_run(const uint8_t *data, size_t size);

/* The libFuzzer entry point: tmc_fuzz_reader_run, always returning 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
