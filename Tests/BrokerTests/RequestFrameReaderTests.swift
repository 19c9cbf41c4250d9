import NIOCore
import NIOEmbedded
import TestSupport
import XCTest

@testable import Broker

final class RequestFrameReaderTests: XCTestCase {
    private var target: RequestFrameRecvAllocator.Target!
    private var allocator: RequestFrameRecvAllocator!
    private var channel: EmbeddedChannel!

    override func setUp() {
        target = RequestFrameRecvAllocator.Target()
        allocator = RequestFrameRecvAllocator(target: target)
        channel = EmbeddedChannel(handler: RequestFrameReader(maxFrameBytes: 1 << 20, target: target))
    }

    override func tearDown() {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    private func frame(_ body: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: Int32(body.count).bigEndian, Array.init) + body
    }

    private func body(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    /// What NIO does on a readable socket: asks the allocator for a buffer (the pending frame's,
    /// when there is one), reads into its writable bytes, reports the count, fires the buffer.
    private func socketRead(_ bytes: ArraySlice<UInt8>) throws -> Int {
        var buffer = allocator.buffer(allocator: channel.allocator)
        let count = min(bytes.count, buffer.writableBytes)
        buffer.writeBytes(bytes.prefix(count))
        XCTAssertTrue(allocator.record(actualReadBytes: count))
        try channel.writeInbound(buffer)
        return count
    }

    private func frames() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) { out.append(Array(frame.readableBytesView)) }
        return out
    }

    func testFramesWithinOneReadAreSlicesOfIt() throws {
        let bytes = frame(body(10, seed: 1)) + frame([]) + frame(body(300, seed: 2))
        var read = channel.allocator.buffer(bytes: bytes)
        read.reserveCapacity(bytes.count)
        let base = read.readableBytesAddress
        try channel.writeInbound(read)
        var addresses: [UInt] = []
        var bodies: [[UInt8]] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) {
            addresses.append(frame.readableBytesAddress)
            bodies.append(Array(frame.readableBytesView))
        }
        XCTAssertEqual(bodies, [body(10, seed: 1), [], body(300, seed: 2)])
        XCTAssertEqual(addresses[0], base + 4)
        XCTAssertEqual(addresses[2], base + 4 + 10 + 4 + 4)
        XCTAssertNil(target.pending)
    }

    /// The heart of it: the frame's rest is read into the buffer that holds its start, up to
    /// exactly its end, and the frame passed on is that memory (no copy joins the reads).
    func testAnUnfinishedFrameIsReadIntoOneBufferUpToItsEnd() throws {
        let big = body(300_000, seed: 3)
        let stream = frame(body(20, seed: 4)) + frame(big) + frame(body(7, seed: 5))
        var offset = 0
        var first = channel.allocator.buffer(capacity: 16_384)
        first.writeBytes(stream[0..<16_384])
        offset = 16_384
        try channel.writeInbound(first)
        XCTAssertEqual(try frames(), [body(20, seed: 4)])
        XCTAssertNil(allocator.nextBufferSize(), "a pending frame: the pool must ask for its buffer")
        let pendingAddress = try XCTUnwrap(target.pending).readableBytesAddress

        do {  // (a reference kept past the check would make the read below copy the buffer first)
            let pending = try XCTUnwrap(target.pending)
            XCTAssertEqual(pending.capacity - pending.writerIndex, 4 + 20 + 4 + 300_000 - 16_384, "room for exactly the frame's rest")
        }
        offset += try socketRead(stream[offset..<(offset + 100_000)])
        XCTAssertEqual(try frames(), [])
        XCTAssertEqual(try XCTUnwrap(target.pending).readableBytesAddress, pendingAddress, "the same buffer continues")

        offset += try socketRead(stream[offset...])
        XCTAssertEqual(offset, 4 + 20 + 4 + 300_000, "the read stopped at the frame's end")
        let done = try XCTUnwrap(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertEqual(Array(done.readableBytesView), big)
        XCTAssertEqual(done.readableBytesAddress, pendingAddress + 4, "the frame is the memory the reads went into")
        XCTAssertNil(target.pending)
        XCTAssertNotNil(allocator.nextBufferSize())

        offset += try socketRead(stream[offset...])
        XCTAssertEqual(try frames(), [body(7, seed: 5)])
    }

    func testASizeSplitAcrossReadsIsJoined() throws {
        let stream = frame(body(50, seed: 6))
        var offset = 0
        for cut in [2, 3, 30, stream.count] {
            offset += try socketRead(stream[offset..<cut])
        }
        XCTAssertEqual(try frames(), [body(50, seed: 6)])
    }

    /// Reads that did not go through the allocator (as in this test's plain buffers) still join.
    func testReadsIntoOtherBuffersAreJoined() throws {
        let stream = frame(body(5_000, seed: 7)) + frame(body(3, seed: 8))
        for chunk in stride(from: 0, to: stream.count, by: 999) {
            try channel.writeInbound(channel.allocator.buffer(bytes: stream[chunk..<min(chunk + 999, stream.count)]))
        }
        XCTAssertEqual(try frames(), [body(5_000, seed: 7), body(3, seed: 8)])
    }

    func testRandomSplitsGiveBackTheFramesSent() throws {
        var generator = SeededRandom(seed: 42)
        let bodies = (0..<60).map { i in body(Int.random(in: 0...(i % 7 == 0 ? 200_000 : 3_000), using: &generator), seed: UInt8(i)) }
        let stream = bodies.flatMap(frame)
        var offset = 0
        while offset < stream.count {
            let chunk = min(stream.count - offset, Int.random(in: 1...70_000, using: &generator))
            if Bool.random(using: &generator) || target.pending == nil {
                offset += try socketRead(stream[offset..<(offset + chunk)])
            } else {
                try channel.writeInbound(channel.allocator.buffer(bytes: stream[offset..<(offset + chunk)]))
                offset += chunk
            }
        }
        XCTAssertEqual(try frames(), bodies)
        XCTAssertNil(target.pending)
    }

    func testNegativeAndOversizedSizesFailBeforeBuffering() throws {
        XCTAssertThrowsError(try channel.writeInbound(channel.allocator.buffer(bytes: frame([1, 2]) + [0xff, 0xff, 0xff, 0xfe, 9]))) {
            XCTAssertEqual($0 as? RequestFrameError, .negativeSize(-2))
        }
        XCTAssertEqual(try frames(), [[1, 2]])
        XCTAssertNil(target.pending)

        setUp()
        XCTAssertThrowsError(try channel.writeInbound(channel.allocator.buffer(bytes: withUnsafeBytes(of: Int32(2 << 20).bigEndian, Array.init)))) {
            XCTAssertEqual($0 as? RequestFrameError, .tooLarge(size: 2 << 20, limit: 1 << 20))
        }
        XCTAssertNil(target.pending)
    }

    func testEndOfStreamInsideAFrameIsReportedAsTruncated() throws {
        _ = try socketRead(frame(body(100, seed: 9))[0..<40])
        try channel.close().wait()
        XCTAssertThrowsError(try channel.throwIfErrorCaught()) { XCTAssertEqual($0 as? RequestFrameError, .truncated(bytes: 40)) }

        // the read that would have continued the frame met the end of the stream instead
        setUp()
        _ = try socketRead(frame(body(100, seed: 9))[0..<40])
        _ = allocator.buffer(allocator: channel.allocator)
        try channel.close().wait()
        XCTAssertThrowsError(try channel.throwIfErrorCaught()) { XCTAssertEqual($0 as? RequestFrameError, .truncated(bytes: 40)) }
    }

    func testAReadThatDoesNotContinueTheHandedOutBufferFailsTheConnection() throws {
        _ = try socketRead(frame(body(100, seed: 10))[0..<40])
        _ = allocator.buffer(allocator: channel.allocator)
        XCTAssertThrowsError(try channel.writeInbound(channel.allocator.buffer(bytes: body(60, seed: 11)))) {
            XCTAssertEqual($0 as? RequestFrameError, .lostRead(bytes: 40))
        }
        XCTAssertEqual(try frames(), [])
    }
}
