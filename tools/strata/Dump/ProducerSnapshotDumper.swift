import Engine

/// Dumps a producer-state `.snapshot` file: one line per producer, as Kafka's dump tool prints
/// them. A snapshot that fails its CRC or layout checks is a problem naming the file.
struct ProducerSnapshotDumper {
    let target: DumpTarget
    let output: DumpOutput

    func run() {
        let bytes: [UInt8]
        do {
            let file = try FileDescriptor(path: target.path, mode: .readOnly)
            bytes = try file.read(count: Int(try file.size()), at: 0)
        } catch {
            output.failure(DumpFailure(path: target.path, message: "cannot read \(target.path): \(error)"))
            return
        }
        output.beginFile(FileHeaderDump(file: target.path, kind: target.kind.rawValue, baseOffset: target.baseOffset, size: Int64(bytes.count)),
                         kind: target.kind)
        var producers = 0
        do {
            let snapshot = try ProducerStateSnapshot(decoding: bytes, file: target.path)
            for entry in snapshot.entries { output.producerSnapshotEntry(ProducerSnapshotEntryDump(file: target.path, entry)) }
            producers = snapshot.entries.count
        } catch {
            output.problem(DumpProblem(file: target.path, position: 0, message: "\(error)"))
        }
        output.endFile(FileSummaryDump(
            file: target.path, kind: target.kind.rawValue, verified: false, problems: 0, bytes: Int64(bytes.count),
            entries: producers, unusedEntries: 0))
    }
}
