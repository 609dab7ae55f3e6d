/* exp, log and the softmax cross-entropy in float32 (-ffp-contract=off). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "train_loss.h"

#include <string.h>

/* 2^k as a float, k in [-126, 127]. */
static float pow2i(int32_t k) {
  const uint32_t bits = (uint32_t)(k + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

float tmc_train_expf(float x) {
  if (x != x) return x;
  if (x < -87.3f) return 0.0f;
  if (x > 88.7f) {
    const uint32_t inf = 0x7f800000u;
    float f;
    memcpy(&f, &inf, sizeof f);
    return f;
  }
  /* x = k ln2 + r, |r| <= ln2 / 2; ln2 split in a part exact in float
   * times any k of this range and the rest */
  const float t = x * 1.44269504f;
  const int32_t k = (int32_t)(t < 0 ? t - 0.5f : t + 0.5f);
  const float r = (x - (float)k * 0.693145752f) - (float)k * 1.42860677e-6f;
  /* Taylor series of e^r to r^8, Horner */
  float p = 1.0f / 40320.0f;
  p = p * r + 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  /* k may reach 128 (x near 88.7) or -126 with r < 0: split the scaling */
  if (k > 127) return p * pow2i(127) * 2.0f;
  if (k < -125) return p * pow2i(k + 64) * pow2i(-64);
  return p * pow2i(k);
}

float tmc_train_logf(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  if (x == 0.0f) {
    const uint32_t ninf = 0xff800000u;
    float f;
    memcpy(&f, &ninf, sizeof f);
    return f;
  }
  int32_t e = (int32_t)((bits >> 23) & 0xff);
  if (e == 0) { /* subnormal: scale up by 2^32 first */
    return tmc_train_logf(x * 4294967296.0f) - 32.0f * 0.693147181f;
  }
  e -= 127;
  /* m in [1, 2), then in [sqrt(1/2), sqrt(2)) */
  bits = (bits & 0x007fffffu) | 0x3f800000u;
  float m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.41421356f) {
    m *= 0.5f;
    e++;
  }
  /* ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172 */
  const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  float p = 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  return (float)e * 0.693147181f + 2.0f * s * p;
}

float tmc_softmax_xent(int32_t n, const int8_t *q, float scale, int32_t zero_point,
                       int32_t label, float *dz) {
  float m = scale * (float)(q[0] - zero_point);
  for (int32_t k = 1; k < n; k++) {
    const float z = scale * (float)(q[k] - zero_point);
    if (z > m) m = z;
  }
  float sum = 0.0f;
  for (int32_t k = 0; k < n; k++) {
    dz[k] = tmc_train_expf(scale * (float)(q[k] - zero_point) - m);
    sum += dz[k];
  }
  for (int32_t k = 0; k < n; k++) dz[k] = dz[k] / sum - (k == label ? 1.0f : 0.0f);
  return tmc_train_logf(sum) - (scale * (float)(q[label] - zero_point) - m);
}
