import Engine

/// The `--verify` checks of index files, first against themselves, then, when the segment's `.log`
/// is beside them, against its batches:
///
/// - `.index`: offsets and positions rise strictly; each entry points at the start of a batch
///   whose last offset is the entry's offset.
/// - `.timeindex`: timestamps rise and offsets do not go back; each entry's offset is in the log,
///   in a batch whose max timestamp is the entry's timestamp.
/// - `.txnindex`: version 0, first offset at most last offset, last offsets rising and in the
///   segment; each last offset is an ABORT marker of the same producer in the log.
///
/// Mismatches are reported as problems naming the entry and its byte position, Kafka-style
/// (`Index offset: 30, log offset: 31`).
struct IndexVerifier {
    let target: DumpTarget
    let output: DumpOutput

    func verifyOffsetIndex(_ entries: [OffsetIndexEntryDump]) {
        var previous: OffsetIndexEntryDump?
        for entry in entries {
            if let previous, entry.offset <= previous.offset {
                mismatch(entry.entry, "offset \(entry.offset) is not above the previous entry's offset \(previous.offset)")
            }
            if let previous, entry.position <= previous.position {
                mismatch(entry.entry, "position \(entry.position) is not above the previous entry's position \(previous.position)")
            }
            previous = entry
        }
        guard let log = locator(positions: Set(entries.map(\.position)), offsets: []) else { return }
        for entry in entries {
            if let batch = log.byPosition[entry.position] {
                if batch.lastOffset != entry.offset {
                    mismatch(entry.entry, "Index offset: \(entry.offset), log offset: \(batch.lastOffset) (the batch at byte \(entry.position) of \(log.path))")
                }
            } else if entry.position >= log.size {
                mismatch(entry.entry, "Index offset: \(entry.offset), position: \(entry.position) is past the end of \(log.path) (\(log.size) bytes)")
            } else if entry.position >= log.readableEnd {
                mismatch(entry.entry, "Index offset: \(entry.offset), position: \(entry.position) lies where \(log.path) cannot be read (past byte \(log.readableEnd))")
            } else {
                mismatch(entry.entry, "Index offset: \(entry.offset), position: \(entry.position): no batch of \(log.path) starts at that byte")
            }
        }
    }

    func verifyTimeIndex(_ entries: [TimeIndexEntryDump]) {
        var previous: TimeIndexEntryDump?
        for entry in entries {
            if let previous, entry.timestamp <= previous.timestamp {
                mismatch(entry.entry, "timestamp \(entry.timestamp) does not rise above the previous entry's timestamp \(previous.timestamp)")
            }
            if let previous, entry.offset < previous.offset {
                mismatch(entry.entry, "offset \(entry.offset) goes below the previous entry's offset \(previous.offset)")
            }
            previous = entry
        }
        guard let log = locator(positions: [], offsets: entries.map(\.offset)) else { return }
        for entry in entries {
            guard let batch = log.byOffset[entry.offset] else {
                mismatch(entry.entry, "Index timestamp: \(entry.timestamp), offset: \(entry.offset) is not in \(log.path)" + unreadableSuffix(log))
                continue
            }
            if batch.maxTimestamp != entry.timestamp {
                mismatch(entry.entry, "Index timestamp: \(entry.timestamp), log timestamp: \(batch.maxTimestamp) (offset \(entry.offset), the batch at byte \(batch.position) of \(log.path))")
            }
        }
    }

    func verifyTransactionIndex(_ entries: [AbortedTransactionDump]) {
        var previous: AbortedTransactionDump?
        for entry in entries {
            if entry.version != AbortedTransaction.currentVersion {
                mismatch(entry.entry, "unknown version \(entry.version)")
            }
            if entry.firstOffset > entry.lastOffset {
                mismatch(entry.entry, "first offset \(entry.firstOffset) is above last offset \(entry.lastOffset)")
            }
            if entry.lastOffset < target.baseOffset {
                mismatch(entry.entry, "last offset \(entry.lastOffset) is below the segment's base offset \(target.baseOffset)")
            }
            if let previous, entry.lastOffset <= previous.lastOffset {
                mismatch(entry.entry, "last offset \(entry.lastOffset) is not above the previous entry's last offset \(previous.lastOffset)")
            }
            previous = entry
        }
        guard let log = locator(positions: [], offsets: entries.map(\.lastOffset), decodeMarkers: true) else { return }
        for entry in entries {
            let at = "offset \(entry.lastOffset) of \(log.path)"
            guard let batch = log.byOffset[entry.lastOffset] else {
                mismatch(entry.entry, "the abort marker's offset \(entry.lastOffset) is not in \(log.path)" + unreadableSuffix(log))
                continue
            }
            if !batch.isControl {
                mismatch(entry.entry, "\(at) is not a control batch, where the abort marker of producer \(entry.producerId) should be")
            } else if batch.producerId != entry.producerId {
                mismatch(entry.entry, "the marker at \(at) is from producer \(batch.producerId), not \(entry.producerId)")
            } else if batch.marker != .abort {
                mismatch(entry.entry, "the marker at \(at) is \(batch.marker == .commit ? "a COMMIT" : "not a readable end-transaction marker"), not an ABORT")
            }
        }
    }

    /// The sibling log, scanned; nil (with a note) when it is missing or unreadable.
    private func locator(positions: Set<Int64>, offsets: [Int64], decodeMarkers: Bool = false) -> LogBatchLocator? {
        let path = target.siblingLogPath
        guard FileSystem.exists(path) else {
            output.note(DumpNote(file: target.path, message: "no \(path) beside \(target.path): entries checked only against each other"))
            return nil
        }
        do {
            let log = try LogBatchLocator(path: path, positions: positions, offsets: offsets, decodeMarkers: decodeMarkers)
            if let tail = log.unreadableTail { output.note(DumpNote(file: target.path, message: tail)) }
            return log
        } catch {
            output.problem(DumpProblem(file: target.path, message: "cannot check \(target.path) against \(path): \(error)"))
            return nil
        }
    }

    private func unreadableSuffix(_ log: LogBatchLocator) -> String {
        log.corruption == nil ? "" : " (it cannot be read past byte \(log.readableEnd))"
    }

    /// Entry `index` at its byte position, with what is wrong.
    private func mismatch(_ index: Int, _ reason: String) {
        let position = Int64(index * (target.kind.entrySize ?? 1))
        output.problem(DumpProblem(
            file: target.path, position: position, entry: index,
            message: "entry \(index) at byte \(position) of \(target.path): \(reason)"))
    }
}
