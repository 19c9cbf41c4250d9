/// Builds the cleaned copy of one batch from the records it keeps. Offsets never change: the
/// batch keeps its base offset and its lastOffsetDelta (so producer sequence numbers still map),
/// and the kept records keep their offset deltas; only the record count, the CRC and, when a
/// delete horizon is set (KIP-534), the base timestamp change.
enum BatchRewriter {
    /// Appends the rewritten batch to `output`.
    /// - Parameters:
    ///   - section: the batch's uncompressed records section.
    ///   - horizon: when non-nil, the batch gets the has-delete-horizon attribute and this value as
    ///     its base timestamp; record timestamp deltas are re-based so timestamps stay the same.
    static func rewrite(
        header original: RecordBatchHeader, section: UnsafeRawBufferPointer, keep records: [RawRecord], horizon: Int64?,
        into output: inout [UInt8], scratch: inout [UInt8]
    ) throws(EngineError) {
        scratch.removeAll(keepingCapacity: true)
        var header = original
        if let horizon {
            header.attributes.hasDeleteHorizon = true
            header.baseTimestamp = horizon
        }
        for record in records {
            if horizon == nil || horizon == original.baseTimestamp {
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: section[record.bytes]))
                continue
            }
            let rebased = record.timestampDelta &+ original.baseTimestamp &- header.baseTimestamp
            let rest = UnsafeRawBufferPointer(rebasing: section[record.afterTimestamp..<record.bytes.upperBound])
            let bodyLength = 1 + Varint.signedSize(rebased) + rest.count
            Varint.appendSigned(Int64(bodyLength), to: &scratch)
            scratch.append(0)  // record attributes: unused, always 0
            Varint.appendSigned(rebased, to: &scratch)
            scratch.append(contentsOf: rest)
        }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: RecordBatchHeader.size))
        let codec = original.attributes.compression ?? .none
        if codec == .none {
            output.append(contentsOf: scratch)
        } else {
            try scratch.withEngineBytes { (raw) throws(EngineError) in try codec.compress(raw, into: &output) }
        }
        header.recordCount = Int32(records.count)
        seal(header, at: start, in: &output)
    }

    /// Appends the batch with none of its records: the header alone, uncompressed (Kafka's empty
    /// batch), keeping its offsets, producer id, epoch and sequence, timestamps and flags.
    static func writeEmpty(header original: RecordBatchHeader, into output: inout [UInt8]) {
        var header = original
        header.attributes.rawValue &= ~0x7  // codec bits: none
        header.recordCount = 0
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: RecordBatchHeader.size))
        seal(header, at: start, in: &output)
    }

    /// Sets the length, encodes `header` over the batch at `start` (which runs to the end of
    /// `output`) and stores its CRC.
    private static func seal(_ original: RecordBatchHeader, at start: Int, in output: inout [UInt8]) {
        var header = original
        header.batchLength = Int32(output.count - start - RecordBatchHeader.logOverhead)
        output.withUnsafeMutableBytes { raw in
            let batch = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            header.encode(into: batch)
            batch.storeBigEndian(RecordBatchHeader.computeCRC(UnsafeRawBufferPointer(batch)), at: RecordBatchHeader.Field.crc)
        }
    }
}
