/* UTF-8 validation for text that comes from a model (tensor, op and model
 * names are arbitrary bytes) before it goes into JSON or XML. */
#ifndef TMC_BASE_UTF8_H
#define TMC_BASE_UTF8_H

#include <stddef.h>

/* The length (1-4) of the well-formed UTF-8 sequence starting at p[0], or 0
 * when there is none (a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate, a code point above U+10FFFF; also p[0] == 0).
 * Reads p[1..] only while they continue the sequence, so a NUL-terminated
 * string is never read past its end. */
int tmc_utf8_len(const unsigned char *p);

#endif
