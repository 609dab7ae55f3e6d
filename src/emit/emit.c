/* Code generation (see emit.h). Steps:
 * 1. NAME_weights.c: every constant a kernel reads (weights as the kernels
 *    want them, biases, constant operands), as const arrays;
 * 2. NAME.c: per step, its parameters as static const structs (multiplier
 *    and shift arrays before them) and one kernel call with arena offsets
 *    resolved, commented with the op, its shapes and MACs;
 * 3. NAME.h: the API (arena size, I/O shapes, quantization, accessors,
 *    status codes, invoke);
 * 4. the kernel sources the model uses and the kernel headers they include,
 *    CMakeLists.txt, and with --main NAME_main.c and a Makefile;
 * 5. the model prefix: every C file goes through prefix_c, which renames the
 *    kernel library's identifiers (tmc_x -> NAME_tmc_x, TMC_X ->
 *    UPPER_TMC_X) and its #include "x.h" (-> "NAME_x.h"), so that two models
 *    link into one program; comments and literals are left as they are. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/heap.h"
#include "emitter.h"
#include "plan/kernel_desc.h"
#include "sources.h"

bool tmc_emit_valid_name(const char *s) {
  if (s == NULL || !(isalpha((unsigned char)s[0]) || s[0] == '_') || strlen(s) > 40)
    return false;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return false;
  /* "tmc" and "tmc_*" (any case) would make the model's own symbols or
   * macros (NAME_invoke, UPPER_ARENA_BYTES) look like the kernels'. */
  char up[5] = {0};
  for (int i = 0; i < 4 && s[i]; i++) up[i] = (char)toupper((unsigned char)s[i]);
  return !(strcmp(up, "TMC") == 0 || strncmp(up, "TMC_", 4) == 0);
}

const tmc_source *tmc_source_find(const char *name) {
  for (const tmc_source *s = tmc_sources; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

/* ---- the model prefix ----------------------------------------------------- */

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The kernel headers a file includes (names of embedded sources). */
typedef struct includes {
  int n;
  const char *names[32];
} includes;

/* Appends src[0..len) to b renamed for model n (upper case N): identifiers
 * beginning with "tmc_" get the prefix "n_", those beginning with "TMC_"
 * the prefix "N_"; #include "F" of a kernel library file becomes
 * #include "n_F" (and F is noted in inc). The model's own files (model
 * true) include NAME.h, left alone, and the library's headers by their
 * final names n_F (noted): a model called "kernels" has a kernels.h of its
 * own. Comments, string and character literals and preprocessing numbers
 * are copied unchanged. A small C lexer: line splices inside tokens do not
 * occur in tmc's sources. */
static void prefix_c(tmc_buf *b, const char *n, const char *N, bool model, const char *src,
                     size_t len, includes *inc) {
  const size_t nl = strlen(n);
  size_t i = 0, copied = 0; /* src[copied..i) is pending, unchanged */
  bool line_start = true;   /* only blanks since the last newline */
#define FLUSH() (tmc_buf_write(b, src + copied, i - copied), copied = i)
  while (i < len) {
    char c = src[i];
    if (c == '\n') {
      line_start = true;
      i++;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      i++;
    } else if (c == '/' && i + 1 < len && src[i + 1] == '*') {
      size_t j = i + 2;
      while (j + 1 < len && !(src[j] == '*' && src[j + 1] == '/')) j++;
      i = j + 1 < len ? j + 2 : len;
    } else if (c == '/' && i + 1 < len && src[i + 1] == '/') {
      while (i < len && src[i] != '\n') i++;
    } else if (c == '"' || c == '\'') {
      for (i++; i < len && src[i] != c && src[i] != '\n'; i++)
        if (src[i] == '\\' && i + 1 < len) i++;
      if (i < len && src[i] == c) i++;
      line_start = false;
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && i + 1 < len && isdigit((unsigned char)src[i + 1]))) {
      /* A pp-number: 0x1fu, 1e+5, 1.5f, ... */
      for (i++; i < len; i++) {
        if ((src[i] == '+' || src[i] == '-') && strchr("eEpP", src[i - 1])) continue;
        if (!ident_char(src[i]) && src[i] != '.') break;
      }
      line_start = false;
    } else if (ident_start(c)) {
      size_t j = i;
      while (j < len && ident_char(src[j])) j++;
      bool lower = j - i >= 4 && memcmp(src + i, "tmc_", 4) == 0;
      bool upper = j - i >= 4 && memcmp(src + i, "TMC_", 4) == 0;
      if (lower || upper) {
        FLUSH();
        tmc_buf_printf(b, "%s_", lower ? n : N);
      }
      i = j;
      line_start = false;
    } else if (c == '#' && line_start) {
      /* #include "F": F renamed when it is a kernel library file. */
      size_t j = i + 1;
      while (j < len && (src[j] == ' ' || src[j] == '\t')) j++;
      line_start = false;
      i++;
      if (len - j < 7 || memcmp(src + j, "include", 7) != 0) continue;
      j += 7;
      while (j < len && (src[j] == ' ' || src[j] == '\t')) j++;
      if (j >= len || src[j] != '"') continue;
      size_t k = j + 1;
      while (k < len && src[k] != '"' && src[k] != '\n') k++;
      char file[64];
      if (k >= len || src[k] != '"' || k - j - 1 >= sizeof file) continue;
      memcpy(file, src + j + 1, k - j - 1);
      file[k - j - 1] = '\0';
      i = k + 1;
      const tmc_source *f;
      if (model) { /* "n.h" stays; "n_F" names library file F */
        f = strncmp(file, n, nl) == 0 && file[nl] == '_' ? tmc_source_find(file + nl + 1) : NULL;
      } else {
        f = tmc_source_find(file);
        if (f) {
          tmc_buf_write(b, src + copied, j + 1 - copied);
          tmc_buf_printf(b, "%s_%s\"", n, file);
          copied = i;
        }
      }
      if (f == NULL) continue;
      bool seen = false;
      for (int q = 0; q < inc->n; q++) seen |= strcmp(inc->names[q], f->name) == 0;
      if (!seen && inc->n < (int)(sizeof inc->names / sizeof inc->names[0]))
        inc->names[inc->n++] = f->name;
    } else {
      i++;
      line_start = false;
    }
  }
  FLUSH();
#undef FLUSH
}

/* ---- assembling ------------------------------------------------------------ */

static bool add_file(tmc_emit_result *r, const char *name, const void *data, size_t size) {
  if (r->n_files >= (int)(sizeof r->files / sizeof r->files[0])) return false;
  tmc_emit_file *f = &r->files[r->n_files];
  f->name = tmc_heap_alloc(strlen(name) + 1);
  f->data = tmc_heap_alloc(size + 1);
  if (f->name == NULL || f->data == NULL) {
    tmc_heap_free(f->name);
    tmc_heap_free(f->data);
    return false;
  }
  memcpy(f->name, name, strlen(name) + 1);
  if (size) memcpy(f->data, data, size);
  f->data[size] = '\0';
  f->size = size;
  r->n_files++;
  return true;
}

static bool add_buf(tmc_emit_result *r, const char *name, const tmc_buf *b) {
  return !b->failed && add_file(r, name, b->data ? b->data : "", b->len);
}

static bool has_file(const tmc_emit_result *r, const char *name) {
  for (int i = 0; i < r->n_files; i++)
    if (strcmp(r->files[i].name, name) == 0) return true;
  return false;
}

/* Adds a C file (name as given) renamed for the model (model: one of the
 * model's own files, else a kernel library file); notes the kernel headers
 * it includes in inc. */
static bool add_c(tmc_emit_result *r, const emitter *e, const char *name, bool model,
                  const char *data, size_t len, includes *inc) {
  tmc_buf b;
  tmc_buf_init(&b);
  prefix_c(&b, e->n, e->up, model, data ? data : "", data ? len : 0, inc);
  bool ok = add_buf(r, name, &b);
  tmc_buf_free(&b);
  return ok;
}

/* Adds the kernel library file src as NAME_<file>, renamed. */
static bool add_kernel_file(tmc_emit_result *r, const emitter *e, const char *file,
                            includes *inc) {
  const tmc_source *src = tmc_source_find(file);
  char name[128];
  snprintf(name, sizeof name, "%s_%s", e->n, file);
  if (src == NULL) return false;
  if (has_file(r, name)) return true;
  return add_c(r, e, name, false, (const char *)src->data, src->size, inc);
}

void tmc_emit_free(tmc_emit_result *r) {
  for (int i = 0; i < r->n_files; i++) {
    tmc_heap_free(r->files[i].name);
    tmc_heap_free(r->files[i].data);
  }
  r->n_files = 0;
}

tmc_status tmc_emit(const tmc_plan *plan, const tmc_emit_options *opts, tmc_emit_result *out,
                    tmc_diag *d) {
  memset(out, 0, sizeof *out);
  if (!tmc_emit_valid_name(opts->name))
    return tmc_fail(d, TMC_ERR_USAGE, "--name '%s' is not a C identifier tmc accepts "
                    "(letters, digits, '_', not starting with a digit, at most 40 "
                    "characters, not 'tmc' or beginning with 'tmc_' in any case)",
                    opts->name ? opts->name : "");
  emitter e;
  memset(&e, 0, sizeof e);
  e.plan = plan;
  e.g = plan->g;
  e.o = opts;
  e.n = opts->name;
  for (size_t i = 0; opts->name[i] && i + 1 < sizeof e.up; i++)
    e.up[i] = (char)toupper((unsigned char)opts->name[i]);
  tmc_buf_init(&e.h);
  tmc_buf_init(&e.c);
  tmc_buf_init(&e.w);
  tmc_buf_init(&e.decl);
  tmc_buf_init(&e.arrays);
  tmc_buf_init(&e.body);
  tmc_buf_printf(&e.w, "/* %s_weights.c: generated by tmc from ", e.n);
  tmc_buf_comment(&e.w, e.g->model_name, 200);
  tmc_buf_printf(&e.w, ". Do not edit.\n"
                 " * Weights and constants, read-only (flash). */\n#include <stdint.h>\n\n"
                 "#include \"%s.h\"\n\n", e.n);
  tmc_status s = tmc_emit_source(&e, d);
  if (s == TMC_OK) tmc_emit_header(&e);
  char name[128];
  includes inc = {0};
  /* A buffer whose allocation failed holds part of its text: any of them
   * (those copied into NAME.c included) makes the whole result void. */
  bool ok = s == TMC_OK && !e.h.failed && !e.c.failed && !e.w.failed && !e.decl.failed &&
            !e.arrays.failed && !e.body.failed;
  snprintf(name, sizeof name, "%s.h", e.n);
  ok = ok && add_c(out, &e, name, true, e.h.data, e.h.len, &inc);
  snprintf(name, sizeof name, "%s.c", e.n);
  ok = ok && add_c(out, &e, name, true, e.c.data, e.c.len, &inc);
  snprintf(name, sizeof name, "%s_weights.c", e.n);
  ok = ok && add_c(out, &e, name, true, e.w.data, e.w.len, &inc);
  /* Each used kernel's file once, detect.c for NAME_detect, then the
   * kernel headers these files include, transitively. */
  for (int k = 0; ok && k < TMC_KERNEL_COUNT; k++)
    if (e.used[k] && tmc_kernel_descs[k].file[0] != '\0')
      ok = add_kernel_file(out, &e, tmc_kernel_descs[k].file, &inc);
  if (ok && opts->detect) ok = add_kernel_file(out, &e, "detect.c", &inc);
  static const char *const train_files[] = {"train_rt.c", "backward.c", "train_sgd.c",
                                            "train_loss.c"};
  for (size_t k = 0; ok && opts->train && k < sizeof train_files / sizeof *train_files; k++)
    ok = add_kernel_file(out, &e, train_files[k], &inc);
  for (int i = 0; ok && i < inc.n; i++) ok = add_kernel_file(out, &e, inc.names[i], &inc);
  tmc_buf m, mk, cm;
  tmc_buf_init(&m);
  tmc_buf_init(&mk);
  tmc_buf_init(&cm);
  if (ok && opts->main) {
    if (opts->train)
      tmc_emit_train_main(&e, &m);
    else
      tmc_emit_main(&e, &m);
    snprintf(name, sizeof name, "%s_main.c", e.n);
    ok = !m.failed && add_c(out, &e, name, true, m.data, m.len, &inc);
    tmc_emit_makefile(&e, out, &mk);
    ok = ok && add_buf(out, "Makefile", &mk);
  }
  if (ok) {
    tmc_emit_cmake(&e, out, &cm);
    ok = add_buf(out, "CMakeLists.txt", &cm);
  }
  tmc_buf_free(&m);
  tmc_buf_free(&mk);
  tmc_buf_free(&cm);
  out->weights_bytes = e.weights_bytes;
  out->params_bytes = e.params_bytes;
  out->stack_bytes = opts->stack ? opts->stack->invoke_bytes : tmc_emit_static_stack(plan);
  out->detect_stack_bytes = !opts->detect ? -1
                            : opts->stack && opts->stack->detect_bytes >= 0
                                ? opts->stack->detect_bytes
                                : tmc_emit_static_detect_stack();
  tmc_buf_free(&e.h);
  tmc_buf_free(&e.c);
  tmc_buf_free(&e.w);
  tmc_buf_free(&e.decl);
  tmc_buf_free(&e.arrays);
  tmc_buf_free(&e.body);
  tmc_heap_free(e.dims);
  if (s != TMC_OK) {
    tmc_emit_free(out);
    return s;
  }
  if (!ok) {
    tmc_emit_free(out);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory generating code");
  }
  return TMC_OK;
}

tmc_status tmc_emit_write(const tmc_emit_result *r, const char *dir, tmc_diag *d) {
  tmc_named_data files[sizeof r->files / sizeof r->files[0]];
  for (int i = 0; i < r->n_files; i++) {
    files[i].name = r->files[i].name;
    files[i].data = r->files[i].data;
    files[i].size = r->files[i].size;
  }
  return tmc_write_files(dir, files, r->n_files, d);
}
