import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A helper process (moto_server, the fault proxy) that cannot outlive the tests.
///
/// The command runs under `/bin/sh`, which holds the read end of a pipe whose write end only this
/// process has: when the tests end -- normally, by a crash, or by SIGKILL -- the pipe closes, the
/// shell's `read` returns, and it kills the command. `stop()` does the same at once.
final class ManagedProcess: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let lifeline = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    /// Starts `executable arguments...`; its stdout and stderr are collected for `output(...)`.
    init(name: String, executable: String, arguments: [String], environment: [String: String]? = nil) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "\"$@\" & child=$!; trap 'kill $child 2>/dev/null; exit 0' TERM; read _ignored; kill $child 2>/dev/null; wait $child",
            "sh", executable,
        ] + arguments
        if let environment { process.environment = environment }
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.collected.append(data)
            self.lock.unlock()
        }
        // Only this process may hold the write end, or another child would keep the lifeline up.
        _ = fcntl(lifeline.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(output.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
        try process.run()
    }

    deinit {
        stop()
    }

    /// Everything the process wrote so far (stdout and stderr together).
    var outputText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    var isRunning: Bool { process.isRunning }

    /// Waits until the output holds a line matching `pattern`'s first capture group, and returns it.
    func waitForOutput(matching pattern: String, timeout: TimeInterval) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = outputText
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), match.numberOfRanges > 1,
               let range = Range(match.range(at: 1), in: text) {
                return String(text[range])
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw SupportError("\(name) did not print /\(pattern)/ within \(timeout) s; its output:\n\(outputText)")
    }

    func stop() {
        try? lifeline.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        output.fileHandleForReading.readabilityHandler = nil
    }
}

struct SupportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
