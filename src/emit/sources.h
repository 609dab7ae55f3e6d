/* The kernel library's source files, embedded at build time, so tmc can copy
 * the kernels a model uses into the generated code. */
#ifndef TMC_EMIT_SOURCES_H
#define TMC_EMIT_SOURCES_H

#include <stddef.h>

typedef struct tmc_source {
  const char *name; /* file name, e.g. "conv2d.c"; NULL ends the table */
  const unsigned char *data;
  size_t size;
} tmc_source;

extern const tmc_source tmc_sources[];

/* The embedded file called name, or NULL. */
const tmc_source *tmc_source_find(const char *name);

#endif
