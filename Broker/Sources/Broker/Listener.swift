/// One `listeners` / `advertised.listeners` entry: `NAME://host:port`, e.g. `PLAINTEXT://:9092`.
/// An empty host (or `0.0.0.0`, `::`) means every interface. Port 0 asks the system for a free port.
public struct Listener: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var host: String
    public var port: Int

    public init(name: String, host: String, port: Int) {
        self.name = name
        self.host = host
        self.port = port
    }

    /// Parses one entry; nil when it is not `NAME://host:port` with a port in 0...65535.
    public init?(parsing text: String) {
        let trimmed = text.trimmingBlanks
        guard let schemeEnd = trimmed.firstRange(of: "://") else { return nil }
        let name = String(trimmed[..<schemeEnd.lowerBound]).uppercased()
        let rest = trimmed[schemeEnd.upperBound...]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
              let colon = rest.lastIndex(of: ":") else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.init(name: name, host: host, port: port)
    }

    /// Parses a comma-separated list, naming the bad entry on failure.
    public static func parseList(_ text: String) -> Result<[Listener], ListenerParseError> {
        var listeners: [Listener] = []
        for entry in text.split(separator: ",") where !entry.trimmingBlanks.isEmpty {
            guard let listener = Listener(parsing: String(entry)) else { return .failure(ListenerParseError(entry: String(entry))) }
            listeners.append(listener)
        }
        return .success(listeners)
    }

    /// Whether the host means every interface.
    public var isWildcard: Bool { host.isEmpty || host == "0.0.0.0" || host == "::" }

    /// The address to bind: the wildcard becomes `0.0.0.0`.
    public var bindHost: String { isWildcard ? (host == "::" ? "::" : "0.0.0.0") : host }

    public var description: String {
        "\(name)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

public struct ListenerParseError: Error, Equatable, Sendable {
    public var entry: String
}

extension StringProtocol {
    /// The text without leading and trailing blanks (spaces, tabs).
    var trimmingBlanks: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
