/* Checked flatbuffer reads (see fb.h). Order of checks for each object, as
 * the flatbuffers verifier does: no overflow, then in range, then aligned. */
#include "fb.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/le.h"
#include "base/limits.h"

tmc_status tmc_fb_error(tmc_fb *fb, const char *field, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (fb->ctx[0])
    return tmc_fail(fb->d, TMC_ERR_FORMAT, "%s: %s: %s", fb->ctx, field, what);
  return tmc_fail(fb->d, TMC_ERR_FORMAT, "%s: %s", field, what);
}

void tmc_fb_context(tmc_fb *fb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(fb->ctx, sizeof fb->ctx, fmt, ap);
  va_end(ap);
}

/* Checks the table at pos and its vtable. */
static tmc_status check_table(tmc_fb *fb, uint32_t pos, tmc_fb_table *t,
                              const char *field) {
  if (pos > fb->len - 4)
    return tmc_fb_error(fb, field, "table at offset %u lies outside the %u-byte file",
                        pos, fb->len);
  if (pos % 4)
    return tmc_fb_error(fb, field, "table at offset %u is not 4-byte aligned", pos);
  int64_t vt = (int64_t)pos - (int64_t)tmc_le_i32(fb->buf + pos);
  if (vt < 0 || vt > (int64_t)fb->len - 4)
    return tmc_fb_error(fb, field, "vtable of table at offset %u lies outside the file",
                        pos);
  if (vt % 2)
    return tmc_fb_error(fb, field, "vtable at offset %lld is not 2-byte aligned",
                        (long long)vt);
  uint16_t vt_size = tmc_le_u16(fb->buf + vt);
  uint16_t size = tmc_le_u16(fb->buf + vt + 2);
  if (vt_size < 4 || vt_size % 2)
    return tmc_fb_error(fb, field, "vtable at offset %lld has invalid size %u",
                        (long long)vt, vt_size);
  if (vt_size > fb->len || (uint64_t)vt > (uint64_t)fb->len - vt_size)
    return tmc_fb_error(fb, field, "vtable at offset %lld runs past the end of the file",
                        (long long)vt);
  if (size < 4 || size > fb->len || pos > fb->len - size)
    return tmc_fb_error(fb, field, "table at offset %u (%u bytes) runs past the end of "
                        "the file", pos, size);
  if (fb->depth >= TMC_MAX_FB_DEPTH)
    return tmc_fb_error(fb, field, "tables nested deeper than %d", TMC_MAX_FB_DEPTH);
  if (fb->budget < size)
    return tmc_fb_error(fb, field, "objects are shared more than a valid model's can be");
  fb->budget -= size;
  fb->depth++;
  t->pos = pos;
  t->vt = (uint32_t)vt;
  t->vt_size = vt_size;
  t->size = size;
  return TMC_OK;
}

tmc_status tmc_fb_open(tmc_fb *fb, const uint8_t *buf, size_t len,
                       const char *ident, tmc_diag *d, tmc_fb_table *root) {
  fb->buf = buf;
  fb->d = d;
  fb->depth = 0;
  fb->ctx[0] = '\0';
  if (len > TMC_MAX_MODEL_BYTES)
    return tmc_fail(d, TMC_ERR_LIMIT, "file is %zu bytes, more than the %u a flatbuffer "
                    "can address", len, TMC_MAX_MODEL_BYTES);
  fb->len = (uint32_t)len;
  /* A valid file decodes each object once; allow generous slack. */
  fb->budget = (uint64_t)len * 4 + 65536;
  if (len < 8)
    return tmc_fail(d, TMC_ERR_FORMAT, "file is %zu bytes, too short for a flatbuffer "
                    "(at least 8)", len);
  if (ident && (buf[4] != ident[0] || buf[5] != ident[1] || buf[6] != ident[2] ||
                buf[7] != ident[3]))
    return tmc_fail(d, TMC_ERR_FORMAT, "file identifier is '%c%c%c%c', expected '%s' "
                    "(not a .tflite model?)",
                    buf[4] >= 32 && buf[4] < 127 ? buf[4] : '?',
                    buf[5] >= 32 && buf[5] < 127 ? buf[5] : '?',
                    buf[6] >= 32 && buf[6] < 127 ? buf[6] : '?',
                    buf[7] >= 32 && buf[7] < 127 ? buf[7] : '?', ident);
  return check_table(fb, tmc_le_u32(buf), root, "root table");
}

/* Position of field id inside the table, 0 when absent; checks that `size`
 * bytes fit in the table and are aligned to `align`. */
static tmc_status field_pos(tmc_fb *fb, const tmc_fb_table *t, int id, uint32_t size,
                            uint32_t align, uint32_t *pos, const char *field) {
  *pos = 0;
  uint32_t slot = 4u + 2u * (uint32_t)id;
  if (slot + 2 > t->vt_size) return TMC_OK;
  uint16_t fo = tmc_le_u16(fb->buf + t->vt + slot);
  if (fo == 0) return TMC_OK;
  if (fo < 4 || size > t->size || fo > t->size - size)
    return tmc_fb_error(fb, field, "field at table offset %u does not fit in the %u-byte "
                        "table at offset %u", fo, t->size, t->pos);
  uint32_t p = t->pos + fo;
  if (p % align)
    return tmc_fb_error(fb, field, "field at offset %u is not %u-byte aligned", p, align);
  *pos = p;
  return TMC_OK;
}

#define FB_SCALAR(fn, type, size, load)                                          \
  tmc_status fn(tmc_fb *fb, const tmc_fb_table *t, int id, type def, type *out,   \
                const char *field) {                                             \
    uint32_t p;                                                                  \
    TMC_TRY(field_pos(fb, t, id, size, size, &p, field));                        \
    *out = p ? (load) : def;                                                     \
    return TMC_OK;                                                               \
  }
FB_SCALAR(tmc_fb_u8, uint8_t, 1, fb->buf[p])
FB_SCALAR(tmc_fb_i8, int8_t, 1, (int8_t)fb->buf[p])
FB_SCALAR(tmc_fb_bool, bool, 1, fb->buf[p] != 0)
FB_SCALAR(tmc_fb_i32, int32_t, 4, tmc_le_i32(fb->buf + p))
FB_SCALAR(tmc_fb_u32, uint32_t, 4, tmc_le_u32(fb->buf + p))
FB_SCALAR(tmc_fb_u64, uint64_t, 8, tmc_le_u64(fb->buf + p))
FB_SCALAR(tmc_fb_f32, float, 4, tmc_le_f32(fb->buf + p))
#undef FB_SCALAR

/* Follows the uoffset stored at p; checks the target lies in the file. */
static tmc_status follow(tmc_fb *fb, uint32_t p, uint32_t *target, const char *field) {
  uint32_t off = tmc_le_u32(fb->buf + p);
  if (off > fb->len - p || off == 0)
    return tmc_fb_error(fb, field, "offset %u at %u points outside the %u-byte file", off,
                        p, fb->len);
  *target = p + off;
  return TMC_OK;
}

tmc_status tmc_fb_table_field(tmc_fb *fb, const tmc_fb_table *t, int id,
                              tmc_fb_table *out, bool *present, const char *field) {
  uint32_t p = 0, target = 0;
  *present = false;
  TMC_TRY(field_pos(fb, t, id, 4, 4, &p, field));
  if (p == 0) return TMC_OK;
  TMC_TRY(follow(fb, p, &target, field));
  TMC_TRY(check_table(fb, target, out, field));
  *present = true;
  return TMC_OK;
}

void tmc_fb_leave(tmc_fb *fb) {
  if (fb->depth > 0) fb->depth--;
}

/* Checks a vector whose length prefix is at `target`. */
static tmc_status check_vector(tmc_fb *fb, uint32_t target, uint32_t elem_size,
                               uint32_t elem_align, bool decode, tmc_fb_vec *out,
                               const char *field) {
  if (target > fb->len - 4)
    return tmc_fb_error(fb, field, "vector at offset %u lies outside the file", target);
  if (target % 4)
    return tmc_fb_error(fb, field, "vector at offset %u is not 4-byte aligned", target);
  uint32_t n = tmc_le_u32(fb->buf + target);
  uint32_t first = target + 4;
  if (n > (fb->len - first) / elem_size)
    return tmc_fb_error(fb, field, "vector of %u elements of %u bytes at offset %u runs "
                        "past the end of the %u-byte file", n, elem_size, target, fb->len);
  if (elem_align > 1 && first % elem_align)
    return tmc_fb_error(fb, field, "vector data at offset %u is not %u-byte aligned", first,
                        elem_align);
  if (decode) {
    uint64_t cost = (uint64_t)n * elem_size;
    if (fb->budget < cost)
      return tmc_fb_error(fb, field, "objects are shared more than a valid model's can be");
    fb->budget -= cost;
  }
  out->pos = first;
  out->n = n;
  return TMC_OK;
}

tmc_status tmc_fb_vector(tmc_fb *fb, const tmc_fb_table *t, int id, uint32_t elem_size,
                         uint32_t elem_align, bool decode, tmc_fb_vec *out,
                         bool *present, const char *field) {
  uint32_t p = 0, target = 0;
  out->pos = 0;
  out->n = 0;
  if (present) *present = false;
  TMC_TRY(field_pos(fb, t, id, 4, 4, &p, field));
  if (p == 0) return TMC_OK;
  TMC_TRY(follow(fb, p, &target, field));
  TMC_TRY(check_vector(fb, target, elem_size, elem_align, decode, out, field));
  if (present) *present = true;
  return TMC_OK;
}

tmc_status tmc_fb_vec_table(tmc_fb *fb, const tmc_fb_vec *v, uint32_t i,
                            tmc_fb_table *out, const char *field) {
  uint32_t target = 0;
  TMC_TRY(follow(fb, v->pos + 4 * i, &target, field));
  return check_table(fb, target, out, field);
}

static tmc_status check_string(tmc_fb *fb, uint32_t target, const char **out,
                               uint32_t *n, const char *field) {
  tmc_fb_vec v = {0, 0};
  TMC_TRY(check_vector(fb, target, 1, 1, false, &v, field));
  if (v.n >= fb->len - v.pos || fb->buf[v.pos + v.n] != 0)
    return tmc_fb_error(fb, field, "string at offset %u is not NUL-terminated", target);
  *out = (const char *)fb->buf + v.pos;
  if (n) *n = v.n;
  return TMC_OK;
}

tmc_status tmc_fb_string(tmc_fb *fb, const tmc_fb_table *t, int id, const char **out,
                         uint32_t *n, const char *field) {
  uint32_t p = 0, target = 0;
  *out = NULL;
  if (n) *n = 0;
  TMC_TRY(field_pos(fb, t, id, 4, 4, &p, field));
  if (p == 0) return TMC_OK;
  TMC_TRY(follow(fb, p, &target, field));
  return check_string(fb, target, out, n, field);
}

tmc_status tmc_fb_vec_string(tmc_fb *fb, const tmc_fb_vec *v, uint32_t i,
                             const char **out, const char *field) {
  uint32_t target = 0;
  TMC_TRY(follow(fb, v->pos + 4 * i, &target, field));
  return check_string(fb, target, out, NULL, field);
}

int32_t tmc_fb_vec_i32(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i) {
  return tmc_le_i32(fb->buf + v->pos + 4 * (size_t)i);
}
int64_t tmc_fb_vec_i64(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i) {
  return tmc_le_i64(fb->buf + v->pos + 8 * (size_t)i);
}
float tmc_fb_vec_f32(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i) {
  return tmc_le_f32(fb->buf + v->pos + 4 * (size_t)i);
}
uint8_t tmc_fb_vec_u8(const tmc_fb *fb, const tmc_fb_vec *v, uint32_t i) {
  return fb->buf[v->pos + i];
}
