import Engine
import KafkaProtocol
import Tiering

extension FetchHandler {
    /// Serves a fetch below the local log start offset from the remote store (KIP-405), when the
    /// offset is still inside the remote log. Returns false when the offset is not a remote one,
    /// so the caller answers OFFSET_OUT_OF_RANGE as for any log.
    ///
    /// Runs on an I/O thread (the whole read pass does), so waiting for the store is allowed
    /// there; the chunk cache makes sequential readers pay one store request per chunk, and the
    /// cached chunks go out with sendfile like local segments. Remote
    /// segments lie below the last stable offset (only such segments are uploaded), so every
    /// isolation level may read them whole; read_committed readers get the aborted transactions
    /// from the remote (and local) transaction indexes.
    func readRemote(_ entry: Plan.Entry, of log: PartitionLog, limit: Int, minOneBatch: Bool, isolation: ReadIsolation, into fetched: inout FetchedPartition) -> Bool {
        guard let tiering = registry.tiering, log.config.remoteStorageEnable, entry.fetchOffset < log.logStartOffset else { return false }
        let start = tiering.logStartOffset(of: log)
        guard entry.fetchOffset >= start else { return false }
        fetched.highWatermark = log.highWatermark
        fetched.lastStableOffset = log.lastStableOffset
        fetched.logStartOffset = start
        do {
            let result = try tiering.read(log, from: entry.fetchOffset, maxBytes: limit, minOneBatch: minOneBatch, readCommitted: isolation == .committed)
            fetched.remoteRecords = result.regions
            if isolation == .committed {
                fetched.abortedTransactions = result.abortedTransactions.map {
                    FetchResponse.AbortedTransaction(producerId: $0.producerId, firstOffset: $0.firstOffset)
                }
            }
        } catch {
            switch error {
            case .offsetNotRemote:
                // Retention moved the remote log start meanwhile.
                fetched.errorCode = .offsetOutOfRange
                fetched.logStartOffset = tiering.logStartOffset(of: log)
            default:
                fetched.errorCode = .kafkaStorageError
                registry.logger.warning("remote read of \(log.topicPartition) at offset \(entry.fetchOffset) failed: \(error)")
            }
        }
        return true
    }
}
