// The append path's check of an uncompressed producer batch's record framing, in C because it
// runs for every record a producer sends and Swift's optional-returning varint readers cost about
// twice as much per record here. Semantics: see strata_record_framing_is_valid in the header.

#include "strata_crc32c.h"

/// Reads a zig-zag varint of at most 10 bytes at *p (before end); 0 when malformed.
static inline int read_zigzag(const uint8_t **p, const uint8_t *end, int64_t *value) {
    const uint8_t *q = *p;
    uint64_t raw = 0;
    unsigned shift = 0;
    while (q < end && shift < 70) {
        uint8_t byte = *q++;
        raw |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *p = q;
            *value = (int64_t)((raw >> 1) ^ (0 - (raw & 1)));
            return 1;
        }
        shift += 7;
    }
    return 0;
}

int strata_record_framing_is_valid(const uint8_t *section, size_t length, int32_t count, int32_t last_offset_delta) {
    const uint8_t *p = section;
    const uint8_t *end = section + length;
    int64_t last = -1;
    for (int32_t i = 0; i < count; i++) {
        int64_t record_length, timestamp_delta, offset_delta;
        if (!read_zigzag(&p, end, &record_length) || record_length <= 0 || record_length > end - p) return 0;
        const uint8_t *record_end = p + record_length;
        p += 1;  /* attributes */
        if (!read_zigzag(&p, record_end, &timestamp_delta)) return 0;
        if (!read_zigzag(&p, record_end, &offset_delta)) return 0;
        if (offset_delta <= last || offset_delta > last_offset_delta) return 0;
        last = offset_delta;
        p = record_end;
    }
    return p == end;
}
