import NIOCore
import XCTest
import KafkaProtocol

/// Hostile and broken input must throw `KafkaProtocolError`, never crash or allocate
/// in proportion to an attacker's length field.
final class MalformedInputTests: XCTestCase {
    func testHugeArrayCountIsRejectedBeforeAllocating() {
        // MetadataRequest v1: topics count 0x7fffffff followed by a single byte.
        var b = ByteBuffer(hex: "7fffffff00")
        let e = assertKafkaError(try MetadataRequest(from: &b, version: 1))
        XCTAssertEqual(e?.kind, .invalidLength)
        XCTAssertEqual(e?.message, "MetadataRequest")
        XCTAssertEqual(e?.field, "topics")

        // Flexible v9: compact count 2^32-2 (varint ff ff ff ff 0f).
        var c = ByteBuffer(hex: "ffffffff0f00")
        XCTAssertEqual(assertKafkaError(try MetadataRequest(from: &c, version: 9))?.kind, .invalidLength)

        // Nested: ProduceRequest v3 with one topic whose partition count is huge.
        var d = ByteBuffer(hex: "ffff" + "ffff" + "000005dc" + "00000001" + "000174" + "7ffffff0")
        let nested = assertKafkaError(try ProduceRequest(from: &d, version: 3))
        XCTAssertEqual(nested?.field, "TopicProduceData.partitionData")
        XCTAssertEqual(nested?.kind, .invalidLength)
    }

    func testHugeStringAndBytesLengthsAreRejected() {
        // SaslAuthenticateRequest v0: authBytes int32 length 0x7fffffff.
        var b = ByteBuffer(hex: "7fffffff0102")
        let e = assertKafkaError(try SaslAuthenticateRequest(from: &b, version: 0))
        XCTAssertEqual(e?.kind, .invalidLength)
        XCTAssertEqual(e?.field, "authBytes")
        // FindCoordinatorRequest v0: key int16 length 0x7fff with 2 bytes behind it.
        var s = ByteBuffer(hex: "7fff6162")
        XCTAssertEqual(assertKafkaError(try FindCoordinatorRequest(from: &s, version: 0))?.field, "key")
        // Compact string longer than Kafka's 32767 limit.
        var c = ByteBuffer(hex: "8280020000")  // varint 32769+1
        XCTAssertEqual(assertKafkaError(try FindCoordinatorRequest(from: &c, version: 3))?.kind, .invalidLength)
    }

    func testNegativeLengthsAreRejected() {
        var s = ByteBuffer(hex: "fffe")  // key length -2
        XCTAssertEqual(assertKafkaError(try FindCoordinatorRequest(from: &s, version: 0))?.kind, .invalidLength)
        var a = ByteBuffer(hex: "80000000")  // topics count Int32.min
        XCTAssertEqual(assertKafkaError(try MetadataRequest(from: &a, version: 1))?.kind, .invalidLength)
    }

    func testNullWhereTheVersionForbidsIt() {
        // MetadataRequest v0 topics may not be null (v1+ may).
        var b = ByteBuffer(hex: "ffffffff")
        let e = assertKafkaError(try MetadataRequest(from: &b, version: 0))
        XCTAssertEqual(e?.kind, .unexpectedNull)
        XCTAssertEqual(e?.field, "topics")
        var ok = ByteBuffer(hex: "ffffffff")
        XCTAssertNil(try MetadataRequest(from: &ok, version: 1).topics)
        // A non-nullable string.
        var f = ByteBuffer(hex: "ffff")
        XCTAssertEqual(assertKafkaError(try FindCoordinatorRequest(from: &f, version: 0))?.kind, .unexpectedNull)
    }

    func testInvalidVarints() {
        // Six continuation bytes: longer than a 32-bit varint may be.
        var b = ByteBuffer(hex: "ffffffffff7f")
        XCTAssertEqual(assertKafkaError(try MetadataRequest(from: &b, version: 9))?.kind, .invalidVarint)
        // A varint cut off in the middle.
        var t = ByteBuffer(hex: "ff")
        XCTAssertEqual(assertKafkaError(try MetadataRequest(from: &t, version: 9))?.kind, .truncated)
        // Tagged-field section with an impossible count.
        var m = ByteBuffer(hex: "01" + "01" + "00" + "00" + "ffffffff0f")
        XCTAssertNotNil(assertKafkaError(try MetadataRequest(from: &m, version: 9)))
        // A tagged field whose size runs past the end.
        var sized = ByteBuffer(hex: "01" + "01" + "00" + "00" + "01" + "05" + "7f" + "00")
        let e = assertKafkaError(try MetadataRequest(from: &sized, version: 9))
        XCTAssertEqual(e?.kind, .invalidLength)
        XCTAssertEqual(e?.message, "MetadataRequest")
    }

    func testUnsupportedVersionIsRejected() {
        var b = ByteBuffer()
        let e = assertKafkaError(try MetadataRequest(from: &b, version: 13))
        XCTAssertEqual(e?.kind, .unsupportedVersion)
        XCTAssertNotNil(assertKafkaError(try MetadataRequest().encoded(version: -1)))
        var header = ByteBuffer(hex: "0063000000000001")  // API key 99
        XCTAssertEqual(assertKafkaError(try RequestHeader.read(from: &header))?.kind, .unknownApiKey)
        var short = ByteBuffer(hex: "0003")
        XCTAssertEqual(assertKafkaError(try RequestHeader.read(from: &short))?.kind, .truncated)
    }

    func testApiVersionsRequestOfAnUnknownVersionStillYieldsItsHeader() throws {
        // A client newer than us: ApiVersions v9. The header parses (flexible => v2) so the
        // server can answer UNSUPPORTED_VERSION; the body does not.
        var frame = ByteBuffer(hex: "0012000900000004000163" + "00" + "00")
        let header = try RequestHeader.read(from: &frame)
        XCTAssertEqual(header.correlationId, 4)
        XCTAssertEqual(header.requestApiVersion, 9)
        XCTAssertEqual(assertKafkaError(try KafkaRequestBody(apiKey: .apiVersions, version: 9, from: &frame))?.kind, .unsupportedVersion)
    }

    func testRandomGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 0x5EED)
        var decoded = 0, rejected = 0
        for apiKey in ApiKey.allCases {
            for version in apiKey.validVersions {
                for _ in 0..<12 {
                    let length = Int.random(in: 0...48, using: &rng)
                    let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    for isRequest in [true, false] {
                        var b = ByteBuffer(bytes: bytes)
                        do {
                            if isRequest {
                                _ = try KafkaRequestBody(apiKey: apiKey, version: version, from: &b)
                            } else {
                                _ = try KafkaResponseBody(apiKey: apiKey, version: version, from: &b)
                            }
                            decoded += 1
                        } catch is KafkaProtocolError {
                            rejected += 1
                        } catch {
                            XCTFail("\(apiKey) v\(version): unexpected error \(error)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(rejected, decoded)
    }

    func testMutatedValidMessagesNeverCrash() {
        // Flip bytes of real encodings: exercises deeper paths than pure noise.
        var rng = SplitMix64(seed: 42)
        var runs = 0
        for type in allGeneratedMessageTypes {
            runs += mutate(type, &rng)
        }
        XCTAssertGreaterThan(runs, 1000)
    }

    func testRequestFrameGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            var bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 4 {
                // Aim at real API keys/versions most of the time.
                let key = Int16.random(in: 0...90, using: &rng)
                bytes[0] = UInt8(truncatingIfNeeded: key >> 8); bytes[1] = UInt8(truncatingIfNeeded: key)
                bytes[2] = 0; bytes[3] = UInt8.random(in: 0...18, using: &rng)
            }
            do {
                _ = try KafkaRequest(frame: ByteBuffer(bytes: bytes))
            } catch is KafkaProtocolError {
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
    }

    func testTruncatedRealRequestsThrowAtEveryCut() throws {
        for hex in [KnownBytesTests.librdkafkaApiVersions, KnownBytesTests.librdkafkaMetadata] {
            let frame = ByteBuffer(hex: hex)
            XCTAssertNoThrow(try KafkaRequest(frame: frame))
            for cut in 0..<frame.readableBytes {
                assertKafkaError(try KafkaRequest(frame: frame.getSlice(at: 0, length: cut)!), "cut \(cut)")
            }
        }
    }
}

private func mutate<T: KafkaSampled>(_: T.Type, _ rng: inout SplitMix64) -> Int {
    var runs = 0
    for v in T.validVersions {
        guard let bytes = try? T.sample(v, 1).encoded(version: v), bytes.readableBytes > 0 else { continue }
        let original = Array(bytes.readableBytesView)
        for _ in 0..<4 {
            var copy = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                copy[Int.random(in: 0..<copy.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            var b = ByteBuffer(bytes: copy)
            do {
                _ = try T(from: &b, version: v)
            } catch is KafkaProtocolError {
            } catch {
                XCTFail("\(T.messageName) v\(v): unexpected error \(error)")
            }
            runs += 1
        }
    }
    return runs
}
