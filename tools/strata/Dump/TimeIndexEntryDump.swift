/// One `.timeindex` entry: the largest timestamp so far and the offset of the batch that carried it.
struct TimeIndexEntryDump: Encodable {
    let type = "timeIndexEntry"
    var file: String
    /// The entry's number, from 0; it lies at byte `entry * 12` of the file.
    var entry: Int
    var timestamp: Int64
    var offset: Int64

    var text: String { "timestamp: \(timestamp) offset: \(offset)" }
}
