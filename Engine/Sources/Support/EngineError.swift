/// Every failure the engine reports. Each case carries what failed and where (file, byte position,
/// offset) so that an operator can find the bytes in question with `strata dump`.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A record batch failed validation. `file` is nil when the batch came from a client request.
    case corruptBatch(file: String?, position: Int64, reason: String)
    /// An index file (`.index`, `.timeindex`, `.txnindex`) is inconsistent with itself or its log.
    case corruptIndex(file: String, reason: String)
    /// A compressed payload could not be compressed or decompressed.
    case compression(codec: String, reason: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The request is well-formed bytes but not acceptable to this log (offsets, sizes, configs).
    case invalidArgument(String)
    /// A configuration value is missing, unknown or out of range.
    case invalidConfig(name: String, value: String, reason: String)
    /// Another process holds the data directory.
    case directoryLocked(path: String, reason: String)
    /// An offset outside the log's range was asked for.
    case offsetOutOfRange(offset: Int64, logStartOffset: Int64, logEndOffset: Int64)
    /// A checkpoint file is malformed.
    case corruptCheckpoint(file: String, line: Int, reason: String)
    /// A well-formed record that this log must not take (Kafka's INVALID_RECORD), e.g. a record
    /// without a key on a compacted topic.
    case invalidRecord(String)
    /// The batch or record set is larger than the limit in force.
    case recordTooLarge(size: Int, limit: Int)
    /// An idempotent producer's batch does not follow its last appended sequence (Kafka's
    /// OUT_OF_ORDER_SEQUENCE_NUMBER). `lastSequence` is -1 when the batch opens a new epoch,
    /// which must start at sequence 0.
    case outOfOrderSequence(producerId: Int64, producerEpoch: Int16, sequence: Int32, lastSequence: Int32)
    /// A batch or marker carries an epoch older than the producer's current one: a fenced,
    /// zombie producer (Kafka's INVALID_PRODUCER_EPOCH).
    case invalidProducerEpoch(producerId: Int64, producerEpoch: Int16, currentEpoch: Int16)
    /// A producer wrote outside the rules of its transaction, e.g. a non-transactional batch while
    /// its transaction is open (Kafka's INVALID_TXN_STATE).
    case invalidTransactionState(producerId: Int64, reason: String)
    /// A transaction marker from a coordinator older than the one that last ended a transaction
    /// of this producer (Kafka's TRANSACTION_COORDINATOR_FENCED).
    case transactionCoordinatorFenced(producerId: Int64, coordinatorEpoch: Int32, currentCoordinatorEpoch: Int32)
    /// A producer-state snapshot file failed its checks (version, CRC, layout).
    case corruptSnapshot(file: String, reason: String)

    public var description: String {
        switch self {
        case let .corruptBatch(file, position, reason):
            if let file { return "corrupt record batch in \(file) at byte \(position): \(reason)" }
            return "corrupt record batch at byte \(position) of the request: \(reason)"
        case let .corruptIndex(file, reason):
            return "corrupt index \(file): \(reason)"
        case let .compression(codec, reason):
            return "\(codec) compression error: \(reason)"
        case let .io(operation, path, errno):
            return "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case let .invalidArgument(reason):
            return reason
        case let .invalidConfig(name, value, reason):
            return "invalid value '\(value)' for \(name): \(reason)"
        case let .directoryLocked(path, reason):
            return "data directory \(path) is in use by another process (\(reason))"
        case let .offsetOutOfRange(offset, start, end):
            return "offset \(offset) is out of range [\(start), \(end))"
        case let .corruptCheckpoint(file, line, reason):
            return "corrupt checkpoint \(file) line \(line): \(reason)"
        case let .invalidRecord(reason):
            return reason
        case let .recordTooLarge(size, limit):
            return "record batch of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .outOfOrderSequence(producerId, epoch, sequence, lastSequence):
            if lastSequence == -1 {
                return "out of order sequence number for producer \(producerId) epoch \(epoch): a new epoch must start at sequence 0, not \(sequence)"
            }
            return "out of order sequence number for producer \(producerId) epoch \(epoch): \(sequence) does not follow the last appended sequence \(lastSequence)"
        case let .invalidProducerEpoch(producerId, epoch, current):
            return "producer \(producerId) epoch \(epoch) is older than its current epoch \(current) (fenced)"
        case let .invalidTransactionState(producerId, reason):
            return "invalid transaction state for producer \(producerId): \(reason)"
        case let .transactionCoordinatorFenced(producerId, epoch, current):
            return "transaction marker for producer \(producerId) from coordinator epoch \(epoch), older than the current coordinator epoch \(current)"
        case let .corruptSnapshot(file, reason):
            return "corrupt producer state snapshot \(file): \(reason)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
