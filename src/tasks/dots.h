/* dots.h — the random-dot stimulus shared by perceptualdm and
 * perceptualdm_rt (NeuroGym PerceptualDecisionMaking): inputs fixation,
 * choice1, choice2, the two stimulus channels 0.5 ± c/200 for coherence c
 * (%) plus noise, actions fixate, choice1, choice2, conditions coherence
 * (signed: + favours choice 1) and ground_truth. The task's priv is a
 * cj_dots. Private to src/tasks/. */
#ifndef CAJAL_TASKS_DOTS_H
#define CAJAL_TASKS_DOTS_H

#include "cajal/tasks.h"

enum { CJ_DOTS_MAX_COHERENCES = 16 };
enum { CJ_DOTS_FIXATION, CJ_DOTS_CHOICE1, CJ_DOTS_CHOICE2, CJ_DOTS_OBS };

typedef struct {
    float coherences[CJ_DOTS_MAX_COHERENCES];
    int n_coherences;
} cj_dots;

/* The task's parse: coherences= (default Roitman & Shadlen's 0, 3.2, 6.4,
 * 12.8, 25.6, 51.2 %) and the layout above. */
cj_status cj_dots_parse(cj_task *t, cj_spec_args *a, cj_error *err);
/* Draw the correct choice (a coin flip) and the coherence, put the dots on
 * steps [s0, s1) with the task's noise, and set the trial's conditions.
 * Returns the correct choice, 1 or 2. */
int cj_dots_stimulus(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, int s0, int s1);
/* The task's format_options: " coherences=...". */
void cj_dots_format(const cj_task *t, char *out, size_t len);

#endif
