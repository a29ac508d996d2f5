/* fixedpoints_modes.c — the linearisation at a fixed point: eigenvalues of
 * the Jacobian dF/dx by LAPACK's dgeev, sorted by magnitude, the stability
 * class of a discrete-time map (|λ| against 1), and the right and left
 * eigenvectors of the slowest mode (the eigenvalue nearest 1), whose left
 * eigenvector is Mante et al. 2013's selection vector (see fixedpoints.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/fixedpoints.h"

const char *cj_fp_kind_name(cj_fp_kind k)
{
    switch (k) {
    case CJ_FP_STABLE: return "stable";
    case CJ_FP_UNSTABLE: return "unstable";
    case CJ_FP_SADDLE: return "saddle";
    case CJ_FP_MARGINAL: return "marginal";
    }
    return "unknown";
}

typedef struct {
    double re, im, mag;
    int col; /* dgeev's column of the eigenvalue */
} eig_entry;

/* |λ| descending; ties by re, then im, descending, so the order is total. */
static int by_magnitude(const void *pa, const void *pb)
{
    const eig_entry *a = pa, *b = pb;
    if (a->mag != b->mag) return a->mag < b->mag ? 1 : -1;
    if (a->re != b->re) return a->re < b->re ? 1 : -1;
    if (a->im != b->im) return a->im < b->im ? 1 : -1;
    return 0;
}

/* Eigenvector `col` of dgeev's column-major v [n, n] with eigenvalue
 * imaginary part wi: for a complex pair dgeev stores re in column j and
 * im in column j + 1 for λ_j (wi > 0), and λ_{j+1} is its conjugate. */
static void eigvec(const double *v, const double *wi, int n, int col, double *re, double *im)
{
    if (wi[col] == 0.0) {
        memcpy(re, v + (size_t)col * n, sizeof(double) * n);
        memset(im, 0, sizeof(double) * n);
        return;
    }
    int first = wi[col] > 0 ? col : col - 1;
    double sign = wi[col] > 0 ? 1.0 : -1.0;
    for (int i = 0; i < n; i++) {
        re[i] = v[(size_t)first * n + i];
        im[i] = sign * v[(size_t)(first + 1) * n + i];
    }
}

/* Right vector: unit norm (dgeev's), then rotated so its largest entry is
 * real and positive (dgeev leaves the sign free). Left vector: scaled so
 * that wᴴ v = 1. */
static void normalise(double *vr, double *vi, double *wr, double *wi, int n)
{
    double norm = 0.0, best = -1.0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        double m2 = vr[i] * vr[i] + vi[i] * vi[i];
        norm += m2;
        if (m2 > best * (1.0 + 1e-12)) best = m2, k = i;
    }
    norm = sqrt(norm);
    /* Multiply v by conj(v_k) / (|v_k| ‖v‖). */
    double mk = sqrt(best), cr = vr[k] / (mk * norm), ci = -vi[k] / (mk * norm);
    for (int i = 0; i < n; i++) {
        double a = vr[i], b = vi[i];
        vr[i] = a * cr - b * ci;
        vi[i] = a * ci + b * cr;
    }
    vi[k] = 0.0;
    /* s = wᴴ v = Σ conj(w_i) v_i; then w ← w / conj(s) gives wᴴ v = 1. */
    double sr = 0.0, si = 0.0;
    for (int i = 0; i < n; i++) {
        sr += wr[i] * vr[i] + wi[i] * vi[i];
        si += wr[i] * vi[i] - wi[i] * vr[i];
    }
    double d = sr * sr + si * si;
    /* 1 / conj(s) = s / |s|²; d is 0 only for a defective eigenvalue. */
    double tr = sr / d, ti = si / d;
    for (int i = 0; i < n; i++) {
        double a = wr[i], b = wi[i];
        wr[i] = a * tr - b * ti;
        wi[i] = a * ti + b * tr;
    }
}

cj_status cj_fp_modes_compute(const double *jac, int n, cj_fp_modes *m, cj_error *err)
{
    if (n < 1) return cj_fail(err, CJ_ERR_ARG, "fixed points: Jacobian size n=%d, expected at least 1", n);
    size_t nn = (size_t)n * n;
    for (size_t k = 0; k < nn; k++)
        if (!isfinite(jac[k]))
            return cj_fail(err, CJ_ERR_NUMERIC, "fixed points: Jacobian entry (%zu, %zu) is %g", k / n, k % n,
                           jac[k]);
    int lwork = -1, info = 0;
    double query;
    dgeev_("V", "V", &n, NULL, &n, NULL, NULL, NULL, &n, NULL, &n, &query, &lwork, &info);
    lwork = info == 0 && query >= 4.0 * n ? (int)query : 4 * n;
    double *a = malloc(sizeof(double) * (3 * nn + 2 * (size_t)n + (size_t)lwork));
    eig_entry *e = malloc(sizeof(eig_entry) * n);
    if (!a || !e) {
        free(a), free(e);
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for the eigen-decomposition of %d x %d", n, n);
    }
    double *vl = a + nn, *vr = vl + nn, *wr = vr + nn, *wi = wr + n, *work = wi + n;
    /* Column-major copy: a[i + j n] = J_ij, so dgeev sees J itself. */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) a[i + (size_t)j * n] = jac[(size_t)i * n + j];
    dgeev_("V", "V", &n, a, &n, wr, wi, vl, &n, vr, &n, work, &lwork, &info);
    if (info != 0) {
        free(a), free(e);
        return cj_fail(err, CJ_ERR_NUMERIC, "fixed points: dgeev failed on a %d x %d Jacobian (info %d)", n, n,
                       info);
    }
    for (int k = 0; k < n; k++) e[k] = (eig_entry){wr[k], wi[k], hypot(wr[k], wi[k]), k};
    qsort(e, n, sizeof *e, by_magnitude);
    int n_in = 0, n_out = 0, slow = 0;
    double best = INFINITY;
    for (int k = 0; k < n; k++) {
        m->re[k] = e[k].re;
        m->im[k] = e[k].im;
        n_out += e[k].mag > 1.0;
        n_in += e[k].mag < 1.0;
        double d = hypot(e[k].re - 1.0, e[k].im);
        if (d < best) best = d, slow = k;
    }
    m->n_unstable = n_out;
    m->kind = n_in == n ? CJ_FP_STABLE : n_out == n ? CJ_FP_UNSTABLE : n_in && n_out ? CJ_FP_SADDLE : CJ_FP_MARGINAL;
    m->slow = slow;
    m->slow_re = e[slow].re;
    m->slow_im = e[slow].im;
    eigvec(vr, wi, n, e[slow].col, m->right_re, m->right_im);
    eigvec(vl, wi, n, e[slow].col, m->left_re, m->left_im);
    normalise(m->right_re, m->right_im, m->left_re, m->left_im, n);
    free(a), free(e);
    return CJ_OK;
}
