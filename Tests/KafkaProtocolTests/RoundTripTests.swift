import Foundation
import NIOCore
import XCTest
import KafkaProtocol

/// Round-trips every version of every generated message, using the generated samples
/// (Generated/Samples.swift), and cuts every encoding at every byte.
final class RoundTripTests: XCTestCase {
    func testEveryVersionOfEveryMessageRoundTrips() {
        var cases = 0
        for type in allGeneratedMessageTypes {
            cases += roundTripAllVersions(type)
        }
        // 186 schemas; every version, two sample variants each.
        XCTAssertGreaterThan(cases, 1300)
    }

    func testEveryTruncationOfEveryMessageThrows() {
        var cuts = 0
        for type in allGeneratedMessageTypes {
            cuts += truncateAllVersions(type)
        }
        XCTAssertGreaterThan(cuts, 10_000)
    }

    func testSampleCoverage() {
        // The samples must exercise the interesting encodings somewhere.
        var sawNullVariantDifference = false
        var sawTaggedField = false
        for v in ApiVersionsResponse.validVersions where v >= 3 {
            let s = ApiVersionsResponse.sample(v, 0)
            XCTAssertNotEqual(s.finalizedFeaturesEpoch, -1)
            XCTAssertFalse(s.supportedFeatures.isEmpty)
            sawTaggedField = true
        }
        let full = FetchRequest.sample(12, 0)
        let nulls = FetchRequest.sample(12, 1)
        XCTAssertNotNil(full.clusterId)
        XCTAssertNil(nulls.clusterId)
        sawNullVariantDifference = full != nulls
        XCTAssertTrue(sawTaggedField)
        XCTAssertTrue(sawNullVariantDifference)
        XCTAssertNil(ConsumerGroupHeartbeatResponse.sample(0, 1).assignment)
        XCTAssertNotNil(ConsumerGroupHeartbeatResponse.sample(0, 0).assignment)
    }
}

private func roundTripAllVersions<T: KafkaSampled>(_: T.Type) -> Int {
    var count = 0
    for v in T.validVersions {
        for k in 0...1 {
            let label = "\(T.messageName) v\(v) variant \(k)"
            let sample = T.sample(v, k)
            do {
                let bytes = try sample.encoded(version: v)
                let decoded = try T(decoding: bytes, version: v)  // also checks all bytes were consumed
                XCTAssertEqual(decoded, sample, label)
                XCTAssertEqual(try decoded.encoded(version: v), bytes, "\(label): re-encoding differs")
                if bytes.readableBytes > (T.isFlexible(v) ? 1 : 0) {
                    XCTAssertNotEqual(sample, T(), "\(label): sample is all defaults")
                }
            } catch {
                XCTFail("\(label): \(error)")
            }
            count += 1
        }
    }
    return count
}

private func truncateAllVersions<T: KafkaSampled>(_: T.Type) -> Int {
    var count = 0
    for v in T.validVersions {
        guard let bytes = try? T.sample(v, 0).encoded(version: v) else {
            XCTFail("\(T.messageName) v\(v): encode failed")
            continue
        }
        for cut in 0..<bytes.readableBytes {
            var prefix = bytes.getSlice(at: bytes.readerIndex, length: cut)!
            do {
                _ = try T(from: &prefix, version: v)
                XCTFail("\(T.messageName) v\(v): decoding the first \(cut) of \(bytes.readableBytes) bytes succeeded")
            } catch let e as KafkaProtocolError {
                if e.message != T.messageName {
                    XCTFail("\(T.messageName) v\(v) cut \(cut): error names \(e.message)")
                }
            } catch {
                XCTFail("\(T.messageName) v\(v) cut \(cut): unexpected error \(error)")
            }
            count += 1
        }
    }
    return count
}

/// Writes every sample encoding as `Name version variant hex` lines to the file named by
/// the environment variable `KAFKA_SAMPLE_DUMP`, so another implementation (e.g. a Kafka
/// client library) can cross-check them (tools/codegen/crosscheck_kafka_python.py). It is a
/// tool run through the test runner, so it reports itself skipped when the variable is unset.
final class SampleDumpTests: XCTestCase {
    func testDumpSamplesWhenRequested() throws {
        guard let path = ProcessInfo.processInfo.environment["KAFKA_SAMPLE_DUMP"] else {
            throw XCTSkip("set KAFKA_SAMPLE_DUMP=FILE to write the sample encodings")
        }
        var lines: [String] = []
        for type in allGeneratedMessageTypes {
            lines += dumpSamples(type)
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

private func dumpSamples<T: KafkaSampled>(_: T.Type) -> [String] {
    var lines: [String] = []
    for v in T.validVersions {
        for k in 0...1 {
            if let b = try? T.sample(v, k).encoded(version: v) {
                lines.append("\(T.messageName) \(v) \(k) \(b.hexString)")
            }
        }
    }
    return lines
}
