/* blas_threads.c — how many OpenBLAS threads a training step can use, from
 * the sizes of its matrix products (see include/cajal/blas.h). */
#include "cajal/blas.h"

/* Adds one product of `size` FLOPs that a step makes `count` times. */
static void add_products(cj_step_work *w, double size, double count, double *weighted)
{
    w->flops += size * count;
    *weighted += size * size * count;
}

cj_step_work cj_step_gemm_work(const cj_model *m, int batch)
{
    cj_step_work w = {0.0, 0.0};
    double weighted = 0.0, b = batch > 0 ? batch : 0;
    int first = 1;  /* cj_model_backward sends no error below the first parametric layer */
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        /* A layer with a spatial output (conv2d) multiplies each weight into
         * one sample's OH x OW output pixels at a time; a flat one (dense,
         * recurrent) into the batch's B rows. */
        double pixels = (double)l->out.h * l->out.w, spatial = pixels > 1;
        double size_factor = spatial ? 2.0 * pixels : 2.0 * b, per_step = spatial ? b : 1.0;
        for (int k = 0; k < l->n_params; k++) {
            const cj_param *p = &l->params[k];
            if (p->role != CJ_PARAM_WEIGHT && p->role != CJ_PARAM_RECURRENT) continue;
            /* Forward, weight gradient and (except for the input weight of
             * the first parametric layer) input gradient: three products of
             * one size. */
            double roles = first && p->role == CJ_PARAM_WEIGHT ? 2 : 3;
            add_products(&w, size_factor * (double)p->n, roles * per_step, &weighted);
        }
        first = 0;
    }
    w.typical = w.flops > 0 ? weighted / w.flops : 0.0;
    return w;
}

int cj_blas_threads_for(cj_step_work w, int cores)
{
    double share = w.typical / CJ_BLAS_FLOPS_PER_THREAD;
    int threads = share >= cores ? cores : (int)share;
    return threads < 1 ? 1 : threads;
}
