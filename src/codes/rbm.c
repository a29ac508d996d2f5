/* rbm.c — the Bernoulli–Bernoulli RBM itself (rbm.h): its parameters, the
 * two conditionals as one GEMM each, sampling and the free energy. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/blas.h"
#include "cajal/rbm.h"
#include "rbm_common.h"

#include <cblas.h>

enum { MAX_HIDDEN = 100000 };

cj_status cj_rbm_method_parse(const char *name, cj_rbm_method *m, cj_error *err)
{
    if (!strcmp(name, "cd")) *m = CJ_RBM_CD;
    else if (!strcmp(name, "pcd")) *m = CJ_RBM_PCD;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown RBM training method '%.64s' (expected cd or pcd)", name);
    return CJ_OK;
}

const char *cj_rbm_method_name(cj_rbm_method m) { return m == CJ_RBM_PCD ? "pcd" : "cd"; }

cj_rbm_config cj_rbm_config_defaults(void)
{
    /* Hinton 2010: momentum 0.5 while the weights are still large and
     * changing fast, 0.9 after "e.g. 5 epochs"; Salakhutdinov & Murray 2008:
     * M = 100 runs and 14,500 intermediate distributions. */
    cj_rbm_config c = {CJ_RBM_CD, 1, 0.5f, 5, 100, 14500, 1000};
    return c;
}

cj_status cj_rbm_parse_layers(const char *layers, int *is_rbm, int *hidden, cj_error *err)
{
    const char *p = layers;
    while (*p == ' ' || *p == '\t') p++;
    *is_rbm = !strncmp(p, "rbm", 3) && (p[3] == '\0' || p[3] == ' ' || p[3] == '\t');
    if (!*is_rbm) return CJ_OK;
    p += 3;
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    errno = 0;
    long h = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
    if (h >= 0)
        while (*end == ' ' || *end == '\t') end++;
    if (h < 1 || h > MAX_HIDDEN || errno || *end)
        return cj_fail(err, CJ_ERR_CONFIG,
                       "model.layers = '%.64s': an RBM is 'rbm H' with H hidden units, a whole number from 1 to %d",
                       layers, MAX_HIDDEN);
    *hidden = (int)h;
    return CJ_OK;
}

cj_status cj_rbm_create(cj_rbm *r, int visible, int hidden, cj_error *err)
{
    memset(r, 0, sizeof *r);
    if (visible < 1 || hidden < 1 || visible > (1 << 24) || hidden > (1 << 24))
        return cj_fail(err, CJ_ERR_ARG, "an RBM of %d visible and %d hidden units", visible, hidden);
    size_t n = (size_t)visible * hidden + visible + hidden;
    r->block = calloc(n, sizeof(float));
    if (!r->block)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for an RBM of %d x %d units", hidden, visible);
    r->visible = visible, r->hidden = hidden;
    r->W = r->block;
    r->b = r->W + (size_t)visible * hidden;
    r->c = r->b + visible;
    return CJ_OK;
}

void cj_rbm_free(cj_rbm *r)
{
    free(r->block);
    memset(r, 0, sizeof *r);
}

void cj_rbm_marginals(const float *v, int n, int V, float *p)
{
    for (int i = 0; i < V; i++) p[i] = 1.0f;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < V; i++) p[i] += v[(size_t)s * V + i];
    for (int i = 0; i < V; i++) p[i] /= (float)n + 2.0f;
}

void cj_rbm_init(cj_rbm *r, const float *marginals, cj_rng *rng)
{
    cj_rng_fill_normal(rng, r->W, (size_t)r->hidden * r->visible, 0.01f);
    memset(r->c, 0, sizeof(float) * (size_t)r->hidden);
    for (int i = 0; i < r->visible; i++)
        r->b[i] = marginals ? logf(marginals[i] / (1.0f - marginals[i])) : 0.0f;
}

/* out[n, j] = σ(bias_j + x[n, j]) over rows of a pre-activation. */
static void sigmoid_rows(float *restrict x, const float *restrict bias, int B, int n)
{
    for (int s = 0; s < B; s++) {
        float *row = x + (size_t)s * n;
        for (int j = 0; j < n; j++) row[j] = cj_rbm_sigmoid(row[j] + bias[j]);
    }
}

void cj_rbm_hidden_probs(const cj_rbm *r, const float *v, int B, float *ph)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, r->hidden, r->visible, 1.0f, v, r->visible, r->W,
                r->visible, 0.0f, ph, r->hidden);
    sigmoid_rows(ph, r->c, B, r->hidden);
}

void cj_rbm_visible_probs(const cj_rbm *r, const float *h, int B, float *pv)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, r->visible, r->hidden, 1.0f, h, r->hidden, r->W,
                r->visible, 0.0f, pv, r->visible);
    sigmoid_rows(pv, r->b, B, r->visible);
}

void cj_rbm_sample(const float *restrict p, const float *restrict u, size_t n, float *restrict x)
{
    for (size_t i = 0; i < n; i++) x[i] = u[i] < p[i] ? 1.0f : 0.0f;
}

void cj_rbm_free_energy(const cj_rbm *r, const float *v, int B, float *scratch, double *F)
{
    const int V = r->visible, H = r->hidden;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, V, 1.0f, v, V, r->W, V, 0.0f, scratch, H);
    for (int s = 0; s < B; s++) {
        const float *x = scratch + (size_t)s * H, *vs = v + (size_t)s * V;
        double f = 0;
        for (int i = 0; i < V; i++) f -= (double)vs[i] * r->b[i];
        for (int j = 0; j < H; j++) f -= cj_rbm_softplus((double)x[j] + r->c[j]);
        F[s] = f;
    }
}
