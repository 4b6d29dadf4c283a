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
#include "eval/volume_masks.h"
#include "eval/workers.h"
#include "iseg/iseg.h"
#include "nn/mode.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/progress.h"
#include "util/sha256.h"

char *eval_run_manifest(const uint8_t model_sha256[32], const uint8_t (*baseline_sha256)[32], const dataset_config *c,
                   const runner_options *o) {
    strbuf b = {0};
    char hex[65], exps[128];
    util_sha256_hex(model_sha256, hex);
    eval_experiments_format(o->exp.experiments, exps, sizeof exps);
    eval_sb_puts(&b, "# samc eval: what these results depend on (a resumed run or merged shard must match)\n");
    eval_sb_printf(&b, "model_sha256 = %s\n", hex);
    eval_sb_printf(&b, "dataset = %s\n", c->name);
    if (o->config_text) {
        uint8_t d[32];
        util_sha256(o->config_text, strlen(o->config_text), d);
        util_sha256_hex(d, hex);
        eval_sb_printf(&b, "dataset_config_sha256 = %s\n", hex);
    } else {
        eval_sb_printf(&b, "dataset_config_sha256 = none (--images/--masks, task %s)\n", c->classes[0].task);
    }
    eval_sb_printf(&b, "experiments = %s\n", exps);
    eval_sb_printf(&b, "clicks = %d\n", o->exp.clicks);
    eval_sb_printf(&b, "click_label = %s\n", o->exp.click_rule == CLICK_LABEL_CLASS_MASK ? "class" : "paper");
    eval_sb_printf(&b, "feedback_logits = %d\n", o->exp.feedback_logits);
    eval_sb_printf(&b, "seed = %llu\n", (unsigned long long)o->exp.seed);
    if (o->exp.experiments & EXP_EVERYTHING) {
        const sam_amg_params *a = &o->exp.amg;
        eval_sb_printf(&b, "everything = points_per_side %d, pred_iou_thresh %.17g, stability_score_thresh %.17g, "
                      "box_nms_thresh %.17g, crop_n_layers %d, min_mask_region_area %lld\n",
                  a->points_per_side, a->pred_iou_thresh, a->stability_score_thresh, a->box_nms_thresh,
                  a->crop_n_layers, (long long)a->min_mask_region_area);
    }
    for (int i = 0; i < o->n_baselines; i++) { /* absent without baselines: older run folders still match */
        util_sha256_hex(baseline_sha256[i], hex);
        eval_sb_printf(&b, "baseline = %s %s\n", o->baselines[i].name, hex);
    }
    /* reference mode (--reference) gives other bits: never mix the two in one run */
    eval_sb_printf(&b, "arithmetic = %s\n", nn_reference_mode() ? "reference" : "fast");
    if (b.failed) {
        eval_sb_free(&b);
        util_err("out of memory");
        return NULL;
    }
    return b.s;
}

/* Writes OUT/run.conf, or checks that an existing one says the same. */
static int check_manifest(const char *out, const char *text) {
    char *path = eval_path_join(out, "run.conf");
    if (!path) return -1;
    unsigned char *old;
    size_t len;
    int rc;
    if (access(path, F_OK) != 0) {
        rc = util_write_file_atomic(path, text, strlen(text));
    } else if ((rc = util_read_whole_file(path, 1 << 20, &old, &len)) == 0) {
        if (len != strlen(text) || memcmp(old, text, len))
            rc = util_err("%s was made with other settings (model, data set or options differ); "
                          "use another -o folder, or the same settings to resume", path);
        free(old);
    }
    free(path);
    return rc;
}

/* One writer per run folder: an advisory lock held until the process ends (and its workers:
 * they hold the same open file). The lock's descriptor, or -1 with a message. */
static int lock_folder(const char *out) {
    char *path = eval_path_join(out, "lock");
    if (!path) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(path);
    if (fd < 0) return util_err("%s: cannot create the lock file: %s", out, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return util_err("%s: another samc eval is writing to this folder (or samc merge is reading it)", out);
    }
    return fd; /* stays open (and locked) for the life of the process */
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
    int src_computed;  /* the current source: something was computed, in so many seconds */
    double src_seconds;
    int parallel;      /* the sources computed side by side (--workers), for the rate */
    volume_masks vmasks; /* --save-masks: the current volume's evaluated slices */
} run_state;

/* The messages between an eval command and its workers (eval/workers.h carries them). A
 * worker is this same program, so a message is its struct as laid out in memory (zeroed
 * first: no stray padding bytes). */
enum { MSG_HELLO = 'h', MSG_JOB = 'j', MSG_ITEM = 'i', MSG_SOURCE = 's' };
typedef struct { /* command -> worker, first: what the cache keys need, and a check */
    char type;
    uint8_t model_sha[32];
    uint64_t n_sources; /* the data set's sources as the command listed them */
} msg_hello;
typedef struct { /* command -> worker: do source `index` of the list; its id follows */
    char type;
    uint64_t index;
} msg_job;
typedef struct { /* worker -> command: an item finished (the progress lines) */
    char type;
    int resumed; /* its results file was there already */
} msg_item;
enum { SOURCE_READ = 0, SOURCE_UNREADABLE = 1, SOURCE_FAILED = 2 };
typedef struct { /* worker -> command: the job done; slices_len bytes of the volume's slice
                    names follow, then the error message of a source not read whole */
    char type;
    int status; /* SOURCE_*: read whole; a file could not be read (--skip-bad skips it); failed */
    uint64_t index, items, has[DS_MAX_CLASSES];
    int computed;
    double seconds;
    uint64_t slices_len;
} msg_source;

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
    s->emb = util_xmalloc_array((size_t)s->emb_c * s->emb_g, (size_t)s->emb_g * sizeof(float));
    if (!s->emb) return -1;
    for (int i = 0; i < s->o->n_baselines; i++) {
        const eval_baseline_spec *b = &s->o->baselines[i];
        if (!(s->baseline_w[i] = samw_open(b->path)) || samw_verify(s->baseline_w[i]) ||
            !(s->baseline[i] = iseg_open(s->baseline_w[i])))
            return util_err_context("baseline %s", b->name);
    }
    return 0;
}

/* The embedding: from the cache, else encoded (and stored). */
static int set_image(run_state *s, const eval_item *it) {
    char key[65];
    embedding_origin origin;
    int hit = 0;
    if (s->cache_dir) {
        eval_embedding_cache_key(s->model_sha, it->rgb, it->h, it->w, key);
        eval_embedding_origin_of(&origin, s->model, it->rgb, it->h, it->w);
        hit = eval_embedding_cache_get(s->cache_dir, key, s->emb_c, s->emb_g, &origin, s->emb);
        if (hit < 0) return -1;
    }
    if (hit) return sam_predictor_set_embedding(s->pred, s->emb, it->h, it->w);
    if (sam_predictor_set_image(s->pred, it->rgb, it->h, it->w)) return -1;
    if (s->cache_dir)
        return eval_embedding_cache_put(s->cache_dir, key, s->emb_c, s->emb_g, sam_predictor_embedding(s->pred),
                                        &origin);
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
 * source among those that needed work (resumed ones take little), over the workers. */
static void progress_log_line(run_state *s) {
    if (s->o->progress || !util_progress_log_due(&s->plog)) return;
    int vol = s->c->layout == DS_LAYOUT_NIFTI;
    char extra[48] = "";
    if (vol) snprintf(extra, sizeof extra, ", %zu slice%s", s->done, s->done == 1 ? "" : "s");
    util_progress_log_print(stderr, "samc eval", s->src_i, s->n_src, vol ? "volume" : "image", extra,
                       s->n_work ? s->t_work / (double)s->n_work / s->parallel : 0);
}

/* --save-masks: OUT/masks/NAME for an item, created, without the temporary files of a write
 * that a kill cut short. malloc'd; NULL on an error. */
static char *item_mask_dir(const char *out, const char *id) {
    char *name = eval_results_item_name(id), *masks = name ? eval_path_join(out, "masks") : NULL;
    char *dir = masks ? eval_path_join(masks, name) : NULL;
    free(name), free(masks);
    if (dir && util_make_dirs(dir)) {
        free(dir);
        return NULL;
    }
    if (dir) eval_dir_remove_temps(dir);
    return dir;
}

static int item_work(run_state *s, const eval_item *it, int present) {
    if (s->c->layout == DS_LAYOUT_NIFTI) {
        char *name = eval_results_item_name(it->id);
        if (!name) return -1;
        if (s->slices.n) eval_sb_puts(&s->slices, " ");
        eval_sb_puts(&s->slices, name);
        free(name);
        if (s->slices.failed) return util_err("out of memory");
    }
    int done = eval_results_item_done(s->o->out, it->id);
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
        if (rc == 0 && mask_dir) rc = eval_examples_save_inputs(mask_dir, s->c, it); /* image, ground truth */
        if (rc == 0)
            rc = eval_run_item_experiments(s->pred, s->c, it, &s->o->exp, with_ev ? &ev : NULL, mask_dir, &rows);
        for (int i = 0; i < s->o->n_baselines && rc == 0; i++)
            rc = eval_run_item_baseline(s->baseline[i], s->o->baselines[i].name, s->c, it, s->o->exp.clicks,
                                   s->o->exp.click_rule, mask_dir, &rows);
    }
    if (with_ev) sam_amg_result_free(&ev);
    if (rc == 0) rc = eval_results_item_write(s->o->out, it->id, &rows);
    eval_result_set_free(&rows);
    free(mask_dir);
    if (rc) return util_err_context("%s", it->id);
    s->done++, s->computed++;
    progress(s);
    return 0;
}

static int on_item(void *ctx, const eval_item *it) {
    run_state *s = ctx;
    int present = 0;
    for (int k = 0; k < s->c->n_classes; k++) {
        int has = eval_item_has_class(s->c, it, k);
        s->src_has[k] += (size_t)has;
        present |= has;
    }
    s->src_items++;
    size_t resumed = s->skipped;
    int rc = item_work(s, it, present);
    if (rc == 0 && present && s->o->save_masks) rc = eval_volume_masks_add(&s->vmasks, s->o->out, it);
    if (rc == 0 && s->o->worker_fd > 0) {
        msg_item m;
        memset(&m, 0, sizeof m);
        m.type = MSG_ITEM, m.resumed = s->skipped > resumed;
        rc = eval_channel_send(s->o->worker_fd, &m, sizeof m);
    }
    if (rc) s->item_failed = 1;
    else if (s->c->layout == DS_LAYOUT_NIFTI) progress_log_line(s); /* within a volume: one can take hours */
    return rc;
}

/* Writes OUT/shards.conf (results.h): the data set's images by shard and the shards held,
 * keeping what an earlier run of the same shard count recorded. */
static int record_shards(const char *out, const dataset_config *c, const source_list *src, const runner_options *o,
                         shard_record *rec) {
    if (eval_shard_record_init(rec, o->shard_n)) return -1;
    rec->held[o->shard_i] = 1;
    int rc = 0;
    for (size_t i = 0; i < src->n && rc == 0; i++) {
        char *name = eval_results_item_name(src->v[i].id);
        rc = name ? eval_shard_record_add(rec, name, eval_shard_of(src->v[i].id, o->shard_n),
                                          c->layout == DS_LAYOUT_NIFTI, NULL)
                  : -1;
        free(name);
    }
    for (int k = 0; k < c->n_classes && rc == 0; k++)
        rc = eval_shard_record_add_class(rec, c->classes[k].task, c->classes[k].cls);
    if (rc) return -1;
    eval_shard_record_sort(rec);
    shard_record old;
    int r = eval_shard_record_read(out, &old);
    if (r < 0) fprintf(stderr, "samc eval: warning: %s; writing it again\n", samc_errmsg());
    if (r == 1 && old.n_shards == rec->n_shards) {
        /* the folder holds what it held (its results stay), and finished volumes stay finished */
        for (int i = 0; i < rec->n_shards; i++) rec->held[i] |= old.held[i];
        for (size_t i = 0; i < rec->n && rc == 0; i++) {
            shard_source *a = &rec->v[i], *b = eval_shard_record_find(&old, a->name);
            if (a->volume && b && b->volume && b->slices && !(a->slices = strdup(b->slices)))
                rc = util_err("out of memory");
        }
    }
    if (r == 1) eval_shard_record_free(&old);
    return rc ? -1 : eval_shard_record_write(out, rec);
}

/* Appends "slices = NAME: ..." to OUT/shards.conf once a volume is finished (a line cut short
 * by a kill is ignored by the reader and dropped by the next run's rewrite). */
static int record_volume(const char *out, shard_record *rec, const char *id, const strbuf *slices) {
    char *name = eval_results_item_name(id);
    shard_source *v = name ? eval_shard_record_find(rec, name) : NULL;
    const char *list = slices->n ? slices->s : "";
    int rc = name ? 0 : -1;
    if (v && (!v->slices || strcmp(v->slices, list))) {
        strbuf line = {0};
        eval_sb_printf(&line, "slices = %s:%s%s\n", name, list[0] ? " " : "", list);
        char *path = eval_path_join(out, SHARDS_FILE);
        int fd = path && !line.failed ? open(path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
        if (fd < 0) rc = util_err("%s: %s", path ? path : out, line.failed ? "out of memory" : strerror(errno));
        for (size_t k = 0; rc == 0 && k < line.n;) {
            ssize_t w = write(fd, line.s + k, line.n - k);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) rc = util_err("%s: %s", path, w < 0 ? strerror(errno) : "short write");
            else k += (size_t)w;
        }
        if (rc == 0 && fsync(fd)) rc = util_err("%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        free(path);
        eval_sb_free(&line);
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
    char *name = eval_results_item_name(src->id);
    if (!name) return -1;
    int rc = eval_skip_list_remove(&s->skips, name) ? eval_skip_list_write(s->o->out, &s->skips) : 0;
    free(name);
    return rc;
}

/* --skip-bad: a source that could not be read (the error is the current message) is logged
 * and recorded in OUT/skipped.txt; the run goes on. A volume's slices read before the error
 * keep their results, but the volume stays unfinished. */
static int skip_source(run_state *s, const eval_source *src) {
    int volume = s->c->layout == DS_LAYOUT_NIFTI;
    char *why = strdup(samc_errmsg()), *name = eval_results_item_name(src->id);
    int rc = why && name ? 0 : util_err("out of memory");
    if (rc == 0) {
        if (s->o->progress) fprintf(stderr, "\n");
        fprintf(stderr, "samc eval: skipped %s %s (--skip-bad): %s\n", volume ? "volume" : "image", name, why);
        s->n_skipped++;
        rc = eval_skip_list_set(&s->skips, volume, name, why);
    }
    if (rc == 0) rc = eval_skip_list_write(s->o->out, &s->skips);
    free(why), free(name);
    return rc;
}

/* The work on one source: its items computed (or found done). 0, or -1 with the message
 * (s->item_failed tells a failed computation from a file that could not be read). */
static int run_source(run_state *s, const eval_source *src) {
    s->slices.n = 0;
    if (s->slices.s) s->slices.s[0] = 0;
    s->item_failed = 0;
    s->src_items = 0;
    memset(s->src_has, 0, sizeof s->src_has);
    eval_volume_masks_reset(&s->vmasks);
    double t = now();
    size_t computed = s->computed;
    int rc = eval_source_items(s->c, src, on_item, s);
    s->src_computed = s->computed > computed;
    /* a volume's masks as NIfTI (eval/volume_masks.h), from its slices' PNGs */
    if (rc == 0 && s->o->save_masks && eval_volume_masks_write(&s->vmasks, s->o->out, src->id, s->src_computed))
        rc = -1, s->item_failed = 1;
    s->src_seconds = now() - t;
    return rc;
}

/* What the run folder keeps of a source's work (rc: run_source's): the source counted, or
 * skipped (--skip-bad), or the run stops with rc's message. */
static int finish_source(run_state *s, shard_record *rec, const eval_source *src, int rc) {
    if (rc && s->o->skip_bad && !s->item_failed) rc = skip_source(s, src);
    else if (rc == 0) rc = source_done(s, rec, src);
    s->src_i++;
    if (s->src_computed) s->t_work += s->src_seconds, s->n_work++;
    if (rc == 0) progress_log_line(s);
    return rc;
}

/* A worker (o->worker_fd): the sources its command hands it, one at a time, each answered
 * with a msg_source, until the command has no more. 0, or -1 with a message when the talk
 * itself fails (a source's failure is the command's to report). */
static int worker_serve(run_state *s, const source_list *src) {
    int fd = s->o->worker_fd;
    void *buf = NULL;
    size_t cap = 0, len;
    strbuf out = {0};
    int r = eval_channel_recv(fd, &buf, &cap, &len), rc = 0;
    msg_hello hello;
    if (r == 1 && len == sizeof hello && ((char *)buf)[0] == MSG_HELLO) memcpy(&hello, buf, sizeof hello);
    else rc = r < 0 ? -1 : util_err("no greeting from the command");
    if (rc == 0 && hello.n_sources != src->n)
        rc = util_err("the data set changed as the run started (%llu files listed, then %zu)",
                      (unsigned long long)hello.n_sources, src->n);
    if (rc == 0) memcpy(s->model_sha, hello.model_sha, sizeof s->model_sha);
    while (rc == 0 && (r = eval_channel_recv(fd, &buf, &cap, &len)) == 1) {
        msg_job job;
        if (len < sizeof job || ((char *)buf)[0] != MSG_JOB) {
            rc = util_err("a message from the command that is not a job");
            break;
        }
        memcpy(&job, buf, sizeof job);
        const char *id = (const char *)buf + sizeof job; /* zero-terminated by eval_channel_recv */
        int status = SOURCE_FAILED, src_rc = -1;
        if (job.index >= src->n || strcmp(src->v[job.index].id, id))
            util_err("%s: the data set changed as the run started", id);
        else if ((src_rc = run_source(s, &src->v[job.index])) == 0)
            status = SOURCE_READ;
        else if (!s->item_failed)
            status = SOURCE_UNREADABLE;
        const char *why = src_rc ? samc_errmsg() : "";
        msg_source m;
        memset(&m, 0, sizeof m);
        m.type = MSG_SOURCE, m.status = status, m.index = job.index, m.items = s->src_items;
        memcpy(m.has, s->src_has, sizeof m.has);
        m.computed = s->src_computed, m.seconds = s->src_seconds, m.slices_len = s->slices.n;
        out.n = 0;
        eval_sb_putn(&out, (const char *)&m, sizeof m);
        eval_sb_putn(&out, s->slices.s ? s->slices.s : "", s->slices.n);
        eval_sb_puts(&out, why);
        rc = out.failed ? util_err("out of memory") : eval_channel_send(fd, out.s, out.n);
    }
    if (rc == 0 && r < 0) rc = -1;
    free(buf);
    eval_sb_free(&out);
    return rc;
}

/* A worker's msg_source (len bytes in m) on source `index` into s and the run folder, as if
 * this process had run the source. 0, or -1 with the message (the source's error, or a
 * malformed message). */
static int take_source_report(run_state *s, shard_record *rec, const source_list *src, const char *m, size_t len,
                              size_t index) {
    msg_source h;
    if (len < sizeof h) return util_err("a malformed message from a worker");
    memcpy(&h, m, sizeof h);
    if (h.index != index || h.slices_len > len - sizeof h) return util_err("a malformed message from a worker");
    const char *slices = m + sizeof h, *why = slices + h.slices_len; /* why: zero-terminated */
    s->slices.n = 0;
    eval_sb_putn(&s->slices, slices, (size_t)h.slices_len);
    eval_sb_putn(&s->slices, "", 0);
    if (s->slices.failed) return util_err("out of memory");
    s->src_items = (size_t)h.items;
    memcpy(s->src_has, h.has, sizeof s->src_has);
    s->src_computed = h.computed, s->src_seconds = h.seconds;
    s->item_failed = h.status == SOURCE_FAILED;
    if (h.status != SOURCE_READ) util_err("%s", why);
    return finish_source(s, rec, &src->v[index], h.status == SOURCE_READ ? 0 : -1);
}

/* The command's side of --workers W: the workers, the source each is on, and the first
 * failure (its message: the command's; what follows it is not). */
typedef struct {
    eval_workers ws;
    size_t *job;       /* per worker: the index of its source, SIZE_MAX: none */
    size_t next;       /* the next source of the list to look at */
    strbuf msg;        /* a job message */
    char *first_error; /* NULL while all goes well */
} worker_pool;

/* A failure (the current message): no more sources handed out; workers without one stop. */
static void pool_fail(worker_pool *p) {
    if (!p->first_error && !(p->first_error = strdup(samc_errmsg()))) p->first_error = strdup("out of memory");
    for (int k = 0; k < p->ws.n; k++)
        if (p->job[k] == SIZE_MAX) eval_workers_done(&p->ws, k);
}

/* Worker k (without a source) gets this shard's next source, or, when there is none or the
 * run failed, is told there are no more. */
static void pool_give(worker_pool *p, const run_state *s, const source_list *src, int k) {
    const runner_options *o = s->o;
    while (p->next < src->n && eval_shard_of(src->v[p->next].id, o->shard_n) != o->shard_i) p->next++;
    if (p->first_error || p->next >= src->n) {
        eval_workers_done(&p->ws, k);
        return;
    }
    msg_job j;
    memset(&j, 0, sizeof j);
    j.type = MSG_JOB, j.index = p->next;
    p->msg.n = 0;
    eval_sb_putn(&p->msg, (const char *)&j, sizeof j);
    eval_sb_puts(&p->msg, src->v[p->next].id);
    if (p->msg.failed ? util_err("out of memory") : eval_workers_send(&p->ws, k, p->msg.s, p->msg.n)) {
        pool_fail(p);
        eval_workers_done(&p->ws, k);
        return;
    }
    p->job[k] = p->next++;
}

/* The command of --workers W: W workers (at most one per source of this shard) each take
 * the next source of the shard as they finish their last; their reports come back here,
 * where the run folder's files and the progress are kept. The first failure (a source's, or
 * a worker that died) stops handing out sources; the workers finish the one they are on. */
static int run_workers(run_state *s, shard_record *rec, const source_list *src, int lock_fd) {
    const runner_options *o = s->o;
    int n = o->workers;
    if ((size_t)n > s->n_src) n = (int)s->n_src;
    /* each worker: samc eval with the command's options, at its threads */
    char threads[16], *args[o->argc + 3];
    snprintf(threads, sizeof threads, "%d", o->worker_threads);
    args[0] = "samc"; /* o->argv[0] is "eval" */
    memcpy(args + 1, o->argv, (size_t)o->argc * sizeof *args);
    args[o->argc + 1] = "--threads", args[o->argc + 2] = threads;
    worker_pool p = {.job = util_xmalloc_array((size_t)n, sizeof(size_t))};
    s->parallel = n;
    if (!p.job || eval_workers_start(&p.ws, n, args, o->argc + 3, lock_fd)) {
        free(p.job);
        return -1;
    }
    msg_hello hello;
    memset(&hello, 0, sizeof hello);
    hello.type = MSG_HELLO, hello.n_sources = src->n;
    memcpy(hello.model_sha, s->model_sha, sizeof hello.model_sha);
    for (int k = 0; k < n; k++) p.job[k] = SIZE_MAX;
    for (int k = 0; k < n; k++)
        if (eval_workers_send(&p.ws, k, &hello, sizeof hello)) pool_fail(&p);
    for (int k = 0; k < n; k++) pool_give(&p, s, src, k);
    for (int alive = n; alive > 0;) {
        int k = eval_workers_wait(&p.ws);
        if (k < 0) break; /* none left: cannot happen while one is alive */
        size_t len;
        int r = eval_workers_recv(&p.ws, k, &len);
        const char *m = p.ws.buf;
        if (r <= 0) { /* the worker's end: it exited, or died */
            if (r < 0) pool_fail(&p);
            int e = eval_workers_reap(&p.ws, k);
            if (e == 0 && p.job[k] != SIZE_MAX) e = util_err("worker %d of %d ended early", k + 1, n);
            if (e) {
                char why[512];
                snprintf(why, sizeof why, "%s", samc_errmsg());
                util_err("%s%s%s; what finished is kept (run the same command again to resume)", why,
                         p.job[k] != SIZE_MAX ? ", working on " : "", p.job[k] != SIZE_MAX ? src->v[p.job[k]].id : "");
                pool_fail(&p);
            }
            p.job[k] = SIZE_MAX;
            alive--;
        } else if (m[0] == MSG_ITEM && len == sizeof(msg_item)) { /* progress */
            msg_item it;
            memcpy(&it, m, sizeof it);
            s->done++;
            if (it.resumed) s->skipped++;
            else s->computed++;
            progress(s);
            if (s->c->layout == DS_LAYOUT_NIFTI) progress_log_line(s);
        } else if (m[0] == MSG_SOURCE && p.job[k] != SIZE_MAX) {
            if (take_source_report(s, rec, src, m, len, p.job[k])) pool_fail(&p);
            p.job[k] = SIZE_MAX;
            pool_give(&p, s, src, k);
        } else {
            util_err("worker %d of %d: a message that is neither an item nor a source", k + 1, n);
            pool_fail(&p);
            eval_workers_done(&p.ws, k);
        }
    }
    eval_workers_free(&p.ws);
    int rc = p.first_error ? util_err("%s", p.first_error) : 0;
    free(p.first_error);
    free(p.job);
    eval_sb_free(&p.msg);
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

static void run_state_free(run_state *s) {
    eval_sb_free(&s->slices);
    eval_volume_masks_free(&s->vmasks);
    eval_skip_list_free(&s->skips);
    free(s->cache_dir);
    free(s->emb);
    if (s->pred) sam_predictor_free(s->pred);
    if (s->model) sam_model_free(s->model);
    for (int i = 0; i < s->o->n_baselines; i++) {
        iseg_free(s->baseline[i]);
        samw_close(s->baseline_w[i]);
    }
}

/* OUT/cache, the folder given, or none (NULL). 0, or -1 with a message. */
static int set_cache_dir(run_state *s) {
    const char *dir = s->o->cache_dir;
    if (!dir) s->cache_dir = eval_path_join(s->o->out, "cache");
    else if (dir[0]) s->cache_dir = strdup(dir);
    return (!dir || dir[0]) && !s->cache_dir ? util_err("out of memory") : 0;
}

/* A worker of an eval command (o->worker_fd): the command has made OUT and holds its lock;
 * the worker computes the sources it is handed (worker_serve). */
static int worker_run(const char *model_path, const dataset_config *c, const runner_options *o) {
    run_state s = {.model_path = model_path, .c = c, .o = o, .parallel = 1};
    source_list src = {0};
    int rc = eval_dataset_sources(c, &src);
    if (rc == 0) rc = set_cache_dir(&s);
    if (rc == 0) rc = worker_serve(&s, &src);
    eval_source_list_free(&src);
    run_state_free(&s);
    return rc;
}

int eval_run(const char *model_path, const dataset_config *c, const runner_options *o) {
    if (o->worker_fd > 0) return worker_run(model_path, c, o);
    run_state s = {.model_path = model_path, .c = c, .o = o, .parallel = 1};
    source_list src = {0};
    char *manifest = NULL;
    int lock_fd = -1;
    /* everything that can be refused is checked before OUT is created */
    int rc = util_sha256_file(model_path, s.model_sha);
    for (int i = 0; i < o->n_baselines && rc == 0; i++) rc = util_sha256_file(o->baselines[i].path, s.baseline_sha[i]);
    if (rc == 0) rc = (manifest = eval_run_manifest(s.model_sha, (const uint8_t(*)[32])s.baseline_sha, c, o)) ? 0 : -1;
    if (rc == 0) rc = eval_dataset_sources(c, &src);
    if (rc == 0) rc = util_make_dirs(o->out);
    if (rc == 0) rc = (lock_fd = lock_folder(o->out)) < 0 ? -1 : 0;
    if (rc == 0) rc = check_manifest(o->out, manifest);
    shard_record rec = {0};
    if (rc == 0) rc = record_shards(o->out, c, &src, o, &rec);
    if (rc == 0) rc = eval_skip_list_read(o->out, &s.skips);
    /* made now, so a run whose files were all skipped (or a shard without images) is still a
     * run folder to samc report and samc merge */
    char *results_dir = rc == 0 ? eval_path_join(o->out, "results") : NULL;
    if (rc == 0) rc = results_dir ? util_make_dirs(results_dir) : -1;
    free(results_dir);
    if (rc == 0) {
        eval_results_clean_temps(o->out);
        rc = set_cache_dir(&s);
    }
    s.t0 = now();
    util_progress_log_init(&s.plog, o->progress_every);
    for (size_t i = 0; i < src.n && rc == 0; i++) {
        if (eval_shard_of(src.v[i].id, o->shard_n) != o->shard_i) continue;
        s.n_src++;
    }
    if (rc == 0 && o->workers > 1 && s.n_src) rc = run_workers(&s, &rec, &src, lock_fd);
    for (size_t i = 0; i < src.n && rc == 0 && o->workers <= 1; i++)
        if (eval_shard_of(src.v[i].id, o->shard_n) == o->shard_i)
            rc = finish_source(&s, &rec, &src.v[i], run_source(&s, &src.v[i]));
    if (o->progress && s.n_src) fprintf(stderr, "\n");
    if (rc == 0) {
        char split[64] = "";
        if (o->workers > 1)
            snprintf(split, sizeof split, " (%d workers x %d thread%s)", o->workers, o->worker_threads,
                     o->worker_threads == 1 ? "" : "s");
        printf("samc eval: %zu images (%zu computed, %zu already done) in %s%s\n", s.done, s.computed, s.skipped,
               o->out, split);
        report_targets(&s);
    }
    eval_source_list_free(&src);
    eval_shard_record_free(&rec);
    free(manifest);
    run_state_free(&s);
    return rc;
}
