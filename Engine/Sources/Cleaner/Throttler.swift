#if canImport(Glibc)
import Glibc
#endif

/// Keeps the cleaner's I/O under `log.cleaner.io.max.bytes.per.second` by sleeping when it gets
/// ahead of the allowed rate, so compaction never starves producers and consumers of the disk.
struct Throttler {
    let bytesPerSecond: Double
    private var windowStart: Double
    private var bytesInWindow: Double = 0

    init(bytesPerSecond: Double) {
        self.bytesPerSecond = bytesPerSecond
        windowStart = Self.now()
    }

    mutating func record(_ bytes: Int) {
        guard bytesPerSecond.isFinite, bytesPerSecond > 0 else { return }
        bytesInWindow += Double(bytes)
        let elapsed = Self.now() - windowStart
        let needed = bytesInWindow / bytesPerSecond
        if needed > elapsed { usleep(useconds_t(min((needed - elapsed) * 1_000_000, 10_000_000))) }
        if elapsed > 1 {
            windowStart = Self.now()
            bytesInWindow = 0
        }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
