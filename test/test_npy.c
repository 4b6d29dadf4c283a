/* io/npy: round trips and the fixture format. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "io/npy.h"

TEST(npy_roundtrip_f32) {
    float v[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-20f, -7.0f};
    int64_t shape[2] = {2, 3};
    const char *path = "build/test_npy_tmp.npy";
    CHECK(io_npy_write(path, NPY_F32, 2, shape, v) == 0);
    npy_array a;
    CHECK(io_npy_read(path, &a) == 0);
    CHECK(a.dtype == NPY_F32 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 && a.count == 6);
    CHECK(a.data && memcmp(a.data, v, sizeof v) == 0);
    io_npy_free(&a);
    remove(path);
}

TEST(npy_reads_fixture_embedding) {
    npy_array a;
    CHECK(io_npy_read("test/fixtures/sam-tiny/embedding.npy", &a) == 0);
    CHECK(a.dtype == NPY_F32 && a.ndim == 4 && a.shape[0] == 1 && a.shape[1] == 32 && a.shape[2] == 16);
    io_npy_free(&a);
}

TEST(npy_rejects_truncated) {
    /* a valid header promising 100 floats followed by only 4 bytes of data */
    const char hdr[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }";
    unsigned char buf[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(sizeof hdr - 1), 0};
    memcpy(buf + 10, hdr, sizeof hdr - 1);
    npy_array a;
    CHECK(io_npy_parse(buf, 10 + sizeof hdr - 1 + 4, &a) == -1);
    CHECK(io_npy_parse(buf, 5, &a) == -1);
}

/* Found by fuzz/fuzz_npy.c: a header that ends right after the opening quote of 'descr' (or
 * one character later) made the 1-byte-type comparison read past the header's end (the
 * sanitizer build reports it). Each cut must be refused with an error. */
TEST(npy_rejects_header_ending_inside_descr) {
    const char *cuts[] = {"{'fortran_order': False, 'shape': (), 'descr': '",
                          "{'fortran_order': False, 'shape': (), 'descr': '<",
                          "{'fortran_order': False, 'shape': (), 'descr': '|u",
                          "{'fortran_order': False, 'shape': (), 'descr': '<f4"};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        size_t n = strlen(cuts[c]);
        unsigned char buf[128] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
        memcpy(buf + 10, cuts[c], n);
        npy_array a;
        CHECK(io_npy_parse(buf, 10 + n, &a) == -1);
    }
}

/* A 2x3 int32 array [[0,1,2],[3,4,5]] stored in Fortran order is the bytes 0,3,1,4,2,5. */
TEST(npy_reads_fortran_order_as_c_order) {
    const char hdr[] = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }";
    unsigned char buf[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(sizeof hdr - 1), 0};
    memcpy(buf + 10, hdr, sizeof hdr - 1);
    int32_t fdata[6] = {0, 3, 1, 4, 2, 5};
    memcpy(buf + 10 + sizeof hdr - 1, fdata, sizeof fdata);
    npy_array a;
    CHECK(io_npy_parse(buf, 10 + sizeof hdr - 1 + sizeof fdata, &a) == 0);
    const int32_t *v = a.data;
    for (int i = 0; i < 6; i++) CHECK(v[i] == i);
    io_npy_free(&a);
}

/* The official everything fixture of sam-tiny is a Fortran-order bool array. */
TEST(npy_reads_fortran_fixture) {
    npy_array a;
    CHECK(io_npy_read("test/fixtures/sam-tiny/everything/masks.npy", &a) == 0);
    CHECK(a.dtype == NPY_BOOL && a.ndim == 3 && a.shape[1] == 200 && a.shape[2] == 300);
    io_npy_free(&a);
}

int main(void) {
    RUN(npy_reads_fortran_order_as_c_order);
    RUN(npy_reads_fortran_fixture);
    RUN(npy_roundtrip_f32);
    RUN(npy_reads_fixture_embedding);
    RUN(npy_rejects_truncated);
    RUN(npy_rejects_header_ending_inside_descr);
    return check_summary();
}
