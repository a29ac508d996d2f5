/* session_internal.h — the parts of the session loader (session.c) that
 * live in their own files; private to src/ephys/. */
#ifndef CAJAL_EPHYS_SESSION_INTERNAL_H
#define CAJAL_EPHYS_SESSION_INTERNAL_H

#include "cajal/ephys.h"

/* session.c: append one warning line to s (printf-style). */
cj_status cj_ephys_warn(cj_ephys_session *s, cj_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* session_labels.c: the cluster ids to load, in file order, from the first
 * label file of dir that exists; *file gets its name (static storage). */
cj_status cj_ephys_labels_read(const char *dir, int all_clusters, int **ids, int *n, const char **file,
                               cj_error *err);

/* session_waveforms.c: s->units from RawWaveforms/ (or templates.npy) for
 * the n cluster ids; needs s->n_channels. Dead units are skipped with a
 * warning; s->units holds the rest. */
cj_status cj_ephys_waveforms_load(const char *dir, cj_ephys_session *s, const int *ids, int n, cj_error *err);

#endif
