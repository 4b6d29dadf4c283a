/* PyTorch's zip checkpoint (torch >= 1.6): <prefix>/data.pkl is the pickled state dict and
 * <prefix>/data/<key> holds each storage's raw bytes. See sam-reference.md §6.3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "weights/ckpt.h"
#include "weights/pickle.h"
#include "weights/torch_state.h"

typedef struct {
    char prefix[256];
} pth_ctx;

static int pth_add_storage(void *vctx, ckpt *c, const pk_value *s) {
    const pth_ctx *ctx = vctx;
    char name[600];
    if (strlen(s->u.storage.key) > 256) return util_err("storage key too long");
    snprintf(name, sizeof name, "%s/data/%s", ctx->prefix, s->u.storage.key);
    const zip_entry *e = weights_zip_find(&c->zip, name);
    if (!e) return util_err("storage record '%s' is missing", name);
    int si = weights_ckpt_add_storage(c, s->u.storage.dtype, (uint64_t)s->u.storage.numel, s->u.storage.key);
    if (si >= 0) c->storages[si].zent = e;
    return si;
}

/* "little" (or no record) or "big". */
static int read_byteorder(ckpt *c, const char *prefix) {
    char name[300];
    snprintf(name, sizeof name, "%s/byteorder", prefix);
    const zip_entry *e = weights_zip_find(&c->zip, name);
    if (!e) return 0;
    const uint8_t *d = NULL;
    uint8_t *owned = NULL;
    if (e->size > 16) return util_err("%s: bad byteorder record", c->label);
    if (weights_zip_entry_data(&c->zip, e, &d, &owned)) return util_err_context("%s", c->label);
    int rc = 0;
    if (e->size == 3 && !memcmp(d, "big", 3)) c->big_endian = 1;
    else if (!(e->size == 6 && !memcmp(d, "little", 6))) rc = util_err("%s: unknown byteorder record", c->label);
    free(owned);
    return rc;
}

int weights_torch_pth_read(ckpt *c) {
    if (weights_zip_open_mem(&c->zip, c->buf, c->len)) return util_err_context("%s", c->label);
    c->has_zip = 1;
    if (c->zip.n == 0) return util_err("%s: empty zip archive", c->label);
    /* every record lives under one folder, named after the file torch.save wrote: take it from the first */
    pth_ctx ctx;
    const char *first = c->zip.entries[0].name, *slash = strchr(first, '/');
    if (!slash || slash - first >= (ptrdiff_t)sizeof ctx.prefix)
        return util_err("%s: zip entries are not in a torch archive folder", c->label);
    memcpy(ctx.prefix, first, (size_t)(slash - first));
    ctx.prefix[slash - first] = 0;
    char name[300];
    snprintf(name, sizeof name, "%s/data.pkl", ctx.prefix);
    const zip_entry *pkl = weights_zip_find(&c->zip, name);
    if (!pkl) return util_err("%s: no %s record (not a torch checkpoint)", c->label, name);
    if (read_byteorder(c, ctx.prefix)) return -1;
    /* ViT-H's is about 100 KB, RITM's (1895 tensors and a config) about 330 KB; a huge one is hostile */
    if (pkl->size > (256u << 20)) return util_err("%s: %s is implausibly large (%llu bytes)", c->label, name,
        (unsigned long long)pkl->size);
    const uint8_t *d = NULL;
    uint8_t *owned = NULL;
    if (weights_zip_entry_data(&c->zip, pkl, &d, &owned)) return util_err_context("%s", c->label);
    pk_heap heap = {0};
    pk_value *root = NULL;
    int rc = weights_pickle_load(&heap, d, (size_t)pkl->size, NULL, &root);
    if (rc) util_err_context("%s: %s", c->label, name);
    else rc = weights_torch_note_unknown(c, &heap) || weights_torch_state_dict(c, root, pth_add_storage, &ctx) ? -1 : 0;
    weights_pk_heap_free(&heap);
    free(owned);
    return rc;
}
