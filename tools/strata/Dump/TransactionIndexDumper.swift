import Engine

/// Dumps a `.txnindex` file: one line per aborted transaction, and with `--verify` checks the
/// entries against each other and against the abort markers in the segment's `.log`.
struct TransactionIndexDumper {
    let target: DumpTarget
    let options: DumpOptions
    let output: DumpOutput

    func run() {
        let contents: IndexFileContents
        do {
            contents = try IndexFileContents(path: target.path, entrySize: AbortedTransaction.size, preallocated: false)
        } catch {
            output.failure(DumpFailure(path: target.path, message: "cannot read \(target.path): \(error)"))
            return
        }
        output.beginFile(
            FileHeaderDump(file: target.path, kind: target.kind.rawValue, baseOffset: target.baseOffset, size: Int64(contents.bytes.count)),
            kind: target.kind)
        let entries = (0..<contents.usedEntries).map { index in
            AbortedTransactionDump(file: target.path, entry: index, contents.entry(index, AbortedTransaction.init(decoding:at:)))
        }
        entries.forEach(output.abortedTransaction)
        if contents.trailingBytes > 0 {
            let start = contents.wholeEntries * contents.entrySize
            output.problem(DumpProblem(
                file: target.path, position: Int64(start),
                message: "partial entry in \(target.path) at byte \(start): the last \(contents.trailingBytes) bytes are not a whole \(contents.entrySize)-byte entry"))
        }
        if options.verify { IndexVerifier(target: target, output: output).verifyTransactionIndex(entries) }
        output.endFile(FileSummaryDump(
            file: target.path, kind: target.kind.rawValue, verified: options.verify, problems: 0, bytes: Int64(contents.bytes.count),
            entries: contents.usedEntries, unusedEntries: 0))
    }
}
