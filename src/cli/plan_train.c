/* tmc plan --train: the training plan of the set the training options
 * choose (train_plan.h): the memory by part, every block with its
 * lifetime and part; JSON and SVG on request. */
#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "cli.h"
#include "train/train_report.h"
#include "train_opts.h"

/* --train: the training plan of the set the options choose. */
int tmc_cli_plan_train(const char *path, const tmc_plan_options *opts, tmc_cli_train *tro,
                      const char *json, const char *svg) {
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  tmc_train_model m;
  tmc_train_cfg cfg;
  tmc_train_set set;
  tmc_train_plan tp;
  tmc_arena a;
  tmc_arena_init(&a);
  int rc = TMC_EXIT_OK;
  if (opts->patch_mode != 0 || opts->planner != TMC_PLANNER_BEST) {
    fprintf(stderr, "tmc plan: --train takes neither --patch nor --planner (the training "
            "plan runs layer by layer with the best planner)\n");
    return TMC_EXIT_USAGE;
  }
  if (tmc_cli_train_setup(tro, path, opts->target, &m, &cfg, &d) != TMC_OK ||
      tmc_cli_train_select(tro, &m, &cfg, &set, &d) != TMC_OK ||
      tmc_train_plan_make(&m, &set, &cfg, &a, &tp, &d) != TMC_OK ||
      tmc_cli_train_check(tro, &tp.mem, &d) != TMC_OK) {
    rc = tmc_cli_report(&d);
  } else if (opts->limit > 0 && tp.mem.total > opts->limit) {
    tmc_fail(&d, TMC_ERR_LIMIT, "the training arena needs %lld bytes, more than the limit "
             "of %lld", (long long)tp.mem.total, (long long)opts->limit);
    rc = tmc_cli_report(&d);
  } else {
    tmc_out out[2] = {{0}};
    tmc_out *js = &out[0], *sv = &out[1];
    const bool to_stdout = json && !strcmp(json, "-");
    if ((json && tmc_out_open(js, json, &d) != TMC_OK) ||
        (svg && tmc_out_open(sv, svg, &d) != TMC_OK)) {
      rc = tmc_cli_report(&d);
    } else {
      if (json) {
        tmc_json j;
        tmc_json_init(&j, js->f);
        tmc_json_begin_object(&j, NULL);
        tmc_json_string(&j, "model", m.g.model_name);
        tmc_json_string(&j, "target", tmc_target_name(opts->target));
        tmc_json_begin_array(&j, "trainable");
        for (int32_t k = 0; k < set.n; k++) {
          tmc_json_begin_object(&j, NULL);
          tmc_json_int(&j, "op", set.layer[k].op);
          tmc_json_bool(&j, "bias", set.layer[k].bias);
          tmc_json_int(&j, "channels", set.layer[k].channels);
          tmc_json_end_object(&j);
        }
        tmc_json_end_array(&j);
        tmc_train_plan_json(&tp, &j, "train");
        tmc_json_end_object(&j);
        fputc('\n', js->f);
      }
      if (svg) tmc_train_plan_svg(&tp, sv->f);
      if (!to_stdout) {
        const tmc_train_memory *mm = &tp.mem;
        printf("%s: training arena %lld bytes, %d forward steps, the loss, %d backward ops\n",
               tmc_cli_esc(m.g.model_name), (long long)mm->total, tp.fwd.n_steps, tp.rt.n_ops);
        printf("trainable:");
        for (int32_t k = 0; k < set.n; k++) {
          printf(" op %d (", set.layer[k].op);
          if (set.layer[k].bias) printf("bias%s", set.layer[k].channels ? ", " : "");
          if (set.layer[k].channels) printf("weights of %d channels", set.layer[k].channels);
          printf(")");
        }
        printf("\n");
        printf("by part (the most bytes live at one time):\n"
               "  activations %10lld\n  saved       %10lld\n  gradients   %10lld\n"
               "  weight grads%10lld\n  weights     %10lld\n  optimizer   %10lld\n"
               "  sum         %10lld\n  reused      %10lld  (parts sharing bytes at "
               "different times)\n  arena       %10lld\n",
               (long long)mm->activations, (long long)mm->saved, (long long)mm->gradients,
               (long long)mm->weight_gradients, (long long)mm->weights,
               (long long)mm->optimizer, (long long)(mm->total + mm->reused),
               (long long)mm->reused, (long long)mm->total);
        const tmc_mem *mem = &tp.fwd.mem;
        printf("\n%10s %10s %6s %6s  %-17s %s\n", "offset", "size", "first", "last", "part",
               "buffer");
        for (int32_t i = 0; i < mem->n_blocks; i++) {
          const tmc_block *b = &mem->blocks[i];
          printf("%10lld %10lld %6d %6d  %-17s %s\n", (long long)b->offset, (long long)b->size,
                 b->first, b->last, tmc_train_part_name(tp.part[i]), tmc_cli_esc(tp.label[i]));
        }
      }
    }
    if (tmc_out_close_all(out + to_stdout, 2 - to_stdout, rc == TMC_EXIT_OK, &d) != TMC_OK)
      rc = tmc_cli_report(&d);
  }
  tmc_arena_free(&a);
  tmc_train_model_free(&m);
  return rc;
}

