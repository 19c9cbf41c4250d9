import Foundation

/// The result of `strata perf produce`, printed as Kafka's producer perf test does or as JSON.
struct PerfProduceReport: Encodable {
    let records: Int
    let bytes: Int
    let elapsedSeconds: Double
    let recordsPerSecond: Double
    let mbPerSecond: Double
    let latencyMs: PerfLatencySummary

    init(records: Int, bytes: Int, elapsedNanoseconds: UInt64, sortedLatencies: [UInt32]) {
        self.records = records
        self.bytes = bytes
        elapsedSeconds = max(Double(elapsedNanoseconds) / 1e9, 1e-9)
        recordsPerSecond = Double(records) / elapsedSeconds
        mbPerSecond = Double(bytes) / 1_048_576 / elapsedSeconds
        latencyMs = PerfLatencySummary(sortedMicroseconds: sortedLatencies)
    }

    var line: String {
        String(format: "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.",
               records, recordsPerSecond, mbPerSecond, latencyMs.avg, latencyMs.max, latencyMs.p50, latencyMs.p95, latencyMs.p99, latencyMs.p999)
    }
}
