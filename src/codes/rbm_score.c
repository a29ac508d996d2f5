/* rbm_score.c — how good an RBM is: pseudo-log-likelihood, mean-field
 * reconstruction error, average log-likelihood for a given log Z, and the
 * exact log Z of a small machine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rbm.h"
#include "rbm_common.h"

#include <cblas.h>

void cj_rbm_pseudo_likelihood(const cj_rbm *r, const float *v, int B, const int *flip, float *scratch,
                              double *pl)
{
    const int V = r->visible, H = r->hidden;
    /* x = v W^T once; flipping bit i moves x by ±W[:, i], so F(v') needs no
     * second product (scikit-learn forms v' and a second product; the
     * value is the same). */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, V, 1.0f, v, V, r->W, V, 0.0f, scratch, H);
    for (int s = 0; s < B; s++) {
        const float *x = scratch + (size_t)s * H, *vs = v + (size_t)s * V;
        const int i = flip[s];
        const double d = vs[i] > 0.5f ? -1.0 : 1.0; /* v'_i - v_i */
        double vb = 0, sp = 0, sp_flip = 0;
        for (int a = 0; a < V; a++) vb += (double)vs[a] * r->b[a];
        for (int j = 0; j < H; j++) {
            const double pre = (double)x[j] + r->c[j];
            sp += cj_rbm_softplus(pre);
            sp_flip += cj_rbm_softplus(pre + d * r->W[(size_t)j * V + i]);
        }
        const double F = -vb - sp, F_flip = -(vb + d * r->b[i]) - sp_flip;
        /* V log σ(F' - F) = -V softplus(F - F') */
        pl[s] = -(double)V * cj_rbm_softplus(F - F_flip);
    }
}

double cj_rbm_reconstruction_error(const cj_rbm *r, const float *v, int B, float *scratch)
{
    const int V = r->visible;
    float *ph = scratch, *pv = scratch + (size_t)B * r->hidden;
    cj_rbm_hidden_probs(r, v, B, ph);
    cj_rbm_visible_probs(r, ph, B, pv);
    double sum = 0;
    for (size_t i = 0; i < (size_t)B * V; i++) {
        const double e = (double)v[i] - pv[i];
        sum += e * e;
    }
    return sum / B;
}

cj_status cj_rbm_mean_log_prob(const cj_rbm *r, const float *v, int n, double log_z, double *mean,
                               cj_error *err)
{
    enum { CHUNK = 1000 }; /* rows per product: bounded memory for any n */
    int rows = n < CHUNK ? n : CHUNK;
    float *scratch = malloc(sizeof(float) * (size_t)rows * r->hidden);
    double *F = malloc(sizeof(double) * (size_t)rows);
    if (!scratch || !F) {
        free(scratch), free(F);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the free energies of %d rows", n);
    }
    double sum = 0;
    for (int s = 0; s < n; s += rows) {
        int m = n - s < rows ? n - s : rows;
        cj_rbm_free_energy(r, v + (size_t)s * r->visible, m, scratch, F);
        for (int i = 0; i < m; i++) sum -= F[i];
    }
    free(scratch), free(F);
    *mean = n > 0 ? sum / n - log_z : NAN;
    return CJ_OK;
}

/* log(e^a + e^b) */
static double log_add(double a, double b)
{
    if (a == -INFINITY) return b;
    double m = a > b ? a : b;
    return m + log1p(exp(-fabs(a - b)));
}

cj_status cj_rbm_log_z_exact(const cj_rbm *r, double *log_z, cj_error *err)
{
    const int V = r->visible, H = r->hidden;
    /* Sum out the larger layer in closed form and enumerate the smaller:
     * Z = Σ_h e^{c·h} Π_i (1 + e^{b_i + (h^T W)_i}), or the same with the
     * roles of v and h swapped. */
    const int by_hidden = H <= V, n = by_hidden ? H : V, m = by_hidden ? V : H;
    if (n > 24)
        return cj_fail(err, CJ_ERR_ARG, "exact log Z of an RBM of %d x %d units: 2^%d states to enumerate (24 at most)",
                       H, V, n);
    const float *own = by_hidden ? r->c : r->b, *other = by_hidden ? r->b : r->c;
    double acc = -INFINITY;
    for (long state = 0; state < (1L << n); state++) {
        double lp = 0;
        for (int a = 0; a < n; a++)
            if (state >> a & 1) lp += own[a];
        for (int q = 0; q < m; q++) {
            double pre = other[q];
            for (int a = 0; a < n; a++)
                if (state >> a & 1) pre += by_hidden ? r->W[(size_t)a * V + q] : r->W[(size_t)q * V + a];
            lp += cj_rbm_softplus(pre);
        }
        acc = log_add(acc, lp);
    }
    *log_z = acc;
    return CJ_OK;
}
