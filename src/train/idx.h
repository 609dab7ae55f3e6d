/* IDX data (the MNIST file format), plain or gzip-compressed, and its
 * conversion to a model's int8 input. An IDX file is a big-endian header
 * (two zero bytes, the element type 0x08 = unsigned byte, the number of
 * dimensions) and the dimensions as uint32, then the elements. tmc reads
 * images (3 dims: count, rows, cols) and labels (1 dim: count). */
#ifndef TMC_TRAIN_IDX_H
#define TMC_TRAIN_IDX_H

#include <stdint.h>

#include "base/status.h"

/* Files larger than this (uncompressed) are refused: 1 GiB. */
#define TMC_IDX_MAX_BYTES ((int64_t)1 << 30)

typedef struct tmc_idx_images {
  int32_t n, rows, cols;
  uint8_t *pix; /* n * rows * cols bytes, malloc'd */
} tmc_idx_images;

typedef struct tmc_idx_labels {
  int32_t n;
  uint8_t *label; /* n bytes, malloc'd */
} tmc_idx_labels;

/* An images file and its labels file. */
typedef struct tmc_idx_set {
  tmc_idx_images images;
  tmc_idx_labels labels;
} tmc_idx_set;

/* Reads an images (3-dim) / labels (1-dim) IDX file, plain or .gz (zlib
 * reads both). Errors name the file and what is wrong: the magic, a
 * dimension of 0, dimensions whose product passes TMC_IDX_MAX_BYTES, a
 * file shorter or longer than its header says. */
tmc_status tmc_idx_read_images(const char *path, tmc_idx_images *out, tmc_diag *d);
tmc_status tmc_idx_read_labels(const char *path, tmc_idx_labels *out, tmc_diag *d);

/* Loads DIR/PREFIX-images-idx3-ubyte[.gz] and DIR/PREFIX-labels-idx1-ubyte[.gz]
 * (PREFIX "train" or "t10k"; the plain file wins when both exist), checks
 * that both hold the same count and that every label is below classes, and
 * keeps the first limit items (limit <= 0: all). On failure *s is empty. */
tmc_status tmc_idx_load_set(const char *dir, const char *prefix, int32_t classes,
                            int64_t limit, tmc_idx_set *s, tmc_diag *d);
void tmc_idx_free(tmc_idx_set *s);

/* Converts image i to an int8 input of h x w x c (NHWC, batch 1): resized
 * bilinearly (pixel centres aligned, as TFLite's half_pixel_centers) when
 * the sizes differ, replicated over the c channels, each pixel p taken as
 * the float p / 255 and quantized as TFLite's QUANTIZE does (the kernel
 * itself) with scale and zero_point. */
void tmc_idx_to_input(const tmc_idx_images *im, int32_t i, int32_t h, int32_t w, int32_t c,
                      float scale, int32_t zero_point, int8_t *dst);

#endif
