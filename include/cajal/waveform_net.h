/* waveform_net.h — waveform similarity for tracking units across sessions:
 * fixed-size features of each unit's waveform around its centroid, and a
 * small network that embeds them so that the cosine of two embeddings says
 * how alike two waveforms are (the waveform similarity of UnitMatch, van
 * Beest et al. 2024, doi:10.1038/s41592-024-02440-1, learnt instead of
 * hand-made).
 *
 * Training has two stages, both self-supervised (identities are never used):
 *   1. an autoencoder reconstructs the features of every unit's two
 *      half-session waveforms in all sessions (MSE, Adam);
 *   2. its encoder is fine-tuned with InfoNCE (cj_infonce_loss): in a
 *      mini-batch of units from one session, a unit's first-half and
 *      second-half embeddings are the positive pair, the other units of the
 *      batch the negatives (Adam).
 * The two halves of one session differ only by noise, whereas the same
 * neuron in another session is also seen from a probe that has moved. So
 * each view is augmented by moving the spatial window by up to a row
 * (aug_shift_rows) and the log-amplitude by a random gain: on simulated
 * recordings (5 sessions x 300 units, cj_ephys_simulate defaults, two data
 * seeds) this lifts the across-session AUC of true matches vs other neurons
 * within 100 µm from 0.984-0.986 (no shift) to 0.993-0.994; the cosine of
 * the raw features gives 0.972-0.974 and the untrained encoder 0.956-0.966.
 *
 * The similarity of two waveforms is the dot product of their unit-norm
 * embeddings, in [-1, 1]. */
#ifndef CAJAL_WAVEFORM_NET_H
#define CAJAL_WAVEFORM_NET_H

#include "cajal/ephys.h"
#include "cajal/model.h"
#include "cajal/rules.h"
#include "cajal/rng.h"
#include "cajal/status.h"

/* ==== features (src/ephys/waveform_features.c) ===========================
 * One vector per unit and half, the same length whatever the waveform
 * length (82 samples from Kilosort 2.5, 61 from Kilosort 4) and wherever the
 * unit sits on the probe:
 *
 *   space  The probe is read as rows of sites (equal y), each row's sites
 *          ordered by x; Neuropixels 1.0 has 192 rows 20 µm apart with two
 *          sites each, alternate rows staggered by 16 µm. The window is
 *          2*rows+1 rows centred on the unit's centroid (the
 *          amplitude-weighted mean row of the sites within two rows of the
 *          peak channel), read by linear interpolation between rows, times
 *          the first two sites of each row (a "left" and a "right" column).
 *          A rigid drift moves the centroid with the unit, so the unit stays
 *          where it was in the window; a window on the peak row instead
 *          jumps by whole rows as the unit crosses row boundaries (raw
 *          feature cosine across sessions: AUC 0.974 centred on the
 *          centroid, 0.940 on the peak row). The stagger is not undone: the
 *          left column holds x = 11 and 27 µm, the right 43 and 59 µm, in
 *          alternate rows. A drift by an even number of rows (40 µm) leaves
 *          the vector unchanged; any other drift samples the unit through a
 *          differently placed grid, which the shift augmentation above
 *          teaches the network to ignore. x across the probe is not
 *          re-centred, since rigid drift is along y. Rows past the probe
 *          ends read as zero. On a multi-shank probe the rows are per
 *          shank (cj_ephys_shank_of), and the window reads only the rows of
 *          the peak channel's shank: the others' rows read as zero too.
 *   time   From `pre` samples before to `post` after the trough of the peak
 *          channel (its minimum in the mean of both halves), as means of
 *          `step` consecutive samples (at 30 kHz; samples past the recorded
 *          length count as zero). The default (12 before, 37 after) fits in
 *          both lengths: Kilosort 4 keeps 20 samples before its trough.
 *   scale  Each half is divided by its own root-mean-square over the
 *          window, so the vector holds the shape and is blind to the gain
 *          that drifts across days; log10 of the half's peak-channel
 *          amplitude relative to 100 µV, times amp_weight, is appended as
 *          the last element (it barely changes the AUC: 0.992-0.994 for
 *          weights 0, 1 and 3).
 * Layout: x[(u * 2 + half) * dim + ((row + rows) * 2 + col) * n_times + t]
 * for row in -rows..rows, n_times = (pre + post) / step + 1, then the
 * log-amplitude at index dim - 1. */

typedef struct {
    int rows;          /* rows each side of the centre (default 4: +-80 µm on NP1.0) */
    int pre, post;     /* samples before/after the trough (default 12 and 36) */
    int step;          /* samples averaged into one element (default 2: 15 kHz) */
    float amp_weight;  /* scale of the log-amplitude element (default 1; 0 drops it) */
} cj_wavefeat_config;

/* The probe as rows of sites: rows by shank, then in increasing y, each
 * with its first two sites in increasing x (-1 where a row has fewer).
 * Built from a session's channel_positions and shanks. */
typedef struct {
    int n_rows;
    float *y_um;   /* owned: n_rows */
    int *site;     /* owned: n_rows x 2 channel indices */
    int n_channels;
    int *row_of;   /* owned: n_channels, the row of each channel */
    int *row_shank; /* owned: n_rows, the shank of each row (rows never span two shanks) */
} cj_wavefeat_probe;

cj_status cj_wavefeat_probe_build(cj_wavefeat_probe *p, const cj_ephys_session *s, cj_error *err);
void cj_wavefeat_probe_free(cj_wavefeat_probe *p);

/* Where a unit is, as the features see it. */
typedef struct {
    int peak_channel;  /* largest peak-to-peak amplitude in the mean of both halves */
    int trough;        /* sample of the peak channel's minimum (mean of both halves) */
    float row;         /* centroid as a fractional row index of the probe */
    float y_um;        /* the same in µm along the probe */
    float amp_uv[2];   /* peak-to-peak amplitude of the peak channel, per half */
} cj_wavefeat_unit;

void cj_wavefeat_defaults(cj_wavefeat_config *c);
/* CJ_ERR_ARG naming the field when one is out of range. */
cj_status cj_wavefeat_check(const cj_wavefeat_config *c, cj_error *err);
/* Length of one feature vector. */
int cj_wavefeat_dim(const cj_wavefeat_config *c);

/* Find where unit u of s is (peak channel, trough, centroid, amplitudes). */
void cj_wavefeat_locate(const cj_ephys_session *s, const cj_wavefeat_probe *p, int u,
                        cj_wavefeat_unit *info);
/* One feature vector (cj_wavefeat_dim floats) of unit u's half `half`,
 * with the window centre moved by shift_rows rows (0 for the features
 * themselves; the contrastive stage uses other values to augment).
 * Allocates nothing. */
void cj_wavefeat_fill(const cj_ephys_session *s, const cj_wavefeat_probe *p, const cj_wavefeat_config *c,
                      const cj_wavefeat_unit *info, int u, int half, float shift_rows, float *x);
/* Features of every unit and half of s into x (s->n_units * 2 *
 * cj_wavefeat_dim floats); where each unit is into info (n_units entries)
 * when info is not NULL. */
cj_status cj_wavefeat_extract(const cj_ephys_session *s, const cj_wavefeat_config *c, float *x,
                              cj_wavefeat_unit *info, cj_error *err);

/* ==== network (src/ephys/waveform_net.c) =================================
 * encoder      "dense hidden, tanh, dense dim"          features -> embedding
 * autoencoder  the encoder's layers + "dense hidden, tanh, dense in_dim", as
 *              one cj_model: the encoder's parameters are a prefix of its
 *              parameter buffer and are copied over after stage 1.
 * Nothing is allocated per step: batches are filled straight into the
 * models' input buffers and InfoNCE writes its gradient into the encoder's
 * output-gradient buffer.
 *
 * Defaults, measured on simulated 5 x 300-unit sets (AUC of true matches
 * vs other neurons within 100 µm, across sessions; it varies by ~0.001
 * between training seeds): the window shift is what matters, 0/0.5/1 rows
 * giving 0.964/0.987/0.991 (tau 0.1) and 1.5 no more than 1; at shift 1,
 * tau 0.1/0.2/0.3/0.5 give 0.991/0.993/0.994/0.992-0.995; hidden
 * 32/64/128/256 give 0.990/0.993/0.994/0.994 and dim 16/32/64 the same
 * within noise. Longer training (30 + 50 epochs), bigger or smaller
 * batches, a higher learning rate and a noise augmentation gain nothing
 * measurable; the autoencoder stage adds ~0.001 over contrastive training
 * alone (0.993 vs 0.992). With these defaults training takes about 1.5 s for 1,500 units on
 * one core. */

typedef struct {
    cj_wavefeat_config features;
    int hidden;            /* tanh units in encoder and decoder (default 64) */
    int dim;               /* embedding size (default 32) */
    int ae_epochs;         /* autoencoder epochs over all halves (default 10; 0 skips) */
    int ae_batch;          /* halves per autoencoder batch (default 64) */
    float ae_lr;           /* Adam learning rate (default 1e-3) */
    int nce_epochs;        /* contrastive epochs over all units (default 20; 0 skips) */
    int nce_batch;         /* most units per contrastive batch, all from one session
                            * (default 64; a session's units are split evenly) */
    float nce_lr;          /* Adam learning rate (default 1e-3) */
    float tau;             /* InfoNCE temperature (default 0.3) */
    /* Augmentation of each view in the contrastive stage. */
    float aug_shift_rows;  /* window centre moved by U(-a, a) rows (default 1) */
    float aug_gain;        /* log10-amplitude moved by N(0, aug_gain^2) (default 0.05) */
    /* The learning rule of both stages (default backprop): any rule of
     * rules.h with the library's own training step, e.g. &cj_rule_fa to
     * train the contrastive stage by feedback alignment. */
    const cj_rule_ops *rule;
} cj_wavenet_config;

typedef struct {
    cj_wavenet_config cfg;
    int in_dim;              /* cj_wavefeat_dim(&cfg.features) */
    cj_model encoder;        /* in_dim -> dim; owned */
    /* Training curves, one mean loss per epoch (owned; NULL for a skipped stage). */
    float *ae_loss;          /* ae_epochs entries: MSE per feature element */
    float *nce_loss;         /* nce_epochs entries: InfoNCE per pair */
    double ae_seconds;       /* locating the units and stage 1 */
    double nce_seconds;      /* stage 2 */
} cj_wavenet;

void cj_wavenet_defaults(cj_wavenet_config *c);
/* CJ_ERR_ARG naming the field when one is out of range. */
cj_status cj_wavenet_check(const cj_wavenet_config *c, cj_error *err);

/* Train a new network on the units of all sessions. All randomness
 * (initial weights, batch order, augmentation) comes from rng, so a seed
 * fixes the result. On failure *net is left empty (safe to free). */
cj_status cj_wavenet_train(cj_wavenet *net, const cj_ephys_session *sessions, int n_sessions,
                           const cj_wavenet_config *cfg, cj_rng *rng, cj_error *err);

/* Unit-norm embeddings of every unit's two halves:
 * emb[(u * 2 + half) * dim + k], s->n_units * 2 * dim floats. Runs the
 * encoder in its own buffers, hence the non-const net (one thread at a
 * time per net). */
cj_status cj_wavenet_embed(cj_wavenet *net, const cj_ephys_session *s, float *emb, cj_error *err);

static inline int cj_wavenet_dim(const cj_wavenet *net) { return net->cfg.dim; }
void cj_wavenet_free(cj_wavenet *net);

#endif
