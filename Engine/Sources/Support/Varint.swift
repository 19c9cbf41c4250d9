/// Kafka's variable-length integers (protobuf style): zig-zag signed varints for record fields,
/// at most 5 bytes for 32-bit and 10 bytes for 64-bit values.
enum Varint {
    /// Reads a zig-zag varlong at `position`, advancing it. Returns nil when the bytes run out or
    /// the encoding is longer than 10 bytes, so callers can name the field that was malformed.
    @inline(__always)
    static func readSigned(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) -> Int64? {
        guard let raw = readUnsigned(bytes, &position, maxBytes: 10) else { return nil }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inline(__always)
    static func readUnsigned(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, maxBytes: Int = 10) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = position
        let end = bytes.count
        while index < end, index - position < maxBytes {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                position = index
                return result
            }
            shift += 7
        }
        return nil
    }

    static func appendSigned(_ value: Int64, to output: inout [UInt8]) {
        appendUnsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &output)
    }

    static func appendUnsigned(_ value: UInt64, to output: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        output.append(UInt8(v))
    }

    /// Bytes `appendSigned` would write.
    static func signedSize(_ value: Int64) -> Int {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }
}
