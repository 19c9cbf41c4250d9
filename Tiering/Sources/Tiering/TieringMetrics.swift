import Foundation

/// Counters of tiered storage, named after Kafka's remote-storage metrics (RemoteCopyBytesPerSec,
/// RemoteFetchBytesPerSec, RemoteCopyLagBytes, ...) and exposed by the broker in Prometheus' text
/// format. Totals only: rates are what a scraper derives.
public final class TieringMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Int64] = [:]
    private var gauges: [String: Int64] = [:]

    public init() {}

    public static let copyBytes = "strata_remote_copy_bytes_total"
    public static let copySegments = "strata_remote_copy_segments_total"
    public static let copyErrors = "strata_remote_copy_errors_total"
    public static let deleteSegments = "strata_remote_delete_segments_total"
    public static let fetchBytes = "strata_remote_fetch_bytes_total"
    public static let fetchRequests = "strata_remote_fetch_requests_total"
    public static let fetchErrors = "strata_remote_fetch_errors_total"
    public static let cacheHits = "strata_remote_chunk_cache_hits_total"
    public static let cacheMisses = "strata_remote_chunk_cache_misses_total"
    public static let cacheBytes = "strata_remote_chunk_cache_bytes"
    public static let copyLagBytes = "strata_remote_copy_lag_bytes"
    public static let copyLagSegments = "strata_remote_copy_lag_segments"
    public static let remoteLogBytes = "strata_remote_log_size_bytes"
    public static let deletePendingPartitions = "strata_remote_delete_pending_partitions"

    static let help: [String: String] = [
        copyBytes: "Bytes of segment files uploaded to the remote store.",
        copySegments: "Segments uploaded to the remote store.",
        copyErrors: "Segment uploads that failed and will be retried.",
        deleteSegments: "Remote segments deleted by retention.",
        fetchBytes: "Bytes of record batches served from the remote store.",
        fetchRequests: "Partition reads served from the remote store.",
        fetchErrors: "Partition reads from the remote store that failed.",
        cacheHits: "Remote chunk reads answered from the local chunk cache.",
        cacheMisses: "Remote chunk reads that went to the remote store.",
        cacheBytes: "Bytes held in the local chunk cache.",
        copyLagBytes: "Bytes of closed local segments not yet uploaded.",
        copyLagSegments: "Closed local segments not yet uploaded.",
        remoteLogBytes: "Bytes of readable segments in the remote store.",
        deletePendingPartitions: "Partitions of deleted topics whose remote objects are not all deleted yet.",
    ]

    public func add(_ name: String, _ amount: Int64 = 1) {
        lock.lock(); counters[name, default: 0] += amount; lock.unlock()
    }

    public func set(_ name: String, _ value: Int64) {
        lock.lock(); gauges[name] = value; lock.unlock()
    }

    public func value(_ name: String) -> Int64 {
        lock.lock(); defer { lock.unlock() }
        return counters[name] ?? gauges[name] ?? 0
    }

    /// Prometheus text exposition format, every metric listed even when zero.
    public func prometheusText() -> String {
        lock.lock(); defer { lock.unlock() }
        var text = ""
        for name in Self.help.keys.sorted() {
            let isCounter = name.hasSuffix("_total")
            text += "# HELP \(name) \(Self.help[name]!)\n# TYPE \(name) \(isCounter ? "counter" : "gauge")\n"
            text += "\(name) \((isCounter ? counters[name] : gauges[name]) ?? 0)\n"
        }
        return text
    }
}
