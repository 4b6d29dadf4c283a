#include "eval/embedding_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "nn/mode.h"
#include "util/err.h"
#include "util/sha256.h"

static void put_u32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void eval_embedding_image_digest(const uint8_t *rgb, int h, int w, uint8_t digest[32]) {
    static const char tag[] = "samc-image-v1"; /* the NUL too: the tag ends where the sizes start */
    uint8_t dims[8];
    put_u32le(dims, (uint32_t)h);
    put_u32le(dims + 4, (uint32_t)w);
    sha256_ctx c;
    util_sha256_init(&c);
    util_sha256_update(&c, tag, sizeof tag);
    util_sha256_update(&c, dims, sizeof dims);
    util_sha256_update(&c, rgb, (size_t)h * (size_t)w * 3);
    util_sha256_final(&c, digest);
}

void eval_embedding_origin_of(embedding_origin *o, const sam_model *m, const uint8_t *rgb, int h, int w) {
    sam_model_digest(m, o->model);
    eval_embedding_image_digest(rgb, h, w, o->image);
    o->reference = nn_reference_mode();
}

static const char *arithmetic_name(int reference) { return reference ? "reference" : "fast"; }

int eval_embedding_file_write(const char *path, int c, int g, const float *emb, const embedding_origin *o) {
    uint8_t d[32];
    char model[65], image[65], data[65], note[NPY_NOTE_MAX];
    util_sha256(emb, (size_t)c * g * g * sizeof(float), d);
    util_sha256_hex(o->model, model);
    util_sha256_hex(o->image, image);
    util_sha256_hex(d, data);
    snprintf(note, sizeof note, NPY_NOTE_MAGIC "embedding model=%s image=%s arithmetic=%s sha256=%s", model, image,
             arithmetic_name(o->reference), data);
    int64_t shape[4] = {1, c, g, g};
    return io_npy_write_noted(path, NPY_F32, 4, shape, emb, note);
}

/* The 64 hex digits after "key=" in a note, into d; 0, or -1 if absent or malformed. */
static int note_digest(const char *note, const char *key, uint8_t d[32]) {
    const char *p = strstr(note, key);
    if (!p) return -1;
    p += strlen(key);
    for (int i = 0; i < 64; i++) {
        char ch = p[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0) return -1;
        if (i % 2 == 0) d[i / 2] = (uint8_t)(v << 4);
        else d[i / 2] |= (uint8_t)v;
    }
    return p[64] == ' ' || p[64] == 0 ? 0 : -1;
}

/* Fills o and the data digest from a note "#samc embedding ..."; 0 or -1 with a message. */
static int parse_note(const char *path, const char *note, embedding_origin *o, uint8_t data[32]) {
    const char *head = NPY_NOTE_MAGIC "embedding ";
    const char *ar = strstr(note, " arithmetic=");
    int ok = strncmp(note, head, strlen(head)) == 0 && note_digest(note, " model=", o->model) == 0 &&
             note_digest(note, " image=", o->image) == 0 && note_digest(note, " sha256=", data) == 0 && ar;
    if (ok) {
        ar += strlen(" arithmetic=");
        if (!strncmp(ar, "fast", 4) && (ar[4] == ' ' || !ar[4])) o->reference = 0;
        else if (!strncmp(ar, "reference", 9) && (ar[9] == ' ' || !ar[9])) o->reference = 1;
        else ok = 0;
    }
    return ok ? 0 : util_err("%s: the samc note after the data is not an embedding's (\"%.80s\")", path, note);
}

int eval_embedding_file_read(const char *path, int c, int g, float **emb, embedding_origin *o, int *has_origin) {
    npy_array a;
    npy_note note;
    *emb = NULL;
    *has_origin = 0;
    if (io_npy_read_noted(path, &a, &note)) return -1;
    int ok = a.ndim == 4 ? a.shape[0] == 1 && a.shape[1] == c && a.shape[2] == g && a.shape[3] == g
                         : a.ndim == 3 && a.shape[0] == c && a.shape[1] == g && a.shape[2] == g;
    if (!ok) {
        char got[128] = "";
        size_t n = 0;
        for (int i = 0; i < a.ndim && n < sizeof got; i++)
            n += (size_t)snprintf(got + n, sizeof got - n, i ? " x %lld" : "%lld", (long long)a.shape[i]);
        io_npy_free(&a);
        return util_err("%s: embedding of shape %s, this model's are 1 x %d x %d x %d", path, got, c, g, g);
    }
    if (note.present) {
        uint8_t want[32], got[32];
        if (parse_note(path, note.text, o, want)) return io_npy_free(&a), -1;
        if (a.dtype != NPY_F32) return io_npy_free(&a), util_err("%s: a samc embedding must be float32", path);
        util_sha256(a.data, a.count * sizeof(float), got);
        if (memcmp(got, want, 32)) {
            io_npy_free(&a);
            return util_err("%s: the embedding's data does not match its checksum (the file is damaged)", path);
        }
        *has_origin = 1;
    }
    if (io_npy_to_f32(&a)) return io_npy_free(&a), -1;
    *emb = a.data;
    return 0;
}

int eval_embedding_origin_check(const embedding_origin *got, const embedding_origin *want, const char *path) {
    if (memcmp(got->model, want->model, 32))
        return util_err("%s was computed by another model (its model digest differs from this .samw's)", path);
    if (memcmp(got->image, want->image, 32))
        return util_err("%s is the embedding of another image (or of this image at another size)", path);
    if (got->reference != want->reference)
        return util_err("%s was computed in %s arithmetic, this run uses %s: encode the image again", path,
                        arithmetic_name(got->reference), arithmetic_name(want->reference));
    return 0;
}
