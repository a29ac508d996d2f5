/* lesion_study.h — a virtual lesion study of a saved image model (`cajal
 * lesion`): silence units of one layer (lesion.h) and measure again the
 * test accuracy and, given a stimulus set and brain RDMs, every layer's
 * RDM fit to each region; random unit sets of the same size in the same
 * layer give the distribution a targeted lesion is judged against (a
 * large drop says little unless random lesions of as many units do not
 * cause it; Morcos et al. 2018, ICLR).
 *
 *     cj_lesion_study_opts o = {.model_path = "runs/cnn/model.safetensors",
 *                               .test = {"t10k-images.gz", "t10k-labels.gz"},
 *                               .layer = "3", .units = "0-15", .seed = 1, .controls = 20,
 *                               .images = "rsa92/Kriegeskorte_Neuron2008_supplementalData.mat",
 *                               .brain = "rsa92", .batch = 256};
 *     cj_lesion_study s;
 *     if (cj_lesion_study_run(&o, &s, &err)) ...
 *     if (cj_lesion_study_write(&s, "runs/cnn/lesion", &err)) ...   // lesion.json, lesion.csv, lesion.png
 *     cj_lesion_study_free(&s);
 *
 * Measures. Row 0 is the test accuracy, row 1 the mean test loss (the
 * numbers `cajal eval` prints); with images, one row per layer and region
 * after them: the Kendall tau_a between the layer's RDM (correlation
 * distance over all its units, [stimuli, C*H*W]) and the region's (the
 * mean over its subjects when it has them), as `cajal rsa` computes its
 * table.csv value. A layer whose RDM is undefined (a stimulus with a
 * constant pattern) gives NaN there. Every model state — intact, lesioned,
 * each control — is measured on the same test samples and images. */
#ifndef CAJAL_LESION_STUDY_H
#define CAJAL_LESION_STUDY_H

#include <stdint.h>

#include "cajal/source.h"
#include "cajal/status.h"

typedef struct {
    const char *model_path;   /* a cajal model.safetensors (data_format idx or npy) */
    cj_data_files test;       /* the test set, in the format the model was trained on */
    const char *layer;        /* "3" or the name cajal record gives it, "3_conv2d" */
    const char *units;        /* a unit spec (cj_lesion_parse_units): "0-15", "3,7,9-12", "random:N" */
    uint64_t seed;            /* random:N, and the control sets */
    int controls;             /* random sets of as many units to lesion instead (0: none) */
    const char *images;       /* stimuli for the RDM fits (cj_image_set_load), with brain; NULL: none */
    const char *brain;        /* brain RDMs (cj_rsa_brain_load) */
    int batch;                /* samples per forward pass */
    /* Called (when not NULL) after each model state is measured: done of
     * total (2 + controls). */
    void (*progress)(void *user, int done, int total);
    void *user;
} cj_lesion_study_opts;

typedef struct {
    /* what was silenced */
    int layer, target;          /* the lesioned layer, and the one whose weights were cut (-1: none) */
    char layer_name[64];        /* "3_conv2d" */
    char target_name[64];       /* "7_dense", or "" */
    int layer_units;            /* units the layer has */
    int n_units, *units;        /* [n_units] the units silenced, increasing */
    int controls, *control_units; /* [controls, n_units] each control's units */
    /* the data */
    char *model_path, *test_inputs, *images, *brain;   /* copies (images, brain NULL without RDM fits) */
    char units_spec[256];
    uint64_t seed;
    int samples, stimuli;       /* test samples; images (0 without RDM fits) */
    /* the measures (see above): names and regions ("" for accuracy and loss) */
    int n_measures;
    char (*measure)[96], (*region)[64];
    int n_layers, n_regions;    /* the RDM rows are layer-major: 2 + layer * n_regions + region */
    double *intact, *lesioned;  /* [n_measures] */
    double *control;            /* [controls, n_measures] */
    char note[512];             /* the first undefined RDM's reason, or "" */
    int undefined;              /* NaN fits over every model state */
} cj_lesion_study;

/* Run the study: the model with its layer lesioned, each control, and
 * intact. Errors name the option and value: an unknown layer (listing the
 * layers), a unit spec the layer cannot take, a model trained on tasks
 * (use `cajal analyze lesion`), --images without --brain, stimuli the
 * brain RDMs do not have; or come from the files read. On failure nothing
 * needs freeing. */
cj_status cj_lesion_study_run(const cj_lesion_study_opts *o, cj_lesion_study *s, cj_error *err);

/* The control distribution of measure k: mean and standard deviation
 * (n - 1) over the controls where it is finite, and the two-sided
 * empirical p of the lesion's change against the controls' changes,
 *     p = (1 + #{c : |control_c - intact| >= |lesioned - intact|}) / (1 + n)
 * (Phipson & Smyth 2010: a permutation p is never 0). NaN without finite
 * controls. */
void cj_lesion_study_control(const cj_lesion_study *s, int k, double *mean, double *sd, double *p);

/* Write lesion.json, lesion.csv and lesion.png into out_dir (created if
 * missing; each file atomically). Columns and keys: docs/outputs.md. */
cj_status cj_lesion_study_write(const cj_lesion_study *s, const char *out_dir, cj_error *err);

void cj_lesion_study_free(cj_lesion_study *s);

#endif
