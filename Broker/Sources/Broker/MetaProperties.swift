import Engine
import KafkaProtocol

/// `<log.dir>/meta.properties`, as Kafka (KRaft) writes it: the cluster id this directory belongs
/// to and the node that owns it. Created on first start; later starts read the cluster id from it
/// and refuse a directory that belongs to another node id.
///
/// ```
/// version=1
/// cluster.id=<22-character base64 uuid>
/// node.id=0
/// directory.id=<22-character base64 uuid>
/// ```
public struct MetaProperties: Equatable, Sendable {
    public static let fileName = "meta.properties"

    public var clusterId: String
    public var nodeId: Int32
    public var directoryId: KafkaUUID

    /// Reads the file in `logDir`, or creates it for `nodeId` with a new cluster id.
    public static func loadOrCreate(logDir: String, nodeId: Int32) throws(BrokerStorageError) -> MetaProperties {
        let path = logDir + "/" + fileName
        do {
            try FileSystem.createDirectory(logDir)
            if FileSystem.exists(path) {
                let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
                var values: [String: String] = [:]
                for (key, value) in JavaProperties.parse(text) { values[key] = value }
                guard let clusterId = values["cluster.id"], !clusterId.isEmpty else {
                    throw BrokerStorageError.corruptMetaProperties(file: path, reason: "no cluster.id")
                }
                guard let storedNode = values["node.id"].flatMap({ Int32($0) }) else {
                    throw BrokerStorageError.corruptMetaProperties(file: path, reason: "no node.id")
                }
                guard storedNode == nodeId else {
                    throw BrokerStorageError.corruptMetaProperties(
                        file: path, reason: "the directory belongs to node.id \(storedNode), but this broker is node.id \(nodeId)")
                }
                let directoryId = values["directory.id"].flatMap { KafkaUUID(kafkaString: $0) } ?? TopicMetadata.randomTopicId()
                return MetaProperties(clusterId: clusterId, nodeId: nodeId, directoryId: directoryId)
            }
            let created = MetaProperties(
                clusterId: TopicMetadata.randomTopicId().description, nodeId: nodeId, directoryId: TopicMetadata.randomTopicId())
            let text = "#\n#Written by Strata\nversion=1\ncluster.id=\(created.clusterId)\nnode.id=\(nodeId)\ndirectory.id=\(created.directoryId)\n"
            try FileSystem.writeAtomically(path, contents: Array(text.utf8))
            return created
        } catch let error as BrokerStorageError {
            throw error
        } catch let error as EngineError {
            throw .engine(error)
        } catch {
            throw .engine(.invalidArgument("\(error)"))
        }
    }
}
