import NIOCore
import XCTest
import KafkaProtocol

extension ByteBuffer {
    /// A buffer holding the bytes of a hex string (whitespace ignored).
    init(hex: String) {
        let digits = Array(hex.unicodeScalars.filter { !$0.properties.isWhitespace })
        precondition(digits.count % 2 == 0, "odd hex length")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            bytes.append(UInt8(String(digits[i]) + String(digits[i + 1]), radix: 16)!)
            i += 2
        }
        self.init(bytes: bytes)
    }

    var hexString: String {
        readableBytesView.map { String(format: "%02x", $0) }.joined()
    }
}

/// Asserts that `body` throws a `KafkaProtocolError` and returns it.
@discardableResult
func assertKafkaError<T>(_ body: @autoclosure () throws -> T, _ message: String = "",
                         file: StaticString = #filePath, line: UInt = #line) -> KafkaProtocolError? {
    do {
        _ = try body()
        XCTFail("expected a KafkaProtocolError \(message)", file: file, line: line)
    } catch let e as KafkaProtocolError {
        return e
    } catch {
        XCTFail("expected a KafkaProtocolError, got \(error) \(message)", file: file, line: line)
    }
    return nil
}

/// A small deterministic PRNG (SplitMix64) so fuzz-style tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
