import Foundation

/// Where everything `strata dump` reports goes, in text or JSON Lines, and the count of problems
/// that decides the exit status.
///
/// Text: the dump on standard output. Problems go to standard error as `strata dump: <message>` as
/// they are found, except with `--verify`, where each file's problems are listed on standard output
/// after its dump (`Mismatches in :<path>` for indexes, `Problems in :<path>` otherwise) followed by
/// a verdict line. Files that cannot be read at all are always reported on standard error.
///
/// JSON: one object per line on standard output, each with a `type` (`file`, `batch`,
/// `offsetIndexEntry`, `timeIndexEntry`, `abortedTransaction`, `note`, `problem`, `summary`,
/// `total`) and the `file` it is about; standard error as for text.
final class DumpOutput {
    enum Format { case text, json }

    let format: Format
    let verify: Bool
    private let out = DumpStreamWriter(descriptor: 1)
    private let err = DumpStreamWriter(descriptor: 2)
    private let encoder: JSONEncoder
    private var currentKind: SegmentFileKind?
    private var fileProblems: [DumpProblem] = []
    private(set) var files = 0
    private(set) var failedFiles = 0
    private(set) var problems = 0

    /// With `--verify`, text output lists this many problems of a file (a garbage index would
    /// otherwise bury the verdict under thousands of lines); JSON lists them all.
    static let problemsListedPerFile = 100

    init(format: Format, verify: Bool) {
        self.format = format
        self.verify = verify
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    var ok: Bool { problems == 0 }

    func beginFile(_ header: FileHeaderDump, kind: SegmentFileKind) {
        currentKind = kind
        fileProblems = []
        switch format {
        case .text:
            out.line("Dumping \(header.file)")
            out.line("Log starting offset: \(header.baseOffset)")
        case .json:
            emit(header)
        }
    }

    func batch(_ batch: BatchDump) {
        switch format {
        case .text:
            out.line(batch.text)
            for record in batch.records ?? [] { out.line(record.text) }
        case .json:
            emit(batch)
        }
    }

    func offsetIndexEntry(_ entry: OffsetIndexEntryDump) {
        format == .text ? out.line(entry.text) : emit(entry)
    }

    func timeIndexEntry(_ entry: TimeIndexEntryDump) {
        format == .text ? out.line(entry.text) : emit(entry)
    }

    func abortedTransaction(_ entry: AbortedTransactionDump) {
        format == .text ? out.line(entry.text) : emit(entry)
    }

    func producerSnapshotEntry(_ entry: ProducerSnapshotEntryDump) {
        format == .text ? out.line(entry.text) : emit(entry)
    }

    func note(_ note: DumpNote) {
        format == .text ? out.line("Note: \(note.message)") : emit(note)
    }

    func problem(_ problem: DumpProblem) {
        fileProblems.append(problem)
        problems += 1
        if format == .json { emit(problem) }
        if !verify { toStandardError(problem.message) }
    }

    /// Closes the current file; the summary's problem count is filled in here.
    func endFile(_ summary: FileSummaryDump) {
        var summary = summary
        summary.problems = fileProblems.count
        files += 1
        if !fileProblems.isEmpty { failedFiles += 1 }
        switch format {
        case .text:
            out.line("Total: \(summary.text)")
            if verify {
                let isIndex = currentKind == .offsetIndex || currentKind == .timeIndex
                let noun = isIndex ? ("mismatch", "mismatches") : ("problem", "problems")
                if !fileProblems.isEmpty {
                    out.line("\(isIndex ? "Mismatches" : "Problems") in :\(summary.file)")
                    // By position in the file (stable: problems at one place keep their order).
                    let ordered = fileProblems.enumerated().sorted { ($0.element.position ?? .max, $0.offset) < ($1.element.position ?? .max, $1.offset) }
                    for problem in ordered.prefix(Self.problemsListedPerFile) { out.line("  \(problem.element.message)") }
                    if ordered.count > Self.problemsListedPerFile {
                        out.line("  … and \(ordered.count - Self.problemsListedPerFile) more (--json lists them all)")
                    }
                }
                let count = fileProblems.count
                out.line("Verified \(summary.file): " + (count == 0 ? "OK" : "FAILED, " + FileSummaryDump.counted(Int64(count), noun.0, noun.1)))
            }
        case .json:
            emit(summary)
        }
        fileProblems = []
        currentKind = nil
    }

    /// A FILE argument that could not be dumped at all.
    func failure(_ failure: DumpFailure) {
        files += 1
        failedFiles += 1
        problems += 1
        if format == .json { emit(DumpProblem(file: failure.path, message: failure.message)) }
        toStandardError(failure.message)
    }

    /// Writes the closing verdict and flushes. Returns whether every file passed.
    @discardableResult
    func finish() -> Bool {
        let summary = FileSummaryDump.counted(Int64(problems), "problem", "problems") + " in \(failedFiles) of "
            + FileSummaryDump.counted(Int64(files), "file", "files")
        switch format {
        case .text:
            if verify {
                out.line(ok ? "Verification passed: " + FileSummaryDump.counted(Int64(files), "file", "files") : "Verification failed: \(summary)")
            } else if !ok && files > 1 {
                toStandardError(summary)
            }
        case .json:
            emit(TotalDump(files: files, failedFiles: failedFiles, problems: problems, verified: verify, ok: ok))
            if !ok { toStandardError((verify ? "verification failed: " : "") + summary) }
        }
        out.flush()
        err.flush()
        return ok
    }

    private func emit(_ value: some Encodable) {
        guard let data = try? encoder.encode(value) else { return }
        out.line(String(decoding: data, as: UTF8.self))
    }

    /// Standard output is flushed first so that, on a terminal, messages appear where they happened.
    private func toStandardError(_ message: String) {
        out.flush()
        err.line("strata dump: \(message)")
        err.flush()
    }
}
