import Engine

/// Turns one FILE argument of `strata dump` into the files to dump: itself, or for a partition
/// directory every live segment file in it, by base offset and then log, index, timeindex, txnindex.
enum DumpTargetResolver {
    static func resolve(_ argument: String, baseOffset: Int64?) throws(DumpFailure) -> [DumpTarget] {
        guard FileSystem.exists(argument) else {
            throw DumpFailure(path: argument, message: "no such file: \(argument)")
        }
        if FileSystem.isDirectory(argument) {
            return try directory(argument)
        }
        let name = FileSystem.lastComponent(of: argument)
        guard let parsed = DumpTarget.parse(name: name) else {
            throw DumpFailure(path: argument, message: "cannot tell what \(argument) holds: a segment file name ends in .log, .index, .timeindex or .txnindex")
        }
        guard let base = baseOffset ?? parsed.baseOffset else {
            throw DumpFailure(path: argument, message: "\(argument) is not named by its base offset (like 00000000000000000000\(parsed.kind.suffix)): pass --base-offset")
        }
        return [DumpTarget(path: argument, kind: parsed.kind, baseOffset: base, stateSuffix: parsed.stateSuffix)]
    }

    /// The live segment files of a directory; files being deleted, cleaned or swapped are skipped.
    private static func directory(_ path: String) throws(DumpFailure) -> [DumpTarget] {
        let names: [String]
        do {
            names = try FileSystem.list(path)
        } catch {
            throw DumpFailure(path: path, message: "cannot list \(path): \(error)")
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        var targets: [DumpTarget] = []
        for name in names {
            guard let parsed = DumpTarget.parse(name: name), let base = parsed.baseOffset, parsed.stateSuffix.isEmpty else { continue }
            targets.append(DumpTarget(path: prefix + name, kind: parsed.kind, baseOffset: base, stateSuffix: ""))
        }
        guard !targets.isEmpty else {
            throw DumpFailure(path: path, message: "no segment files in \(path) (names such as 00000000000000000000.log)")
        }
        return targets.sorted { ($0.baseOffset, $0.kind) < ($1.baseOffset, $1.kind) }
    }
}
