/* eval/: SHA-256 (FIPS 180-4 vectors), embedding cache keys, the results store (resume,
 * torn lines, shards). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/sha256.h"

static int hex_of(const void *data, size_t len, const char *want) {
    uint8_t d[32];
    char hex[65];
    sha256(data, len, d);
    sha256_hex(d, hex);
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
    sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        sha256_update(&c, a + done, n);
        done += n;
        step = step * 7 % 131 + 1;
    }
    uint8_t d[32];
    char hex[65];
    sha256_final(&c, d);
    sha256_hex(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
    free(a);
}

int main(void) {
    RUN(sha256_vectors);
    return check_summary();
}
