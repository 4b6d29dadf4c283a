/* torchvision.ops.nms (csrc/ops/cpu/nms_kernel.cpp), which batched_nms reduces to when every
 * box has the same category, as in the automatic mask generator. */
#include <stdlib.h>

#include "sam/amg.h"
#include "util/mem.h"

/* Descending order with NaN first (torch.sort puts NaN above every number); equal scores
 * keep their index order, i.e. a stable sort. */
static int score_before(float a, float b) {
    if (a != a) return b == b;
    if (b != b) return 0;
    return a > b;
}

/* Stable merge sort of idx[0..n) by score_before, using tmp as scratch. */
static void sort_by_score(int *idx, int *tmp, int n, const float *scores) {
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = score_before(scores[idx[j]], scores[idx[i]]) ? idx[j++] : idx[i++];
            while (i < mid) tmp[k++] = idx[i++];
            while (j < hi) tmp[k++] = idx[j++];
        }
        for (int k = 0; k < n; k++) idx[k] = tmp[k];
    }
}

int sam_amg_nms(const float *boxes, const float *scores, int n, double iou_threshold, int *keep) {
    if (n <= 0) return 0;
    int *order = util_xmalloc_array((size_t)n, sizeof *order);
    int *tmp = util_xmalloc_array((size_t)n, sizeof *tmp);
    uint8_t *suppressed = util_xcalloc_array((size_t)n, 1);
    float *areas = util_xmalloc_array((size_t)n, sizeof *areas);
    int kept = -1;
    if (!order || !tmp || !suppressed || !areas) goto done;
    for (int i = 0; i < n; i++) {
        order[i] = i;
        const float *b = boxes + 4 * (size_t)i;
        areas[i] = (b[2] - b[0]) * (b[3] - b[1]); /* no +1, float32 as the kernel */
    }
    sort_by_score(order, tmp, n, scores);
    kept = 0;
    for (int a = 0; a < n; a++) {
        int i = order[a];
        if (suppressed[i]) continue;
        keep[kept++] = i;
        const float *bi = boxes + 4 * (size_t)i;
        for (int c = a + 1; c < n; c++) {
            int j = order[c];
            if (suppressed[j]) continue;
            const float *bj = boxes + 4 * (size_t)j;
            float xx1 = bi[0] > bj[0] ? bi[0] : bj[0], yy1 = bi[1] > bj[1] ? bi[1] : bj[1];
            float xx2 = bi[2] < bj[2] ? bi[2] : bj[2], yy2 = bi[3] < bj[3] ? bi[3] : bj[3];
            float iw = xx2 - xx1 > 0.0f ? xx2 - xx1 : 0.0f;
            float ih = yy2 - yy1 > 0.0f ? yy2 - yy1 : 0.0f;
            float inter = iw * ih;
            float iou = inter / (areas[i] + areas[j] - inter); /* 0/0 = NaN never suppresses */
            if ((double)iou > iou_threshold) suppressed[j] = 1;
        }
    }
done:
    free(order);
    free(tmp);
    free(suppressed);
    free(areas);
    return kept;
}
