// CRC-32C for Strata's record batches.
//
// Why three streams: the x86 crc32 instruction has a latency of about three cycles but can start
// one per cycle, so a single dependent chain runs at a third of the unit's throughput. Splitting a
// block into three independent lanes and merging their states afterwards keeps the unit busy.
// Merging needs "advance this state over N zero bytes", a linear map on 32 bits that we tabulate
// once per lane length at start-up.
//
// Why folding on CPUs with VPCLMULQDQ: even kept busy, the crc32 unit takes 8 bytes a cycle. A
// CRC is linear, so a 128-bit block followed by T more bits contributes block * x^T mod P, and
// carry-less multiplication by two precomputed constants (x^(T+32) and x^(T-32) mod P, one per
// 64-bit half) moves a block T bits forward without changing the remainder. Sixteen such blocks
// in four 512-bit registers fold 256 bytes per step at about twice the crc32 unit's rate; the
// last 128 bits left are then reduced with two crc32 instructions, and the tail with more.

#include "strata_crc32c.h"
#include <string.h>

#define POLY 0x82F63B78u  /* Castagnoli, reflected */

static uint32_t table[8][256];

static void build_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[k][n] = c;
        }
    }
}

/// Raw (unconditioned) state update, slicing-by-8.
static uint32_t software_raw(uint32_t crc, const unsigned char *p, size_t len) {
    while (len && ((uintptr_t)p & 7)) {
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        word ^= crc;  /* little-endian hosts only; big-endian falls to the byte loop below */
        crc = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
              table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^
              table[2][(word >> 40) & 0xff] ^ table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

uint32_t strata_crc32c_software(uint32_t crc, const void *data, size_t length) {
    return ~software_raw(~crc, (const unsigned char *)data, length);
}

#if defined(__x86_64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <nmmintrin.h>

#define LONG_LANE 8192
#define SHORT_LANE 256

/// zeros_long[k][b]: the state reached from (b << 8k) after LONG_LANE zero bytes; likewise short.
static uint32_t zeros_long[4][256];
static uint32_t zeros_short[4][256];
static int have_sse42;

static void build_zeros(uint32_t zeros[4][256], size_t lane) {
    uint32_t basis[32];
    for (int bit = 0; bit < 32; bit++) {
        uint32_t c = 1u << bit;
        for (size_t i = 0; i < lane; i++) c = table[0][c & 0xff] ^ (c >> 8);
        basis[bit] = c;
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (int bit = 0; bit < 8; bit++)
                if (b & (1u << bit)) v ^= basis[k * 8 + bit];
            zeros[k][b] = v;
        }
    }
}

static inline uint32_t shift(uint32_t zeros[4][256], uint32_t crc) {
    return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^
           zeros[3][crc >> 24];
}

/// The last bytes, 8 at a time on one chain: too few to be worth splitting into lanes.
__attribute__((target("sse4.2")))
static inline uint32_t instruction_tail(uint32_t crc, const unsigned char *p, size_t len) {
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t a;
        memcpy(&a, p, 8);
        c = _mm_crc32_u64(c, a);
        p += 8;
        len -= 8;
    }
    crc = (uint32_t)c;
    while (len--) crc = _mm_crc32_u8(crc, *p++);
    return crc;
}

__attribute__((target("sse4.2")))
static uint32_t hardware_raw(uint32_t crc0, const unsigned char *p, size_t len) {
    while (len && ((uintptr_t)p & 7)) {
        crc0 = _mm_crc32_u8(crc0, *p++);
        len--;
    }
    while (len >= 3 * LONG_LANE) {
        uint64_t c0 = crc0, c1 = 0, c2 = 0;
        const unsigned char *end = p + LONG_LANE;
        do {
            uint64_t a, b, c;
            memcpy(&a, p, 8);
            memcpy(&b, p + LONG_LANE, 8);
            memcpy(&c, p + 2 * LONG_LANE, 8);
            c0 = _mm_crc32_u64(c0, a);
            c1 = _mm_crc32_u64(c1, b);
            c2 = _mm_crc32_u64(c2, c);
            p += 8;
        } while (p < end);
        crc0 = shift(zeros_long, (uint32_t)c0) ^ (uint32_t)c1;
        crc0 = shift(zeros_long, crc0) ^ (uint32_t)c2;
        p += 2 * LONG_LANE;
        len -= 3 * LONG_LANE;
    }
    while (len >= 3 * SHORT_LANE) {
        uint64_t c0 = crc0, c1 = 0, c2 = 0;
        const unsigned char *end = p + SHORT_LANE;
        do {
            uint64_t a, b, c;
            memcpy(&a, p, 8);
            memcpy(&b, p + SHORT_LANE, 8);
            memcpy(&c, p + 2 * SHORT_LANE, 8);
            c0 = _mm_crc32_u64(c0, a);
            c1 = _mm_crc32_u64(c1, b);
            c2 = _mm_crc32_u64(c2, c);
            p += 8;
        } while (p < end);
        crc0 = shift(zeros_short, (uint32_t)c0) ^ (uint32_t)c1;
        crc0 = shift(zeros_short, crc0) ^ (uint32_t)c2;
        p += 2 * SHORT_LANE;
        len -= 3 * SHORT_LANE;
    }
    return instruction_tail(crc0, p, len);
}

#include <immintrin.h>

/// Folding needs at least the four 512-bit registers' worth of input.
#define FOLD_MIN 256

static int have_folding;

/// The fold constants, each pair {x^(T+32) mod P, x^(T-32) mod P} for a distance of T bits:
/// 2048 (the main loop), 512 (register into register), 384, 256 and 128 (lane into lane).
static uint64_t fold_constants[5][2];

/// x^e mod P in the reflected bit order (x^i at bit 31 - i), shifted left by one, the form in
/// which a carry-less product of it with 64 reflected data bits lands where the next block's
/// bits of the same degree are.
static uint64_t reflected_power(unsigned e) {
    uint32_t state = 0x80000000u;  // the polynomial 1
    while (e--) state = (state & 1) ? (state >> 1) ^ POLY : state >> 1;
    return (uint64_t)state << 1;
}

static void build_fold_constants(void) {
    const unsigned distances[5] = {2048, 512, 384, 256, 128};
    for (int i = 0; i < 5; i++) {
        fold_constants[i][0] = reflected_power(distances[i] + 32);
        fold_constants[i][1] = reflected_power(distances[i] - 32);
    }
}

/// Each 128-bit lane of `x` moved forward by the distance of `k`, xored with `data`.
__attribute__((target("avx512f,vpclmulqdq")))
static inline __m512i fold_512(__m512i x, __m512i k, __m512i data) {
    return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11), data, 0x96);
}

__attribute__((target("pclmul")))
static inline __m128i fold_128(__m128i x, const uint64_t k[2]) {
    __m128i constants = _mm_loadu_si128((const __m128i *)k);
    return _mm_xor_si128(_mm_clmulepi64_si128(x, constants, 0x00), _mm_clmulepi64_si128(x, constants, 0x11));
}

/// Raw state update by folding; `len` >= FOLD_MIN.
__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2")))
static uint32_t folding_raw(uint32_t crc0, const unsigned char *p, size_t len) {
    const __m512i k2048 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)fold_constants[0]));
    const __m512i k512 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)fold_constants[1]));
    // The state enters as the first 32 bits of the message, xored in.
    __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc0)));
    __m512i x1 = _mm512_loadu_si512(p + 64), x2 = _mm512_loadu_si512(p + 128), x3 = _mm512_loadu_si512(p + 192);
    p += FOLD_MIN;
    len -= FOLD_MIN;
    while (len >= 256) {
        x0 = fold_512(x0, k2048, _mm512_loadu_si512(p));
        x1 = fold_512(x1, k2048, _mm512_loadu_si512(p + 64));
        x2 = fold_512(x2, k2048, _mm512_loadu_si512(p + 128));
        x3 = fold_512(x3, k2048, _mm512_loadu_si512(p + 192));
        p += 256;
        len -= 256;
    }
    x1 = fold_512(x0, k512, x1);
    x2 = fold_512(x1, k512, x2);
    x3 = fold_512(x2, k512, x3);
    while (len >= 64) {
        x3 = fold_512(x3, k512, _mm512_loadu_si512(p));
        p += 64;
        len -= 64;
    }
    // The four lanes into the last one, each from its distance to the end.
    __m128i v = _mm512_extracti32x4_epi32(x3, 3);
    v = _mm_xor_si128(v, fold_128(_mm512_extracti32x4_epi32(x3, 2), fold_constants[4]));
    v = _mm_xor_si128(v, fold_128(_mm512_extracti32x4_epi32(x3, 1), fold_constants[3]));
    v = _mm_xor_si128(v, fold_128(_mm512_extracti32x4_epi32(x3, 0), fold_constants[2]));
    // v now stands for everything read so far: its remainder is the state.
    uint64_t c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(v));
    c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(v, 1));
    return instruction_tail((uint32_t)c, p, len);
}

__attribute__((constructor))
static void strata_crc32c_init(void) {
    build_tables();
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2");
    if (have_sse42) {
        build_zeros(zeros_long, LONG_LANE);
        build_zeros(zeros_short, SHORT_LANE);
    }
    have_folding = have_sse42 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("vpclmulqdq");
    if (have_folding) build_fold_constants();
}

uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length) {
    if (have_folding && length >= FOLD_MIN) return ~folding_raw(~crc, (const unsigned char *)data, length);
    if (have_sse42) return ~hardware_raw(~crc, (const unsigned char *)data, length);
    return ~software_raw(~crc, (const unsigned char *)data, length);
}

uint32_t strata_crc32c_instruction(uint32_t crc, const void *data, size_t length) {
    if (!have_sse42) return strata_crc32c_software(crc, data, length);
    return ~hardware_raw(~crc, (const unsigned char *)data, length);
}

int strata_crc32c_is_hardware(void) { return have_sse42; }

int strata_crc32c_is_folding(void) { return have_folding; }

#else

__attribute__((constructor))
static void strata_crc32c_init(void) { build_tables(); }

uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length) {
    return strata_crc32c_software(crc, data, length);
}

uint32_t strata_crc32c_instruction(uint32_t crc, const void *data, size_t length) {
    return strata_crc32c_software(crc, data, length);
}

int strata_crc32c_is_hardware(void) { return 0; }

int strata_crc32c_is_folding(void) { return 0; }

#endif
