// sync_file_range and fallocate are GNU extensions: Swift's Glibc module does not export them, so
// they are wrapped here.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include "strata_file_io.h"

int strata_start_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

int strata_drop_cached(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    // Only clean pages can be dropped: the range was handed to writeback earlier, so the wait is
    // for I/O already under way.
    unsigned flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (sync_file_range(fd, (off_t)offset, (off_t)length, flags) != 0) return -1;
    int error = posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
    if (error != 0) { errno = error; return -1; }
    return 0;
#else
    (void)fd; (void)offset; (void)length;
    return 0;
#endif
}

int strata_preallocate(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
#else
    (void)fd; (void)offset; (void)length;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

int strata_cache_state_of(int fd, int64_t offset, int64_t length, strata_cache_state *state) {
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
    // The kernel's struct cachestat_range and struct cachestat (include/uapi/linux/mman.h).
    struct { uint64_t off, len; } range = { (uint64_t)offset, (uint64_t)length };
    struct { uint64_t cache, dirty, writeback, evicted, recently_evicted; } stat = { 0 };
    if (syscall(451, fd, &range, &stat, 0) != 0) return -1;
    state->cached = stat.cache;
    state->dirty = stat.dirty;
    state->writeback = stat.writeback;
    return 0;
#else
    (void)fd; (void)offset; (void)length; (void)state;
    errno = ENOSYS;
    return -1;
#endif
}
