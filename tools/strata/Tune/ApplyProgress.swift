import Dispatch
import Engine
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The progress of `strata tune apply` on standard error: on a terminal, one bar redrawn in place
/// (`compacting users-0 (1/2) [#########...........] 45%  1.2 MiB of 2.6 MiB`); otherwise, for
/// logs and pipes, a plain line per step and at most one progress line a second per partition.
final class ApplyProgress {
    let isTerminal: Bool
    private let output: TuneOutput
    private var current: TopicPartition?
    private var position = 0
    private var count = 0
    private var lastReport: UInt64 = 0
    private var lastPercent = -1
    /// Cleaning passes of the current partition: a pass starts over at 0 (more passes when the
    /// dedupe buffer cannot hold every dirty key at once).
    private var pass = 0
    private var lastDone: Int64 = 0
    private var lastTotal: Int64 = -1
    private var barShown = false
    static let width = 30

    init(output: TuneOutput) {
        self.output = output
        isTerminal = isatty(2) == 1
    }

    /// A step: printed as is (after clearing the bar on a terminal).
    func step(_ message: String) {
        clearBar()
        output.progressLine("strata tune apply: \(message)")
    }

    /// The cleaner's callback: bytes done and to do in the current pass of `partition`.
    func update(_ partition: TopicPartition, done: Int64, total: Int64, of partitions: Int) {
        if partition != current {
            finishBar()
            current = partition
            position += 1
            count = partitions
            lastPercent = -1
            lastReport = 0
            pass = 0
            lastTotal = -1
            if !isTerminal { output.progressLine("strata tune apply: compacting \(partition) (\(position) of \(count))") }
        }
        if total != lastTotal || done < lastDone {
            pass += 1
            lastPercent = -1
        }
        lastDone = done
        lastTotal = total
        let passText = pass > 1 ? ", pass \(pass)" : ""
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let percent = Int(fraction * 100)
        let now = DispatchTime.now().uptimeNanoseconds
        if isTerminal {
            guard percent != lastPercent || now - lastReport > 200_000_000 else { return }
            let filled = Int(fraction * Double(Self.width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.width - filled)
            let text = "\r\u{1B}[2Kcompacting \(partition) (\(position)/\(count)\(passText)) [\(bar)] \(percent)%  \(TuneFormat.bytes(done)) of \(TuneFormat.bytes(total))"
            writeRaw(text)
            barShown = true
        } else {
            guard percent == 100 ? lastPercent != 100 : now - lastReport >= 1_000_000_000 else { return }
            output.progressLine("strata tune apply: compacting \(partition)\(passText): \(percent)% (\(TuneFormat.bytes(done)) of \(TuneFormat.bytes(total)))")
        }
        lastPercent = percent
        lastReport = now
    }

    /// Ends the bar line on a terminal.
    func finishBar() {
        guard barShown else { return }
        writeRaw("\n")
        barShown = false
    }

    private func clearBar() {
        guard barShown else { return }
        writeRaw("\r\u{1B}[2K")
        barShown = false
    }

    private func writeRaw(_ text: String) {
        output.flush()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
