/// Something wrong with a file: a corrupt or torn batch, an index entry that disagrees with its
/// log, a partial entry. `message` is complete on its own: it names the file and the byte position.
struct DumpProblem: Encodable {
    let type = "problem"
    var file: String
    /// Byte position in `file` where the problem lies, when there is one.
    var position: Int64?
    /// For index files, the number of the entry at fault.
    var entry: Int?
    var message: String

    private enum CodingKeys: String, CodingKey {
        case type, file, position, entry, message
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(file, forKey: .file)
        try container.encode(position, forKey: .position)
        try container.encode(entry, forKey: .entry)
        try container.encode(message, forKey: .message)
    }
}
