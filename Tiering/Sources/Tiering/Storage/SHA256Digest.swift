import COpenSSLCrypto

/// SHA-256 and HMAC-SHA256 over libcrypto, the two primitives AWS Signature Version 4 needs.
enum SHA256Digest {
    static let byteCount = 32

    /// The SHA-256 of `count` bytes at `pointer`.
    static func hash(_ pointer: UnsafeRawPointer?, count: Int) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBytes { out in
            EVP_Digest(pointer ?? UnsafeRawPointer(bitPattern: 1), count, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == UInt32(byteCount), "libcrypto EVP_Digest(SHA-256) failed")
        return digest
    }

    static func hash(_ bytes: [UInt8], count: Int? = nil) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0.baseAddress, count: count ?? $0.count) }
    }

    static func hash(_ text: String) -> [UInt8] {
        hash(Array(text.utf8))
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                mac.withUnsafeMutableBytes { out in
                    HMAC(
                        EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
                }
            }
        }
        precondition(result != nil && length == UInt32(byteCount), "libcrypto HMAC(SHA-256) failed")
        return mac
    }

    static func hmac(key: [UInt8], _ message: String) -> [UInt8] {
        hmac(key: key, Array(message.utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The hex SHA-256 of no bytes, the payload hash of every bodiless request.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
