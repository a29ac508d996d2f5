/* eval_rbm.h — `cajal eval` of a model file that holds an RBM (metadata
 * model = rbm): log Z by AIS and the test log-likelihood. Private to
 * src/cli/. */
#ifndef CAJAL_CLI_EVAL_RBM_H
#define CAJAL_CLI_EVAL_RBM_H

/* Whether the safetensors file at `model` says it holds an RBM. */
int cj_eval_is_rbm(const char *model);

/* AIS (runs x betas, seeded by the model's training seed) from the base
 * rates of `train_images`, then the mean log-likelihood of `test_images`;
 * prints one line, writes `json` when not NULL. Returns the exit status. */
int cj_eval_rbm(const char *model, const char *test_images, const char *train_images, int runs, int betas,
                const char *json);

#endif
