/* The nonce-scan kernel on AVX2: eight nonces per 256-bit register, for x86 CPUs
 * without the SHA extensions (Intel before Ice Lake, for one).
 *
 * The same algorithm as the portable scan, lane-wise: midstate, block 2's first three
 * rounds and schedule words 16-17 precomputed, constant padding folded, the second
 * hash stopped after round 60 for the top-word check; lanes that pass it are finished
 * one by one in portable C.  Compiled for AVX2 by a target attribute, called only when
 * cpuid (and the OS, through XGETBV) says AVX2 is usable.
 */
#include "sha256d.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(HEARTH_PORTABLE_ONLY)

#include <cpuid.h>
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2")))
#define HEARTH_UNROLL _Pragma("GCC unroll 64")

typedef __m256i v8u32;

int hearth_cpu_has_avx2(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    /* CPUID.1:ECX bit 27 OSXSAVE, bit 28 AVX (Intel SDM vol. 2A, table 3-10). */
    if (!(c & (1u << 27)) || !(c & (1u << 28)))
        return 0;
    /* XCR0 bits 1 and 2: the OS saves SSE and AVX state (Intel SDM vol. 1, 13.3). */
    unsigned int xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 6u) != 6u)
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    /* CPUID.(EAX=7,ECX=0):EBX bit 5 AVX2 (Intel SDM vol. 2A, table 3-8). */
    return (b >> 5) & 1;
}

AVX2_INLINE v8u32 rotr(v8u32 x, int n)
{
    return _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n));
}

AVX2_INLINE v8u32 add(v8u32 a, v8u32 b)
{
    return _mm256_add_epi32(a, b);
}

AVX2_INLINE v8u32 xor3(v8u32 a, v8u32 b, v8u32 c)
{
    return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
}

AVX2_INLINE v8u32 splat(uint32_t x)
{
    return _mm256_set1_epi32((int)x);
}

AVX2_INLINE v8u32 ssig0(v8u32 x)
{
    return xor3(rotr(x, 7), rotr(x, 18), _mm256_srli_epi32(x, 3));
}

AVX2_INLINE v8u32 ssig1(v8u32 x)
{
    return xor3(rotr(x, 17), rotr(x, 19), _mm256_srli_epi32(x, 10));
}

/* Rounds [from, to) on a rotating state, as in sha256_portable.c. */
AVX2_INLINE void rounds8(v8u32 v[8], const v8u32 w[64], int from, int to)
{
    HEARTH_UNROLL
    for (int i = from; i < to; i++) {
        v8u32 a = v[(8 - i) & 7], b = v[(9 - i) & 7], c = v[(10 - i) & 7];
        v8u32 e = v[(12 - i) & 7], f = v[(13 - i) & 7], g = v[(14 - i) & 7];
        v8u32 bsig1 = xor3(rotr(e, 6), rotr(e, 11), rotr(e, 25));
        v8u32 ch = _mm256_xor_si256(g, _mm256_and_si256(e, _mm256_xor_si256(f, g)));
        v8u32 t1 = add(add(v[(15 - i) & 7], bsig1), add(ch, add(splat(hearth_sha256_k[i]), w[i])));
        v8u32 bsig0 = xor3(rotr(a, 2), rotr(a, 13), rotr(a, 22));
        /* b ^ ((a ^ b) & (b ^ c)): b ^ c is the previous round's a ^ b, reused. */
        v8u32 maj = _mm256_xor_si256(
            b, _mm256_and_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(b, c)));
        v[(11 - i) & 7] = add(v[(11 - i) & 7], t1);
        v[(15 - i) & 7] = add(t1, add(bsig0, maj));
    }
}

AVX2_INLINE void schedule8(v8u32 w[64], int from, int to)
{
    HEARTH_UNROLL
    for (int t = from; t < to; t++)
        w[t] = add(add(ssig1(w[t - 2]), w[t - 7]), add(ssig0(w[t - 15]), w[t - 16]));
}

AVX2_FN uint32_t hearth_scan_avx2(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                                  uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    const v8u32 lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    const v8u32 bswap = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
                                        12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    const v8u32 top_limit = splat(ctx->target[7]);
    uint32_t n_found = 0;
    for (uint64_t i = 0; i < count; i += 8) {
        v8u32 w[64], v[8];
        v8u32 nonces = add(splat(start + (uint32_t)i), lane);
        w[0] = splat(ctx->tail[0]);
        w[1] = splat(ctx->tail[1]);
        w[2] = splat(ctx->tail[2]);
        w[3] = _mm256_shuffle_epi8(nonces, bswap);
        w[4] = splat(0x80000000u);
        HEARTH_UNROLL
        for (int t = 5; t < 15; t++)
            w[t] = _mm256_setzero_si256();
        w[15] = splat(640);
        w[16] = splat(ctx->w16);
        w[17] = splat(ctx->w17);
        schedule8(w, 18, 64);
        HEARTH_UNROLL
        for (int j = 0; j < 8; j++)
            v[j] = splat(ctx->pre3[j]);
        rounds8(v, w, 3, 64);
        /* Second hash: the first hash's words, then the constant padding of 32 bytes. */
        HEARTH_UNROLL
        for (int j = 0; j < 8; j++)
            w[j] = add(v[j], splat(ctx->mid[j]));
        w[8] = splat(0x80000000u);
        HEARTH_UNROLL
        for (int t = 9; t < 15; t++)
            w[t] = _mm256_setzero_si256();
        w[15] = splat(256);
        schedule8(w, 16, 61);
        HEARTH_UNROLL
        for (int j = 0; j < 8; j++)
            v[j] = splat(hearth_sha256_h0[j]);
        rounds8(v, w, 0, 61);
        v8u32 top = _mm256_shuffle_epi8(add(v[(12 - 61) & 7], splat(hearth_sha256_h0[7])), bswap);
        /* top <= limit, unsigned: AVX2 has an unsigned max but no unsigned compare. */
        v8u32 pass = _mm256_cmpeq_epi32(_mm256_max_epu32(top, top_limit), top_limit);
        unsigned int lanes = (unsigned int)_mm256_movemask_ps(_mm256_castsi256_ps(pass));
        while (lanes) {
            unsigned int l = (unsigned int)__builtin_ctz(lanes);
            lanes &= lanes - 1;
            if (i + l >= count)
                break;
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

/* No AVX2 here: hearth_has_avx2() says so and the Python side never asks for this path,
 * but the symbols must exist. */
int hearth_cpu_has_avx2(void)
{
    return 0;
}

uint32_t hearth_scan_avx2(const hearth_scan_ctx *ctx, uint32_t start, uint64_t count,
                          uint32_t *found, uint32_t found_cap, uint64_t *scanned)
{
    return hearth_scan_portable(ctx, start, count, found, found_cap, scanned);
}

#endif
