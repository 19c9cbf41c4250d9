@testable import Engine
import TestSupport
import XCTest

final class CRC32CTests: XCTestCase {
    func testKnownVectors() {
        // RFC 3720 (iSCSI) B.4 test vectors and the standard check value.
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    func testHardwareMatchesSoftwareAtEverySizeAndAlignment() {
        var random = SeededRandom(seed: 7)
        let data = random.bytes(200_000)
        data.withUnsafeBytes { raw in
            // Sizes around the three-lane block sizes (3 x 256, 3 x 8192) and odd alignments.
            for size in [0, 1, 7, 8, 9, 255, 767, 768, 769, 1536, 24575, 24576, 24577, 50000, 100_003, 199_990] {
                for start in [0, 1, 3, 8] where start + size <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + size)])
                    XCTAssertEqual(CRC32C.checksum(slice), CRC32C.softwareChecksum(slice), "size \(size) start \(start)")
                }
            }
        }
    }

    func testChecksumCanBeBuiltInPieces() {
        var random = SeededRandom(seed: 11)
        let data = random.bytes(70_000)
        data.withUnsafeBytes { raw in
            let whole = CRC32C.checksum(raw)
            let first = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<30_001]))
            XCTAssertEqual(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[30_001...]), continuing: first), whole)
        }
    }

    func testUsesTheCPUInstructionOnThisMachine() throws {
        #if arch(x86_64)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        try XCTSkipUnless(cpuinfo.contains("sse4_2"), "CPU without SSE4.2")
        XCTAssertTrue(CRC32C.isHardwareAccelerated)
        #endif
    }
}
