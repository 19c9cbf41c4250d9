#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the benchmark harness itself (the engine's own errors pass through as `EngineError`).
public struct WorkloadError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Monotonic seconds.
@inline(__always)
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// CPU seconds used by the calling thread (user + system). For CPU-bound loops on a shared
/// machine this is the time the work really took; wall time also counts time spent descheduled.
@inline(__always)
public func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// CPU seconds (user + system) used so far by the whole process, all threads.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

/// Wall-clock and thread-CPU seconds of one measured stretch.
public struct Timing: Sendable {
    public var wall: Double
    public var cpu: Double

    public static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let wall = monotonicSeconds()
        let cpu = threadCPUSeconds()
        try body()
        return Timing(wall: monotonicSeconds() - wall, cpu: threadCPUSeconds() - cpu)
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never)
public func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// A small, fast, deterministic generator (xorshift64*), so runs are repeatable.
public struct FastRandom {
    private var state: UInt64
    public init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) { state = seed == 0 ? 1 : seed }
    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    /// Uniform in 0..<bound (bound > 0), by multiply-shift.
    public mutating func next(below bound: UInt64) -> UInt64 {
        UInt64((UInt128(next()) * UInt128(bound)) >> 64)
    }
}

/// A page-aligned byte buffer filled with pseudo-random bytes (never all zeros, so nothing on the
/// way to the disk can shortcut it).
public final class AlignedBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawBufferPointer
    public init(count: Int, fillSeed: UInt64? = 1) {
        bytes = .allocate(byteCount: max(count, 1), alignment: 4096)
        if let fillSeed {
            var random = FastRandom(seed: fillSeed)
            var index = 0
            while index + 8 <= count {
                bytes.storeBytes(of: random.next(), toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < count { bytes[index] = UInt8(truncatingIfNeeded: random.next()); index += 1 }
        } else {
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
        }
    }
    deinit { bytes.deallocate() }
    public var count: Int { bytes.count }
}

/// File-system chores around the measurements (never timed).
public enum Scratch {
    /// A new, empty directory under `parent`.
    public static func makeDirectory(under parent: String, prefix: String) throws -> String {
        _ = mkdir(parent, 0o755)
        var template = Array("\(parent)/\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw WorkloadError("mkdtemp under \(parent) failed: errno \(errno)")
        }
        return String(cString: made)
    }

    /// Removes a directory tree (files, then directories), then syncs so that the freed blocks and
    /// the discards they cause do not spill into the next measurement.
    public static func remove(_ path: String) {
        removeTree(path)
        sync()
    }

    private static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Files (not directories) anywhere below `path`.
    public static func files(below path: String) -> [String] {
        var result: [String] = []
        for name in list(path) {
            let child = path + "/" + name
            var st = stat()
            guard lstat(child, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR { result += files(below: child) } else { result.append(child) }
        }
        return result
    }

    /// True when this process may drop the kernel's page cache (root, and not in a read-only /proc).
    public static var canDropCaches: Bool { access("/proc/sys/vm/drop_caches", W_OK) == 0 }

    /// Makes the next read of every file below `path` come from the device: writes back and evicts
    /// their pages with posix_fadvise(DONTNEED) (works without privileges), then, when permitted,
    /// drops the whole page cache as the raw reference run does (`sync; echo 3 > drop_caches`).
    /// Returns how the cache was emptied.
    @discardableResult
    public static func evictPageCache(below path: String) -> String {
        for file in files(below: path) {
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            fdatasync(fd)
            #if os(Linux)
            posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            #endif
            close(fd)
        }
        guard canDropCaches else { return "fadvise" }
        sync()
        let fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return "fadvise" }
        defer { close(fd) }
        let written = "3\n".withCString { write(fd, $0, 2) }
        return written == 2 ? "drop_caches" : "fadvise"
    }

    /// Bytes in all files below `path`.
    public static func totalSize(below path: String) -> Int64 {
        files(below: path).reduce(0) { sum, file in
            var st = stat()
            return stat(file, &st) == 0 ? sum + Int64(st.st_size) : sum
        }
    }
}

/// Human-readable sizes for names and output ("16KiB", "1MiB", "100B").
public func sizeLabel(_ bytes: Int) -> String {
    if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30)GiB" }
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
    if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10)KiB" }
    return "\(bytes)B"
}

/// Where the ordo-one benchmark targets put their logs: `$STRATA_BENCH_DIR` when set (run.sh sets
/// it), else `.build/bench-data` beside this package (git-ignored, on the repository's volume).
public func benchmarkDataDirectory(filePath: String = #filePath) -> String {
    if let configured = getenv("STRATA_BENCH_DIR").map({ String(cString: $0) }), !configured.isEmpty {
        return configured
    }
    // filePath is …/Benchmarks/Benchmarks/<Target>/<File>.swift; the package is three levels up.
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    let package = parts.joined(separator: "/")
    let directory = package + "/.build/bench-data"
    _ = mkdir(package + "/.build", 0o755)
    _ = mkdir(directory, 0o755)
    return directory
}

/// A place for state that a benchmark's setup creates and its iterations and teardown use.
public final class Holder<Value>: @unchecked Sendable {
    public var value: Value?
    public init() {}
}
