/* tmc inspect: the op table, the tensor table and totals of any .tflite,
 * as text or JSON. Operators tmc cannot compile are marked with the reason. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "base/json.h"
#include "load.h"

static const char inspect_usage[] =
    "usage: tmc inspect MODEL [--json]\n"
    "\n"
    "Lists the operators (kind, input and output shapes, MACs, weight bytes,\n"
    "quantization), the tensors and the totals of a .tflite model. Operators\n"
    "tmc cannot compile are marked '!' with the reason.\n"
    "\n"
    "  --json   print JSON instead of tables\n";

/* "[1,80,80,3]" into buf. */
static const char *shape_str(const tmc_tensor *t, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (int i = 0; i < t->rank && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? ",%d" : "%d", t->dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}

/* "s=0.0235 z=-128", "16 ch (axis 0)" or "-" into buf. */
static const char *quant_str(const tmc_tensor *t, char *buf, size_t n) {
  if (t->q.n == 0)
    snprintf(buf, n, "-");
  else if (t->q.n == 1)
    snprintf(buf, n, "s=%.6g z=%d", (double)t->q.scale[0], t->q.zero_point[0]);
  else
    snprintf(buf, n, "%d ch (axis %d)", t->q.n, t->q.axis);
  return buf;
}

/* The largest non-constant tensor, or NULL. */
static const tmc_tensor *largest_activation(const tmc_graph *g) {
  const tmc_tensor *best = NULL;
  for (int i = 0; i < g->n_tensors; i++) {
    const tmc_tensor *t = &g->tensors[i];
    if (!t->is_const && (best == NULL || t->bytes > best->bytes)) best = t;
  }
  return best;
}

static void print_text(const tmc_graph *g) {
  char a[96], b[96], q[64];
  int64_t macs = 0, weights = 0;
  int unsupported = 0;
  printf("model %s: schema version %u, %d subgraph%s (tmc compiles subgraph 0), %d "
         "operators, %d tensors\n", tmc_cli_esc(g->model_name), g->schema_version, g->n_subgraphs,
         g->n_subgraphs == 1 ? "" : "s", g->n_ops, g->n_tensors);
  for (int io = 0; io < 2; io++) {
    int n = io ? g->n_outputs : g->n_inputs;
    for (int i = 0; i < n; i++) {
      const tmc_tensor *t = &g->tensors[io ? g->outputs[i] : g->inputs[i]];
      printf("%s %d: tensor %d '%s' %s %s %s\n", io ? "output" : "input", i, t->id,
             tmc_cli_esc(t->name),
             tmc_dtype_name(t->type), shape_str(t, a, sizeof a), quant_str(t, q, sizeof q));
    }
  }
  printf("\n%4s  %-24s %-20s %-16s %12s %10s  %s\n", "op", "kind", "input", "output",
         "MACs", "weights", "quantization (input -> output)");
  for (int i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    const tmc_tensor *x = NULL;
    for (int k = 0; k < op->n_in && x == NULL; k++) {
      const tmc_tensor *t = tmc_op_input(g, op, k);
      if (t && !t->is_const) x = t;
    }
    if (x == NULL) x = tmc_op_input(g, op, 0);
    const tmc_tensor *y = op->n_out > 0 ? tmc_op_output(g, op, 0) : NULL;
    int64_t m = tmc_op_macs(g, op), w = tmc_op_weight_bytes(g, op);
    macs += m;
    weights += w;
    char qx[64], qy[64], kind[48];
    snprintf(kind, sizeof kind, "%s%s", op->unsupported ? "!" : "", tmc_cli_esc(op->name));
    printf("%4d  %-24s %-20s %-16s %12lld %10lld  %s -> %s\n", op->id, kind,
           x ? shape_str(x, a, sizeof a) : "-", y ? shape_str(y, b, sizeof b) : "-",
           (long long)m, (long long)w, x ? quant_str(x, qx, sizeof qx) : "-",
           y ? quant_str(y, qy, sizeof qy) : "-");
    if (m > 0) { /* weights and bias of conv-like ops */
      for (int k = 0; k < op->n_in; k++) {
        const tmc_tensor *t = tmc_op_input(g, op, k);
        if (t == NULL || t == x) continue;
        printf("%4s  %-24s   in%d %s %s %s\n", "", "", k, tmc_dtype_name(t->type),
               shape_str(t, a, sizeof a), quant_str(t, q, sizeof q));
      }
    }
    if (op->unsupported) {
      unsupported++;
      printf("%4s  ! not compilable: %s (version %d)\n", "", tmc_cli_esc(op->unsupported),
             op->version);
    }
  }
  printf("\n%5s  %-40s %-8s %-18s %10s %-6s %s\n", "id", "tensor", "type", "shape", "bytes",
         "kind", "quantization");
  for (int i = 0; i < g->n_tensors; i++) {
    const tmc_tensor *t = &g->tensors[i];
    const char *kind = t->is_const ? "const" : t->is_input ? "input" : t->is_output ? "output"
                       : t->producer >= 0 ? "act" : "unused";
    printf("%5d  %-40.40s %-8s %-18s %10lld %-6s %s\n", t->id, tmc_cli_esc(t->name),
           tmc_dtype_name(t->type), shape_str(t, a, sizeof a), (long long)t->bytes, kind,
           quant_str(t, q, sizeof q));
  }
  const tmc_tensor *big = largest_activation(g);
  printf("\ntotals: %lld MACs, %lld weight bytes", (long long)macs, (long long)weights);
  if (big)
    printf(", largest activation %lld bytes (tensor %d '%s' %s)", (long long)big->bytes,
           big->id, tmc_cli_esc(big->name), shape_str(big, a, sizeof a));
  printf("\n%d of %d operators compilable", g->n_ops - unsupported, g->n_ops);
  printf(unsupported ? " (the others are marked !)\n" : "\n");
}

static void json_tensor_shape(tmc_json *j, const char *key, const tmc_tensor *t) {
  tmc_json_int_array(j, key, t->dims, t->rank);
}

static void print_json(const tmc_graph *g) {
  tmc_json j;
  int64_t macs = 0, weights = 0;
  int unsupported = 0;
  tmc_json_init(&j, stdout);
  tmc_json_begin_object(&j, NULL);
  tmc_json_string(&j, "model", g->model_name);
  tmc_json_int(&j, "schema_version", g->schema_version);
  tmc_json_int(&j, "subgraphs", g->n_subgraphs);
  tmc_json_int_array(&j, "inputs", g->inputs, g->n_inputs);
  tmc_json_int_array(&j, "outputs", g->outputs, g->n_outputs);
  tmc_json_begin_array(&j, "ops");
  for (int i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    int64_t m = tmc_op_macs(g, op), w = tmc_op_weight_bytes(g, op);
    macs += m;
    weights += w;
    unsupported += op->unsupported != NULL;
    tmc_json_begin_object(&j, NULL);
    tmc_json_int(&j, "index", op->id);
    tmc_json_string(&j, "kind", op->name);
    tmc_json_int(&j, "builtin_code", op->builtin_code);
    tmc_json_int(&j, "version", op->version);
    tmc_json_bool(&j, "compilable", op->unsupported == NULL);
    if (op->unsupported) tmc_json_string(&j, "unsupported", op->unsupported);
    tmc_json_int_array(&j, "inputs", op->in, op->n_in);
    tmc_json_int_array(&j, "outputs", op->out, op->n_out);
    tmc_json_begin_array(&j, "input_shapes");
    for (int k = 0; k < op->n_in; k++) {
      const tmc_tensor *t = tmc_op_input(g, op, k);
      if (t)
        json_tensor_shape(&j, NULL, t);
      else
        tmc_json_string(&j, NULL, NULL);
    }
    tmc_json_end_array(&j);
    tmc_json_begin_array(&j, "output_shapes");
    for (int k = 0; k < op->n_out; k++) json_tensor_shape(&j, NULL, tmc_op_output(g, op, k));
    tmc_json_end_array(&j);
    tmc_json_int(&j, "macs", m);
    tmc_json_int(&j, "weight_bytes", w);
    tmc_json_end_object(&j);
  }
  tmc_json_end_array(&j);
  tmc_json_begin_array(&j, "tensors");
  for (int i = 0; i < g->n_tensors; i++) {
    const tmc_tensor *t = &g->tensors[i];
    tmc_json_begin_object(&j, NULL);
    tmc_json_int(&j, "id", t->id);
    tmc_json_string(&j, "name", t->name);
    tmc_json_string(&j, "type", tmc_dtype_name(t->type));
    json_tensor_shape(&j, "shape", t);
    tmc_json_int(&j, "bytes", t->bytes);
    tmc_json_bool(&j, "constant", t->is_const);
    tmc_json_int(&j, "producer", t->producer);
    tmc_json_int_array(&j, "consumers", t->consumers, t->n_consumers);
    if (t->q.n > 0) {
      tmc_json_begin_object(&j, "quantization");
      tmc_json_int(&j, "axis", t->q.axis);
      tmc_json_begin_array(&j, "scale");
      for (int k = 0; k < t->q.n; k++) tmc_json_double(&j, NULL, t->q.scale[k]);
      tmc_json_end_array(&j);
      tmc_json_int_array(&j, "zero_point", t->q.zero_point, t->q.n);
      tmc_json_end_object(&j);
    }
    tmc_json_end_object(&j);
  }
  tmc_json_end_array(&j);
  const tmc_tensor *big = largest_activation(g);
  tmc_json_begin_object(&j, "totals");
  tmc_json_int(&j, "macs", macs);
  tmc_json_int(&j, "weight_bytes", weights);
  tmc_json_int(&j, "largest_activation_bytes", big ? big->bytes : 0);
  tmc_json_int(&j, "largest_activation_tensor", big ? big->id : -1);
  tmc_json_int(&j, "compilable_ops", g->n_ops - unsupported);
  tmc_json_end_object(&j);
  tmc_json_end_object(&j);
}

int tmc_cmd_inspect(int argc, char **argv) {
  const char *path = NULL;
  int json = 0;
  unsigned seen = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      if (!tmc_cli_once("inspect", "--json", &seen, TMC_CLI_SEEN_FREE)) return TMC_EXIT_USAGE;
      json = 1;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(inspect_usage, stdout);
      return TMC_EXIT_OK;
    } else if (tmc_cli_operand("inspect", inspect_usage, argv[i], &path) != 0) {
      return TMC_EXIT_USAGE;
    }
  }
  if (tmc_cli_need_model("inspect", inspect_usage, path) != 0) return TMC_EXIT_USAGE;
  tmc_cli_model m;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  tmc_status s = tmc_cli_load(path, &m, &d);
  int rc = TMC_EXIT_OK;
  if (s != TMC_OK)
    rc = tmc_cli_report(&d);
  else if (json)
    print_json(&m.graph);
  else
    print_text(&m.graph);
  tmc_cli_unload(&m);
  return rc; /* main checks that standard output was written */
}
