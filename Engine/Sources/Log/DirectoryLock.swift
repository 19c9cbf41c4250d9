#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a data directory (`<dir>/.lock`, flock(2)), so that two processes never
/// open the same logs. The lock file also holds the owner's process id, for the error message.
/// The kernel releases the lock when the process dies, so a SIGKILLed broker never leaves it stale.
public final class DirectoryLock: @unchecked Sendable {
    public static let fileName = ".lock"
    public let path: String
    private var fd: Int32

    public init(directory: String) throws(EngineError) {
        path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var holder = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &holder, holder.count, 0)
            close(fd)
            if code == EWOULDBLOCK {
                let pid = count > 0 ? String(decoding: holder[..<count], as: UTF8.self).trimmedOfBlanks : "unknown"
                throw .directoryLocked(path: directory, reason: "\(path) is locked by process \(pid)")
            }
            throw .io(operation: "flock", path: path, errno: code)
        }
        let pid = Array(String(getpid()).utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    /// Releases the lock (also done when the object is freed).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
