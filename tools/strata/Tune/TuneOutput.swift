import Foundation

/// Where a `strata tune` subcommand writes: results on standard output (text or one JSON
/// document), warnings and errors on standard error as `strata tune <subcommand>: <message>`.
/// Standard output is reused from `strata dump` (`DumpStreamWriter`), buffered and flushed at the end.
final class TuneOutput {
    let subcommand: String
    let json: Bool
    private let out = DumpStreamWriter(descriptor: 1)
    private let err = DumpStreamWriter(descriptor: 2)

    init(subcommand: String, json: Bool) {
        self.subcommand = subcommand
        self.json = json
    }

    func line(_ text: String = "") { out.line(text) }

    /// One JSON document (keys sorted, pretty-printed) on standard output.
    func document(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            let data = try encoder.encode(value)
            out.line(String(decoding: data, as: UTF8.self))
        } catch {
            warn("could not encode the JSON output: \(error)")
        }
    }

    /// `strata tune <subcommand>: <message>` on standard error (standard output is flushed first,
    /// so that on a terminal the message appears where it happened).
    func warn(_ message: String) {
        out.flush()
        err.line("strata tune \(subcommand): \(message)")
        err.flush()
    }

    /// A bare line on standard error (progress).
    func progressLine(_ text: String) {
        err.line(text)
        err.flush()
    }

    func flush() {
        out.flush()
        err.flush()
    }
}
