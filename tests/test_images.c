/* test_images.c — a stimulus image as a model input (cj_image_to_input,
 * include/cajal/images.h): shrinking by area averaging, growing by
 * bilinear interpolation with half-pixel centres, and grey by BT.601 luma,
 * each against OpenCV's INTER_AREA / INTER_LINEAR resize of the same float images
 * (tools/make_image_refs.py, tests/ref/images/resize.txt); plus the closed
 * forms a user relies on: a constant image stays constant at any size, and
 * an exact 2x shrink is the mean of each 2 x 2 block. */
#include <math.h>
#include <stdlib.h>

#include "cajal/images.h"
#include "harness.h"
#include "ref_text.h"

static void check_case(const ref_text *r, const char *name)
{
    char key[40];
    snprintf(key, sizeof key, "%s.size", name);
    const double *size = ref_text_get(r, key, 4);
    if (!size) return;
    int h = (int)size[0], w = (int)size[1], H = (int)size[2], W = (int)size[3];
    snprintf(key, sizeof key, "%s.input", name);
    const double *in = ref_text_get(r, key, h * w * 3);
    snprintf(key, sizeof key, "%s.rgb", name);
    const double *rgb = ref_text_get(r, key, 3 * H * W);
    snprintf(key, sizeof key, "%s.grey", name);
    const double *grey = ref_text_get(r, key, H * W);
    if (!in || !rgb || !grey) return;
    float *pix = malloc(sizeof(float) * (size_t)h * w * 3), *out = malloc(sizeof(float) * 3 * (size_t)H * W);
    for (int i = 0; i < h * w * 3; i++) pix[i] = (float)in[i];
    cj_image im = {h, w, pix};
    double worst = 0;
    cj_image_to_input(&im, 3, H, W, out);
    for (int i = 0; i < 3 * H * W; i++) worst = fmax(worst, fabs(out[i] - rgb[i]));
    cj_image_to_input(&im, 1, H, W, out);
    for (int i = 0; i < H * W; i++) worst = fmax(worst, fabs(out[i] - grey[i]));
    if (worst > 2e-6) test_fail("%s (%dx%d -> %dx%d): largest difference from OpenCV %g", name, h, w, H, W, worst);
    free(pix);
    free(out);
}

TEST(resizing_matches_opencv)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/images/resize.txt")) return;
    const char *cases[] = {"shrink", "ratio", "grow", "same"};
    for (int k = 0; k < 4; k++) check_case(&r, cases[k]);
    ref_text_free(&r);
}

TEST(constant_stays_constant_and_halving_averages_blocks)
{
    enum { h = 6, w = 4 };
    float pix[h * w * 3], out[3 * 5 * 9];
    for (int i = 0; i < h * w; i++) pix[3 * i] = 0.25f, pix[3 * i + 1] = 0.5f, pix[3 * i + 2] = 1.0f;
    cj_image im = {h, w, pix};
    const int sizes[3][2] = {{5, 9}, {2, 3}, {1, 1}};
    for (int s = 0; s < 3; s++) {
        int H = sizes[s][0], W = sizes[s][1];
        cj_image_to_input(&im, 3, H, W, out);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < H * W; i++) CHECK_NEAR(out[c * H * W + i], c == 0 ? 0.25 : c == 1 ? 0.5 : 1.0, 1e-6);
        cj_image_to_input(&im, 1, H, W, out);
        for (int i = 0; i < H * W; i++) CHECK_NEAR(out[i], 0.299 * 0.25 + 0.587 * 0.5 + 0.114, 1e-6);
    }
    for (int i = 0; i < h * w * 3; i++) pix[i] = (float)(i % 7) / 7.0f;
    cj_image_to_input(&im, 3, h / 2, w / 2, out);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h / 2; y++)
            for (int x = 0; x < w / 2; x++) {
                double m = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) m += pix[((2 * y + dy) * w + 2 * x + dx) * 3 + c] / 4.0;
                CHECK_NEAR(out[(c * (h / 2) + y) * (w / 2) + x], m, 1e-6);
            }
}

int main(void)
{
    RUN(resizing_matches_opencv);
    RUN(constant_stays_constant_and_halving_averages_blocks);
    return test_summary("images");
}
