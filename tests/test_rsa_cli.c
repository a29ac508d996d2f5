/* test_rsa_cli.c — cajal rsa's library side on the real 92-image set
 * (../shared/data/rsa92): the known figures of ../shared/data/README.md
 * (monkey IT vs human IT Pearson r = 0.491, computed there with NumPy; the
 * human-IT noise ceiling 0.2585 to 0.4761), table.csv's columns, and the
 * errors as one line naming the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/images.h"
#include "cajal/npy.h"
#include "cajal/rsa_report.h"
#include "harness.h"

#define RSA92 "../shared/data/rsa92"

TEST(brain_side_reproduces_the_known_figures)
{
    cj_rsa_brain b;
    cj_error err;
    CHECK(cj_rsa_brain_load(RSA92, &b, &err) == CJ_OK);
    CHECK(b.n == 92 && b.n_regions == 2 && b.n_subjects[1] == 4 && b.images.n == 92);
    double r, c[2];
    CHECK(cj_rsa_compare(b.rdm[0], b.rdm[1], cj_rdm_len(92), CJ_RSA_PEARSON, &r, &err) == CJ_OK);
    CHECK_NEAR(r, 0.491, 1e-3);
    CHECK(cj_rsa_noise_ceiling(b.subjects[1], 4, cj_rdm_len(92), CJ_RSA_TAU_A, CJ_RSA_POOL_MEAN, c, &err) == CJ_OK);
    CHECK_NEAR(c[0], 0.2585, 1e-3);
    CHECK_NEAR(c[1], 0.4761, 1e-3);
    CHECK(b.images.img[0].h == 175 && b.images.img[0].w == 175 && b.images.category != NULL);
    cj_rsa_brain_free(&b);
}

static void write_layer(const char *dir, const char *name, int n, int f, unsigned seed)
{
    float *x = malloc(sizeof(float) * n * f);
    for (int i = 0; i < n * f; i++) x[i] = (float)((seed = seed * 1103515245u + 12345u) >> 16) / 65536.0f;
    char *p = cj_path_printf("%s/%s.npy", dir, name);
    int64_t shape[2] = {n, f};
    CHECK(cj_npy_write_f32(p, 2, shape, x, NULL) == CJ_OK);
    free(p);
    free(x);
}

TEST(table_has_the_binding_columns_and_sizes_are_checked)
{
    char dir[] = "/tmp/cj_rsa_cli_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    write_layer(dir, "a", 92, 20, 1);
    write_layer(dir, "b", 92, 30, 2);
    cj_acts a;
    cj_error err;
    CHECK(cj_acts_read(dir, &a, &err) == CJ_OK);
    CHECK(a.n == 92 && a.n_layers == 2 && !strcmp(a.layers[0], "a"));
    cj_rsa_brain b;
    CHECK(cj_rsa_brain_load(RSA92, &b, &err) == CJ_OK);
    cj_rsa_report_opts o;
    cj_rsa_report_defaults(&o);
    o.boot.samples = 50;
    o.figures = 0;
    char *out = cj_path_join(dir, "out");
    const char *names[1] = {"m"}, *dirs[1] = {dir};
    CHECK(cj_rsa_report(&a, 1, names, dirs, &b, &o, out, &err) == CJ_OK);
    char *tp = cj_path_join(out, "table.csv"), *text = NULL;
    size_t len;
    CHECK(cj_text_read(tp, 1 << 20, &text, &len, &err) == CJ_OK);
    const char *head = "layer,region,measure,value,ci_low,ci_high,ceiling_low,ceiling_high\n";
    CHECK(text && !strncmp(text, head, strlen(head)));
    CHECK(text && strstr(text, "a,human_IT,tau_a,") != NULL);
    free(text);
    free(tp);
    cj_acts_free(&a);
    /* 10 stimuli against a 92 x 92 brain RDM */
    char *d2 = cj_path_join(dir, "small");
    CHECK(mkdir(d2, 0777) == 0);
    write_layer(d2, "a", 10, 5, 3);
    CHECK(cj_acts_read(d2, &a, &err) == CJ_OK);
    const char *dirs2[1] = {d2};
    CHECK(cj_rsa_report(&a, 1, names, dirs2, &b, &o, out, &err) == CJ_ERR_SHAPE);
    CHECK(strstr(err.msg, "10 stimuli") && strstr(err.msg, "92 x 92") && !strchr(err.msg, '\n'));
    cj_acts_free(&a);
    cj_rsa_brain_free(&b);
    /* a NaN dissimilarity in a brain RDM */
    double m[16] = {0, 1, 2, 3, 1, 0, NAN, 4, 2, NAN, 0, 5, 3, 4, 5, 0};
    float mf[16];
    for (int i = 0; i < 16; i++) mf[i] = (float)m[i];
    char *np = cj_path_join(dir, "nan.npy");
    int64_t shape[2] = {4, 4};
    CHECK(cj_npy_write_f32(np, 2, shape, mf, NULL) == CJ_OK);
    CHECK(cj_rsa_brain_load(np, &b, &err) != CJ_OK);
    CHECK(strstr(err.msg, "nan.npy") && strstr(err.msg, "(2,3)") && !strchr(err.msg, '\n'));
    free(np);
    free(d2);
    free(out);
}

TEST(missing_mat_variable_is_one_line)
{
    cj_image_set s;
    cj_error err;
    CHECK(cj_image_set_load(RSA92 "/92_modelRDMs.mat", &s, &err) == CJ_ERR_FORMAT);
    CHECK(strstr(err.msg, "92_modelRDMs.mat") && strstr(err.msg, "image") && !strchr(err.msg, '\n'));
}

int main(void)
{
    RUN(brain_side_reproduces_the_known_figures);
    RUN(table_has_the_binding_columns_and_sizes_are_checked);
    RUN(missing_mat_variable_is_one_line);
    return test_summary("test_rsa_cli");
}
