/// An object store that holds offloaded segments: S3-compatible stores and a local folder.
///
/// Why synchronous and blocking: uploads and ranged reads run on the tiering worker threads, off the
/// broker's event loops, and the engine beneath them is synchronous too. Implementations must be
/// safe to call from several threads at once.
///
/// Keys are `/`-separated paths relative to the store's root (the S3 prefix or the folder).
public protocol RemoteStorage: Sendable {
    /// Stores the bytes of the file at `path` under `key`, replacing any object there. Returns
    /// only once the store has confirmed the object as durable.
    func put(key: String, fileAt path: String) throws(RemoteStorageError)

    /// Stores `bytes` under `key`, replacing any object there (manifests, small objects).
    func put(key: String, bytes: [UInt8]) throws(RemoteStorageError)

    /// The object's bytes in `range` (byte offsets, end exclusive), or the whole object when nil.
    /// A range that runs past the end is cut at the end; one that starts at or past the end throws
    /// `.invalidRange`.
    func get(key: String, range: Range<Int64>?) throws(RemoteStorageError) -> [UInt8]

    /// Removes the object; a missing object is not an error (deletes are retried after crashes).
    func delete(key: String) throws(RemoteStorageError)

    /// Every object whose key starts with `prefix`, in key order.
    func list(prefix: String) throws(RemoteStorageError) -> [RemoteObject]
}

/// One object as `list` reports it.
public struct RemoteObject: Equatable, Sendable {
    public var key: String
    public var size: Int64

    public init(key: String, size: Int64) {
        self.key = key
        self.size = size
    }
}
