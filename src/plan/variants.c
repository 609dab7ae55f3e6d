/* Kernel variants: scratch is a cost the memory planner weighs. A kernel's
 * fast path may need scratch (the int16 window rows of CONV_2D, the int16
 * input row of FULLY_CONNECTED, the DSP kernels' widened pixels); each such
 * step also gets kernels that need less (the portable one for a DSP kernel)
 * or none (the direct kernels: the same tables, the input read in place).
 * Steps of tmc_plan_memory_variants:
 * 1. plan with every step's fastest kernel; with a limit that it meets,
 *    done (the fastest that fits);
 * 2. descent: among the steps where the arena peaks (a block live there
 *    reaches the arena's top), switch the one variant that lowers the
 *    arena most (ties: the faster); when no single switch helps, or more
 *    than SINGLE_MAX steps peak, switch all of them to their smallest at
 *    once (peaks of equal height); repeat until nothing lowers it (or, with
 *    a limit, it fits). On the DSP targets, without a limit, a switch must
 *    save at least 1/MIN_GAIN of the arena: there the variants without
 *    scratch are portable C at about 4x the DSP kernel's instructions, and
 *    that for a few bytes of a large arena (24 of vww's 76,832) is not a
 *    trade an embedded engineer makes; --limit still forces it;
 * 3. speed: the switched steps off the peak go back to their fastest
 *    kernels at once when that keeps the arena (with a limit: fits), then
 *    each switched step to the fastest variant that keeps it;
 * 4. the final plan. Each trial is a full memory plan in a scratch arena;
 *    only steps at a peak are tried, so a long chain costs a few trials.
 * The first-fit planner (TinyEngine's baseline) keeps the fastest kernels. */
#include <string.h>

#include "patch.h"
#include "plan.h"

const char *tmc_step_variant_name(const tmc_step *st) {
  switch (st->kernel) {
    case TMC_K_CONV2D:
      return TMC_CPARAMS(st, tmc_conv2d_params)->rq_bias && st->scratch_bytes
                 ? "fast: int16 window rows of 4 pixels in scratch"
                 : "plain: reference loops, no scratch";
    case TMC_K_CONV2D_DIRECT: return "direct: windows read in place, no scratch";
    case TMC_K_CONV2D_1X1_DSP: return "DSP 1x1: widened pixel pairs in scratch";
    case TMC_K_CONV2D_1X1_DSP3: return "DSP 1x1: widened pixel triples in scratch";
    case TMC_K_CONV2D_DSP: return "DSP: copied and widened window pairs in scratch";
    case TMC_K_CONV2D_DSP3: return "DSP: copied and widened window triples in scratch";
    case TMC_K_DEPTHWISE_CONV2D_DSP: return "DSP: taps outside the input skipped";
    case TMC_K_DEPTHWISE_CONV2D:
      return st->scratch_bytes ? "fast: a zero-point row in scratch" : "plain, no scratch";
    case TMC_K_FULLY_CONNECTED:
      return st->scratch_bytes ? "fast: int16 input row in scratch" : "plain, no scratch";
    case TMC_K_FULLY_CONNECTED_DIRECT: return "direct: input read in place, no scratch";
    case TMC_K_FULLY_CONNECTED_DSP: return "DSP: widened input rows in scratch";
    case TMC_K_FULLY_CONNECTED_DSP_ROWS: return "DSP: rearranged weights, no scratch";
    default: return st->scratch_bytes ? "with scratch" : "no scratch";
  }
}

/* The DSP convolutions' pixel-pair kernel of their pixel-triple one k (k
 * itself for any other kernel): its near variant. */
static tmc_kernel pairs_of(tmc_kernel k) {
  return k == TMC_K_CONV2D_1X1_DSP3 ? TMC_K_CONV2D_1X1_DSP
         : k == TMC_K_CONV2D_DSP3   ? TMC_K_CONV2D_DSP
                                    : k;
}

/* The direct kernel of a portable fast step (same params), if it has one. */
static bool direct_of(const tmc_step *st, tmc_step *out) {
  *out = *st;
  out->scratch_bytes = 0;
  if (st->kernel == TMC_K_CONV2D && TMC_CPARAMS(st, tmc_conv2d_params)->rq_bias &&
      st->in_dims.c == st->filter_dims.c) {
    out->kernel = TMC_K_CONV2D_DIRECT;
    return true;
  }
  if (st->kernel == TMC_K_FULLY_CONNECTED &&
      TMC_CPARAMS(st, tmc_fully_connected_params)->rq_bias) {
    out->kernel = TMC_K_FULLY_CONNECTED_DIRECT;
    return true;
  }
  return false;
}

tmc_status tmc_step_variants_make(tmc_arena *a, tmc_diag *d, const tmc_step *st,
                                  const tmc_step *portable, tmc_step_variants **out) {
  tmc_step list[TMC_STEP_VARIANTS], dir;
  int32_t n = 0;
  *out = NULL;
  list[n++] = *st;
  if (pairs_of(st->kernel) != st->kernel) { /* the pairs: less scratch, a near speed */
    list[n] = *st;
    list[n].kernel = pairs_of(st->kernel);
    list[n++].scratch_bytes =
        st->kernel == TMC_K_CONV2D_1X1_DSP3
            ? tmc_conv2d_1x1_s8_dsp_scratch_bytes(&st->in_dims, &st->out_dims)
            : tmc_conv2d_s8_dsp_scratch_bytes(&st->filter_dims, &st->out_dims);
  }
  if (portable && portable->scratch_bytes < list[n - 1].scratch_bytes) list[n++] = *portable;
  if (direct_of(portable ? portable : st, &dir) && dir.scratch_bytes < list[n - 1].scratch_bytes)
    list[n++] = dir;
  if (n == 1) return TMC_OK;
  tmc_step_variants *v = tmc_arena_alloc(a, sizeof *v);
  if (v == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory lowering the graph");
  memset(v, 0, sizeof *v);
  v->n = n;
  for (int32_t k = 0; k < n; k++) {
    v->v[k] = list[k];
    v->arena[k] = -1;
  }
  *out = v;
  return TMC_OK;
}

/* At most SINGLE_MAX peak steps are tried one by one (more: all at once),
 * and about TRIALS_MAX memory plans made per choice: a long chain of equal
 * layers, which peaks everywhere, costs a few plans, not one per layer. */
#define SINGLE_MAX 8
#define TRIALS_MAX 48
#define MIN_GAIN 64

/* Whether an arena of got bytes instead of arena is worth slower kernels:
 * under a limit not yet met, on a portable target or for a near variant (a
 * few percent slower: near_of), any saving; on a DSP target 1/MIN_GAIN of
 * it. */
static bool worth(const tmc_plan *plan, int64_t arena, int64_t got, int64_t limit, bool near) {
  if (limit > 0 || near || !tmc_target_dsp(plan->target)) return got < arena;
  return arena - got >= (arena + MIN_GAIN - 1) / MIN_GAIN;
}

/* Whether variant k of v is within a few percent of v's fastest: the
 * DSP convolutions' pixel pairs beside their triples. */
static bool near_of(const tmc_step_variants *v, int32_t k) {
  return k > 0 && v->v[k].kernel != v->v[0].kernel &&
         v->v[k].kernel == pairs_of(v->v[0].kernel);
}

void tmc_step_variant_lean(tmc_plan *plan, int32_t s) {
  tmc_step_variants *v = plan->variants ? plan->variants[s] : NULL;
  if (v == NULL || v->chosen != 0 || v->n < 2 || !near_of(v, 1)) return;
  v->chosen = 1;
  plan->steps[s] = v->v[1];
}

typedef struct chooser {
  tmc_plan *plan;
  tmc_planner planner;
  int32_t s0, s1; /* the patch stage's steps (s1 -1: none), which keep their kernels */
  bool *at_peak;  /* per step, from the last trial */
  int32_t *prev;  /* per step: the variant before a joint switch */
  int32_t trials;
} chooser;

static void use(chooser *c, int32_t s, int32_t k) {
  tmc_step_variants *v = c->plan->variants[s];
  v->chosen = k;
  c->plan->steps[s] = v->v[k];
}

/* A memory plan with the current kernels in a scratch arena: its size,
 * and (when peaks) the steps where a live block reaches the top. */
static tmc_status trial(chooser *c, bool peaks, int64_t *arena, tmc_diag *d) {
  tmc_arena t;
  tmc_plan q = *c->plan;
  tmc_arena_init(&t);
  q.overlap00 = NULL;
  c->trials++;
  tmc_status st = tmc_plan_memory(&q, c->planner, 0, &t, d);
  if (st == TMC_OK) {
    *arena = q.mem.arena_bytes;
    if (peaks) {
      for (int32_t s = 0; s < q.n_steps; s++) c->at_peak[s] = false;
      for (int32_t i = 0; i < q.mem.n_blocks; i++) {
        const tmc_block *b = &q.mem.blocks[i];
        if (b->offset + b->size != q.mem.arena_bytes) continue;
        for (int32_t s = b->first < 0 ? 0 : b->first; s <= b->last && s < q.n_steps; s++)
          c->at_peak[s] = true;
      }
    }
  }
  tmc_arena_free(&t);
  return st;
}

static bool switchable(const chooser *c, int32_t s) {
  return !(s >= c->s0 && s <= c->s1) && c->plan->variants[s] != NULL;
}

tmc_status tmc_plan_memory_variants(tmc_plan *plan, tmc_planner planner, int64_t limit,
                                    tmc_arena *a, tmc_diag *d) {
  chooser c = {plan, planner, plan->patch ? plan->patch->start_step : 0,
               plan->patch ? plan->patch->split_step : -1, NULL, NULL, 0};
  bool any = false;
  for (int32_t s = 0; plan->variants && s < plan->n_steps; s++) {
    tmc_step_variants *v = plan->variants[s];
    if (v == NULL) continue;
    bool stage = s >= c.s0 && s <= c.s1;
    if (!stage) use(&c, s, 0); /* the stage was built with its kernels */
    for (int32_t k = 0; k < v->n; k++) v->arena[k] = -1;
    v->why = !stage ? "fastest: the arena does not peak at this step"
             : v->chosen && near_of(v, v->chosen)
                 ? "inside the patch stage: pixel pairs, the least scratch at a near speed"
             : v->chosen ? "inside the patch stage: as chosen layer by layer"
                         : "fastest: inside the patch stage";
    any = any || !stage;
  }
  /* First fit is TinyEngine's baseline: its kernels, each with its scratch. */
  if (!any || planner == TMC_PLANNER_FIRST_FIT) return tmc_plan_memory(plan, planner, limit, a, d);
  c.at_peak = tmc_arena_array_d(a, (size_t)plan->n_steps + 1, sizeof *c.at_peak, d, "variants");
  c.prev = tmc_arena_array_d(a, (size_t)plan->n_steps + 1, sizeof *c.prev, d, "variants");
  if (c.at_peak == NULL || c.prev == NULL) return d->status;

  /* Step 1. */
  int64_t arena;
  TMC_TRY(trial(&c, true, &arena, d));
  const int64_t fastest = arena;
  for (int32_t s = 0; s < plan->n_steps; s++)
    if (switchable(&c, s)) plan->variants[s]->arena[0] = arena;
  bool fits = limit > 0 && arena <= limit;

  /* Step 2. */
  while (!fits && c.trials < TRIALS_MAX) {
    int32_t bs = -1, bk = -1, n_peak = 0;
    bool lowers = false; /* some single switch lowers the arena */
    int64_t best = arena;
    for (int32_t s = 0; s < plan->n_steps; s++)
      n_peak += switchable(&c, s) && c.at_peak[s] &&
                plan->variants[s]->chosen + 1 < plan->variants[s]->n;
    if (n_peak == 0) break;
    for (int32_t s = 0; n_peak <= SINGLE_MAX && s < plan->n_steps; s++) {
      if (!switchable(&c, s) || !c.at_peak[s]) continue;
      tmc_step_variants *v = plan->variants[s];
      int32_t was = v->chosen;
      if (was == 0)
        v->why = tmc_target_dsp(plan->target)
                     ? "fastest: the variants with less scratch lower the arena by less than 1/64"
                     : "fastest: the variants with less scratch do not lower the arena";
      for (int32_t k = was + 1; k < v->n; k++) {
        int64_t got;
        use(&c, s, k);
        TMC_TRY(trial(&c, false, &got, d));
        v->arena[k] = got;
        lowers = lowers || got < arena;
        if (got < best && worth(plan, arena, got, limit, near_of(v, k))) {
          best = got;
          bs = s;
          bk = k;
        }
      }
      use(&c, s, was);
    }
    if (bs < 0 && lowers) break; /* the single switches gain too little */
    if (bs >= 0) { /* the switch that lowers the arena most of those worth it */
      use(&c, bs, bk);
      plan->variants[bs]->why = "smallest arena: the faster kernels' scratch raises it";
      TMC_TRY(trial(&c, true, &arena, d));
    } else { /* several peaks (or many): all of their steps at once */
      for (int32_t s = 0; s < plan->n_steps; s++) {
        if (!switchable(&c, s)) continue;
        tmc_step_variants *v = plan->variants[s];
        c.prev[s] = v->chosen;
        if (c.at_peak[s] && v->chosen + 1 < v->n) use(&c, s, v->n - 1);
      }
      int64_t got;
      TMC_TRY(trial(&c, true, &got, d));
      if (!worth(plan, arena, got, limit, false)) { /* back: nothing (or too little) gained */
        for (int32_t s = 0; s < plan->n_steps; s++)
          if (switchable(&c, s)) use(&c, s, c.prev[s]);
        break;
      }
      for (int32_t s = 0; s < plan->n_steps; s++) {
        tmc_step_variants *v = plan->variants[s];
        if (!switchable(&c, s) || v->chosen == c.prev[s]) continue;
        v->arena[v->chosen] = got;
        v->why = "smallest arena: the faster kernels' scratch raises it (with other steps "
                 "at the same peak)";
      }
      arena = got;
    }
    fits = limit > 0 && arena <= limit;
  }

  /* Step 3: first every switched step off the peak back at once, then one
   * by one (as the trials allow), largest scratch saving first. */
  const int64_t allowed = limit > 0 ? limit : arena;
  int32_t n_switched = 0;
  for (int32_t s = 0; s < plan->n_steps; s++)
    n_switched += switchable(&c, s) && plan->variants[s]->chosen > 0;
  if (n_switched > 0) {
    int64_t got;
    TMC_TRY(trial(&c, true, &got, d));
    int32_t n_off = 0;
    for (int32_t s = 0; s < plan->n_steps; s++) {
      if (!switchable(&c, s)) continue;
      c.prev[s] = plan->variants[s]->chosen;
      if (c.prev[s] > 0 && !c.at_peak[s]) {
        use(&c, s, 0);
        n_off++;
      }
    }
    if (n_off > 0) {
      TMC_TRY(trial(&c, false, &got, d));
      bool keep = got <= allowed;
      for (int32_t s = 0; s < plan->n_steps; s++) {
        if (!switchable(&c, s) || c.prev[s] == plan->variants[s]->chosen) continue;
        if (keep) {
          plan->variants[s]->arena[0] = got;
          plan->variants[s]->why = limit > 0 ? "fastest that fits the limit"
                                             : "fastest for the same arena";
        } else {
          use(&c, s, c.prev[s]);
        }
      }
    }
  }
  for (int32_t s = 0; s < plan->n_steps && c.trials < TRIALS_MAX + SINGLE_MAX; s++) {
    if (!switchable(&c, s) || plan->variants[s]->chosen == 0) continue;
    tmc_step_variants *v = plan->variants[s];
    int32_t was = v->chosen;
    for (int32_t k = 0; k < was; k++) {
      int64_t got;
      use(&c, s, k);
      TMC_TRY(trial(&c, false, &got, d));
      v->arena[k] = got;
      if (got <= allowed) {
        was = -1;
        v->why = limit > 0 ? "fastest that fits the limit" : "fastest for the same arena";
        break;
      }
    }
    if (was >= 0) use(&c, s, was);
  }
  if (limit > 0 && fits)
    for (int32_t s = 0; s < plan->n_steps; s++)
      if (switchable(&c, s) && plan->variants[s]->chosen == 0)
        plan->variants[s]->why = fastest <= limit ? "fastest: fits the limit"
                                                  : "fastest: the arena fits the limit with it";

  /* Step 4. */
  return tmc_plan_memory(plan, planner, limit, a, d);
}
