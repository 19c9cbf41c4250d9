/// Latency percentiles in milliseconds, from sorted per-record latencies in microseconds.
struct PerfLatencySummary: Encodable {
    let avg: Double
    let p50: Double
    let p95: Double
    let p99: Double
    let p999: Double
    let max: Double

    enum CodingKeys: String, CodingKey {
        case avg, p50, p95, p99, p999 = "p99.9", max
    }

    init(sortedMicroseconds values: [UInt32]) {
        func at(_ fraction: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let index = Swift.min(values.count - 1, Int((Double(values.count) * fraction).rounded(.down)))
            return Double(values[index]) / 1000
        }
        avg = values.isEmpty ? 0 : Double(values.reduce(0) { $0 + Int($1) }) / Double(values.count) / 1000
        p50 = at(0.5)
        p95 = at(0.95)
        p99 = at(0.99)
        p999 = at(0.999)
        max = Double(values.last ?? 0) / 1000
    }
}
