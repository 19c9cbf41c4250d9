#ifndef STRATA_CRC32C_H
#define STRATA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
/// `crc` is the value returned by a previous call (0 to start), so a checksum can be built in pieces.
/// From 256 bytes on, folds with carry-less multiplication (VPCLMULQDQ on 512-bit registers) when
/// the CPU has it; otherwise, and for shorter input, uses the SSE4.2 `crc32` instruction on three
/// interleaved streams when the CPU has it, and a slicing-by-8 table otherwise.
uint32_t strata_crc32c(uint32_t crc, const void *data, size_t length);

/// The table-driven implementation, always available (tests compare every path with it).
uint32_t strata_crc32c_software(uint32_t crc, const void *data, size_t length);

/// The `crc32` instruction path at every length (the table where the CPU lacks it), for tests.
uint32_t strata_crc32c_instruction(uint32_t crc, const void *data, size_t length);

/// 1 when `strata_crc32c` uses the CPU instruction, 0 when it falls back to the table.
int strata_crc32c_is_hardware(void);

/// 1 when `strata_crc32c` folds input of 256 bytes and more with VPCLMULQDQ.
int strata_crc32c_is_folding(void);

/// 1 when an uncompressed records section holds exactly `count` records whose length varints
/// frame it exactly and whose offset deltas rise strictly up to at most `last_offset_delta`.
int strata_record_framing_is_valid(const uint8_t *section, size_t length, int32_t count, int32_t last_offset_delta);

/// Asks the CPU to start loading the cache line at `address` (the cleaner's offset map issues
/// these for a whole batch of keys before probing, so the misses overlap instead of queueing).
static inline void strata_prefetch(const void *address) { __builtin_prefetch(address, 1, 0); }

#endif
