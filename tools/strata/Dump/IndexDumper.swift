import Engine

/// Dumps an offset index (`.index`: `offset: N position: P`) or a time index (`.timeindex`:
/// `timestamp: T offset: N`), and with `--verify` checks it against itself and its segment's
/// `.log` (see `IndexVerifier`).
///
/// An active segment's indexes are preallocated and zero-filled past their last entry; that zero
/// tail is reported as unused entries, not dumped. A partial entry at the end is always a problem.
struct IndexDumper {
    let target: DumpTarget
    let options: DumpOptions
    let output: DumpOutput

    func run() {
        guard let entrySize = target.kind.entrySize, target.kind != .transactionIndex else { return }
        let contents: IndexFileContents
        do {
            contents = try IndexFileContents(path: target.path, entrySize: entrySize, preallocated: true)
        } catch {
            output.failure(DumpFailure(path: target.path, message: "cannot read \(target.path): \(error)"))
            return
        }
        output.beginFile(
            FileHeaderDump(file: target.path, kind: target.kind.rawValue, baseOffset: target.baseOffset, size: Int64(contents.bytes.count)),
            kind: target.kind)
        let verifier = IndexVerifier(target: target, output: output)
        if target.kind == .offsetIndex {
            let entries = (0..<contents.usedEntries).map { index in
                let raw = contents.entry(index, OffsetIndexEntry.init(decoding:at:))
                return OffsetIndexEntryDump(
                    file: target.path, entry: index, offset: target.baseOffset + Int64(raw.relativeOffset), position: Int64(raw.position))
            }
            entries.forEach(output.offsetIndexEntry)
            reportShape(contents)
            if options.verify { verifier.verifyOffsetIndex(entries) }
        } else {
            let entries = (0..<contents.usedEntries).map { index in
                let raw = contents.entry(index, TimeIndexEntry.init(decoding:at:))
                return TimeIndexEntryDump(
                    file: target.path, entry: index, timestamp: raw.timestamp, offset: target.baseOffset + Int64(raw.relativeOffset))
            }
            entries.forEach(output.timeIndexEntry)
            reportShape(contents)
            if options.verify { verifier.verifyTimeIndex(entries) }
        }
        output.endFile(FileSummaryDump(
            file: target.path, kind: target.kind.rawValue, verified: options.verify, problems: 0, bytes: Int64(contents.bytes.count),
            entries: contents.usedEntries, unusedEntries: contents.unusedEntries))
    }

    /// Unused preallocated entries (a note) and a partial last entry (a problem).
    private func reportShape(_ contents: IndexFileContents) {
        if contents.unusedEntries > 0 {
            let start = contents.usedEntries * contents.entrySize
            output.note(DumpNote(
                file: target.path,
                message: "\(contents.unusedEntries) zero entries from byte \(start) of \(target.path) are unused preallocated space (the index of an active segment, or of one that was not closed cleanly)"))
        }
        if contents.trailingBytes > 0 {
            let start = contents.wholeEntries * contents.entrySize
            output.problem(DumpProblem(
                file: target.path, position: Int64(start),
                message: "partial entry in \(target.path) at byte \(start): the last \(contents.trailingBytes) bytes are not a whole \(contents.entrySize)-byte entry"))
        }
    }
}
