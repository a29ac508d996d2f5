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

/* ==== sessions (src/ephys/session.c) =====================================
 * A session folder in the Kilosort/phy layout that UnitMatch reads:
 *   channel_positions.npy            channels x 2 (x, y) in µm
 *   cluster_group.tsv                "cluster_id\tgroup", units labelled good
 *     (or, if absent, cluster_bc_unitType.tsv: "cluster_id\tbc_unitType",
 *      units labelled GOOD, as written by bombcell)
 *   RawWaveforms/Unit<id>_RawSpikes.npy
 *                                    samples x channels x 2: the unit's mean
 *                                    waveform over the first and the second
 *                                    half of the session (82 samples from
 *                                    Kilosort 2.5, 61 from Kilosort 4)
 * Only units labelled good are loaded. */

typedef struct {
    int id;          /* cluster id as in the .tsv and the file name */
    float *waveform; /* owned: n_samples x n_channels x 2, C order, as in the file */
} cj_ephys_unit;

typedef struct {
    char *name;          /* owned: the folder's base name, e.g. "session1" */
    int n_channels;
    float *channel_pos;  /* owned: n_channels x 2, (x, y) in µm */
    int n_samples;       /* waveform length (the same for every unit) */
    int n_units;
    cj_ephys_unit *units; /* owned: good units in the order of the .tsv */
} cj_ephys_session;

/* Load the session in folder `dir`. On failure *s is left empty and err
 * names the file at fault. Free with cj_ephys_session_free. */
cj_status cj_ephys_session_load(const char *dir, cj_ephys_session *s, cj_error *err);
void cj_ephys_session_free(cj_ephys_session *s);

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
