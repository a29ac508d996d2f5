/* ephys.h — extracellular recordings: loading spike-sorted sessions,
 * simulating them with known identities, and (later) tracking the same
 * neurons across sessions, as UnitMatch does
 * (van Beest et al. 2024, Nature Methods, doi:10.1038/s41592-024-02440-1).
 *
 * Each area of the API is grouped under its own heading and implemented in
 * its own file under src/ephys/. */
#ifndef CAJAL_EPHYS_H
#define CAJAL_EPHYS_H

#include <stdint.h>

#include "cajal/rng.h"
#include "cajal/status.h"

/* ==== sessions (src/ephys/session*.c) ====================================
 * A session folder in the Kilosort/phy layout that UnitMatch reads:
 *   channel_positions.npy            channels x 2 (x, y) in µm
 *   channel_shanks.npy               optional, channels: the shank of each
 *                                    channel (Kilosort 4 writes it); without
 *                                    it, shanks are inferred from gaps of
 *                                    more than CJ_EPHYS_SHANK_GAP_UM between
 *                                    the channels' x positions
 *   the cluster labels, the first of these that exists:
 *     cluster_group.tsv              "cluster_id\tgroup" (phy's curation;
 *                                    Kilosort 4's copy names the column KSLabel)
 *     cluster_bc_unitType.tsv        "cluster_id\tbc_unitType" (bombcell, GOOD)
 *     cluster_KSLabel.tsv            "cluster_id\tKSLabel" (Kilosort's own)
 *   the waveforms, one of:
 *     RawWaveforms/Unit<id>_RawSpikes.npy
 *                                    samples x channels x 2: the unit's
 *                                    waveform over the first and over the
 *                                    second half of its spikes (UnitMatch's
 *                                    ExtractAndSaveAverageWaveforms or
 *                                    bombcell with saveMultipleRaw; 82
 *                                    samples from Kilosort 2.5, 61 from 4)
 *     templates.npy                  clusters x samples x channels, Kilosort's
 *                                    templates (whitened), used for both
 *                                    halves when there is no RawWaveforms
 *                                    folder (with a warning)
 * Units labelled good are loaded (every listed cluster with all_clusters).
 * A non-finite sample is an error naming the file and unit; a unit whose
 * waveform (or one half of it) is all zero is skipped with a warning. */

enum { CJ_EPHYS_SHANK_GAP_UM = 100 }; /* x gap that separates two shanks, µm */

typedef struct {
    int id;          /* cluster id as in the .tsv and the file name */
    float *waveform; /* owned: n_samples x n_channels x 2, C order, as in the file */
} cj_ephys_unit;

typedef struct {
    char *name;          /* owned: the folder's base name, e.g. "session1" (see
                          * cj_ephys_session_names for names that tell folders apart) */
    int n_channels;
    float *channel_pos;  /* owned: n_channels x 2, (x, y) in µm */
    int *channel_shank;  /* owned: n_channels, shank 0 .. n_shanks-1 in increasing x
                          * (NULL in a hand-made session: one shank) */
    int n_shanks;
    int shanks_inferred; /* 1: from x gaps, 0: from channel_shanks.npy */
    int n_samples;       /* waveform length (the same for every unit) */
    int n_units;
    cj_ephys_unit *units; /* owned: good units in the order of the .tsv */
    const char *label_file; /* static: the label file the units came from */
    int from_templates;  /* 1: waveforms are templates.npy, both halves identical */
    int n_warnings;
    char **warnings;     /* owned: one line each (file, unit, what was done), for
                          * the caller to show; the library never prints */
} cj_ephys_session;

typedef struct {
    int all_clusters; /* 1: every cluster of the label file, whatever its label */
} cj_ephys_load_opts;

/* Load the session in folder `dir` (defaults: good units only). On failure
 * *s is left empty and err names the file at fault. Free with
 * cj_ephys_session_free. */
cj_status cj_ephys_session_load(const char *dir, cj_ephys_session *s, cj_error *err);
cj_status cj_ephys_session_load_opts(const char *dir, const cj_ephys_load_opts *o, cj_ephys_session *s,
                                     cj_error *err);
void cj_ephys_session_free(cj_ephys_session *s);

/* The shank of channel c (0 in a session without shank information). */
static inline int cj_ephys_shank_of(const cj_ephys_session *s, int c)
{
    return s->channel_shank ? s->channel_shank[c] : 0;
}

/* Replace s->name by a copy of `name`. */
cj_status cj_ephys_session_rename(cj_ephys_session *s, const char *name, cj_error *err);

/* Names that tell n session folders apart: each folder's shortest suffix
 * of path components (of its real path, links and ".." resolved) that no
 * other folder shares, e.g. "a/day1/kilosort4" and "b/day2/kilosort4" give
 * "day1/kilosort4" and "day2/kilosort4". names[i] are allocated (free
 * each). The same folder given twice is an error naming both arguments. */
cj_status cj_ephys_session_names(const char *const *dirs, int n, char **names, cj_error *err);

/* A warning when the order given looks like a shell glob's text order
 * rather than the recording order: the names' trailing numbers
 * (session2, session10) are not increasing. NULL when in order or when the
 * names carry no trailing number; else an allocated line (free it). */
char *cj_ephys_order_warning(const char *const *names, int n);

/* Element (t, c, half) of a unit's waveform. */
static inline float cj_ephys_wave_at(const cj_ephys_session *s, const cj_ephys_unit *u, int t, int c,
                                     int half)
{
    return u->waveform[((int64_t)t * s->n_channels + c) * 2 + half];
}

/* ==== simulated recordings (src/ephys/simulate.c) ========================
 * A generative model of chronic Neuropixels 1.0 recordings with known
 * identities, for testing and benchmarking unit matching. It writes
 *   DIR/session1 ... DIR/sessionN   session folders in the layout above
 *   DIR/truth.csv                   "session,unit,neuron": which neuron each
 *                                   good unit is (session = folder name)
 *   DIR/drift.csv                   "session,shift_um,within_shift_um": the
 *                                   rigid shift of the tissue along the probe
 *                                   (+y) relative to session1, and its motion
 *                                   within the session (second half minus
 *                                   first; the halves sit at shift_um -+
 *                                   within_shift_um / 2), in µm
 *   DIR/neurons.csv                 "neuron,x_um,y_um,z_um": each neuron's
 *                                   soma in the session-1 frame (z: distance
 *                                   from the probe plane); in session s it
 *                                   sits near (x, y + shift_um)
 * The model (details in simulate.c): neurons at fixed tissue positions
 * near a 384-site probe, amplitude decaying exponentially with distance,
 * a trough + after-hyperpolarisation shape per neuron that propagates
 * along the probe, independent noise per half-session mean, motion of the
 * probe within a session (each half's mean taken a few µm apart), a rigid
 * drift per session, slow changes of the waveform across sessions, and neurons
 * that disappear (and rarely reappear) while new ones appear. */

typedef struct {
    int n_sessions;       /* default 5 */
    int n_units;          /* good units per session, default 300 */
    float max_drift_um;   /* |shift| of each session vs session1, default 60 µm */
    float survival;       /* P(a unit of one session is in the next), default 0.8 */
    int n_samples;        /* 82 (Kilosort 2.5, default) or 61 (Kilosort 4) */
    float within_drift_um; /* sd of the rigid motion between the two halves of a
                            * session (one draw per session), default 2.5 µm;
                            * each half also jitters by a quarter of it */
} cj_ephys_sim_opts;

typedef struct {
    int n_sessions;
    int n_units;   /* good units written over all sessions */
    int n_neurons; /* distinct neurons among them */
} cj_ephys_sim_summary;

void cj_ephys_sim_defaults(cj_ephys_sim_opts *o);
/* CJ_ERR_ARG naming the option when one is out of range. */
cj_status cj_ephys_sim_check(const cj_ephys_sim_opts *o, cj_error *err);
/* Simulate into `dir` (created if missing; existing files of the same names
 * are replaced). All randomness comes from `rng`, so a seed fixes every
 * byte written. `summary` may be NULL. */
cj_status cj_ephys_simulate(const char *dir, const cj_ephys_sim_opts *o, cj_rng *rng,
                            cj_ephys_sim_summary *summary, cj_error *err);

#endif
