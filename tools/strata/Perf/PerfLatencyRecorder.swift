import Foundation

/// Collects per-record latencies (microseconds) and acknowledgement counts from the event loop
/// while the producer's thread keeps sending; read once the run is over.
final class PerfLatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [UInt32] = []
    private var acknowledged = 0
    private var acknowledgedBytes = 0
    private var lastAcknowledgement: UInt64 = 0
    private var failures: [String] = []

    /// Records a batch's acknowledgement at `now` (uptime nanoseconds) for records that entered
    /// the batch at `entered`.
    func acknowledge(entered: [UInt64], bytes: Int, now: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        for time in entered {
            latencies.append(UInt32(clamping: (now &- time) / 1000))
        }
        acknowledged += entered.count
        acknowledgedBytes += bytes
        lastAcknowledgement = max(lastAcknowledgement, now)
    }

    func fail(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        failures.append(message)
    }

    var failureMessages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    var acknowledgedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return acknowledged
    }

    /// The totals and the sorted latencies.
    func finish() -> (records: Int, bytes: Int, lastAcknowledgement: UInt64, sortedLatencies: [UInt32]) {
        lock.lock()
        defer { lock.unlock() }
        return (acknowledged, acknowledgedBytes, lastAcknowledgement, latencies.sorted())
    }
}
