/* activations.h — read an activations folder (the format of issue 10 and
 * docs/outputs.md): one LAYER.npy per layer, shape [stimuli, ...], all in
 * the same stimulus order; layers.txt (optional) lists the files in layer
 * order as the first word of each line (cj_record writes it), else every
 * *.npy except rdm_*.npy is a layer, in byte order of the names;
 * stimuli.txt (optional) names the stimuli, one per line. Whatever made
 * the folder — cajal record, NumPy, a PyTorch hook — `cajal rsa` reads it.
 *
 *     cj_acts a;
 *     if (cj_acts_read("runs/cnn/acts", &a, &err)) ...
 *     // a.layers[l] = "7_dense"; a.x[l] is [a.n, a.features[l]] float
 *     cj_acts_free(&a); */
#ifndef CAJAL_ACTIVATIONS_H
#define CAJAL_ACTIVATIONS_H
#include <stddef.h>
#include "cajal/status.h"

typedef struct {
    int n;            /* stimuli */
    int n_layers;
    char **layers;    /* [n_layers] names: the file name without .npy */
    float **x;        /* [n_layers] each [n, features[l]] row-major (trailing axes flattened) */
    size_t *features; /* [n_layers] */
    char **stimuli;   /* [n] names from stimuli.txt, or NULL when it is missing */
} cj_acts;

/* Fails naming the folder and file: no layers, a layer that is not
 * [stimuli, ...] float-convertible .npy, layers with different numbers of
 * stimuli, or a stimuli.txt whose line count is not the number of stimuli. */
cj_status cj_acts_read(const char *dir, cj_acts *out, cj_error *err);
void cj_acts_free(cj_acts *a);

#endif
