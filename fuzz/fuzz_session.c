/* fuzz_session.c — the session loader (cj_ephys_session_load_opts) on a
 * fuzzed session folder, then the stages that read what it loaded (unit
 * positions, hand-made descriptors, network features), where a bad value
 * that slips through would crash.
 *
 * Input: one flags byte (bit 0: all_clusters), then any number of files,
 * each [1 byte: index into FILES below, modulo its length][2 bytes:
 * little-endian length][that many bytes]. A later file of the same name
 * replaces an earlier one. The RawWaveforms folder exists only when the
 * input holds a Unit file, so the templates.npy fallback is reachable. The
 * seeds are made by fuzz/make_session_seeds.py. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/ephys.h"
#include "cajal/unitmatch.h"
#include "cajal/waveform_net.h"
#include "fuzz_common.h"

static const char *const FILES[] = {
    "channel_positions.npy",
    "channel_shanks.npy",
    "cluster_group.tsv",
    "cluster_KSLabel.tsv",
    "cluster_bc_unitType.tsv",
    "templates.npy",
    "RawWaveforms/Unit0_RawSpikes.npy",
    "RawWaveforms/Unit1_RawSpikes.npy",
    "RawWaveforms/Unit2_RawSpikes.npy",
    "RawWaveforms/Unit3_RawSpikes.npy",
};
enum { N_FILES = sizeof FILES / sizeof FILES[0], FIRST_UNIT_FILE = 6 };

static char *session_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/session/%s", fuzz_dir(), name);
    return path;
}

/* An empty session folder, every file of the previous input removed. */
static void clear_session(void)
{
    for (int k = 0; k < N_FILES; k++) remove(session_path(FILES[k]));
    remove(session_path("RawWaveforms"));
    mkdir(session_path(""), 0700);
}

static void write_file(int k, const uint8_t *data, size_t size)
{
    if (k >= FIRST_UNIT_FILE) mkdir(session_path("RawWaveforms"), 0700);
    FILE *f = fopen(session_path(FILES[k]), "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz_session: write");
        abort();
    }
}

/* What later stages do with a loaded session. */
static void use_session(const cj_ephys_session *s)
{
    volatile float sum = 0.0f;
    for (int u = 0; u < s->n_units; u++)
        for (size_t i = 0; i < (size_t)s->n_samples * s->n_channels * 2; i++) sum += s->units[u].waveform[i];
    for (int c = 0; c < s->n_channels; c++) sum += (float)cj_ephys_shank_of(s, c);
    (void)sum; /* volatile: the reads above are kept, so a short buffer shows */
    cj_error err;
    cj_position_opts po;
    cj_position_defaults(&po);
    cj_unit_position *pos = malloc(sizeof *pos * (size_t)s->n_units);
    cj_handmade_unit *hand = malloc(sizeof *hand * (size_t)s->n_units);
    if (pos && hand && !cj_unit_positions(s, &po, pos, &err)) cj_handmade_describe(s, pos, hand, &err);
    cj_wavefeat_config fc;
    cj_wavefeat_defaults(&fc);
    float *x = malloc(sizeof(float) * (size_t)s->n_units * 2 * cj_wavefeat_dim(&fc));
    if (x) cj_wavefeat_extract(s, &fc, x, NULL, &err);
    free(x);
    free(pos);
    free(hand);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    clear_session();
    cj_ephys_load_opts o = {.all_clusters = data[0] & 1};
    size_t at = 1;
    while (at + 3 <= size) {
        int k = data[at] % N_FILES;
        size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
        at += 3;
        if (len > size - at) len = size - at;
        write_file(k, data + at, len);
        at += len;
    }
    cj_ephys_session s;
    cj_error err;
    if (cj_ephys_session_load_opts(session_path(""), &o, &s, &err) == CJ_OK) {
        use_session(&s);
        cj_ephys_session_free(&s);
    }
    return 0;
}
