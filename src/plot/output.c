/* output.c — writing a figure as PNG, SVG or PDF, always atomically
 * through cj_atomic_open/commit (temp file + fsync + rename): a viewer
 * refreshing curves.png while `cajal plot` runs sees the old figure or the
 * new one, never half of one. */
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "cajal/io.h"
#include "cairo_png.h"
#include "internal.h"

/* CSS pixels: 96 per inch, 72 points per inch. SVG is written in px and
 * PDF in points, so both show the figure at the same physical size. */
#define PT_PER_PX 0.75

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

void cj_cairo_text_centred(cairo_t *cr, const char *text, double x, double y)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    cairo_move_to(cr, x - te.width / 2 - te.x_bearing, y);
    cairo_show_text(cr, text);
}

cj_status cj_cairo_write_png(cairo_surface_t *surface, const char *path, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    cairo_status_t cs = cairo_surface_write_to_png_stream(surface, write_chunk, af.f);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write PNG: %s", path, cairo_status_to_string(cs));
    }
    return cj_atomic_commit(&af, err);
}

static const char *const format_ext[] = {"png", "svg", "pdf"};

cj_status cj_figure_format_of(const char *path, cj_figure_format *fmt, cj_error *err)
{
    if (!path || !*path) return cj_fail(err, CJ_ERR_ARG, "figure: no file name");
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (!dot || dot[1] == '\0')
        return cj_fail(err, CJ_ERR_ARG, "%s: no file extension; expected .png, .svg or .pdf",
                       path);
    for (int i = 0; i < 3; i++) {
        if (!strcasecmp(dot + 1, format_ext[i])) {
            *fmt = (cj_figure_format)i;
            return CJ_OK;
        }
    }
    return cj_fail(err, CJ_ERR_ARG,
                   "%s: unknown figure format \"%s\"; expected .png, .svg or .pdf", path, dot);
}

cj_status cj_figure_write(const cj_figure *fig, const char *path, cj_error *err)
{
    cj_figure_format fmt = CJ_FIGURE_PNG;
    cj_status st = cj_figure_format_of(path, &fmt, err);
    if (st) return st;
    if (fmt == CJ_FIGURE_SVG) return cj_figure_write_svg(fig, path, err);
    if (fmt == CJ_FIGURE_PDF) return cj_figure_write_pdf(fig, path, err);
    return cj_figure_write_png(fig, path, err);
}

static cj_status draw_failed(const cj_figure *fig, const char *path, cairo_status_t cs,
                             cj_error *err)
{
    return cj_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? CJ_ERR_NOMEM : CJ_ERR_ARG,
                   "%s: cannot draw %dx%d figure: %s", path, fig->width, fig->height,
                   cairo_status_to_string(cs));
}

cj_status cj_figure_write_png(const cj_figure *fig, const char *path, cj_error *err)
{
    if (!fig || !path || !*path) return cj_fail(err, CJ_ERR_ARG, "write PNG: no figure or path");
    /* RGB24: no alpha channel, so the PNG is smaller and looks the same in
     * every viewer whatever its background. */
    cairo_surface_t *surf =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, fig->width, fig->height);
    cairo_status_t cs = cairo_surface_status(surf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cj_plot_render(surf, fig, 1.0);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        return draw_failed(fig, path, cs, err);
    }
    cj_status st = cj_cairo_write_png(surf, path, err);
    cairo_surface_destroy(surf);
    return st;
}

/* SVG and PDF surfaces write as they draw, so the temporary file is opened
 * first and the surface streams into it; cairo_surface_finish writes the
 * end of the document, and only a clean finish is committed. */
static cj_status write_vector(const cj_figure *fig, const char *path, cj_figure_format fmt,
                              cj_error *err)
{
    const char *what = fmt == CJ_FIGURE_SVG ? "SVG" : "PDF";
    if (!fig || !path || !*path)
        return cj_fail(err, CJ_ERR_ARG, "write %s: no figure or path", what);
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    cairo_surface_t *surf;
    double unit = 1.0;
    if (fmt == CJ_FIGURE_SVG) {
        surf = cairo_svg_surface_create_for_stream(write_chunk, af.f, fig->width, fig->height);
        cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_PX);
    } else {
        unit = PT_PER_PX;
        surf = cairo_pdf_surface_create_for_stream(write_chunk, af.f, fig->width * unit,
                                                   fig->height * unit);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "cajal");
        if (fig->title[0])
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, fig->title);
    }
    cairo_status_t cs = cairo_surface_status(surf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cj_plot_render(surf, fig, unit);
    int drawn = cs == CAIRO_STATUS_SUCCESS;
    cairo_surface_finish(surf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cj_atomic_abort(&af);
        if (!drawn) return draw_failed(fig, path, cs, err);
        return cj_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? CJ_ERR_NOMEM : CJ_ERR_IO,
                       "%s: cannot write %s: %s", path, what, cairo_status_to_string(cs));
    }
    return cj_atomic_commit(&af, err);
}

cj_status cj_figure_write_svg(const cj_figure *fig, const char *path, cj_error *err)
{
    return write_vector(fig, path, CJ_FIGURE_SVG, err);
}

cj_status cj_figure_write_pdf(const cj_figure *fig, const char *path, cj_error *err)
{
    return write_vector(fig, path, CJ_FIGURE_PDF, err);
}
