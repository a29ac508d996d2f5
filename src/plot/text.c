/* text.c — the small drawing primitives every panel uses: text placed by
 * an anchor point, dash patterns and point markers. */
#include <math.h>

#include "internal.h"

void cj_plot_font(cairo_t *cr, double size, int bold)
{
    /* cairo's "toy" text API is enough for axis labels; fontconfig maps
     * "sans-serif" to whatever the system has (DejaVu Sans on Debian). */
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double cj_plot_text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

void cj_plot_text(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
                  double angle)
{
    if (!s || !*s) return;
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_text_extents(cr, s, &te);
    cairo_font_extents(cr, &fe);
    /* Anchor by the font's ascent and descent rather than this string's
     * ink, so that "0.1" and "gy" sit on the same baseline. */
    double h = fe.ascent + fe.descent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -ax * te.x_advance, -ay * h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

void cj_plot_set_dash(cairo_t *cr, cj_dash dash, double width)
{
    /* Lengths grow with the line width so thick lines keep their look. */
    double u = width / 2.0;
    double dashed[] = {7 * u, 4 * u};
    double dotted[] = {0.01, 3.5 * u}; /* round caps turn 0-length dashes into dots */
    double dashdot[] = {7 * u, 3 * u, 0.01, 3 * u};
    switch (dash) {
    case CJ_DASH_DASHED:
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_set_dash(cr, dashed, 2, 0);
        break;
    case CJ_DASH_DOTTED:
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, dotted, 2, 0);
        break;
    case CJ_DASH_DASHDOT:
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, dashdot, 4, 0);
        break;
    default:
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    }
}

void cj_plot_marker(cairo_t *cr, cj_marker marker, double x, double y, double size)
{
    double r = size / 2;
    switch (marker) {
    case CJ_MARKER_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        break;
    case CJ_MARKER_SQUARE:
        cairo_rectangle(cr, x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
        break;
    case CJ_MARKER_TRIANGLE:
        cairo_move_to(cr, x, y - 1.15 * r);
        cairo_line_to(cr, x + r, y + 0.75 * r);
        cairo_line_to(cr, x - r, y + 0.75 * r);
        cairo_close_path(cr);
        break;
    default:
        return;
    }
    cairo_fill(cr);
}

/* Image pixels per figure unit; 0 on a vector surface. */
static double pixel_scale(cairo_t *cr)
{
    if (cairo_surface_get_type(cairo_get_target(cr)) != CAIRO_SURFACE_TYPE_IMAGE) return 0;
    double dx = 1, dy = 0;
    cairo_user_to_device_distance(cr, &dx, &dy);
    return hypot(dx, dy);
}

double cj_plot_hairline(cairo_t *cr, double width)
{
    double s = pixel_scale(cr);
    return s > 0 ? fmax(1, round(width * s)) / s : width;
}

double cj_plot_snap(cairo_t *cr, double v, double width)
{
    double s = pixel_scale(cr);
    if (s <= 0) return v;
    /* A line of odd pixel width is centred on a pixel's middle, one of
     * even width on a pixel edge. */
    double w = fmax(1, round(width * s));
    double odd = fmod(w, 2) == 1 ? 0.5 : 0;
    return (round(v * s) + odd) / s;
}

double cj_plot_round(cairo_t *cr, double v)
{
    double s = pixel_scale(cr);
    return s > 0 ? round(v * s) / s : v;
}
