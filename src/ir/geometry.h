/* Shape arithmetic shared by the IR checks, the passes and the lowering:
 * TFLite's window padding, strided-slice normalisation and broadcasting. */
#ifndef TMC_IR_GEOMETRY_H
#define TMC_IR_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"

/* Output size and explicit padding of a conv/pool window along one axis, as
 * TFLite's ComputePaddingHeightWidth: total = max((out-1)*stride + eff_k - in,
 * 0), before = total / 2, after = the rest. */
typedef struct tmc_window {
  int64_t out;
  int32_t before, after;
} tmc_window;
tmc_window tmc_window_geometry(int64_t in, int32_t k, int32_t stride, int32_t dilation,
                               tmc_padding padding);

/* A strided slice over a tensor of `rank` dims: begin/end/strides as given by
 * the op's constant inputs (one value per dim), masks and offset from its
 * attributes (ellipsis_mask and new_axis_mask are not applied). Produces, per
 * dim, the first index, the step and the count of elements, exactly as
 * TFLite's reference kernel (strided_slice_logic.h StridedSliceStartForAxis /
 * StridedSliceEndForAxis and its loop):
 * - start: begin, + dim when negative, clamped to [0, dim] (stride > 0) or
 *   [-1, dim-1] (stride < 0); begin_mask bit d: 0 (stride > 0), dim-1 (< 0);
 * - stop, shrink_axis_mask bit d: start + 1, or start when start >= dim
 *   (end, end_mask and offset ignored); a shrunk axis with a negative stride
 *   therefore has count 0, as TFLite's loop runs no iteration;
 * - stop otherwise: end (+ start when offset), + dim when negative, clamped
 *   to [0, dim] (stride > 0) or [-1, dim-1] (stride < 0); end_mask bit d:
 *   dim (stride > 0), -1 (stride < 0);
 * - count: ceil((stop - start) / stride), 0 when negative.
 * start is an element index only when count > 0 (it may be -1 or dim
 * otherwise). Values beyond int32 saturate (TFLite reads int32). Returns
 * false when a stride is 0. */
typedef struct tmc_slice {
  int32_t rank;
  int32_t start[TMC_MAX_RANK], step[TMC_MAX_RANK], count[TMC_MAX_RANK];
} tmc_slice;
bool tmc_slice_geometry(const int32_t *dims, int32_t rank, const int64_t *begin,
                        const int64_t *end, const int64_t *strides,
                        const tmc_slice_attr *attr, tmc_slice *out);

/* Broadcasting as TFLite's element-wise ops do it (right-aligned, numpy
 * rules): the output has the larger rank; per dim, where the two differ one
 * of them must be 1 and the output takes the other (a 0 against a 1 gives
 * 0). Writes the output shape to out[*rank]; false when a pair of dims
 * differs and neither is 1, or a rank is outside 0..TMC_MAX_RANK. */
bool tmc_broadcast_shape(const int32_t *a, int32_t rank_a, const int32_t *b, int32_t rank_b,
                         int32_t *out, int32_t *rank);

/* Element i of an integer constant (INT32 or INT64; 0 for other types). */
int64_t tmc_tensor_int(const tmc_tensor *t, int64_t i);

#endif
