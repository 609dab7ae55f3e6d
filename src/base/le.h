/* Little-endian loads and stores from byte pointers: no casts, no alignment
 * assumptions, the same result on any host. */
#ifndef TMC_BASE_LE_H
#define TMC_BASE_LE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t tmc_le_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t tmc_le_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t tmc_le_u64(const uint8_t *p) {
  return (uint64_t)tmc_le_u32(p) | (uint64_t)tmc_le_u32(p + 4) << 32;
}
static inline int16_t tmc_le_i16(const uint8_t *p) { return (int16_t)tmc_le_u16(p); }
static inline int32_t tmc_le_i32(const uint8_t *p) { return (int32_t)tmc_le_u32(p); }
static inline int64_t tmc_le_i64(const uint8_t *p) { return (int64_t)tmc_le_u64(p); }
static inline float tmc_le_f32(const uint8_t *p) {
  uint32_t u = tmc_le_u32(p);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
static inline double tmc_le_f64(const uint8_t *p) {
  uint64_t u = tmc_le_u64(p);
  double f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline void tmc_le_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void tmc_le_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void tmc_le_put_u64(uint8_t *p, uint64_t v) {
  tmc_le_put_u32(p, (uint32_t)v);
  tmc_le_put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline void tmc_le_put_f32(uint8_t *p, float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  tmc_le_put_u32(p, u);
}

#endif
