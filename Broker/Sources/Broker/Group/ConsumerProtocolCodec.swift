import KafkaProtocol
import NIOCore

/// The embedded "consumer" protocol: a member's subscription (JoinGroup metadata) and assignment
/// (SyncGroup bytes), each an int16 version followed by the body. Versions above the highest
/// known one are read as the highest (Kafka's `ConsumerProtocol` does the same: later versions
/// only add fields at the end).
enum ConsumerProtocolCodec {
    static func subscription(_ bytes: [UInt8]) -> ConsumerProtocolSubscription? {
        decode(bytes, as: ConsumerProtocolSubscription.self)
    }

    static func assignment(_ bytes: [UInt8]) -> ConsumerProtocolAssignment? {
        decode(bytes, as: ConsumerProtocolAssignment.self)
    }

    static func encode<T: KafkaMessage>(_ message: T, version: Int16) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(version)
        try? message.write(to: &buffer, version: version)
        return Array(buffer.readableBytesView)
    }

    private static func decode<T: KafkaMessage>(_ bytes: [UInt8], as _: T.Type) -> T? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let version = buffer.readInteger(as: Int16.self), version >= T.validVersions.lowerBound else { return nil }
        return try? T(from: &buffer, version: min(version, T.validVersions.upperBound))
    }
}
