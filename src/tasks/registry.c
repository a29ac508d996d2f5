/* registry.c — the tasks data.task can name. A new task adds its ops
 * table here (and its declaration in include/cajal/tasks.h). */
#include "cajal/tasks.h"

static const cj_task_ops *const TASKS[] = {
    &cj_perceptual_dm_ops,
    &cj_context_dm_ops,
};

const cj_task_ops *const *cj_task_registry(int *n)
{
    *n = (int)(sizeof TASKS / sizeof TASKS[0]);
    return TASKS;
}
