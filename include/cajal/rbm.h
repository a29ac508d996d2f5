/* rbm.h — the Bernoulli–Bernoulli restricted Boltzmann machine: V binary
 * visible units v, H binary hidden units h, energy
 *
 *     E(v, h) = -v·b - h·c - h^T W v,     W [H, V], b [V], c [H],
 *
 * p(h_j = 1 | v) = σ(c_j + W_j v) and p(v_i = 1 | h) = σ(b_i + (h^T W)_i)
 * (Hinton 2002; Hinton 2010, "A practical guide to training RBMs"). The
 * free energy F(v) = -v·b - Σ_j softplus(c_j + W_j v) gives
 * log p(v) = -F(v) - log Z.
 *
 * Training (cj_rbm_trainer): contrastive divergence CD-k (Hinton 2002) or
 * persistent CD (Tieleman 2008), SGD with momentum and L2 weight decay on W
 * (Hinton 2010, sec. 9-10). Every random draw of an update comes in as an
 * array of uniforms, so a test can hand the same draws to a NumPy
 * reference; a state is 1 where its uniform is below its probability.
 *
 * Evaluation: pseudo-log-likelihood (one flipped bit per sample, as
 * scikit-learn's BernoulliRBM.score_samples), reconstruction error, the
 * exact log Z of a small machine by enumeration, and log Z by annealed
 * importance sampling (Salakhutdinov & Murray 2008).
 *
 * Saved as model.safetensors with the tensors "W" [H, V], "v_bias" [V] and
 * "h_bias" [H] (the names of the common PyTorch RBM code:
 * `self.W = nn.Parameter(torch.randn(n_hid, n_vis) * 1e-2)`). */
#ifndef CAJAL_RBM_H
#define CAJAL_RBM_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/io.h"
#include "cajal/rng.h"
#include "cajal/status.h"

typedef enum { CJ_RBM_CD, CJ_RBM_PCD } cj_rbm_method;

/* "cd" or "pcd"; anything else is CJ_ERR_CONFIG naming the value. */
cj_status cj_rbm_method_parse(const char *name, cj_rbm_method *m, cj_error *err);
const char *cj_rbm_method_name(cj_rbm_method m);

/* The [rbm] section of an experiment file (docs/experiment-file.md). */
typedef struct {
    cj_rbm_method method;
    int k;                   /* Gibbs steps of the negative phase */
    float initial_momentum;  /* momentum of the first momentum_epochs epochs (Hinton 2010: 0.5) ... */
    int momentum_epochs;     /* ... then optim.momentum (0.9) */
    int ais_runs;            /* M annealing runs (0: no AIS) */
    int ais_betas;           /* intermediate distributions K (Salakhutdinov & Murray: 14,500) */
    int sample_steps;        /* Gibbs steps of the longest chain in samples.png */
} cj_rbm_config;

cj_rbm_config cj_rbm_config_defaults(void);

/* "rbm H" (blanks around the parts allowed): H hidden units, 1 to 100,000.
 * *is_rbm is 0 for any other model.layers (then nothing else is checked),
 * and a malformed "rbm ..." is CJ_ERR_CONFIG naming the value. */
cj_status cj_rbm_parse_layers(const char *layers, int *is_rbm, int *hidden, cj_error *err);

typedef struct {
    int visible, hidden;
    float *W;  /* [hidden, visible] */
    float *b;  /* visible bias [visible] */
    float *c;  /* hidden bias [hidden] */
    float *block; /* owns W, b and c */
} cj_rbm;

/* Zeroed parameters. */
cj_status cj_rbm_create(cj_rbm *r, int visible, int hidden, cj_error *err);
void cj_rbm_free(cj_rbm *r);

/* Hinton 2010, sec. 8: W ~ N(0, 0.01^2), c = 0, b_i = log(p_i / (1 - p_i))
 * for the data's marginals p (NULL: b = 0). */
void cj_rbm_init(cj_rbm *r, const float *marginals, cj_rng *rng);

/* Laplace-smoothed marginals p_i = (Σ_n v_ni + 1) / (n + 2) of n binary
 * rows v [n, V], so their log-odds are finite (the base-rate model of AIS
 * and the visible-bias initialisation). */
void cj_rbm_marginals(const float *v, int n, int V, float *p);

/* ph [B, H] = σ(v W^T + c) and pv [B, V] = σ(h W + b) (one GEMM each). */
void cj_rbm_hidden_probs(const cj_rbm *r, const float *v, int B, float *ph);
void cj_rbm_visible_probs(const cj_rbm *r, const float *h, int B, float *pv);
/* x_i = 1 where u_i < p_i, else 0. */
void cj_rbm_sample(const float *p, const float *u, size_t n, float *x);

/* F[n] for rows v [B, V]; scratch [B, H]. In double: log p(v) differences
 * of a few nats out of hundreds. */
void cj_rbm_free_energy(const cj_rbm *r, const float *v, int B, float *scratch, double *F);

/* ---- training ------------------------------------------------------------ */

typedef struct {
    int batch, k;
    cj_rbm_method method;
    int V, H;
    float *ph0, *h, *v, *ph, *pv;   /* [batch, H], [batch, H], [batch, V], [batch, H], [batch, V] */
    float *dW, *db, *dc;            /* the gradient of the mean log-likelihood estimate (ascent) */
    float *vW, *vb, *vc;            /* momentum ("velocity") of each */
    float *chain;                   /* PCD: the persistent chains' hidden states [batch, H] */
    int chain_started;              /* PCD: chain holds states (set by the first update) */
    float *block;
} cj_rbm_trainer;

cj_status cj_rbm_trainer_init(cj_rbm_trainer *t, const cj_rbm *r, int batch, cj_rbm_method method, int k,
                              cj_error *err);
void cj_rbm_trainer_free(cj_rbm_trainer *t);

/* Uniforms one update of B data rows takes: B H for the data's hidden
 * states h0, then per Gibbs step R V for the visible and R H for the hidden
 * states (in that order, row-major), R = B for CD and `batch` chains for
 * PCD. */
size_t cj_rbm_uniforms(const cj_rbm_trainer *t, int B);

/* The CD-k / PCD-k gradient from B <= batch data rows v0 [B, V] (0/1) and
 * the uniforms u (cj_rbm_uniforms(t, B) of them):
 *   positive phase  ph0 = p(h | v0), h0 = sample(ph0);
 *   negative phase  from h0 (CD) or the persistent chains (PCD; the first
 *                   update starts them at h0, which needs B = batch), k times
 *                   v = sample(p(v | h)), ph = p(h | v), h = sample(ph);
 *   dW = ph0^T v0 / B - ph^T v / R,  db = mean(v0) - mean(v),
 *   dc = mean(ph0) - mean(ph)
 * (Hinton 2010, sec. 3: probabilities, not states, for the hidden units'
 * statistics). PCD keeps the last h as the chains' state. */
void cj_rbm_gradient(cj_rbm_trainer *t, const cj_rbm *r, const float *v0, int B, const float *u);

/* SGD with momentum and weight decay (Hinton 2010, sec. 9-10):
 * vel = momentum vel + lr (grad - weight_decay W) for W (decay 0 for the
 * biases), then param += vel. */
void cj_rbm_update(cj_rbm_trainer *t, cj_rbm *r, float lr, float momentum, float weight_decay);

/* ---- evaluation ------------------------------------------------------------ */

/* Pseudo-log-likelihood of each row of v [B, V], stochastic as
 * scikit-learn's BernoulliRBM.score_samples: with bit flip[n] of row n
 * flipped into v', pl[n] = V log σ(F(v') - F(v)). scratch: B H floats. */
void cj_rbm_pseudo_likelihood(const cj_rbm *r, const float *v, int B, const int *flip, float *scratch,
                              double *pl);

/* Mean over rows of Σ_i (v_i - p(v_i = 1 | h = p(h | v)))^2: the squared
 * error of a mean-field reconstruction, in pixels per image. scratch:
 * B H + B V floats. */
double cj_rbm_reconstruction_error(const cj_rbm *r, const float *v, int B, float *scratch);

/* Mean of -F(v) - log_z over n rows: the average log-likelihood in nats. */
cj_status cj_rbm_mean_log_prob(const cj_rbm *r, const float *v, int n, double log_z, double *mean,
                               cj_error *err);

/* log Z exactly, by enumerating the smaller layer (at most 24 units; else
 * CJ_ERR_ARG). */
cj_status cj_rbm_log_z_exact(const cj_rbm *r, double *log_z, cj_error *err);

/* ---- annealed importance sampling (Salakhutdinov & Murray 2008) ---------- */

/* The intermediate distributions p_k(v) ∝ exp((1 - β_k) v·b_A + β_k v·b)
 * Π_j (1 + exp(β_k (c_j + W_j v))) go from the base-rate model (β = 0:
 * visible biases b_A, no weights; log Z_A = Σ_i softplus(b_A,i) + H log 2)
 * to the RBM (β = 1). */
typedef struct {
    int runs;       /* M */
    int betas;      /* K: β_0 = 0 < ... < β_K = 1 */
    uint64_t seed;
} cj_rbm_ais_opts;

typedef struct {
    double log_z;                 /* log Ẑ = log Z_A + log mean_m w_m */
    double log_z_lo, log_z_hi;    /* log(Ẑ ∓ 3 σ̂), σ̂ = Z_A sd(w) / sqrt(M); lo = -inf when Ẑ - 3σ̂ <= 0 */
    double log_z_base;            /* log Z_A */
    double log_w_sd;              /* standard deviation of the M log-weights */
} cj_rbm_ais_result;

/* β_0..β_K (K + 1 values) on Salakhutdinov & Murray's schedule: uniform
 * steps over [0, 0.5], [0.5, 0.9] and [0.9, 1] with 500, 4,000 and 10,000
 * of their 14,500 intermediate distributions, scaled to K (K >= 3). */
void cj_rbm_ais_schedule(int K, double *beta);

/* log Z of r by AIS from the base rates b_A [V] (log-odds of the training
 * marginals). Allocates its M-run buffers; o->seed fixes every draw. */
cj_status cj_rbm_ais(const cj_rbm *r, const float *base_bias, const cj_rbm_ais_opts *o, cj_rbm_ais_result *res,
                     cj_error *err);

/* ---- files and figures ------------------------------------------------------ */

/* model.safetensors: "W", "v_bias", "h_bias" and the metadata entries given
 * (the "format": "pt" entry and "model": "rbm" come first), atomically. */
cj_status cj_rbm_save(const cj_rbm *r, const char *path, int n_meta, const cj_meta_entry *meta, cj_error *err);
/* A file cj_rbm_save wrote (or PyTorch with those names): the three
 * tensors with consistent shapes, finite values; errors name the file and
 * tensor. r is created here. */
cj_status cj_rbm_load(cj_rbm *r, const char *path, cj_error *err);
/* The same from a file already read (path names it in messages). */
cj_status cj_rbm_from_file(cj_rbm *r, const cj_safetensors *file, const char *path, cj_error *err);
/* The "epoch" metadata of an RBM file ("model" = "rbm"), or -1. */
int cj_rbm_file_epoch(const cj_safetensors *file);

/* samples.png: `chains` rows of `cols` images side by side [chains, cols,
 * side*side] (values in [0, 1], black = 0), column j headed by its label
 * ("step 10"), each row by row_labels[row] (may be NULL). */
cj_status cj_rbm_write_chains(const char *png, const float *images, int chains, int cols, int side,
                              const char *const *col_labels, const char *const *row_labels, const char *title,
                              cj_error *err);

#endif
