/// A manually allocated byte buffer whose address stays put until it grows, so views into it can
/// be handed out between refills (the scanner's batches) without copying.
final class RawBuffer {
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        bytes = .allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit { bytes.deallocate() }

    var capacity: Int { bytes.count }

    /// Replaces the storage with a larger one; earlier views become invalid.
    func grow(to capacity: Int) {
        guard capacity > bytes.count else { return }
        bytes.deallocate()
        bytes = .allocate(byteCount: capacity, alignment: 16)
    }
}
