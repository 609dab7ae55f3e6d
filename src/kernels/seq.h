/* seq.h - the sequence kernels, whose state persists from one invoke to the
 * next (included by kernels.h): SVDF (svdf.c) and the integer
 * UNIDIRECTIONAL_SEQUENCE_LSTM (lstm.c), bit-exact with TFLM 90b983c2's
 * reference kernels. The state is a variable tensor the kernel reads and
 * rewrites in place; the planner keeps it in the arena's persistent region,
 * which NAME_reset zeroes. Every table and multiplier is computed at compile
 * time (plan/lower_seq.c), which also proves that no int32 sum wraps. */
#ifndef TMC_KERNELS_SEQ_H
#define TMC_KERNELS_SEQ_H

#include <stddef.h>
#include <stdint.h>

/* ---- SVDF (svdf.c) --------------------------------------------------------- */
/* state [batch][filters][memory] of int8 or int16 (state_bits), oldest
 * first. Per invoke: the state moves one element towards the start (the
 * whole buffer, as TFLM), the feature product of filter f is requantized
 * into its newest slot (clamped to the state type), each filter's memory is
 * weighted by weights_time, rank filters are summed per unit with the bias,
 * and the sum is requantized to int8. The fused activation is not applied
 * (TFLM's integer SVDF ignores it: an output zero point of -128 is a ReLU). */
#define TMC_SVDF_PARAMS_FIELDS(X, T) \
  X(T, I32, batch) X(T, I32, input_size) X(T, I32, filters) X(T, I32, rank) \
  X(T, I32, memory) \
  X(T, I32, state_bits) /* 16: int16 state and weights_time; 8: int8 both */ \
  X(T, I32, input_offset) /* -input zero point */ \
  X(T, I32, output_offset) /* output zero point */ \
  X(T, I32, state_zp) /* the state's zero point */ \
  X(T, I32, feature_mult) X(T, I32, feature_shift) /* in * w_feature / state */ \
  X(T, I32, output_mult) X(T, I32, output_shift) /* state * w_time / out */ \
  X(T, I8P, weights_feature) /* [filters][input_size] */ \
  X(T, I16P, weights_time16) /* [filters][memory] (state_bits 16), else NULL */ \
  X(T, I8P, weights_time8) /* [filters][memory] (state_bits 8), else NULL */ \
  X(T, I32P, bias) /* [filters / rank], or NULL */
TMC_PARAMS_STRUCT(tmc_svdf_params, TMC_SVDF_PARAMS_FIELDS)

/* No scratch: each filter's time product is added to its unit's sum as it
 * is formed. */
void tmc_svdf_s8(const tmc_svdf_params *p, const int8_t *input, void *state,
                 int8_t *output);

/* ---- UNIDIRECTIONAL_SEQUENCE_LSTM, 8x8->16 and 16x8->16 (lstm.c) ----------- */
/* The standard LSTM (no peephole, projection, layer norm or CIFG) with int8
 * weights and an int16 cell state, in TFLM's two integer forms:
 * - 8x8->16 (tmc_lstm_s8): int8 input, hidden state and output, int32
 *   biases (bias); the gate products are int32 sums requantized by
 *   TFLite's 32-bit MultiplyByQuantizedMultiplier;
 * - 16x8->16 (tmc_lstm_s16): int16 input, hidden state and output (zero
 *   point 0), int64 biases (bias64); the gate products are int64 sums
 *   requantized by TFLite's 64-bit MultiplyByQuantizedMultiplier
 *   (tmc_mbqm64: the multiplier reduced to 16 bits).
 * Gate g of the four (i, f, c, o, in this order in the tables):
 * FC(x) + FC(h) into int16 at scale 2^-12 (each requantized and clamped,
 * then a saturating add), then sigmoid (the cell gate: cell_act) from the
 * int16 sigmoid table, out at 2^-15. Cell: f*c and i*g requantized to the
 * cell scale, saturating add, clip. Hidden: tanh(c) * o requantized to the
 * hidden state's scale and zero point, clamped to its type, into the output
 * row, which is then copied to the hidden state.
 * time_major: input [steps][batch][in], all batches per step; otherwise
 * [batch][steps][in], one batch at a time. */
#define TMC_LSTM_PARAMS_FIELDS(X, T) \
  X(T, I32, batch) X(T, I32, steps) X(T, I32, input_size) X(T, I32, units) \
  X(T, I32, time_major) \
  X(T, I32, cell_act) /* the cell gate: 0 tanh, 1 sigmoid */ \
  X(T, I32, input_offset) /* -input zero point */ \
  X(T, I32, hidden_offset) /* -hidden state zero point */ \
  X(T, I32, hidden_zp) /* hidden state zero point */ \
  /* input-to-gate and recurrent-to-gate multipliers, gates i, f, c, o */ \
  X(T, I32, i2i_mult) X(T, I32, i2i_shift) X(T, I32, r2i_mult) X(T, I32, r2i_shift) \
  X(T, I32, i2f_mult) X(T, I32, i2f_shift) X(T, I32, r2f_mult) X(T, I32, r2f_shift) \
  X(T, I32, i2c_mult) X(T, I32, i2c_shift) X(T, I32, r2c_mult) X(T, I32, r2c_shift) \
  X(T, I32, i2o_mult) X(T, I32, i2o_shift) X(T, I32, r2o_mult) X(T, I32, r2o_shift) \
  X(T, I32, forget_mult) X(T, I32, forget_shift) /* f * c -> cell */ \
  X(T, I32, input_mult) X(T, I32, input_shift) /* i * g -> cell */ \
  X(T, I32, hidden_mult) X(T, I32, hidden_shift) /* tanh(c) * o -> hidden */ \
  X(T, I32, cell_clip) /* quantized clip (>= 0), -1: none */ \
  X(T, I32, tanh_mult) X(T, I32, tanh_right_bits) /* tanh of the cell (sigmoid16.h) */ \
  X(T, I8P, w_in) /* [4][units][input_size] */ \
  X(T, I8P, w_rec) /* [4][units][units] */ \
  X(T, I32P, bias) /* [4][units] (8x8->16), else NULL */ \
  X(T, I64P, bias64) /* [4][units] (16x8->16), else NULL */ \
  X(T, I16P, table) /* [256] the int16 sigmoid table (tmc_sigmoid16_table) */
TMC_PARAMS_STRUCT(tmc_lstm_params, TMC_LSTM_PARAMS_FIELDS)

/* No scratch: unit by unit into the output row, then copied to hidden
 * (output and hidden must not overlap). */
void tmc_lstm_s8(const tmc_lstm_params *p, const int8_t *input, int8_t *hidden,
                 int16_t *cell, int8_t *output);
void tmc_lstm_s16(const tmc_lstm_params *p, const int16_t *input, int16_t *hidden,
                  int16_t *cell, int16_t *output);

#endif /* TMC_KERNELS_SEQ_H */
