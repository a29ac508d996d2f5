/* taskvariance_plot.c — the heat map of Yang et al. 2019's Fig. 2b: each
 * active unit's normalised task variance (columns, in cluster order) for
 * each task (rows), drawn on a plot.h panel. Kept apart from the analysis
 * so that taskvariance.c needs no plotting. */
#include <stdlib.h>

#include "cajal/plot.h"
#include "cajal/taskvariance.h"

cj_status cj_taskvar_plot(const cj_taskvar_result *r, const char *const *task_names, cj_panel *p, cj_error *err)
{
    if (!p) return cj_fail(err, CJ_ERR_ARG, "task variance plot: no panel");
    if (r->n_active < 1 || r->tasks < 1 || !r->normalized || !r->order)
        return cj_fail(err, CJ_ERR_ARG, "task variance plot: the result holds %d units of %d tasks", r->n_active,
                       r->tasks);
    double *m = malloc(sizeof(double) * (size_t)r->tasks * r->n_active);
    if (!m)
        return cj_fail(err, CJ_ERR_NOMEM, "task variance plot: no memory for %d x %d", r->tasks, r->n_active);
    cj_taskvar_heatmap(r, m);
    /* A fixed 0..1 scale: every unit reaches 1 at its preferred task, and
     * figures of different networks stay comparable. */
    cj_status st = cj_panel_set_heatmap(p, m, r->tasks, r->n_active, 0.0, 1.0, CJ_CMAP_VIRIDIS,
                                        "normalised task variance", err);
    free(m);
    /* Tasks by name down the side, and cells as wide as the panel allows:
     * 20 tasks by 250 units in square cells would be a thin strip. */
    if (!st && task_names) st = cj_panel_set_heatmap_names(p, task_names, NULL, err);
    if (!st) st = cj_panel_set_heatmap_extent(p, 0, r->n_active, -0.5, r->tasks - 0.5, err);
    if (st) return st;
    cj_panel_set_labels(p, "units (sorted by cluster)", task_names ? "" : "task");
    return CJ_OK;
}
