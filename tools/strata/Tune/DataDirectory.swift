import Engine

/// A data directory (a `log.dirs` entry) as `strata tune` finds it, read without changing
/// anything: its partition directories, checkpoint files and leftovers of an unclean stop.
/// `open` refuses, naming the problem, a path that is missing, not a directory, a partition
/// directory, or a directory that holds nothing a broker writes.
struct DataDirectory {
    let path: String
    /// Every partition directory, sorted.
    let partitions: [TopicPartition]

    /// Files and folders only a data directory holds.
    static let markers = [
        OffsetCheckpointFile.recoveryPoint, OffsetCheckpointFile.logStartOffset, OffsetCheckpointFile.highWatermark,
        OffsetCheckpointFile.cleanerOffset, LogManager.cleanShutdownFileName, DirectoryLock.fileName,
        "meta.properties", "strata-topics",
    ]

    static func open(_ argument: String) throws(TuneFailure) -> DataDirectory {
        var path = argument
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard FileSystem.exists(path) else {
            throw TuneFailure("no such directory: \(argument)")
        }
        guard FileSystem.isDirectory(path) else {
            throw TuneFailure("\(argument) is not a directory; give a data directory (a log.dirs entry), which holds <topic>-<partition> directories")
        }
        let names: [String]
        do {
            names = try FileSystem.list(path)
        } catch {
            throw TuneFailure("cannot read \(argument): \(error)")
        }
        if names.contains(where: { SegmentFileName.baseOffset(of: $0, suffix: SegmentFileName.log) != nil }) {
            let parent = FileSystem.parent(of: path)
            let topic = TopicPartition(directoryName: FileSystem.lastComponent(of: path)).map { " --topic \($0.topic)" } ?? ""
            throw TuneFailure("\(argument) is a partition directory (it holds .log segments); give the data directory that holds it, e.g. \(parent)\(topic)")
        }
        let partitions = names.compactMap { name -> TopicPartition? in
            guard let partition = TopicPartition(directoryName: name), FileSystem.isDirectory(path + "/" + name) else { return nil }
            return partition
        }.sorted()
        guard !partitions.isEmpty || names.contains(where: { markers.contains($0) }) else {
            throw TuneFailure("\(argument) is not a data directory: it holds no <topic>-<partition> directories and no checkpoint files")
        }
        return DataDirectory(path: path, partitions: partitions)
    }

    /// The partitions of `topic` (all when nil); refuses a topic with no partition here.
    func select(topic: String?) throws(TuneFailure) -> [TopicPartition] {
        guard let topic else { return partitions }
        let selected = partitions.filter { $0.topic == topic }
        guard !selected.isEmpty else {
            let topics = Set(partitions.map(\.topic)).sorted()
            let known = topics.isEmpty ? "it has no partitions" : "its topics are " + topics.joined(separator: ", ")
            throw TuneFailure("no partition of topic '\(topic)' in \(path) (\(known))")
        }
        return selected
    }

    func partitionPath(_ partition: TopicPartition) -> String { path + "/" + partition.directoryName }

    /// The last close was clean (`.kafka_cleanshutdown` present): opening needs no recovery.
    var hadCleanShutdown: Bool { FileSystem.exists(path + "/" + LogManager.cleanShutdownFileName) }

    /// Files an interrupted deletion or cleaning left in a partition (`.deleted`, `.cleaned`,
    /// `.swap`); opening the directory finishes or undoes that work first.
    func leftovers(of partition: TopicPartition) -> [String] {
        let suffixes = [SegmentFileName.deletedSuffix, SegmentFileName.cleanedSuffix, SegmentFileName.swapSuffix]
        let names = (try? FileSystem.list(partitionPath(partition))) ?? []
        return names.filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted()
    }

    /// A checkpoint file, empty when it is absent.
    func checkpoint(_ name: String) throws(TuneFailure) -> [TopicPartition: Int64] {
        do {
            return try OffsetCheckpointFile(path: path + "/" + name).read()
        } catch {
            throw TuneFailure("\(error)")
        }
    }
}
