import Engine
import Foundation

/// One tiered partition's remote state: its manifest, where the manifest lives, and the lock that
/// keeps one copy-or-expire pass at a time per partition.
final class RemotePartition: @unchecked Sendable {
    static let manifestFileName = "remote-log-manifest.json"
    static let manifestObjectName = "manifest.json"

    let topicPartition: TopicPartition
    /// Folder of this partition's objects in the store, e.g. `orders-<topic id>/0`.
    let folder: String
    let localManifestPath: String
    private let lock = NSLock()
    private var current: RemotePartitionManifest
    /// Serialises passes over this partition (held for a whole pass, unlike `lock`).
    let passLock = NSLock()
    /// Until this time (ms) each pass lists the partition's folder for orphans; set when an upload
    /// was abandoned (guarded by `passLock`).
    var sweepOrphansUntilMs: Int64 = 0

    init(topicPartition: TopicPartition, folder: String, localManifestPath: String, manifest: RemotePartitionManifest) {
        self.topicPartition = topicPartition
        self.folder = folder
        self.localManifestPath = localManifestPath
        self.current = manifest
    }

    var manifest: RemotePartitionManifest {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    var manifestKey: String { "\(folder)/\(Self.manifestObjectName)" }

    /// Loads the manifest: the local copy when there is one (it is always written first, so it is
    /// never older than the remote one), else the remote object, else an empty manifest.
    static func load(topicPartition: TopicPartition, folder: String, partitionDirectory: String, store: RemoteStorage) throws(TieringError) -> RemotePartition {
        let path = partitionDirectory + "/" + manifestFileName
        var manifest = RemotePartitionManifest(topic: topicPartition.topic, partition: topicPartition.partition)
        if let data = FileManager.default.contents(atPath: path) {
            manifest = try RemotePartitionManifest.decode(Array(data), source: path)
        } else {
            var bytes: [UInt8]?
            do {
                bytes = try store.get(key: "\(folder)/\(manifestObjectName)", range: nil)
            } catch .notFound {
            } catch {
                throw .storage(error)
            }
            if let bytes { manifest = try RemotePartitionManifest.decode(bytes, source: "\(folder)/\(manifestObjectName)") }
        }
        return RemotePartition(topicPartition: topicPartition, folder: folder, localManifestPath: path, manifest: manifest)
    }

    /// Applies `change`, then writes the manifest locally (atomically, fsynced) and, when `remote`,
    /// as the partition's manifest object. Returns once both are durable.
    func update(remote: Bool, store: RemoteStorage, _ change: (inout RemotePartitionManifest) -> Void) throws(TieringError) {
        lock.lock()
        change(&current)
        current.generation += 1
        let snapshot = current
        lock.unlock()
        let bytes: [UInt8]
        do { bytes = try snapshot.encoded() } catch { throw .corruptManifest(source: localManifestPath, reason: "\(error)") }
        do { try FileSystem.writeAtomically(localManifestPath, contents: bytes) } catch { throw .engine(error) }
        if remote {
            do { try store.put(key: manifestKey, bytes: bytes) } catch { throw .storage(error) }
        }
    }

}
