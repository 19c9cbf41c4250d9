// CRC-32C for Strata's record batches.
//
// Why three streams: the x86 crc32 instruction has a latency of about three cycles but can start
// one per cycle, so a single dependent chain runs at a third of the unit's throughput. Splitting a
// block into three independent lanes and merging their states afterwards keeps the unit busy.
// Merging needs "advance this state over N zero bytes", a linear map on 32 bits that we tabulate
// once per lane length at start-up.

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
    uint64_t c = crc0;
    while (len >= 8) {
        uint64_t a;
        memcpy(&a, p, 8);
        c = _mm_crc32_u64(c, a);
        p += 8;
        len -= 8;
    }
    crc0 = (uint32_t)c;
    while (len--) crc0 = _mm_crc32_u8(crc0, *p++);
    return crc0;
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
}

uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length) {
    if (have_sse42) return ~hardware_raw(~crc, (const unsigned char *)data, length);
    return ~software_raw(~crc, (const unsigned char *)data, length);
}

int strata_crc32c_is_hardware(void) { return have_sse42; }

#else

__attribute__((constructor))
static void strata_crc32c_init(void) { build_tables(); }

uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length) {
    return strata_crc32c_software(crc, data, length);
}

int strata_crc32c_is_hardware(void) { return 0; }

#endif
