#include "eval/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "eval/baseline_experiments.h"
#include "eval/csv.h"
#include "eval/dirlist.h"
#include "eval/embedding_cache.h"
#include "eval/examples.h"
#include "eval/results.h"
#include "eval/skipped.h"
#include "eval/source.h"
#include "iseg/iseg.h"
#include "nn/mode.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/progress.h"
#include "util/sha256.h"

char *run_manifest(const uint8_t model_sha256[32], const uint8_t (*baseline_sha256)[32], const dataset_config *c,
                   const runner_options *o) {
    strbuf b = {0};
    char hex[65], exps[128];
    sha256_hex(model_sha256, hex);
    experiments_format(o->exp.experiments, exps, sizeof exps);
    sb_puts(&b, "# samc eval: what these results depend on (a resumed run or merged shard must match)\n");
    sb_printf(&b, "model_sha256 = %s\n", hex);
    sb_printf(&b, "dataset = %s\n", c->name);
    if (o->config_text) {
        uint8_t d[32];
        sha256(o->config_text, strlen(o->config_text), d);
        sha256_hex(d, hex);
        sb_printf(&b, "dataset_config_sha256 = %s\n", hex);
    } else {
        sb_printf(&b, "dataset_config_sha256 = none (--images/--masks, task %s)\n", c->classes[0].task);
    }
    sb_printf(&b, "experiments = %s\n", exps);
    sb_printf(&b, "clicks = %d\n", o->exp.clicks);
    sb_printf(&b, "click_label = %s\n", o->exp.click_rule == CLICK_LABEL_CLASS_MASK ? "class" : "paper");
    sb_printf(&b, "feedback_logits = %d\n", o->exp.feedback_logits);
    sb_printf(&b, "seed = %llu\n", (unsigned long long)o->exp.seed);
    if (o->exp.experiments & EXP_EVERYTHING) {
        const sam_amg_params *a = &o->exp.amg;
        sb_printf(&b, "everything = points_per_side %d, pred_iou_thresh %.17g, stability_score_thresh %.17g, "
                      "box_nms_thresh %.17g, crop_n_layers %d, min_mask_region_area %lld\n",
                  a->points_per_side, a->pred_iou_thresh, a->stability_score_thresh, a->box_nms_thresh,
                  a->crop_n_layers, (long long)a->min_mask_region_area);
    }
    for (int i = 0; i < o->n_baselines; i++) { /* absent without baselines: older run folders still match */
        sha256_hex(baseline_sha256[i], hex);
        sb_printf(&b, "baseline = %s %s\n", o->baselines[i].name, hex);
    }
    /* reference mode (--reference) gives other bits: never mix the two in one run */
    sb_printf(&b, "arithmetic = %s\n", nn_reference_mode() ? "reference" : "fast");
    if (b.failed) {
        sb_free(&b);
        samc_err("out of memory");
        return NULL;
    }
    return b.s;
}

/* Writes OUT/run.conf, or checks that an existing one says the same. */
static int check_manifest(const char *out, const char *text) {
    char *path = path_join(out, "run.conf");
    if (!path) return -1;
    unsigned char *old;
    size_t len;
    int rc;
    if (access(path, F_OK) != 0) {
        rc = write_file_atomic(path, text, strlen(text));
    } else if ((rc = read_whole_file(path, 1 << 20, &old, &len)) == 0) {
        if (len != strlen(text) || memcmp(old, text, len))
            rc = samc_err("%s was made with other settings (model, data set or options differ); "
                          "use another -o folder, or the same settings to resume", path);
        free(old);
    }
    free(path);
    return rc;
}

/* One writer per run folder: an advisory lock held until the process ends. */
static int lock_folder(const char *out) {
    char *path = path_join(out, "lock");
    if (!path) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(path);
    if (fd < 0) return samc_err("%s: cannot create the lock file: %s", out, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return samc_err("%s: another samc eval is writing to this folder (or samc merge is reading it)", out);
    }
    return 0; /* fd stays open (and locked) for the life of the process */
}

typedef struct {
    const char *model_path;
    const dataset_config *c;
    const runner_options *o;
    uint8_t model_sha[32];
    uint8_t baseline_sha[EVAL_MAX_BASELINES][32];
    samw *baseline_w[EVAL_MAX_BASELINES]; /* loaded with the model */
    iseg *baseline[EVAL_MAX_BASELINES];
    char *cache_dir;
    sam_model *model; /* loaded on the first image that needs work */
    sam_predictor *pred;
    float *emb;
    int emb_c, emb_g;
    size_t done, skipped, computed;
    double t0;
    size_t src_i, n_src;
    strbuf slices; /* the results names of the current volume's slices */
    int item_failed; /* the work on an image failed: not a read error, never skipped */
    /* images read and, per class, those holding its target: of the current source, and of
     * the sources read whole */
    size_t src_items, src_has[DS_MAX_CLASSES], n_items, has[DS_MAX_CLASSES];
    size_t n_read;    /* sources read whole */
    skip_list skips;  /* OUT/skipped.txt */
    size_t n_skipped; /* sources this run skipped */
    progress_log plog; /* progress lines for logs (not a terminal) */
    double t_work;     /* seconds spent on the sources in which something was computed ... */
    size_t n_work;     /* ... and their count: the rate of the progress lines */
} run_state;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int ensure_model(run_state *s) {
    if (s->pred) return 0;
    s->model = sam_model_load(s->model_path);
    if (!s->model) return -1;
    /* Loading checks the header and table only; a run reads every weight thousands of times,
     * so one pass over the data to check its CRC-32 costs little (samc verify) and a changed
     * byte cannot silently change every number of the run. */
    if (sam_model_verify(s->model)) return -1;
    s->pred = sam_predictor_new(s->model);
    if (!s->pred) return -1;
    s->emb_c = sam_model_embed_channels(s->model);
    s->emb_g = sam_model_embed_grid(s->model);
    s->emb = xmalloc_array((size_t)s->emb_c * s->emb_g, (size_t)s->emb_g * sizeof(float));
    if (!s->emb) return -1;
    for (int i = 0; i < s->o->n_baselines; i++) {
        const eval_baseline_spec *b = &s->o->baselines[i];
        if (!(s->baseline_w[i] = samw_open(b->path)) || samw_verify(s->baseline_w[i]) ||
            !(s->baseline[i] = iseg_open(s->baseline_w[i])))
            return samc_err_context("baseline %s", b->name);
    }
    return 0;
}

/* The embedding: from the cache, else encoded (and stored). */
static int set_image(run_state *s, const eval_item *it) {
    char key[65];
    embedding_origin origin;
    int hit = 0;
    if (s->cache_dir) {
        embedding_cache_key(s->model_sha, it->rgb, it->h, it->w, key);
        embedding_origin_of(&origin, s->model, it->rgb, it->h, it->w);
        hit = embedding_cache_get(s->cache_dir, key, s->emb_c, s->emb_g, &origin, s->emb);
        if (hit < 0) return -1;
    }
    if (hit) return sam_predictor_set_embedding(s->pred, s->emb, it->h, it->w);
    if (sam_predictor_set_image(s->pred, it->rgb, it->h, it->w)) return -1;
    if (s->cache_dir)
        return embedding_cache_put(s->cache_dir, key, s->emb_c, s->emb_g, sam_predictor_embedding(s->pred), &origin);
    return 0;
}

static void progress(run_state *s) {
    if (!s->o->progress) return;
    double el = now() - s->t0;
    double rate = el > 0 ? s->computed / el : 0;
    fprintf(stderr, "\rsamc eval: file %zu/%zu, %zu images done (%zu resumed)", s->src_i + 1, s->n_src, s->done,
            s->skipped);
    if (s->computed && s->src_i > 0) {
        double eta = el / (double)s->src_i * (double)(s->n_src - s->src_i);
        fprintf(stderr, ", %.2f img/s, ETA %dm%02ds   ", rate, (int)(eta / 60), (int)eta % 60);
    } else {
        fprintf(stderr, "   ");
    }
    fflush(stderr);
}

/* A progress line for logs when one is due: sources read of this shard's, and the time per
 * source among those that needed work (resumed ones take little). */
static void progress_log_line(run_state *s) {
    if (s->o->progress || !progress_log_due(&s->plog)) return;
    int vol = s->c->layout == DS_LAYOUT_NIFTI;
    char extra[48] = "";
    if (vol) snprintf(extra, sizeof extra, ", %zu slice%s", s->done, s->done == 1 ? "" : "s");
    progress_log_print(stderr, "samc eval", s->src_i, s->n_src, vol ? "volume" : "image", extra,
                       s->n_work ? s->t_work / (double)s->n_work : 0);
}

/* --save-masks: OUT/masks/NAME for an item, created, without the temporary files of a write
 * that a kill cut short. malloc'd; NULL on an error. */
static char *item_mask_dir(const char *out, const char *id) {
    char *name = results_item_name(id), *masks = name ? path_join(out, "masks") : NULL;
    char *dir = masks ? path_join(masks, name) : NULL;
    free(name), free(masks);
    if (dir && make_dirs(dir)) {
        free(dir);
        return NULL;
    }
    if (dir) dir_remove_temps(dir);
    return dir;
}

static int item_work(run_state *s, const eval_item *it, int present) {
    if (s->c->layout == DS_LAYOUT_NIFTI) {
        char *name = results_item_name(it->id);
        if (!name) return -1;
        if (s->slices.n) sb_puts(&s->slices, " ");
        sb_puts(&s->slices, name);
        free(name);
        if (s->slices.failed) return samc_err("out of memory");
    }
    int done = results_item_done(s->o->out, it->id);
    if (done < 0) return -1;
    if (done) {
        s->done++, s->skipped++;
        progress(s);
        return 0;
    }
    result_set rows = {0};
    int rc = 0;
    char *mask_dir = NULL;
    /* an image without any target (the authors skipped all-zero masks) gets an empty file,
     * so a resumed run does not look at it again */
    sam_amg_result ev = {0};
    int with_ev = present && (s->o->exp.experiments & EXP_EVERYTHING);
    if (present) {
        /* with crop layers the generator leaves the last crop's embedding in the predictor, so
         * the image is set after it; without, the generator reuses the image's embedding */
        int crops = with_ev && s->o->exp.amg.crop_n_layers > 0;
        rc = ensure_model(s);
        if (rc == 0 && !crops) rc = set_image(s, it);
        if (rc == 0 && with_ev) {
            amg_model am;
            rc = crops ? sam_amg_model_init(&am, s->pred) : sam_amg_model_init_preset(&am, s->pred);
            if (rc == 0) {
                rc = sam_amg_generate(&am, it->rgb, it->h, it->w, &s->o->exp.amg, &ev);
                sam_amg_model_free(&am);
            }
        }
        if (rc == 0 && crops) rc = set_image(s, it);
        if (rc == 0 && s->o->save_masks && !(mask_dir = item_mask_dir(s->o->out, it->id))) rc = -1;
        if (rc == 0 && mask_dir) rc = examples_save_inputs(mask_dir, s->c, it); /* image, ground truth */
        if (rc == 0)
            rc = run_item_experiments(s->pred, s->c, it, &s->o->exp, with_ev ? &ev : NULL, mask_dir, &rows);
        for (int i = 0; i < s->o->n_baselines && rc == 0; i++)
            rc = run_item_baseline(s->baseline[i], s->o->baselines[i].name, s->c, it, s->o->exp.clicks,
                                   s->o->exp.click_rule, mask_dir, &rows);
    }
    if (with_ev) sam_amg_result_free(&ev);
    if (rc == 0) rc = results_item_write(s->o->out, it->id, &rows);
    result_set_free(&rows);
    free(mask_dir);
    if (rc) return samc_err_context("%s", it->id);
    s->done++, s->computed++;
    progress(s);
    return 0;
}

static int on_item(void *ctx, const eval_item *it) {
    run_state *s = ctx;
    int present = 0;
    for (int k = 0; k < s->c->n_classes; k++) {
        int has = item_has_class(s->c, it, k);
        s->src_has[k] += (size_t)has;
        present |= has;
    }
    s->src_items++;
    int rc = item_work(s, it, present);
    if (rc) s->item_failed = 1;
    else if (s->c->layout == DS_LAYOUT_NIFTI) progress_log_line(s); /* within a volume: one can take hours */
    return rc;
}

/* Writes OUT/shards.conf (results.h): the data set's images by shard and the shards held,
 * keeping what an earlier run of the same shard count recorded. */
static int record_shards(const char *out, const dataset_config *c, const source_list *src, const runner_options *o,
                         shard_record *rec) {
    if (shard_record_init(rec, o->shard_n)) return -1;
    rec->held[o->shard_i] = 1;
    int rc = 0;
    for (size_t i = 0; i < src->n && rc == 0; i++) {
        char *name = results_item_name(src->v[i].id);
        rc = name ? shard_record_add(rec, name, shard_of(src->v[i].id, o->shard_n), c->layout == DS_LAYOUT_NIFTI, NULL)
                  : -1;
        free(name);
    }
    for (int k = 0; k < c->n_classes && rc == 0; k++)
        rc = shard_record_add_class(rec, c->classes[k].task, c->classes[k].cls);
    if (rc) return -1;
    shard_record_sort(rec);
    shard_record old;
    int r = shard_record_read(out, &old);
    if (r < 0) fprintf(stderr, "samc eval: warning: %s; writing it again\n", samc_errmsg());
    if (r == 1 && old.n_shards == rec->n_shards) {
        /* the folder holds what it held (its results stay), and finished volumes stay finished */
        for (int i = 0; i < rec->n_shards; i++) rec->held[i] |= old.held[i];
        for (size_t i = 0; i < rec->n && rc == 0; i++) {
            shard_source *a = &rec->v[i], *b = shard_record_find(&old, a->name);
            if (a->volume && b && b->volume && b->slices && !(a->slices = strdup(b->slices)))
                rc = samc_err("out of memory");
        }
    }
    if (r == 1) shard_record_free(&old);
    return rc ? -1 : shard_record_write(out, rec);
}

/* Appends "slices = NAME: ..." to OUT/shards.conf once a volume is finished (a line cut short
 * by a kill is ignored by the reader and dropped by the next run's rewrite). */
static int record_volume(const char *out, shard_record *rec, const char *id, const strbuf *slices) {
    char *name = results_item_name(id);
    shard_source *v = name ? shard_record_find(rec, name) : NULL;
    const char *list = slices->n ? slices->s : "";
    int rc = name ? 0 : -1;
    if (v && (!v->slices || strcmp(v->slices, list))) {
        strbuf line = {0};
        sb_printf(&line, "slices = %s:%s%s\n", name, list[0] ? " " : "", list);
        char *path = path_join(out, SHARDS_FILE);
        int fd = path && !line.failed ? open(path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
        if (fd < 0) rc = samc_err("%s: %s", path ? path : out, line.failed ? "out of memory" : strerror(errno));
        for (size_t k = 0; rc == 0 && k < line.n;) {
            ssize_t w = write(fd, line.s + k, line.n - k);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) rc = samc_err("%s: %s", path, w < 0 ? strerror(errno) : "short write");
            else k += (size_t)w;
        }
        if (rc == 0 && fsync(fd)) rc = samc_err("%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        free(path);
        sb_free(&line);
        if (rc == 0) {
            free(v->slices);
            v->slices = strdup(list); /* NULL on out of memory: at worst the line is appended again */
        }
    }
    free(name);
    return rc;
}

/* A source read whole: its images count, a volume is recorded as finished, and an entry in
 * OUT/skipped.txt from an earlier run is dropped. */
static int source_done(run_state *s, shard_record *rec, const eval_source *src) {
    s->n_read++;
    s->n_items += s->src_items;
    for (int k = 0; k < s->c->n_classes; k++) s->has[k] += s->src_has[k];
    if (s->c->layout == DS_LAYOUT_NIFTI && record_volume(s->o->out, rec, src->id, &s->slices)) return -1;
    char *name = results_item_name(src->id);
    if (!name) return -1;
    int rc = skip_list_remove(&s->skips, name) ? skip_list_write(s->o->out, &s->skips) : 0;
    free(name);
    return rc;
}

/* --skip-bad: a source that could not be read (the error is the current message) is logged
 * and recorded in OUT/skipped.txt; the run goes on. A volume's slices read before the error
 * keep their results, but the volume stays unfinished. */
static int skip_source(run_state *s, const eval_source *src) {
    int volume = s->c->layout == DS_LAYOUT_NIFTI;
    char *why = strdup(samc_errmsg()), *name = results_item_name(src->id);
    int rc = why && name ? 0 : samc_err("out of memory");
    if (rc == 0) {
        if (s->o->progress) fprintf(stderr, "\n");
        fprintf(stderr, "samc eval: skipped %s %s (--skip-bad): %s\n", volume ? "volume" : "image", name, why);
        s->n_skipped++;
        rc = skip_list_set(&s->skips, volume, name, why);
    }
    if (rc == 0) rc = skip_list_write(s->o->out, &s->skips);
    free(why), free(name);
    return rc;
}

/* Per task and class: in how many of the images read the target occurs; a warning for a
 * class in none of them (a config asking for a label the masks do not hold). A volume's
 * slices without any target are not kept, so a class in no kept slice is in none of its. */
static void report_targets(const run_state *s) {
    int vol = s->c->layout == DS_LAYOUT_NIFTI;
    char where[64] = "", from[64] = "";
    if (s->o->shard_n > 1) snprintf(where, sizeof where, " of shard %d/%d", s->o->shard_i, s->o->shard_n);
    if (vol) snprintf(from, sizeof from, " from %zu volume%s", s->n_read, s->n_read == 1 ? "" : "s");
    for (int k = 0; k < s->c->n_classes; k++)
        printf("samc eval: task '%s', class %s: the target is in %zu of the %zu %s%s%s\n", s->c->classes[k].task,
               s->c->classes[k].cls, s->has[k], s->n_items, vol ? "slices kept" : "images", from, where);
    const char *unit = vol ? (s->n_read == 1 ? "volume" : "volumes") : (s->n_read == 1 ? "image" : "images");
    for (int k = 0; k < s->c->n_classes && s->n_read; k++)
        if (!s->has[k])
            fprintf(stderr,
                    "samc eval: warning: class %s of task '%s' never occurs in the masks (of the %zu %s read%s%s)\n",
                    s->c->classes[k].cls, s->c->classes[k].task, s->n_read, unit, where,
                    s->n_skipped ? "; skipped files not counted" : "");
    if (s->n_skipped)
        fprintf(stderr, "samc eval: warning: %zu %s%s skipped (could not be read), see %s/" SKIPPED_FILE "\n",
                s->n_skipped, vol ? "volume" : "image", s->n_skipped == 1 ? "" : "s", s->o->out);
}

int eval_run(const char *model_path, const dataset_config *c, const runner_options *o) {
    run_state s = {.model_path = model_path, .c = c, .o = o};
    source_list src = {0};
    char *manifest = NULL;
    /* everything that can be refused is checked before OUT is created */
    int rc = sha256_file(model_path, s.model_sha);
    for (int i = 0; i < o->n_baselines && rc == 0; i++) rc = sha256_file(o->baselines[i].path, s.baseline_sha[i]);
    if (rc == 0) rc = (manifest = run_manifest(s.model_sha, (const uint8_t(*)[32])s.baseline_sha, c, o)) ? 0 : -1;
    if (rc == 0) rc = dataset_sources(c, &src);
    if (rc == 0) rc = make_dirs(o->out);
    if (rc == 0) rc = lock_folder(o->out);
    if (rc == 0) rc = check_manifest(o->out, manifest);
    shard_record rec = {0};
    if (rc == 0) rc = record_shards(o->out, c, &src, o, &rec);
    if (rc == 0) rc = skip_list_read(o->out, &s.skips);
    /* made now, so a run whose files were all skipped (or a shard without images) is still a
     * run folder to samc report and samc merge */
    char *results_dir = rc == 0 ? path_join(o->out, "results") : NULL;
    if (rc == 0) rc = results_dir ? make_dirs(results_dir) : -1;
    free(results_dir);
    if (rc == 0) {
        results_clean_temps(o->out);
        if (!o->cache_dir) s.cache_dir = path_join(o->out, "cache");
        else if (o->cache_dir[0]) s.cache_dir = strdup(o->cache_dir);
        if ((!o->cache_dir || o->cache_dir[0]) && !s.cache_dir) rc = samc_err("out of memory");
    }
    s.t0 = now();
    progress_log_init(&s.plog, o->progress_every);
    for (size_t i = 0; i < src.n && rc == 0; i++) {
        if (shard_of(src.v[i].id, o->shard_n) != o->shard_i) continue;
        s.n_src++;
    }
    for (size_t i = 0; i < src.n && rc == 0; i++) {
        if (shard_of(src.v[i].id, o->shard_n) != o->shard_i) continue;
        s.slices.n = 0;
        if (s.slices.s) s.slices.s[0] = 0;
        s.item_failed = 0;
        s.src_items = 0;
        memset(s.src_has, 0, sizeof s.src_has);
        double t_src = now();
        size_t computed = s.computed;
        rc = source_items(c, &src.v[i], on_item, &s);
        if (rc && o->skip_bad && !s.item_failed) rc = skip_source(&s, &src.v[i]);
        else if (rc == 0) rc = source_done(&s, &rec, &src.v[i]);
        s.src_i++;
        if (s.computed > computed) s.t_work += now() - t_src, s.n_work++;
        if (rc == 0) progress_log_line(&s);
    }
    if (o->progress && s.n_src) fprintf(stderr, "\n");
    if (rc == 0) {
        printf("samc eval: %zu images (%zu computed, %zu already done) in %s\n", s.done, s.computed, s.skipped, o->out);
        report_targets(&s);
    }
    source_list_free(&src);
    shard_record_free(&rec);
    sb_free(&s.slices);
    skip_list_free(&s.skips);
    free(manifest);
    free(s.cache_dir);
    free(s.emb);
    if (s.pred) sam_predictor_free(s.pred);
    if (s.model) sam_model_free(s.model);
    for (int i = 0; i < o->n_baselines; i++) {
        iseg_free(s.baseline[i]);
        samw_close(s.baseline_w[i]);
    }
    return rc;
}
