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
    &cj_mante_ops,      /* contextdm as Mante et al. posed it to their network */
    /* Yang et al. (2019)'s 20 tasks, in their order (src/tasks/yang_*.c) */
    &cj_yang_fdgo_ops,
    &cj_yang_reactgo_ops,
    &cj_yang_delaygo_ops,
    &cj_yang_fdanti_ops,
    &cj_yang_reactanti_ops,
    &cj_yang_delayanti_ops,
    &cj_yang_dm1_ops,
    &cj_yang_dm2_ops,
    &cj_yang_contextdm1_ops,
    &cj_yang_contextdm2_ops,
    &cj_yang_multidm_ops,
    &cj_yang_delaydm1_ops,
    &cj_yang_delaydm2_ops,
    &cj_yang_contextdelaydm1_ops,
    &cj_yang_contextdelaydm2_ops,
    &cj_yang_multidelaydm_ops,
    &cj_yang_dmsgo_ops,
    &cj_yang_dmsnogo_ops,
    &cj_yang_dmcgo_ops,
    &cj_yang_dmcnogo_ops,
};

const cj_task_ops *const *cj_task_registry(int *n)
{
    *n = (int)(sizeof TASKS / sizeof TASKS[0]);
    return TASKS;
}
