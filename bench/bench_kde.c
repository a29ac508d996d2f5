/* bench_kde.c — time the KDE Naive Bayes match classifier: fit on
 * quasi-ground-truth pairs, then score many cross-session pairs, as
 * bench/kde_sklearn.py does with scikit-learn on the same data.
 *
 *     bench_kde OUT_DIR [n_train] [n_score]      (defaults 100000 1000000)
 *
 * Writes the data, the posteriors and the timings to OUT_DIR (raw float32 /
 * uint8 files and meta.txt) for kde_sklearn.py; prints one line per timing.
 * Single-threaded, as scikit-learn's KernelDensity is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/match.h"
#include "cajal/rng.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One pair: a match with probability p_match. Similarities as in
 * tests/test_match.c; distances: matches off by centroid noise (3 µm per
 * coordinate per half), non-matches anywhere on 3 mm of probe. */
static void make_pair(cj_rng *rng, float p_match, float *s, float *d, unsigned char *y)
{
    *y = cj_rng_uniform(rng) < p_match;
    if (*y) {
        float v = 0.85f + 0.06f * cj_rng_normal(rng);
        *s = v > 1.0f ? 1.0f : v;
        float ex = 3.0f * cj_rng_normal(rng) - 3.0f * cj_rng_normal(rng);
        float ey = 3.0f * cj_rng_normal(rng) - 3.0f * cj_rng_normal(rng);
        *d = sqrtf(ex * ex + ey * ey);
    } else {
        float v = 0.35f + 0.12f * cj_rng_normal(rng);
        *s = v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
        *d = fabsf(3000.0f * cj_rng_uniform(rng) - 3000.0f * cj_rng_uniform(rng));
    }
}

static int write_raw(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_kde: cannot write %s\n", path);
        if (f) fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

/* Fit + score with options o; best of `reps` runs. */
static int run(const cj_match_nb_opts *o, const float *ts, const float *td, const unsigned char *ty, size_t nt,
               const float *qs, const float *qd, float *post, size_t nq, int reps, cj_match_nb *keep,
               double *fit_s, double *score_s)
{
    *fit_s = *score_s = 1e30;
    for (int r = 0; r < reps; r++) {
        cj_match_nb m;
        cj_error err;
        double t0 = now_s();
        if (cj_match_nb_fit(&m, ts, td, ty, nt, o, &err)) {
            fprintf(stderr, "bench_kde: %s\n", err.msg);
            return 0;
        }
        double t1 = now_s();
        cj_match_nb_posterior(&m, qs, qd, nq, post);
        double t2 = now_s();
        if (t1 - t0 < *fit_s) *fit_s = t1 - t0;
        if (t2 - t1 < *score_s) *score_s = t2 - t1;
        if (r == reps - 1 && keep) *keep = m;
        else cj_match_nb_free(&m);
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_kde OUT_DIR [n_train] [n_score]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t nt = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    size_t nq = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000;
    float *ts = malloc(nt * sizeof *ts), *td = malloc(nt * sizeof *td);
    float *qs = malloc(nq * sizeof *qs), *qd = malloc(nq * sizeof *qd), *post = malloc(nq * sizeof *post);
    unsigned char *ty = malloc(nt), *qy = malloc(nq);
    if (!ts || !td || !qs || !qd || !post || !ty || !qy) {
        fprintf(stderr, "bench_kde: out of memory\n");
        return 1;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 2024);
    for (size_t i = 0; i < nt; i++) make_pair(&rng, 0.05f, &ts[i], &td[i], &ty[i]);
    for (size_t i = 0; i < nq; i++) make_pair(&rng, 0.005f, &qs[i], &qd[i], &qy[i]);

    /* Like for like with scikit-learn: Scott's bandwidths, no reflection. */
    cj_match_nb_opts o;
    cj_match_nb_defaults(&o);
    o.sim.boundary = o.dist.boundary = CJ_KDE_BOUND_NONE;
    cj_match_nb m;
    double fit_s, score_s, fit_r, score_r;
    if (!run(&o, ts, td, ty, nt, qs, qd, post, nq, 3, &m, &fit_s, &score_s)) return 1;
    /* The library's defaults (reflection at the bounds), for reference. */
    cj_match_nb_opts od;
    cj_match_nb_defaults(&od);
    float *post_r = malloc(nq * sizeof *post_r);
    if (!post_r || !run(&od, ts, td, ty, nt, qs, qd, post_r, nq, 3, NULL, &fit_r, &score_r)) return 1;
    free(post_r);
    /* The exact path on 1,000 matches and 1,000 non-matches (most pairs
     * score ~0 either way, which would hide any disagreement). */
    size_t ne = 0, want[2] = {1000, 1000};
    float *es = malloc(2000 * sizeof *es), *ed = malloc(2000 * sizeof *ed), *ep = malloc(2000 * sizeof *ep);
    float *eg = malloc(2000 * sizeof *eg);
    if (!es || !ed || !ep || !eg) return 1;
    for (size_t i = 0; i < nq && ne < 2000; i++)
        if (want[qy[i]]) {
            want[qy[i]]--;
            es[ne] = qs[i];
            ed[ne] = qd[i];
            eg[ne++] = post[i];
        }
    double t0 = now_s();
    cj_match_nb_posterior_exact(&m, es, ed, ne, ep);
    double exact_s = (now_s() - t0) * (double)nq / (double)ne;
    double worst = 0.0;
    for (size_t i = 0; i < ne; i++) {
        double e = fabs((double)ep[i] - (double)eg[i]);
        if (e > worst) worst = e;
    }
    free(es);
    free(ed);
    free(ep);
    free(eg);

    size_t cells = 0, exact_cells = 0;
    const cj_kde *k4[4] = {&m.sim[0], &m.sim[1], &m.dist[0], &m.dist[1]};
    for (int i = 0; i < 4; i++) {
        cells += k4[i]->grid_n - 1;
        exact_cells += k4[i]->grid_n_exact;
    }
    printf("cajal  n_train %zu  n_score %zu\n", nt, nq);
    printf("cajal  fit %.4f s  score %.4f s  total %.4f s  (%.1f ns/pair)\n", fit_s, score_s, fit_s + score_s,
           1e9 * score_s / (double)nq);
    printf("cajal  with reflection (library defaults): fit %.4f s  score %.4f s\n", fit_r, score_r);
    printf("cajal  exact path: score %.1f s (timed on %zu pairs, scaled to all); grid vs exact max |dP| %.1e\n",
           exact_s, ne, worst);
    printf("cajal  grids: %zu cells, %zu evaluated exactly\n", cells, exact_cells);
    double auc = NAN;
    cj_error err;
    if (cj_roc_auc(post, qy, nq, &auc, &err)) fprintf(stderr, "bench_kde: %s\n", err.msg);
    printf("cajal  ROC AUC of P(match) on the scored pairs: %.4f\n", auc);

    char meta[1024];
    int len = snprintf(meta, sizeof meta,
                       "n_train %zu\nn_score %zu\nprior %.17g\nh_sim_nonmatch %.17g\nh_sim_match %.17g\n"
                       "h_dist_nonmatch %.17g\nh_dist_match %.17g\nfit_s %.9g\nscore_s %.9g\n",
                       nt, nq, m.prior, m.sim[0].bandwidth, m.sim[1].bandwidth, m.dist[0].bandwidth,
                       m.dist[1].bandwidth, fit_s, score_s);
    int ok = write_raw(dir, "meta.txt", meta, (size_t)len) && write_raw(dir, "train_sim.f32", ts, nt * 4) &&
             write_raw(dir, "train_dist.f32", td, nt * 4) && write_raw(dir, "train_label.u8", ty, nt) &&
             write_raw(dir, "query_sim.f32", qs, nq * 4) && write_raw(dir, "query_dist.f32", qd, nq * 4) &&
             write_raw(dir, "query_label.u8", qy, nq) && write_raw(dir, "posterior.f32", post, nq * 4);
    cj_match_nb_free(&m);
    free(ts);
    free(td);
    free(ty);
    free(qs);
    free(qd);
    free(qy);
    free(post);
    return ok ? 0 : 1;
}
