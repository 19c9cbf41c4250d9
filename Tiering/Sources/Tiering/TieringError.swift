import Engine

/// Failures of tiered storage above the object store: manifests, segments, reads.
public enum TieringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object store failed (its error says which call and why).
    case storage(RemoteStorageError)
    /// The local log failed.
    case engine(EngineError)
    /// A manifest (local file or remote object) could not be parsed.
    case corruptManifest(source: String, reason: String)
    /// A remote segment's bytes are not what its metadata promised.
    case corruptRemoteSegment(key: String, position: Int64, reason: String)
    /// The offset is not in the remote log (below its start or above its end).
    case offsetNotRemote(offset: Int64, remoteLogStartOffset: Int64?, remoteEndOffset: Int64)
    /// A tiering setting is missing or wrong.
    case invalidConfig(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case let .storage(error): return error.description
        case let .engine(error): return error.description
        case let .corruptManifest(source, reason): return "corrupt remote log manifest \(source): \(reason)"
        case let .corruptRemoteSegment(key, position, reason): return "corrupt remote segment \(key) at byte \(position): \(reason)"
        case let .offsetNotRemote(offset, start, end):
            return "offset \(offset) is not in the remote log [\(start.map(String.init) ?? "none"), \(end)]"
        case let .invalidConfig(name, value, reason): return "invalid value '\(value)' for \(name): \(reason)"
        }
    }
}
