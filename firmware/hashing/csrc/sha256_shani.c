/* SHA-256 and the nonce-scan kernel on the x86 SHA extensions (SHA-NI).
 *
 * Only the functions here are compiled for the SHA/SSE4.1/SSSE3 instruction sets (via
 * a target attribute), so the extension still loads on x86 CPUs without them; the
 * Python side calls them only when cpuid says the CPU has them.
 *
 * The scan runs LANES nonces side by side: each sha256rnds2 depends on the previous
 * one for the same nonce, so independent nonces fill the latency.  Per nonce it runs
 * 31 sha256rnds2 for block 2 of the first hash (rounds 0-1 precomputed, they see no
 * nonce) and 31 for the second hash (it stops after round 61, where the top word of
 * the digest is known); a candidate that passes that check is finished in portable C.
 */
#include "sha256d.h"

/* HEARTH_PORTABLE_ONLY builds what a non-x86 CPU gets; the tests use it to check that
 * build on this machine too. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(HEARTH_PORTABLE_ONLY)

#include <cpuid.h>
#include <immintrin.h>

#define SHANI_FN __attribute__((target("sha,sse4.1,ssse3")))
/* Full unrolling keeps every lane's state and schedule in registers. */
#define HEARTH_UNROLL _Pragma("GCC unroll 16")
#define SHANI_INLINE static inline __attribute__((always_inline, target("sha,sse4.1,ssse3")))

/* Nonces in flight per scan step.  On the AMD EPYC (Zen 4 by its flags) this was tuned
 * on, sha256rnds2 has a latency of about 4 cycles and a throughput of about 1 per
 * cycle; measured there (best of runs, MH/s on one core): 1 lane 17, 2 lanes 28,
 * 3 lanes 30, 4 lanes 30 (more registers spilled). */
#define LANES 3

int hearth_cpu_has_shani(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    /* CPUID.1:ECX bit 9 SSSE3, bit 19 SSE4.1 (Intel SDM vol. 2A, table 3-10). */
    if (!(c & (1u << 9)) || !(c & (1u << 19)))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    /* CPUID.(EAX=7,ECX=0):EBX bit 29 SHA (Intel SDM vol. 2A, table 3-8). */
    return (b >> 29) & 1;
}

SHANI_INLINE __m128i k4(int group)
{
    return _mm_loadu_si128((const __m128i *)(hearth_sha256_k + 4 * group));
}

/* Words A..H in order -> the (ABEF, CDGH) register pair sha256rnds2 works on. */
SHANI_INLINE void to_abef(const uint32_t s[8], __m128i *abef, __m128i *cdgh)
{
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s + 4)), 0x1B);
    *abef = _mm_alignr_epi8(abcd, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
}

/* The inverse: (ABEF, CDGH) -> [A B C D], [E F G H] as 32-bit lanes. */
SHANI_INLINE void from_abef(__m128i abef, __m128i cdgh, __m128i *abcd, __m128i *efgh)
{
    __m128i t = _mm_shuffle_epi32(abef, 0x1B);
    __m128i u = _mm_shuffle_epi32(cdgh, 0xB1);
    *abcd = _mm_blend_epi16(t, u, 0xF0);
    *efgh = _mm_alignr_epi8(u, t, 8);
}

/* The next four schedule words from the previous sixteen (m0 oldest). */
SHANI_INLINE __m128i next_w(__m128i m0, __m128i m1, __m128i m2, __m128i m3)
{
    __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4));
    return _mm_sha256msg2_epu32(t, m3);
}

/* Four rounds with message+constant wk; abef/cdgh swap roles twice, so end as given. */
#define FOUR_ROUNDS(abef, cdgh, wk)                                        \
    do {                                                                   \
        (cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), (wk));              \
        (abef) = _mm_sha256rnds2_epu32((abef), (cdgh), _mm_shuffle_epi32((wk), 0x0E)); \
    } while (0)

SHANI_FN void hearth_compress_shani(uint32_t state[8], const uint8_t block[64])
{
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i abef, cdgh, m[4];
    to_abef(state, &abef, &cdgh);
    __m128i abef0 = abef, cdgh0 = cdgh;
    for (int i = 0; i < 4; i++)
        m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), bswap);
    for (int g = 0; g < 16; g++) {
        if (g >= 4)
            m[g & 3] = next_w(m[g & 3], m[(g + 1) & 3], m[(g + 2) & 3], m[(g + 3) & 3]);
        FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m[g & 3], k4(g)));
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    __m128i abcd, efgh;
    from_abef(abef, cdgh, &abcd, &efgh);
    _mm_storeu_si128((__m128i *)state, abcd);
    _mm_storeu_si128((__m128i *)(state + 4), efgh);
}

SHANI_FN uint32_t hearth_scan_shani(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                                    uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    __m128i mid_abef, mid_cdgh, h0_abef, h0_cdgh;
    to_abef(ctx->mid, &mid_abef, &mid_cdgh);
    to_abef(hearth_sha256_h0, &h0_abef, &h0_cdgh);

    /* Block 2 of the first hash: [tail0 tail1 tail2 nonce] [0x80000000 0 0 0] [0 ...]
     * [0 0 0 640].  Rounds 0-1 see only tail0 and tail1. */
    const __m128i w0_base = _mm_set_epi32(0, (int)ctx->tail[2], (int)ctx->tail[1],
                                          (int)ctx->tail[0]);
    const __m128i w1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    const __m128i w2 = _mm_setzero_si128();
    const __m128i w3 = _mm_set_epi32(640, 0, 0, 0);
    const __m128i pre_abef = _mm_sha256rnds2_epu32(mid_cdgh, mid_abef,
                                                   _mm_add_epi32(w0_base, k4(0)));
    const __m128i wk1 = _mm_add_epi32(w1, k4(1));
    const __m128i wk2 = _mm_add_epi32(w2, k4(2));
    const __m128i wk3 = _mm_add_epi32(w3, k4(3));
    /* The second hash's block: [hash1 words 0..3] [4..7] [0x80000000 0 0 0] [0 0 0 256]. */
    const __m128i v2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    const __m128i v3 = _mm_set_epi32(256, 0, 0, 0);
    const __m128i vk2 = _mm_add_epi32(v2, k4(2));
    const __m128i vk3 = _mm_add_epi32(v3, k4(3));
    const uint32_t k2 = hearth_sha256_k[2], k3 = hearth_sha256_k[3];
    const uint32_t top_limit = ctx->target[7];

    uint32_t n_found = 0;
    for (uint64_t i = 0; i < count; i += LANES) {
        __m128i abef[LANES], cdgh[LANES], m[LANES][4];
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++) {
            uint32_t nonce_be = hearth_bswap32(start + (uint32_t)(i + l));
            m[l][0] = _mm_insert_epi32(w0_base, (int)nonce_be, 3);
            m[l][1] = w1;
            m[l][2] = w2;
            m[l][3] = w3;
            /* Rounds 2-3: the only ones of group 0 that see the nonce. */
            abef[l] = _mm_sha256rnds2_epu32(
                mid_abef, pre_abef,
                _mm_set_epi32(0, 0, (int)(nonce_be + k3), (int)(ctx->tail[2] + k2)));
            cdgh[l] = pre_abef;
        }
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], wk1);
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], wk2);
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], wk3);
        HEARTH_UNROLL
        for (int g = 4; g < 16; g++) {
            HEARTH_UNROLL
            for (int l = 0; l < LANES; l++) {
                m[l][g & 3] = next_w(m[l][g & 3], m[l][(g + 1) & 3], m[l][(g + 2) & 3],
                                     m[l][(g + 3) & 3]);
                FOUR_ROUNDS(abef[l], cdgh[l], _mm_add_epi32(m[l][g & 3], k4(g)));
            }
        }
        /* Second hash: its message is the first hash's state in word order. */
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++) {
            from_abef(_mm_add_epi32(abef[l], mid_abef), _mm_add_epi32(cdgh[l], mid_cdgh),
                      &m[l][0], &m[l][1]);
            m[l][2] = v2;
            m[l][3] = v3;
            abef[l] = h0_abef;
            cdgh[l] = h0_cdgh;
            FOUR_ROUNDS(abef[l], cdgh[l], _mm_add_epi32(m[l][0], k4(0)));
        }
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], _mm_add_epi32(m[l][1], k4(1)));
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], vk2);
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++)
            FOUR_ROUNDS(abef[l], cdgh[l], vk3);
        HEARTH_UNROLL
        for (int g = 4; g < 15; g++) {
            HEARTH_UNROLL
            for (int l = 0; l < LANES; l++) {
                m[l][g & 3] = next_w(m[l][g & 3], m[l][(g + 1) & 3], m[l][(g + 2) & 3],
                                     m[l][(g + 3) & 3]);
                FOUR_ROUNDS(abef[l], cdgh[l], _mm_add_epi32(m[l][g & 3], k4(g)));
            }
        }
        HEARTH_UNROLL
        for (int l = 0; l < LANES; l++) {
            __m128i w15 = next_w(m[l][3], m[l][0], m[l][1], m[l][2]);
            /* Rounds 60-61 only: the new ABEF's F is e after round 61, the final h. */
            __m128i last = _mm_sha256rnds2_epu32(cdgh[l], abef[l], _mm_add_epi32(w15, k4(15)));
            uint32_t top = hearth_bswap32((uint32_t)_mm_cvtsi128_si32(last) + hearth_sha256_h0[7]);
            if (top > top_limit || i + l >= count)
                continue;
            uint32_t nonce = start + (uint32_t)(i + l);
            uint32_t full[8];
            hearth_hash_nonce_portable(ctx, nonce, full);
            if (!hearth_meets_target(full, ctx->target))
                continue;
            found[n_found++] = nonce;
            if (n_found == found_cap) {
                *scanned = i + l + 1;
                return n_found;
            }
        }
    }
    *scanned = count;
    return n_found;
}

#else

/* No SHA extensions here: hearth_has_shani() says so and the Python side never asks for
 * the SHA-NI path, but the symbols must exist. */
int hearth_cpu_has_shani(void)
{
    return 0;
}

void hearth_compress_shani(uint32_t state[8], const uint8_t block[64])
{
    hearth_compress_portable(state, block);
}

uint32_t hearth_scan_shani(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                           uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    return hearth_scan_portable(ctx, start, count, found, found_cap, scanned);
}

#endif
