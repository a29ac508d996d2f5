/* acts.h — activations folders: a model's (or a brain area's) responses to
 * a set of stimuli, one .npy per layer, as `cajal record` writes them and
 * `cajal cka`, `cajal predict` and `cajal rsa` read them (issue 10's binding
 * format; docs/outputs.md, "Activations folders").
 *
 *     cj_acts_folder a;
 *     if (cj_acts_open("runs/cnn/acts", &a, &err)) ...   // names and shapes only
 *     for (int l = 0; l < a.n_layers; l++) {
 *         float *x; int p;
 *         if (cj_acts_load(&a, l, &x, &p, &err)) ...      // [a.n_stimuli, p]
 *         ...
 *         free(x);
 *     }
 *     cj_acts_close(&a);
 *
 *     cj_acts all;                                       // or every layer at once
 *     if (cj_acts_read("runs/cnn/acts", &all, &err)) ... // all.x[l] is [all.n, all.features[l]]
 *     cj_acts_free(&all);
 *
 * A folder holds:
 *   LAYER.npy    one per layer, shape [stimuli, ...] in stimulus order, any
 *                dtype cj_npy_read reads (read as float32); the trailing
 *                dimensions are flattened, C order, into features
 *                ([stimuli, C, H, W] -> C*H*W features; [stimuli, T, C] of a
 *                recurrent layer -> T*C, every time step a feature). A 1-D
 *                [stimuli] array is one feature.
 *   layers.txt   optional: the layers and their order, one per line, the
 *                first word of a line the file name (".npy" may be left
 *                off; the rest of the line, e.g. cajal record's module and
 *                shape, is ignored). Only the files it lists are layers.
 *                Without it every *.npy file is a layer (except hidden ones
 *                and rdm_*.npy, the RDMs cajal rsa writes), in file-name
 *                order with runs of digits compared as numbers ("2_relu"
 *                before "10_dense"), which is the order cajal record
 *                numbers them.
 *   stimuli.txt  optional: one stimulus name per line, as many as stimuli.
 * A layer's name is its file name without ".npy". Names may not hold
 * commas, quotes or control characters: they go into CSV columns and
 * comma-separated --layers lists as they are.
 *
 * Errors (one line naming the folder or file, and the value): a folder that
 * is missing or not a folder; no layer; a layers.txt entry that is not a
 * plain file name in the folder, or listed twice; a layer with no stimuli,
 * with more than 2^31 - 1 features, or with another number of stimuli than
 * the first layer; stimuli.txt with another number of lines; and, when the
 * data are read, a value that is NaN or infinite (naming the stimulus and
 * feature). Nothing here prints or keeps state. */
#ifndef CAJAL_ACTS_H
#define CAJAL_ACTS_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

typedef struct {
    char *dir;         /* the folder as given */
    int n_layers;
    char **names;      /* [n_layers] layer names (file names without .npy) */
    char **paths;      /* [n_layers] dir/NAME.npy */
    int *features;     /* [n_layers] product of each layer's trailing dimensions */
    int from_index;    /* 1 when layers.txt gave the layers and their order */
    size_t n_stimuli;  /* every layer's first dimension */
    char **stimuli;    /* [n_stimuli] names from stimuli.txt, or NULL without one */
} cj_acts_folder;

/* Find the layers of `dir` and read their .npy headers (not their data)
 * and stimuli.txt. On failure *out holds nothing to free. */
cj_status cj_acts_open(const char *dir, cj_acts_folder *out, cj_error *err);
void cj_acts_close(cj_acts_folder *f);

/* Layer `layer`'s responses as float32 [n_stimuli, *features] (C order; a
 * new allocation the caller frees), after checking that the file still has
 * the shape cj_acts_open saw and that every value is finite. */
cj_status cj_acts_load(const cj_acts_folder *f, int layer, float **x, int *features, cj_error *err);

/* The index of the layer called `name`, or -1. */
int cj_acts_find(const cj_acts_folder *f, const char *name);

/* Keep only the layers named in the comma-separated `list`, in its order
 * (e.g. "3_relu,7_dense"; spaces around names are ignored). An unknown,
 * empty or repeated name is CJ_ERR_ARG naming it and the folder's layers;
 * on failure the folder is unchanged. */
cj_status cj_acts_select(cj_acts_folder *f, const char *list, cj_error *err);

/* Whether two folders hold responses to the same stimuli: the same number
 * of stimuli, and when both have stimuli.txt, the same names in the same
 * order. CJ_ERR_SHAPE otherwise, naming both folders and the first line
 * that differs. */
cj_status cj_acts_same_stimuli(const cj_acts_folder *a, const cj_acts_folder *b, cj_error *err);

/* ---- a whole folder in memory ------------------------------------------ */

typedef struct {
    int n;            /* stimuli */
    int n_layers;
    char **layers;    /* [n_layers] names: the file name without .npy */
    float **x;        /* [n_layers] each [n, features[l]] row-major (trailing axes flattened) */
    size_t *features; /* [n_layers] */
    char **stimuli;   /* [n] names from stimuli.txt, or NULL when it is missing */
} cj_acts;

/* Every layer of `dir` read (cj_acts_open, then cj_acts_load of each), for
 * analyses that use them all at once (cajal rsa). Errors as cj_acts_open
 * and cj_acts_load, and more than 1,000,000 stimuli. On failure *out holds
 * nothing to free. */
cj_status cj_acts_read(const char *dir, cj_acts *out, cj_error *err);
void cj_acts_free(cj_acts *a);

/* Text-file parsers behind cj_acts_open, on text already in memory (for
 * the fuzzer and tests): the file names layers.txt lists, and the lines of
 * stimuli.txt. `what` names the file in errors. The arrays are new
 * allocations of *n strings; free them with cj_acts_free_names. */
cj_status cj_acts_parse_index(const char *text, size_t len, const char *what, char ***names, int *n,
                              cj_error *err);
cj_status cj_acts_parse_stimuli(const char *text, size_t len, const char *what, char ***lines, size_t *n,
                                cj_error *err);
void cj_acts_free_names(char **names, size_t n);

/* strcmp with runs of decimal digits compared as numbers ("2_relu" <
 * "10_dense"; equal numbers with more leading zeros sort after), the order
 * of layer files without layers.txt. */
int cj_acts_name_cmp(const char *a, const char *b);

/* ---- every layer of one folder against every layer of another -------- */

/* The measures of cj_acts_cka, named as in cka.csv's `measure` column. */
typedef enum {
    CJ_ACTS_CKA_LINEAR,          /* "cka_linear": cj_cka_linear, biased */
    CJ_ACTS_CKA_LINEAR_DEBIASED, /* "cka_linear_debiased": cj_cka_linear, debiased */
    CJ_ACTS_CKA_RBF,             /* "cka_rbf": as cj_cka_rbf, biased */
    CJ_ACTS_CKA_RBF_DEBIASED,    /* "cka_rbf_debiased" */
    CJ_ACTS_PROCRUSTES,          /* "procrustes": cj_cka_compare's squared distance, in [0, 2] */
    CJ_ACTS_CCA_MEAN,            /* "cca_mean": cj_cka_compare's mean canonical correlation */
    CJ_ACTS_CCA_R2,              /* "cca_r2": Kornblith's R^2_CCA */
    CJ_ACTS_N_MEASURES
} cj_acts_measure;

/* "cka_linear", ...; NULL out of range. */
const char *cj_acts_measure_name(cj_acts_measure m);
/* The measure of that name, or -1. */
int cj_acts_measure_of(const char *name);

typedef struct {
    const cj_acts_measure *measures; /* [n_measures], each once */
    int n_measures;
    double rbf_threshold;            /* RBF bandwidth as a fraction of the median distance (cj_gram_rbf) */
    /* RBF kernels (n x n doubles each) are kept for every layer when they
     * fit in this many bytes, else made again for each pair; 0: 2 GiB. */
    size_t gram_cache_bytes;
    /* Procrustes and CCA of a pair are NaN (with a warning) when their
     * products would take more than this many bytes (cj_cka_compare_bytes);
     * 0: 4 GiB. */
    size_t shape_max_bytes;
    /* Called after each pair is done with how many are (of how many), and
     * with a line to pass on (a layer whose RBF kernel is undefined, its
     * row and column NaN); either may be NULL. A non-zero return from
     * progress stops the run with CJ_ERR_INTERRUPTED. */
    int (*progress)(void *user, long done, long total);
    void (*warn)(void *user, const char *message);
    void *user;
} cj_acts_cka_opts;

/* Every layer of a against every layer of b: out[(m * a->n_layers + i) *
 * b->n_layers + j] is measure m of a's layer i and b's layer j. The folders
 * must hold the same stimuli (cj_acts_same_stimuli). When they are the same
 * folder (same_folder = 1) the measures, all symmetric, are computed for
 * j >= i and mirrored. b's layers are held in memory together, a's one at
 * a time. Undefined values are NaN (cka.h): a constant layer, CCA of a
 * layer with as many features as stimuli, ... Procrustes and CCA need
 * (p + q)^2 doubles per pair when both layers have fewer features than
 * stimuli, else 3 n^2 (cj_cka_compare): a pair over shape_max_bytes gets
 * NaN for them, and one warning at the end counts such pairs and names the
 * first. Fewer than 2 stimuli (4 for a debiased measure) is CJ_ERR_ARG. */
cj_status cj_acts_cka(const cj_acts_folder *a, const cj_acts_folder *b, int same_folder, const cj_acts_cka_opts *o,
                      double *out, cj_error *err);

#endif
