/* dots.c — the random-dot stimulus of the perceptual decision tasks
 * (dots.h). */
#include "dots.h"

_Static_assert(sizeof(cj_dots) <= sizeof(((cj_task *)0)->priv), "cj_dots fits in cj_task.priv");

cj_status cj_dots_parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    cj_dots *p = (cj_dots *)t->priv;
    /* Roitman & Shadlen (2002)'s coherences, %. */
    cj_status st = cj_task_arg_list(a, "coherences", "0:3.2:6.4:12.8:25.6:51.2", 0, 100, CJ_DOTS_MAX_COHERENCES,
                                    p->coherences, &p->n_coherences, err);
    t->n_obs = CJ_DOTS_OBS;
    t->n_actions = 3;
    t->obs_names = "fixation,choice1,choice2";
    t->action_names = "fixate,choice1,choice2";
    return st;
}

int cj_dots_stimulus(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, int s0, int s1)
{
    const cj_dots *p = (const cj_dots *)t->priv;
    int gt = 1 + (int)cj_rng_below(rng, 2);
    float c = p->coherences[cj_rng_below(rng, (uint32_t)p->n_coherences)];
    cj_task_set_obs(t, obs, s0, s1, gt == 1 ? CJ_DOTS_CHOICE1 : CJ_DOTS_CHOICE2, 0.5f + c / 200.0f);
    cj_task_set_obs(t, obs, s0, s1, gt == 1 ? CJ_DOTS_CHOICE2 : CJ_DOTS_CHOICE1, 0.5f - c / 200.0f);
    cj_task_add_noise(t, rng, obs, s0, s1, CJ_DOTS_CHOICE1, 2);
    tr->condition[0] = gt == 1 ? c : -c;
    tr->condition[1] = gt;
    return gt;
}

void cj_dots_format(const cj_task *t, char *out, size_t len)
{
    const cj_dots *p = (const cj_dots *)t->priv;
    cj_task_format_numbers("coherences", p->coherences, p->n_coherences, out, len);
}
