/* IDX files through zlib (gzread reads plain files as they are). */
#define _POSIX_C_SOURCE 200809L
#include "idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/file.h"
#include "kernels/kernels.h"

/* Reads exactly n bytes; false at the end of the data or on an error. */
static tmc_status read_exact(gzFile f, const char *path, void *buf, size_t n,
                             const char *what, tmc_diag *d) {
  uint8_t *p = buf;
  size_t got = 0;
  while (got < n) {
    size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
    int r = gzread(f, p + got, (unsigned)want);
    if (r < 0) {
      int e;
      const char *msg = gzerror(f, &e);
      return tmc_fail(d, TMC_ERR_IO, "%s: cannot read the %s: %s", tmc_path_base(path), what,
                      e == Z_ERRNO ? strerror(errno) : msg);
    }
    if (r == 0) {
      int e;
      const char *msg = gzerror(f, &e);
      if (e != Z_OK && e != Z_BUF_ERROR)
        return tmc_fail(d, TMC_ERR_FORMAT, "%s: cannot read the %s: %s", tmc_path_base(path),
                        what, msg);
      return tmc_fail(d, TMC_ERR_FORMAT, "%s: truncated: the %s needs %zu bytes, the file "
                      "ends after %zu", tmc_path_base(path), what, n, got);
    }
    got += (size_t)r;
  }
  return TMC_OK;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads the header (expecting rank dims of unsigned bytes) and the
 * elements; *dims gets the dimensions and *data the malloc'd elements. */
static tmc_status read_idx(const char *path, int rank, const char *kind, uint32_t *dims,
                           uint8_t **data, tmc_diag *d) {
  *data = NULL;
  const char *base = tmc_path_base(path);
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return tmc_fail(d, TMC_ERR_IO, "cannot read '%s': %s", path, strerror(EISDIR));
  errno = 0;
  gzFile f = gzopen(path, "rb");
  if (f == NULL)
    return tmc_fail(d, TMC_ERR_IO, "cannot open '%s': %s", path,
                    errno ? strerror(errno) : "out of memory");
  uint8_t head[4 + 4 * 3];
  tmc_status s = read_exact(f, path, head, 4, "4-byte magic number", d);
  if (s == TMC_OK && (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != rank)) {
    s = tmc_fail(d, TMC_ERR_FORMAT, "%s: magic number 0x%02x%02x%02x%02x, expected 0x0000080%d "
                 "(IDX %s: unsigned bytes, %d dimension%s)", base, head[0], head[1], head[2],
                 head[3], rank, kind, rank, rank == 1 ? "" : "s");
  }
  if (s == TMC_OK) s = read_exact(f, path, head + 4, 4 * (size_t)rank, "dimensions", d);
  int64_t total = 1;
  static const char *const names[3] = {"count", "rows", "columns"};
  for (int i = 0; s == TMC_OK && i < rank; i++) {
    dims[i] = be32(head + 4 + 4 * i);
    if (dims[i] == 0) {
      s = tmc_fail(d, TMC_ERR_FORMAT, "%s: dimension %d (%s) is 0%s", base, i, names[i],
                   i > 0 ? ": an image of size 0" : ": no items");
    } else if (dims[i] > (uint32_t)INT32_MAX || (total *= dims[i]) > TMC_IDX_MAX_BYTES) {
      s = tmc_fail(d, TMC_ERR_LIMIT, "%s: dimensions %u", base, dims[0]);
      for (int j = 1; j < rank; j++) tmc_diag_append(d, " x %u", be32(head + 4 + 4 * j));
      tmc_diag_append(d, " pass tmc's limit of %lld bytes", (long long)TMC_IDX_MAX_BYTES);
    }
  }
  if (s == TMC_OK && (*data = malloc((size_t)total)) == NULL)
    s = tmc_fail(d, TMC_ERR_NOMEM, "%s: cannot allocate %lld bytes", base, (long long)total);
  if (s == TMC_OK) {
    char what[96];
    snprintf(what, sizeof what, "%s data (%lld bytes after the header)", kind,
             (long long)total);
    s = read_exact(f, path, *data, (size_t)total, what, d);
  }
  if (s == TMC_OK) {
    uint8_t extra;
    int r = gzread(f, &extra, 1);
    if (r != 0)
      s = tmc_fail(d, TMC_ERR_FORMAT, "%s: %s after the %lld bytes its header announces",
                   base, r > 0 ? "more data" : "a read error", (long long)total);
  }
  int rc = gzclose(f);
  if (s == TMC_OK && rc != Z_OK)
    s = tmc_fail(d, TMC_ERR_FORMAT, "%s: corrupt compressed data (zlib error %d)", base, rc);
  if (s != TMC_OK) {
    free(*data);
    *data = NULL;
  }
  return s;
}

tmc_status tmc_idx_read_images(const char *path, tmc_idx_images *out, tmc_diag *d) {
  uint32_t dims[3];
  memset(out, 0, sizeof *out);
  uint8_t *p;
  TMC_TRY(read_idx(path, 3, "images", dims, &p, d));
  out->n = (int32_t)dims[0];
  out->rows = (int32_t)dims[1];
  out->cols = (int32_t)dims[2];
  out->pix = p;
  return TMC_OK;
}

tmc_status tmc_idx_read_labels(const char *path, tmc_idx_labels *out, tmc_diag *d) {
  uint32_t dims[1];
  memset(out, 0, sizeof *out);
  uint8_t *p;
  TMC_TRY(read_idx(path, 1, "labels", dims, &p, d));
  out->n = (int32_t)dims[0];
  out->label = p;
  return TMC_OK;
}

/* DIR/NAME when it exists, else DIR/NAME.gz; NULL after an error naming
 * both when neither does. malloc'd. */
static char *find_file(const char *dir, const char *name, tmc_diag *d) {
  size_t n = strlen(dir) + strlen(name) + 8;
  char *p = malloc(n);
  if (p == NULL) {
    tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  struct stat st;
  snprintf(p, n, "%s/%s", dir, name);
  if (stat(p, &st) == 0) return p;
  snprintf(p, n, "%s/%s.gz", dir, name);
  if (stat(p, &st) == 0) return p;
  tmc_fail(d, TMC_ERR_IO, "%s: neither %s nor %s.gz exists", dir, name, name);
  free(p);
  return NULL;
}

void tmc_idx_free(tmc_idx_set *s) {
  free(s->images.pix);
  free(s->labels.label);
  memset(s, 0, sizeof *s);
}

tmc_status tmc_idx_load_set(const char *dir, const char *prefix, int32_t classes,
                            int64_t limit, tmc_idx_set *s, tmc_diag *d) {
  memset(s, 0, sizeof *s);
  char iname[64], lname[64];
  snprintf(iname, sizeof iname, "%s-images-idx3-ubyte", prefix);
  snprintf(lname, sizeof lname, "%s-labels-idx1-ubyte", prefix);
  char *ipath = find_file(dir, iname, d);
  char *lpath = ipath ? find_file(dir, lname, d) : NULL;
  tmc_status st = lpath ? TMC_OK : d->status;
  if (st == TMC_OK) st = tmc_idx_read_images(ipath, &s->images, d);
  if (st == TMC_OK) st = tmc_idx_read_labels(lpath, &s->labels, d);
  if (st == TMC_OK && s->images.n != s->labels.n)
    st = tmc_fail(d, TMC_ERR_FORMAT, "%s holds %d images, %s %d labels: the counts differ",
                  tmc_path_base(ipath), s->images.n, tmc_path_base(lpath), s->labels.n);
  for (int32_t i = 0; st == TMC_OK && i < s->labels.n; i++)
    if (s->labels.label[i] >= classes)
      st = tmc_fail(d, TMC_ERR_FORMAT, "%s: item %d: label %d, the model has %d classes "
                    "(labels 0 to %d)", tmc_path_base(lpath), i, s->labels.label[i], classes,
                    classes - 1);
  if (st == TMC_OK && limit > 0 && limit < s->images.n) s->images.n = s->labels.n = (int32_t)limit;
  free(ipath);
  free(lpath);
  if (st != TMC_OK) tmc_idx_free(s);
  return st;
}

/* Source coordinate of output index o for a resize in -> out with half-pixel
 * centres, clamped to the image: *i0, *i1 the two taps, *f the weight of i1. */
static void tap(int32_t o, int32_t in, int32_t out, int32_t *i0, int32_t *i1, float *f) {
  float x = ((float)o + 0.5f) * (float)in / (float)out - 0.5f;
  if (x < 0) x = 0;
  int32_t a = (int32_t)x; /* x >= 0: truncation is floor */
  if (a > in - 1) a = in - 1;
  *i0 = a;
  *i1 = a + 1 < in ? a + 1 : in - 1;
  *f = x - (float)a;
  if (*f < 0) *f = 0;
}

void tmc_idx_to_input(const tmc_idx_images *im, int32_t i, int32_t h, int32_t w, int32_t c,
                      float scale, int32_t zero_point, int8_t *dst) {
  const uint8_t *src = im->pix + (size_t)i * (size_t)im->rows * (size_t)im->cols;
  const tmc_quantize_params qp = {.scale = scale, .zero_point = zero_point};
  for (int32_t y = 0; y < h; y++) {
    int32_t y0, y1, x0, x1;
    float fy, fx;
    tap(y, im->rows, h, &y0, &y1, &fy);
    for (int32_t x = 0; x < w; x++) {
      float v;
      if (h == im->rows && w == im->cols) {
        v = (float)src[(size_t)y * im->cols + x];
      } else {
        tap(x, im->cols, w, &x0, &x1, &fx);
        const float a = src[(size_t)y0 * im->cols + x0], b = src[(size_t)y0 * im->cols + x1];
        const float e = src[(size_t)y1 * im->cols + x0], g = src[(size_t)y1 * im->cols + x1];
        const float top = a + (b - a) * fx, bot = e + (g - e) * fx;
        v = top + (bot - top) * fy;
      }
      const float f = v / 255.0f;
      int8_t q;
      tmc_quantize_f32_s8(&qp, 1, &f, &q);
      for (int32_t k = 0; k < c; k++) dst[((size_t)y * w + x) * c + k] = q;
    }
  }
}
