/* eval/: SHA-256 (FIPS 180-4 vectors), embedding cache keys, the results store (resume,
 * torn lines, shards, what each row was made from, files of an older samc), data set sources
 * (extension case, volume grids, palette masks), recorded classes, the skipped-files list and
 * the progress lines of util/progress.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "eval/dataset.h"
#include "eval/dirlist.h"
#include "eval/embedding_cache.h"
#include "eval/csv.h"
#include "eval/results.h"
#include "eval/skipped.h"
#include "eval/source.h"
#include "io/npy.h"
#include "io/png.h"
#include "png_corpus.h"
#include "util/err.h"
#include "util/file.h"
#include "util/progress.h"
#include "util/sha256.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A fresh folder under /tmp for one test, removed with everything in it by rm_tree. */
static char *temp_dir(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "/tmp/samc_test_eval_%s_XXXXXX", name);
    return mkdtemp(buf);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Writes an empty file dir/name. */
static int touch(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    return f && fclose(f) == 0 ? 0 : -1;
}

static int hex_of(const void *data, size_t len, const char *want) {
    uint8_t d[32];
    char hex[65];
    util_sha256(data, len, d);
    util_sha256_hex(d, hex);
    if (strcmp(hex, want)) printf("    got %s\n", hex);
    return strcmp(hex, want) == 0;
}

/* The examples of FIPS 180-4 / NIST's SHA-256 example values. */
TEST(sha256_vectors) {
    CHECK(hex_of("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    CHECK(hex_of("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(hex_of(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    CHECK(hex_of(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    /* the same million bytes fed in odd-sized pieces must give the same digest */
    sha256_ctx c;
    util_sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        util_sha256_update(&c, a + done, n);
        done += n;
        step = step * 7 % 131 + 1;
    }
    uint8_t d[32];
    char hex[65];
    util_sha256_final(&c, d);
    util_sha256_hex(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
    free(a);
}


/* The key changes with the model, the pixels and the shape, and only with them. */
TEST(cache_keying) {
    uint8_t m1[32] = {1}, m2[32] = {2};
    uint8_t img[2 * 3 * 3];
    for (int i = 0; i < 18; i++) img[i] = (uint8_t)(i * 7);
    char a[65], b[65];
    eval_embedding_cache_key(m1, img, 2, 3, a);
    eval_embedding_cache_key(m1, img, 2, 3, b);
    CHECK(strcmp(a, b) == 0);
    eval_embedding_cache_key(m2, img, 2, 3, b);
    CHECK(strcmp(a, b) != 0);
    eval_embedding_cache_key(m1, img, 3, 2, b); /* same bytes, transposed shape */
    CHECK(strcmp(a, b) != 0);
    img[17] ^= 1;
    eval_embedding_cache_key(m1, img, 2, 3, b);
    CHECK(strcmp(a, b) != 0);
}

/* Flips one bit of the file at byte off. */
static int flip_byte(const char *path, long off) {
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    int ok = fseek(f, off, SEEK_SET) == 0;
    int c = ok ? fgetc(f) : EOF;
    ok = c != EOF && fseek(f, off, SEEK_SET) == 0 && fputc(c ^ 0x10, f) != EOF;
    return fclose(f) == 0 && ok ? 0 : -1;
}

TEST(cache_store_and_validate) {
    const char *dir = "build/test_eval_cache";
    float e[2 * 3 * 3], got[18];
    for (int i = 0; i < 18; i++) e[i] = (float)i * 0.5f - 3.0f;
    char hex[65];
    uint8_t m[32] = {9};
    uint8_t img[3] = {1, 2, 3};
    embedding_origin o = {.model = {9}, .image = {7}}, other = o;
    other.image[5] = 1;
    eval_embedding_cache_key(m, img, 1, 1, hex);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0); /* miss */
    CHECK(eval_embedding_cache_put(dir, hex, 2, 3, e, &o) == 0);
    memset(got, 0, sizeof got);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 1);
    CHECK(memcmp(got, e, sizeof e) == 0);
    /* another model's shape: unusable, dropped, reported as a miss */
    CHECK(eval_embedding_cache_get(dir, hex, 3, 2, &o, got) == 0);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0);
    /* a truncated entry is a miss too */
    CHECK(eval_embedding_cache_put(dir, hex, 2, 3, e, &o) == 0);
    char path[200];
    snprintf(path, sizeof path, "%s/%s.npy", dir, hex);
    CHECK(truncate(path, 100) == 0);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0);
    /* one data bit flipped (header intact): the checksum catches it; a miss, the entry dropped */
    CHECK(eval_embedding_cache_put(dir, hex, 2, 3, e, &o) == 0);
    CHECK(flip_byte(path, 128 + 4 * 7 + 2) == 0);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0);
    CHECK(access(path, F_OK) != 0);
    /* an entry of another origin (same key: a collision or a hand-copied file) is not used */
    CHECK(eval_embedding_cache_put(dir, hex, 2, 3, e, &other) == 0);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0);
    /* a plain .npy (an older samc's entry, no checksum) is recomputed */
    int64_t shape[4] = {1, 2, 3, 3};
    CHECK(io_npy_write(path, NPY_F32, 4, shape, e) == 0);
    CHECK(eval_embedding_cache_get(dir, hex, 2, 3, &o, got) == 0);
    rmdir(dir);
}

static void three_rows(result_set *s, const char *image) {
    eval_result_set_add(s, "MRI-Brain: Core", image, "1", "modes", "1", "index0", 0.25, 0.4);
    eval_result_set_add(s, "MRI-Brain: Core", image, "1", "modes", "1", "oracle", 1.0 / 3.0, 0.5);
    eval_result_set_add(s, "Odd, \"name\"", image, "1,2", "iterative", "9", "index0", NAN, NAN);
}

TEST(results_roundtrip_and_checksum) {
    result_set s = {0}, back = {0};
    three_rows(&s, "img, 1");
    size_t len;
    char *text = eval_results_format(&s, &len);
    CHECK(text != NULL);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    CHECK(eval_results_parse(copy, len, "t", &back) == 0);
    CHECK(back.n == 3);
    if (back.n == 3) {
        CHECK(strcmp(back.rows[2].task, "Odd, \"name\"") == 0 && strcmp(back.rows[2].image, "img, 1") == 0);
        CHECK(strcmp(back.rows[2].cls, "1,2") == 0 && isnan(back.rows[2].iou));
        CHECK(back.rows[1].iou == 1.0 / 3.0); /* the exact double comes back */
    }
    eval_result_set_free(&back);
    /* torn: the last bytes (checksum line) missing -> refused */
    for (size_t cut = 1; cut < 80; cut += 13) {
        memcpy(copy, text, len + 1);
        result_set t = {0};
        CHECK(eval_results_parse(copy, len - cut, "t", &t) == -1);
        eval_result_set_free(&t);
    }
    /* one flipped digit -> checksum mismatch */
    memcpy(copy, text, len + 1);
    char *d = strstr(copy, "0.25");
    d[3] = '6';
    result_set t = {0};
    CHECK(eval_results_parse(copy, len, "t", &t) == -1);
    CHECK(strstr(samc_errmsg(), "checksum") != NULL);
    eval_result_set_free(&t);
    free(copy);
    free(text);
    eval_result_set_free(&s);
}

/* A row with all of its detail (SAM's: no method given), and one of each kind of empty field
 * (a baseline's). */
static void detail_rows(result_set *s) {
    result_detail a = {"63;188;1|180.5;163;0", "", 0.797941685f, 5954, "vols/ct, 1", "axial", 12, NULL};
    result_detail b = {NULL, "23;143;103;235|1;2;3;4", NAN, 7, NULL, NULL, -1, "ritm"};
    eval_result_set_add_detail(s, "T", "ct, 1_axial012", "1", "iterative", "2", "oracle", 0.5, 2.0 / 3.0, &a);
    eval_result_set_add_detail(s, "T", "p", "1,2", "modes", "4", "index0", 0.25, 0.4, &b);
}

/* The detail survives the results file; per_image.csv keeps its eight columns, the method last, and
 * prompts.csv has the key and the detail, row for row (texts written out by hand). */
TEST(results_detail_roundtrip_and_csvs) {
    result_set s = {0}, back = {0};
    detail_rows(&s);
    CHECK(s.n == 2);
    size_t len;
    char *text = eval_results_format(&s, &len);
    CHECK(text && strncmp(text, RESULTS_FILE_HEADER "\n", strlen(RESULTS_FILE_HEADER) + 1) == 0);
    CHECK(strcmp(RESULTS_FILE_HEADER,
                 "task,image,class,experiment,setting,selection,iou,dice,points,box,pred_iou,area,volume,plane,slice,"
                 "method") == 0);
    CHECK(text && eval_results_parse(text, len, "t", &back) == 0 && back.n == 2);
    if (back.n == 2) {
        const result_row *a = &back.rows[0], *b = &back.rows[1];
        CHECK(a->has_detail && strcmp(a->points, "63;188;1|180.5;163;0") == 0 && a->box == NULL);
        CHECK((float)a->pred_iou == 0.797941685f && a->area == 5954 && a->slice == 12); /* float32 precision */
        CHECK(strcmp(a->volume, "vols/ct, 1") == 0 && strcmp(a->plane, "axial") == 0);
        CHECK(b->has_detail && b->points == NULL && strcmp(b->box, "23;143;103;235|1;2;3;4") == 0);
        CHECK(isnan(b->pred_iou) && b->area == 7 && b->volume == NULL && b->plane == NULL && b->slice == -1);
    }
    free(text);
    text = eval_results_per_image_csv(&back, &len);
    const char *want_pi = "task,image,class,experiment,setting,selection,iou,dice,method\n"
                          "T,\"ct, 1_axial012\",1,iterative,2,oracle,0.5,0.66666666666666663,sam\n"
                          "T,p,\"1,2\",modes,4,index0,0.25,0.40000000000000002,ritm\n";
    CHECK_MSG(text && len == strlen(want_pi) && memcmp(text, want_pi, len) == 0, "%s", text ? text : "");
    free(text);
    text = eval_results_prompts_csv(&back, &len);
    const char *want_pr = "task,image,class,experiment,setting,selection,points,box,pred_iou,area,volume,plane,slice,"
                          "method\n"
                          "T,\"ct, 1_axial012\",1,iterative,2,oracle,63;188;1|180.5;163;0,,0.797941685,5954,"
                          "\"vols/ct, 1\",axial,12,sam\n"
                          "T,p,\"1,2\",modes,4,index0,,23;143;103;235|1;2;3;4,,7,,,,ritm\n";
    CHECK_MSG(text && len == strlen(want_pr) && memcmp(text, want_pr, len) == 0, "%s", text ? text : "");
    free(text);
    eval_result_set_free(&back);
    eval_result_set_free(&s);
}

/* Text with its checksum line, as a results file holds it; malloc'd. */
static char *with_checksum(const char *body, size_t *len) {
    uint8_t d[32];
    char hex[65];
    util_sha256(body, strlen(body), d);
    util_sha256_hex(d, hex);
    *len = strlen(body) + 8 + 64 + 1;
    char *t = malloc(*len + 1);
    snprintf(t, *len + 1, "%s#sha256=%s\n", body, hex);
    return t;
}

/* A results file of a samc before issue 17 (eight columns) is read, its rows without detail;
 * prompts.csv has their key and empty detail. Malformed detail is refused. */
TEST(results_older_format_and_bad_detail) {
    size_t len;
    char *t = with_checksum("task,image,class,experiment,setting,selection,iou,dice\nT,a,1,modes,1,index0,0.5,0.25\n", &len);
    result_set s = {0};
    CHECK(eval_results_parse(t, len, "old", &s) == 0 && s.n == 1 && !s.rows[0].has_detail);
    free(t);
    char *csv = eval_results_prompts_csv(&s, &len);
    const char *want = PROMPTS_HEADER "\nT,a,1,modes,1,index0,,,,,,,,sam\n";
    CHECK_MSG(csv && len == strlen(want) && memcmp(csv, want, len) == 0, "%s", csv ? csv : "");
    free(csv);
    eval_result_set_free(&s);
    const char *bad[] = {"T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,x,,,,sam\n",    /* area not a number */
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,nan,3,,,,sam\n",  /* NaN is an empty field */
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,-3,,,,sam\n",  /* negative area */
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,v,axial,1e3,sam\n",
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,,,sam\n",    /* a field short */
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,,,,\n",      /* no method */
                         "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,,,\n",       /* the v2 row, new header */
                         "T,a,1,modes,1,index0,0.5,0.25\n"};                  /* the old row, new header */
    for (int i = 0; i < 8; i++) {
        char body[512];
        snprintf(body, sizeof body, "%s\n%s", RESULTS_FILE_HEADER, bad[i]);
        t = with_checksum(body, &len);
        util_err_clear();
        CHECK_MSG(eval_results_parse(t, len, "bad", &s) == -1 && strstr(samc_errmsg(), "bad:2: malformed row"),
                  "row %d", i);
        eval_result_set_free(&s);
        free(t);
    }
    /* the same row well-formed is read */
    char body[512];
    snprintf(body, sizeof body, "%s\nT,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,v,axial,17,ritm\n",
             RESULTS_FILE_HEADER);
    t = with_checksum(body, &len);
    CHECK(eval_results_parse(t, len, "good", &s) == 0 && s.n == 1 && s.rows[0].slice == 17 && s.rows[0].area == 3 &&
          !strcmp(s.rows[0].method, "ritm"));
    eval_result_set_free(&s);
    free(t);
    /* a results file of a samc before the method column: its rows are SAM's */
    snprintf(body, sizeof body,
             "task,image,class,experiment,setting,selection,iou,dice,points,box,pred_iou,area,volume,plane,slice\n"
             "T,a,1,modes,1,index0,0.5,0.25,1;2;1,,0.9,3,v,axial,17\n");
    t = with_checksum(body, &len);
    CHECK(eval_results_parse(t, len, "v2", &s) == 0 && s.n == 1 && s.rows[0].has_detail && s.rows[0].slice == 17 &&
          !strcmp(s.rows[0].method, "sam"));
    eval_result_set_free(&s);
    free(t);
}

/* The log lines of util/progress.h, by hand: 1/3 done at 1862.5 s each leaves 2 x 1862.5 s =
 * 1 h 2 min 5 s; a rate below 0.1 s is in ms; no rate, no ETA; a line is due only after its
 * interval, and never with an interval of 0. */
TEST(progress_lines) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    if (!f) return;
    util_progress_log_print(f, "samc eval", 1, 3, "image", NULL, 1862.5);
    util_progress_log_print(f, "samc everything", 512, 1024, "point", NULL, 0.0071);
    util_progress_log_print(f, "samc eval", 0, 5, "volume", ", 37 slices", 0);
    util_progress_log_print(f, "samc eval", 2, 2, "image", NULL, 59.96);
    fclose(f);
    const char *want = "samc eval: 1/3 images (33%), 1862.5 s/image, ETA 1h02m05s\n"
                       "samc everything: 512/1024 points (50%), 7.1 ms/point, ETA 0m04s\n"
                       "samc eval: 0/5 volumes (0%), 37 slices\n"
                       "samc eval: 2/2 images (100%), 60.0 s/image, ETA 0m00s\n";
    CHECK_MSG(text && strcmp(text, want) == 0, "%s", text ? text : "");
    free(text);
    progress_log p;
    util_progress_log_init(&p, 3600);
    CHECK(util_progress_log_due(&p) == 0);
    util_progress_log_init(&p, 0);
    CHECK(util_progress_log_due(&p) == 0);
    util_progress_log_init(&p, 0.5);
    CHECK(util_progress_log_due(&p) == 0);
    struct timespec ts = {0, 600000000};
    nanosleep(&ts, NULL);
    CHECK(util_progress_log_due(&p) == 1 && util_progress_log_due(&p) == 0); /* the next is 0.5 s later */
}

/* Resume logic: an item counts as done only with an intact file; a damaged one is removed. */
TEST(results_store_resume) {
    const char *out = "build/test_eval_run";
    char *p = eval_results_item_path(out, "a/b c");
    CHECK(p && strncmp(p, "build/test_eval_run/results/a_b_c-", 34) == 0);
    char *q = eval_results_item_path(out, "a_b_c");
    CHECK(q && strcmp(q, "build/test_eval_run/results/a_b_c.csv") == 0);
    CHECK(eval_results_item_done(out, "x1") == 0);
    result_set s = {0};
    three_rows(&s, "x1");
    CHECK(eval_results_item_write(out, "x1", &s) == 0);
    CHECK(eval_results_item_done(out, "x1") == 1);
    eval_result_set_free(&s);
    three_rows(&s, "x2");
    CHECK(eval_results_item_write(out, "x2", &s) == 0);
    eval_result_set_free(&s);
    /* a leftover temp file of a killed writer is neither read nor counted */
    CHECK(util_write_file_atomic("build/test_eval_run/results/x3.csv.tmp.99999", "junk", 4) == 0);
    result_set all = {0};
    CHECK(eval_results_read_all(out, &all) == 0);
    CHECK(all.n == 6);
    eval_result_set_free(&all);
    eval_results_clean_temps(out);
    CHECK(access("build/test_eval_run/results/x3.csv.tmp.99999", F_OK) != 0);
    /* torn x2 (last line cut): read_all refuses it, done() says no and deletes it */
    CHECK(truncate("build/test_eval_run/results/x2.csv", 60) == 0);
    CHECK(eval_results_read_all(out, &all) == -1);
    eval_result_set_free(&all);
    CHECK(eval_results_item_done(out, "x2") == 0);
    CHECK(access("build/test_eval_run/results/x2.csv", F_OK) != 0);
    CHECK(eval_results_read_all(out, &all) == 0 && all.n == 3);
    eval_result_set_free(&all);
    unlink("build/test_eval_run/results/x1.csv");
    rmdir("build/test_eval_run/results");
    rmdir(out);
    free(p);
    free(q);
}

static shard_record parse_record(const char *text, int *rc) {
    char *buf = strdup(text);
    shard_record r;
    *rc = eval_shard_record_parse(buf, strlen(buf), "t", &r);
    free(buf);
    return r;
}

/* OUT/shards.conf: parsed back as written, joined across shards, and what is missing named. */
TEST(shard_record_roundtrip_join_missing) {
    const char *s0 = "# c\nshards = 3\nshard = 0\nimage = 0 b\nimage = 2 a\nvolume = 0 v\nvolume = 1 w\n"
                     "slices = v: v_1  v_2\nslices = v: v_1 v_2 v_3\nslices = w: w_9"; /* last line cut: ignored */
    int rc;
    shard_record r = parse_record(s0, &rc);
    CHECK(rc == 0 && r.n_shards == 3 && r.held[0] && !r.held[1] && !r.held[2] && r.n == 4);
    shard_source *v = rc == 0 ? eval_shard_record_find(&r, "v") : NULL;
    CHECK(v && v->volume && v->slices && strcmp(v->slices, "v_1 v_2 v_3") == 0); /* a later line supersedes */
    shard_source *w = rc == 0 ? eval_shard_record_find(&r, "w") : NULL;
    CHECK(w && w->volume && !w->slices);
    CHECK(rc == 0 && strcmp(r.v[0].name, "a") == 0 && r.v[0].shard == 2 && !r.v[0].volume); /* sorted */
    /* formatted and parsed again: the same */
    size_t len;
    char *text = rc == 0 ? eval_shard_record_format(&r, &len) : NULL;
    CHECK(text != NULL);
    int rc2;
    shard_record back = parse_record(text ? text : "", &rc2);
    size_t len2;
    char *text2 = rc2 == 0 ? eval_shard_record_format(&back, &len2) : NULL;
    CHECK(text2 && len2 == len && memcmp(text, text2, len) == 0);
    free(text), free(text2);
    eval_shard_record_free(&back);

    /* what is missing: shards 1 and 2; image a (shard 2) and slice v_2 have no results; w unfinished */
    char *names[] = {"b", "v_1", "v_3"};
    char *msg = NULL;
    CHECK(eval_shard_record_missing(&r, names, 3, &msg) == 0);
    const char *want = "shards 1/3, 2/3 missing; 2 images without results: a, v_2; 1 volume not finished: w";
    CHECK_MSG(msg && strcmp(msg, want) == 0, "%s", msg ? msg : "(null)");
    free(msg);

    /* joined with shards 1 and 2 (w finished there): complete once every result is there */
    shard_record j = {0};
    CHECK(eval_shard_record_join(&j, &r, "s0") == 0);
    shard_record r12 = parse_record("shards = 3\nshard = 1\nshard = 2\nimage = 0 b\nimage = 2 a\nvolume = 0 v\n"
                                    "volume = 1 w\nslices = w: w_9\n", &rc);
    CHECK(rc == 0 && eval_shard_record_join(&j, &r12, "s12") == 0);
    char *all[] = {"a", "b", "v_1", "v_2", "v_3", "w_9"};
    CHECK(eval_shard_record_missing(&j, all, 6, &msg) == 0 && msg == NULL);
    free(msg);
    CHECK(eval_shard_record_missing(&j, all, 5, &msg) == 0 && msg && strcmp(msg, "1 image without results: w_9") == 0);
    free(msg);
    /* another shard count, other images, a volume finished with other slices: refused */
    shard_record bad = parse_record("shards = 2\nshard = 1\nimage = 0 b\n", &rc);
    CHECK(rc == 0 && eval_shard_record_join(&j, &bad, "x") == -1 && strstr(samc_errmsg(), "2 shards, not 3") != NULL);
    eval_shard_record_free(&bad);
    bad = parse_record("shards = 3\nimage = 0 b\nimage = 2 a\nvolume = 0 v\nvolume = 1 w2\n", &rc);
    CHECK(rc == 0 && eval_shard_record_join(&j, &bad, "x") == -1);
    eval_shard_record_free(&bad);
    bad = parse_record("shards = 3\nimage = 0 b\nimage = 2 a\nvolume = 0 v\nvolume = 1 w\nslices = w: w_8\n", &rc);
    CHECK(rc == 0 && eval_shard_record_join(&j, &bad, "x") == -1 && strstr(samc_errmsg(), "other slices") != NULL);
    eval_shard_record_free(&bad);
    eval_shard_record_free(&j);
    eval_shard_record_free(&r12);
    eval_shard_record_free(&r);

    /* malformed records are refused, naming the line */
    const char *bads[] = {"image = 0 a\n", "shards = 0\n", "shards = 2\nshard = 2\n", "shards = 2\nimage = 0 a b\n",
                          "shards = 2\nimage = 0 a\nimage = 1 a\n", "shards = 2\nimage = 0 a\nslices = a: x\n",
                          "shards = 2\nvolume = 0 a\nslices = a: x:y\n", "shards = 2\nnonsense\n", ""};
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        bad = parse_record(bads[i], &rc);
        CHECK_MSG(rc == -1, "accepted: %s", bads[i]);
        if (rc == 0) eval_shard_record_free(&bad);
    }
}

/* Every id lands in exactly one shard, the assignment is a pure function of the id, and the
 * shards are roughly balanced. */
TEST(shard_assignment) {
    int count[4] = {0};
    for (int i = 0; i < 400; i++) {
        char id[32];
        snprintf(id, sizeof id, "phantom_%03d", i);
        int s = eval_shard_of(id, 4);
        CHECK(s >= 0 && s < 4);
        CHECK(eval_shard_of(id, 4) == s);
        CHECK(eval_shard_of(id, 1) == 0);
        count[s]++;
    }
    for (int s = 0; s < 4; s++) CHECK(count[s] > 60 && count[s] < 140);
    /* by hand: SHA-256("abc") starts ba7816bf8f01cfea, which is 13436180830806888426;
     * mod 7 = 3 */
    CHECK(eval_shard_of("abc", 7) == (int)(0xba7816bf8f01cfeaull % 7));
}

TEST(dataset_config_parsing) {
    dataset_config c;
    const char *good = "# BraTS\nname = MRI-Brain\nlayout = nifti\nvolumes = */*_flair.nii.gz\n"
                       "labels = _flair.nii.gz -> _seg.nii.gz\nremap = 4 -> 3\n\n"
                       "class.1 = MRI-Brain: Core   # necrotic\nclass.1,2,3 = MRI-Brain: Whole\n";
    CHECK(eval_dataset_config_parse(good, "g", "/data", NULL, &c) == 0);
    CHECK(c.layout == DS_LAYOUT_NIFTI && c.n_classes == 2 && c.plane == NIFTI_AXIAL);
    CHECK(strcmp(c.root, "/data/.") == 0);
    CHECK(strcmp(c.label_from, "_flair.nii.gz") == 0 && strcmp(c.label_to, "_seg.nii.gz") == 0);
    uint16_t label[4] = {4, 2, 1, 0};
    eval_dataset_remap_labels(&c, label, 4);
    CHECK(label[0] == 3 && label[1] == 2 && label[2] == 1 && label[3] == 0);
    CHECK(c.classes[1].n_values == 3 && strcmp(c.classes[1].cls, "1,2,3") == 0);
    /* class 0 is label 1, class 1 labels 1, 2 and 3 */
    eval_item it = {.h = 1, .w = 4, .label = label};
    uint8_t m0[4], m1[4];
    eval_item_class_mask(&c, &it, 0, m0);
    eval_item_class_mask(&c, &it, 1, m1);
    CHECK(m0[0] == 0 && m0[1] == 0 && m0[2] == 1 && m0[3] == 0);
    CHECK(m1[0] == 1 && m1[1] == 1 && m1[2] == 1 && m1[3] == 0);
    CHECK(eval_item_has_class(&c, &it, 0) && eval_item_has_class(&c, &it, 1));
    label[2] = 0; /* no label 1 left: class 0 absent, the slice still kept for class 1 */
    CHECK(!eval_item_has_class(&c, &it, 0) && eval_item_slice_kept(&c, &it));
    memset(label, 0, sizeof label);
    CHECK(!eval_item_slice_kept(&c, &it));
    c.all_slices = 1;
    CHECK(eval_item_slice_kept(&c, &it));
    CHECK(c.intensity.mode == INTENSITY_PAPER);
    eval_dataset_config_free(&c);
    /* plane and intensity are typed when read, with samc predict's words */
    const char *typed = "name = a\nlayout = nifti\nlist = l.txt\ntask = x\nplane = sagittal\nintensity = window:-600,1500\n";
    CHECK(eval_dataset_config_parse(typed, "t", ".", NULL, &c) == 0);
    CHECK(c.plane == NIFTI_SAGITTAL && c.intensity.mode == INTENSITY_WINDOW && c.intensity.level == -600 &&
          c.intensity.width == 1500);
    eval_dataset_config_free(&c);
    CHECK(eval_dataset_config_parse("name = a\nlayout = nifti\nlist = l\ntask = x\nintensity = lung\n", "t", ".", NULL,
                                    &c) == 0);
    CHECK(c.plane == NIFTI_AXIAL && c.intensity.mode == INTENSITY_WINDOW && c.intensity.level == -600);
    eval_dataset_config_free(&c);
    /* a bad plane or intensity names its line when the file is read, not when a volume is cut */
    const char *bad_typed[][2] = {
        {"name = a\nlayout = nifti\nlist = l\ntask = x\nplane = oblique\n", "bad.conf:5: unknown plane"},
        {"name = a\nlayout = nifti\nlist = l\nintensity = window:nan,80\ntask = x\n", "bad.conf:4: bad window"},
        {"name = a\nlayout = nifti\nlist = l\nintensity = window:40,inf\ntask = x\n", "bad.conf:4: bad window"},
        {"name = a\nintensity = soft\n", "bad.conf:2: unknown intensity"},
        {"name = a\nplane = axial\nplane = axial\n", "bad.conf:3: 'plane' given twice"},
        {"name = a\nintensity = paper\nintensity = lung\n", "bad.conf:3: 'intensity' given twice"},
        {"name = a\ntask = x\nlayout = png\nplane = axial\n", "bad.conf: volumes/list/labels/plane belong"},
    };
    for (size_t i = 0; i < sizeof bad_typed / sizeof bad_typed[0]; i++) {
        util_err_clear();
        CHECK_MSG(eval_dataset_config_parse(bad_typed[i][0], "bad.conf", ".", NULL, &c) == -1, "typed case %zu", i);
        CHECK_MSG(strstr(samc_errmsg(), bad_typed[i][1]) != NULL, "typed case %zu: %s", i, samc_errmsg());
    }
    /* each bad rule names the line */
    const char *bad[] = {
        "name = a\nlayout = png\ntask = x\nbogus = 1\n",          /* unknown key */
        "name = a\nlayout = dicom\ntask = x\n",                    /* layout */
        "name = a\ntask = x\nclass.2 = y\n",                       /* task mixed with class */
        "name = a\nclass.1 = x\nclass.1 = y\n",                    /* class twice */
        "name = a\nclass.0 = x\n",                                  /* value 0 */
        "name = a\nlayout = png\n",                                 /* no task */
        "layout = png\ntask = x\n",                                 /* no name */
        "name = a\nlayout = nifti\ntask = x\n",                    /* no volumes */
        "name = a\nlayout = nifti\nvolumes = *.nii\ntask = x\n",  /* no labels rule */
        "name = a\nlayout = nifti\nvolumes = *\nlabels = a\ntask = x\n", /* no arrow */
        "name = a\nlayout = nifti\nvolumes = *\nlabels = a -> b\ntask = x\nplane = oblique\n",
        "name = a\ntask = x\nintensity = window:40\n",
        "name = a\ntask = x\nlayout = png\nintensity = minmax\n", /* PNG is always paper */
        "name = a\ntask = x\nremap = 4 -> \n",
        "name = a\ntask = x\njust words\n",
        "name = a\nname = b\ntask = x\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = eval_dataset_config_parse(bad[i], "bad.conf", ".", NULL, &c);
        CHECK_MSG(rc == -1, "case %zu accepted", i);
        CHECK_MSG(strstr(samc_errmsg(), "bad.conf") != NULL, "case %zu: %s", i, samc_errmsg());
    }
}

/* Every shipped config parses, and together they name the paper's 28 tasks. */
TEST(shipped_configs) {
    path_list l;
    CHECK(eval_dir_list_files("eval/datasets", 0, &l) == 0);
    int n_sets = 0, n_tasks = 0;
    for (size_t i = 0; i < l.n; i++) {
        dataset_config c;
        int rc = eval_dataset_config_load(l.paths[i], NULL, &c);
        CHECK_MSG(rc == 0, "%s", samc_errmsg());
        if (rc) continue;
        n_sets++;
        n_tasks += c.n_classes;
        eval_dataset_config_free(&c);
    }
    CHECK(n_sets == 19);
    CHECK(n_tasks == 28);
    eval_path_list_free(&l);
}

/* uint8(img / img.max() * 255), truncated, by hand */
TEST(paper_normalisation) {
    uint8_t px[6] = {0, 50, 100, 200, 199, 1};
    eval_normalize_paper_u8(px, 6);
    CHECK(px[0] == 0 && px[1] == 63 && px[2] == 127 && px[3] == 255 && px[4] == 253 && px[5] == 1);
    uint8_t z[3] = {0, 0, 0};
    eval_normalize_paper_u8(z, 3);
    CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0);
}

typedef struct {
    int n, bad;
    char last[256];
    int classes[3];
} item_count;

static int count_item(void *ctx, const eval_item *it) {
    item_count *c = ctx;
    c->n++;
    if (strcmp(it->id, c->last) <= 0 || it->h < 1 || it->w < 1) c->bad++;
    snprintf(c->last, sizeof c->last, "%s", it->id);
    size_t n = (size_t)it->h * it->w;
    for (size_t i = 0; i < n; i++)
        if (it->label[i] < 3) c->classes[it->label[i]]++;
        else c->bad++;
    return 0;
}

TEST(sources_png_layout) {
    dataset_config c;
    CHECK(eval_dataset_config_png_dirs("test/fixtures/sam-demo/data/binary/images",
          "test/fixtures/sam-demo/data/binary/masks",
                                  "Phantom", &c) == 0);
    source_list l;
    CHECK(eval_dataset_sources(&c, &l) == 0);
    CHECK(l.n == 12);
    if (l.n == 12) {
        CHECK(strcmp(l.v[0].id, "phantom_000") == 0 && strcmp(l.v[11].id, "phantom_011") == 0);
        item_count ic = {0};
        CHECK(eval_source_items(&c, &l.v[0], count_item, &ic) == 0);
        /* 0/255 masks become 0/1 labels (the authors' division by 255) */
        CHECK(ic.n == 1 && ic.bad == 0 && ic.classes[1] > 0 && ic.classes[2] == 0);
    }
    eval_source_list_free(&l);
    eval_dataset_config_free(&c);
    /* a mask missing for an image is an error naming it */
    CHECK(eval_dataset_config_png_dirs("test/fixtures/sam-demo/data/binary/images",
          "test/fixtures/sam-demo/data/volume",
                                  "x", &c) == 0);
    CHECK(eval_dataset_sources(&c, &l) == -1);
    CHECK(strstr(samc_errmsg(), "no mask") != NULL);
    eval_dataset_config_free(&c);
}

/* A palette PNG label map: the labels are the palette indices, whatever colours the palette
 * gives them (here red and green, which expanded would be a colour mask). */
TEST(palette_mask_labels_are_indices) {
    char dir[128], idir[160], mdir[160], path[200];
    CHECK(temp_dir(dir, sizeof dir, "palette") != NULL);
    snprintf(idir, sizeof idir, "%s/images", dir);
    snprintf(mdir, sizeof mdir, "%s/masks", dir);
    CHECK(mkdir(idir, 0700) == 0 && mkdir(mdir, 0700) == 0);
    uint8_t rgb[3 * 3 * 2] = {0};
    png_image im = {.width = 3, .height = 2, .channels = 3, .bit_depth = 8, .pixels = rgb};
    snprintf(path, sizeof path, "%s/x.png", idir);
    CHECK(io_png_write(path, &im) == 0);
    /* 4-bit palette: index 0 white, 1 red, 2 green; rows 0 1 2 / 2 2 0 */
    const uint16_t idx[6] = {0, 1, 2, 2, 2, 0};
    const uint8_t pal[9] = {255, 255, 255, 200, 10, 10, 10, 200, 10};
    corpus_png p = {3, 2, 4, 3, 0, 0, idx, pal, 3, NULL, 0, 0, 0};
    size_t len;
    unsigned char *file = corpus_build(&p, &len);
    snprintf(path, sizeof path, "%s/x.png", mdir);
    CHECK(write_bytes(path, file, len) == 0);
    free(file);
    dataset_config c;
    CHECK(eval_dataset_config_png_dirs(idir, mdir, "t", &c) == 0);
    source_list l;
    CHECK(eval_dataset_sources(&c, &l) == 0 && l.n == 1);
    item_count ic = {0};
    int rc = l.n == 1 ? eval_source_items(&c, &l.v[0], count_item, &ic) : -1;
    CHECK_MSG(rc == 0, "%s", samc_errmsg());
    CHECK(ic.n == 1 && ic.bad == 0 && ic.classes[0] == 2 && ic.classes[1] == 1 && ic.classes[2] == 3);
    eval_source_list_free(&l);
    eval_dataset_config_free(&c);
    rm_tree(dir);
}

/* A 0/128/255 mask as the authors read it: / 255 makes 128 a non-zero fraction, so a binary
 * task (label > 0) keeps it and a class (label == 1) does not. */
static int check_binary_target(void *ctx, const eval_item *it) {
    const dataset_config *c = ctx;
    uint8_t m[4];
    eval_item_class_mask(c, it, 0, m);
    return m[0] == 0 && m[1] == 1 && m[2] == 1 && m[3] == 1 ? 0 : 7;
}

TEST(mask_division_targets) {
    const char *dir = "build/test_eval_masks2";
    CHECK(util_make_dirs("build/test_eval_masks2/images") == 0 && util_make_dirs("build/test_eval_masks2/masks") == 0);
    uint8_t rgb[12] = {0}, m[4] = {0, 128, 255, 255};
    png_image im = {.width = 2, .height = 2, .channels = 3, .bit_depth = 8, .pixels = rgb};
    png_image mk = {.width = 2, .height = 2, .channels = 1, .bit_depth = 8, .pixels = m};
    CHECK(io_png_write("build/test_eval_masks2/images/x.png", &im) == 0);
    CHECK(io_png_write("build/test_eval_masks2/masks/x.png", &mk) == 0);
    dataset_config c;
    CHECK(eval_dataset_config_png_dirs("build/test_eval_masks2/images", "build/test_eval_masks2/masks", "t", &c) == 0);
    source_list l;
    CHECK(eval_dataset_sources(&c, &l) == 0 && l.n == 1);
    if (l.n == 1) CHECK(eval_source_items(&c, &l.v[0], check_binary_target, &c) == 0);
    /* as a class (label == 1), 128 is not the target */
    c.binary = 0;
    if (l.n == 1) CHECK(eval_source_items(&c, &l.v[0], check_binary_target, &c) == 7);
    eval_source_list_free(&l);
    eval_dataset_config_free(&c);
    unlink("build/test_eval_masks2/images/x.png");
    unlink("build/test_eval_masks2/masks/x.png");
    rmdir("build/test_eval_masks2/images"), rmdir("build/test_eval_masks2/masks"), rmdir(dir);
}

TEST(sources_multiclass_and_volume) {
    dataset_config c;
    CHECK(eval_dataset_config_load("eval/demo/phantom_multiclass.conf", NULL, &c) == 0);
    source_list l;
    CHECK(eval_dataset_sources(&c, &l) == 0 && l.n == 12);
    item_count ic = {0};
    for (size_t i = 0; i < l.n; i++) CHECK(eval_source_items(&c, &l.v[i], count_item, &ic) == 0);
    CHECK(ic.n == 12 && ic.bad == 0 && ic.classes[1] > 0 && ic.classes[2] > 0);
    eval_source_list_free(&l);
    eval_dataset_config_free(&c);

    CHECK(eval_dataset_config_load("eval/demo/ct_phantom.conf", NULL, &c) == 0);
    CHECK(eval_dataset_sources(&c, &l) == 0 && l.n == 1);
    if (l.n == 1) {
        CHECK(strcmp(l.v[0].id, "ct_phantom") == 0);
        CHECK(strstr(l.v[0].label, "ct_phantom_labels.nii.gz") != NULL);
        memset(&ic, 0, sizeof ic);
        CHECK(eval_source_items(&c, &l.v[0], count_item, &ic) == 0);
        /* 24 axial slices; only those with organ or lesion are kept, each has a target */
        CHECK(ic.n > 0 && ic.n <= 24 && ic.bad == 0 && ic.classes[1] > 0);
        CHECK(strncmp(ic.last, "ct_phantom_axial0", 17) == 0);
        /* with slices = all, all 24 */
        c.all_slices = 1;
        item_count all = {0};
        CHECK(eval_source_items(&c, &l.v[0], count_item, &all) == 0 && all.n == 24);
        CHECK(all.n >= ic.n);
    }
    eval_source_list_free(&l);
    eval_dataset_config_free(&c);
}

/* The extension in any case for images and masks; a mask present in two cases is refused
 * naming both, as are two images in two cases; a mask beside its image is not an image. */
TEST(sources_png_extension_case) {
    char dir[128], idir[160], mdir[160];
    CHECK(temp_dir(dir, sizeof dir, "case") != NULL);
    snprintf(idir, sizeof idir, "%s/images", dir);
    snprintf(mdir, sizeof mdir, "%s/masks", dir);
    CHECK(mkdir(idir, 0700) == 0 && mkdir(mdir, 0700) == 0);
    const char *images[] = {"A.PNG", "b.Png", "c.png", "notes.txt"}, *masks[] = {"A.png", "b.PNG", "c.pNg"};
    for (int i = 0; i < 4; i++) CHECK(touch(idir, images[i]) == 0);
    for (int i = 0; i < 3; i++) CHECK(touch(mdir, masks[i]) == 0);
    dataset_config c;
    CHECK(eval_dataset_config_png_dirs(idir, mdir, "t", &c) == 0);
    source_list l;
    int rc = eval_dataset_sources(&c, &l);
    CHECK_MSG(rc == 0 && l.n == 3, "%s", samc_errmsg());
    for (size_t i = 0; rc == 0 && i < l.n && i < 3; i++) {
        const char *want_id[] = {"A", "b", "c"};
        CHECK(strcmp(l.v[i].id, want_id[i]) == 0);
        CHECK(strcmp(eval_path_base(l.v[i].image), images[i]) == 0 && strcmp(eval_path_base(l.v[i].label),
              masks[i]) == 0);
    }
    if (rc == 0) eval_source_list_free(&l);
    /* c.png and c.pNg in masks: which one is meant is not guessed */
    CHECK(touch(mdir, "c.png") == 0);
    util_err_clear();
    CHECK(eval_dataset_sources(&c, &l) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "two masks") && strstr(samc_errmsg(), "masks/c.pNg") &&
                  strstr(samc_errmsg(), "masks/c.png"), "%s", samc_errmsg());
    /* a.PNG beside A.PNG is another image (names are case-sensitive); b.png beside b.Png is not */
    CHECK(touch(idir, "b.png") == 0);
    char cpath[200];
    snprintf(cpath, sizeof cpath, "%s/c.png", mdir);
    CHECK(unlink(cpath) == 0);
    util_err_clear();
    CHECK(eval_dataset_sources(&c, &l) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "two images named b") && strstr(samc_errmsg(), "images/b.Png") &&
                  strstr(samc_errmsg(), "images/b.png"), "%s", samc_errmsg());
    eval_dataset_config_free(&c);
    /* masks beside their images with a suffix: X.PNG has X_mask.Png, which is no image */
    rm_tree(dir);
    CHECK(temp_dir(dir, sizeof dir, "suffix") != NULL);
    CHECK(touch(dir, "X.PNG") == 0 && touch(dir, "X_mask.Png") == 0);
    CHECK(eval_dataset_config_png_dirs(dir, dir, "t", &c) == 0);
    free(c.mask_suffix);
    c.mask_suffix = strdup("_mask");
    rc = eval_dataset_sources(&c, &l);
    CHECK_MSG(rc == 0 && l.n == 1, "%s", samc_errmsg());
    if (rc == 0) {
        CHECK(strcmp(l.v[0].id, "X") == 0 && strcmp(eval_path_base(l.v[0].label), "X_mask.Png") == 0);
        eval_source_list_free(&l);
    }
    /* no mask: the message says what was expected */
    CHECK(touch(dir, "Y.png") == 0);
    util_err_clear();
    CHECK(eval_dataset_sources(&c, &l) == -1 && strstr(samc_errmsg(), "Y.png: no mask") &&
          strstr(samc_errmsg(), "Y_mask.png"));
    eval_dataset_config_free(&c);
    rm_tree(dir);
}

/* Quoted line breaks, commas and quotes in a field survive the results file (RFC 4180). */
TEST(csv_records_with_line_breaks) {
    char text[] = "a,\"x\ny\",1\nb,\"q\"\"\n\",2\nlast";
    char *p = text, *end = text + strlen(text), *rec, *f[4];
    int complete;
    rec = eval_csv_next_record(&p, end, &complete);
    CHECK(rec && complete && eval_csv_split(rec, f, 4) == 3 && strcmp(f[1], "x\ny") == 0 && strcmp(f[2], "1") == 0);
    rec = eval_csv_next_record(&p, end, &complete);
    CHECK(rec && complete && eval_csv_split(rec, f, 4) == 3 && strcmp(f[1], "q\"\n") == 0);
    rec = eval_csv_next_record(&p, end, &complete);
    CHECK(rec && !complete && strcmp(rec, "last") == 0);
    CHECK(eval_csv_next_record(&p, end, &complete) == NULL);

    const char *names[] = {"p\n1", "a,\"b\"\r\nc", "tab\there\x01", "\n"};
    result_set s = {0}, back = {0};
    for (int i = 0; i < 4; i++) eval_result_set_add(&s, "T", names[i], "1", "size", "area_fraction", "gt", 0.5 + i,
         NAN);
    size_t len;
    char *out = eval_results_format(&s, &len);
    CHECK(out && eval_results_parse(out, len, "t", &back) == 0 && back.n == 4);
    for (size_t i = 0; i < back.n && i < 4; i++)
        CHECK_MSG(strcmp(back.rows[i].image, names[i]) == 0 && back.rows[i].iou == 0.5 + (double)i, "row %zu", i);
    free(out);
    eval_result_set_free(&s);
    eval_result_set_free(&back);
}

static nifti_image grid(double sx, double sy, double sz) {
    nifti_image v = {.dim = {3, 160, 144, 24, 1, 1, 1, 1}, .affine_source = "sform"};
    v.affine[0][0] = sx, v.affine[1][1] = sy, v.affine[2][2] = sz;
    v.affine[0][3] = -64, v.affine[1][3] = 57.6, v.affine[2][3] = 30;
    return v;
}

/* Label volumes on the image's grid pass; a flipped, shifted or resized one is refused,
 * naming both files and the entry. Tolerance by hand: 1e-3 of the column's voxel size
 * (0.8 mm: 0.0008; the offsets: of the largest, 2.5 mm: 0.0025). */
TEST(volume_grid_check) {
    nifti_image img = grid(0.8, 0.8, 2.5), lab = grid(0.8, 0.8, 2.5);
    CHECK(eval_volume_grids_match(&img, "img.nii", &lab, "lab.nii") == 0);
    lab.affine[0][0] = -0.8; /* x flipped */
    util_err_clear();
    CHECK(eval_volume_grids_match(&img, "img.nii", &lab, "lab.nii") == -1);
    CHECK_MSG(strstr(samc_errmsg(), "img.nii") && strstr(samc_errmsg(), "lab.nii") && strstr(samc_errmsg(), "[0][0]") &&
                  strstr(samc_errmsg(), "-0.8"), "%s", samc_errmsg());
    lab = grid(0.8, 0.8, 2.5);
    lab.affine[1][1] = 0.8 + 0.0007; /* within 0.0008 */
    lab.affine[2][3] = 30 + 0.0024;  /* within 0.0025 */
    CHECK(eval_volume_grids_match(&img, "i", &lab, "l") == 0);
    lab.affine[1][1] = 0.8 + 0.0009;
    CHECK(eval_volume_grids_match(&img, "i", &lab, "l") == -1 && strstr(samc_errmsg(), "[1][1]"));
    lab = grid(0.8, 0.8, 2.5);
    lab.affine[2][3] = 30 + 0.0026;
    CHECK(eval_volume_grids_match(&img, "i", &lab, "l") == -1 && strstr(samc_errmsg(), "[2][3]"));
    lab = grid(0.8, 0.8, 2.5);
    lab.affine[0][1] = 0.001; /* a shear of 0.001 > 0.0008 */
    CHECK(eval_volume_grids_match(&img, "i", &lab, "l") == -1 && strstr(samc_errmsg(), "[0][1]"));
    lab = grid(0.8, 0.8, 2.5);
    lab.dim[1] = 144, lab.dim[2] = 160; /* transposed */
    CHECK(eval_volume_grids_match(&img, "img.nii", &lab, "lab.nii") == -1);
    CHECK_MSG(strstr(samc_errmsg(), "160 x 144 x 24") && strstr(samc_errmsg(), "144 x 160 x 24"), "%s", samc_errmsg());
    /* a 4D image (e.g. MSD prostate) and its 3D labels: the first volume's grid is compared */
    lab = grid(0.8, 0.8, 2.5);
    img.dim[0] = 4, img.dim[4] = 2;
    CHECK(eval_volume_grids_match(&img, "i", &lab, "l") == 0);
}

/* OUT/shards.conf's class lines: written and read back exactly (outer spaces, quotes,
 * commas), joined across shards, and the classes without rows named. */
TEST(shard_record_classes) {
    shard_record r;
    CHECK(eval_shard_record_init(&r, 2) == 0);
    CHECK(eval_shard_record_add(&r, "a", 0, 0, NULL) == 0);
    CHECK(eval_shard_record_add_class(&r, "MRI-Brain: Core", "1") == 0);
    CHECK(eval_shard_record_add_class(&r, " odd, \"x\" ", "1,2") == 0);
    CHECK(eval_shard_record_add_class(&r, "bad\nname", "3") == -1);
    size_t len;
    char *text = eval_shard_record_format(&r, &len);
    CHECK(text && strstr(text, "class = \"1\",\"MRI-Brain: Core\"\n") &&
          strstr(text, "class = \"1,2\",\" odd, \"\"x\"\" \"\n"));
    shard_record back;
    CHECK(text && eval_shard_record_parse(text, len, "t", &back) == 0);
    CHECK(back.n_classes == 2 && strcmp(back.classes[1].task, " odd, \"x\" ") == 0 &&
          strcmp(back.classes[1].cls, "1,2") == 0 && strcmp(back.classes[0].task, "MRI-Brain: Core") == 0);
    free(text);
    /* join: an empty record copies them; one without class lines (older samc) agrees with any;
     * other classes are refused */
    shard_record j = {0};
    CHECK(eval_shard_record_join(&j, &back, "s0") == 0 && j.n_classes == 2);
    shard_record old;
    char old_text[] = "shards = 2\nimage = 0 a\n";
    CHECK(eval_shard_record_parse(old_text, strlen(old_text), "old", &old) == 0 && old.n_classes == 0);
    CHECK(eval_shard_record_join(&j, &old, "old") == 0 && j.n_classes == 2);
    shard_record j2 = {0};
    CHECK(eval_shard_record_join(&j2, &old, "old") == 0 && eval_shard_record_join(&j2, &back,
          "s0") == 0 && j2.n_classes == 2);
    char other_text[] = "shards = 2\nimage = 0 a\nclass = \"7\",\"MRI-Brain: Core\"\n";
    shard_record other;
    CHECK(eval_shard_record_parse(other_text, strlen(other_text), "x", &other) == 0);
    util_err_clear();
    CHECK(eval_shard_record_join(&j, &other, "x") == -1 && strstr(samc_errmsg(), "classes"));
    /* rows for class 1 only: the other class is named, with its task */
    result_set rows = {0};
    eval_result_set_add(&rows, "MRI-Brain: Core", "a", "1", "size", "components", "gt", 1, NAN);
    char *msg = NULL;
    size_t n = 9;
    CHECK(eval_shard_record_absent_classes(&back, &rows, &msg, &n) == 0 && n == 1);
    CHECK_MSG(msg && strcmp(msg, "class 1,2 of task ' odd, \"x\" '") == 0, "%s", msg ? msg : "(null)");
    free(msg);
    eval_result_set_add(&rows, " odd, \"x\" ", "a", "1,2", "size", "components", "gt", 1, NAN);
    CHECK(eval_shard_record_absent_classes(&back, &rows, &msg, &n) == 0 && n == 0 && msg == NULL);
    CHECK(eval_shard_record_absent_classes(&old, &rows, &msg, &n) == 0 && n == 0 && msg == NULL);
    /* malformed class lines are refused */
    char bad1[] = "shards = 1\nclass = 7\n", bad2[] = "shards = 1\nclass = \"7\",\"a\",\"b\"\n";
    shard_record x;
    CHECK(eval_shard_record_parse(bad1, strlen(bad1), "b", &x) == -1);
    CHECK(eval_shard_record_parse(bad2, strlen(bad2), "b", &x) == -1);
    /* task names with control characters are refused where they are given */
    dataset_config c;
    util_err_clear();
    CHECK(eval_dataset_config_parse("name = a\nclass.1 = x\ty\n", "c.conf", ".", NULL, &c) == -1 &&
          strstr(samc_errmsg(), "c.conf:2") && strstr(samc_errmsg(), "control"));
    CHECK(eval_dataset_config_png_dirs("i", "m", "a\nb", &c) == -1 && strstr(samc_errmsg(), "--task"));
    eval_result_set_free(&rows);
    eval_shard_record_free(&other), eval_shard_record_free(&old), eval_shard_record_free(&j),
                           eval_shard_record_free(&j2);
    eval_shard_record_free(&back), eval_shard_record_free(&r);
}

/* OUT/skipped.txt: an entry per file, replaced and removed by name, messages on one line. */
TEST(skip_list_entries) {
    char dir[128], path[200];
    CHECK(temp_dir(dir, sizeof dir, "skip") != NULL);
    snprintf(path, sizeof path, "%s/" SKIPPED_FILE, dir);
    skip_list l = {0};
    CHECK(eval_skip_list_set(&l, 0, "a", "a.png: not a PNG file") == 0);
    CHECK(eval_skip_list_set(&l, 1, "v", "v.nii: line\nbreak\t\\ \x01") == 0);
    CHECK(eval_skip_list_set(&l, 0, "a", "a.png: truncated") == 0); /* replaces */
    CHECK(eval_skip_list_write(dir, &l) == 0);
    size_t n = 0;
    char *text = (char *)read_bytes(path, &n);
    const char *want = "image a: a.png: truncated\nvolume v: v.nii: line\\nbreak\\t\\\\ \\x01\n";
    CHECK_MSG(text && n == strlen(want) && memcmp(text, want, n) == 0, "%.*s", (int)n, text ? text : "");
    free(text);
    size_t ni, nv;
    CHECK(eval_skipped_count(dir, &ni, &nv) == 0 && ni == 1 && nv == 1);
    skip_list back;
    CHECK(eval_skip_list_read(dir, &back) == 0 && back.n == 2 && strcmp(back.lines[0],
          "image a: a.png: truncated") == 0);
    CHECK(eval_skip_list_remove(&back, "a") == 1 && eval_skip_list_remove(&back, "a") == 0 && back.n == 1);
    CHECK(eval_skip_list_remove(&back, "v") == 1 && back.n == 0);
    CHECK(eval_skip_list_write(dir, &back) == 0 && access(path, F_OK) != 0); /* no entry: no file */
    CHECK(eval_skipped_count(dir, &ni, &nv) == 0 && ni == 0 && nv == 0);
    eval_skip_list_free(&back);
    /* a line that is not an entry is dropped */
    char junk[] = "hello\nimage b: ok\nimage c no colon\n\n";
    CHECK(eval_skip_list_parse(junk, strlen(junk), "j", &back) == 0 && back.n == 1 &&
          strcmp(back.lines[0], "image b: ok") == 0);
    eval_skip_list_free(&back);
    eval_skip_list_free(&l);
    rm_tree(dir);
}

int main(void) {
    RUN(sha256_vectors);
    RUN(cache_keying);
    RUN(cache_store_and_validate);
    RUN(results_roundtrip_and_checksum);
    RUN(results_detail_roundtrip_and_csvs);
    RUN(results_older_format_and_bad_detail);
    RUN(progress_lines);
    RUN(results_store_resume);
    RUN(shard_assignment);
    RUN(shard_record_roundtrip_join_missing);
    RUN(dataset_config_parsing);
    RUN(shipped_configs);
    RUN(paper_normalisation);
    RUN(sources_png_layout);
    RUN(sources_multiclass_and_volume);
    RUN(mask_division_targets);
    RUN(palette_mask_labels_are_indices);
    RUN(sources_png_extension_case);
    RUN(csv_records_with_line_breaks);
    RUN(volume_grid_check);
    RUN(shard_record_classes);
    RUN(skip_list_entries);
    return check_summary();
}
