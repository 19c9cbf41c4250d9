import CCRC32C

/// Checks a batch's framing, magic, CRC and counts before the engine stores or serves it.
enum RecordBatchValidator {
    static let minimumBatchLength = RecordBatchHeader.size - RecordBatchHeader.logOverhead

    /// Validates the batch at the start of `bytes` (which may hold more after it) and returns its
    /// header. `position` is where the batch begins in `file` (or in the request), for the error.
    /// - Parameter strictCounts: require `recordCount == lastOffsetDelta + 1`, true for batches
    ///   from producers; compacted batches on disk may hold fewer records than their offset span.
    static func validate(
        _ bytes: UnsafeRawBufferPointer, file: String?, position: Int64, strictCounts: Bool = false
    ) throws(EngineError) -> RecordBatchHeader {
        func fail(_ reason: String) -> EngineError { .corruptBatch(file: file, position: position, reason: reason) }
        guard bytes.count >= RecordBatchHeader.logOverhead else {
            throw fail("truncated: \(bytes.count) bytes, fewer than the 12 bytes of offset and length")
        }
        let framing = RecordBatchHeader.peekFraming(bytes)
        guard framing.totalSize - RecordBatchHeader.logOverhead >= minimumBatchLength else {
            throw fail("batch length \(framing.totalSize - RecordBatchHeader.logOverhead) is below the minimum of \(minimumBatchLength)")
        }
        guard bytes.count >= RecordBatchHeader.size else {
            throw fail("truncated: \(bytes.count) bytes, fewer than the 61-byte batch header")
        }
        let magic: Int8 = bytes.loadBigEndian(at: RecordBatchHeader.Field.magic)
        guard magic == RecordBatchHeader.magicV2 else {
            throw fail("unsupported magic byte \(magic): only RecordBatch v2 (magic 2) is supported")
        }
        guard bytes.count >= framing.totalSize else {
            throw fail("truncated: batch length says \(framing.totalSize) bytes, only \(bytes.count) remain")
        }
        let batch = UnsafeRawBufferPointer(rebasing: bytes[..<framing.totalSize])
        let header = RecordBatchHeader(decoding: batch)
        let computed = RecordBatchHeader.computeCRC(batch)
        guard computed == header.crc else {
            throw fail("CRC mismatch: stored \(hex(header.crc)), computed \(hex(computed))")
        }
        guard header.attributes.compression != nil else {
            throw fail("unknown compression codec \(header.attributes.rawValue & 7)")
        }
        guard header.lastOffsetDelta >= 0 else { throw fail("negative lastOffsetDelta \(header.lastOffsetDelta)") }
        guard header.recordCount >= 0, Int64(header.recordCount) <= Int64(header.lastOffsetDelta) + 1 else {
            throw fail("record count \(header.recordCount) does not fit lastOffsetDelta \(header.lastOffsetDelta)")
        }
        guard header.baseOffset >= 0, header.baseOffset <= Int64.max - Int64(header.lastOffsetDelta) else {
            throw fail("base offset \(header.baseOffset) is out of range")
        }
        if strictCounts {
            guard header.recordCount > 0, Int64(header.recordCount) == Int64(header.lastOffsetDelta) + 1 else {
                throw fail("record count \(header.recordCount) must be lastOffsetDelta + 1 = \(Int64(header.lastOffsetDelta) + 1)")
            }
            if header.attributes.compression == CompressionCodec.none {
                try checkRecordFraming(batch, header: header, fail: fail)
            }
        }
        return header
    }

    /// Walks an uncompressed batch's records without decoding them: their count, lengths and
    /// offset deltas must agree with the header and fill the batch exactly.
    private static func checkRecordFraming(
        _ batch: UnsafeRawBufferPointer, header: RecordBatchHeader, fail: (String) -> EngineError
    ) throws(EngineError) {
        let section = UnsafeRawBufferPointer(rebasing: batch[RecordBatchHeader.size...])
        // The append path's hot loop: a pointer walk with one-byte varint fast paths. Only when it
        // finds a problem does the slower walk below run, to say exactly what and where.
        if framingIsValid(section, count: header.recordCount, lastOffsetDelta: header.lastOffsetDelta) { return }
        var cursor = 0
        var last: Int64 = -1
        for index in 0..<header.recordCount {
            let delta: Int64
            do {
                delta = try Record.skip(section, at: &cursor)
            } catch {
                throw fail("record \(index) at byte \(error.position) of the records section: \(error.reason)")
            }
            guard delta > last, delta <= Int64(header.lastOffsetDelta) else {
                throw fail("record \(index) has offset delta \(delta) out of order")
            }
            last = delta
        }
        guard cursor == section.count else { throw fail("\(section.count - cursor) bytes follow the last of \(header.recordCount) records") }
    }

    /// True when the section holds exactly `count` records whose lengths frame it and whose offset
    /// deltas rise up to at most `lastOffsetDelta`. Runs for every record a producer sends (10,000
    /// per MiB of 100-byte records), so the loop is in C (`CCRC32C/record_framing.c`).
    @inline(__always)
    static func framingIsValid(_ section: UnsafeRawBufferPointer, count: Int32, lastOffsetDelta: Int32) -> Bool {
        guard let base = section.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return count == 0 }
        return strata_record_framing_is_valid(base, section.count, count, lastOffsetDelta) != 0
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
