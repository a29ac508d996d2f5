/* yang.h — what the 20 tasks of Yang, Joglekar, Song, Newsome & Wang
 * (2019, Nat Neurosci 22:297) share (private to src/tasks/yang*.c and
 * their test): the input and output layout, the ring code, the common end
 * of every trial (rule input, targets, loss mask, noise) and the score.
 *
 * Layout (Yang's multitask code, train.py and task.py):
 *   inputs  [0]        fixation
 *           [1, 33)    ring 1 (modality 1): 32 units preferring 2 pi k / 32
 *           [33, 65)   ring 2 (modality 2)
 *           [65, 85)   rule inputs, one-hot for the task's index in Yang's
 *                      list (fdgo 0 ... dmcnogo 19), on for the whole trial
 *   outputs [0]        fixation
 *           [1, 33)    ring outputs, preferring 2 pi k / 32
 *
 * A stimulus at direction theta with strength s drives ring unit k by
 * s * 0.8 exp(-d^2 / 2), d the periodic distance from 2 pi k / 32 in units
 * of pi / 8 (Trial.add_x_loc). The ring targets are 0.05 + 0.8 exp(-d^2 / 2)
 * around the response direction (add_y_loc), 0.05 elsewhere and before
 * the response.
 *
 * Every trial's conditions begin with target_dir: the response direction
 * in radians [0, 2 pi), or -1 when the correct response is to keep
 * fixating; the score reads it from there. */
#ifndef CAJAL_TASKS_YANG_H
#define CAJAL_TASKS_YANG_H

#include "cajal/tasks.h"

enum {
    CJ_YANG_RING = 32,                               /* units per ring */
    CJ_YANG_RULES = 20,                              /* tasks in Yang's list */
    CJ_YANG_IN_FIXATION = 0,
    CJ_YANG_IN_RING1 = 1,                            /* ring m starts at 1 + (m - 1) * 32 */
    CJ_YANG_IN_RULE = 1 + 2 * CJ_YANG_RING,          /* 65 */
    CJ_YANG_N_IN = CJ_YANG_IN_RULE + CJ_YANG_RULES,  /* 85 */
    CJ_YANG_N_OUT = 1 + CJ_YANG_RING,                /* 33 */
    CJ_YANG_COND_TARGET = 0                          /* condition[0] is target_dir */
};

/* Targets (the paper's Methods; see yang_common.c for the code's 0.8). */
#define CJ_YANG_FIX_HIGH 0.85f  /* fixation output before the response (and throughout no-go trials) */
#define CJ_YANG_FIX_LOW 0.05f   /* fixation output in the response period */
#define CJ_YANG_BASELINE 0.05f  /* ring outputs away from the bump */
#define CJ_YANG_BUMP 0.8f       /* height of the input and target bumps */
/* Loss weights (yang_common.c): Yang's mask of 5 after the grace period,
 * squared, and his doubled fixation output, squared. */
#define CJ_YANG_RESPONSE_WEIGHT 25.0f
extern const float cj_yang_output_weights[CJ_YANG_N_OUT];
/* The default of sigma=: Yang's input noise sigma_x = 0.01 enters each
 * step as 0.01 sqrt(2 / alpha), alpha = dt / tau, tau = 100 ms; NeuroGym's
 * scaling sigma / sqrt(dt) gives the same per-step noise for any dt when
 * sigma = 0.01 sqrt(2 tau) = 0.01 sqrt(200) = 0.1414 (written as a short
 * decimal so the value survives being written out and read back). */
#define CJ_YANG_SIGMA 0.1414f

/* The index of a task in Yang's list (the rule input it lights), or -1. */
int cj_yang_rule_index(const char *name);

/* The options every Yang task shares: n_obs, n_actions and their names,
 * and sigma's default (CJ_YANG_SIGMA) when sigma= is not given. */
cj_status cj_yang_parse_common(cj_task *t, cj_spec_args *a, cj_error *err);

/* An angle in [0, 2 pi), and the periodic distance of two, in [0, pi]. */
float cj_yang_wrap(float angle);
float cj_yang_distance(float a, float b);
/* 0.8 exp(-d^2 / 2) at ring unit k for a bump centred on dir. */
float cj_yang_bump(float dir, int k);
/* The ring unit whose preferred direction is nearest dir. */
int cj_yang_nearest_unit(float dir);
/* The population-vector direction of 32 ring values (network.py popvec),
 * in [0, 2 pi). */
float cj_yang_popvec(const float *ring);

/* U(lo, hi), and -1 or +1 with equal odds, from the trial's stream. */
float cj_yang_uniform(cj_rng *rng, float lo, float hi);
float cj_yang_sign(cj_rng *rng);

/* Add a stimulus of strength s at dir to ring `modality` (1 or 2) over
 * steps [s0, s1). Stimuli on the same ring add up, as in Yang's code. */
void cj_yang_stimulus(const cj_task *t, float *obs, int s0, int s1, int modality, float dir, float s);

/* The end common to every trial, once its periods are drawn and its
 * stimuli written: the fixation input over [0, fix_end), the rule input
 * for the whole trial, the response window [go, T), the targets and mask
 * (fixation 0.85 then 0.05, the ring bump at target_dir from go on; a
 * no-go trial, target_dir < 0, keeps fixating throughout), the ground
 * truth (the ring unit nearest target_dir + 1, or 0), condition[0], and
 * the input noise on every input at every step. */
void cj_yang_finish(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y, int fix_end,
                    int go, float target_dir);

/* Yang's performance (network.py get_perf) on one trial: see yang_common.c. */
cj_trial_score cj_yang_score(const cj_task *t, const cj_trial *tr, const float *out, size_t stride);

#endif
