import Engine
import KafkaProtocol
import NIOCore

/// One partition of a fetch response before encoding: offsets, error, and the records as a file region.
struct FetchedPartition: Sendable {
    var partition: Int32
    var errorCode: KafkaErrorCode = .none
    var highWatermark: Int64 = -1
    var lastStableOffset: Int64 = -1
    var logStartOffset: Int64 = -1
    /// The replica the client should fetch from instead (KIP-392), -1 for none (Strata never picks one yet).
    var preferredReadReplica: Int32 = -1
    /// Nil for read_uncommitted (sent as null), the overlapping aborted transactions for read_committed.
    var abortedTransactions: [FetchResponse.AbortedTransaction]? = nil
    var records: Engine.FileRegion? = nil
    /// Batches read from the remote store (tiered storage): regions of the chunk cache's files,
    /// one per chunk, sent with sendfile after one another.
    var remoteRecords: [Engine.FileRegion] = []

    /// Bytes of records in this partition's answer, from the log or from the remote store.
    var recordBytes: Int { records?.length ?? remoteRecords.reduce(0) { $0 + $1.length } }
}

/// One topic of a fetch response before encoding.
struct FetchedTopic: Sendable {
    var name: String
    var id: KafkaUUID
    var partitions: [FetchedPartition]
}

/// Lays out a Fetch response frame as bytes and file regions: everything but the record data is
/// encoded into buffers; each partition's records follow their length prefix as a file region.
///
/// The outer levels (response, topics) are written here; each partition's fields go through the
/// generated `FetchResponse.PartitionData` encoder with empty records, whose trailing length
/// prefix (and, in flexible versions, the empty tagged-field section) is then replaced. Tests
/// compare the result byte for byte with the generated encoder of the whole response.
enum FetchResponseWriter {
    static func write(version: Int16, correlationId: Int32, errorCode: KafkaErrorCode = .none, sessionId: Int32 = 0,
                      topics: [FetchedTopic]) throws -> ResponseParts {
        let flexible = version >= 12
        var parts = ResponseParts()
        try ResponseHeader(correlationId: correlationId).write(to: &parts.buffer, version: FetchResponse.responseHeaderVersion(for: version))
        if version >= 1 { parts.buffer.writeInteger(Int32(0)) }  // throttle time
        if version >= 7 {
            parts.buffer.writeInteger(errorCode.rawValue)
            parts.buffer.writeInteger(sessionId)
        }
        writeCount(topics.count, flexible: flexible, to: &parts.buffer)
        for topic in topics {
            if version <= 12 {
                writeString(topic.name, flexible: flexible, to: &parts.buffer)
            } else {
                parts.buffer.writeInteger(topic.id.mostSignificantBits)
                parts.buffer.writeInteger(topic.id.leastSignificantBits)
            }
            writeCount(topic.partitions.count, flexible: flexible, to: &parts.buffer)
            for partition in topic.partitions {
                try writePartition(partition, version: version, flexible: flexible, to: &parts)
            }
            if flexible { parts.buffer.writeInteger(UInt8(0)) }  // topic tagged fields
        }
        if flexible { parts.buffer.writeInteger(UInt8(0)) }  // response tagged fields (no node endpoints)
        return parts
    }

    private static func writePartition(_ fetched: FetchedPartition, version: Int16, flexible: Bool, to parts: inout ResponseParts) throws {
        var data = FetchResponse.PartitionData()
        data.partitionIndex = fetched.partition
        data.errorCode = fetched.errorCode.rawValue
        data.highWatermark = fetched.highWatermark
        data.lastStableOffset = fetched.lastStableOffset
        data.logStartOffset = fetched.logStartOffset
        data.preferredReadReplica = fetched.preferredReadReplica
        data.abortedTransactions = version >= 4 ? fetched.abortedTransactions : []
        data.records = ByteBuffer()
        let start = parts.buffer.writerIndex
        try data.write(to: &parts.buffer, version: version)
        // Empty records end the struct as int32 0, or as compact length 1 plus an empty tag section.
        let suffix = flexible ? 2 : 4
        precondition(parts.buffer.writerIndex - start >= suffix)
        parts.buffer.moveWriterIndex(to: parts.buffer.writerIndex - suffix)
        let length = fetched.recordBytes
        if flexible {
            parts.buffer.writeKafkaUnsignedVarint(UInt32(length + 1))
        } else {
            parts.buffer.writeInteger(Int32(length))
        }
        if let region = fetched.records { parts.append(region) }
        for region in fetched.remoteRecords { parts.append(region) }
        if flexible { parts.buffer.writeInteger(UInt8(0)) }
    }

    private static func writeCount(_ count: Int, flexible: Bool, to buffer: inout ByteBuffer) {
        if flexible { buffer.writeKafkaUnsignedVarint(UInt32(count + 1)) } else { buffer.writeInteger(Int32(count)) }
    }

    private static func writeString(_ string: String, flexible: Bool, to buffer: inout ByteBuffer) {
        let count = string.utf8.count
        if flexible { buffer.writeKafkaUnsignedVarint(UInt32(count + 1)) } else { buffer.writeInteger(Int16(count)) }
        buffer.writeString(string)
    }
}
