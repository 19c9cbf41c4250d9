import Engine

/// One file to dump: its path, what it holds and the base offset of its segment.
struct DumpTarget {
    var path: String
    var kind: SegmentFileKind
    var baseOffset: Int64
    /// A state suffix after the kind's (`.deleted`, `.cleaned`, `.swap`), or "".
    var stateSuffix: String

    /// What a file name says: its kind and state suffix, and its base offset when the name is a
    /// segment file name (20 digits). Nil when the name ends in no known suffix.
    static func parse(name: String) -> (kind: SegmentFileKind, baseOffset: Int64?, stateSuffix: String)? {
        var stem = name
        var state = ""
        if let suffix = SegmentFileKind.stateSuffixes.first(where: { name.hasSuffix($0) }) {
            stem = String(name.dropLast(suffix.count))
            state = suffix
        }
        guard let kind = SegmentFileKind.allCases.first(where: { stem.hasSuffix($0.suffix) }) else { return nil }
        return (kind, SegmentFileName.baseOffset(of: stem, suffix: kind.suffix), state)
    }

    /// The `.log` file of the same segment, for checking an index against it.
    var siblingLogPath: String {
        let name = FileSystem.lastComponent(of: path)
        let stem = name.dropLast(stateSuffix.count + kind.suffix.count)
        let sibling = stem + SegmentFileName.log + stateSuffix
        return path.contains("/") ? FileSystem.parent(of: path) + "/" + sibling : String(sibling)
    }
}
