/* acts_cka.c — every layer of one activations folder against every layer
 * of another (cj_acts_cka in cajal/acts.h): the library's own computations
 * (cka.h), with what depends on one layer only made once per layer.
 *
 * A pair's CKA in Gram form (RBF always; linear when 2n < p + q, as
 * cj_cka_linear chooses) needs each layer's centred n x n kernel, made in
 * n^2 p, against n^2 for the pair's inner product (Kornblith et al. 2019,
 * eq. 3). So each layer's kernel and its squared norm are made once and
 * kept (when they fit in the cache) instead of once per pair, and the
 * sums are taken in the library's order (cj_cka_gram; cj_cka_linear's Gram
 * form), so the values are its values bit for bit. Linear CKA in feature
 * space, Procrustes and CCA are the library's calls per pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/acts.h"
#include "cajal/cka.h"
#include "cka_common.h"

static const char *const MEASURE_NAMES[CJ_ACTS_N_MEASURES] = {
    "cka_linear", "cka_linear_debiased", "cka_rbf", "cka_rbf_debiased", "procrustes", "cca_mean", "cca_r2",
};

const char *cj_acts_measure_name(cj_acts_measure m)
{
    return (int)m >= 0 && m < CJ_ACTS_N_MEASURES ? MEASURE_NAMES[m] : NULL;
}

int cj_acts_measure_of(const char *name)
{
    for (int m = 0; m < CJ_ACTS_N_MEASURES; m++)
        if (!strcmp(name, MEASURE_NAMES[m])) return m;
    return -1;
}

/* The default cap on Procrustes and CCA's products per pair. */
static const size_t SHAPE_MAX_BYTES = (size_t)4 << 30;

/* The kernels a layer may need: RBF with the biased or the unbiased
 * centring (cj_gram_center), and the linear Gram matrix xc xc^T. */
enum { K_RBF, K_RBF_UNBIASED, K_LINEAR, N_KINDS };

/* A layer's kernel of one kind and the sum of its squares; k NULL when it
 * is undefined (an RBF bandwidth of 0). `made` says whether a cached
 * entry has been made yet. */
typedef struct {
    double *k;
    double self;
    int made;
} kernel;

typedef struct {
    const cj_acts_folder *a, *b;
    const cj_acts_cka_opts *o;
    size_t n;
    int want[CJ_ACTS_N_MEASURES];
    int need[N_KINDS];  /* kinds some pair uses */
    int cache;          /* keep b's kernels, each in its own allocation */
    kernel *kb[N_KINDS]; /* [b->n_layers] per kind, when cached */
    double *row[N_KINDS]; /* the current row's kernel per kind */
    double *col;        /* b's kernel of the current pair, when not cached */
    double *mean;       /* [max features] column means for the linear Gram */
    long too_wide;      /* pairs too wide for Procrustes and CCA, */
    int first_wide[2];  /* the first of them */
} run;

static void free_kernels(kernel *k, int n)
{
    for (int i = 0; k && i < n; i++) free(k[i].k);
    free(k);
}

/* Into k [n, n]: the kernel of x [n, p] of the given kind, and *out; an
 * undefined RBF kernel gives k NULL (and a warning). */
static cj_status make_kernel(run *r, const float *x, int p, const char *path, int kind, double *k, kernel *out,
                             cj_error *err)
{
    size_t n = r->n;
    *out = (kernel){NULL, NAN, 0};
    cj_error e;
    cj_status st;
    if (kind == K_LINEAR) { /* as cj_cka_linear's Gram form */
        st = cka_column_means(x, n, p, "cka linear", "x", r->mean, &e);
        if (!st) st = cka_centred_gram(x, n, p, r->mean, "cka linear", k, &e);
    } else {
        st = cj_gram_rbf(x, n, p, r->o->rbf_threshold, k, &e);
        if (st == CJ_ERR_NUMERIC) { /* over half the stimuli alike: no bandwidth */
            if (r->o->warn) {
                char line[CJ_ERROR_MSG_MAX + 160];
                snprintf(line, sizeof line, "%s: no RBF kernel (%s); its RBF CKA is NaN", path, e.msg);
                r->o->warn(r->o->user, line);
            }
            return CJ_OK;
        }
        if (!st) st = cj_gram_center(k, n, kind == K_RBF_UNBIASED, &e);
    }
    if (st) return cj_fail(err, st, "%s: %s", path, e.msg);
    double s = 0.0;
    for (size_t i = 0; i < n * n; i++) s += k[i] * k[i];
    *out = (kernel){k, s, 0};
    return CJ_OK;
}

/* cj_cka_gram's last step on two centred kernels. */
static double kernel_cka(const kernel *x, const kernel *y, size_t n)
{
    if (!x->k || !y->k) return NAN;
    double xy = 0.0;
    for (size_t i = 0; i < n * n; i++) xy += x->k[i] * y->k[i];
    return x->self > 0.0 && y->self > 0.0 ? xy / (sqrt(x->self) * sqrt(y->self)) : NAN;
}

/* cj_cka_linear's Gram form from the two Gram matrices: the same sums in
 * the same order, biased and debiased. */
static void linear_from_grams(const kernel *x, const kernel *y, size_t n, double *biased, double *debiased)
{
    const double *k = x->k, *l = y->k;
    cka_sums s = {0};
    for (size_t i = 0; i < n * n; i++) s.xy += k[i] * l[i];
    s.xx = x->self, s.yy = y->self;
    for (size_t i = 0; i < n; i++) {
        double a = k[i * n + i], b = l[i * n + i];
        s.kl += a * b;
        s.kk += a * a;
        s.ll += b * b;
        s.tx += a;
        s.ty += b;
    }
    *biased = cka_from_sums(&s, n, 0);
    *debiased = n >= 4 ? cka_from_sums(&s, n, 1) : NAN;
}

/* b's layer j kernel of a kind: cached, or made into r->col. */
static cj_status kernel_b(run *r, float *const *yb, int j, int kind, kernel *out, cj_error *err)
{
    if (r->cache && r->kb[kind][j].made) {
        *out = r->kb[kind][j];
        return CJ_OK;
    }
    double *k = r->cache ? malloc(sizeof(double) * r->n * r->n) : r->col;
    if (!k) return cj_fail(err, CJ_ERR_NOMEM, "cka: no memory for a %zu x %zu kernel", r->n, r->n);
    cj_status st = make_kernel(r, yb[j], r->b->features[j], r->b->paths[j], kind, k, out, err);
    if (r->cache) {
        if (st || !out->k) free(k);
        if (!st) {
            r->kb[kind][j] = *out;
            r->kb[kind][j].made = 1;
        }
    }
    return st;
}

/* Whether linear CKA of p and q features takes the Gram form. */
static int gram_form(size_t n, int p, int q) { return 2 * n < (size_t)p + (size_t)q; }

/* All wanted measures of a's layer i (x) and b's layer j, into v[m]; ka
 * are the row's kernels (a linear one made here when first needed). */
static cj_status one_pair(run *r, const float *x, int i, float *const *yb, int j, kernel *ka, double *v,
                          cj_error *err)
{
    int p = r->a->features[i], q = r->b->features[j];
    const float *y = yb[j];
    cj_error e;
    cj_status st = CJ_OK;
    for (int m = 0; m < CJ_ACTS_N_MEASURES; m++) v[m] = NAN;
    int linear = r->want[CJ_ACTS_CKA_LINEAR] || r->want[CJ_ACTS_CKA_LINEAR_DEBIASED];
    if (linear && gram_form(r->n, p, q)) {
        if (!ka[K_LINEAR].made) {
            st = make_kernel(r, x, p, r->a->paths[i], K_LINEAR, r->row[K_LINEAR], &ka[K_LINEAR], err);
            ka[K_LINEAR].made = 1;
        }
        kernel kb;
        if (!st) st = kernel_b(r, yb, j, K_LINEAR, &kb, err);
        if (st) return st;
        linear_from_grams(&ka[K_LINEAR], &kb, r->n, &v[CJ_ACTS_CKA_LINEAR], &v[CJ_ACTS_CKA_LINEAR_DEBIASED]);
    } else if (linear) {
        if (r->want[CJ_ACTS_CKA_LINEAR]) st = cj_cka_linear(x, y, r->n, p, q, 0, &v[CJ_ACTS_CKA_LINEAR], &e);
        if (!st && r->want[CJ_ACTS_CKA_LINEAR_DEBIASED])
            st = cj_cka_linear(x, y, r->n, p, q, 1, &v[CJ_ACTS_CKA_LINEAR_DEBIASED], &e);
    }
    if (!st && (r->want[CJ_ACTS_PROCRUSTES] || r->want[CJ_ACTS_CCA_MEAN] || r->want[CJ_ACTS_CCA_R2])) {
        cj_cka_measures cm;
        size_t cap = r->o->shape_max_bytes ? r->o->shape_max_bytes : SHAPE_MAX_BYTES;
        if (cj_cka_compare_bytes(r->n, p, q) > cap) { /* too big: NaN, told once at the end */
            if (!r->too_wide++) r->first_wide[0] = i, r->first_wide[1] = j;
        } else if (!(st = cj_cka_compare(x, y, r->n, p, q, &cm, &e))) {
            v[CJ_ACTS_PROCRUSTES] = cm.procrustes;
            v[CJ_ACTS_CCA_MEAN] = cm.cca_mean;
            v[CJ_ACTS_CCA_R2] = cm.cca_r2;
        }
    }
    if (st) return cj_fail(err, st, "%s x %s: %s", r->a->paths[i], r->b->paths[j], e.msg);
    for (int u = K_RBF; u <= K_RBF_UNBIASED; u++) {
        cj_acts_measure m = u == K_RBF_UNBIASED ? CJ_ACTS_CKA_RBF_DEBIASED : CJ_ACTS_CKA_RBF;
        if (!r->want[m]) continue;
        kernel kb;
        if ((st = kernel_b(r, yb, j, u, &kb, err))) return st;
        v[m] = kernel_cka(&ka[u], &kb, r->n);
    }
    return CJ_OK;
}

static cj_status check_opts(const cj_acts_folder *a, const cj_acts_folder *b, const cj_acts_cka_opts *o, run *r,
                            cj_error *err)
{
    cj_status st = cj_acts_same_stimuli(a, b, err);
    if (st) return st;
    if (o->n_measures < 1) return cj_fail(err, CJ_ERR_ARG, "cka: no measure asked for");
    int debiased = 0, rbf = 0;
    for (int k = 0; k < o->n_measures; k++) {
        int m = o->measures[k];
        if (m < 0 || m >= CJ_ACTS_N_MEASURES) return cj_fail(err, CJ_ERR_ARG, "cka: measure %d is unknown", m);
        if (r->want[m]) return cj_fail(err, CJ_ERR_ARG, "cka: measure %s asked for twice", MEASURE_NAMES[m]);
        r->want[m] = 1;
        debiased |= m == CJ_ACTS_CKA_LINEAR_DEBIASED || m == CJ_ACTS_CKA_RBF_DEBIASED;
        rbf |= m == CJ_ACTS_CKA_RBF || m == CJ_ACTS_CKA_RBF_DEBIASED;
    }
    if (rbf && !(o->rbf_threshold > 0 && isfinite(o->rbf_threshold)))
        return cj_fail(err, CJ_ERR_ARG, "cka: RBF threshold %g, expected a number > 0", o->rbf_threshold);
    if (a->n_stimuli < (debiased ? 4u : 2u))
        return cj_fail(err, CJ_ERR_ARG, "%s: %zu stimuli, at least %d are needed%s", a->dir, a->n_stimuli,
                       debiased ? 4 : 2, debiased ? " for the debiased estimators" : "");
    if (rbf && a->n_stimuli > 2147483647u)
        return cj_fail(err, CJ_ERR_ARG, "%s: %zu stimuli are too many for RBF kernels", a->dir, a->n_stimuli);
    return CJ_OK;
}

cj_status cj_acts_cka(const cj_acts_folder *a, const cj_acts_folder *b, int same_folder, const cj_acts_cka_opts *o,
                      double *out, cj_error *err)
{
    run r = {.a = a, .b = b, .o = o, .n = a->n_stimuli};
    cj_status st = check_opts(a, b, o, &r, err);
    if (st) return st;
    int la = a->n_layers, lb = b->n_layers, widest = 1;
    r.need[K_RBF] = r.want[CJ_ACTS_CKA_RBF];
    r.need[K_RBF_UNBIASED] = r.want[CJ_ACTS_CKA_RBF_DEBIASED];
    for (int i = 0; i < la; i++) {
        widest = a->features[i] > widest ? a->features[i] : widest;
        for (int j = 0; j < lb; j++)
            r.need[K_LINEAR] |= (r.want[CJ_ACTS_CKA_LINEAR] || r.want[CJ_ACTS_CKA_LINEAR_DEBIASED]) &&
                                gram_form(r.n, a->features[i], b->features[j]);
    }
    for (int j = 0; j < lb; j++) widest = b->features[j] > widest ? b->features[j] : widest;
    int kinds = r.need[K_RBF] + r.need[K_RBF_UNBIASED] + r.need[K_LINEAR];
    size_t nn = r.n * r.n;
    double budget = o->gram_cache_bytes ? (double)o->gram_cache_bytes : 2147483648.0;
    r.cache = kinds > 0 && 8.0 * nn * lb * kinds <= budget;
    int cached_rows = same_folder && r.cache; /* rows come from b's cache */
    float **yb = calloc((size_t)lb, sizeof *yb);
    if (!yb || !(r.mean = malloc(sizeof(double) * (size_t)widest)))
        st = cj_fail(err, CJ_ERR_NOMEM, "cka: out of memory");
    for (int u = 0; u < N_KINDS && !st; u++) {
        if (!r.need[u]) continue;
        if (!cached_rows) r.row[u] = malloc(sizeof(double) * nn);
        if (r.cache) r.kb[u] = calloc((size_t)lb, sizeof(kernel));
        if ((!cached_rows && !r.row[u]) || (r.cache && !r.kb[u]))
            st = cj_fail(err, CJ_ERR_NOMEM, "cka: no memory for %zu x %zu kernels", r.n, r.n);
    }
    if (!st && kinds && !r.cache && !(r.col = malloc(sizeof(double) * nn)))
        st = cj_fail(err, CJ_ERR_NOMEM, "cka: no memory for %zu x %zu kernels", r.n, r.n);
    for (int j = 0; j < lb && !st; j++) {
        int q;
        st = cj_acts_load(b, j, &yb[j], &q, err);
    }
    long total = same_folder ? (long)la * (la + 1) / 2 : (long)la * lb, done = 0;
    double v[CJ_ACTS_N_MEASURES];
    for (int i = 0; i < la && !st; i++) {
        float *x = NULL;
        int p;
        if (same_folder) x = yb[i];
        else st = cj_acts_load(a, i, &x, &p, err);
        /* the row's kernels (within one folder, those b's cache holds);
         * the linear one waits until a pair needs it */
        kernel ka[N_KINDS] = {{NULL, NAN, 0}, {NULL, NAN, 0}, {NULL, NAN, 0}};
        for (int u = 0; u < N_KINDS && !st; u++) {
            if (!r.need[u]) continue;
            if (cached_rows) st = kernel_b(&r, yb, i, u, &ka[u], err), ka[u].made = 1;
            else if (u != K_LINEAR) st = make_kernel(&r, x, a->features[i], a->paths[i], u, r.row[u], &ka[u], err);
        }
        for (int j = same_folder ? i : 0; j < lb && !st; j++) {
            st = one_pair(&r, x, i, yb, j, ka, v, err);
            for (int k = 0; k < o->n_measures && !st; k++) {
                int m = o->measures[k];
                out[((size_t)k * la + i) * lb + j] = v[m];
                if (same_folder) out[((size_t)k * la + j) * lb + i] = v[m];
            }
            done++;
            if (!st && o->progress && o->progress(o->user, done, total))
                st = cj_fail(err, CJ_ERR_INTERRUPTED, "cka: stopped after %ld of %ld pairs", done, total);
        }
        if (!same_folder) free(x);
    }
    if (!st && r.too_wide && o->warn) {
        char line[CJ_ERROR_MSG_MAX + 64];
        int i = r.first_wide[0], j = r.first_wide[1];
        snprintf(line, sizeof line, "procrustes and cca are NaN for %ld layer pair%s whose products would take over "
                 "%.3g GiB (%s x %s: %d + %d features, %zu stimuli)", r.too_wide, r.too_wide > 1 ? "s" : "",
                 (double)(o->shape_max_bytes ? o->shape_max_bytes : SHAPE_MAX_BYTES) / (1 << 30), a->paths[i],
                 b->paths[j], a->features[i], b->features[j], r.n);
        o->warn(o->user, line);
    }
    for (int j = 0; yb && j < lb; j++) free(yb[j]);
    free(yb);
    for (int u = 0; u < N_KINDS; u++) {
        free_kernels(r.kb[u], r.kb[u] ? lb : 0);
        free(r.row[u]);
    }
    free(r.col);
    free(r.mean);
    return st;
}
