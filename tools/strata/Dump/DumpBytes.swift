/// How `strata dump` shows a key, value or header value: as text when the bytes are UTF-8 with no
/// control or invisible formatting characters, else as hex with a `0x` prefix; `null` when absent.
struct DumpBytes {
    enum Format: String, Encodable {
        case text, hex
    }

    /// The shown form: the text itself or `0x…`; nil for null.
    var shown: String?
    var format: Format?
    /// -1 for null, as Kafka counts.
    var size: Int

    init(_ bytes: [UInt8]?) {
        guard let bytes else {
            shown = nil
            format = nil
            size = -1
            return
        }
        size = bytes.count
        if let text = Self.printableText(bytes) {
            shown = text
            format = .text
        } else {
            shown = Self.hex(bytes)
            format = .hex
        }
    }

    /// The form used in text output; `""` for an empty value, `null` for null.
    var textForm: String {
        guard let shown else { return "null" }
        return shown.isEmpty ? "\"\"" : shown
    }

    static func printableText(_ bytes: [UInt8]) -> String? {
        // Fast path: printable ASCII (looking up Unicode properties is slow for millions of records).
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                if scalar.value < 0x20 || scalar.value == 0x7f { return nil }
                continue
            }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned:
                return nil
            default:
                continue
            }
        }
        return text
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
