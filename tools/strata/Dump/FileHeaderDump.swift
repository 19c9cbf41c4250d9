/// Opens the dump of one file: `Dumping <path>` and its segment's base offset.
struct FileHeaderDump: Encodable {
    let type = "file"
    var file: String
    /// `log`, `index`, `timeindex` or `txnindex`.
    var kind: String
    var baseOffset: Int64
    /// The file's size in bytes.
    var size: Int64
}
