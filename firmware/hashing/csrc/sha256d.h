/* The C SHA-256d core behind firmware.hashing: shared declarations.
 *
 * Implementations of the same functions: a portable C99 one (any CPU), one using the
 * x86 SHA extensions (SHA-NI) and, for the nonce scan only, an 8-lane AVX2 one.
 * dispatch.c picks one per call from the `impl` argument; the Python side chooses it
 * once from cpuid and HEARTH_HASH_IMPL.
 * Nothing here keeps mutable global state, so every function is safe to call from
 * several threads at once with the GIL released.
 */
#ifndef HEARTH_SHA256D_H
#define HEARTH_SHA256D_H

#include <stddef.h>
#include <stdint.h>

/* FIPS 180-4 section 4.2.2: the 64 round constants. */
extern const uint32_t hearth_sha256_k[64];
/* FIPS 180-4 section 5.3.3: the initial hash value. */
extern const uint32_t hearth_sha256_h0[8];

/* Everything about one header that does not depend on the nonce, computed once per scan. */
typedef struct {
    uint32_t mid[8];    /* state after the header's first 64 bytes (the midstate) */
    uint32_t tail[3];   /* block 2 words 0..2: merkle root tail, ntime, nbits (big-endian reads) */
    uint32_t pre3[8];   /* state after rounds 0..2 of block 2, which precede the nonce word */
    uint32_t w16, w17;  /* block 2 schedule words that the nonce does not reach */
    uint32_t target[8]; /* target as little-endian words: target[7] is the most significant */
} hearth_scan_ctx;

static inline uint32_t hearth_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void hearth_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t hearth_bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

typedef void (*hearth_compress_fn)(uint32_t state[8], const uint8_t block[64]);

/* sha256_portable.c */
void hearth_compress_portable(uint32_t state[8], const uint8_t block[64]);
void hearth_scan_ctx_init(hearth_scan_ctx *ctx, const uint8_t header76[76],
                          const uint8_t target_le[32]);
/* The same context from a midstate (H0..H7 after the header's first 64 bytes) and the
 * header's bytes 64..75 (merkle root tail, ntime, nbits): what a BM1397 chip is sent. */
void hearth_scan_ctx_init_midstate(hearth_scan_ctx *ctx, const uint32_t mid[8],
                                   const uint8_t tail12[12], const uint8_t target_le[32]);
/* Full double hash of header76 || nonce from the context: hash words H0..H7. */
void hearth_hash_nonce_portable(const hearth_scan_ctx *ctx, uint32_t nonce, uint32_t out[8]);
/* 1 when the hash words, read as Bitcoin reads a digest, are <= the target. */
int hearth_meets_target(const uint32_t hash[8], const uint32_t target[8]);
uint32_t hearth_scan_portable(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                              uint32_t *found, uint32_t found_cap, uint64_t *scanned);

/* sha256_shani.c (x86-64 only; elsewhere these are never called) */
int hearth_cpu_has_shani(void);
void hearth_compress_shani(uint32_t state[8], const uint8_t block[64]);
uint32_t hearth_scan_shani(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                           uint32_t *found, uint32_t found_cap, uint64_t *scanned);

/* sha256_avx2.c (x86-64 only; elsewhere these are never called) */
int hearth_cpu_has_avx2(void);
uint32_t hearth_scan_avx2(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                          uint32_t *found, uint32_t found_cap, uint64_t *scanned);

#endif
