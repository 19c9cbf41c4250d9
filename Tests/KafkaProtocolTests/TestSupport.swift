import TestSupport
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

/// The shared seeded generator under the name these tests use.
typealias SplitMix64 = SeededRandom
