/* io/npy: round trips and the fixture format. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "io/npy.h"

TEST(npy_roundtrip_f32) {
    float v[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-20f, -7.0f};
    int64_t shape[2] = {2, 3};
    const char *path = "build/test_npy_tmp.npy";
    CHECK(npy_write(path, NPY_F32, 2, shape, v) == 0);
    npy_array a;
    CHECK(npy_read(path, &a) == 0);
    CHECK(a.dtype == NPY_F32 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 && a.count == 6);
    CHECK(a.data && memcmp(a.data, v, sizeof v) == 0);
    npy_free(&a);
    remove(path);
}

TEST(npy_reads_fixture_embedding) {
    npy_array a;
    CHECK(npy_read("test/fixtures/sam-tiny/embedding.npy", &a) == 0);
    CHECK(a.dtype == NPY_F32 && a.ndim == 4 && a.shape[0] == 1 && a.shape[1] == 32 && a.shape[2] == 16);
    npy_free(&a);
}

TEST(npy_rejects_truncated) {
    /* a valid header promising 100 floats followed by only 4 bytes of data */
    const char hdr[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }";
    unsigned char buf[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(sizeof hdr - 1), 0};
    memcpy(buf + 10, hdr, sizeof hdr - 1);
    npy_array a;
    CHECK(npy_parse(buf, 10 + sizeof hdr - 1 + 4, &a) == -1);
    CHECK(npy_parse(buf, 5, &a) == -1);
}

int main(void) {
    RUN(npy_roundtrip_f32);
    RUN(npy_reads_fixture_embedding);
    RUN(npy_rejects_truncated);
    return check_summary();
}
