import Engine

/// Dumps a `.log` file: one line per batch, with `--records` its records, and with `--verify`
/// every check the engine's recovery makes (framing, magic, CRC, counts, offsets increasing,
/// records that decode).
///
/// Batches are read with the engine's `LogFileScanner` for framing only, then each is validated on
/// its own, so that a batch failing its CRC is still shown (`isvalid: false`). Without `--verify`
/// the dump stops at the first invalid batch; with it, reading goes on as long as the framing
/// holds. A framing error (a torn or misframed batch) always ends the file.
struct SegmentDumper {
    let target: DumpTarget
    let options: DumpOptions
    let output: DumpOutput

    func run() {
        let file: FileDescriptor
        let size: Int64
        do {
            file = try FileDescriptor(path: target.path, mode: .readOnly)
            size = try file.size()
        } catch {
            output.failure(DumpFailure(path: target.path, message: "cannot read \(target.path): \(error)"))
            return
        }
        output.beginFile(FileHeaderDump(file: target.path, kind: target.kind.rawValue, baseOffset: target.baseOffset, size: size), kind: .log)
        var counts = (batches: 0, records: Int64(0))
        do {
            try scan(file, size: size, counts: &counts)
        } catch {
            output.problem(DumpProblem(file: target.path, message: "cannot read \(target.path): \(error)"))
        }
        if size == 0 {
            output.note(DumpNote(file: target.path, message: "\(target.path) is empty: the segment holds no batches yet"))
        }
        output.endFile(FileSummaryDump(
            file: target.path, kind: target.kind.rawValue, verified: options.verify, problems: 0, bytes: size,
            batches: counts.batches, records: counts.records))
    }

    /// Reads every batch; throws only I/O errors (corruption is reported as problems).
    private func scan(_ file: FileDescriptor, size: Int64, counts: inout (batches: Int, records: Int64)) throws(EngineError) {
        var scanner = try LogFileScanner(file: file, validateCRC: false)
        var previous: (lastOffset: Int64, position: Int64)?
        while true {
            let next: LogFileScanner.Batch?
            do {
                next = try scanner.next()
            } catch {
                guard case let .corruptBatch(_, position, _) = error else { throw error }
                output.problem(DumpProblem(file: target.path, position: position, message: error.description + (try tail(of: file, at: position, size: size))))
                return
            }
            guard let batch = next else { return }
            counts.batches += 1
            guard inspect(batch, fileSize: size, previous: &previous, records: &counts.records) else { return }
        }
    }

    /// Validates, prints and checks one framed batch. Returns whether to read on.
    private func inspect(
        _ batch: LogFileScanner.Batch, fileSize: Int64, previous: inout (lastOffset: Int64, position: Int64)?, records total: inout Int64
    ) -> Bool {
        let header = batch.header
        var validated: RecordBatch?
        var invalid: EngineError?
        do {
            validated = try RecordBatch(bytes: Array(batch.bytes), file: target.path, position: batch.position)
        } catch {
            invalid = error
        }
        var records: [RecordDump]? = options.records ? [] : nil
        var undecodable: EngineError?
        if let validated, options.records || options.verify {
            do {
                let decoded = try validated.records(file: target.path, position: batch.position)
                if options.records { records = decoded.map { RecordDump($0, header: header) } }
            } catch {
                undecodable = error
            }
        }
        output.batch(BatchDump(file: target.path, position: batch.position, header: header, isValid: invalid == nil, records: records))

        if let invalid {
            let end = batch.position + Int64(header.totalSize)
            var message = invalid.description
            if end == fileSize { message += " (torn tail: the last batch of the file, which recovery cuts)" }
            if !options.verify && end < fileSize { message += " (the dump stops here; --verify checks the rest of the file)" }
            output.problem(DumpProblem(file: target.path, position: batch.position, message: message))
            return options.verify
        }
        total += Int64(header.recordCount)
        if let undecodable {
            output.problem(DumpProblem(file: target.path, position: batch.position, message: undecodable.description))
        }
        if options.verify {
            for reason in offsetProblems(header, previous: previous) {
                let error = EngineError.corruptBatch(file: target.path, position: batch.position, reason: reason)
                output.problem(DumpProblem(file: target.path, position: batch.position, message: error.description))
            }
        }
        previous = (header.lastOffset, batch.position)
        return true
    }

    /// Offsets must rise strictly from batch to batch and fit the segment's 32-bit relative offsets.
    private func offsetProblems(_ header: RecordBatchHeader, previous: (lastOffset: Int64, position: Int64)?) -> [String] {
        var reasons: [String] = []
        if header.baseOffset < target.baseOffset {
            reasons.append("base offset \(header.baseOffset) is below the segment's base offset \(target.baseOffset)")
        }
        if let previous, header.baseOffset <= previous.lastOffset {
            reasons.append("offsets go backwards: base offset \(header.baseOffset) is not above last offset \(previous.lastOffset) of the batch at byte \(previous.position)")
        }
        if header.lastOffset - target.baseOffset > Int64(UInt32.max) {
            reasons.append("last offset \(header.lastOffset) is too far above the segment's base offset \(target.baseOffset) for 32-bit relative offsets")
        }
        return reasons
    }

    /// What is left after a framing error, in the terms of the engine's recovery: a torn tail (too
    /// short for a batch, a batch running past the end, or zeros to the end) is cut as the normal
    /// result of a crash; anything else is corruption with data after it.
    private func tail(of file: FileDescriptor, at position: Int64, size: Int64) throws(EngineError) -> String {
        let remaining = size - position
        let span = "the last \(remaining) bytes, from byte \(position)"
        switch try LogTail.classify(file, from: position, to: size) {
        case .tornBatch: return " (torn tail: \(span), hold no whole batch)"
        case .zeroFill: return " (zero-filled tail: \(span), are zeros, as a crash can leave them)"
        case .corruption: return " (\(remaining) bytes from byte \(position) to the end of the file were not read)"
        }
    }
}
