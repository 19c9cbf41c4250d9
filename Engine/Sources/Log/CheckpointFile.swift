/// Kafka's text checkpoint format, shared by `recovery-point-offset-checkpoint`,
/// `log-start-offset-checkpoint`, `replication-offset-checkpoint` and `leader-epoch-checkpoint`:
///
/// ```
/// 0              version
/// 2              number of entries
/// orders 0 42    one entry per line, fields separated by single spaces
/// orders 1 17
/// ```
/// Written atomically (temporary file, fsync, rename), so a crash leaves the old or the new file.
struct CheckpointFile {
    let path: String

    func write(_ lines: [String]) throws(EngineError) {
        var text = "0\n\(lines.count)\n"
        for line in lines { text += line + "\n" }
        try FileSystem.writeAtomically(path, contents: Array(text.utf8))
    }

    /// The entry lines, each split into fields; empty when the file does not exist.
    func read(fieldsPerLine: Int) throws(EngineError) -> [[Substring]] {
        guard FileSystem.exists(path) else { return [] }
        let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmedOfBlanks }
        guard lines.count >= 2 else { throw .corruptCheckpoint(file: path, line: lines.count + 1, reason: "missing version or entry count") }
        guard lines[0] == "0" else { throw .corruptCheckpoint(file: path, line: 1, reason: "unsupported version '\(lines[0])'") }
        guard let count = Int(lines[1]), count >= 0 else { throw .corruptCheckpoint(file: path, line: 2, reason: "entry count '\(lines[1])' is not a number") }
        guard lines.count >= 2 + count else {
            throw .corruptCheckpoint(file: path, line: lines.count, reason: "expected \(count) entries, found \(lines.count - 2)")
        }
        var entries: [[Substring]] = []
        for index in 0..<count {
            let fields = lines[2 + index].split(separator: " ")
            guard fields.count == fieldsPerLine else {
                throw .corruptCheckpoint(file: path, line: 3 + index, reason: "expected \(fieldsPerLine) fields, found \(fields.count)")
            }
            entries.append(fields)
        }
        return entries
    }
}

/// Offsets per partition for a whole data directory (recovery point, log start offset, high watermark).
public struct OffsetCheckpointFile {
    public static let recoveryPoint = "recovery-point-offset-checkpoint"
    public static let logStartOffset = "log-start-offset-checkpoint"
    public static let highWatermark = "replication-offset-checkpoint"
    /// The cleaner's first dirty offset per compacted partition.
    public static let cleanerOffset = "cleaner-offset-checkpoint"

    let file: CheckpointFile

    public init(path: String) { file = CheckpointFile(path: path) }

    public func write(_ offsets: [TopicPartition: Int64]) throws(EngineError) {
        let lines = offsets.sorted { $0.key < $1.key }.map { "\($0.key.topic) \($0.key.partition) \($0.value)" }
        try file.write(lines)
    }

    public func read() throws(EngineError) -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for (index, fields) in try file.read(fieldsPerLine: 3).enumerated() {
            guard let partition = Int32(fields[1]), let offset = Int64(fields[2]) else {
                throw .corruptCheckpoint(file: file.path, line: 3 + index, reason: "'\(fields.joined(separator: " "))' is not 'topic partition offset'")
            }
            result[TopicPartition(topic: String(fields[0]), partition: partition)] = offset
        }
        return result
    }
}
