import Foundation

/// Prints a report as one JSON document on standard output.
enum PerfJSON {
    static func print<Report: Encodable>(_ report: Report) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
