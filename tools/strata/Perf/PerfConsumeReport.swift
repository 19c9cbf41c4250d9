import Foundation

/// The result of `strata perf consume`, printed as Kafka's consumer perf test does or as JSON.
struct PerfConsumeReport: Encodable {
    let records: Int
    let bytes: Int
    let fetches: Int
    let elapsedSeconds: Double
    let recordsPerSecond: Double
    let mbPerSecond: Double

    init(records: Int, bytes: Int, fetches: Int, elapsedNanoseconds: UInt64) {
        self.records = records
        self.bytes = bytes
        self.fetches = fetches
        elapsedSeconds = max(Double(elapsedNanoseconds) / 1e9, 1e-9)
        recordsPerSecond = Double(records) / elapsedSeconds
        mbPerSecond = Double(bytes) / 1_048_576 / elapsedSeconds
    }

    var line: String {
        String(format: "%d records consumed (%.2f MB) in %.2f s, %.1f records/sec (%.2f MB/sec), %d fetches.",
               records, Double(bytes) / 1_048_576, elapsedSeconds, recordsPerSecond, mbPerSecond, fetches)
    }
}
