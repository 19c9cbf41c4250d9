#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CFileIO

/// An open file, closed when the last reference goes away.
///
/// Why a class: a fetch hands the socket a `FileRegion` that refers to a segment's descriptor and
/// may outlive the segment's place in the log (retention can delete the segment meanwhile). Holding
/// the descriptor by reference keeps it open until the last region is sent; unlinking a file that
/// is still open is safe on POSIX systems.
public final class FileDescriptor: @unchecked Sendable {
    public let fd: Int32
    public let path: String

    public enum Mode { case readOnly, readWrite, createReadWrite }

    public init(path: String, mode: Mode) throws(EngineError) {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY
        case .readWrite: flags = O_RDWR
        case .createReadWrite: flags = O_RDWR | O_CREAT
        }
        let fd = open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    public func size() throws(EngineError) -> Int64 {
        Int64(try status().st_size)
    }

    private func status() throws(EngineError) -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return info
    }

    /// Writes all of `bytes` at `offset`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(EngineError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pwrite", path: path, errno: errno)
            }
            done += n
        }
    }

    /// Writes the concatenation of `parts` at `offset` with `pwritev`, retrying short writes, so
    /// that pieces from different buffers (a patched batch header and the caller's batch body)
    /// reach the file without first being copied together.
    public func write(_ parts: [UnsafeRawBufferPointer], at offset: Int64) throws(EngineError) {
        var vectors = parts.filter { !$0.isEmpty }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var first = 0
        var position = off_t(offset)
        while first < vectors.count {
            let count = min(vectors.count - first, Self.maxVectorsPerWrite)
            let n = vectors.withUnsafeBufferPointer { pwritev(fd, $0.baseAddress! + first, Int32(count), position) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pwritev", path: path, errno: errno)
            }
            position += off_t(n)
            var written = n
            while written > 0, first < vectors.count {
                if written >= vectors[first].iov_len {
                    written -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base! + written
                    vectors[first].iov_len -= written
                    written = 0
                }
            }
        }
    }

    /// Linux's IOV_MAX.
    static let maxVectorsPerWrite = 1024

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (fewer only at end of file).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(EngineError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads `count` bytes at `offset` into a new array (fewer at end of file).
    public func read(count: Int, at offset: Int64) throws(EngineError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withEngineMutableBytes { (buffer) throws(EngineError) -> Int in
            try read(into: buffer, at: offset)
        }
        if n < count { bytes.removeLast(count - n) }
        return bytes
    }

    public func truncate(to size: Int64) throws(EngineError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
    }

    /// Starts writing back the dirty pages of `[offset, offset + count)` without waiting for them.
    /// Advisory: a failure here is not an error of the append that asked for it, because a write
    /// error on those pages is kept by the kernel and reported by the next `sync()`.
    public func startWriteback(at offset: Int64, count: Int64) {
        guard count > 0 else { return }
        _ = strata_start_writeback(fd, offset, count)
    }

    /// Drops `[offset, offset + count)` from the page cache once it is on disk (waiting for its
    /// writeback). Advisory, like `startWriteback`: a write error stays for the next `sync()`.
    public func dropFromPageCache(at offset: Int64, count: Int64) {
        guard count > 0 else { return }
        _ = strata_drop_cached(fd, offset, count)
    }

    /// Reserves disk blocks for `[offset, offset + count)` without changing the file's size.
    /// Advisory: false where the file system cannot (the writes then allocate as they go) or
    /// the disk is full (the write itself then reports it).
    @discardableResult
    public func preallocate(at offset: Int64, count: Int64) -> Bool {
        count > 0 && strata_preallocate(fd, offset, count) == 0
    }

    /// Bytes of disk the file occupies (its allocated blocks), which preallocation makes more
    /// than its size.
    public func allocatedBytes() throws(EngineError) -> Int64 {
        Int64(try status().st_blocks) * 512
    }

    /// Flushes file data (and the size, when it changed) to stable storage.
    public func sync() throws(EngineError) {
        #if os(Linux)
        guard fdatasync(fd) == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
        #else
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
        #endif
    }
}

/// Small POSIX file-system helpers used by segments, checkpoints and the log manager.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    public static func rename(_ from: String, _ to: String) throws(EngineError) {
        guard posixRename(from, to) == 0 else { throw .io(operation: "rename to \(to)", path: from, errno: errno) }
    }

    public static func remove(_ path: String) throws(EngineError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    public static func removeDirectory(_ path: String) throws(EngineError) {
        guard rmdir(path) == 0 || errno == ENOENT else { throw .io(operation: "rmdir", path: path, errno: errno) }
    }

    public static func createDirectory(_ path: String) throws(EngineError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// Names in a directory, without "." and "..", unsorted.
    public static func list(_ path: String) throws(EngineError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsyncs a directory so that creates, renames and deletes in it are durable.
    public static func syncDirectory(_ path: String) throws(EngineError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync directory", path: path, errno: errno) }
    }

    /// Writes `contents` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
    /// A crash leaves either the old file or the new one, never a mix (Kafka's checkpoint rule).
    public static func writeAtomically(_ path: String, contents: [UInt8]) throws(EngineError) {
        let temporary = path + ".tmp"
        let file = try FileDescriptor(path: temporary, mode: .createReadWrite)
        try file.truncate(to: 0)
        try contents.withEngineBytes { (bytes) throws(EngineError) in try file.write(bytes, at: 0) }
        guard fsync(file.fd) == 0 else { throw .io(operation: "fsync", path: temporary, errno: errno) }
        try rename(temporary, path)
        try syncDirectory(parent(of: path))
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func readFile(_ path: String) throws(EngineError) -> [UInt8] {
        let file = try FileDescriptor(path: path, mode: .readOnly)
        return try file.read(count: Int(try file.size()), at: 0)
    }
}

/// The C `rename`, reachable from inside `FileSystem` where the static method shadows it.
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

extension FileSystem {
    /// Removes a directory and everything in it.
    public static func removeTree(_ path: String) throws(EngineError) {
        guard isDirectory(path) else { try remove(path); return }
        for name in try list(path) { try removeTree(path + "/" + name) }
        try removeDirectory(path)
    }
}
