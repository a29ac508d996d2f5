/* match_figures.c — placeholder while the pipeline is measured. */
#include "cajal/unitmatch.h"

cj_status cj_unitmatch_figures(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                               const cj_unitmatch_opts *o, cj_error *err)
{
    return CJ_OK;
}
