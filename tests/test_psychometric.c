/* test_psychometric.c — psychometric fits, per-level summaries and the CSV
 * trial reader (src/analysis/psychometric.c, psy_levels.c, trials_csv.c).
 *
 * References, none computed by cajal:
 *   - tests/ref/psychometric/ from tools/make_psychometric_refs.py: logistic
 *     fits by scikit-learn's LogisticRegression(penalty=None), probit fits by
 *     scipy.optimize, standard errors from the inverse Fisher matrix in
 *     numpy, and the Roitman & Shadlen (2002) per-coherence figures;
 *   - the data README's accuracy and mean-RT figures for that data set
 *     (computed with pandas), to 3 decimals;
 *   - Newcombe's (1998) printed Wilson intervals, and the closed form;
 *   - scipy.special.ndtri for the normal quantile;
 *   - on synthetic choices with a known slope, the truth itself: the 95%
 *     interval must cover it about 95% of the time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/psychometric.h"
#include "cajal/rng.h"
#include "cajal/trials_csv.h"
#include "fixtures.h"
#include "harness.h"
#include "ref_text.h"

#define ROITMAN "../shared/data/roitman2002/roitman_rts.csv"

/* |a - b| <= rtol max(1, |b|) */
#define CHECK_REL(a, b, rtol) CHECK_NEAR((a), (b), (rtol) * fmax(1.0, fabs(b)))

/* A fit against the block family prefix.* written by summary() in the
 * tools script. */
static void check_against(const ref_text *r, const char *prefix, const cj_psy_fit *f, double rtol)
{
    char key[40];
#define GET(name, n) (snprintf(key, sizeof key, "%s.%s", prefix, name), ref_text_get(r, key, n))
    const double *b = GET("b", 2), *se = GET("se", 2), *cov = GET("cov", 1), *ci = GET("b1_ci", 2);
    const double *ll = GET("loglik", 1), *dev = GET("deviance", 1), *nd = GET("null_deviance", 1);
    const double *pse = GET("pse", 2), *th = GET("threshold", 2);
#undef GET
    if (!b || !se || !cov || !ci || !ll || !dev || !nd || !pse || !th) return;
    CHECK(f->separation == CJ_PSY_SEP_NONE);
    CHECK(f->converged);
    CHECK_REL(f->b0, b[0], rtol);
    CHECK_REL(f->b1, b[1], rtol);
    CHECK_REL(f->se_b0, se[0], rtol);
    CHECK_REL(f->se_b1, se[1], rtol);
    CHECK_REL(f->cov_b0b1, cov[0], rtol);
    CHECK_REL(f->b1_ci[0], ci[0], rtol);
    CHECK_REL(f->b1_ci[1], ci[1], rtol);
    CHECK_REL(f->loglik, ll[0], rtol);
    CHECK_REL(f->deviance, dev[0], rtol);
    CHECK_REL(f->null_deviance, nd[0], rtol);
    CHECK_REL(f->pse, pse[0], rtol);
    CHECK_REL(f->pse_se, pse[1], rtol);
    CHECK_REL(f->threshold, th[0], rtol);
    CHECK_REL(f->threshold_se, th[1], rtol);
}

TEST(trials_match_sklearn_and_scipy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/psychometric/trials.txt")) return;
    const double *x = ref_text_get(&r, "x", 300), *y = ref_text_get(&r, "y", 300);
    if (x && y) {
        cj_psy_data d = {.n = 300, .x = x, .y = y};
        cj_psy_options o = cj_psy_options_default();
        cj_psy_fit f;
        cj_error err;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        check_against(&r, "logit", &f, 1e-7);
        CHECK_NEAR(f.deviance, -2.0 * f.loglik, 1e-9); /* 0/1 trials: saturated loglik 0 */
        CHECK(f.rows == 300 && f.df_resid == 298 && f.total_trials == 300);
        CHECK(f.iterations >= 3 && f.iterations < 20);
        o.link = CJ_PSY_PROBIT;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        check_against(&r, "probit", &f, 1e-7);
        /* NULL options are the defaults: logit */
        cj_psy_fit g;
        CHECK(cj_psy_fit_binary(&d, NULL, &g, &err) == CJ_OK && g.link == CJ_PSY_LOGIT);
        check_against(&r, "logit", &g, 1e-7);
    }
    ref_text_free(&r);
}

TEST(weighted_counts_match_references)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/psychometric/counts.txt")) return;
    const double *x = ref_text_get(&r, "x", 9), *k = ref_text_get(&r, "k", 9), *m = ref_text_get(&r, "m", 9),
                 *w = ref_text_get(&r, "w", 9);
    if (x && k && m && w) {
        cj_psy_data d = {.n = 9, .x = x, .y = k, .trials = m, .weight = w};
        cj_psy_options o = cj_psy_options_default();
        o.threshold_p = 0.8;
        o.level = 0.9;
        cj_psy_fit f;
        cj_error err;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        check_against(&r, "logit", &f, 1e-7);
        CHECK(f.df_resid == 7);
        o.link = CJ_PSY_PROBIT;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        check_against(&r, "probit", &f, 1e-7);
    }
    ref_text_free(&r);
}

/* Counts k of m fit exactly like the m trials they summarise (the
 * likelihoods differ only by binomial coefficients), and an integer weight
 * like that many copies of a trial. */
TEST(counts_equal_their_trials)
{
    const double x[4] = {-2, -1, 1, 2}, k[4] = {1, 3, 6, 8}, m[4] = {9, 10, 10, 9};
    double tx[38], ty[38], tw[38];
    int n = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < m[i]; j++, n++) tx[n] = x[i], ty[n] = j < k[i], tw[n] = 1;
    for (int link = 0; link < 2; link++) {
        cj_psy_options o = cj_psy_options_default();
        o.link = (cj_psy_link)link;
        cj_psy_fit a, b, c;
        cj_psy_data dc = {.n = 4, .x = x, .y = k, .trials = m}, dt = {.n = n, .x = tx, .y = ty};
        CHECK(cj_psy_fit_binary(&dc, &o, &a, NULL) == CJ_OK);
        CHECK(cj_psy_fit_binary(&dt, &o, &b, NULL) == CJ_OK);
        CHECK_NEAR(a.b0, b.b0, 1e-10);
        CHECK_NEAR(a.b1, b.b1, 1e-10);
        CHECK_NEAR(a.se_b1, b.se_b1, 1e-10);
        CHECK_NEAR(a.loglik, b.loglik, 1e-9);
        CHECK(a.df_resid == 2 && b.df_resid == n - 2);
        /* the last trial of each level twice over: weight 2 == a copy */
        double wx[42], wy[42];
        int nw = 0;
        for (int i = 0; i < n; i++) wx[nw] = tx[i], wy[nw++] = ty[i];
        for (int i = 0; i < n; i++) tw[i] = 1;
        for (int i = 0, s = 0; i < 4; s += (int)m[i], i++) {
            tw[s] = 2;
            wx[nw] = tx[s], wy[nw++] = ty[s];
        }
        cj_psy_data dw = {.n = n, .x = tx, .y = ty, .weight = tw}, dd = {.n = nw, .x = wx, .y = wy};
        CHECK(cj_psy_fit_binary(&dw, &o, &a, NULL) == CJ_OK);
        CHECK(cj_psy_fit_binary(&dd, &o, &c, NULL) == CJ_OK);
        CHECK_NEAR(a.b1, c.b1, 1e-10);
        CHECK_NEAR(a.se_b1, c.se_b1, 1e-10);
        CHECK_NEAR(a.loglik, c.loglik, 1e-9);
    }
}

/* Choices from P(y=1) = F(b0 + b1 x) at the 12 signed coherences of a
 * random-dot task. */
static void simulate(cj_rng *rng, cj_psy_link link, double b0, double b1, int n, double *x, double *y)
{
    static const double coh[6] = {0.0, 0.032, 0.064, 0.128, 0.256, 0.512};
    for (int i = 0; i < n; i++) {
        double c = coh[cj_rng_below(rng, 6)] * (cj_rng_below(rng, 2) ? 1 : -1), u = b0 + b1 * c;
        double p = link == CJ_PSY_LOGIT ? 1.0 / (1.0 + exp(-u)) : 0.5 * erfc(-u / sqrt(2.0));
        /* 53-bit uniform: a float one would bias p near 0 and 1 */
        double r = (double)(cj_rng_u64(rng) >> 11) * 0x1p-53;
        x[i] = c;
        y[i] = r < p;
    }
}

TEST(known_slope_recovered)
{
    /* One large session: the slope within its interval and within 10%. */
    enum { N = 4000, REPS = 200, M = 600 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    for (int link = 0; link < 2; link++) {
        const double b0 = 0.3, b1 = link == CJ_PSY_LOGIT ? 8.0 : 5.0;
        cj_psy_options o = cj_psy_options_default();
        o.link = (cj_psy_link)link;
        cj_psy_fit f;
        simulate(&rng, o.link, b0, b1, N, x, y);
        cj_psy_data d = {.n = N, .x = x, .y = y};
        CHECK(cj_psy_fit_binary(&d, &o, &f, NULL) == CJ_OK);
        CHECK(f.b1_ci[0] < b1 && b1 < f.b1_ci[1]);
        CHECK(f.b0_ci[0] < b0 && b0 < f.b0_ci[1]);
        CHECK(f.pse_ci[0] < -b0 / b1 && -b0 / b1 < f.pse_ci[1]);
        CHECK_NEAR(f.b1, b1, 0.1 * b1);

        /* Many small sessions: the Wald intervals cover the truth at about
         * their level (binomial sd over 200 repeats: 1.5 points), and the
         * spread of the estimates matches the standard errors. */
        int cover1 = 0, cover0 = 0, cover_pse = 0;
        double sum = 0, sum2 = 0, se = 0;
        for (int r = 0; r < REPS; r++) {
            simulate(&rng, o.link, b0, b1, M, x, y);
            cj_psy_data s = {.n = M, .x = x, .y = y};
            CHECK(cj_psy_fit_binary(&s, &o, &f, NULL) == CJ_OK);
            CHECK(f.converged && f.separation == CJ_PSY_SEP_NONE);
            cover1 += f.b1_ci[0] < b1 && b1 < f.b1_ci[1];
            cover0 += f.b0_ci[0] < b0 && b0 < f.b0_ci[1];
            cover_pse += f.pse_ci[0] < -b0 / b1 && -b0 / b1 < f.pse_ci[1];
            sum += f.b1, sum2 += f.b1 * f.b1, se += f.se_b1;
        }
        double mean = sum / REPS, sd = sqrt((sum2 - REPS * mean * mean) / (REPS - 1));
        CHECK(cover1 >= 180 && cover1 <= 198);
        CHECK(cover0 >= 180 && cover0 <= 198);
        CHECK(cover_pse >= 180 && cover_pse <= 198);
        CHECK_NEAR(mean, b1, 0.05 * b1);
        CHECK_NEAR(se / REPS, sd, 0.15 * sd);
        printf("  %s: slope %.3f (true %.1f), b1 coverage %d/%d, b0 %d, pse %d; mean se %.3f vs sd %.3f\n",
               link ? "probit" : "logit", mean, b1, cover1, REPS, cover0, cover_pse, se / REPS, sd);
    }
    free(x);
    free(y);
}

TEST(separation_detected)
{
    cj_psy_fit f;
    cj_error err;
    for (int link = 0; link < 2; link++) {
        cj_psy_options o = cj_psy_options_default();
        o.link = (cj_psy_link)link;
        /* Complete: all choices of 1 above 0.1, all of 0 below -0.1. */
        const double x[6] = {-0.5, -0.3, -0.1, 0.1, 0.3, 0.5}, y[6] = {0, 0, 0, 1, 1, 1};
        cj_psy_data d = {.n = 6, .x = x, .y = y};
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_COMPLETE && f.sep_sign == 1 && !f.converged);
        CHECK(f.gap[0] == -0.1 && f.gap[1] == 0.1);
        CHECK(f.b1 > 50); /* far along the ray: the true MLE is infinite */
        CHECK(f.pse > -0.1 && f.pse < 0.1);
        CHECK(f.loglik < 0 && f.loglik > -1e-9);
        CHECK(isnan(f.se_b1) && isnan(f.b1_ci[0]) && isnan(f.pse_se) && isnan(f.pse_ci[1]));

        /* Reversed: choices of 1 at the small x. */
        const double yr[6] = {1, 1, 1, 0, 0, 0};
        d.y = yr;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_COMPLETE && f.sep_sign == -1 && f.b1 < -50);

        /* Quasi-complete, the network of the header: always right at every
         * non-zero coherence, half right at 0. The PSE converges to 0 and
         * the likelihood to that of the 10 trials at 0, half right:
         * 10 log(1/2). */
        double qx[80], qy[80];
        for (int i = 0; i < 80; i++) {
            int level = i % 8 - 4; /* -4..3: coherence level; 0 is x = 0 */
            qx[i] = 0.064 * level;
            qy[i] = level > 0 || (level == 0 && (i / 8) % 2);
        }
        cj_psy_data q = {.n = 80, .x = qx, .y = qy};
        CHECK(cj_psy_fit_binary(&q, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_QUASI && f.sep_sign == 1);
        CHECK(f.gap[0] == 0 && f.gap[1] == 0);
        CHECK(f.b1 > 100);
        CHECK(fabs(f.pse) < 1e-3);
        CHECK_NEAR(f.loglik, 10 * log(0.5), 1e-6);
        CHECK(isnan(f.se_b0));

        /* One response only: the slope is not identified. */
        const double ones[6] = {1, 1, 1, 1, 1, 1};
        d.y = ones;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_ONE_RESPONSE && f.b0 == INFINITY && isnan(f.b1) && isnan(f.pse));
        CHECK(f.loglik == 0 && f.deviance == 0 && isnan(f.gap[0]));
        const double zeros[6] = {0};
        d.y = zeros;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_ONE_RESPONSE && f.b0 == -INFINITY);

        /* One choice across the boundary ends the separation. */
        const double yo[6] = {0, 1, 0, 1, 1, 1};
        d.y = yo;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_NONE && f.converged && isfinite(f.se_b1) && f.sep_sign == 0);
        /* A zero-weight row does not count: weight 0 on that trial separates again. */
        const double w[6] = {1, 0, 1, 1, 1, 1};
        d.weight = w;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK);
        CHECK(f.separation == CJ_PSY_SEP_COMPLETE && f.gap[0] == -0.1 && f.gap[1] == 0.1 && f.rows == 5);
    }
}

static int has(const cj_error *e, const char *s)
{
    if (strstr(e->msg, s)) return 1;
    test_fail("message \"%s\" lacks \"%s\"", e->msg, s);
    return 0;
}

TEST(bad_input_rejected)
{
    const double x[4] = {0, 1, 2, 3}, y[4] = {0, 1, 0, 1};
    cj_psy_fit f;
    cj_error e;
    cj_psy_data d = {.n = 1, .x = x, .y = y};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "1 rows"));
    const double xn[4] = {0, 1, NAN, 3};
    d = (cj_psy_data){.n = 4, .x = xn, .y = y};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "x[2]"));
    const double xi[4] = {0, INFINITY, 1, 3};
    d.x = xi;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "x[1]"));
    const double yb[4] = {0, 1, 1.5, 0};
    d = (cj_psy_data){.n = 4, .x = x, .y = yb};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "y[2] = 1.5"));
    const double yneg[4] = {0, -0.1, 1, 0};
    d.y = yneg;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "y[1]"));
    const double same[4] = {2, 2, 2, 2};
    d = (cj_psy_data){.n = 4, .x = same, .y = y};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "x = 2"));
    const double huge[4] = {-1e308, 1e308, -1e308, 1e308};
    d = (cj_psy_data){.n = 4, .x = huge, .y = y};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "overflow"));
    /* counts: k above its trials, negative trials, bad weights */
    const double k[4] = {1, 5, 2, 3}, m[4] = {4, 4, 4, 4}, mneg[4] = {4, -1, 4, 4};
    d = (cj_psy_data){.n = 4, .x = x, .y = k, .trials = m};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "y[1] = 5") && has(&e, "trials[1] = 4"));
    d.y = y;
    d.trials = mneg;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "trials[1]"));
    const double wneg[4] = {1, 1, 1, -2}, wnan[4] = {1, NAN, 1, 1}, w0[4] = {1, 0, 0, 0};
    d = (cj_psy_data){.n = 4, .x = x, .y = y, .weight = wneg};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "weight[3]"));
    d.weight = wnan;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "weight[1]"));
    d.weight = w0;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG && has(&e, "1 rows carry trials"));
    d = (cj_psy_data){.n = 4, .x = NULL, .y = y};
    CHECK(cj_psy_fit_binary(&d, NULL, &f, &e) == CJ_ERR_ARG);
    CHECK(cj_psy_fit_binary(NULL, NULL, &f, &e) == CJ_ERR_ARG);
    /* options */
    d = (cj_psy_data){.n = 4, .x = x, .y = y};
    cj_psy_options o = cj_psy_options_default();
    o.level = 1.0;
    CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_ERR_ARG && has(&e, "level 1"));
    o = cj_psy_options_default();
    o.link = (cj_psy_link)7;
    CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_ERR_ARG && has(&e, "link 7"));
    o = cj_psy_options_default();
    o.threshold_p = 0;
    CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_ERR_ARG && has(&e, "threshold_p"));
    o = cj_psy_options_default();
    o.max_iter = 0;
    CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_ERR_ARG && has(&e, "max_iter"));
    o = cj_psy_options_default();
    o.tol = NAN;
    CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_ERR_ARG && has(&e, "tol"));
    /* a NULL error is allowed */
    d.n = 0;
    CHECK(cj_psy_fit_binary(&d, NULL, &f, NULL) == CJ_ERR_ARG);
}

TEST(normal_quantile_matches_scipy)
{
    /* scipy.special.ndtri */
    const double p[7] = {0.975, 0.75, 0.995, 1e-10, 1e-300, 0.3, 0.9};
    const double q[7] = {1.959963984540054,  0.6744897501960817,  2.5758293035489004, -6.361340902404056,
                         -37.0470962993612, -0.5244005127080409, 1.2815515655446004};
    for (int i = 0; i < 7; i++) CHECK_NEAR(cj_psy_normal_quantile(p[i]), q[i], 4e-15 * fmax(1, fabs(q[i])));
    CHECK(cj_psy_normal_quantile(0.5) == 0.0);
    for (double u = 1e-6; u < 1; u += 0.0137) /* Phi(Phi^-1(u)) = u */
        CHECK_NEAR(0.5 * erfc(-cj_psy_normal_quantile(u) / sqrt(2.0)), u, 1e-15 * fmax(u, 1e-2));
    CHECK(isnan(cj_psy_normal_quantile(0)) && isnan(cj_psy_normal_quantile(1)) && isnan(cj_psy_normal_quantile(NAN)));
}

TEST(wilson_matches_newcombe_and_closed_form)
{
    /* Newcombe (1998), Stat. Med. 17:857, Table I, method 3 (score). */
    const struct {
        double k, n, lo, hi;
    } t[] = {{81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0, 0.1611}, {1, 29, 0.0061, 0.1718}};
    double ci[2];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        CHECK_NEAR(cj_psy_wilson(t[i].k, t[i].n, 0.95, ci), t[i].k / t[i].n, 1e-15);
        CHECK_NEAR(ci[0], t[i].lo, 5e-5);
        CHECK_NEAR(ci[1], t[i].hi, 5e-5);
    }
    /* closed form at other levels, written out independently: the roots in
     * p of (phat - p)^2 = z^2 p (1 - p) / n */
    const double ks[4] = {3, 7, 10, 0}, ns[4] = {10, 7, 40, 5}, levels[3] = {0.8, 0.95, 0.99};
    for (int i = 0; i < 4; i++)
        for (int l = 0; l < 3; l++) {
            double z = cj_psy_normal_quantile(0.5 + levels[l] / 2), ph = ks[i] / ns[i], nn = ns[i];
            double A = 1 + z * z / nn, B = -(2 * ph + z * z / nn), C = ph * ph;
            double disc = sqrt(fmax(B * B - 4 * A * C, 0));
            cj_psy_wilson(ks[i], ns[i], levels[l], ci);
            CHECK_NEAR(ci[0], (-B - disc) / (2 * A), 1e-12);
            CHECK_NEAR(ci[1], (-B + disc) / (2 * A), 1e-12);
            CHECK(ci[0] >= 0 && ci[1] <= 1 && ci[0] <= ph && ph <= ci[1]);
        }
    cj_psy_wilson(7, 7, 0.95, ci);
    CHECK(ci[1] == 1.0);
    CHECK(isnan(cj_psy_wilson(1, 0, 0.95, ci)) && isnan(ci[0]));
    cj_psy_wilson(5, 4, 0.95, ci);
    CHECK(isnan(ci[0]) && isnan(ci[1]));
    cj_psy_wilson(1, 4, 1.5, ci);
    CHECK(isnan(ci[0]));
}

TEST(levels_by_hand)
{
    /* Three levels given out of order, -0 and +0 one level, a NaN RT left
     * out of the mean but not of the proportion. */
    const double x[8] = {0.5, 0.0, -0.2, 0.5, -0.0, 0.5, -0.2, 0.0};
    const double y[8] = {1, 0, 0, 1, 1, 0, 1, 1};
    const double rt[8] = {0.4, 0.8, 0.7, 0.5, NAN, 0.6, 0.9, 1.0};
    cj_psy_level lv[8];
    int nl;
    cj_error e;
    CHECK(cj_psy_levels(x, y, rt, 8, 0.95, lv, 8, &nl, &e) == CJ_OK);
    CHECK(nl == 3);
    if (nl != 3) return;
    CHECK(lv[0].x == -0.2 && lv[1].x == 0.0 && !signbit(lv[1].x) && lv[2].x == 0.5);
    CHECK(lv[0].trials == 2 && lv[0].count == 1 && lv[1].trials == 3 && lv[1].count == 2 && lv[2].trials == 3 &&
          lv[2].count == 2);
    double ci[2];
    cj_psy_wilson(2, 3, 0.95, ci);
    CHECK_NEAR(lv[1].p, 2.0 / 3.0, 1e-15);
    CHECK_NEAR(lv[1].p_ci[0], ci[0], 0);
    CHECK_NEAR(lv[1].p_ci[1], ci[1], 0);
    /* level 0: RTs 0.8 and 1.0 (the NaN skipped): mean 0.9, s = sqrt(0.02),
     * t(1) = 12.7062; level 0.5: 0.4 0.5 0.6, s = 0.1, t(2) = 4.30265 */
    CHECK(lv[1].rt_n == 2 && lv[2].rt_n == 3);
    CHECK_NEAR(lv[1].rt_mean, 0.9, 1e-15);
    CHECK_NEAR(lv[1].rt_ci[1] - 0.9, 12.7062047 * sqrt(0.02 / 2), 1e-6);
    CHECK_NEAR(lv[2].rt_mean, 0.5, 1e-15);
    CHECK_NEAR(lv[2].rt_ci[0], 0.5 - 4.30265273 * 0.1 / sqrt(3.0), 1e-7);
    /* without RTs */
    CHECK(cj_psy_levels(x, y, NULL, 8, 0.95, lv, 8, &nl, &e) == CJ_OK && nl == 3);
    CHECK(lv[0].rt_n == 0 && isnan(lv[0].rt_mean) && isnan(lv[0].rt_ci[0]));
    /* errors */
    CHECK(cj_psy_levels(x, y, rt, 8, 0.95, lv, 2, &nl, &e) == CJ_ERR_ARG && has(&e, "3 distinct"));
    const double yb[8] = {1, 0, 0, 1, 0.5, 0, 1, 1};
    CHECK(cj_psy_levels(x, yb, rt, 8, 0.95, lv, 8, &nl, &e) == CJ_ERR_ARG && has(&e, "y[4] = 0.5"));
    const double rti[8] = {0.4, 0.8, INFINITY, 0.5, 0.1, 0.6, 0.9, 1.0};
    CHECK(cj_psy_levels(x, y, rti, 8, 0.95, lv, 8, &nl, &e) == CJ_ERR_ARG && has(&e, "rt[2]"));
    const double xn[2] = {NAN, 1};
    CHECK(cj_psy_levels(xn, y, NULL, 2, 0.95, lv, 8, &nl, &e) == CJ_ERR_ARG && has(&e, "x[0]"));
    CHECK(cj_psy_levels(x, y, NULL, 0, 0.95, lv, 8, &nl, &e) == CJ_ERR_ARG);
    CHECK(cj_psy_levels(x, y, NULL, 8, 0.0, lv, 8, &nl, &e) == CJ_ERR_ARG);
}

TEST(sign_by_choice_mapping)
{
    /* chose 1 & right: +; chose 1 & wrong: -; chose 2 & right: -; chose 2 & wrong: + */
    const double coh[5] = {0.1, 0.2, 0.3, 0.4, 0}, correct[5] = {1, 0, 1, 0, 1}, choice[5] = {1, 1, 2, 2, 2};
    double x[5], y[5];
    cj_error e;
    CHECK(cj_psy_sign_by_choice(coh, correct, choice, 5, 1.0, x, y, &e) == CJ_OK);
    CHECK(x[0] == 0.1 && x[1] == -0.2 && x[2] == -0.3 && x[3] == 0.4 && x[4] == 0.0);
    CHECK(y[0] == 1 && y[1] == 1 && y[2] == 0 && y[3] == 0 && y[4] == 0);
    const double bad[5] = {1, 0, 2, 0, 1}, neg[5] = {0.1, -0.2, 0, 0, 0};
    CHECK(cj_psy_sign_by_choice(coh, bad, choice, 5, 1.0, x, y, &e) == CJ_ERR_ARG && has(&e, "correct[2]"));
    CHECK(cj_psy_sign_by_choice(neg, correct, choice, 5, 1.0, x, y, &e) == CJ_ERR_ARG && has(&e, "coh[1]"));
}

/* ---- the Roitman & Shadlen (2002) data ---- */

TEST(roitman_accuracy_and_rt)
{
    const char *cols[] = {"monkey", "rt", "coh", "correct", "trgchoice"};
    cj_trials t;
    cj_error e;
    if (cj_trials_csv_read(ROITMAN, cols, 5, &t, &e) != CJ_OK) {
        test_fail("%s", e.msg);
        return;
    }
    CHECK(t.n_rows == 6149 && t.n_cols == 5);
    ref_text r;
    int have_ref = ref_text_load(&r, "tests/ref/psychometric/roitman.txt");
    /* The data README's figures, computed with pandas (to 3 decimals). */
    const double acc[2][6] = {{0.505, 0.616, 0.739, 0.933, 0.995, 1.000}, {0.496, 0.662, 0.805, 0.947, 0.995, 1.000}};
    const double rt_first[2] = {0.788, 0.854}, rt_last[2] = {0.464, 0.392};
    const double coh[6] = {0, 0.032, 0.064, 0.128, 0.256, 0.512};
    for (int mk = 1; mk <= 2; mk++) {
        cj_trials m;
        CHECK(cj_trials_select(&t, "monkey", mk, &m, &e) == CJ_OK);
        cj_psy_level lv[8];
        int nl = 0;
        CHECK(cj_psy_levels(cj_trials_column(&m, "coh"), cj_trials_column(&m, "correct"), cj_trials_column(&m, "rt"),
                            m.n_rows, 0.95, lv, 8, &nl, &e) == CJ_OK);
        CHECK(nl == 6);
        for (int l = 0; l < nl && l < 6; l++) {
            CHECK(lv[l].x == coh[l]);
            CHECK_NEAR(lv[l].p, acc[mk - 1][l], 0.0005);
            CHECK(lv[l].rt_n == lv[l].trials);
        }
        if (nl == 6) {
            CHECK_NEAR(lv[0].rt_mean, rt_first[mk - 1], 0.0005);
            CHECK_NEAR(lv[5].rt_mean, rt_last[mk - 1], 0.0005);
            printf("  monkey %d: accuracy", mk);
            for (int l = 0; l < 6; l++) printf(" %.3f", lv[l].p);
            printf("; mean RT %.3f .. %.3f s\n", lv[0].rt_mean, lv[5].rt_mean);
        }
        char key[40];
        const double *n = NULL, *mean = NULL, *lo = NULL, *hi = NULL;
        if (have_ref) {
            snprintf(key, sizeof key, "m%d.trials", mk), n = ref_text_get(&r, key, 6);
            snprintf(key, sizeof key, "m%d.rt_mean", mk), mean = ref_text_get(&r, key, 6);
            snprintf(key, sizeof key, "m%d.rt_lo", mk), lo = ref_text_get(&r, key, 6);
            snprintf(key, sizeof key, "m%d.rt_hi", mk), hi = ref_text_get(&r, key, 6);
        }
        for (int l = 0; n && mean && lo && hi && l < nl && l < 6; l++) {
            CHECK(lv[l].trials == n[l]);
            CHECK_NEAR(lv[l].rt_mean, mean[l], 1e-12);
            CHECK_NEAR(lv[l].rt_ci[0], lo[l], 1e-9);
            CHECK_NEAR(lv[l].rt_ci[1], hi[l], 1e-9);
        }
        cj_trials_free(&m);
    }
    if (have_ref) ref_text_free(&r);
    cj_trials_free(&t);
}

TEST(roitman_signed_fit_matches_references)
{
    const char *cols[] = {"coh", "correct", "trgchoice", "monkey"};
    cj_trials t, m;
    cj_error e;
    if (cj_trials_csv_read(ROITMAN, cols, 4, &t, &e) != CJ_OK) {
        test_fail("%s", e.msg);
        return;
    }
    CHECK(cj_trials_select(&t, "monkey", 1, &m, &e) == CJ_OK);
    ref_text r;
    if (ref_text_load(&r, "tests/ref/psychometric/roitman.txt")) {
        double *x = malloc((size_t)m.n_rows * sizeof *x), *y = malloc((size_t)m.n_rows * sizeof *y);
        CHECK(cj_psy_sign_by_choice(cj_trials_column(&m, "coh"), cj_trials_column(&m, "correct"),
                                    cj_trials_column(&m, "trgchoice"), m.n_rows, 1.0, x, y, &e) == CJ_OK);
        double ones = 0;
        for (int i = 0; i < m.n_rows; i++) ones += y[i];
        const double *n1 = ref_text_get(&r, "m1.n_chose1", 1);
        if (n1) CHECK(ones == n1[0]);
        cj_psy_data d = {.n = m.n_rows, .x = x, .y = y};
        cj_psy_options o = cj_psy_options_default();
        cj_psy_fit f;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_OK);
        check_against(&r, "m1.logit", &f, 1e-7);
        printf("  monkey 1 logit: slope %.2f per unit coherence [%.2f, %.2f], PSE %.4f, threshold %.4f\n", f.b1,
               f.b1_ci[0], f.b1_ci[1], f.pse, f.threshold);
        o.link = CJ_PSY_PROBIT;
        CHECK(cj_psy_fit_binary(&d, &o, &f, &e) == CJ_OK);
        check_against(&r, "m1.probit", &f, 1e-7);
        free(x);
        free(y);
        ref_text_free(&r);
    }
    cj_trials_free(&m);
    cj_trials_free(&t);
}

/* ---- the CSV reader on its own ---- */

static const char *csv_dir(void)
{
    static const char *dir;
    if (!dir) dir = fixture_dir("trials_csv");
    return dir;
}

/* Read text as a CSV file named name, asking for columns; returns the status. */
static cj_status read_text(const char *name, const char *text, const char *const *cols, int n, cj_trials *t,
                           cj_error *e)
{
    char *path = fixture_text(csv_dir(), name, text);
    cj_status st = cj_trials_csv_read(path, cols, n, t, e);
    free(path);
    return st;
}

TEST(csv_reads_the_format)
{
    const char *cols[] = {"rt", "coh"};
    cj_trials t;
    cj_error e;
    /* BOM, CRLF, quoted header names, blanks around fields, a text column
     * not asked for (with a quoted comma), blank lines, no final newline. */
    const char *text = "\xEF\xBB\xBF"
                       "\"coh\", name ,\"r\"\"t\"\r\n"
                       "0.5,\"a, b\",1\r\n"
                       "\r\n"
                       " -0.25 ,x, 2e-1 \r\n"
                       "   \n"
                       "nan,\"\",inf";
    const char *quoted_cols[] = {"r\"t", "coh"};
    CHECK(read_text("format.csv", text, quoted_cols, 2, &t, &e) == CJ_OK);
    CHECK(t.n_rows == 3 && t.n_cols == 2);
    if (t.n_rows == 3) {
        const double *rt = cj_trials_column(&t, "r\"t"), *coh = cj_trials_column(&t, "coh");
        CHECK(rt == t.col[0] && coh == t.col[1] && !strcmp(t.names[0], "r\"t"));
        CHECK(coh[0] == 0.5 && coh[1] == -0.25 && isnan(coh[2]));
        CHECK(rt[0] == 1 && rt[1] == 0.2 && isinf(rt[2]));
        CHECK(cj_trials_column(&t, "name") == NULL);
    }
    cj_trials_free(&t);
    cj_trials_free(&t); /* harmless twice */

    /* A header only: a table of no rows. */
    CHECK(read_text("header.csv", "rt,coh\n", cols, 2, &t, &e) == CJ_OK && t.n_rows == 0);
    cj_trials_free(&t);

    /* No line-length limit: a row of 100,000 fields, the last one asked for. */
    size_t fields = 100000, cap = fields * 10 + 64; /* "c99998," is 7 bytes, "8," 2 */
    char *big = malloc(cap);
    size_t o = 0;
    for (size_t i = 0; i + 1 < fields; i++) o += (size_t)snprintf(big + o, cap - o, "c%zu,", i);
    o += (size_t)snprintf(big + o, cap - o, "rt\n");
    for (size_t i = 0; i + 1 < fields; i++) o += (size_t)snprintf(big + o, cap - o, "%zu,", i % 10);
    snprintf(big + o, cap - o, "0.75\n");
    const char *last[] = {"rt", "c99998"};
    CHECK(read_text("wide.csv", big, last, 2, &t, &e) == CJ_OK);
    CHECK(t.n_rows == 1 && t.col[0][0] == 0.75 && t.col[1][0] == 8);
    cj_trials_free(&t);
    free(big);
}

/* The read fails with code, and the message holds each of the strings. */
static void expect_error(const char *name, const char *text, cj_status code, const char *a, const char *b)
{
    const char *cols[] = {"rt", "coh"};
    cj_trials t;
    cj_error e;
    cj_status st = read_text(name, text, cols, 2, &t, &e);
    if (st != code) {
        test_fail("%s: status %d, expected %d (%s)", name, (int)st, (int)code, st ? e.msg : "ok");
        cj_trials_free(&t);
        return;
    }
    CHECK(t.n_rows == 0 && t.data == NULL);
    has(&e, name);
    if (a) has(&e, a);
    if (b) has(&e, b);
}

TEST(csv_errors_name_file_line_and_column)
{
    expect_error("empty.csv", "", CJ_ERR_FORMAT, "empty file", NULL);
    expect_error("blank.csv", "\n  \r\n\n", CJ_ERR_FORMAT, "empty file", NULL);
    expect_error("missing.csv", "monkey,coh\n1,0.5\n", CJ_ERR_FORMAT, "no column 'rt'", "'monkey', 'coh'");
    expect_error("word.csv", "rt,coh\n0.5,0.1\n0.6,high\n", CJ_ERR_FORMAT, "line 3, column 'coh' (field 2)",
                 "'high' is not a number");
    expect_error("trail.csv", "rt,coh\n0.5x,0.1\n", CJ_ERR_FORMAT, "line 2, column 'rt'", "'0.5x'");
    expect_error("cell.csv", "rt,coh\n0.5,0.1\n,0.2\n", CJ_ERR_FORMAT, "line 3, column 'rt'", "empty cell");
    expect_error("short.csv", "rt,coh,monkey\n0.5,0.1,1\n\n0.6,0.2\n", CJ_ERR_FORMAT, "line 4 has 2 fields",
                 "header (line 1) has 3");
    expect_error("long.csv", "rt,coh\n0.5,0.1,7\n", CJ_ERR_FORMAT, "line 2 has 3 fields", NULL);
    expect_error("quote.csv", "rt,coh\n\"0.5,0.1\n", CJ_ERR_FORMAT, "line 2: field 1: quote not closed", NULL);
    expect_error("after.csv", "rt,coh\n\"0.5\"x,0.1\n", CJ_ERR_FORMAT, "line 2: field 1: text after", NULL);
    expect_error("twice.csv", "rt,coh,rt\n1,2,3\n", CJ_ERR_FORMAT, "'rt' is both field 1 and field 3", NULL);
    expect_error("escaped.csv", "rt,coh\n\"0.\"\"5\",1\n", CJ_ERR_FORMAT, "line 2, column 'rt'", "not a number");
    /* a NUL byte inside (cj_text_read's check) */
    char *path = fixture_file(csv_dir(), "nul.csv", "rt,coh\n1,\0002\n", 12);
    const char *cols[] = {"rt", "coh"};
    cj_trials t;
    cj_error e;
    CHECK(cj_trials_csv_read(path, cols, 2, &t, &e) == CJ_ERR_FORMAT && has(&e, "nul.csv"));
    free(path);
    /* not a file, a folder, bad arguments */
    CHECK(cj_trials_csv_read("/nonexistent/trials.csv", cols, 2, &t, &e) == CJ_ERR_IO && has(&e, "/nonexistent"));
    CHECK(cj_trials_csv_read(csv_dir(), cols, 2, &t, &e) == CJ_ERR_IO);
    CHECK(cj_trials_csv_read(ROITMAN, cols, 0, &t, &e) == CJ_ERR_ARG);
    const char *dup[] = {"rt", "rt"};
    CHECK(cj_trials_csv_read(ROITMAN, dup, 2, &t, &e) == CJ_ERR_ARG && has(&e, "asked for twice"));
}

TEST(select_rows)
{
    const char *cols[] = {"monkey", "rt"};
    cj_trials t, s;
    cj_error e;
    CHECK(read_text("select.csv", "monkey,rt\n1,0.1\n2,0.2\n1,0.3\n2,0.4\n1,0.5\n", cols, 2, &t, &e) == CJ_OK);
    CHECK(cj_trials_select(&t, "monkey", 1, &s, &e) == CJ_OK);
    CHECK(s.n_rows == 3 && s.n_cols == 2 && !strcmp(s.names[1], "rt"));
    if (s.n_rows == 3) CHECK(s.col[1][0] == 0.1 && s.col[1][1] == 0.3 && s.col[1][2] == 0.5 && s.col[0][2] == 1);
    cj_trials_free(&s);
    CHECK(cj_trials_select(&t, "monkey", 3, &s, &e) == CJ_OK && s.n_rows == 0);
    cj_trials_free(&s);
    CHECK(cj_trials_select(&t, "coh", 1, &s, &e) == CJ_ERR_ARG && has(&e, "'coh'"));
    CHECK(cj_trials_select(&t, "rt", NAN, &s, &e) == CJ_ERR_ARG && has(&e, "NaN"));
    cj_trials_free(&t);
}

int main(void)
{
    RUN(trials_match_sklearn_and_scipy);
    RUN(weighted_counts_match_references);
    RUN(counts_equal_their_trials);
    RUN(known_slope_recovered);
    RUN(separation_detected);
    RUN(bad_input_rejected);
    RUN(normal_quantile_matches_scipy);
    RUN(wilson_matches_newcombe_and_closed_form);
    RUN(levels_by_hand);
    RUN(sign_by_choice_mapping);
    RUN(roitman_accuracy_and_rt);
    RUN(roitman_signed_fit_matches_references);
    RUN(csv_reads_the_format);
    RUN(csv_errors_name_file_line_and_column);
    RUN(select_rows);
    return test_summary("psychometric");
}
