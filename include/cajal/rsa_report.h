/* rsa_report.h — `cajal rsa`: model layers against brain RDMs, written as
 * table.csv, RDMs as .npy and figures (docs/analysis.md, "cajal rsa").
 *
 *     cj_rsa_brain b;
 *     cj_rsa_brain_load("../shared/data/rsa92", &b, &err);   // monkey IT, human IT (+ 4 subjects)
 *     cj_rsa_report_opts o;  cj_rsa_report_defaults(&o);
 *     cj_rsa_report(&acts, 1, names, &b, &o, "runs/cnn/rsa", &err);
 *     cj_rsa_brain_free(&b);
 */
#ifndef CAJAL_RSA_REPORT_H
#define CAJAL_RSA_REPORT_H
#include "cajal/acts.h"
#include "cajal/images.h"
#include "cajal/rsa.h"

enum { CJ_RSA_MAX_REGIONS = 8 };

typedef struct {
    int n;                                 /* stimuli */
    int n_regions;
    char names[CJ_RSA_MAX_REGIONS][64];    /* file-safe: "monkey_IT", "human_IT" */
    double *rdm[CJ_RSA_MAX_REGIONS];       /* [len] condensed: the region's (group) RDM */
    int n_subjects[CJ_RSA_MAX_REGIONS];    /* 0, or >= 2 subject RDMs ... */
    double *subjects[CJ_RSA_MAX_REGIONS];  /* ... [n_subjects, len]: fits are their mean and give the ceiling */
    cj_image_set images;                   /* the stimuli's images and categories when the source has them (n 0 if not) */
} cj_rsa_brain;

/* The brain RDMs of `path`:
 *  - a folder holding Kriegeskorte_Neuron2008_supplementalData.mat (the
 *    92-image set, ../shared/data/rsa92): monkey IT and human IT from
 *    RDMs_mIT_hIT_fig1, the human-IT subjects from 92_brainRDMs.mat (each
 *    subject's two sessions averaged; the figure-1 human-IT RDM is their
 *    mean), and the images with their categories;
 *  - a .npy file: one [n, n] RDM (region named after the file) or a
 *    [subjects, n, n] stack (their mean is the region RDM).
 * RDMs must be symmetric with a zero (or NaN) diagonal and finite
 * elsewhere: a NaN dissimilarity is refused, naming the file and entry. */
cj_status cj_rsa_brain_load(const char *path, cj_rsa_brain *b, cj_error *err);
void cj_rsa_brain_free(cj_rsa_brain *b);

typedef struct {
    cj_rdm_distance distance;              /* default correlation */
    int n_measures;
    cj_rsa_measure measures[CJ_RSA_MEASURES]; /* default tau_a */
    cj_rsa_boot_opts boot;                 /* 1000 stimulus bootstraps, seed 1 */
    int figures;                           /* 1: write the PNGs (default) */
} cj_rsa_report_opts;
void cj_rsa_report_defaults(cj_rsa_report_opts *o);

/* Compare every layer of each of n_models activation folders with each
 * region, writing into out_dir: table.csv (a leading `model` column when
 * n_models > 1), rdm_LAYER.npy per layer and rdm_REGION.npy per region
 * (square float32; with several models in out_dir/MODEL/), and figures
 * rsa_rdms.png, rsa_fit.png, rsa_mds.png. A layer fits a region with
 * subjects by the mean over subjects (rsatoolbox's evaluation), else by
 * its similarity to the region's RDM; dirs[i] is folder i (its
 * categories.csv colours the figures); ci is the 95% percentile interval
 * over the stimulus bootstraps; the ceiling is cj_rsa_noise_ceiling with
 * the plain mean pool (NaN without subjects). Fails when a folder's
 * stimuli are not the brain's n. */
cj_status cj_rsa_report(const cj_acts *acts, int n_models, const char *const *model_names,
                        const char *const *dirs, const cj_rsa_brain *b,
                        const cj_rsa_report_opts *o, const char *out_dir, cj_error *err);

/* The figures of one model (rsa_figures.c): fit[l * n_regions + r] with
 * ci [.., 2], the ceiling per region, the RDMs (layers then regions),
 * categories from b->images or `categories` ([n] names, may be NULL). */
typedef struct {
    int n, n_layers, n_regions;
    const char *const *layers;
    const double *const *layer_rdm;   /* [n_layers][len] */
    const double *fit, *ci;           /* first measure */
    const double *ceiling;            /* [n_regions, 2] */
    const char *measure;
    const char *const *categories;    /* [n] or NULL */
} cj_rsa_figure_data;
cj_status cj_rsa_figures(const cj_rsa_figure_data *d, const cj_rsa_brain *b, const char *out_dir, cj_error *err);

/* Classical (Torgerson) MDS of a condensed RDM of n stimuli into xy
 * [n, 2]: the top two eigenvectors of -1/2 J D^2 J scaled by the roots of
 * their eigenvalues, by power iteration with deflation. */
cj_status cj_rsa_mds(const double *rdm, int n, double *xy, cj_error *err);

#endif
