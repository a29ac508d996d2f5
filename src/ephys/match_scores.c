/* match_scores.c — the similarity, distance and Naive Bayes scores of unit
 * pairs that the matching stages share (unitmatch.c, match_pairs.c,
 * match_training.c): the scoring primitives, apart from the pipeline that
 * calls them. */
#include <math.h>

#include "unitmatch_stages.h"

void cj_unitmatch_similarity(const float *ea, int n_a, const float *eb, int n_b, int dim, float *sim)
{
    for (int i = 0; i < n_a; i++) {
        const float *a0 = ea + (size_t)i * 2 * dim, *a1 = a0 + dim;
        float *row = sim + (size_t)i * n_b;
        for (int j = 0; j < n_b; j++) {
            const float *b0 = eb + (size_t)j * 2 * dim, *b1 = b0 + dim;
            float s = 0.0f;
            for (int k = 0; k < dim; k++) s += a0[k] * b1[k] + a1[k] * b0[k];
            /* Rounding can put the cosine of two equal unit vectors just past
             * 1 (identical halves, as with templates.npy), outside the
             * support of the similarity densities. */
            s *= 0.5f;
            row[j] = s > 1.0f ? 1.0f : s < -1.0f ? -1.0f : s;
        }
    }
}

float cj_unitmatch_half_distance(const cj_unit_position *a, const cj_unit_position *b, float shift_y_um)
{
    float d = 0.0f;
    for (int h = 0; h < 2; h++) {
        float dx = a->half_x_um[h] - b->half_x_um[1 - h];
        float dy = a->half_y_um[h] - (b->half_y_um[1 - h] - shift_y_um);
        d += sqrtf(dx * dx + dy * dy);
    }
    return 0.5f * d;
}

float cj_unitmatch_sim_posterior(const cj_match_nb *m, float sim, double prior)
{
    double a = log(prior) + cj_kde_log_density_fast_at(&m->sim[1], sim);
    double b = log1p(-prior) + cj_kde_log_density_fast_at(&m->sim[0], sim);
    return (float)(1.0 / (1.0 + exp(b - a)));
}

double cj_unitmatch_nb_logit(const cj_match_nb *m, float sim, float dist, double prior)
{
    double a = log(prior) + cj_kde_log_density_fast_at(&m->sim[1], sim) + cj_kde_log_density_fast_at(&m->dist[1], dist);
    double b = log1p(-prior) + cj_kde_log_density_fast_at(&m->sim[0], sim) +
               cj_kde_log_density_fast_at(&m->dist[0], dist);
    return a - b;
}
