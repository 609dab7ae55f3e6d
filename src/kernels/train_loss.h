/* The training loss: softmax cross-entropy on the dequantized logits, with
 * exp and log written here (basic float32 arithmetic only, no libm) so the
 * host and a microcontroller's newlib give the same bits. */
#ifndef TMC_KERNELS_TRAIN_LOSS_H
#define TMC_KERNELS_TRAIN_LOSS_H

#include <stdint.h>

/* e^x: 0 below -87.3, +inf above 88.7; relative error about 2e-7. */
float tmc_train_expf(float x);
/* ln x for x > 0 (finite); -inf for 0; relative error about 2e-7. */
float tmc_train_logf(float x);

/* Logits z_k = scale * (q[k] - zero_point), k < n: returns
 * -log softmax(z)[label] and writes dz[k] = softmax(z)[k] - (k == label),
 * the loss's gradient with respect to z. */
float tmc_softmax_xent(int32_t n, const int8_t *q, float scale, int32_t zero_point,
                       int32_t label, float *dz);

#endif
