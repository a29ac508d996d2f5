/* cmd_tasks.c — `cajal tasks [NAME [OPTIONS...]]`: the tasks data.task can
 * name, or one task in full (its periods and their durations, inputs,
 * outputs, conditions and options), as its parser sees it. */
#include <stdio.h>
#include <string.h>

#include "cajal/tasks.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cajal tasks [NAME [key=value ...]]\n\n"
               "Without a name, list the tasks an experiment's data.task can name. With one, show\n"
               "that task as the options given make it: its periods and their durations, inputs,\n"
               "outputs, conditions and the data.task item that reproduces it. docs/tasks.md\n");
}

static void show(const cj_task *t)
{
    char item[CJ_TASK_SPEC_MAX];
    cj_task_format(t, item, sizeof item);
    printf("%s — %s\n\n", t->name, t->ops->summary);
    printf("  dt %g ms, input noise sigma %g (N(0, sigma^2/dt) per step), trials up to %d steps\n", t->dt,
           t->sigma, t->max_steps);
    printf("  periods:");
    for (int i = 0; i < t->ops->n_periods; i++) {
        char d[160];
        cj_duration_format(&t->timing[i], d, sizeof d);
        printf(" %s %s ms%s", t->ops->periods[i].period, d, i + 1 < t->ops->n_periods ? "," : "\n");
    }
    printf("  inputs (%d): %s\n", t->n_obs, t->obs_names);
    if (t->ops->target == CJ_TARGET_VALUES)
        printf("  outputs (%d values, objective mse): %s\n", t->n_actions, t->action_names);
    else
        printf("  actions (%d, objective cross_entropy): %s\n", t->n_actions, t->action_names);
    printf("  conditions: %s\n", t->ops->conditions);
    printf("  data.task item: %s\n", item);
}

int cj_cmd_tasks(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2) {
        int n;
        const cj_task_ops *const *all = cj_task_registry(&n);
        for (int i = 0; i < n; i++) printf("  %-16s %s\n", all[i]->name, all[i]->summary);
        printf("\n'cajal tasks NAME' shows one; docs/tasks.md describes them all.\n");
        return 0;
    }
    char item[CJ_TASK_SPEC_MAX];
    size_t used = 0;
    for (int i = 1; i < argc && used < sizeof item; i++)
        used += (size_t)snprintf(item + used, sizeof item - used, "%s%s", i > 1 ? " " : "", argv[i]);
    cj_task t;
    cj_error err = {0};
    if (cj_task_parse(item, 1, &t, &err)) {
        fprintf(stderr, "cajal tasks: %s\n", err.msg);
        return 2;
    }
    show(&t);
    return 0;
}
