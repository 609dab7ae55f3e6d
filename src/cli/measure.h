/* tmc compile --measure-code: the generated C built for a Cortex-M7 with the
 * arm-none-eabi-gcc on the PATH, for the code bytes (.text of NAME.c and the
 * kernels at -Os) and the stack of NAME_invoke and NAME_detect (the deepest
 * call chain in GCC's -fcallgraph-info=su call graph, the largest over the
 * optimisation levels in tmc_measure_levels). Runs only when asked, so that
 * a plain tmc compile depends on nothing but its input. */
#ifndef TMC_CLI_MEASURE_H
#define TMC_CLI_MEASURE_H

#include <stdbool.h>

#include "base/status.h"
#include "emit/emit.h"

/* Target flags of every measurement. */
#define TMC_MEASURE_CPU "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
/* Code size: these flags after TMC_MEASURE_CPU. */
#define TMC_MEASURE_CODE_FLAGS "-std=c11 -Os -ffunction-sections"
/* Stack allowed to each call of a C library function. */
#define TMC_MEASURE_LIBC_STACK TMC_EMIT_LIBC_STACK

enum { TMC_MEASURE_LEVELS = 4 };
extern const char *const tmc_measure_levels[TMC_MEASURE_LEVELS]; /* "-O0", ... */

typedef struct tmc_code_measure {
  char compiler[160];    /* first line of arm-none-eabi-gcc --version */
  long long code_bytes;  /* .text of NAME.c and the kernels, TMC_MEASURE_CODE_FLAGS */
  bool stack_ok;         /* the stack has a bound (else stack_why says why not) */
  long long invoke_stack[TMC_MEASURE_LEVELS]; /* per level */
  long long detect_stack[TMC_MEASURE_LEVELS]; /* -1 without NAME_detect */
  long long invoke_max, detect_max;
  char chain[512];       /* NAME_invoke's deepest chain at its worst level */
  char stack_why[256];
  char how[1024];        /* for NAME.h: compiler, flags, levels, the chain (lines) */
} tmc_code_measure;

/* Builds res's C files (NAME_weights.c and NAME_main.c excepted) in a
 * temporary folder, removed afterwards. Fails when the compiler is absent
 * or the build fails; an unbounded stack (recursion, calls through
 * pointers, dynamic frames) only clears stack_ok. */
tmc_status tmc_measure_code(const tmc_emit_result *res, const char *name, bool detect,
                            tmc_code_measure *m, tmc_diag *d);

#endif
