import Foundation

/// Everything known about one partition's remote log: its segments in offset order and the log
/// start offset below which nothing is readable any more (retention or DeleteRecords moved it).
///
/// Why a manifest and not a bucket listing: listing is slow, costs money per call and is only
/// eventually consistent on some stores; the manifest is written after every change, locally
/// (atomically, fsynced) and as an object beside the segments, so a restarted broker knows every
/// remote segment at once, and a broker with an empty disk can recover it from the store.
public struct RemotePartitionManifest: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public var formatVersion = RemotePartitionManifest.formatVersion
    /// Increases with every write, so the newer of the local and remote copies wins.
    public var generation: Int64 = 0
    public var topic: String
    public var partition: Int32
    /// The remote log start offset; nil until something was uploaded.
    public var logStartOffset: Int64?
    public var segments: [RemoteLogSegmentMetadata] = []

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Segments readable remotely, oldest first.
    public var readableSegments: [RemoteLogSegmentMetadata] {
        segments.filter { $0.state == .copyFinished && $0.endOffset >= (logStartOffset ?? 0) }
    }

    /// The last offset readable remotely, or -1.
    public var highestOffset: Int64 {
        segments.last(where: { $0.state == .copyFinished })?.endOffset ?? -1
    }

    /// Bytes of the readable remote segments.
    public var sizeInBytes: Int64 { readableSegments.reduce(0) { $0 + $1.sizeInBytes } }

    /// The readable segment holding `offset`, or the first one after it (when the offset falls
    /// between segments).
    public func segment(holding offset: Int64) -> RemoteLogSegmentMetadata? {
        readableSegments.first { $0.endOffset >= offset }
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8], source: String) throws(TieringError) -> RemotePartitionManifest {
        do {
            let manifest = try JSONDecoder().decode(RemotePartitionManifest.self, from: Data(bytes))
            guard manifest.formatVersion == formatVersion else {
                throw TieringError.corruptManifest(source: source, reason: "format version \(manifest.formatVersion) is not \(formatVersion)")
            }
            return manifest
        } catch let error as TieringError {
            throw error
        } catch {
            throw .corruptManifest(source: source, reason: "\(error)")
        }
    }
}
