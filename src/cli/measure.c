/* tmc compile --measure-code (see measure.h). The stack bound of a function
 * is its own frame plus the deepest of its callees' bounds, from the call
 * graph GCC writes with -fcallgraph-info=su (one NAME.ci per translation
 * unit, VCG text: "node: { title: "f" label: "f\nfile:line:col\nN bytes
 * (static)" }" for each function defined there, a node without a size for
 * each one called but defined elsewhere, "edge: { sourcename: "f"
 * targetname: "g" }" for each call). A static function is titled
 * "file.c:f", so it never meets another file's function of the same name. */
#define _POSIX_C_SOURCE 200809L
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const tmc_measure_levels[TMC_MEASURE_LEVELS] = {"-O0", "-O2", "-O3", "-Os"};

/* ---- the call graph -------------------------------------------------------- */

typedef struct cg_node {
  int file;         /* .ci file it was read from */
  char *title;
  long long bytes;  /* its own frame; -1 when defined elsewhere */
  bool dynamic;     /* a frame whose size GCC cannot bound */
  int state;        /* 0 not visited, 1 on the current path, 2 done */
  long long depth;  /* deepest chain from here; -1 unbounded */
  int next;         /* the callee on that chain, -1 none */
} cg_node;

typedef struct cg_edge {
  int from;
  int file;
  char *to;         /* resolved into to_node */
  int to_node;
} cg_edge;

typedef struct cg {
  cg_node *nodes;
  cg_edge *edges;
  int n_nodes, n_edges, cap_nodes, cap_edges;
  bool nomem;
  const char *profile; /* NAME_profile: the user's hook, not counted */
  char why[256];       /* why a chain is unbounded */
} cg;

static void cg_free(cg *g) {
  for (int i = 0; i < g->n_nodes; i++) free(g->nodes[i].title);
  for (int i = 0; i < g->n_edges; i++) free(g->edges[i].to);
  free(g->nodes);
  free(g->edges);
  memset(g, 0, sizeof *g);
}

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* The text between `key: "` and the next '"' on line, or NULL. */
static const char *field(const char *line, const char *key, size_t *len) {
  char pat[32];
  snprintf(pat, sizeof pat, "%s: \"", key);
  const char *p = strstr(line, pat);
  if (p == NULL) return NULL;
  p += strlen(pat);
  const char *q = strchr(p, '"');
  if (q == NULL) return NULL;
  *len = (size_t)(q - p);
  return p;
}

static int find_node(const cg *g, int file, const char *title, bool defined) {
  for (int i = 0; i < g->n_nodes; i++)
    if ((file < 0 || g->nodes[i].file == file) && (!defined || g->nodes[i].bytes >= 0) &&
        strcmp(g->nodes[i].title, title) == 0)
      return i;
  return -1;
}

static int add_node(cg *g, int file, char *title, long long bytes, bool dynamic) {
  if (title == NULL) {
    g->nomem = true;
    return -1;
  }
  int i = find_node(g, file, title, false);
  if (i >= 0) { /* an external node seen before its definition, or twice */
    free(title);
    if (bytes >= 0) {
      g->nodes[i].bytes = bytes;
      g->nodes[i].dynamic = dynamic;
    }
    return i;
  }
  if (g->n_nodes == g->cap_nodes) {
    int cap = g->cap_nodes ? 2 * g->cap_nodes : 64;
    cg_node *p = realloc(g->nodes, (size_t)cap * sizeof *p);
    if (p == NULL) {
      free(title);
      g->nomem = true;
      return -1;
    }
    g->nodes = p;
    g->cap_nodes = cap;
  }
  g->nodes[g->n_nodes] = (cg_node){file, title, bytes, dynamic, 0, 0, -1};
  return g->n_nodes++;
}

static void add_edge(cg *g, int file, char *from, char *to) {
  int f = add_node(g, file, from, -1, false);
  if (f < 0 || to == NULL) {
    free(to);
    g->nomem = true;
    return;
  }
  if (g->n_edges == g->cap_edges) {
    int cap = g->cap_edges ? 2 * g->cap_edges : 256;
    cg_edge *p = realloc(g->edges, (size_t)cap * sizeof *p);
    if (p == NULL) {
      free(to);
      g->nomem = true;
      return;
    }
    g->edges = p;
    g->cap_edges = cap;
  }
  g->edges[g->n_edges++] = (cg_edge){f, file, to, -1};
}

/* Reads one .ci file; false when it cannot be opened. */
static bool cg_read(cg *g, int file, const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return false;
  char line[2048];
  while (fgets(line, sizeof line, f)) {
    size_t tl, ll, sl;
    const char *t, *l, *s;
    if (strncmp(line, "node:", 5) == 0 && (t = field(line, "title", &tl)) != NULL) {
      long long bytes = -1;
      bool dynamic = false;
      l = field(line, "label", &ll);
      const char *b = l ? strstr(l, " bytes (") : NULL;
      if (b && b < l + ll) {
        const char *d = b;
        while (d > l && d[-1] >= '0' && d[-1] <= '9') d--;
        if (d < b) bytes = strtoll(d, NULL, 10);
        dynamic = strncmp(b + 8, "dynamic", 7) == 0 && strncmp(b + 15, ",bounded", 8) != 0;
      }
      add_node(g, file, dup_n(t, tl), bytes, dynamic);
    } else if (strncmp(line, "edge:", 5) == 0 && (s = field(line, "sourcename", &sl)) &&
               (t = field(line, "targetname", &tl))) {
      add_edge(g, file, dup_n(s, sl), dup_n(t, tl));
    }
  }
  fclose(f);
  return true;
}

/* Callees resolve to the definition in the caller's file (a static
 * function, or a global one defined there), else to the one definition
 * elsewhere, else stay external (the C library, the user's hook). */
static void cg_resolve(cg *g) {
  for (int i = 0; i < g->n_edges; i++) {
    cg_edge *e = &g->edges[i];
    int t = find_node(g, e->file, e->to, true);
    if (t < 0) t = find_node(g, -1, e->to, true);
    if (t < 0) t = find_node(g, e->file, e->to, false);
    e->to_node = t;
  }
}

static long long cg_depth(cg *g, int n) {
  cg_node *x = &g->nodes[n];
  if (x->state == 2) return x->depth;
  if (x->state == 1) {
    snprintf(g->why, sizeof g->why, "recursion through %s", x->title);
    return -1;
  }
  if (x->bytes < 0) { /* defined outside the generated code */
    x->state = 2;
    if (strcmp(x->title, "__indirect_call") == 0) {
      snprintf(g->why, sizeof g->why, "a call through a function pointer");
      x->depth = -1;
    } else {
      x->depth = g->profile && strcmp(x->title, g->profile) == 0 ? 0 : TMC_MEASURE_LIBC_STACK;
    }
    return x->depth;
  }
  if (x->dynamic) {
    snprintf(g->why, sizeof g->why, "%s has a frame of dynamic size", x->title);
    return -1;
  }
  x->state = 1;
  long long best = 0;
  int next = -1;
  for (int i = 0; i < g->n_edges; i++) {
    if (g->edges[i].from != n || g->edges[i].to_node < 0) continue;
    long long d = cg_depth(g, g->edges[i].to_node);
    x = &g->nodes[n];
    if (d < 0) {
      x->state = 2;
      x->depth = -1;
      return -1;
    }
    if (d > best) {
      best = d;
      next = g->edges[i].to_node;
    }
  }
  x->state = 2;
  x->depth = x->bytes + best;
  x->next = next;
  return x->depth;
}

/* "f 64 -> g 144 -> memset (C library, 64)" along the deepest chain. */
static void cg_chain(const cg *g, int n, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; n >= 0 && k < 16 && len < cap; k++, n = g->nodes[n].next) {
    const cg_node *x = &g->nodes[n];
    const char *title = strchr(x->title, ':') ? strchr(x->title, ':') + 1 : x->title;
    int w;
    if (x->bytes >= 0)
      w = snprintf(buf + len, cap - len, "%s%s %lld", k ? " -> " : "", title, x->bytes);
    else
      w = snprintf(buf + len, cap - len, "%s%s (C library, %d)", k ? " -> " : "", title,
                   TMC_MEASURE_LIBC_STACK);
    if (w < 0) break;
    len += (size_t)w;
  }
}

/* ---- building ---------------------------------------------------------------- */

static bool is_c(const char *f) {
  size_t n = strlen(f);
  return n > 2 && strcmp(f + n - 2, ".c") == 0;
}

/* The C files measured: all but NAME_weights.c (data only) and NAME_main.c
 * (a host program). */
static bool measured_file(const char *f, const char *name) {
  char w[96], mn[96];
  snprintf(w, sizeof w, "%s_weights.c", name);
  snprintf(mn, sizeof mn, "%s_main.c", name);
  return is_c(f) && strcmp(f, w) != 0 && strcmp(f, mn) != 0;
}

/* dir/base with .c replaced by ext. */
static void with_ext(char *buf, size_t cap, const char *dir, const char *file, const char *ext) {
  size_t n = strlen(file);
  snprintf(buf, cap, "%s/%.*s%s", dir, (int)(n - 2), file, ext);
}

/* The first line of dir/cc.err, for messages. */
static void first_error(const char *dir, char *buf, size_t cap) {
  char path[4200];
  snprintf(path, sizeof path, "%s/cc.err", dir);
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  while (fgets(buf, (int)cap, f))
    if (strstr(buf, "error")) break;
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
}

/* Compiles the measured files at level; for code, sums their .text. */
static tmc_status build(const tmc_emit_result *res, const char *name, const char *dir,
                        const char *level, long long *text, tmc_diag *d) {
  size_t cap = 8192, n;
  char *cmd = malloc(cap);
  if (cmd == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  n = (size_t)snprintf(cmd, cap, "cd '%s' && arm-none-eabi-gcc " TMC_MEASURE_CPU
                       " -std=c11 %s -ffunction-sections -fcallgraph-info=su -c", dir, level);
  for (int i = 0; i < res->n_files && n < cap; i++)
    if (measured_file(res->files[i].name, name))
      n += (size_t)snprintf(cmd + n, cap - n, " %s", res->files[i].name);
  if (n + 32 >= cap) {
    free(cmd);
    return tmc_fail(d, TMC_ERR_LIMIT, "--measure-code: too many files");
  }
  snprintf(cmd + n, cap - n, " 2>cc.err");
  int rc = system(cmd);
  if (rc != 0) {
    char err[512];
    first_error(dir, err, sizeof err);
    free(cmd);
    return tmc_fail(d, TMC_ERR_IO, "--measure-code: arm-none-eabi-gcc %s failed on the "
                    "generated code%s%s", level, err[0] ? ": " : "", err);
  }
  if (text) {
    n = (size_t)snprintf(cmd, cap, "cd '%s' && arm-none-eabi-size -A", dir);
    for (int i = 0; i < res->n_files && n < cap; i++)
      if (measured_file(res->files[i].name, name)) {
        const char *f = res->files[i].name;
        n += (size_t)snprintf(cmd + n, cap - n, " %.*s.o", (int)(strlen(f) - 2), f);
      }
    snprintf(cmd + n, cap - n, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    char line[512], sec[256];
    long long size;
    *text = 0;
    /* .text sections only (size's "text" column includes .rodata, which
     * holds the layer parameters, counted as constants). */
    while (p && fgets(line, sizeof line, p))
      if (sscanf(line, "%255s %lld", sec, &size) == 2 && strncmp(sec, ".text", 5) == 0)
        *text += size;
    if (p == NULL || pclose(p) != 0) {
      free(cmd);
      return tmc_fail(d, TMC_ERR_IO, "--measure-code: arm-none-eabi-size failed");
    }
  }
  free(cmd);
  return TMC_OK;
}

/* Reads the .ci files of the last build: the chains from NAME_invoke and
 * NAME_detect (-1 when unbounded, with g->why). */
static tmc_status stack_of(const tmc_emit_result *res, const char *name, const char *dir,
                           bool detect, long long *invoke, long long *det, char *chain,
                           size_t chain_cap, char *why, size_t why_cap, tmc_diag *d) {
  cg g;
  memset(&g, 0, sizeof g);
  char path[4200], fn[128], prof[128];
  snprintf(prof, sizeof prof, "%s_profile", name);
  g.profile = prof;
  for (int i = 0; i < res->n_files; i++) {
    if (!measured_file(res->files[i].name, name)) continue;
    with_ext(path, sizeof path, dir, res->files[i].name, ".ci");
    if (!cg_read(&g, i, path)) {
      cg_free(&g);
      return tmc_fail(d, TMC_ERR_IO, "--measure-code: no call graph from arm-none-eabi-gcc "
                      "-fcallgraph-info (GCC 10 or later needed)");
    }
  }
  if (g.nomem) {
    cg_free(&g);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  }
  cg_resolve(&g);
  snprintf(fn, sizeof fn, "%s_invoke", name);
  int root = find_node(&g, -1, fn, true);
  *invoke = root >= 0 ? cg_depth(&g, root) : -1;
  if (root < 0) snprintf(g.why, sizeof g.why, "no %s in the call graph", fn);
  if (*invoke >= 0 && chain) cg_chain(&g, root, chain, chain_cap);
  *det = -1;
  if (detect && *invoke >= 0) {
    snprintf(fn, sizeof fn, "%s_detect", name);
    int r = find_node(&g, -1, fn, true);
    *det = r >= 0 ? cg_depth(&g, r) : -1;
    if (r < 0) snprintf(g.why, sizeof g.why, "no %s in the call graph", fn);
  }
  snprintf(why, why_cap, "%s", g.why);
  cg_free(&g);
  return TMC_OK;
}

/* Removes what the builds left in dir, then dir. */
static void clean(const tmc_emit_result *res, const char *dir) {
  char path[4200];
  for (int i = 0; i < res->n_files; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, res->files[i].name);
    remove(path);
    if (is_c(res->files[i].name)) {
      with_ext(path, sizeof path, dir, res->files[i].name, ".o");
      remove(path);
      with_ext(path, sizeof path, dir, res->files[i].name, ".ci");
      remove(path);
    }
  }
  snprintf(path, sizeof path, "%s/cc.err", dir);
  remove(path);
  rmdir(dir);
}

tmc_status tmc_measure_code(const tmc_emit_result *res, const char *name, bool detect,
                            tmc_code_measure *m, tmc_diag *d) {
  memset(m, 0, sizeof *m);
  m->code_bytes = m->invoke_max = m->detect_max = -1;
  if (system("command -v arm-none-eabi-gcc >/dev/null 2>&1 && "
             "command -v arm-none-eabi-size >/dev/null 2>&1") != 0)
    return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--measure-code needs arm-none-eabi-gcc and "
                    "arm-none-eabi-size on the PATH (Debian: gcc-arm-none-eabi)");
  FILE *p = popen("arm-none-eabi-gcc --version 2>/dev/null", "r");
  if (p == NULL || fgets(m->compiler, sizeof m->compiler, p) == NULL) m->compiler[0] = '\0';
  if (p) pclose(p);
  m->compiler[strcspn(m->compiler, "\r\n")] = '\0';
  for (char *c = m->compiler; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
  const char *tmpdir = getenv("TMPDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tmc-measure-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (strchr(dir, '\'') || mkdtemp(dir) == NULL)
    return tmc_fail(d, TMC_ERR_IO, "--measure-code: cannot create a temporary folder in %s",
                    tmpdir && *tmpdir ? tmpdir : "/tmp");
  tmc_status s = tmc_emit_write(res, dir, d);
  m->stack_ok = true;
  int worst = 0;
  char chain[TMC_MEASURE_LEVELS][512];
  for (int l = 0; s == TMC_OK && l < TMC_MEASURE_LEVELS; l++) {
    const char *level = tmc_measure_levels[l];
    bool code = strcmp(level, "-Os") == 0; /* TMC_MEASURE_CODE_FLAGS */
    s = build(res, name, dir, level, code ? &m->code_bytes : NULL, d);
    if (s == TMC_OK)
      s = stack_of(res, name, dir, detect, &m->invoke_stack[l], &m->detect_stack[l], chain[l],
                   sizeof chain[l], m->stack_why, sizeof m->stack_why, d);
    if (s != TMC_OK) break;
    if (m->invoke_stack[l] < 0 || (detect && m->detect_stack[l] < 0)) m->stack_ok = false;
    if (m->invoke_stack[l] > m->invoke_max) {
      m->invoke_max = m->invoke_stack[l];
      worst = l;
    }
    if (m->detect_stack[l] > m->detect_max) m->detect_max = m->detect_stack[l];
  }
  clean(res, dir);
  if (s != TMC_OK) return s;
  if (!m->stack_ok) return TMC_OK;
  snprintf(m->chain, sizeof m->chain, "%s", chain[worst]);
  size_t n = (size_t)snprintf(m->how, sizeof m->how, "%s\n" TMC_MEASURE_CPU
                              " -std=c11 -fcallgraph-info=su:\n", m->compiler);
  for (int l = 0; l < TMC_MEASURE_LEVELS && n < sizeof m->how; l++)
    n += (size_t)snprintf(m->how + n, sizeof m->how - n, "%s%s %lld", l ? ", " : "",
                          tmc_measure_levels[l], m->invoke_stack[l]);
  if (n < sizeof m->how)
    snprintf(m->how + n, sizeof m->how - n, " bytes; at %s:\n%s", tmc_measure_levels[worst],
             m->chain);
  return TMC_OK;
}
