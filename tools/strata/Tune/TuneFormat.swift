import Foundation

/// How `strata tune` writes sizes, durations, dates and ratios for people (JSON keeps raw numbers).
enum TuneFormat {
    /// `0 B`, `812 B`, `4.0 KiB`, `1.21 MiB`, `3.5 GiB` (powers of 1024).
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        let sign = count < 0 ? "-" : ""
        var value = Double(count.magnitude)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(sign)\(count.magnitude) B" }
        let digits = value < 10 ? 2 : value < 100 ? 1 : 0
        return sign + String(format: "%.\(digits)f", value) + " " + units[unit]
    }

    /// A duration in milliseconds as one or two units: `250ms`, `45s`, `12m 5s`, `3h 5m`, `412d 3h`.
    static func duration(ms: Int64) -> String {
        if ms < 0 { return "-" + duration(ms: ms == .min ? .max : -ms) }
        if ms < 1000 { return "\(ms)ms" }
        let seconds = ms / 1000
        let units: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        for (index, (size, name)) in units.enumerated() where seconds >= size {
            let major = seconds / size
            guard index + 1 < units.count else { return "\(major)\(name)" }
            let (minorSize, minorName) = units[index + 1]
            let minor = (seconds % size) / minorSize
            return minor == 0 || major >= 100 ? "\(major)\(name)" : "\(major)\(name) \(minor)\(minorName)"
        }
        return "\(seconds)s"
    }

    /// A config value in milliseconds for people: `604800000 (7d)`, `-1 (unlimited)`.
    static func millisecondsSetting(_ ms: Int64) -> String {
        if ms < 0 { return "\(ms) (unlimited)" }
        if ms == .max { return "\(ms) (never)" }
        return "\(ms) (\(duration(ms: ms)))"
    }

    private static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter
    }()

    nonisolated(unsafe) private static let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// `2024-11-14 22:13` (UTC), the precision a table needs.
    static func date(ms: Int64) -> String {
        dateFormatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// ISO 8601 with milliseconds, UTC, for JSON.
    static func isoDate(ms: Int64) -> String {
        isoFormatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// A record timestamp and its age at `now`: `2024-11-14 22:13 (412d ago)`; `-` when absent.
    /// Kafka's "no timestamp" (-1) and other negative values are shown as they are.
    static func timestamp(_ ms: Int64?, now: Int64) -> String {
        guard let ms else { return "-" }
        guard ms >= 0 else { return "\(ms) (none)" }
        let age = now - ms
        let relative = age >= 0 ? "\(duration(ms: age)) ago" : "in \(duration(ms: -age))"
        return "\(date(ms: ms)) (\(relative))"
    }

    /// `66.7%`, `100%`, `0%`.
    static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        if value == value.rounded() { return "\(Int(value))%" }
        return String(format: "%.1f%%", value)
    }

    /// `1 segment`, `3 segments`.
    static func counted(_ count: Int64, _ singular: String, _ plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    /// Parses a byte size as given on the command line: `1048576`, `512K`, `64M`, `1G` (powers of 1024; `KiB`, `MB`... also accepted).
    static func parseBytes(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let suffix = trimmed.dropFirst(digits.count).lowercased()
        let shift: Int64
        switch suffix {
        case "", "b": shift = 0
        case "k", "kb", "kib": shift = 10
        case "m", "mb", "mib": shift = 20
        case "g", "gb", "gib": shift = 30
        default: return nil
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : product
    }
}
