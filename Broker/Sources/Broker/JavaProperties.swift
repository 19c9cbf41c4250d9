/// A parser for the Java `.properties` format that `server.properties` uses
/// (`java.util.Properties.load`): `key=value`, `key: value` or `key value`; `#` and `!` comment
/// lines; a trailing backslash continues a line (leading blanks of the next line dropped);
/// escapes `\t \n \r \f \uXXXX`, and a backslash before any other character keeps that character.
/// Later keys win, as in Java.
public enum JavaProperties {
    /// Parses the text of a properties file into key/value pairs, in file order.
    public static func parse(_ text: String) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for line in logicalLines(text) {
            let (key, value) = split(line)
            pairs.append((unescape(key), unescape(value)))
        }
        return pairs
    }

    /// Joins continuation lines and drops blank and comment lines.
    static func logicalLines(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var continuing = false
        let physical = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for raw in physical {
            var line = Substring(raw)
            // Leading whitespace is never part of a key (nor of a continued value).
            while let first = line.first, first == " " || first == "\t" || first == "\u{0C}" { line.removeFirst() }
            if !continuing {
                if line.isEmpty || line.first == "#" || line.first == "!" { continue }
            }
            // An odd number of trailing backslashes continues the line.
            var backslashes = 0
            for character in line.reversed() {
                if character == "\\" { backslashes += 1 } else { break }
            }
            if backslashes % 2 == 1 {
                current += line.dropLast()
                continuing = true
            } else {
                current += line
                result.append(current)
                current = ""
                continuing = false
            }
        }
        if continuing { result.append(current) }
        return result
    }

    /// Splits at the first unescaped `=`, `:` or blank; blanks around the separator are dropped.
    static func split(_ line: String) -> (String, String) {
        let characters = Array(line)
        var index = 0
        var key = ""
        while index < characters.count {
            let character = characters[index]
            if character == "\\", index + 1 < characters.count {
                key.append(character)
                key.append(characters[index + 1])
                index += 2
                continue
            }
            if character == "=" || character == ":" || character == " " || character == "\t" || character == "\u{0C}" { break }
            key.append(character)
            index += 1
        }
        // Skip blanks, then at most one '=' or ':', then blanks again.
        while index < characters.count, characters[index] == " " || characters[index] == "\t" || characters[index] == "\u{0C}" { index += 1 }
        if index < characters.count, characters[index] == "=" || characters[index] == ":" { index += 1 }
        while index < characters.count, characters[index] == " " || characters[index] == "\t" || characters[index] == "\u{0C}" { index += 1 }
        return (key, String(characters[index...]))
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        let characters = Array(text)
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "\\", index + 1 < characters.count else {
                out.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            index += 2
            switch next {
            case "t": out.append("\t")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "f": out.append("\u{0C}")
            case "u":
                let hex = String(characters[index..<min(index + 4, characters.count)])
                if hex.count == 4, let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                    out.unicodeScalars.append(scalar)
                    index += 4
                } else {
                    out.append("u")
                }
            default: out.append(next)
            }
        }
        return out
    }
}
