/* Drives the C core over exactly-sized heap buffers, so valgrind or AddressSanitizer
 * flags any read or write outside them.  Exits non-zero if a result is wrong. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hearth_has_shani(void);
int hearth_has_avx2(void);
int hearth_sha256d(int impl, const uint8_t *data, size_t len, uint8_t out[32]);
int hearth_midstate(int impl, const uint8_t block[64], uint8_t out[32]);
int64_t hearth_scan(int impl, const uint8_t header76[76], uint32_t start, uint64_t count,
                    const uint8_t target_le[32], uint32_t *found, uint32_t found_cap,
                    uint64_t *scanned);
int64_t hearth_scan_midstate(int impl, const uint8_t midstate[32], const uint8_t tail12[12],
                             uint32_t start, uint64_t count, const uint8_t target_le[32],
                             uint32_t *found, uint32_t found_cap, uint64_t *scanned);

static uint8_t *copy_exact(const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    memcpy(p, src, len);
    return p;
}

int main(void)
{
    uint8_t pattern[200];
    for (int i = 0; i < 200; i++)
        pattern[i] = (uint8_t)(i * 31 + 7);
    /* dispatch.c numbers the paths 0 portable, 1 SHA-NI, 2 AVX2. */
    int usable[3] = {1, hearth_has_shani(), hearth_has_avx2()};
    printf("paths checked: %d\n", usable[0] + usable[1] + usable[2]);
    uint8_t first[3][32];
    for (int impl = 0; impl < 3; impl++) {
        if (!usable[impl])
            continue;
        for (size_t len = 0; len <= 130; len++) {
            uint8_t *data = copy_exact(pattern, len);
            uint8_t *out = malloc(32);
            hearth_sha256d(impl, data, len, out);
            if (len == 130)
                memcpy(first[impl], out, 32);
            free(data);
            free(out);
        }
        uint8_t *block = copy_exact(pattern, 64), *mid = malloc(32);
        hearth_midstate(impl, block, mid);
        free(block);
        free(mid);

        uint8_t *header = copy_exact(pattern, 76);
        uint8_t *target = malloc(32);
        memset(target, 0xff, 32);
        /* Every nonce matches, one slot: each call must stop after exactly one nonce. */
        uint32_t *found = malloc(sizeof *found);
        uint64_t *scanned = malloc(sizeof *scanned);
        uint32_t start = 0xfffffff0u;
        for (uint64_t left = 16; left > 0;) {
            int64_t n = hearth_scan(impl, header, start, left, target, found, 1, scanned);
            if (n != 1 || *scanned != 1 || found[0] != start) {
                fprintf(stderr, "scan with a one-slot buffer went wrong at %u\n", start);
                return 1;
            }
            start++;
            left--;
        }
        memset(target, 0, 32);
        uint32_t *many = malloc(7 * sizeof *many);
        if (hearth_scan(impl, header, 1000, 3001, target, many, 7, scanned) != 0
            || *scanned != 3001) {
            fprintf(stderr, "scan with a zero target found something\n");
            return 1;
        }
        free(many);
        /* From a midstate and a 12-byte tail: the same nonces as the full header. */
        uint8_t *state = malloc(32), *tail = copy_exact(pattern + 64, 12);
        hearth_midstate(impl, pattern, state);
        memset(target, 0xff, 32);
        target[31] = 0x0f; /* about 1 nonce in 16 */
        uint32_t *from_header = malloc(64 * sizeof *from_header);
        uint32_t *from_mid = malloc(64 * sizeof *from_mid);
        int64_t a = hearth_scan(impl, header, 5000, 500, target, from_header, 64, scanned);
        int64_t b = hearth_scan_midstate(impl, state, tail, 5000, 500, target, from_mid, 64,
                                         scanned);
        if (a <= 0 || a != b || memcmp(from_header, from_mid, (size_t)a * sizeof *from_mid)) {
            fprintf(stderr, "midstate scan disagrees with the header scan\n");
            return 1;
        }
        free(from_header);
        free(from_mid);
        free(state);
        free(tail);
        free(found);
        free(scanned);
        free(target);
        free(header);
    }
    for (int impl = 1; impl < 3; impl++) {
        if (usable[impl] && memcmp(first[0], first[impl], 32) != 0) {
            fprintf(stderr, "paths disagree\n");
            return 1;
        }
    }
    puts("ok");
    return 0;
}
