extension Array where Element == UInt8 {
    /// Grows the array by at most `capacity` bytes that `body` writes in place, without zero-filling
    /// them first. `body` gets the uninitialized space and returns how many bytes it wrote, from the
    /// start of that space; only those become part of the array.
    ///
    /// If `body` throws, the bytes it reported so far are not appended (nothing is), but the array's
    /// capacity may have grown.
    @inline(__always)
    mutating func appendCodecOutput(
        capacity: Int,
        _ body: (UnsafeMutableRawBufferPointer) throws(EngineError) -> Int
    ) throws(EngineError) {
        // At least one byte so that every C library sees a non-null destination pointer.
        try append(addingCapacity: Swift.max(capacity, 1)) { (span: inout OutputSpan<UInt8>) throws(EngineError) in
            try span.withUnsafeMutableBufferPointer { (buffer, initialized) throws(EngineError) in
                let written = try body(UnsafeMutableRawBufferPointer(buffer))
                precondition(written >= 0 && written <= capacity, "codec wrote outside the space it was given")
                initialized = written
            }
        }
    }
}
