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

    func testEveryPathMatchesSoftwareAtEverySizeAndAlignment() {
        var random = SeededRandom(seed: 7)
        let data = random.bytes(200_000)
        data.withUnsafeBytes { raw in
            // Every size up to 1,100 (the folding path starts at 256 and steps by 256 and 64, its
            // tail by 8), sizes around the three-lane block sizes (3 x 256, 3 x 8192), odd
            // alignments, and a state carried in from an earlier piece.
            let sizes = Array(0...1100) + [1536, 24575, 24576, 24577, 50000, 100_003, 199_990]
            for size in sizes {
                for start in [0, 1, 3, 8] where start + size <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + size)])
                    let expected = CRC32C.softwareChecksum(slice)
                    XCTAssertEqual(CRC32C.checksum(slice), expected, "size \(size) start \(start)")
                    XCTAssertEqual(CRC32C.instructionChecksum(slice), expected, "crc32 instruction, size \(size) start \(start)")
                    let carried = UInt32(truncatingIfNeeded: size &* 2_654_435_761)
                    XCTAssertEqual(CRC32C.checksum(slice, continuing: carried), CRC32C.softwareChecksum(slice, continuing: carried),
                                   "size \(size) start \(start) continuing")
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

    func testFoldsWhereTheCPUHasCarrylessMultiplyOnWideRegisters() throws {
        #if arch(x86_64)
        let flags = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        let wanted = ["sse4_2", "pclmulqdq", "avx512f", "vpclmulqdq"]
        try XCTSkipUnless(wanted.allSatisfy(flags.contains), "CPU without \(wanted.filter { !flags.contains($0) })")
        XCTAssertTrue(CRC32C.isFolding)
        #endif
    }
}
