/* registry.c — the tasks data.task can name. A new task adds its ops
 * table here (and its declaration in include/cajal/tasks.h). */
#include "cajal/tasks.h"

static const cj_task_ops *const TASKS[] = {
    &cj_perceptual_dm_ops,
    &cj_context_dm_ops,
    &cj_perceptual_dm_rt_ops,
    &cj_romo_ops,
    &cj_dms_ops,
    &cj_dnms_ops,
    &cj_gonogo_ops,
};

const cj_task_ops *const *cj_task_registry(int *n)
{
    *n = (int)(sizeof TASKS / sizeof TASKS[0]);
    return TASKS;
}
