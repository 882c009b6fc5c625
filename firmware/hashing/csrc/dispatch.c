/* The C functions Python calls (declared to cffi in build.py): pick an implementation
 * per call and do the plain-SHA-256 parts shared by both.
 *
 * The caller asks for HEARTH_IMPL_SHANI or _AVX2 only after hearth_has_shani() or
 * hearth_has_avx2() said yes (cpuid is slow under a hypervisor, so it is not repeated
 * on every call). */
#include <string.h>

#include "sha256d.h"

#ifndef HEARTH_BUILD_ID
#error "HEARTH_BUILD_ID must be defined by firmware/hashing/build.py"
#endif

#define HEARTH_IMPL_PORTABLE 0
#define HEARTH_IMPL_SHANI 1
#define HEARTH_IMPL_AVX2 2

/* build.py finds this string in the compiled module to tell whether it is up to date. */
static const char build_id[] = "hearth-hash-core:" HEARTH_BUILD_ID;

const char *hearth_build_id(void)
{
    return build_id;
}

int hearth_has_shani(void)
{
    return hearth_cpu_has_shani();
}

int hearth_has_avx2(void)
{
    return hearth_cpu_has_avx2();
}

/* AVX2 gains only from many nonces at once, so plain hashing on that path is portable. */
static hearth_compress_fn compress_for(int impl)
{
    if (impl == HEARTH_IMPL_PORTABLE || impl == HEARTH_IMPL_AVX2)
        return hearth_compress_portable;
    if (impl == HEARTH_IMPL_SHANI)
        return hearth_compress_shani;
    return NULL;
}

static void sha256(hearth_compress_fn compress, const uint8_t *data, size_t len, uint8_t out[32])
{
    uint32_t state[8];
    uint8_t block[64];
    memcpy(state, hearth_sha256_h0, sizeof state);
    size_t whole = len - len % 64;
    for (size_t off = 0; off < whole; off += 64)
        compress(state, data + off);
    /* FIPS 180-4 section 5.1.1: a 1 bit, zeros, then the bit length in 64 bits. */
    size_t rest = len - whole;
    memset(block, 0, sizeof block);
    memcpy(block, data + whole, rest);
    block[rest] = 0x80;
    if (rest >= 56) {
        compress(state, block);
        memset(block, 0, sizeof block);
    }
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        block[63 - i] = (uint8_t)(bits >> (8 * i));
    compress(state, block);
    for (int i = 0; i < 8; i++)
        hearth_store_be32(out + 4 * i, state[i]);
}

int hearth_sha256d(int impl, const uint8_t *data, size_t len, uint8_t out[32])
{
    hearth_compress_fn compress = compress_for(impl);
    if (compress == NULL)
        return -1;
    uint8_t first[32];
    sha256(compress, data, len, first);
    sha256(compress, first, sizeof first, out);
    return 0;
}

int hearth_midstate(int impl, const uint8_t block[64], uint8_t out[32])
{
    hearth_compress_fn compress = compress_for(impl);
    if (compress == NULL)
        return -1;
    uint32_t state[8];
    memcpy(state, hearth_sha256_h0, sizeof state);
    compress(state, block);
    for (int i = 0; i < 8; i++)
        hearth_store_be32(out + 4 * i, state[i]);
    return 0;
}

static int64_t scan_ctx(int impl, const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                        uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    if (impl == HEARTH_IMPL_PORTABLE)
        return hearth_scan_portable(ctx, start, count, found, found_cap, scanned);
    if (impl == HEARTH_IMPL_SHANI)
        return hearth_scan_shani(ctx, start, count, found, found_cap, scanned);
    if (impl == HEARTH_IMPL_AVX2)
        return hearth_scan_avx2(ctx, start, count, found, found_cap, scanned);
    return -1;
}

static int scan_range_ok(uint32_t start, uint64_t count, uint32_t found_cap)
{
    return found_cap != 0 && count <= ((uint64_t)1 << 32) - start;
}

int64_t hearth_scan(int impl, const uint8_t header76[76], uint32_t start, uint64_t count,
                    const uint8_t target_le[32], uint32_t *found, uint32_t found_cap,
                    uint64_t *scanned)
{
    if (!scan_range_ok(start, count, found_cap))
        return -2;
    hearth_scan_ctx ctx;
    hearth_scan_ctx_init(&ctx, header76, target_le);
    return scan_ctx(impl, &ctx, start, count, found, found_cap, scanned);
}

/* The same scan from a midstate (32 bytes: H0..H7 big-endian, as hearth_midstate writes
 * it) and the header's bytes 64..75: how a BM1397 hashes, and how its simulator does. */
int64_t hearth_scan_midstate(int impl, const uint8_t midstate[32], const uint8_t tail12[12],
                             uint32_t start, uint64_t count, const uint8_t target_le[32],
                             uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    if (!scan_range_ok(start, count, found_cap))
        return -2;
    uint32_t mid[8];
    for (int i = 0; i < 8; i++)
        mid[i] = hearth_load_be32(midstate + 4 * i);
    hearth_scan_ctx ctx;
    hearth_scan_ctx_init_midstate(&ctx, mid, tail12, target_le);
    return scan_ctx(impl, &ctx, start, count, found, found_cap, scanned);
}
