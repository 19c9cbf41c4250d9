@testable import Broker
import Engine
import KafkaProtocol
import NIOCore
import XCTest

/// The hand-laid Fetch response (bytes + file regions) must equal, byte for byte, what the
/// generated encoder writes for the same response with the record bytes inline.
final class FetchResponseWriterTests: XCTestCase {
    func testPartsMatchTheGeneratedEncoderInEveryVersion() throws {
        let directory = ServerFixture.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let content = (0..<400).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try FileSystem.writeAtomically(directory + "/segment.log", contents: content)
        let file = try FileDescriptor(path: directory + "/segment.log", mode: .readOnly)
        let first = Engine.FileRegion(file: file, position: 10, length: 150)
        let second = Engine.FileRegion(file: file, position: 200, length: 130)
        let topicA = KafkaUUID(mostSignificantBits: 0x1122_3344_5566_7788, leastSignificantBits: 0x99AA_BBCC_DDEE_FF00)
        let topicB = KafkaUUID(mostSignificantBits: 42, leastSignificantBits: 43)

        for version in Int16(4)...17 {
            let aborted = [FetchResponse.AbortedTransaction(producerId: 7, firstOffset: 3)]
            let fetched = [
                FetchedTopic(name: "alpha", id: topicA, partitions: [
                    FetchedPartition(partition: 0, highWatermark: 10, lastStableOffset: 9, logStartOffset: 1, abortedTransactions: aborted, records: first),
                    FetchedPartition(partition: 1, errorCode: .offsetOutOfRange, highWatermark: 5, lastStableOffset: 5, logStartOffset: 2),
                ]),
                FetchedTopic(name: "beta-topic", id: topicB, partitions: [
                    FetchedPartition(partition: 3, highWatermark: 99, lastStableOffset: 99, logStartOffset: 0, records: second),
                ]),
            ]
            var parts = try FetchResponseWriter.write(version: version, correlationId: 77, topics: fetched)
            var actual: [UInt8] = []
            for part in parts.finish() {
                switch part {
                case .bytes(let bytes): actual += bytes.readableBytesView
                case .file(let region): actual += try region.readBytes()
                }
            }

            var expected = FetchResponse()
            expected.responses = try fetched.map { topic in
                var response = FetchResponse.FetchableTopicResponse()
                if version <= 12 { response.topic = topic.name } else { response.topicId = topic.id }
                response.partitions = try topic.partitions.map { partition in
                    var data = FetchResponse.PartitionData()
                    data.partitionIndex = partition.partition
                    data.errorCode = partition.errorCode.rawValue
                    data.highWatermark = partition.highWatermark
                    data.lastStableOffset = partition.lastStableOffset
                    if version >= 5 { data.logStartOffset = partition.logStartOffset }
                    data.abortedTransactions = partition.abortedTransactions
                    data.records = ByteBuffer(bytes: try partition.records?.readBytes() ?? [])
                    return data
                }
                return response
            }
            var buffer = ByteBuffer()
            try expected.writeFrame(to: &buffer, version: version, correlationId: 77)
            XCTAssertEqual(actual, Array(buffer.readableBytesView), "Fetch v\(version)")
            XCTAssertEqual(parts.fileByteCount, 280)
        }
    }
}
