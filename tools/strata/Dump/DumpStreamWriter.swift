#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered line output to a file descriptor (standard output or error). A dump of a large segment
/// is millions of lines; this writes them in 64 KiB chunks.
final class DumpStreamWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let chunk = 1 << 16

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.chunk + 4096)
    }

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.chunk { flush() }
    }

    func flush() {
        var done = 0
        buffer.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return // the reader went away (EPIPE) or the disk is full: nothing more to say
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
