import Engine
import KafkaProtocol
import NIOCore

/// The bytes of `__consumer_offsets` records, exactly as Kafka writes them
/// (`GroupCoordinatorRecordHelpers` / `GroupMetadataManager`):
///
/// ```
/// key   = int16 record type | key body        type 0 or 1: OffsetCommitKey, 2: GroupMetadataKey
/// value = int16 version     | value body      null value: a tombstone (the key is deleted)
/// ```
///
/// Offset commits are written with key type 1 and value version 3 (version 1 when the commit
/// carries an explicit expire timestamp); group metadata with key type 2 and value version 3.
/// Reading accepts every version the schemas define; a flexible value of a later version is read
/// as the highest known one (KIP-915: later versions only add tagged fields). Key types 3 and up
/// (the new consumer protocol's records) are not ours: `decode` returns nil for them.
enum GroupRecordCodec {
    static let offsetCommitKeyType: Int16 = 1
    static let groupMetadataKeyType: Int16 = 2
    static let offsetCommitValueVersion: Int16 = 3
    static let offsetCommitValueVersionWithExpiry: Int16 = 1
    static let groupMetadataValueVersion: Int16 = 3

    static func encode(_ record: GroupRecord) throws -> (key: [UInt8], value: [UInt8]?) {
        var key = ByteBuffer()
        switch record {
        case let .offset(groupId, partition, committed):
            key.writeInteger(offsetCommitKeyType)
            try OffsetCommitKey(group: groupId, topic: partition.topic, partition: partition.partition).write(to: &key, version: offsetCommitKeyType)
            guard let committed else { return (bytes(key), nil) }
            let version = committed.expireTimestamp == nil ? offsetCommitValueVersion : offsetCommitValueVersionWithExpiry
            var value = ByteBuffer()
            value.writeInteger(version)
            let body = OffsetCommitValue(offset: committed.offset, leaderEpoch: committed.leaderEpoch, metadata: committed.metadata,
                                         commitTimestamp: committed.commitTimestamp, expireTimestamp: committed.expireTimestamp ?? -1)
            try body.write(to: &value, version: version)
            return (bytes(key), bytes(value))
        case let .metadata(groupId, metadata):
            key.writeInteger(groupMetadataKeyType)
            try GroupMetadataKey(group: groupId).write(to: &key, version: groupMetadataKeyType)
            guard let metadata else { return (bytes(key), nil) }
            var value = ByteBuffer()
            value.writeInteger(groupMetadataValueVersion)
            try metadata.write(to: &value, version: groupMetadataValueVersion)
            return (bytes(key), bytes(value))
        }
    }

    /// Decodes a record; nil for record types that are not the classic coordinator's.
    static func decode(key keyBytes: [UInt8], value valueBytes: [UInt8]?) throws -> GroupRecord? {
        var key = ByteBuffer(bytes: keyBytes)
        guard let type = key.readInteger(as: Int16.self) else { throw GroupRecordError("key of \(keyBytes.count) byte(s) has no record type") }
        switch type {
        case OffsetCommitKey.validVersions:
            let body = try OffsetCommitKey(from: &key, version: type)
            let partition = TopicPartition(topic: body.topic, partition: body.partition)
            guard let valueBytes else { return .offset(groupId: body.group, partition: partition, nil) }
            let value: OffsetCommitValue = try decodeValue(valueBytes)
            let committed = CommittedOffset(offset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata,
                                            commitTimestamp: value.commitTimestamp,
                                            expireTimestamp: value.expireTimestamp >= 0 ? value.expireTimestamp : nil)
            return .offset(groupId: body.group, partition: partition, committed)
        case GroupMetadataKey.validVersions:
            let body = try GroupMetadataKey(from: &key, version: type)
            guard let valueBytes else { return .metadata(groupId: body.group, nil) }
            return .metadata(groupId: body.group, try decodeValue(valueBytes) as GroupMetadataValue)
        default:
            return nil
        }
    }

    private static func decodeValue<T: KafkaMessage>(_ bytes: [UInt8]) throws -> T {
        var value = ByteBuffer(bytes: bytes)
        guard let version = value.readInteger(as: Int16.self), version >= 0 else {
            throw GroupRecordError("\(T.messageName) has no valid version")
        }
        var readAs = version
        if version > T.validVersions.upperBound, let flexible = T.firstFlexibleVersion, T.validVersions.upperBound >= flexible {
            readAs = T.validVersions.upperBound
        }
        return try T(from: &value, version: readAs)
    }

    private static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
}

struct GroupRecordError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
