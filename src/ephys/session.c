/* session.c — load one Kilosort/phy session folder (layout in
 * include/cajal/ephys.h): the probe geometry and shanks here, the cluster
 * labels in session_labels.c, the waveforms in session_waveforms.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/npy.h"
#include "session_internal.h"

enum { MAX_CHANNELS = 100000 };

/* The folder's base name, ignoring trailing slashes ("a/session1/" -> "session1"). */
static char *base_name(const char *dir)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/') start--;
    char *name = malloc(end - start + 1);
    if (name) {
        memcpy(name, dir + start, end - start);
        name[end - start] = '\0';
    }
    return name;
}

/* ---- probe geometry -------------------------------------------------------- */

static cj_status load_positions(const char *dir, cj_ephys_session *s, cj_error *err)
{
    char *path = cj_path_join(dir, "channel_positions.npy");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, err);
    if (!st && (a.ndim != 2 || a.shape[1] != 2 || a.shape[0] < 1 || a.shape[0] > MAX_CHANNELS)) {
        /* Report the shape before freeing the array that holds it. */
        char shape[96] = "";
        for (int d = 0, used = 0; d < a.ndim && used < (int)sizeof shape; d++)
            used += snprintf(shape + used, sizeof shape - (size_t)used, "%s%lld", d ? ", " : "",
                             (long long)a.shape[d]);
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: shape [%s] (%d-D), expected [channels, 2] with 1..%d channels", path,
                     shape, a.ndim, MAX_CHANNELS);
        cj_npy_free(&a);
    }
    for (size_t i = 0; !st && i < a.numel; i++)
        if (!isfinite(((const float *)a.data)[i])) {
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: channel %zu: %s position is not finite", path, i / 2,
                         i % 2 ? "y" : "x");
            cj_npy_free(&a);
        }
    if (!st) {
        s->n_channels = (int)a.shape[0];
        s->channel_pos = a.data; /* ownership moves to the session */
    }
    free(path);
    return st;
}

typedef struct {
    double v;
    int c;
} keyed;

static int by_value(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return a->c - b->c;
}

/* Number the groups of k[0..n) (sorted here) whose values are within `gap`
 * of their neighbour, 0, 1, ... in increasing value, into shank[]. */
static int number_groups(keyed *k, int n, double gap, int *shank)
{
    qsort(k, (size_t)n, sizeof *k, by_value);
    int g = 0;
    for (int i = 0; i < n; i++) {
        if (i && k[i].v - k[i - 1].v > gap) g++;
        shank[k[i].c] = g;
    }
    return g + 1;
}

/* channel_shanks.npy: one shank number per channel (Kilosort 4 writes it
 * as floats), renumbered 0.. in increasing order. */
static cj_status read_shanks(const char *path, cj_ephys_session *s, keyed *k, cj_error *err)
{
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F64, &a, err);
    if (st) return st;
    int n = s->n_channels;
    if (a.ndim != 1 || a.shape[0] != n)
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: shape [%lld%s] (%d-D), expected [%d] (one shank per channel)", path,
                     (long long)a.shape[0], a.ndim > 1 ? ", ..." : "", a.ndim, n);
    for (int c = 0; !st && c < n; c++) {
        double v = ((const double *)a.data)[c];
        if (!(v >= 0.0 && v <= 1e6) || v != floor(v))
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: channel %d: shank %g is not a shank number (0, 1, ...)", path, c,
                         v);
        k[c] = (keyed){v, c};
    }
    cj_npy_free(&a);
    if (!st) s->n_shanks = number_groups(k, n, 0.5, s->channel_shank);
    return st;
}

/* Shanks from channel_shanks.npy, or else from the x positions: a gap of
 * more than CJ_EPHYS_SHANK_GAP_UM between neighbouring x values starts a
 * new shank (Neuropixels 2.0 shanks are 250 µm apart, a shank's columns
 * 32 µm or less). */
static cj_status load_shanks(const char *dir, cj_ephys_session *s, cj_error *err)
{
    int n = s->n_channels;
    char *path = cj_path_join(dir, "channel_shanks.npy");
    s->channel_shank = malloc(sizeof(int) * (size_t)n);
    keyed *k = malloc(sizeof *k * (size_t)n);
    cj_status st = CJ_OK;
    struct stat sb;
    if (!path || !s->channel_shank || !k) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d channels", dir, n);
    } else if (stat(path, &sb) == 0) {
        st = read_shanks(path, s, k, err);
    } else {
        for (int c = 0; c < n; c++) k[c] = (keyed){s->channel_pos[2 * c], c};
        s->n_shanks = number_groups(k, n, CJ_EPHYS_SHANK_GAP_UM, s->channel_shank);
        s->shanks_inferred = 1;
    }
    free(k);
    free(path);
    return st;
}

/* ---- the session -------------------------------------------------------------- */

cj_status cj_ephys_session_load_opts(const char *dir, const cj_ephys_load_opts *o, cj_ephys_session *s,
                                     cj_error *err)
{
    memset(s, 0, sizeof *s);
    s->name = base_name(dir);
    if (!s->name) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    int *ids = NULL, n = 0;
    cj_status st = load_positions(dir, s, err);
    if (!st) st = load_shanks(dir, s, err);
    if (!st) st = cj_ephys_labels_read(dir, o->all_clusters, &ids, &n, &s->label_file, err);
    if (!st) st = cj_ephys_waveforms_load(dir, s, ids, n, err);
    free(ids);
    if (st) cj_ephys_session_free(s);
    return st;
}

cj_status cj_ephys_session_load(const char *dir, cj_ephys_session *s, cj_error *err)
{
    cj_ephys_load_opts o = {0};
    return cj_ephys_session_load_opts(dir, &o, s, err);
}

cj_status cj_ephys_session_rename(cj_ephys_session *s, const char *name, cj_error *err)
{
    char *copy = cj_path_printf("%s", name);
    if (!copy) return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory", s->name);
    free(s->name);
    s->name = copy;
    return CJ_OK;
}

void cj_ephys_session_free(cj_ephys_session *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_units; i++) free(s->units[i].waveform);
    free(s->units);
    free(s->channel_pos);
    free(s->channel_shank);
    for (int i = 0; i < s->n_warnings; i++) free(s->warnings[i]);
    free(s->warnings);
    free(s->name);
    memset(s, 0, sizeof *s);
}
