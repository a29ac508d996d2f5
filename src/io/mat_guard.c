/* mat_guard.c — check a .mat file's headers before libmatio reads them.
 *
 * libmatio allocates from the sizes a header declares before it reads what
 * follows: a variable name of the declared length, a dims array, a pointer
 * per struct field per element and a matvar_t for each, a buffer per array.
 * A few corrupt bytes can thus ask for gigabytes (the fuzzer found a v5
 * struct whose dimensions asked for 8 GB while libmatio listed the file's
 * variables, inside Mat_VarReadNextInfo, before any check of cajal's could
 * run). So cj_mat_open first walks every header the way libmatio will
 * (MAT-File Format, MathWorks 2021, ch. 1: v5 tags, array flags,
 * dimensions, name, struct field names, nested miMATRIX elements; v4's
 * five-word headers), inflating compressed variables as a stream with
 * nothing kept, and refuses a file in which any size exceeds what the bytes
 * after it can hold:
 *   - a name, a dimensions array or struct field names longer than the rest
 *     of their element;
 *   - a numeric, logical or char array of more elements than bytes left in
 *     its element (every element is stored in at least one byte);
 *   - a struct or cell array of more fields x elements, or cells, than
 *     8-byte tags fit in its element (each is a nested miMATRIX with a tag);
 *   - nesting deeper than MAX_DEPTH;
 *   - a variable cut short by the end of the file, or compressed data that
 *     does not inflate whole, checksum included: after a short read or a
 *     zlib error libmatio carries on with whatever its buffers held.
 * A compressed variable is bounded by zlib's largest ratio (1032:1) until
 * its stream ends. v7.3 files (HDF5) are not walked: HDF5 checks its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mat_common.h"

enum { MAX_DEPTH = 64, ZLIB_RATIO = 1032 };
enum { MI_INT8 = 1, MI_INT32 = 5, MI_UINT32 = 6, MI_MATRIX = 14, MI_COMPRESSED = 15 };
enum { MX_CELL = 1, MX_STRUCT = 2, MX_OBJECT = 3, MX_CHAR = 4, MX_SPARSE = 5, MX_FUNCTION = 16, MX_OPAQUE = 17 };

/* Bytes in sequence from the file, or inflated from one compressed
 * element. `left` is what the current source may still give. */
typedef struct {
    FILE *fp;
    int swap;
    int zlib;
    z_stream z;
    uint64_t in_left;         /* compressed bytes not yet fed to inflate */
    unsigned char in[16384];
    int ended;                /* the stream or the file ran out */
    int zstatus;              /* inflate's last status: Z_OK, Z_STREAM_END or an error */
} source;

static int src_read(source *s, void *buf, size_t n)
{
    if (s->ended) return 0;
    if (!s->zlib) {
        if (fread(buf, 1, n, s->fp) != n) s->ended = 1;
        return !s->ended;
    }
    s->z.next_out = buf;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out) {
        if (!s->z.avail_in && s->in_left) {
            size_t want = s->in_left < sizeof s->in ? (size_t)s->in_left : sizeof s->in;
            size_t got = fread(s->in, 1, want, s->fp);
            s->in_left = got < want ? 0 : s->in_left - got;
            s->z.next_in = s->in;
            s->z.avail_in = (uInt)got;
        }
        if (!s->z.avail_in) break;
        int r = s->zstatus = inflate(&s->z, Z_NO_FLUSH);
        if (r != Z_OK) break;
    }
    if (s->z.avail_out) s->ended = 1;
    return !s->ended;
}

static int src_skip(source *s, uint64_t n)
{
    unsigned char scratch[4096];
    if (!s->zlib) {
        if (fseeko(s->fp, (off_t)n, SEEK_CUR) != 0) s->ended = 1;
        return !s->ended;
    }
    while (n && !s->ended) {
        size_t k = n < sizeof scratch ? (size_t)n : sizeof scratch;
        src_read(s, scratch, k);
        n -= k;
    }
    return !s->ended;
}

static uint32_t word(const source *s, const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return s->swap ? __builtin_bswap32(v) : v;
}

typedef struct {
    const char *path;
    cj_error *err;
    int depth;
} walk;

static cj_status refuse(walk *w, const char *what, uint64_t asked, uint64_t room)
{
    return cj_fail(w->err, CJ_ERR_FORMAT,
                   "%s: corrupt .mat file: %s of %llu in a variable with %llu bytes left (nesting level %d)", w->path,
                   what, (unsigned long long)asked, (unsigned long long)room, w->depth);
}

static uint64_t pad8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

/* The bytes of one element: reads past `room` fail, and whatever is not
 * read is skipped at the end, so the stream stays where libmatio's is. */
typedef struct {
    source *s;
    uint64_t room, used;
    int overrun;      /* a header needed more bytes than the element declares */
} element;

static int get(element *e, void *buf, uint64_t n)
{
    if (n > e->room - e->used) {
        e->overrun = 1;
        return 0;
    }
    if (!src_read(e->s, buf, (size_t)n)) return 0;
    e->used += n;
    return 1;
}

static int skip(element *e, uint64_t n)
{
    if (n > e->room - e->used) n = e->room - e->used;
    e->used += n;
    return src_skip(e->s, n);
}

static cj_status matrix(walk *w, source *s, uint64_t room, int field);

/* The data elements after a numeric, char or sparse array's name (real
 * and imaginary parts; a sparse array's ir, jc, pr, pi): libmatio
 * allocates what each tag declares, and reads the `expected` ones wherever
 * they are, past the end of their element if need be. So each must lie
 * inside the element, and all of them must be there. */
static cj_status data_elements(walk *w, element *e, int expected)
{
    unsigned char b[8];
    int found = 0;
    while (e->room - e->used >= 8 && get(e, b, 8)) {
        found++;
        uint32_t type = word(e->s, b);
        if (type >> 16) continue; /* at most 4 bytes, packed in the tag */
        uint64_t n = pad8(word(e->s, b + 4));
        if (n > e->room - e->used) return refuse(w, "a data element", n, e->room - e->used);
        if (!skip(e, n)) break;
    }
    if (found < expected && !e->s->ended)
        return cj_fail(w->err, CJ_ERR_FORMAT,
                       "%s: corrupt .mat file: an array with %d of its %d data elements (nesting level %d)", w->path,
                       found, expected, w->depth);
    return CJ_OK;
}

/* numel nested miMATRIX elements (struct fields or cells). */
static cj_status children(walk *w, element *e, uint64_t count, int fields)
{
    unsigned char b[8];
    for (uint64_t i = 0; i < count; i++) {
        if (!get(e, b, 8)) return CJ_OK;
        /* libmatio's order: a field must be an miMATRIX, then 0 bytes is an
         * empty one; a cell of 0 bytes is empty whatever its type, then it
         * must be an miMATRIX. Where it stops, we stop. */
        uint32_t type = word(e->s, b);
        uint64_t n = word(e->s, b + 4);
        if (fields && type != MI_MATRIX) return CJ_OK;
        if (n == 0) continue;
        if (type != MI_MATRIX) return CJ_OK;
        if (n > e->room - e->used) return refuse(w, "a nested array's bytes", n, e->room - e->used);
        cj_status st = matrix(w, e->s, n, fields);
        if (st) return st;
        e->used += n;
        if (e->s->ended) return CJ_OK;
    }
    return CJ_OK;
}

/* One miMATRIX payload of at most `room` bytes (its tag already read).
 * Stops quietly where the bytes run out: libmatio then fails cleanly on a
 * short read, with nothing large allocated. */
static cj_status matrix(walk *w, source *s, uint64_t room, int field)
{
    element e = {.s = s, .room = room};
    unsigned char b[16];
    cj_status st = CJ_OK;
    if (++w->depth > MAX_DEPTH) {
        st = refuse(w, "nesting", (uint64_t)w->depth, room);
        goto done;
    }
    if (!get(&e, b, 16)) goto done;
    uint32_t ftype = word(s, b);
    unsigned cls = ftype == MI_UINT32 || ftype == MI_INT32 ? word(s, b + 8) & 0xff : 0;
    int complex = cls && (word(s, b + 8) & 0x0800) != 0;
    /* libmatio skips an opaque (MATLAB object) array's dimensions only in
     * compressed variables; uncompressed, it reads them like any other. */
    if (cls == MX_OPAQUE && s->zlib) goto done;
    /* Dimensions: an miINT32 element of rank x 4 bytes. */
    if (!get(&e, b, 8)) goto done;
    uint32_t dtype = word(s, b), dbytes = word(s, b + 4);
    if (dtype != MI_INT32) {
        st = refuse(w, "dimensions not in an miINT32 element, type", dtype, room - e.used);
        goto done;
    }
    /* Whole int32s: libmatio skips padding by rank when uncompressed and
     * by bytes when compressed, which agree only then. */
    if (dbytes % 4 != 0) {
        st = refuse(w, "dimensions that are not whole int32s, bytes", dbytes, room - e.used);
        goto done;
    }
    if (pad8(dbytes) > room - e.used) {
        st = refuse(w, "a dimensions array", dbytes, room - e.used);
        goto done;
    }
    uint64_t numel = 1;
    for (uint32_t k = 0; k + 4 <= dbytes; k += 4) {
        if (!get(&e, b, 4)) goto done;
        uint64_t d = word(s, b);
        if (d && numel > UINT64_MAX / d) {
            st = refuse(w, "dimensions whose product overflows, a dimension", d, room - e.used);
            goto done;
        }
        numel *= d;
    }
    if (!skip(&e, pad8(dbytes) - (dbytes & ~3u))) goto done;
    /* The name: miINT8 of len bytes padded to 8, or packed in its tag. */
    if (!get(&e, b, 8)) goto done;
    if (word(s, b) == MI_INT8) {
        uint64_t len = pad8(word(s, b + 4));
        /* A struct field's name tag is read alone (libmatio takes the
         * field's data to start right after it): a named field would
         * have its name read as data. MATLAB never writes one. */
        if (field && len) {
            st = refuse(w, "a struct field with a name of", len, room - e.used);
            goto done;
        }
        if (len > room - e.used) {
            st = refuse(w, "a name", len, room - e.used);
            goto done;
        }
        if (!skip(&e, len)) goto done;
    }
    if (cls == MX_STRUCT) {
        /* Field name length (packed miINT32), then the names. */
        if (!get(&e, b, 8)) goto done;
        uint32_t size = word(s, b + 4);
        if ((word(s, b) & 0xffff) != MI_INT32 || size == 0) goto done;
        if (!get(&e, b, 8)) goto done;
        uint32_t ntag = word(s, b);
        uint64_t nfields = 0;
        if (ntag == MI_INT8) {
            nfields = word(s, b + 4) / size;
            uint64_t bytes = pad8(nfields * size);
            if (bytes > room - e.used) {
                st = refuse(w, "struct field names", bytes, room - e.used);
                goto done;
            }
            if (!skip(&e, bytes)) goto done;
        } else if ((ntag & 0xffff) == MI_INT8 && (ntag >> 16) <= 4) {
            nfields = (ntag >> 16) / size; /* packed in the tag: already read */
        }
        if (nfields && numel > (room - e.used) / 8 / nfields) {
            st = refuse(w, "struct elements x fields", numel * nfields, room - e.used);
            goto done;
        }
        st = children(w, &e, numel * nfields, 1);
    } else if (cls == MX_CELL) {
        if (numel > (room - e.used) / 8) {
            st = refuse(w, "cells", numel, room - e.used);
            goto done;
        }
        st = children(w, &e, numel, 0);
    } else if (cls == MX_FUNCTION) {
        /* libmatio reads a function handle's elements as top-level
         * variables from wherever the stream is (ReadNextFunctionHandle),
         * compressed or not, empty or not: no header walk can follow it
         * safely, and cajal reads no function handles. */
        st = cj_fail(w->err, CJ_ERR_FORMAT,
                     "%s: holds a function handle (nesting level %d), which cajal does not read: save the data "
                     "without it",
                     w->path, w->depth);
    } else if (cls != 0) {
        if (cls != MX_SPARSE && numel > room - e.used) {
            st = refuse(w, "array elements", numel, room - e.used);
            goto done;
        }
        int parts = (cls == MX_SPARSE ? 3 : 1) + (complex ? 1 : 0);
        st = data_elements(w, &e, parts);
    }
done:
    /* libmatio reads a header whole whatever size its element declares, so
     * a header longer than its element would be read from the next one:
     * refused (an empty element, room 0, is a legal empty array). */
    if (!st && e.overrun && room > 0)
        st = cj_fail(w->err, CJ_ERR_FORMAT,
                     "%s: corrupt .mat file: an array header longer than the %llu bytes its element declares (nesting "
                     "level %d)",
                     w->path, (unsigned long long)room, w->depth);
    if (!st && e.used < room) skip(&e, room - e.used);
    w->depth--;
    return st;
}

static cj_status guard_v5(walk *w, FILE *fp, uint64_t size, int swap)
{
    uint64_t pos = 128;
    while (pos + 8 <= size) {
        unsigned char b[8];
        if (fseeko(fp, (off_t)pos, SEEK_SET) != 0 || fread(b, 1, 8, fp) != 8) break;
        source s = {.fp = fp, .swap = swap};
        uint32_t type = word(&s, b), nbytes = word(&s, b + 4);
        uint64_t avail = size - pos - 8, n = nbytes < avail ? nbytes : avail;
        cj_status st = CJ_OK;
        if ((type == MI_MATRIX || type == MI_COMPRESSED) && nbytes > avail)
            return cj_fail(w->err, CJ_ERR_FORMAT,
                           "%s: truncated .mat file: the variable at byte %llu declares %u bytes, %llu remain", w->path,
                           (unsigned long long)pos, nbytes, (unsigned long long)avail);
        if (type == MI_MATRIX) {
            /* libmatio reads the 24 bytes of flags and dimensions tag
             * whatever the element declares. */
            if (n < 24)
                return cj_fail(w->err, CJ_ERR_FORMAT,
                               "%s: corrupt .mat file: the variable at byte %llu declares %llu bytes, too few for its "
                               "header",
                               w->path, (unsigned long long)pos, (unsigned long long)n);
            st = matrix(w, &s, n, 0);
        } else if (type == MI_COMPRESSED) {
            if (inflateInit(&s.z) != Z_OK) return cj_fail(w->err, CJ_ERR_NOMEM, "%s: zlib: out of memory", w->path);
            s.zlib = 1;
            s.in_left = n;
            s.zstatus = Z_OK;
            unsigned char t[8];
            if (src_read(&s, t, 8) && word(&s, t) == MI_MATRIX) {
                uint64_t inner = word(&s, t + 4), bound = n * ZLIB_RATIO + 64;
                st = matrix(w, &s, inner < bound ? inner : bound, 0);
            }
            /* The stream must inflate whole, checksum included: after a
             * zlib error libmatio goes on with what its buffers held before
             * (under AddressSanitizer's fill, a 6.6 GB calloc found by the
             * fuzzer), so a damaged variable is refused here. */
            while (!st && !s.ended) src_skip(&s, 1 << 16);
            if (!st && s.zstatus != Z_STREAM_END)
                st = cj_fail(w->err, CJ_ERR_FORMAT,
                             "%s: corrupt .mat file: the compressed variable at byte %llu does not inflate (zlib: %s)",
                             w->path, (unsigned long long)pos,
                             s.zstatus == Z_OK ? "data cut short" : s.z.msg ? s.z.msg : zError(s.zstatus));
            inflateEnd(&s.z);
        } else {
            break; /* libmatio stops listing here too */
        }
        if (st) return st;
        pos += 8 + (uint64_t)nbytes;
    }
    return CJ_OK;
}

/* v4: per matrix five 32-bit words (type MOPT, rows, columns, imaginary
 * flag, name length incl. NUL), the name, the data. Byte order as libmatio
 * decides it: from MOPT, read little-endian and swapped if out of range. */
static cj_status guard_v4(walk *w, FILE *fp, uint64_t size)
{
    uint64_t pos = 0;
    while (pos + 20 <= size) {
        unsigned char b[20];
        if (fseeko(fp, (off_t)pos, SEEK_SET) != 0 || fread(b, 1, 20, fp) != 20) break;
        source s = {.fp = fp};
        int32_t mopt = (int32_t)word(&s, b);
        if (mopt < 0 || mopt > 4052) {
            s.swap = 1;
            mopt = (int32_t)word(&s, b);
            if (mopt < 0 || mopt > 4052) break;
            s.swap = 0;
        }
        s.swap = mopt / 1000 == 1; /* big-endian data on this little-endian host */
        int32_t type = mopt % 100 / 10;
        static const unsigned width[6] = {8, 4, 4, 2, 2, 1};
        if (mopt / 1000 > 1 || mopt % 1000 / 100 != 0 || type > 5 || mopt % 10 > 2) break;
        uint64_t rows = word(&s, b + 4), cols = word(&s, b + 8), namelen = word(&s, b + 16);
        uint64_t room = size - pos - 20;
        int imag = word(&(source){.fp = fp}, b + 12) != 0;
        if (namelen > room) return refuse(w, "a name", namelen, room);
        room -= namelen;
        /* A v4 sparse matrix is stored as [nnz + 1, 3 or 4] (row, column,
         * real, imaginary), and libmatio sizes its parts from the rows. */
        if (mopt % 10 == 2 && cols != 3 && cols != 4) return refuse(w, "a sparse v4 matrix with columns", cols, room);
        uint64_t bytes = rows * cols; /* each < 2^32: no overflow */
        if (bytes > UINT64_MAX / 16) return refuse(w, "an array", bytes, room);
        bytes *= width[type] * (imag ? 2u : 1u);
        if (bytes > room) return refuse(w, "array bytes", bytes, room);
        pos += 20 + namelen + bytes;
    }
    return CJ_OK;
}

cj_status mat_guard(const char *path, uint64_t size, cj_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return cj_fail(err, CJ_ERR_IO, "%s: cannot open", path);
    walk w = {.path = path, .err = err};
    unsigned char h[128];
    cj_status st = CJ_OK;
    size_t got = fread(h, 1, sizeof h, fp);
    /* Mat_Open's test: bytes 124-125 the version, 126-127 "IM" (this byte
     * order) or "MI" (swapped). */
    int v5 = 0, swap = 0;
    if (got == 128 && ((h[126] == 'I' && h[127] == 'M') || (h[126] == 'M' && h[127] == 'I'))) {
        swap = h[126] == 'M';
        unsigned version = swap ? (unsigned)h[124] << 8 | h[125] : (unsigned)h[125] << 8 | h[124];
        if (version == 0x0200) {
            fclose(fp);
            return CJ_OK; /* v7.3: HDF5 */
        }
        v5 = version == 0x0100;
    }
    st = v5 ? guard_v5(&w, fp, size, swap) : guard_v4(&w, fp, size);
    fclose(fp);
    return st;
}
