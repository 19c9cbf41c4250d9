import Foundation
import Tiering

/// A tiered partition's remote log, as its local manifest (`remote-log-manifest.json`, written by
/// the broker's remote log manager) records it: read offline, without contacting the store.
struct RemoteLogFacts: Encodable {
    var segments: Int
    var size: Int64
    var logStartOffset: Int64?
    /// The last offset in the remote store; local retention deletes only segments below it.
    var highestOffset: Int64

    /// Nil when the partition has never been tiered (no manifest).
    static func load(partitionPath: String) throws -> RemoteLogFacts? {
        let path = partitionPath + "/remote-log-manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let manifest = try RemotePartitionManifest.decode(Array(data), source: path)
        return RemoteLogFacts(
            segments: manifest.readableSegments.count, size: manifest.sizeInBytes,
            logStartOffset: manifest.readableSegments.isEmpty ? nil : manifest.logStartOffset, highestOffset: manifest.highestOffset)
    }
}
