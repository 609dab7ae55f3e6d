/* Every limit tmc enforces, with its reason. Exceeding one is a named error. */
#ifndef TMC_BASE_LIMITS_H
#define TMC_BASE_LIMITS_H

/* Largest .tflite accepted: flatbuffer offsets are 32-bit, so 2 GiB minus one. */
#define TMC_MAX_MODEL_BYTES 0x7fffffffu
/* Tensor rank: TFLite kernels go to 6-D at most (TRANSPOSE, STRIDED_SLICE). */
#define TMC_MAX_RANK 6
/* Elements and bytes of one tensor: a microcontroller model never comes near
 * 2^31, and keeping below it lets kernels index with int32. */
#define TMC_MAX_TENSOR_ELEMS 0x7fffffffu
#define TMC_MAX_TENSOR_BYTES 0x7fffffffu
/* Window geometry of a convolution or pooling along one axis: the filter's
 * extent (k-1)*dilation+1, that plus the stride, the padded input and
 * (out-1)*stride plus the extent. Kernels compute window origins and tap
 * ranges with these in int32 (kernels/kutil.h tmc_tap_range); the
 * lowering refuses a layer beyond it (plan/lower_conv.c). */
#define TMC_MAX_WINDOW_SPAN 0x7fffffff
/* Flatbuffer nesting depth while verifying (the flatbuffers verifier uses 64). */
#define TMC_MAX_FB_DEPTH 64
/* Counts in one model: tensors, operators, buffers, operator codes. A
 * vector cannot hold more than the file has bytes anyway; this bounds work. */
#define TMC_MAX_TENSORS 1000000
#define TMC_MAX_OPS 1000000
/* Inputs or outputs of one operator. */
#define TMC_MAX_OP_IO 1024

#endif
