/* Multi-head attention without position terms (timm's Attention, MiT's Attention):
 * per head softmax((q @ k^T) * hd^-0.5) @ v. The work is cut into tasks of one head and
 * MHA_QBLOCK query rows, each task's scores in its thread's scratch; a task's products run
 * on its thread (nn_sgemm inside an OpenMP region), so the split does not depend on the
 * thread count and neither do the bits. */
#include <math.h>
#include <omp.h>
#include <stdint.h>

#include "nn/gemm.h"
#include "nn/nn.h"

#define MHA_QBLOCK 256

size_t nn_mha_scratch_size(int Nq, int Nk) {
    size_t rows = (size_t)(Nq < MHA_QBLOCK ? Nq : MHA_QBLOCK), threads = (size_t)omp_get_max_threads();
    if (Nq < 1 || Nk < 1 || rows > SIZE_MAX / (size_t)Nk / threads) return 0;
    return rows * (size_t)Nk * threads;
}

void nn_mha_forward(float *out, int out_ld, const float *q, int q_ld, const float *k, const float *v, int kv_ld, int Nq,
                 int Nk, int heads, int hd, float *scratch) {
    int blocks = (Nq + MHA_QBLOCK - 1) / MHA_QBLOCK, tasks = heads * blocks;
    size_t per_thread = (size_t)(Nq < MHA_QBLOCK ? Nq : MHA_QBLOCK) * (size_t)Nk;
    float scale = (float)pow(hd, -0.5); /* the module's python float, a float32 factor here */
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < tasks; t++) {
        int h = t / blocks, i0 = t % blocks * MHA_QBLOCK, nq = Nq - i0 < MHA_QBLOCK ? Nq - i0 : MHA_QBLOCK;
        float *attn = scratch + (size_t)omp_get_thread_num() * per_thread; /* [nq][Nk] */
        const float *qh = q + (size_t)i0 * q_ld + (size_t)h * hd;
        nn_sgemm(0, 1, nq, Nk, hd, scale, qh, q_ld, k + (size_t)h * hd, kv_ld, 0.0f, attn, Nk);
        nn_softmax_rows_inplace(attn, (size_t)nq, Nk);
        nn_sgemm(0, 0, nq, hd, Nk, 1.0f, attn, Nk, v + (size_t)h * hd, kv_ld, 0.0f,
                 out + (size_t)i0 * out_ld + (size_t)h * hd, out_ld);
    }
}
