/* ica_fit.c — the whole ICA fit (include/cajal/ica.h): whitening, the
 * chosen algorithm, then the unmixing and basis in input space, scaled,
 * signed and sorted by a fixed rule so that two runs can be compared
 * row by row. Also the Amari index and the moments the sort uses. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "ica_common.h"

static const char *const NAMES[] = {"infomax", "fastica"};

const char *cj_ica_method_name(cj_ica_method m) { return (unsigned)m < 2 ? NAMES[m] : "?"; }

int cj_ica_method_parse(const char *name)
{
    for (int i = 0; i < 2; i++)
        if (name && !strcmp(name, NAMES[i])) return i;
    return -1;
}

static const char *const SOLVERS[] = {"classic", "picard"};

const char *cj_ica_solver_name(cj_ica_solver s) { return (unsigned)s < 2 ? SOLVERS[s] : "?"; }

int cj_ica_solver_parse(const char *name)
{
    for (int i = 0; i < 2; i++)
        if (name && !strcmp(name, SOLVERS[i])) return i;
    return -1;
}

void cj_ica_opts_default(cj_ica_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = CJ_ICA_INFOMAX;
    o->extended = 1;
    o->max_iter = 200;
    o->seed = 1;
}

/* Per column of a [n, k]: variance, skewness and excess kurtosis about
 * the mean (the biased moment estimates, as SciPy's defaults); scratch
 * [4k] (passed in, so infomax's kurtosis estimates allocate nothing). */
void cj_ica_moments_scratch(const float *a, long n, int k, double *var, double *skew, double *kurt, double *s)
{
    memset(s, 0, sizeof(double) * 4 * (size_t)k);
    double *mean = s, *m2 = s + k, *m3 = s + 2 * k, *m4 = s + 3 * k;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < k; j++) mean[j] += a[(size_t)i * k + j];
    for (int j = 0; j < k; j++) mean[j] /= (double)n;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            double v = a[(size_t)i * k + j] - mean[j], v2 = v * v;
            m2[j] += v2, m3[j] += v2 * v, m4[j] += v2 * v2;
        }
    for (int j = 0; j < k; j++) {
        double v = m2[j] / n;
        if (var) var[j] = v;
        skew[j] = v > 0 ? m3[j] / n / pow(v, 1.5) : 0;
        kurt[j] = v > 0 ? m4[j] / n / (v * v) - 3 : 0;
    }
}

static void moments(const float *a, long n, int k, double *var, double *skew, double *kurt)
{
    double *s = malloc(sizeof(double) * 4 * (size_t)k);
    if (!s) {
        for (int j = 0; j < k; j++) var[j] = skew[j] = kurt[j] = NAN;
        return;
    }
    cj_ica_moments_scratch(a, n, k, var, skew, kurt, s);
    free(s);
}

void cj_ica_moments(const float *a, long n, int k, double *kurt, double *skew)
{
    double *var = malloc(sizeof(double) * (size_t)k);
    if (!var) {
        for (int j = 0; j < k; j++) skew[j] = kurt[j] = NAN;
        return;
    }
    moments(a, n, k, var, skew, kurt);
    free(var);
}

double cj_ica_amari(const double *p, int k)
{
    if (k < 2) return 0;
    double sum = 0;
    for (int i = 0; i < k; i++) {
        double mx = 0, s = 0;
        for (int j = 0; j < k; j++) mx = fmax(mx, fabs(p[(size_t)i * k + j])), s += fabs(p[(size_t)i * k + j]);
        sum += mx > 0 ? s / mx - 1 : k - 1;
    }
    for (int j = 0; j < k; j++) {
        double mx = 0, s = 0;
        for (int i = 0; i < k; i++) mx = fmax(mx, fabs(p[(size_t)i * k + j])), s += fabs(p[(size_t)i * k + j]);
        sum += mx > 0 ? s / mx - 1 : k - 1;
    }
    return sum / (2.0 * k * (k - 1));
}

void cj_ica_model_free(cj_ica_model *m)
{
    cj_ica_white_free(&m->white);
    free(m->unmixing), free(m->basis), free(m->kurtosis), free(m->skewness), free(m->variance);
    free(m->run.history);
    memset(m, 0, sizeof *m);
}

void cj_ica_sources(const cj_ica_model *m, const float *x, long n, float *sources)
{
    /* (x - mean) unmixing^T = x unmixing^T - mean unmixing^T */
    int k = m->k, d = m->d;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, k, d, 1.0f, x, d, m->unmixing, d, 0.0f, sources, k);
    for (int j = 0; j < k; j++) {
        double off = 0;
        for (int i = 0; i < d; i++) off += (double)m->white.mean[i] * m->unmixing[(size_t)j * d + i];
        for (long r = 0; r < n; r++) sources[(size_t)r * k + j] -= (float)off;
    }
}

typedef struct {
    double key;
    int j;
} ranked;

static int by_key_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? 1 : -1;
    return x->j - y->j; /* ties: the algorithm's order (deterministic) */
}

/* basis [k, d] = W^-T dewhitening^T: dgesv on W as the column-major W^T,
 * with dewhitening [d, k] as the column-major right-hand side [k, d]. */
static cj_status solve_basis(const float *W, const cj_ica_white *wh, float *basis, cj_error *err)
{
    int k = wh->k, d = wh->d, info = 0;
    double *A = malloc(sizeof(double) * (size_t)k * k), *B = malloc(sizeof(double) * (size_t)d * k);
    int *piv = malloc(sizeof(int) * (size_t)k);
    cj_status st = CJ_OK;
    if (!A || !B || !piv) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the basis");
    } else {
        for (size_t i = 0; i < (size_t)k * k; i++) A[i] = W[i];
        for (size_t i = 0; i < (size_t)d * k; i++) B[i] = wh->dewhitening[i];
        dgesv_(&k, &d, A, &k, piv, B, &k, &info);
        if (info) st = cj_fail(err, CJ_ERR_NUMERIC, "ica: the unmixing matrix is singular (LAPACK dgesv info %d)", info);
        else
            for (int c = 0; c < d; c++)
                for (int j = 0; j < k; j++) basis[(size_t)j * d + c] = (float)B[(size_t)c * k + j];
    }
    free(A), free(B), free(piv);
    return st;
}

cj_status cj_ica_fit(const float *x, long n, int d, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                     cj_ica_model *m, cj_error *err)
{
    memset(m, 0, sizeof *m);
    if ((unsigned)o->method > CJ_ICA_FASTICA) return cj_fail(err, CJ_ERR_CONFIG, "ica: unknown method %d", (int)o->method);
    if ((unsigned)o->solver > CJ_ICA_PICARD) return cj_fail(err, CJ_ERR_CONFIG, "ica: unknown solver %d", (int)o->solver);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_CONFIG, "ica: --max-iter %d is not >= 1", o->max_iter);
    if (o->components < 0) return cj_fail(err, CJ_ERR_CONFIG, "ica: --components %d is not >= 1", o->components);
    cj_status st = cj_ica_whiten(x, n, d, o->components, &m->white, err);
    if (st) return st;
    int k = m->white.k;
    m->k = k, m->d = d, m->opts = *o;
    m->opts.components = k;
    int picard = o->solver == CJ_ICA_PICARD;
    if (!m->opts.tol) m->opts.tol = picard ? CJ_ICA_PICARD_TOL : o->method == CJ_ICA_FASTICA ? 1e-4 : 1e-12;
    if (o->method == CJ_ICA_INFOMAX && !picard) {
        if (!m->opts.block) m->opts.block = (int)floor(sqrt(n / 3.0)) > 0 ? (int)floor(sqrt(n / 3.0)) : 1;
        if (!(m->opts.lrate > 0)) m->opts.lrate = k > 1 ? 0.01 / log((double)k * k) : 0.01;
    }
    size_t kk = (size_t)k * k, kd = (size_t)k * d;
    float *z = malloc(sizeof(float) * (size_t)n * k), *W = malloc(sizeof(float) * kk);
    float *tmp = malloc(sizeof(float) * (kk > kd ? kk : kd));
    double *var = malloc(sizeof(double) * (size_t)k);
    ranked *rk = malloc(sizeof(ranked) * (size_t)k);
    m->unmixing = malloc(sizeof(float) * kd), m->basis = malloc(sizeof(float) * kd);
    m->kurtosis = malloc(sizeof(double) * (size_t)k), m->skewness = malloc(sizeof(double) * (size_t)k);
    m->variance = malloc(sizeof(double) * (size_t)k);
    if (!z || !W || !tmp || !var || !rk || !m->unmixing || !m->basis || !m->kurtosis || !m->skewness ||
        !m->variance) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for %ld samples of %d components", n, k);
        goto done;
    }
    if ((st = cj_ica_white_apply(&m->white, x, n, z, err))) goto done;
    double t0 = ica_now();
    if (picard)
        st = cj_ica_picard(z, n, k, &m->opts, o->method == CJ_ICA_FASTICA, progress, ctx, W, &m->run, err);
    else if (o->method == CJ_ICA_INFOMAX)
        st = cj_ica_infomax(z, n, k, &m->opts, progress, ctx, W, &m->run, err);
    else
        st = cj_ica_fastica(z, n, k, &m->opts, progress, ctx, W, &m->run, err);
    m->seconds = ica_now() - t0;
    if (st) goto done;
    for (size_t i = 0; i < kk; i++)
        if (!isfinite(W[i])) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: %s gave a non-finite unmixing weight", cj_ica_method_name(o->method));
            goto done;
        }
    /* sources of the white data, in place block by block: s = z W^T */
    enum { ROWS = 4096 };
    float *sb = malloc(sizeof(float) * (size_t)ROWS * k);
    if (!sb) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the sources");
        goto done;
    }
    for (long r0 = 0; r0 < n; r0 += ROWS) {
        int nb = (int)(n - r0 < ROWS ? n - r0 : ROWS);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, k, k, 1.0f, z + (size_t)r0 * k, k, W, k, 0.0f, sb, k);
        memcpy(z + (size_t)r0 * k, sb, sizeof(float) * (size_t)nb * k);
    }
    free(sb);
    double *skew = m->skewness, *kurt = m->kurtosis;
    moments(z, n, k, var, skew, kurt);
    for (int j = 0; j < k; j++) {
        if (!(var[j] > 0) || !isfinite(kurt[j])) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: source %d has variance %g", j, var[j]);
            goto done;
        }
        rk[j].key = kurt[j], rk[j].j = j;
    }
    qsort(rk, (size_t)k, sizeof *rk, by_key_desc);
    /* W rows: sorted by kurtosis, scaled to unit-variance sources, skew >= 0 */
    for (int r = 0; r < k; r++) {
        int j = rk[r].j;
        double sc = (skew[j] < 0 ? -1.0 : 1.0) / sqrt(var[j]);
        for (int c = 0; c < k; c++) tmp[(size_t)r * k + c] = (float)(sc * W[(size_t)j * k + c]);
    }
    memcpy(W, tmp, sizeof(float) * kk);
    double *ks = var; /* reuse: kurtosis and |skew| in the new order */
    for (int r = 0; r < k; r++) ks[r] = kurt[rk[r].j], tmp[r] = (float)fabs(skew[rk[r].j]);
    for (int r = 0; r < k; r++) kurt[r] = ks[r], skew[r] = tmp[r];
    /* unmixing = W whitening [k, d]; basis = W^-T dewhitening^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 1.0f, W, k, m->white.whitening, d, 0.0f,
                m->unmixing, d);
    if ((st = solve_basis(W, &m->white, m->basis, err))) goto done;
    double total = 0;
    for (int i = 0; i < d; i++) total += m->white.eigenvalues[i];
    for (int j = 0; j < k; j++) {
        double s2 = 0;
        for (int i = 0; i < d; i++) s2 += (double)m->basis[(size_t)j * d + i] * m->basis[(size_t)j * d + i];
        m->variance[j] = total > 0 ? s2 / total : 0;
    }
done:
    free(z), free(W), free(tmp), free(var), free(rk);
    if (st) cj_ica_model_free(m);
    return st;
}
