import Engine
import Foundation

/// A bounded cache of remote-object chunks in a local folder, so that consumers re-reading or
/// reading sequentially through a remote segment pay one store request per chunk, not one per fetch.
///
/// Objects are cut into fixed-size chunks (`rsm.config.chunk.size`); each cached chunk is one file.
/// The least recently used chunks are evicted once the total exceeds the capacity. Concurrent
/// misses on the same chunk wait for a single download. The folder is emptied at start: the cache
/// holds nothing the store does not, so there is nothing to recover.
final class RemoteChunkCache: @unchecked Sendable {
    struct ChunkKey: Hashable {
        var object: String
        var index: Int64
    }

    private struct Entry {
        var path: String
        var size: Int64
        var lastUse: UInt64
    }

    let directory: String
    let capacityBytes: Int64
    let chunkSize: Int64
    let metrics: TieringMetrics
    private let condition = NSCondition()
    private var entries: [ChunkKey: Entry] = [:]
    private var downloading: Set<ChunkKey> = []
    private var totalBytes: Int64 = 0
    private var tick: UInt64 = 0
    private var nextFile: UInt64 = 0

    init(directory: String, capacityBytes: Int64, chunkSize: Int, metrics: TieringMetrics) throws(TieringError) {
        guard chunkSize > 0 else { throw .invalidConfig(name: "rsm.config.chunk.size", value: String(chunkSize), reason: "must be positive") }
        guard capacityBytes >= Int64(chunkSize) else {
            throw .invalidConfig(name: "rsm.config.fetch.chunk.cache.size", value: String(capacityBytes), reason: "must hold at least one chunk (\(chunkSize) bytes)")
        }
        self.directory = directory
        self.capacityBytes = capacityBytes
        self.chunkSize = Int64(chunkSize)
        self.metrics = metrics
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .engine(.io(operation: "mkdir", path: directory, errno: errno))
        }
    }

    /// The bytes of `range` of an object of `objectSize` bytes, from cached chunks, downloading
    /// the missing ones.
    /// `openFiles` keeps the chunk files opened by one reader across calls (a batch-header walk
    /// reads many small ranges of the same chunk).
    func read(object: String, range: Range<Int64>, objectSize: Int64, store: RemoteStorage,
              openFiles: inout [ChunkKey: FileDescriptor]) throws(TieringError) -> [UInt8] {
        var bytes: [UInt8] = []
        for region in try regions(object: object, range: range, objectSize: objectSize, store: store, openFiles: &openFiles) {
            do { bytes += try region.readBytes() } catch { throw .engine(error) }
        }
        return bytes
    }

    /// `range` of the object as regions of the cached chunk files, one per chunk, for sendfile.
    /// A region holds its file open, so a chunk evicted before the region is sent stays readable.
    func regions(object: String, range: Range<Int64>, objectSize: Int64, store: RemoteStorage) throws(TieringError) -> [FileRegion] {
        var openFiles: [ChunkKey: FileDescriptor] = [:]
        return try regions(object: object, range: range, objectSize: objectSize, store: store, openFiles: &openFiles)
    }

    func regions(object: String, range: Range<Int64>, objectSize: Int64, store: RemoteStorage,
                 openFiles: inout [ChunkKey: FileDescriptor]) throws(TieringError) -> [FileRegion] {
        let range = range.clamped(to: 0..<objectSize)
        var regions: [FileRegion] = []
        var position = range.lowerBound
        while position < range.upperBound {
            let key = ChunkKey(object: object, index: position / chunkSize)
            let chunkStart = key.index * chunkSize
            let upper = min(range.upperBound, chunkStart + chunkSize)
            let file: FileDescriptor
            if let known = openFiles[key] {
                file = known
            } else {
                file = try open(key, objectSize: objectSize, store: store)
                openFiles[key] = file
            }
            regions.append(FileRegion(file: file, position: position - chunkStart, length: Int(upper - position)))
            position = upper
        }
        return regions
    }

    /// Downloads the chunk holding `position` in the background when it is not cached yet.
    func prefetch(object: String, position: Int64, objectSize: Int64, store: RemoteStorage) {
        guard position < objectSize else { return }
        let key = ChunkKey(object: object, index: position / chunkSize)
        condition.lock()
        let needed = entries[key] == nil && !downloading.contains(key)
        condition.unlock()
        guard needed else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            _ = try? path(of: key, objectSize: objectSize, store: store, countsAsRead: false)
        }
    }

    var cachedBytes: Int64 {
        condition.lock(); defer { condition.unlock() }
        return totalBytes
    }

    // MARK: Chunks

    /// The chunk's file, open. A chunk evicted between lookup and open is simply fetched again.
    private func open(_ key: ChunkKey, objectSize: Int64, store: RemoteStorage) throws(TieringError) -> FileDescriptor {
        for _ in 0..<3 {
            let path = try path(of: key, objectSize: objectSize, store: store, countsAsRead: true)
            do {
                return try FileDescriptor(path: path, mode: .readOnly)
            } catch {
                if case .io(_, _, ENOENT) = error { continue }
                throw .engine(error)
            }
        }
        throw .engine(.io(operation: "open", path: directory, errno: ENOENT))
    }

    /// The file holding the chunk, downloading it when missing (one download per chunk at a time).
    private func path(of key: ChunkKey, objectSize: Int64, store: RemoteStorage, countsAsRead: Bool) throws(TieringError) -> String {
        condition.lock()
        while downloading.contains(key) { condition.wait() }
        if var entry = entries[key] {
            tick += 1
            entry.lastUse = tick
            entries[key] = entry
            condition.unlock()
            if countsAsRead { metrics.add(TieringMetrics.cacheHits) }
            return entry.path
        }
        downloading.insert(key)
        nextFile += 1
        let path = "\(directory)/\(nextFile).chunk"
        condition.unlock()
        if countsAsRead { metrics.add(TieringMetrics.cacheMisses) }

        var failure: TieringError?
        var size: Int64 = 0
        do {
            let start = key.index * chunkSize
            let bytes = try store.get(key: key.object, range: start..<min(start + chunkSize, objectSize))
            size = Int64(bytes.count)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw TieringError.engine(.io(operation: "write", path: path, errno: errno))
            }
        } catch let error as RemoteStorageError {
            failure = .storage(error)
        } catch let error as TieringError {
            failure = error
        } catch {
            failure = .engine(.io(operation: "write", path: path, errno: EIO))
        }

        condition.lock()
        downloading.remove(key)
        if failure == nil {
            tick += 1
            entries[key] = Entry(path: path, size: size, lastUse: tick)
            totalBytes += size
            evictLocked()
        }
        metrics.set(TieringMetrics.cacheBytes, totalBytes)
        condition.broadcast()
        condition.unlock()
        if let failure { throw failure }
        return path
    }

    private func evictLocked() {
        while totalBytes > capacityBytes, let (key, entry) = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[key] = nil
            totalBytes -= entry.size
            unlink(entry.path)
        }
    }
}
