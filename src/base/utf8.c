/* UTF-8 validation (see utf8.h), by the table of well-formed byte sequences
 * of the Unicode standard (chapter 3, "Well-Formed UTF-8 Byte Sequences"). */
#include "utf8.h"

int tmc_utf8_len(const unsigned char *p) {
  const unsigned c = p[0];
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  int n;
  unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;      /* overlong */
    else if (c == 0xed) hi = 0x9f; /* surrogates U+D800..U+DFFF */
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;      /* overlong */
    else if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
  } else {
    return 0; /* continuation byte, 0xc0/0xc1 (overlong), 0xf5..0xff */
  }
  if (p[1] < lo || p[1] > hi) return 0;
  for (int i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  return n;
}

void tmc_utf8_xml_text(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = tmc_utf8_len(p);
    switch (n ? *p : 0) {
      case 0: fputs("&#xFFFD;", f); n = 1; break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '&': fputs("&amp;", f); break;
      case '"': fputs("&quot;", f); break;
      default:
        if (*p >= 0x20 || *p == '\t') fwrite(p, 1, (size_t)n, f);
    }
    p += n;
  }
}
