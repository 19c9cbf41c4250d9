/// Big-endian loads and stores on raw memory. Kafka's formats are big-endian throughout; these
/// helpers keep that rule in one place and never assume alignment.
extension UnsafeRawBufferPointer {
    @inline(__always) func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always) func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    @inline(__always) mutating func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBigEndian(value, at: offset) }
    }

    @inline(__always) func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        withUnsafeBytes { $0.loadBigEndian(at: offset) }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies that throw `EngineError` (the standard one only rethrows `any Error`).
    @inline(__always)
    func withEngineBytes<R>(_ body: (UnsafeRawBufferPointer) throws(EngineError) -> R) throws(EngineError) -> R {
        do {
            return try withUnsafeBytes { raw in try body(raw) }
        } catch let error as EngineError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// `withUnsafeMutableBytes` for bodies that throw `EngineError`.
    @inline(__always)
    mutating func withEngineMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(EngineError) -> R) throws(EngineError) -> R {
        do {
            return try withUnsafeMutableBytes { raw in try body(raw) }
        } catch let error as EngineError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }
}
