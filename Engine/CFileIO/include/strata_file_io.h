#ifndef STRATA_FILE_IO_H
#define STRATA_FILE_IO_H

#include <stdint.h>

/// Asks the kernel to start writing back the dirty pages of `[offset, offset + length)` of `fd`
/// without waiting for them (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a later
/// fsync finds little left to do and dirty pages do not pile up behind a segment's tail.
/// Returns 0, or -1 with errno set; a no-op returning 0 where the call does not exist.
int strata_start_writeback(int fd, int64_t offset, int64_t length);

/// Drops `[offset, offset + length)` of `fd` from the page cache once it is on disk: waits for
/// the range's writeback (starting it for pages still dirty), then `posix_fadvise(DONTNEED)`.
/// Returns 0, or -1 with errno set.
int strata_drop_cached(int fd, int64_t offset, int64_t length);

/// Reserves disk blocks for `[offset, offset + length)` of `fd` without changing the file's size
/// (Linux `fallocate(FALLOC_FL_KEEP_SIZE)`), so that writes there find their blocks allocated
/// instead of going through the file system's delayed allocation one block at a time.
/// Returns 0, or -1 with errno set (EOPNOTSUPP where the file system or system cannot).
int strata_preallocate(int fd, int64_t offset, int64_t length);

/// Page-cache state of `[offset, offset + length)` of `fd`, in pages (Linux 6.5+ `cachestat`).
typedef struct {
    uint64_t cached;
    uint64_t dirty;
    uint64_t writeback;
} strata_cache_state;

/// Fills `state`; returns 0, or -1 with errno set (ENOSYS on kernels and systems without cachestat).
int strata_cache_state_of(int fd, int64_t offset, int64_t length, strata_cache_state *state);

#endif
