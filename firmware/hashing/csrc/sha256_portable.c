/* Portable C99 SHA-256 and the scalar nonce-scan kernel (any CPU, e.g. an ARM board).
 *
 * The scan does what real miners do: the midstate of the header's first 64 bytes is
 * computed once; block 2's first three rounds (which see only the merkle tail, ntime
 * and nbits) and the two schedule words the nonce does not reach are precomputed; the
 * constant padding of both blocks is written as literals so the compiler folds it away;
 * the second hash stops after round 60, where the top word of the digest is known, and
 * only candidates that pass that check are finished and compared in full.
 */
#include "sha256d.h"

const uint32_t hearth_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

const uint32_t hearth_sha256_h0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
/* Maj as b ^ ((a ^ b) & (b ^ c)): b ^ c is the previous round's a ^ b, which the
 * compiler reuses once the rounds are unrolled, saving an operation per round. */
#define MAJ(a, b, c) ((b) ^ (((a) ^ (b)) & ((b) ^ (c))))

/* On x86-64 the compiler builds the scan twice, plain and for BMI2 (rorx rotates without
 * overwriting its source, which saves a move per rotation: about 15% here), and the
 * dynamic loader picks the one the CPU runs (GCC/clang target_clones, an ifunc). The
 * source stays plain C; elsewhere it is built once. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(HEARTH_PORTABLE_ONLY)
#define HEARTH_SCAN_CLONES __attribute__((target_clones("bmi2", "default")))
#else
#define HEARTH_SCAN_CLONES
#endif

#if defined(__GNUC__)
#define HEARTH_INLINE static inline __attribute__((always_inline))
#define HEARTH_UNROLL _Pragma("GCC unroll 64")
#else
#define HEARTH_INLINE static inline
#define HEARTH_UNROLL
#endif

/* Rounds [from, to) over the state v, which rotates in place: at round i, word a lives
 * in v[(8 - i) & 7].  After a multiple of 8 rounds the layout is the usual a..h. */
HEARTH_INLINE void rounds(uint32_t v[8], const uint32_t w[64], int from, int to)
{
    HEARTH_UNROLL
    for (int i = from; i < to; i++) {
        uint32_t a = v[(8 - i) & 7], b = v[(9 - i) & 7], c = v[(10 - i) & 7];
        uint32_t e = v[(12 - i) & 7], f = v[(13 - i) & 7], g = v[(14 - i) & 7];
        uint32_t t1 = v[(15 - i) & 7] + BSIG1(e) + CH(e, f, g) + hearth_sha256_k[i] + w[i];
        v[(11 - i) & 7] += t1;
        v[(15 - i) & 7] = t1 + BSIG0(a) + MAJ(a, b, c);
    }
}

HEARTH_INLINE void schedule(uint32_t w[64], int from, int to)
{
    HEARTH_UNROLL
    for (int t = from; t < to; t++)
        w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
}

void hearth_compress_portable(uint32_t state[8], const uint8_t block[64])
{
    uint32_t w[64], v[8];
    for (int t = 0; t < 16; t++)
        w[t] = hearth_load_be32(block + 4 * t);
    schedule(w, 16, 64);
    for (int i = 0; i < 8; i++)
        v[i] = state[i];
    rounds(v, w, 0, 64);
    for (int i = 0; i < 8; i++)
        state[i] += v[i];
}

void hearth_scan_ctx_init(hearth_scan_ctx *ctx, const uint8_t header76[76],
                          const uint8_t target_le[32])
{
    uint32_t mid[8];
    for (int i = 0; i < 8; i++)
        mid[i] = hearth_sha256_h0[i];
    hearth_compress_portable(mid, header76);
    hearth_scan_ctx_init_midstate(ctx, mid, header76 + 64, target_le);
}

void hearth_scan_ctx_init_midstate(hearth_scan_ctx *ctx, const uint32_t mid[8],
                                   const uint8_t tail12[12], const uint8_t target_le[32])
{
    uint32_t w[64] = {0};
    for (int i = 0; i < 8; i++)
        ctx->mid[i] = mid[i];
    for (int i = 0; i < 3; i++)
        ctx->tail[i] = w[i] = hearth_load_be32(tail12 + 4 * i);
    for (int i = 0; i < 8; i++)
        ctx->pre3[i] = ctx->mid[i];
    rounds(ctx->pre3, w, 0, 3);
    /* w16 and w17 read words 0, 1, 2, 9, 10, 14, 15: never word 3, the nonce. */
    w[4] = 0x80000000u;
    w[15] = 640;
    ctx->w16 = SSIG1(w[14]) + w[9] + SSIG0(w[1]) + w[0];
    ctx->w17 = SSIG1(w[15]) + w[10] + SSIG0(w[2]) + w[1];
    for (int i = 0; i < 8; i++)
        ctx->target[i] = (uint32_t)target_le[4 * i] | ((uint32_t)target_le[4 * i + 1] << 8)
                         | ((uint32_t)target_le[4 * i + 2] << 16)
                         | ((uint32_t)target_le[4 * i + 3] << 24);
}

/* First hash of header76 || nonce: block 2 from the precomputed context. */
HEARTH_INLINE void first_hash(const hearth_scan_ctx *ctx, uint32_t nonce, uint32_t h1[8])
{
    uint32_t w[64] = {
        ctx->tail[0], ctx->tail[1], ctx->tail[2], hearth_bswap32(nonce), 0x80000000u,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640, ctx->w16, ctx->w17,
    };
    schedule(w, 18, 64);
    for (int i = 0; i < 8; i++)
        h1[i] = ctx->pre3[i];
    rounds(h1, w, 3, 64);
    for (int i = 0; i < 8; i++)
        h1[i] += ctx->mid[i];
}

/* Second hash over a 32-byte message: words 8..15 are the constant padding. */
HEARTH_INLINE void second_hash_w(const uint32_t h1[8], uint32_t w[64], int upto)
{
    for (int i = 0; i < 8; i++)
        w[i] = h1[i];
    w[8] = 0x80000000u;
    for (int i = 9; i < 15; i++)
        w[i] = 0;
    w[15] = 256;
    schedule(w, 16, upto);
}

void hearth_hash_nonce_portable(const hearth_scan_ctx *ctx, uint32_t nonce, uint32_t out[8])
{
    uint32_t h1[8], w[64];
    first_hash(ctx, nonce, h1);
    second_hash_w(h1, w, 64);
    for (int i = 0; i < 8; i++)
        out[i] = hearth_sha256_h0[i];
    rounds(out, w, 0, 64);
    for (int i = 0; i < 8; i++)
        out[i] += hearth_sha256_h0[i];
}

int hearth_meets_target(const uint32_t hash[8], const uint32_t target[8])
{
    /* The digest is H0..H7 big-endian; Bitcoin reads it as a little-endian number, so
     * its most significant word is H7 byte-swapped. */
    for (int i = 7; i >= 0; i--) {
        uint32_t word = hearth_bswap32(hash[i]);
        if (word != target[i])
            return word < target[i];
    }
    return 1;
}

HEARTH_SCAN_CLONES
uint32_t hearth_scan_portable(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                              uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    uint32_t n_found = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t nonce = start + (uint32_t)i;
        uint32_t h1[8], w[64], v[8];
        first_hash(ctx, nonce, h1);
        second_hash_w(h1, w, 61);
        for (int j = 0; j < 8; j++)
            v[j] = hearth_sha256_h0[j];
        rounds(v, w, 0, 61);
        /* After round 60, e is what h will be after round 63: the final H7 less H0[7]. */
        uint32_t top = hearth_bswap32(v[(12 - 61) & 7] + hearth_sha256_h0[7]);
        if (top > ctx->target[7])
            continue;
        uint32_t full[8];
        hearth_hash_nonce_portable(ctx, nonce, full);
        if (!hearth_meets_target(full, ctx->target))
            continue;
        found[n_found++] = nonce;
        if (n_found == found_cap) {
            *scanned = i + 1;
            return n_found;
        }
    }
    *scanned = count;
    return n_found;
}
