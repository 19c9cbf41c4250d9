/// One `.index` entry: the last offset of a batch and the byte position where that batch starts.
struct OffsetIndexEntryDump: Encodable {
    let type = "offsetIndexEntry"
    var file: String
    /// The entry's number, from 0; it lies at byte `entry * 8` of the file.
    var entry: Int
    var offset: Int64
    var position: Int64

    var text: String { "offset: \(offset) position: \(position)" }
}
