/// A byte range of an open file, handed to the network layer to send with sendfile(2) without
/// copying the bytes through user space. Holding the region keeps the file open (see `FileDescriptor`).
public struct FileRegion: Sendable {
    public let file: FileDescriptor
    public let position: Int64
    public let length: Int

    public init(file: FileDescriptor, position: Int64, length: Int) {
        self.file = file
        self.position = position
        self.length = length
    }

    /// Copies the bytes out (tools and tests; the broker sends regions instead).
    public func readBytes() throws(EngineError) -> [UInt8] {
        try file.read(count: length, at: position)
    }
}
