import CFileIO

/// How much of a file range sits in the page cache, and how much of that is not yet on disk.
/// Counts are in pages. From Linux's `cachestat` (6.5+): lets tests and diagnostics see the effect
/// of `strata.log.writeback.bytes` without guessing from system-wide counters.
public struct PageCacheState: Equatable, Sendable {
    public var cachedPages: UInt64
    /// Pages changed in memory and not yet handed to the disk.
    public var dirtyPages: UInt64
    /// Pages on their way to the disk.
    public var writebackPages: UInt64
}

extension FileDescriptor {
    /// The page-cache state of `[offset, offset + count)`, or nil where the kernel cannot tell.
    public func pageCacheState(at offset: Int64 = 0, count: Int64 = 0) -> PageCacheState? {
        var state = strata_cache_state()
        guard strata_cache_state_of(fd, offset, count, &state) == 0 else { return nil }
        return PageCacheState(cachedPages: state.cached, dirtyPages: state.dirty, writebackPages: state.writeback)
    }
}
