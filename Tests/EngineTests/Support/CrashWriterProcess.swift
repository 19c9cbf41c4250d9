import Foundation
import XCTest

/// Runs `strata-crash-writer` as a separate process and SIGKILLs it, for the crash tests.
enum CrashWriterProcess {
    /// Starts the writer with `arguments`, waits until it prints READY (it has recovered and
    /// started appending), lets it run `delay` more milliseconds, SIGKILLs it and returns its
    /// complete output lines (a line cut by the kill is not an acknowledgement).
    static func runAndKill(_ writer: String, arguments: [String], afterMilliseconds delay: Int,
                           file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: writer)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let reader = stdout.fileHandleForReading
        var data = Data()
        let deadline = Date().addingTimeInterval(20)
        while !String(decoding: data, as: UTF8.self).contains("READY"), Date() < deadline, process.isRunning {
            data.append(reader.availableData)
        }
        usleep(useconds_t(delay * 1000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        data.append(reader.readDataToEndOfFile())
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("READY"), "writer did not start: \(String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))",
                      file: file, line: line)
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, file: file, line: line)
        return text.split(separator: "\n").dropLast(text.hasSuffix("\n") ? 0 : 1).map(String.init)
    }
}
