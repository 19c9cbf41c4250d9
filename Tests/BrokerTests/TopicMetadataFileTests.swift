@testable import Broker
import Engine
import KafkaProtocol
import XCTest

final class TopicMetadataFileTests: XCTestCase {
    func testRoundTripWithAwkwardConfigValues() throws {
        let directory = ServerFixture.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let files = TopicMetadataFile(logDir: directory)
        _ = try files.load()
        let topic = TopicMetadata(
            name: "orders.v2_x-y", id: TopicMetadata.randomTopicId(), partitionCount: 12, replicationFactor: 1,
            configs: ["retention.ms": "1000", "follower.replication.throttled.replicas": " lead\\ing = x\ny:z#"])
        try files.write(topic)
        let loaded = try files.load()
        XCTAssertEqual(loaded.topics, [topic])
        XCTAssertEqual(loaded.interruptedDeletes, [])
        try files.markDeleting(topic.name)
        XCTAssertEqual(try files.load().interruptedDeletes, [topic.name])
        XCTAssertEqual(try files.load().topics, [])
    }

    func testCorruptFileIsNamed() throws {
        let directory = ServerFixture.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let files = TopicMetadataFile(logDir: directory)
        _ = try files.load()
        try FileSystem.writeAtomically(files.path(for: "bad"), contents: Array("version=1\nname=bad\n".utf8))
        XCTAssertThrowsError(try files.load()) { error in
            XCTAssertTrue("\(error)".contains("bad.topic"), "\(error)")
            XCTAssertTrue("\(error)".contains("topic.id"), "\(error)")
        }
    }

    func testTopicNames() {
        XCTAssertNil(TopicName.invalidReason("a.b_c-D9"))
        XCTAssertNotNil(TopicName.invalidReason(""))
        XCTAssertNotNil(TopicName.invalidReason(".."))
        XCTAssertNotNil(TopicName.invalidReason("has space"))
        XCTAssertNotNil(TopicName.invalidReason(String(repeating: "x", count: 250)))
        XCTAssertNil(TopicName.invalidReason(String(repeating: "x", count: 249)))
    }

    func testRandomTopicIdsAreVersion4AndPrintable() {
        for _ in 0..<100 {
            let id = TopicMetadata.randomTopicId()
            XCTAssertEqual(id.mostSignificantBits >> 12 & 0xF, 4)
            XCTAssertFalse(id.description.hasPrefix("-"))
            XCTAssertEqual(KafkaUUID(kafkaString: id.description), id)
        }
    }
}
