/* test_rbm.c — the Bernoulli–Bernoulli RBM (include/cajal/rbm.h): CD-1,
 * CD-3 and PCD gradients and SGD steps against NumPy on a fixed batch with
 * the same uniforms (tests/ref/rbm.safetensors from tools/make_rbm_refs.py),
 * free energy and pseudo-likelihood against NumPy (and through it
 * scikit-learn), the exact log Z by enumeration against NumPy's, AIS on a
 * tiny RBM against the exact log Z, the save/load round trip, and
 * `cajal train` on an RBM experiment: its files and its errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/io.h"
#include "cajal/rbm.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "harness.h"
#include "idx_fixture.h"

static cj_safetensors ref;
static const char *cajal;

static const float *get(const char *name, size_t expect)
{
    const cj_tensor *t = cj_safetensors_get(&ref, name);
    if (!t) {
        test_fail("tests/ref/rbm.safetensors has no %s", name);
        return NULL;
    }
    if (expect && cj_tensor_numel(t) != expect)
        test_fail("%s: %zu values, expected %zu", name, cj_tensor_numel(t), expect);
    return t->data;
}

/* max |a - b| */
static double max_abs(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

/* The reference RBM (20 visible, 7 hidden). */
static int small_rbm(cj_rbm *r)
{
    cj_error err = {0};
    const int V = 20, H = 7;
    const float *W = get("W", (size_t)V * H), *b = get("v_bias", V), *c = get("h_bias", H);
    if (!W || !b || !c || cj_rbm_create(r, V, H, &err)) return 0;
    memcpy(r->W, W, sizeof(float) * V * H);
    memcpy(r->b, b, sizeof(float) * V);
    memcpy(r->c, c, sizeof(float) * H);
    return 1;
}

enum { B = 5 };

static void check_close(const char *what, const float *got, const char *ref_name, size_t n, double tol)
{
    const float *want = get(ref_name, n);
    if (!want) return;
    double d = max_abs(got, want, n);
    if (!(d <= tol)) test_fail("%s: max |C - NumPy| = %.3g > %.3g (%s)", what, d, tol, ref_name);
}

TEST(cd1_gradient_matches_numpy)
{
    cj_rbm r;
    cj_rbm_trainer t;
    cj_error err = {0};
    if (!small_rbm(&r)) return;
    CHECK(cj_rbm_trainer_init(&t, &r, B, CJ_RBM_CD, 1, &err) == CJ_OK);
    CHECK(cj_rbm_uniforms(&t, B) == (size_t)B * 7 + (size_t)B * 27);
    const float *v0 = get("v0", B * 20), *u = get("u_cd1", cj_rbm_uniforms(&t, B));
    if (v0 && u) {
        cj_rbm_gradient(&t, &r, v0, B, u);
        check_close("CD-1 dW", t.dW, "cd1_dW", 140, 1e-6);
        check_close("CD-1 db", t.db, "cd1_db", 20, 1e-6);
        check_close("CD-1 dc", t.dc, "cd1_dc", 7, 1e-6);
        /* the check can fail: other draws give another gradient */
        const float *other = get("u_cd1b", cj_rbm_uniforms(&t, B));
        cj_rbm_gradient(&t, &r, v0, B, other);
        CHECK(max_abs(t.dW, get("cd1_dW", 140), 140) > 1e-2);
    }
    cj_rbm_trainer_free(&t);
    cj_rbm_free(&r);
}

TEST(sgd_momentum_and_weight_decay_match_numpy)
{
    cj_rbm r;
    cj_rbm_trainer t;
    cj_error err = {0};
    if (!small_rbm(&r)) return;
    CHECK(cj_rbm_trainer_init(&t, &r, B, CJ_RBM_CD, 1, &err) == CJ_OK);
    const float *v0 = get("v0", B * 20);
    const char *us[2] = {"u_cd1", "u_cd1b"};
    for (int s = 0; s < 2 && v0; s++) {
        cj_rbm_gradient(&t, &r, v0, B, get(us[s], cj_rbm_uniforms(&t, B)));
        cj_rbm_update(&t, &r, 0.1f, 0.5f, 0.01f);
        char name[32];
        snprintf(name, sizeof name, "step%d_W", s + 1);
        check_close("W after the SGD step", r.W, name, 140, 1e-6);
        snprintf(name, sizeof name, "step%d_b", s + 1);
        check_close("v_bias after the SGD step", r.b, name, 20, 1e-6);
        snprintf(name, sizeof name, "step%d_c", s + 1);
        check_close("h_bias after the SGD step", r.c, name, 7, 1e-6);
    }
    cj_rbm_trainer_free(&t);
    cj_rbm_free(&r);
}

TEST(cd3_gradient_matches_numpy)
{
    cj_rbm r;
    cj_rbm_trainer t;
    cj_error err = {0};
    if (!small_rbm(&r)) return;
    CHECK(cj_rbm_trainer_init(&t, &r, B, CJ_RBM_CD, 3, &err) == CJ_OK);
    const float *v0 = get("v0", B * 20), *u = get("u_cd3", cj_rbm_uniforms(&t, B));
    if (v0 && u) {
        cj_rbm_gradient(&t, &r, v0, B, u);
        check_close("CD-3 dW", t.dW, "cd3_dW", 140, 1e-6);
    }
    cj_rbm_trainer_free(&t);
    cj_rbm_free(&r);
}

/* PCD keeps its chains: the second update starts where the first left
 * them, not at the second batch's data. */
TEST(pcd_keeps_its_chains)
{
    cj_rbm r;
    cj_rbm_trainer t;
    cj_error err = {0};
    if (!small_rbm(&r)) return;
    CHECK(cj_rbm_trainer_init(&t, &r, B, CJ_RBM_PCD, 1, &err) == CJ_OK);
    const float *v0 = get("v0", B * 20), *v1 = get("v1", B * 20);
    const float *u1 = get("u_pcd1", cj_rbm_uniforms(&t, B)), *u2 = get("u_pcd2", cj_rbm_uniforms(&t, B));
    if (v0 && v1 && u1 && u2) {
        cj_rbm_gradient(&t, &r, v0, B, u1);
        check_close("PCD update 1 dW", t.dW, "pcd1_dW", 140, 1e-6);
        check_close("PCD chains after update 1", t.chain, "pcd_chain1", B * 7, 0);
        cj_rbm_gradient(&t, &r, v1, B, u2);
        check_close("PCD update 2 dW", t.dW, "pcd2_dW", 140, 1e-6);
        check_close("PCD update 2 db", t.db, "pcd2_db", 20, 1e-6);
        check_close("PCD update 2 dc", t.dc, "pcd2_dc", 7, 1e-6);
        check_close("PCD chains after update 2", t.chain, "pcd_chain2", B * 7, 0);
        /* CD from the same batch and draws starts at the data: another gradient */
        cj_rbm_trainer cd;
        CHECK(cj_rbm_trainer_init(&cd, &r, B, CJ_RBM_CD, 1, &err) == CJ_OK);
        cj_rbm_gradient(&cd, &r, v1, B, u2);
        CHECK(max_abs(cd.dW, get("pcd2_dW", 140), 140) > 1e-2);
        cj_rbm_trainer_free(&cd);
    }
    cj_rbm_trainer_free(&t);
    cj_rbm_free(&r);
}

TEST(free_energy_and_pseudo_likelihood_match_numpy)
{
    cj_rbm r;
    if (!small_rbm(&r)) return;
    const float *v0 = get("v0", B * 20), *flipf = get("flip", B), *fe = get("fe", B), *pl = get("pl", B);
    if (v0 && flipf && fe && pl) {
        float scratch[B * 7];
        double F[B], P[B];
        int flip[B];
        for (int i = 0; i < B; i++) flip[i] = (int)flipf[i];
        cj_rbm_free_energy(&r, v0, B, scratch, F);
        cj_rbm_pseudo_likelihood(&r, v0, B, flip, scratch, P);
        for (int i = 0; i < B; i++) {
            CHECK_NEAR(F[i], fe[i], 1e-4 * fmax(1, fabs(fe[i])));
            CHECK_NEAR(P[i], pl[i], 1e-4 * fmax(1, fabs(pl[i])));
        }
        /* another flipped bit, another value: the check can fail */
        for (int i = 0; i < B; i++) flip[i] = (flip[i] + 1) % 20;
        cj_rbm_pseudo_likelihood(&r, v0, B, flip, scratch, P);
        int differ = 0;
        for (int i = 0; i < B; i++) differ += fabs(P[i] - pl[i]) > 1e-3;
        CHECK(differ > 0);
    }
    cj_rbm_free(&r);
}

static int tiny_rbm(cj_rbm *r)
{
    cj_error err = {0};
    const float *W = get("tiny_W", 72), *b = get("tiny_v_bias", 12), *c = get("tiny_h_bias", 6);
    if (!W || !b || !c || cj_rbm_create(r, 12, 6, &err)) return 0;
    memcpy(r->W, W, sizeof(float) * 72);
    memcpy(r->b, b, sizeof(float) * 12);
    memcpy(r->c, c, sizeof(float) * 6);
    return 1;
}

TEST(exact_log_z_matches_numpy_enumeration)
{
    cj_rbm r;
    cj_error err = {0};
    if (!tiny_rbm(&r)) return;
    double lz;
    CHECK(cj_rbm_log_z_exact(&r, &lz, &err) == CJ_OK);
    CHECK_NEAR(lz, get("tiny_logz", 1)[0], 1e-5);
    /* too many states to enumerate: an error naming the sizes */
    cj_rbm big;
    CHECK(cj_rbm_create(&big, 30, 25, &err) == CJ_OK);
    CHECK(cj_rbm_log_z_exact(&big, &lz, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "25 x 30") != NULL);
    cj_rbm_free(&big);
    cj_rbm_free(&r);
}

TEST(ais_schedule_follows_salakhutdinov_murray)
{
    double beta[14501];
    cj_rbm_ais_schedule(14500, beta);
    CHECK(beta[0] == 0 && beta[14500] == 1);
    CHECK_NEAR(beta[500], 0.5, 1e-12);
    CHECK_NEAR(beta[4500], 0.9, 1e-12);
    CHECK_NEAR(beta[1] - beta[0], 1e-3, 1e-12);
    CHECK_NEAR(beta[14500] - beta[14499], 1e-5, 1e-12);
    int increasing = 1;
    for (int k = 1; k <= 14500; k++) increasing &= beta[k] > beta[k - 1];
    CHECK(increasing);
}

/* AIS against the exact partition function of a 12 x 6 RBM. */
TEST(ais_matches_exact_log_z_on_a_tiny_rbm)
{
    cj_rbm r;
    cj_error err = {0};
    if (!tiny_rbm(&r)) return;
    double exact = get("tiny_logz", 1)[0];
    /* base rates: the log-odds of σ(b), any base with full support is valid */
    float base[12];
    for (int i = 0; i < 12; i++) base[i] = r.b[i];
    cj_rbm_ais_opts o = {100, 2000, 7};
    cj_rbm_ais_result res;
    CHECK(cj_rbm_ais(&r, base, &o, &res, &err) == CJ_OK);
    CHECK_NEAR(res.log_z, exact, 0.05);
    CHECK(res.log_z_lo <= exact && exact <= res.log_z_hi);
    CHECK(res.log_z_hi - res.log_z < 0.2);
    /* the same seed, the same estimate; a crude schedule is measurably worse */
    cj_rbm_ais_result again, crude;
    CHECK(cj_rbm_ais(&r, base, &o, &again, &err) == CJ_OK);
    CHECK(again.log_z == res.log_z);
    cj_rbm_ais_opts few = {100, 3, 7};
    CHECK(cj_rbm_ais(&r, base, &few, &crude, &err) == CJ_OK);
    CHECK(fabs(crude.log_z - exact) > 3 * fabs(res.log_z - exact));
    CHECK(crude.log_w_sd > 5 * res.log_w_sd);
    cj_rbm_free(&r);
}

TEST(save_load_round_trip)
{
    cj_rbm r, back;
    cj_error err = {0};
    if (!small_rbm(&r)) return;
    mkdir("build/tmp", 0755);
    const char *path = "build/tmp/test_rbm_model.safetensors";
    cj_meta_entry meta[1] = {{"hidden", "7"}};
    CHECK(cj_rbm_save(&r, path, 1, meta, &err) == CJ_OK);
    CHECK(cj_rbm_load(&back, path, &err) == CJ_OK);
    CHECK(back.visible == 20 && back.hidden == 7);
    if (back.W) {
        CHECK(memcmp(back.W, r.W, sizeof(float) * 140) == 0);
        CHECK(memcmp(back.b, r.b, sizeof(float) * 20) == 0);
        CHECK(memcmp(back.c, r.c, sizeof(float) * 7) == 0);
    }
    cj_safetensors f;
    CHECK(cj_safetensors_read(path, &f, &err) == CJ_OK);
    const char *model = cj_safetensors_meta(&f, "model"), *hidden = cj_safetensors_meta(&f, "hidden");
    CHECK(model && !strcmp(model, "rbm"));
    CHECK(hidden && !strcmp(hidden, "7"));
    const cj_tensor *W = cj_safetensors_get(&f, "W");
    CHECK(W && W->ndim == 2 && W->shape[0] == 7 && W->shape[1] == 20);
    cj_safetensors_free(&f);
    cj_rbm_free(&back);
    /* shapes that disagree: an error naming the file and the tensors */
    cj_tensor t[3] = {{r.W, 2, {7, 20}}, {r.b, 1, {19}}, {r.c, 1, {7}}};
    const char *names[3] = {"W", "v_bias", "h_bias"};
    CHECK(cj_safetensors_write(path, 3, names, t, 0, NULL, &err) == CJ_OK);
    CHECK(cj_rbm_load(&back, path, &err) == CJ_ERR_SHAPE);
    CHECK(strstr(err.msg, path) && strstr(err.msg, "v_bias"));
    /* a missing tensor */
    CHECK(cj_safetensors_write(path, 2, names, t, 0, NULL, &err) == CJ_OK);
    CHECK(cj_rbm_load(&back, path, &err) == CJ_ERR_FORMAT);
    CHECK(strstr(err.msg, "h_bias") != NULL);
    remove(path);
    cj_rbm_free(&r);
}

TEST(layers_spec_and_method_names)
{
    cj_error err = {0};
    int is_rbm = -1, hidden = 0;
    CHECK(cj_rbm_parse_layers(" rbm 500 ", &is_rbm, &hidden, &err) == CJ_OK && is_rbm && hidden == 500);
    CHECK(cj_rbm_parse_layers("flatten, dense 10", &is_rbm, &hidden, &err) == CJ_OK && !is_rbm);
    CHECK(cj_rbm_parse_layers("rbmx 5", &is_rbm, &hidden, &err) == CJ_OK && !is_rbm);
    CHECK(cj_rbm_parse_layers("rbm", &is_rbm, &hidden, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "model.layers = 'rbm'") != NULL);
    CHECK(cj_rbm_parse_layers("rbm 0", &is_rbm, &hidden, &err) == CJ_ERR_CONFIG);
    CHECK(cj_rbm_parse_layers("rbm 500, dense 10", &is_rbm, &hidden, &err) == CJ_ERR_CONFIG);
    cj_rbm_method m;
    CHECK(cj_rbm_method_parse("pcd", &m, &err) == CJ_OK && m == CJ_RBM_PCD);
    CHECK(cj_rbm_method_parse("cd2", &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "cd2"));
}

/* ---- cajal train with model.layers = rbm H -------------------------------- */

#define DIR "build/tmp/test_rbm_cli"

/* An experiment on the toy IDX set (8x8 images) with `extra` lines added. */
static void write_experiment(const char *path, const char *layers, const char *extra)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        test_fail("cannot write %s", path);
        return;
    }
    fprintf(f, "[data]\nformat = idx\ndir = " DIR "\ntrain_images = train-images.gz\ntrain_labels = "
               "train-labels.gz\ntest_images = test-images.gz\ntest_labels = test-labels.gz\n\n[model]\n"
               "layers = %s\n\n[train]\nepochs = 3\nbatch = 20\nseed = 5\n\n[rbm]\nais_runs = 100\n"
               "ais_betas = 2000\nsample_steps = 10\n%s", layers, extra);
    fclose(f);
}

/* A whole file, NUL-terminated (binary files too); NULL when unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0', *len = (size_t)n;
    return buf;
}

TEST(train_writes_its_files_and_ais_matches_exact_log_z)
{
    static char out[8192];
    write_experiment(DIR "/rbm.ini", "rbm 10", "");
    int rc = run_cajal(cajal, "train " DIR "/rbm.ini --out " DIR "/run --force --quiet --threads 1", out, sizeof out);
    if (rc != 0) test_fail("cajal train exited %d: %s", rc, out);
    const char *files[] = {"config.ini", "metrics.jsonl", "model.safetensors", "filters.png", "samples.png",
                           "ais.json", "curves.png"};
    for (int i = 0; i < 7; i++) {
        char *p = cj_path_join(DIR "/run", files[i]);
        struct stat sb;
        if (stat(p, &sb) != 0 || sb.st_size == 0) test_fail("%s is missing or empty", p);
        free(p);
    }
    size_t len;
    char *metrics = slurp(DIR "/run/metrics.jsonl", &len);
    CHECK(metrics && count_lines(metrics) == 3 && strstr(metrics, "\"pl_test\":") &&
          strstr(metrics, "\"recon_train\":"));
    /* the model reloads, with its shape and metadata */
    cj_rbm r;
    cj_error err = {0};
    CHECK(cj_rbm_load(&r, DIR "/run/model.safetensors", &err) == CJ_OK);
    CHECK(r.visible == 64 && r.hidden == 10);
    /* AIS (100 runs, 2,000 distributions) against log Z by enumerating 2^10 hidden states */
    char *ais = slurp(DIR "/run/ais.json", &len);
    const char *at = ais ? strstr(ais, "\"log_z\":") : NULL;
    double exact = NAN;
    if (r.W && at && !cj_rbm_log_z_exact(&r, &exact, &err)) {
        double est = strtod(at + 8, NULL);
        if (!(fabs(est - exact) < 0.1)) test_fail("AIS log Z %.4f, exact %.4f", est, exact);
    } else {
        test_fail("no log_z in ais.json or no model: %s", err.msg);
    }
    /* cajal eval of the run: AIS again, the test log-likelihood against the
     * one with the exact log Z */
    rc = run_cajal(cajal, "eval " DIR "/run --images " DIR "/test-images.gz --labels " DIR "/test-labels.gz "
                   "--train-images " DIR "/train-images.gz --ais-betas 2000 --threads 1", out, sizeof out);
    const char *ll = strstr(out, "log-likelihood ");
    double exact_ll = NAN;
    if (r.W && isfinite(exact)) {
        float *test = NULL;
        int n, rows, cols;
        if (!cj_rbm_images(DIR "/test-images.gz", 0, &test, &n, &rows, &cols, &err))
            cj_rbm_mean_log_prob(&r, test, n, exact, &exact_ll, &err);
        free(test);
    }
    if (rc != 0 || !ll || !(fabs(strtod(ll + 15, NULL) - exact_ll) < 0.1))
        test_fail("cajal eval exited %d, printed '%s'; exact test log-likelihood %.4f", rc, out, exact_ll);
    /* the same seed, the same model, bit for bit */
    rc = run_cajal(cajal, "train " DIR "/rbm.ini --out " DIR "/again --force --quiet --threads 1", out, sizeof out);
    size_t la, lb;
    char *a = slurp(DIR "/run/model.safetensors", &la), *b = slurp(DIR "/again/model.safetensors", &lb);
    if (rc != 0) test_fail("the second run exited %d: %s", rc, out);
    CHECK(a && b && la == lb && !memcmp(a, b, la));
    free(a), free(b), free(metrics), free(ais);
    cj_rbm_free(&r);
}

TEST(pcd_run_trains)
{
    static char out[8192];
    write_experiment(DIR "/pcd.ini", "rbm 16", "method = pcd\nk = 2\nmomentum_epochs = 1\n");
    int rc = run_cajal(cajal, "train " DIR "/pcd.ini --out " DIR "/pcd --force --quiet --threads 1", out, sizeof out);
    if (rc != 0) test_fail("cajal train exited %d: %s", rc, out);
    size_t len;
    char *cfg = slurp(DIR "/pcd/config.ini", &len);
    CHECK(cfg && strstr(cfg, "[rbm]\nmethod = pcd\nk = 2\n"));
    /* the pseudo-likelihood improves over the epochs */
    char *metrics = slurp(DIR "/pcd/metrics.jsonl", &len);
    const char *first = metrics ? strstr(metrics, "\"pl_train\":") : NULL;
    const char *last = metrics ? strrchr(metrics, '{') : NULL;
    last = last ? strstr(last, "\"pl_train\":") : NULL;
    CHECK(first && last && strtod(last + 11, NULL) > strtod(first + 11, NULL));
    /* rbm.initial_momentum for rbm.momentum_epochs epochs, then optim.momentum (0.9 for an RBM) */
    const char *m1 = metrics ? strstr(metrics, "\"momentum\":") : NULL;
    const char *m2 = m1 ? strstr(m1 + 1, "\"momentum\":") : NULL;
    CHECK(m1 && m2 && strtod(m1 + 11, NULL) == 0.5 && fabs(strtod(m2 + 11, NULL) - 0.9) < 1e-6);
    free(cfg), free(metrics);
}

/* metrics.jsonl without the timings (the only numbers two runs may differ in) */
static void drop_timings(char *m)
{
    for (char *at = m; (at = strstr(at, ",\"seconds\":"));) {
        char *end = strchr(at, '}');
        if (!end) break;
        memmove(at, end, strlen(end) + 1);
        at++;
    }
}

/* Two epochs, then --resume to three: the files of one three-epoch run,
 * bit for bit (CD with the momentum switch after epoch 1; PCD's chains). */
static void resume_case(const char *name, const char *extra)
{
    static char out[8192];
    char ini[256], whole[256], cut[256], cmd[1024];
    snprintf(ini, sizeof ini, DIR "/%s.ini", name);
    snprintf(whole, sizeof whole, DIR "/%s_whole", name);
    snprintf(cut, sizeof cut, DIR "/%s_cut", name);
    write_experiment(ini, "rbm 12", extra);
    snprintf(cmd, sizeof cmd, "train %s --out %s --force --quiet --threads 1", ini, whole);
    int rc = run_cajal(cajal, cmd, out, sizeof out);
    if (rc != 0) test_fail("%s: the whole run exited %d: %s", name, rc, out);
    snprintf(cmd, sizeof cmd, "train %s --out %s --force --quiet --threads 1 --set train.epochs=2", ini, cut);
    rc = run_cajal(cajal, cmd, out, sizeof out);
    if (rc != 0) test_fail("%s: the 2-epoch run exited %d: %s", name, rc, out);
    snprintf(cmd, sizeof cmd, "train --resume %s --quiet --threads 1 --set train.epochs=3", cut);
    rc = run_cajal(cajal, cmd, out, sizeof out);
    if (rc != 0) test_fail("%s: --resume exited %d: %s", name, rc, out);
    const char *same[] = {"model.safetensors", "train_state.safetensors", "config.ini", "ais.json"};
    for (int i = 0; i < 4; i++) {
        char *pa = cj_path_join(whole, same[i]), *pb = cj_path_join(cut, same[i]);
        size_t la = 0, lb = 0;
        char *a = slurp(pa, &la), *b = slurp(pb, &lb);
        if (i == 3 && a && b) { /* ais.json: all but its seconds */
            char *sa = strstr(a, ",\"seconds\":"), *sb = strstr(b, ",\"seconds\":");
            if (sa) *sa = 0, la = (size_t)(sa - a);
            if (sb) *sb = 0, lb = (size_t)(sb - b);
        }
        if (!(a && b && la == lb && !memcmp(a, b, la))) test_fail("%s: %s differs after --resume", name, same[i]);
        free(a), free(b), free(pa), free(pb);
    }
    char *pa = cj_path_join(whole, "metrics.jsonl"), *pb = cj_path_join(cut, "metrics.jsonl");
    size_t la, lb;
    char *a = slurp(pa, &la), *b = slurp(pb, &lb);
    if (a && b) drop_timings(a), drop_timings(b);
    if (!(a && b && count_lines(a) == 3 && !strcmp(a, b)))
        test_fail("%s: metrics.jsonl after --resume:\n%s\nwhole run:\n%s", name, b ? b : "", a ? a : "");
    free(a), free(b), free(pa), free(pb);
}

TEST(resume_continues_a_run_bit_for_bit)
{
    resume_case("resume_cd", "momentum_epochs = 1\n");
    resume_case("resume_pcd", "method = pcd\nk = 2\n");
    /* a run with nothing finished, a damaged state, a model of another epoch */
    static char out[8192];
    int rc = run_cajal(cajal, "train --resume " DIR "/nothing_here --quiet", out, sizeof out);
    CHECK(rc == 1 && strstr(out, "holds no training run to resume"));
    FILE *f = fopen(DIR "/resume_cd_cut/train_state.safetensors", "wb");
    if (f) fputs("garbage", f), fclose(f);
    rc = run_cajal(cajal, "train --resume " DIR "/resume_cd_cut --quiet", out, sizeof out);
    CHECK(rc == 1 && one_line_holding(out, "train_state.safetensors"));
    /* the PCD run's state read as the CD run's: its chains are not this run's */
    rc = system("cp " DIR "/resume_pcd_cut/train_state.safetensors " DIR "/resume_cd_cut/train_state.safetensors");
    rc = run_cajal(cajal, "train --resume " DIR "/resume_cd_cut --quiet", out, sizeof out);
    CHECK(rc == 1 && count_lines(out) == 1);
}

/* cajal train's one-line message for an experiment with `extra` lines. */
static void expect_error(const char *layers, const char *extra, const char *args, const char *msg)
{
    static char out[8192];
    write_experiment(DIR "/bad.ini", layers, extra);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "train " DIR "/bad.ini --out " DIR "/bad --force --quiet %s", args);
    int rc = run_cajal(cajal, cmd, out, sizeof out);
    if (rc != 1 || !strstr(out, msg)) test_fail("%s%s: exit %d, output '%s', expected '%s'", layers, extra, rc,
                                                 out, msg);
}

TEST(experiment_file_errors)
{
    expect_error("rbm 10", "k = 0\n", "", "rbm.k = '0' is not a whole number from 1");
    expect_error("rbm 10", "method = cd3\n", "", "unknown RBM training method 'cd3' (expected cd or pcd)");
    expect_error("rbm 10", "", "--set rule.name=fa",
                 "rule.name is set but does not apply to model.layers = rbm 10");
    expect_error("rbm 10", "", "--set optim.name=adam", "optim.name = adam: model.layers = rbm 10 trains with SGD");
    expect_error("rbm", "", "", "model.layers = 'rbm': an RBM is 'rbm H'");
    expect_error("flatten, dense 2", "", "",
                 "rbm.ais_runs is set but applies only to model.layers = rbm H, not model.layers = flatten, dense 2");
    expect_error("rbm 10", "wrong = 1\n", "", "unknown key 'wrong' in [rbm]");
    expect_error("rbm 10", "", "--set data.scale=raw", "data.scale is set but does not apply to model.layers = rbm 10");
    /* another data format */
    static char out[8192];
    FILE *f = fopen(DIR "/npy.ini", "w");
    if (f) {
        fputs("[data]\nformat = npy\ntrain_inputs = x.npy\n\n[model]\nlayers = rbm 10\n", f);
        fclose(f);
    }
    int rc = run_cajal(cajal, "train " DIR "/npy.ini --out " DIR "/bad --quiet", out, sizeof out);
    CHECK(rc == 1 && strstr(out, "data.format = npy: model.layers = rbm 10 trains on IDX images"));
    /* a finished run is refused without --force */
    rc = run_cajal(cajal, "train " DIR "/rbm.ini --out " DIR "/run --quiet", out, sizeof out);
    CHECK(rc == 1 && strstr(out, "holds a training run already"));
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    cj_error err = {0};
    if (cj_safetensors_read("tests/ref/rbm.safetensors", &ref, &err)) {
        printf("%s\n", err.msg);
        return 1;
    }
    RUN(cd1_gradient_matches_numpy);
    RUN(sgd_momentum_and_weight_decay_match_numpy);
    RUN(cd3_gradient_matches_numpy);
    RUN(pcd_keeps_its_chains);
    RUN(free_energy_and_pseudo_likelihood_match_numpy);
    RUN(exact_log_z_matches_numpy_enumeration);
    RUN(ais_schedule_follows_salakhutdinov_murray);
    RUN(ais_matches_exact_log_z_on_a_tiny_rbm);
    RUN(save_load_round_trip);
    RUN(layers_spec_and_method_names);
    cj_error mk = {0};
    if (cj_make_dirs(DIR, &mk) || write_toy_set(DIR, "train", 200, 8, 8, 3) || write_toy_set(DIR, "test", 50, 8, 8, 4))
        printf("cannot write the toy data under %s\n", DIR);
    RUN(train_writes_its_files_and_ais_matches_exact_log_z);
    RUN(pcd_run_trains);
    RUN(resume_continues_a_run_bit_for_bit);
    RUN(experiment_file_errors);
    cj_safetensors_free(&ref);
    return test_summary("rbm");
}
