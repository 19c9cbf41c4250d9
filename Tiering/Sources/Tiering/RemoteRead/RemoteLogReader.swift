import Engine
import Foundation

/// Reads record batches out of remote segments through the chunk cache: the segment's offset
/// index (fetched whole and kept in memory, it is small) finds a position at or before the wanted
/// offset; batch headers are then walked from there, as a local read does.
final class RemoteLogReader: @unchecked Sendable {
    let store: RemoteStorage
    let cache: RemoteChunkCache
    let prefetchBytes: Int
    let metrics: TieringMetrics
    private let lock = NSLock()
    /// Offset and transaction indexes by segment id and suffix, least recently used dropped past
    /// `indexCacheBytes`.
    private var indexes: [String: (bytes: [UInt8], lastUse: UInt64)] = [:]
    private var indexBytes = 0
    private var tick: UInt64 = 0
    private let indexCacheBytes = 64 << 20

    init(store: RemoteStorage, cache: RemoteChunkCache, prefetchBytes: Int, metrics: TieringMetrics) {
        self.store = store
        self.cache = cache
        self.prefetchBytes = prefetchBytes
        self.metrics = metrics
    }

    func read(segment: RemoteLogSegmentMetadata, folder: String, from offset: Int64, maxBytes: Int, minOneBatch: Bool) throws(TieringError) -> RemoteReadResult {
        var openFiles: [RemoteChunkCache.ChunkKey: FileDescriptor] = [:]
        let logKey = segment.key(partitionFolder: folder, suffix: SegmentFileName.log)
        var result = RemoteReadResult(regions: [], firstBatchBaseOffset: nil, firstBatchTooLarge: false, segmentEndOffset: segment.endOffset)
        do {
            var position = try startPosition(segment: segment, folder: folder, offset: offset)
            // Skip batches that end before the offset.
            var first: RecordBatchHeader?
            while position < segment.sizeInBytes {
                let header = try header(at: position, key: logKey, segment: segment, openFiles: &openFiles)
                if header.lastOffset >= offset { first = header; break }
                position += Int64(header.totalSize)
            }
            guard let first else { return result }
            result.firstBatchBaseOffset = first.baseOffset
            var end = position + Int64(first.totalSize)
            if end - position > maxBytes && !minOneBatch {
                result.firstBatchTooLarge = true
                result.firstBatchBaseOffset = nil
                return result
            }
            result.lastOffset = first.lastOffset
            while end < segment.sizeInBytes {
                let next = try header(at: end, key: logKey, segment: segment, openFiles: &openFiles)
                guard end + Int64(next.totalSize) - position <= maxBytes else { break }
                end += Int64(next.totalSize)
                result.lastOffset = next.lastOffset
            }
            result.regions = try cache.regions(object: logKey, range: position..<end, objectSize: segment.sizeInBytes, store: store, openFiles: &openFiles)
            cache.prefetch(object: logKey, position: end + Int64(prefetchBytes) - 1, objectSize: segment.sizeInBytes, store: store)
            if end < segment.sizeInBytes { cache.prefetch(object: logKey, position: end, objectSize: segment.sizeInBytes, store: store) }
            metrics.add(TieringMetrics.fetchBytes, Int64(result.byteCount))
            metrics.add(TieringMetrics.fetchRequests)
            return result
        } catch {
            metrics.add(TieringMetrics.fetchErrors)
            throw error
        }
    }

    /// The first offset at or after `timestamp` in the segment, walking batch headers, then the
    /// records of the batch that crosses it.
    func offset(forTimestamp timestamp: Int64, in segment: RemoteLogSegmentMetadata, folder: String, atOrAfter start: Int64) throws(TieringError) -> (offset: Int64, timestamp: Int64)? {
        var openFiles: [RemoteChunkCache.ChunkKey: FileDescriptor] = [:]
        let logKey = segment.key(partitionFolder: folder, suffix: SegmentFileName.log)
        var position: Int64 = 0
        while position < segment.sizeInBytes {
            let header = try header(at: position, key: logKey, segment: segment, openFiles: &openFiles)
            if header.maxTimestamp >= timestamp && header.lastOffset >= start {
                if header.attributes.timestampType == .logAppendTime {
                    return (max(header.baseOffset, start), header.maxTimestamp)
                }
                let bytes = try cache.read(object: logKey, range: position..<(position + Int64(header.totalSize)), objectSize: segment.sizeInBytes, store: store, openFiles: &openFiles)
                do {
                    let batch = try RecordBatch(bytes: bytes, file: logKey, position: position)
                    for record in try batch.records(file: logKey, position: position) where record.timestamp >= timestamp && record.offset >= start {
                        return (record.offset, record.timestamp)
                    }
                } catch {
                    throw .engine(error)
                }
            }
            position += Int64(header.totalSize)
        }
        return nil
    }

    /// The entries of a remote segment's `.txnindex` (none when it was not uploaded: a segment
    /// without aborted transactions has no such file), cached like the offset indexes.
    func abortedTransactions(in segment: RemoteLogSegmentMetadata, folder: String) throws(TieringError) -> [AbortedTransaction] {
        guard segment.files.contains(SegmentFileName.transactionIndex) else { return [] }
        let bytes = try cachedObject(segment.segmentId + SegmentFileName.transactionIndex) { () throws(TieringError) in
            do throws(RemoteStorageError) {
                return try store.get(key: segment.key(partitionFolder: folder, suffix: SegmentFileName.transactionIndex), range: nil)
            } catch .invalidRange {
                return []
            } catch {
                throw .storage(error)
            }
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(raw.count / AbortedTransaction.size)).map { AbortedTransaction(decoding: raw, at: $0 * AbortedTransaction.size) }
        }
    }

    // MARK: Positions

    private func header(at position: Int64, key: String, segment: RemoteLogSegmentMetadata,
                        openFiles: inout [RemoteChunkCache.ChunkKey: FileDescriptor]) throws(TieringError) -> RecordBatchHeader {
        let wanted = Int64(RecordBatchHeader.size)
        guard position + wanted <= segment.sizeInBytes else {
            throw .corruptRemoteSegment(key: key, position: position, reason: "a batch header would run past the end of the segment (\(segment.sizeInBytes) bytes)")
        }
        let bytes = try cache.read(object: key, range: position..<(position + wanted), objectSize: segment.sizeInBytes, store: store, openFiles: &openFiles)
        let header = bytes.withUnsafeBytes { RecordBatchHeader(decoding: $0) }
        guard header.magic == RecordBatchHeader.magicV2, header.batchLength >= Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead),
              position + Int64(header.totalSize) <= segment.sizeInBytes else {
            throw .corruptRemoteSegment(key: key, position: position, reason: "batch header (magic \(header.magic), length \(header.batchLength)) does not fit the segment")
        }
        return header
    }

    /// The position of the last offset-index entry at or below `offset` (0 without one).
    private func startPosition(segment: RemoteLogSegmentMetadata, folder: String, offset: Int64) throws(TieringError) -> Int64 {
        guard segment.files.contains(SegmentFileName.offsetIndex), offset > segment.baseOffset else { return 0 }
        let index = try offsetIndex(segment: segment, folder: folder)
        let target = offset - segment.baseOffset
        let count = index.count / OffsetIndexEntry.size
        var low = 0
        var high = count - 1
        var found: Int64 = 0
        index.withUnsafeBytes { raw in
            while low <= high {
                let middle = (low + high) / 2
                let entry = OffsetIndexEntry(decoding: raw, at: middle * OffsetIndexEntry.size)
                if Int64(entry.relativeOffset) <= target {
                    found = Int64(entry.position)
                    low = middle + 1
                } else {
                    high = middle - 1
                }
            }
        }
        return found
    }

    private func offsetIndex(segment: RemoteLogSegmentMetadata, folder: String) throws(TieringError) -> [UInt8] {
        try cachedObject(segment.segmentId + SegmentFileName.offsetIndex) { () throws(TieringError) in
            do throws(RemoteStorageError) {
                return try store.get(key: segment.key(partitionFolder: folder, suffix: SegmentFileName.offsetIndex), range: nil)
            } catch .invalidRange {
                return []  // an empty index object: start from the segment's first batch
            } catch {
                throw .storage(error)
            }
        }
    }

    /// A small whole object (an index), from the in-memory LRU or fetched by `load`.
    private func cachedObject(_ name: String, load: () throws(TieringError) -> [UInt8]) throws(TieringError) -> [UInt8] {
        lock.lock()
        tick += 1
        if let cached = indexes[name] {
            indexes[name] = (cached.bytes, tick)
            lock.unlock()
            return cached.bytes
        }
        lock.unlock()
        let bytes = try load()
        lock.lock()
        indexes[name] = (bytes, tick)
        indexBytes += bytes.count
        while indexBytes > indexCacheBytes, let oldest = indexes.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            indexes[oldest.key] = nil
            indexBytes -= oldest.value.bytes.count
        }
        lock.unlock()
        return bytes
    }
}
