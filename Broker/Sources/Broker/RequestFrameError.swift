/// Why a connection's byte stream was not a sequence of request frames.
enum RequestFrameError: Error, Equatable, CustomStringConvertible {
    case negativeSize(Int)
    case tooLarge(size: Int, limit: Int)
    case truncated(bytes: Int)
    /// A read meant to continue an unfinished frame did not come back (it cannot happen with
    /// level-triggered epoll, which reports a socket readable only with bytes to read); the
    /// stream can no longer be split into frames.
    case lostRead(bytes: Int)

    var description: String {
        switch self {
        case .negativeSize(let size): "request frame size \(size) is negative"
        case let .tooLarge(size, limit): "request frame of \(size) bytes is larger than socket.request.max.bytes (\(limit))"
        case .truncated(let bytes): "connection closed in the middle of a request (\(bytes) byte(s) of an unfinished frame)"
        case .lostRead(let bytes): "lost the read continuing an unfinished request frame (\(bytes) byte(s) buffered)"
        }
    }
}
