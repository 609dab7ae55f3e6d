/* UTF-8 validation for text that comes from a model (tensor, op and model
 * names are arbitrary bytes) before it goes into JSON or XML. */
#ifndef TMC_BASE_UTF8_H
#define TMC_BASE_UTF8_H

#include <stddef.h>
#include <stdio.h>

/* The length (1-4) of the well-formed UTF-8 sequence starting at p[0], or 0
 * when there is none (a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate, a code point above U+10FFFF; also p[0] == 0).
 * Reads p[1..] only while they continue the sequence, so a NUL-terminated
 * string is never read past its end. */
int tmc_utf8_len(const unsigned char *p);

/* Writes s to f as XML text: its special characters escaped, bytes that do
 * not start well-formed UTF-8 as U+FFFD and control characters (not
 * allowed in XML 1.0) left out, so that any tensor name gives a valid SVG. */
void tmc_utf8_xml_text(FILE *f, const char *s);

#endif
