#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A remote store kept in a local (or network-mounted) folder: one file per key.
///
/// Why it exists: tiering to a mounted NFS/EFS volume, and tests of the offload logic that do not
/// need an S3 server. Puts are atomic and durable like S3's: the bytes go to a temporary file
/// that is fsynced, then renamed over the key, then the folder is fsynced.
public struct LocalFolderRemoteStorage: RemoteStorage {
    public let root: String

    public init(root: String) throws(RemoteStorageError) {
        guard !root.isEmpty else {
            throw .invalidConfig(name: "folder path", value: root, reason: "must name a folder")
        }
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        try Self.makeDirectories(self.root)
    }

    public func put(key: String, fileAt path: String) throws(RemoteStorageError) {
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(source) }
        try write(key: key) { (target, temporary) throws(RemoteStorageError) in
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .io(operation: "read", path: path, errno: errno)
                }
                if count == 0 { break }
                try Self.writeAll(target, buffer, count: count, path: temporary)
            }
        }
    }

    public func put(key: String, bytes: [UInt8]) throws(RemoteStorageError) {
        try write(key: key) { (target, temporary) throws(RemoteStorageError) in
            try Self.writeAll(target, bytes, count: bytes.count, path: temporary)
        }
    }

    public func get(key: String, range: Range<Int64>?) throws(RemoteStorageError) -> [UInt8] {
        let path = try self.path(of: key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(key: key) }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        let size = Int64(st.st_size)
        let wanted = range ?? 0..<size
        if range != nil, wanted.lowerBound >= size || wanted.lowerBound < 0 {
            throw .invalidRange(key: key, range: wanted, size: size)
        }
        let upper = min(wanted.upperBound, size)
        var bytes = [UInt8](repeating: 0, count: Int(max(0, upper - wanted.lowerBound)))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(wanted.lowerBound) + off_t(done)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pread", path: path, errno: errno)
            }
            if count == 0 { break }
            done += count
        }
        if done < bytes.count { bytes.removeLast(bytes.count - done) }
        return bytes
    }

    public func delete(key: String) throws(RemoteStorageError) {
        let path = try self.path(of: key)
        if unlink(path) != 0, errno != ENOENT { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    public func list(prefix: String) throws(RemoteStorageError) -> [RemoteObject] {
        var objects: [RemoteObject] = []
        try walk(relative: "", into: &objects)
        return objects.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
    }

    // MARK: Files

    /// Keys are relative paths; `..` and absolute keys would escape the folder.
    private func path(of key: String) throws(RemoteStorageError) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw .invalidConfig(name: "object key", value: key, reason: "must be a relative path without '.', '..' or empty parts")
        }
        return root + "/" + key
    }

    private func write(key: String, body: (Int32, String) throws(RemoteStorageError) -> Void) throws(RemoteStorageError) {
        let path = try self.path(of: key)
        let folder = String(path[..<path.lastIndex(of: "/")!])
        try Self.makeDirectories(folder)
        let temporary = path + ".uploading"
        let target = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard target >= 0 else { throw .io(operation: "open", path: temporary, errno: errno) }
        do throws(RemoteStorageError) {
            try body(target, temporary)
            guard fsync(target) == 0 else { throw .io(operation: "fsync", path: temporary, errno: errno) }
        } catch {
            close(target)
            unlink(temporary)
            throw error
        }
        close(target)
        guard rename(temporary, path) == 0 else { throw .io(operation: "rename", path: path, errno: errno) }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], count: Int, path: String) throws(RemoteStorageError) {
        var done = 0
        while done < count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, count - done) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            done += written
        }
    }

    private static func makeDirectories(_ path: String) throws(RemoteStorageError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw .io(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    private func walk(relative: String, into objects: inout [RemoteObject]) throws(RemoteStorageError) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let directory = opendir(folder) else {
            if errno == ENOENT { return }
            throw .io(operation: "opendir", path: folder, errno: errno)
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." || name.hasSuffix(".uploading") { continue }
            let key = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard stat(root + "/" + key, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                try walk(relative: key, into: &objects)
            } else {
                objects.append(RemoteObject(key: key, size: Int64(st.st_size)))
            }
        }
    }
}
