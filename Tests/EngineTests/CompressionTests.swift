import Engine
import Foundation
import TestSupport
import XCTest

final class CompressionTests: XCTestCase {
    // MARK: - Names

    func testNamesAndAttributeBits() {
        XCTAssertEqual(CompressionCodec.allCases.map(\.description), ["none", "gzip", "snappy", "lz4", "zstd"])
        XCTAssertEqual(CompressionCodec.allCases.map(\.rawValue), [0, 1, 2, 3, 4])
        for codec in CompressionCodec.allCases {
            XCTAssertEqual(CompressionCodec(name: codec.description), codec)
            XCTAssertNil(CompressionCodec(name: codec.description.uppercased()))
            XCTAssertEqual(CompressionCodec(rawValue: codec.rawValue), codec)
        }
        XCTAssertNil(CompressionCodec(name: "producer"))
        XCTAssertNil(CompressionCodec(name: "lz5"))
        XCTAssertNil(CompressionCodec(name: ""))
        XCTAssertNil(CompressionCodec(rawValue: 5))
    }

    // MARK: - Round trips

    func testRoundTripAcrossSizesAndBlockBoundaries() throws {
        let sizes = [0, 1, 2, 100, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 1 << 20]
        let randomBytes = Self.randomBytes(count: 1 << 20, seed: 1)
        let compressible = Self.compressibleBytes(count: 1 << 20)
        for codec in CompressionCodec.allCases {
            for size in sizes {
                for (kind, source) in [("random", randomBytes), ("compressible", compressible)] {
                    let input = Array(source[..<size])
                    let compressed = try Self.compress(codec, input)
                    // The limit is inclusive: exactly the decompressed size is allowed.
                    let output = try Self.decompress(codec, compressed, limit: size)
                    XCTAssertTrue(output == input, "\(codec) \(kind) \(size) bytes did not round-trip")
                    if kind == "compressible" && size >= 32 * 1024 && codec != .none {
                        XCTAssertLessThan(compressed.count, size / 4, "\(codec) barely compressed \(size) compressible bytes")
                    }
                }
            }
        }
    }

    func testRoundTripAtEveryLevel() throws {
        let input = Self.compressibleBytes(count: 100_000)
        let levels: [CompressionCodec: [Int?]] = [
            .gzip: [nil, -1, 0, 1, 6, 9],
            .lz4: [nil, -5, 0, 1, 3, 9, 12, 17],
            .zstd: [nil, -7, 1, 3, 9, 19],
            .snappy: [nil, 5],
            .none: [nil, 5],
        ]
        for (codec, codecLevels) in levels {
            for level in codecLevels {
                let compressed = try Self.compress(codec, input, level: level)
                let output = try Self.decompress(codec, compressed, limit: input.count)
                XCTAssertTrue(output == input, "\(codec) level \(String(describing: level)) did not round-trip")
            }
        }
    }

    func testInvalidLevelsAreRejected() {
        for (codec, level) in [(CompressionCodec.gzip, 10), (.gzip, -2), (.zstd, 1000), (.zstd, -1_000_000)] {
            XCTAssertThrowsError(try Self.compress(codec, [1, 2, 3], level: level)) { error in
                XCTAssertTrue("\(error)".contains("invalid compression level"), "\(error)")
            }
        }
    }

    func testAppendsAfterExistingBytesAndLeavesThemAloneOnError() throws {
        let prefix: [UInt8] = [9, 8, 7]
        let input = Self.compressibleBytes(count: 70_000)
        for codec in CompressionCodec.allCases {
            var compressed = prefix
            try input.withUnsafeBytes { try codec.compress($0, into: &compressed) }
            XCTAssertEqual(Array(compressed[..<3]), prefix)
            let payload = Array(compressed[3...])

            var output = prefix
            try payload.withUnsafeBytes { try codec.decompress($0, into: &output, limit: input.count) }
            XCTAssertEqual(Array(output[..<3]), prefix)
            XCTAssertTrue(output[3...].elementsEqual(input), "\(codec)")

            // A failed call leaves the output exactly as it was.
            output = prefix
            XCTAssertThrowsError(try payload.withUnsafeBytes { try codec.decompress($0, into: &output, limit: input.count - 1) })
            XCTAssertTrue(output == prefix, "\(codec) changed the output when it failed")
            if codec != .none {
                XCTAssertThrowsError(try payload.dropLast(1).withUnsafeBytes { try codec.decompress($0, into: &output, limit: input.count) })
                XCTAssertTrue(output == prefix, "\(codec) changed the output when it failed")
            }
        }
    }

    func testKnownSizesAreAllocatedOnce() throws {
        // gzip's trailer, snappy's header and our zstd frames give the size: the output should be
        // allocated once, not grown (growing doubles the capacity).
        let input = Self.compressibleBytes(count: 300_000)
        for codec in [CompressionCodec.gzip, .snappy, .zstd] {
            let output = try Self.decompress(codec, try Self.compress(codec, input), limit: input.count)
            XCTAssertTrue(output == input)
            XCTAssertLessThan(output.capacity, input.count + input.count / 4, "\(codec)")
        }
    }

    func testConcatenatedStreamsDecodeToTheConcatenation() throws {
        let input = Self.compressibleBytes(count: 40_000)
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            let once = try Self.compress(codec, input)
            let output = try Self.decompress(codec, once + once, limit: 80_000)
            XCTAssertTrue(output == input + input, "\(codec) did not decode concatenated streams")
        }
    }

    func testEmptyPayloadIsMalformed() throws {
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            XCTAssertThrowsError(try Self.decompress(codec, [], limit: 100), "\(codec)")
        }
        XCTAssertEqual(try Self.decompress(.none, [], limit: 0), [])
    }

    func testContextsAreReusableAfterErrorsAndLevelChanges() throws {
        let input = Self.compressibleBytes(count: 200_000)
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            let fast = try Self.compress(codec, input, level: codec == .snappy ? nil : 1)
            let truncated = Array(fast.prefix(fast.count / 2))
            for round in 0..<10 {
                // A failure part-way through a stream, then the same work again: any context the
                // codec reuses must come back clean.
                XCTAssertThrowsError(try Self.decompress(codec, truncated, limit: input.count))
                XCTAssertThrowsError(try Self.decompress(codec, fast, limit: 1000))
                let output = try Self.decompress(codec, fast, limit: input.count)
                XCTAssertTrue(output == input, "\(codec) round \(round)")
                // Compressing at another level in between must not change what level 1 produces.
                if codec != .snappy { XCTAssertFalse(try Self.compress(codec, input, level: 9) == fast, "\(codec) ignored the level") }
                XCTAssertTrue(try Self.compress(codec, input, level: codec == .snappy ? nil : 1) == fast, "\(codec) round \(round)")
            }
        }
        // The same for the streaming decoders: a zstd frame without a content size, linked lz4 blocks.
        for (codec, base64) in [(CompressionCodec.zstd, Fixtures.zstdCLIStream), (.lz4, Fixtures.lz4CLI)] {
            let payload = [UInt8](Data(base64Encoded: base64)!)
            for cut in stride(from: 10, to: payload.count, by: 25) {
                XCTAssertThrowsError(try Self.decompress(codec, Array(payload.prefix(cut)), limit: 1 << 20))
                XCTAssertEqual(try Self.decompress(codec, payload, limit: 1 << 20), Self.fixturePlaintext, "\(codec) after a cut at \(cut)")
            }
        }
    }

    func testCodecsAreSafeToUseFromSeveralThreads() throws {
        let inputs = (0..<8).map { Self.randomBytes(count: 20_000, seed: UInt64($0)) + Self.compressibleBytes(count: 50_000) }
        let failures = FailureCounter()
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            let codec = CompressionCodec.allCases[i % CompressionCodec.allCases.count]
            let input = inputs[i % inputs.count]
            do {
                let compressed = try Self.compress(codec, input, level: nil)
                if try Self.decompress(codec, compressed, limit: input.count) != input { failures.increment() }
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
    }

    // MARK: - Kafka's formats on the wire

    func testWritesKafkaJavaCompatibleHeaders() throws {
        let input = Self.compressibleBytes(count: 100_000)
        // gzip: RFC 1952 magic and deflate.
        XCTAssertEqual(Array(try Self.compress(.gzip, input).prefix(3)), [0x1f, 0x8b, 0x08])
        // zstd: the frame magic.
        XCTAssertEqual(Array(try Self.compress(.zstd, input).prefix(4)), [0x28, 0xb5, 0x2f, 0xfd])
        // lz4: magic, FLG 0x60 (version 1, independent blocks, no checksums, no size), BD 0x40
        // (64 KiB blocks), header checksum 0x82 -- byte for byte what KafkaLZ4BlockOutputStream writes.
        XCTAssertEqual(Array(try Self.compress(.lz4, input).prefix(7)), [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])
        // snappy: xerial header, then blocks of at most 32 KiB of input, each a raw snappy block.
        let snappy = try Self.compress(.snappy, input)
        XCTAssertEqual(Array(snappy.prefix(16)), [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
        var position = 16
        var blockSizes: [Int] = []
        while position < snappy.count {
            let length = snappy[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            let block = Array(snappy[position + 4..<position + 4 + length])
            blockSizes.append(try Self.decompress(.snappy, block, limit: 1 << 20).count)
            position += 4 + length
        }
        XCTAssertEqual(position, snappy.count)
        XCTAssertEqual(blockSizes, [32768, 32768, 32768, 100_000 - 3 * 32768])
        // An empty input is a header with no blocks.
        XCTAssertEqual(try Self.compress(.snappy, []).count, 16)
    }

    func testDecodesPayloadsWrittenByOtherImplementations() throws {
        let expected = Self.fixturePlaintext
        for (name, codec, base64) in [
            ("gzip -9 -n", CompressionCodec.gzip, Fixtures.gzipCLI),
            ("two gzip members", .gzip, Fixtures.gzipTwoMembers),
            ("zlib.compress", .gzip, Fixtures.zlib),
            ("zstd CLI from a pipe (no content size, checksum)", .zstd, Fixtures.zstdCLIStream),
            ("python zstandard with content size", .zstd, Fixtures.zstdPythonSized),
            ("lz4 CLI (4 MiB linked blocks, content checksum)", .lz4, Fixtures.lz4CLI),
            ("python lz4.frame, Kafka style", .lz4, Fixtures.lz4KafkaStyle),
            ("python-snappy raw block", .snappy, Fixtures.snappyRaw),
            ("python-snappy block in xerial framing", .snappy, Fixtures.snappyXerial),
        ] {
            let payload = try XCTUnwrap(Data(base64Encoded: base64).map { [UInt8]($0) }, name)
            XCTAssertEqual(try Self.decompress(codec, payload, limit: expected.count), expected, name)
            XCTAssertThrowsError(try Self.decompress(codec, payload, limit: expected.count - 1), name)
        }
        // The lz4 fixture written like Kafka's Java client starts exactly like our own frames.
        let kafkaStyle = [UInt8](Data(base64Encoded: Fixtures.lz4KafkaStyle)!)
        XCTAssertEqual(Array(kafkaStyle.prefix(7)), Array(try Self.compress(.lz4, expected).prefix(7)))
    }

    func testDecodesMultiBlockXerialSnappyFromAnotherEncoder() throws {
        // A three-block xerial stream written by kafka-python's producer codec
        // (`kafka.codec.snappy_encode(payload, xerial_compatible=True, xerial_blocksize=512)`).
        let payload: [UInt8] = [
            130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 62, 128, 4, 0, 0, 9, 1, 120, 37, 40, 41, 42, 43,
            44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 254, 10,
            0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 102, 10, 0, 0, 0, 0, 37, 128, 4, 36, 69,
            70, 71, 72, 73, 74, 65, 66, 67, 68, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254, 10, 0, 254,
            10, 0, 214, 10, 0, 0, 0, 0, 6, 4, 12, 71, 72, 73, 74,
        ]
        let expected: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 37] + Array(40..<60) + Array(String(repeating: "ABCDEFGHIJ", count: 100).utf8)
        XCTAssertEqual(try Self.decompress(.snappy, payload, limit: expected.count), expected)
        XCTAssertThrowsError(try Self.decompress(.snappy, payload, limit: expected.count - 1))
    }

    // MARK: - Malformed input

    func testMalformedInputIsDescribed() throws {
        func reason(_ codec: CompressionCodec, _ bytes: [UInt8], limit: Int = 1 << 20) -> String {
            do {
                _ = try Self.decompress(codec, bytes, limit: limit)
                return "no error"
            } catch {
                guard case let EngineError.compression(name, reason) = error else { return "wrong error \(error)" }
                XCTAssertEqual(name, codec.description)
                return reason
            }
        }
        let header: [UInt8] = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]
        XCTAssertEqual(reason(.snappy, header + [0, 0]), "truncated xerial block header at byte 16: 2 of 4 bytes")
        XCTAssertEqual(reason(.snappy, header + [0, 0, 0, 9, 1]), "truncated xerial block at byte 16: length 9 but 1 bytes remain")
        XCTAssertEqual(reason(.snappy, header + [0xff, 0, 0, 1, 1]), "negative xerial block length at byte 16")
        XCTAssertEqual(reason(.snappy, Array(header.prefix(12))), "truncated xerial stream header at byte 0: 12 of 16 bytes")
        XCTAssertEqual(reason(.snappy, [0x05, 0x10, 0x61]), "corrupt snappy block at byte 0 (invalid input)")
        XCTAssertEqual(reason(.snappy, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "corrupt snappy block length at byte 0")
        XCTAssertEqual(try Self.decompress(.snappy, header, limit: 0), [])

        let garbage = Array("not compressed at all".utf8)
        XCTAssertTrue(reason(.zstd, garbage).hasPrefix("zstd: Unknown frame descriptor"), reason(.zstd, garbage))
        XCTAssertTrue(reason(.lz4, garbage).hasPrefix("lz4: ERROR_frameType_unknown"), reason(.lz4, garbage))
        XCTAssertTrue(reason(.gzip, garbage).hasPrefix("zlib: incorrect header check"), reason(.gzip, garbage))

        let gzip = try Self.compress(.gzip, [1, 2, 3])
        XCTAssertEqual(reason(.gzip, gzip + [0, 0]), "2 bytes of trailing data after the gzip stream ending at byte \(gzip.count)")
        XCTAssertEqual(reason(.gzip, Array(gzip.dropLast(4))), "gzip stream truncated at byte \(gzip.count - 4)")
        var badCRC = gzip
        badCRC[badCRC.count - 5] ^= 1
        XCTAssertTrue(reason(.gzip, badCRC).hasPrefix("zlib: incorrect data check"), reason(.gzip, badCRC))
    }

    func testEveryTruncationIsAnErrorOrAPrefix() throws {
        let plaintext = Self.fixturePlaintext
        var payloads: [(String, CompressionCodec, [UInt8])] = []
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            payloads.append(("\(codec)", codec, try Self.compress(codec, plaintext)))
        }
        payloads.append(("raw snappy", .snappy, [UInt8](Data(base64Encoded: Fixtures.snappyRaw)!)))
        payloads.append(("zstd stream", .zstd, [UInt8](Data(base64Encoded: Fixtures.zstdCLIStream)!)))
        payloads.append(("lz4 with checksum", .lz4, [UInt8](Data(base64Encoded: Fixtures.lz4CLI)!)))
        for (name, codec, payload) in payloads {
            for length in 0..<payload.count {
                do {
                    let output = try Self.decompress(codec, Array(payload[..<length]), limit: plaintext.count)
                    // Only xerial snappy, which has no checksum or end marker, may end at a block
                    // boundary; its output is then a prefix of the original.
                    XCTAssertEqual(codec, .snappy, "\(name) cut to \(length) bytes decoded without error")
                    XCTAssertTrue(plaintext.starts(with: output), "\(name) cut to \(length) bytes")
                } catch {
                    guard case EngineError.compression = error else { return XCTFail("\(name): unexpected \(error)") }
                }
            }
        }
    }

    func testBitFlipsNeverCrash() throws {
        let plaintext = Self.fixturePlaintext
        // (name, codec, payload, whether a checksum covers the data so any output must be correct)
        var payloads: [(String, CompressionCodec, [UInt8], Bool)] = []
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            payloads.append(("\(codec)", codec, try Self.compress(codec, plaintext), codec == .gzip))
        }
        payloads.append(("raw snappy", .snappy, [UInt8](Data(base64Encoded: Fixtures.snappyRaw)!), false))
        payloads.append(("zstd with checksum", .zstd, [UInt8](Data(base64Encoded: Fixtures.zstdCLIStream)!), true))
        payloads.append(("lz4 with checksum", .lz4, [UInt8](Data(base64Encoded: Fixtures.lz4CLI)!), true))
        var random = SeededRandom(seed: 42)
        let limit = 4 * plaintext.count
        for (name, codec, payload, checksummed) in payloads {
            for trial in 0..<300 {
                var damaged = payload
                for _ in 0...Int(random.next() % 3) {
                    let bit = Int(random.next() % UInt64(damaged.count * 8))
                    damaged[bit / 8] ^= UInt8(1 << (bit % 8))
                }
                do {
                    let output = try Self.decompress(codec, damaged, limit: limit)
                    XCTAssertLessThanOrEqual(output.count, limit)
                    if checksummed {
                        XCTAssertTrue(output == plaintext, "\(name) trial \(trial): corrupt payload decoded to wrong bytes")
                    }
                } catch {
                    guard case EngineError.compression = error else { return XCTFail("\(name): unexpected \(error)") }
                }
            }
        }
    }

    // MARK: - Decompression bombs

    func testLimitStopsDecompressionBombs() throws {
        let tenMiB = Self.compressibleBytes(count: 10 << 20)
        let limit = 1 << 20
        var payloads: [(String, CompressionCodec, [UInt8])] = []
        for codec in CompressionCodec.allCases {
            payloads.append(("\(codec)", codec, try Self.compress(codec, tenMiB)))
        }
        // A zstd frame without a content size (as zstd-jni streams write them): the streaming path.
        payloads.append(("zstd stream of 10 MiB zeros", .zstd, [UInt8](Data(base64Encoded: Fixtures.zstdBomb10MiB)!)))
        for (name, codec, payload) in payloads {
            XCTAssertThrowsError(try Self.decompress(codec, payload, limit: limit), name) { error in
                XCTAssertEqual(error as? EngineError, .compression(codec: codec.description, reason: "decompressed size exceeds limit of 1048576 bytes"))
            }
        }
        let zeros = try Self.decompress(.zstd, [UInt8](Data(base64Encoded: Fixtures.zstdBomb10MiB)!), limit: 10 << 20)
        XCTAssertEqual(zeros.count, 10 << 20)
        XCTAssertTrue(zeros.allSatisfy { $0 == 0 })
    }

    // MARK: - Helpers

    private static func compress(_ codec: CompressionCodec, _ input: [UInt8], level: Int? = nil) throws -> [UInt8] {
        var output: [UInt8] = []
        try input.withUnsafeBytes { try codec.compress($0, into: &output, level: level) }
        return output
    }

    /// Decompresses a copy of `input` that ends right before an inaccessible page, so that reading
    /// even one byte past the end of the payload crashes the test instead of going unnoticed.
    private static func decompress(_ codec: CompressionCodec, _ input: [UInt8], limit: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        try Self.withGuardedCopy(of: input) { try codec.decompress($0, into: &output, limit: limit) }
        return output
    }

    private static func withGuardedCopy(of bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let dataPages = (bytes.count + page - 1) / page
        let size = (dataPages + 1) * page
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapping != MAP_FAILED
        else { throw POSIXError(.ENOMEM) }
        defer { munmap(mapping, size) }
        let guardPage = mapping + dataPages * page
        precondition(mprotect(guardPage, page, PROT_NONE) == 0)
        let start = guardPage - bytes.count
        bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(guardPage), byteCount: bytes.count) }
        try body(UnsafeRawBufferPointer(start: start, count: bytes.count))
    }

    /// The text the fixtures compress: 40 lines, 2190 bytes.
    static let fixturePlaintext: [UInt8] = Array(
        (0..<40).map { "record \($0): the quick brown fox jumps over the lazy dog\n" }.joined().utf8)

    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var i = 0
            while i + 8 <= count {
                raw.storeBytes(of: random.next(), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < count {
                raw[i] = UInt8(truncatingIfNeeded: random.next())
                i += 1
            }
            initialized = count
        }
    }

    /// Text-like bytes that compress well but not trivially: a phrase with a changing counter.
    static func compressibleBytes(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 4096)
        var n = 0
        while bytes.count < 4096 {
            bytes.append(contentsOf: "{\"id\":\(n),\"name\":\"user-\(n % 7)\",\"active\":\(n % 3 == 0)}\n".utf8)
            n += 1
        }
        while bytes.count < count {
            bytes.append(contentsOf: bytes[..<min(bytes.count, count - bytes.count)])
        }
        return bytes
    }
}

/// A counter that several threads may bump.
private final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Payloads written by independent tools, all of `CompressionTests.fixturePlaintext`:
/// gzip 1.12, zstd 1.5.4 and lz4 1.9.4 command line tools, CPython's zlib, python-snappy 0.7 (cramjam),
/// python lz4 4.4 and zstandard 0.25 (generated once; the test needs none of them).
private enum Fixtures {
    /// `gzip -9 -n`
    static let gzipCLI = "H4sIAAAAAAACA53VyQ0CQQwF0TtROATsz54NzDQ7NJgZtuiRIALqbNXJT3aWpmZrw4V122LXftccbJX1cbZ1fdq+P11uVu8lv+Pj8v2ytm4G+ascVYEqoWqEqjGqJqiaomqGqjnbMsTBdDjj4cyHMyDOhDgj4syIMyTOlARTEvCGMCXBlARTEkxJMCXBlARTEkyJmBIxJYKvhikRUyKmREyJmBIxJfpTyQdHKU2ZjggAAA=="
    /// `gzip -n` of the first and second halves, concatenated.
    static let gzipTwoMembers = "H4sIAAAAAAAAA53SyxGCUBBE0T1RTAi0iqLZ8Hl+UBwcRdDorcIM7rrrrvpEajxayw/2Oid7jJfmanX4dLejz9aN/fA0f6dY5lv1/Vjrpyz+lVC1QtUaVRtUFajaomqHqhJVe/YyxMF0iPEQ8yEGREyIGBExI2JIRJT8AL3Yf5dHBAAAH4sIAAAAAAAAA53SyRHCMBQE0TtRTAigMWs2YIkdPgibLXqqyMB97urby0rjlbp90b0/tCdtaryu2sZbx/5yeyiepf7zef39KMduVEsbNStN2JbYZrY1bJuybca2OdsWbFuizUyJmRIzJWZKzJSYKTFTYqbETIkHKvkByAPh70cEAAA="
    /// `zlib.compress(data, 6)` (RFC 1950, which the gzip reader also accepts)
    static let zlib = "eJyd1ckNAkEMBdE7UTgE7M+eDcw0OzSYGbbokSAC6mzVyU92lqZma8OFddti137XHGyV9XG2dX3avj9dblbvJb/j4/L9srZuBvmrHFWBKqFqhKoxqiaomqJqhqo52zLEwXQ44+HMhzMgzoQ4I+LMiDMkzpQEUxLwhjAlwZQEUxJMSTAlwZQEUxJMiZgSMSWCr4YpEVMipkRMiZgSMSX6U8kHEaMFng=="
    /// `zstd -3` reading a pipe: no content size, XXH64 checksum (like zstd-jni streams, plus checksum)
    static let zstdCLIStream = "KLUv/QRYbQUAckUTGXBPOqC1lj4S6fX/3ub/vxLQmqSEqlV//Wr///+/bdu23bZtW8JAEAA8d5uEJWIyBsepinESeSwGL4YgxGJ3YAMtloRKQWHBYTpD6gIpIHAziw9EMuftZHvKztuT7ZQ9byfbU3benmyn7Hk72Z6y8/ZkO2WftxSdbCg6ZSc6byY62Up0ykh03kZ0sonolIXoBIJ4nk4mp+g8PZlO0fN0Mj1FcW4OdyAEXQYif+Kj"
    /// `zstandard.ZstdCompressor(level=5, write_content_size=True, write_checksum=False)`
    static let zstdPythonSized = "KLUv/WCOB20EAHJFExlwTzqgtZY+Eun1/97m/78S0JqkhKpVf/1q////v23btt22bVvCQBAAPHebhCViMgbHqYpxEnksBi+GIMRid2ADLZaESkFhwWE6Q+oCKagx7D3rnwFwM4sPETQEDOH//xt+zPZ2d2u7tZ3dXooORTvRmWglGok2ookoL0QJIolUSlSRVY5AIQBdBQ=="
    /// `lz4 -c`: 4 MiB linked blocks, content checksum
    static let lz4CLI = "BCJNGGRApwABAADxGXJlY29yZCAwOiB0aGUgcXVpY2sgYnJvd24gZm94IGp1bXBzIG92ZXIfAJNsYXp5IGRvZwo2AB8xNgAiHzI2ACIfMzYAIh80NgAiHzU2ACIfNjYAIh83NgAiHzg2ACIfOTYAIh8xHQIkDx4CIx8xHwIjHzEgAiMfMSECIx8xIgIjHzEjAiMfMSQCIx8xJQIjHzEmAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8zJgIjHzMmAiMfMyYCIx8zJgIjHzMmAiMfMyYCIx8zJgIjHzMmAiMfMyYCIx8zJgIXUCBkb2cKAAAAAL2jhaA="
    /// `lz4.frame.compress(block_size=64 KiB, block_linked=False, content_checksum=False, store_size=False)`
    static let lz4KafkaStyle = "BCJNGGBAggABAADxGXJlY29yZCAwOiB0aGUgcXVpY2sgYnJvd24gZm94IGp1bXBzIG92ZXIfAJNsYXp5IGRvZwo2AB8xNgAiHzI2ACIfMzYAIh80NgAiHzU2ACIfNjYAIh83NgAiHzg2ACIfOTYAIh8xHQIkDx4CIx8xHwIjHzEgAiMfMSECIx8xIgIjHzEjAiMfMSQCIx8xJQIjHzEmAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8yJgIjHzImAiMfMiYCIx8zJgIjHzMmAiMfMyYCIx8zJgIjHzMmAiMfMyYCIx8zJgIjHzMmAiMfMyYCIx8zJgIXUCBkb2cKAAAAAA=="
    /// `snappy.compress(data)`: one raw block, as librdkafka sends
    static let snappyRaw = "jhGgcmVjb3JkIDA6IHRoZSBxdWljayBicm93biBmb3gganVtcHMgb3ZlciABHyBsYXp5IGRvZwoNNgAx0jYAADLSNgAAM9I2AAA00jYAADXSNgAANtI2AAA30jYAADjSNgAAOdI2AAAx2h0C1h4CADHWHwIAMdYgAgAx1iECADHWIgIAMdYjAgAx1iQCADHWJQIAMdYmAgAy1iYCADLWJgIAMtYmAgAy1iYCADLWJgIAMtYmAgAy1iYCADLWJgIAMtYmAgAy1iYCADPWJgIAM9YmAgAz1iYCADPWJgIAM9YmAgAz1iYCADPWJgIAM9YmAgAz1iYCADO6JgI="
    /// The raw block above in xerial framing (header, big-endian length, block)
    static let snappyXerial = "glNOQVBQWQAAAAABAAAAAQAAAPuOEaByZWNvcmQgMDogdGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIAEfIGxhenkgZG9nCg02ADHSNgAAMtI2AAAz0jYAADTSNgAANdI2AAA20jYAADfSNgAAONI2AAA50jYAADHaHQLWHgIAMdYfAgAx1iACADHWIQIAMdYiAgAx1iMCADHWJAIAMdYlAgAx1iYCADLWJgIAMtYmAgAy1iYCADLWJgIAMtYmAgAy1iYCADLWJgIAMtYmAgAy1iYCADLWJgIAM9YmAgAz1iYCADPWJgIAM9YmAgAz1iYCADPWJgIAM9YmAgAz1iYCADPWJgIAM7omAg=="
    /// `head -c 10485760 /dev/zero | zstd -19`: 338 bytes, no content size
    static let zstdBomb10MiB = "KLUv/QRoTAAACAABAPz/ORACAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAwAQAHCbOFE="
}
