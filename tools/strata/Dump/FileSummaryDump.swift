/// Closes the dump of one file: what was read and how many problems were found.
struct FileSummaryDump: Encodable {
    let type = "summary"
    var file: String
    var kind: String
    /// Whether `--verify` checks ran.
    var verified: Bool
    var problems: Int
    /// The file's size in bytes.
    var bytes: Int64
    /// For `.log` files: batches and records read (null for index files).
    var batches: Int?
    var records: Int64?
    /// For index files: entries in use, and zero entries after them (preallocated space).
    var entries: Int?
    var unusedEntries: Int?

    var ok: Bool { problems == 0 }

    var text: String {
        var parts: [String] = []
        if let batches { parts.append(Self.counted(Int64(batches), "batch", "batches")) }
        if let records { parts.append(Self.counted(records, "record", "records")) }
        if let entries { parts.append(Self.counted(Int64(entries), "entry", "entries")) }
        if let unusedEntries, unusedEntries > 0 { parts.append("\(unusedEntries) unused") }
        parts.append(Self.counted(bytes, "byte", "bytes"))
        return parts.joined(separator: ", ")
    }

    static func counted(_ count: Int64, _ singular: String, _ plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    private enum CodingKeys: String, CodingKey {
        case type, file, kind, verified, problems, ok, bytes, batches, records, entries, unusedEntries
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(file, forKey: .file)
        try container.encode(kind, forKey: .kind)
        try container.encode(verified, forKey: .verified)
        try container.encode(problems, forKey: .problems)
        try container.encode(ok, forKey: .ok)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(batches, forKey: .batches)
        try container.encode(records, forKey: .records)
        try container.encode(entries, forKey: .entries)
        try container.encode(unusedEntries, forKey: .unusedEntries)
    }
}
