import Engine
import Foundation

/// The store folders of deleted partitions whose objects are not all gone yet, one per line in
/// `remote-log-deletions-pending` in the log directory. A folder is written here before anything
/// of its topic is deleted, and leaves only once a listing of it comes back empty, so neither a
/// store that is down when the topic goes nor a crash in the middle leaves objects behind.
public final class PendingRemoteDeletions: @unchecked Sendable {
    public static let fileName = "remote-log-deletions-pending"

    let path: String
    private let lock = NSLock()
    private var folders: [String]

    /// Reads the list left by an earlier run (none when the file does not exist).
    public init(directory: String) throws(TieringError) {
        path = directory + "/" + Self.fileName
        guard FileSystem.exists(path) else {
            folders = []
            return
        }
        do {
            let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
            folders = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        } catch {
            throw .engine(error)
        }
    }

    public var all: [String] { lock.withLock { folders } }

    /// Adds `added` and saves the list before returning.
    public func add(_ added: [String]) throws(TieringError) {
        try update { $0 += added.filter { !$0.isEmpty } }
    }

    /// Removes `folder` (its objects are gone) and saves the list.
    func remove(_ folder: String) throws(TieringError) {
        try update { $0.removeAll { $0 == folder } }
    }

    private func update(_ change: (inout [String]) -> Void) throws(TieringError) {
        lock.lock()
        defer { lock.unlock() }
        var next = folders
        change(&next)
        var unique: [String] = []
        for folder in next where !unique.contains(folder) { unique.append(folder) }
        guard unique != folders else { return }
        do {
            if unique.isEmpty {
                try FileSystem.remove(path)
            } else {
                try FileSystem.writeAtomically(path, contents: Array(unique.map { $0 + "\n" }.joined().utf8))
            }
        } catch {
            throw .engine(error)
        }
        folders = unique
    }
}
