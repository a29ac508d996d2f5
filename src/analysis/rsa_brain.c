/* rsa_brain.c — brain RDMs for `cajal rsa` (cj_rsa_brain_load in
 * rsa_report.h): the 92-image set's .mat files, or a .npy RDM or stack. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/mat.h"
#include "cajal/npy.h"
#include "cajal/rsa_report.h"

static const char SUPPLEMENT[] = "Kriegeskorte_Neuron2008_supplementalData.mat";
static const char SUBJECTS[] = "92_brainRDMs.mat";

void cj_rsa_brain_free(cj_rsa_brain *b)
{
    if (!b) return;
    for (int r = 0; r < CJ_RSA_MAX_REGIONS; r++) {
        free(b->rdm[r]);
        free(b->subjects[r]);
    }
    cj_image_set_free(&b->images);
    memset(b, 0, sizeof *b);
}

/* A NaN or infinite dissimilarity would silently drop pairs from every
 * comparison; the brain side must be complete. */
static cj_status check_finite(const double *rdm, int n, const char *where, cj_error *err)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (!isfinite(rdm[cj_rdm_index(n, i, j)]))
                return cj_fail(err, CJ_ERR_NUMERIC, "%s: RDM entry (%d,%d) is %g: every dissimilarity must be finite",
                               where, i + 1, j + 1, rdm[cj_rdm_index(n, i, j)]);
    return CJ_OK;
}

static cj_status add_region(cj_rsa_brain *b, const char *name, int n, double *rdm, cj_error *err)
{
    if (b->n_regions >= CJ_RSA_MAX_REGIONS) {
        free(rdm);
        return cj_fail(err, CJ_ERR_ARG, "more than %d brain regions", CJ_RSA_MAX_REGIONS);
    }
    int r = b->n_regions++;
    snprintf(b->names[r], sizeof b->names[r], "%s", name);
    b->rdm[r] = rdm;
    b->n = n;
    return CJ_OK;
}

/* The 1 x len vector at expr (condensed already). */
static cj_status mat_condensed(cj_mat_file *f, const char *expr, int *n, double **out, cj_error *err)
{
    cj_mat_array a;
    cj_status st = cj_mat_read(f, expr, CJ_MAT_F64, &a, err);
    if (st) return st;
    if (a.numel > 0 && a.ndim == 2 && a.shape[0] == a.shape[1] && a.shape[0] > 1) {
        /* a square matrix */
        *n = (int)a.shape[0];
        *out = malloc(sizeof(double) * cj_rdm_len(*n));
        st = *out ? cj_rdm_from_square(a.data, *n, *out, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    } else if (!(st = cj_rdm_stimuli(a.numel, n, err))) {
        *out = a.data;
        a.data = NULL;
    }
    if (st) {
        char why[CJ_ERROR_MSG_MAX] = "";
        if (err) memcpy(why, err->msg, sizeof why);
        st = cj_fail(err, st, "%s: %s: %s", cj_mat_path(f), expr, why);
    }
    cj_mat_array_free(&a);
    if (st) {
        free(*out);
        *out = NULL;
    }
    return st;
}

static cj_status load_rsa92(const char *dir, cj_rsa_brain *b, cj_error *err)
{
    static const char *const region[2] = {"monkey_IT", "human_IT"};
    char *path = cj_path_join(dir, SUPPLEMENT), *spath = cj_path_join(dir, SUBJECTS);
    cj_mat_file *f = NULL;
    cj_status st = path && spath ? cj_mat_open(path, &f, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < 2; r++) {
        char expr[64];
        snprintf(expr, sizeof expr, "RDMs_mIT_hIT_fig1(%d).RDM", r + 1);
        double *rdm = NULL;
        int n = 0;
        if (!(st = mat_condensed(f, expr, &n, &rdm, err)) && r == 1 && n != b->n)
            st = cj_fail(err, CJ_ERR_SHAPE, "%s: %s has %d stimuli but monkey IT %d", path, expr, n, b->n);
        if (!st) {
            snprintf(expr, sizeof expr, "%s: RDMs_mIT_hIT_fig1(%d).RDM", path, r + 1);
            st = check_finite(rdm, n, expr, err);
        }
        if (!st) st = add_region(b, region[r], n, rdm, err);
        else free(rdm);
    }
    cj_mat_close(f);
    if (!st) st = cj_image_set_load(path, &b->images, err);
    if (!st && b->images.n != b->n)
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: %d images but the RDMs have %d stimuli", path, b->images.n, b->n);
    /* 4 subjects x 2 sessions of human IT: each subject's sessions averaged
     * (Nili et al. 2014). */
    f = NULL;
    if (!st) st = cj_mat_open(spath, &f, err);
    cj_mat_info info;
    if (!st) st = cj_mat_info_of(f, "RDMs", &info, err);
    if (!st && (info.ndim != 3 || info.shape[0] != 1 || info.shape[1] < 2 || info.shape[1] > 64 || info.shape[2] < 1 ||
                info.shape[2] > 16))
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: RDMs is not a 1 x subjects x sessions struct array", spath);
    size_t len = cj_rdm_len(b->n);
    int S = st ? 0 : (int)info.shape[1], K = st ? 0 : (int)info.shape[2];
    double *subj = st ? NULL : malloc(sizeof(double) * len * S), *sess = st ? NULL : malloc(sizeof(double) * len * K);
    if (!st && (!subj || !sess)) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int s = 0; !st && s < S; s++) {
        for (int k = 0; !st && k < K; k++) {
            char expr[64];
            snprintf(expr, sizeof expr, "RDMs(1,%d,%d).RDM", s + 1, k + 1);
            double *rdm = NULL;
            int n = 0;
            if (!(st = mat_condensed(f, expr, &n, &rdm, err)) && n != b->n)
                st = cj_fail(err, CJ_ERR_SHAPE, "%s: %s has %d stimuli but %s %d", spath, expr, n, path, b->n);
            if (!st) {
                char where[160];
                snprintf(where, sizeof where, "%s: %s", spath, expr);
                st = check_finite(rdm, n, where, err);
            }
            if (!st) memcpy(sess + len * k, rdm, sizeof(double) * len);
            free(rdm);
        }
        if (!st) cj_rdm_mean(sess, K, len, subj + len * s);
    }
    cj_mat_close(f);
    free(sess);
    if (!st) {
        b->subjects[1] = subj;
        b->n_subjects[1] = S;
    } else {
        free(subj);
    }
    free(path);
    free(spath);
    return st;
}

static cj_status load_npy(const char *path, cj_rsa_brain *b, cj_error *err)
{
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F64, &a, err);
    if (st) return st;
    int S = a.ndim == 3 ? (int)a.shape[0] : 1;
    int n = a.ndim >= 2 ? (int)a.shape[a.ndim - 1] : 0;
    if ((a.ndim != 2 && a.ndim != 3) || n < 3 || n > 100000 || a.shape[a.ndim - 2] != n || S < 1 || S > 100000) {
        cj_npy_free(&a);
        return cj_fail(err, CJ_ERR_SHAPE, "%s: a brain RDM must be [n, n] or [subjects, n, n] with n >= 3", path);
    }
    size_t len = cj_rdm_len(n);
    double *subj = malloc(sizeof(double) * len * S), *mean = malloc(sizeof(double) * len);
    if (!subj || !mean) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    for (int s = 0; !st && s < S; s++) {
        char where[CJ_ERROR_MSG_MAX / 2];
        if (S > 1) snprintf(where, sizeof where, "%s: subject %d", path, s + 1);
        else snprintf(where, sizeof where, "%s", path);
        st = cj_rdm_from_square((const double *)a.data + (size_t)s * n * n, n, subj + len * s, err);
        if (st) {
            char why[CJ_ERROR_MSG_MAX] = "";
            if (err) memcpy(why, err->msg, sizeof why);
            st = cj_fail(err, st, "%s: %s", where, why);
        }
        if (!st) st = check_finite(subj + len * s, n, where, err);
    }
    cj_npy_free(&a);
    if (!st) {
        cj_rdm_mean(subj, S, len, mean);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char name[64];
        size_t bl = strlen(base) > 4 ? strlen(base) - 4 : strlen(base);
        snprintf(name, sizeof name, "%.*s", (int)(bl < 63 ? bl : 63), base);
        st = add_region(b, name, n, mean, err);
        mean = NULL;
        if (!st && S > 1) {
            b->subjects[0] = subj;
            b->n_subjects[0] = S;
            subj = NULL;
        }
    }
    free(mean);
    free(subj);
    return st;
}

cj_status cj_rsa_brain_load(const char *path, cj_rsa_brain *b, cj_error *err)
{
    memset(b, 0, sizeof *b);
    struct stat sb;
    if (stat(path, &sb) != 0) return cj_fail(err, CJ_ERR_IO, "%s: no such file or folder (--brain)", path);
    size_t l = strlen(path);
    cj_status st = S_ISDIR(sb.st_mode) ? load_rsa92(path, b, err)
                   : l > 4 && !strcmp(path + l - 4, ".npy")
                       ? load_npy(path, b, err)
                       : cj_fail(err, CJ_ERR_ARG, "%s: --brain takes the rsa92 folder or a .npy RDM", path);
    if (st) cj_rsa_brain_free(b);
    return st;
}
