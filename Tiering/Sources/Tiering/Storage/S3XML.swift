/// Just enough XML for S3's answers (ListBucketResult, InitiateMultipartUploadResult, Error,
/// CompleteMultipartUploadResult) and the one body Strata sends (CompleteMultipartUpload).
///
/// S3's XML is small, flat and machine-written: elements, text, the five named entities and
/// numeric character references, an `<?xml?>` declaration, perhaps comments or CDATA. Namespaces
/// are ignored (element names are matched without their prefix). Anything malformed gives nil,
/// which callers report as an unreadable answer; nothing here trusts the input.
struct S3XML: Equatable, Sendable {
    var name: String
    var text: String
    var children: [S3XML]

    /// The first child element with this name.
    func child(_ name: String) -> S3XML? {
        children.first { $0.name == name }
    }

    func children(named name: String) -> [S3XML] {
        children.filter { $0.name == name }
    }

    /// The text of the first child with this name.
    subscript(_ name: String) -> String? {
        child(name)?.text
    }

    // MARK: Parsing

    /// The document's root element, or nil if `bytes` are not well-formed enough to read.
    static func parse(_ bytes: [UInt8]) -> S3XML? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func document() -> S3XML? {
            skipMisc()
            guard let root = element() else { return nil }
            skipMisc()
            return index == bytes.count ? root : nil
        }

        /// Skips white space, `<?...?>`, `<!--...-->` and `<!DOCTYPE ...>` between elements.
        mutating func skipMisc() {
            while index < bytes.count {
                if isSpace(bytes[index]) {
                    index += 1
                } else if starts(with: "<?") {
                    guard skip(past: "?>") else { return }
                } else if starts(with: "<!--") {
                    guard skip(past: "-->") else { return }
                } else if starts(with: "<!") && !starts(with: "<![CDATA[") {
                    guard skip(past: ">") else { return }
                } else {
                    return
                }
            }
        }

        /// S3's documents are three or four levels deep; a deeper one is refused rather than
        /// followed down the stack.
        static let maximumDepth = 32

        mutating func element(depth: Int = 0) -> S3XML? {
            guard depth < Self.maximumDepth, index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return nil }
            index += 1
            guard let name = readName() else { return nil }
            // Attributes are skipped (S3 only puts xmlns there), minding quoted values.
            var quote: UInt8? = nil
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") {
                    break
                }
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "/") {
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else { return nil }
                index += 2
                return S3XML(name: localName(name), text: "", children: [])
            }
            index += 1  // '>'
            var text = [UInt8]()
            var children: [S3XML] = []
            while index < bytes.count {
                if starts(with: "</") {
                    index += 2
                    guard readName() == name else { return nil }
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { return nil }
                    index += 1
                    let decoded = children.isEmpty ? String(decoding: text, as: UTF8.self) : ""
                    return S3XML(name: localName(name), text: decoded, children: children)
                } else if starts(with: "<![CDATA[") {
                    index += 9
                    let start = index
                    guard skip(past: "]]>") else { return nil }
                    text.append(contentsOf: bytes[start..<(index - 3)])
                } else if starts(with: "<!--") || starts(with: "<?") {
                    guard skip(past: starts(with: "<!--") ? "-->" : "?>") else { return nil }
                } else if bytes[index] == UInt8(ascii: "<") {
                    guard let child = element(depth: depth + 1) else { return nil }
                    children.append(child)
                } else if bytes[index] == UInt8(ascii: "&") {
                    guard let decoded = entity() else { return nil }
                    text.append(contentsOf: decoded)
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
            return nil
        }

        /// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#NN;` `&#xNN;`, as UTF-8 bytes.
        mutating func entity() -> [UInt8]? {
            guard let end = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { return nil }
            let body = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            index = end + 1
            switch body {
            case "amp": return [UInt8(ascii: "&")]
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default:
                let scalarValue: UInt32?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    scalarValue = UInt32(body.dropFirst(2), radix: 16)
                } else if body.hasPrefix("#") {
                    scalarValue = UInt32(body.dropFirst(1))
                } else {
                    scalarValue = nil
                }
                guard let value = scalarValue, let scalar = Unicode.Scalar(value) else { return nil }
                return Array(String(Character(scalar)).utf8)
            }
        }

        mutating func readName() -> String? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "<") { break }
                index += 1
            }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        func localName(_ name: String) -> String {
            name.split(separator: ":").last.map(String.init) ?? name
        }

        func starts(with prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return prefix.withUTF8Buffer { buffer in
                for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
                return true
            }
        }

        /// Moves past the next occurrence of `terminator`; false if there is none.
        mutating func skip(past terminator: StaticString) -> Bool {
            while index < bytes.count {
                if starts(with: terminator) {
                    index += terminator.utf8CodeUnitCount
                    return true
                }
                index += 1
            }
            return false
        }

        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d
        }
    }

    // MARK: Writing

    /// `text` with the characters XML reserves replaced by entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
