#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped into memory read-write (shared), as Kafka maps its index files.
///
/// Why mapped: index lookups are binary searches over small fixed-size entries; a mapping lets
/// them run as plain memory reads with no system call, and the page cache keeps them warm.
/// Not thread-safe: the owning index serialises access.
///
/// No descriptor is kept open: a mapping stays valid after its descriptor is closed, and a log of
/// 10,000 segments would otherwise hold 20,000 index descriptors besides its 10,000 `.log` ones.
/// Resizing opens the file again for the moment it takes.
final class MappedFile {
    let path: String
    private let writable: Bool
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var length: Int

    /// Maps `path`, creating it if needed. When `length` is given the file is first resized to it
    /// (preallocation); otherwise its current size is mapped.
    init(path: String, length: Int?, writable: Bool) throws(EngineError) {
        self.path = path
        self.writable = writable
        let file = try FileDescriptor(path: path, mode: writable ? .createReadWrite : .readOnly)
        if let length {
            try file.truncate(to: Int64(length))
            self.length = length
        } else {
            self.length = Int(try file.size())
        }
        base = nil
        try map(file)
    }

    private func map(_ file: FileDescriptor) throws(EngineError) {
        guard length > 0 else { base = nil; return }
        let protection = writable ? (PROT_READ | PROT_WRITE) : PROT_READ
        let address = mmap(nil, length, protection, MAP_SHARED, file.fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .io(operation: "mmap", path: path, errno: errno)
        }
        base = address
    }

    private func unmap() {
        if let base { munmap(base, length) }
        base = nil
    }

    deinit { unmap() }

    var bytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base, count: length)
    }

    /// Changes the file's size and maps it again (used to trim an index when its segment rolls).
    func resize(to newLength: Int) throws(EngineError) {
        unmap()
        let file = try FileDescriptor(path: path, mode: .readWrite)
        try file.truncate(to: Int64(newLength))
        length = newLength
        try map(file)
    }

    /// Tells the kernel that the mapping from `offset` on is touched a page at a time. Without it a
    /// fault there reads around the page (`read_ahead_kb`, up to megabytes); on the preallocated,
    /// still-sparse tail of an active index that means allocating and zeroing megabytes of page
    /// cache to write one 8-byte entry. The part before `offset` keeps the default read-around,
    /// which helps a consumer reading an old segment's index from a cold cache.
    func adviseRandomAccess(from offset: Int) {
        guard let base, length > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = min(max(0, offset) / page * page, length)
        guard first < length else { return }
        _ = madvise(base + first, length - first, MADV_RANDOM)
    }

    /// Writes the pages holding bytes [from, to) back to the file (the whole mapping by default).
    func sync(from start: Int = 0, to end: Int? = nil) throws(EngineError) {
        guard let base, length > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = max(0, min(start, length)) / page * page
        let last = min(end ?? length, length)
        guard last > first else { return }
        guard msync(base + first, last - first, MS_SYNC) == 0 else { throw .io(operation: "msync", path: path, errno: errno) }
    }
}
