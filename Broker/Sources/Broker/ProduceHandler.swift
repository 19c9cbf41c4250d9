import Engine
import KafkaProtocol
import NIOCore

/// Produce: each partition's record batches go to the engine as the producer sent them (any
/// codec); the engine validates framing and CRC and assigns offsets in place, so the broker does
/// no per-record work. acks 0, 1 and -1 (on one node all replicas are in sync once the append
/// returns). Runs on an I/O thread.
///
/// Idempotent producers: the engine checks each batch's producer epoch and sequence. A retried
/// batch (a duplicate of one of the producer's last five) is not stored again and is answered
/// with success and the original base offset, as Kafka answers DUPLICATE_SEQUENCE_NUMBER cases; a
/// gap is OUT_OF_ORDER_SEQUENCE_NUMBER and an older epoch INVALID_PRODUCER_EPOCH.
struct ProduceHandler: Sendable {
    let registry: TopicRegistry
    let leadership: any PartitionLeadership

    func handle(_ request: ProduceRequest, version: Int16) -> KafkaResponse {
        var response = ProduceResponse()
        var failures: [String] = []
        let acksValid = request.acks == 0 || request.acks == 1 || request.acks == -1
        for topicData in request.topicData {
            var topicResponse = ProduceResponse.TopicProduceResponse(name: topicData.name)
            let topic = registry.topic(named: topicData.name)
            for partitionData in topicData.partitionData {
                var result = ProduceResponse.PartitionProduceResponse()
                result.index = partitionData.index
                if !acksValid {
                    fail(&result, .invalidRequiredAcks, "acks must be -1, 0 or 1, not \(request.acks)", version: version)
                } else if InternalTopics.isInternal(topicData.name) && topic != nil {
                    // Kafka's rule: only the broker writes its internal topics.
                    fail(&result, .invalidTopicException, "cannot append to internal topic \(topicData.name)", version: version)
                } else if let log = topic?.log(partitionData.index) {
                    append(partitionData.records, to: log, into: &result, version: version)
                } else {
                    fail(&result, .unknownTopicOrPartition, "this server does not host \(topicData.name)-\(partitionData.index)", version: version)
                }
                if result.errorCode != 0 {
                    failures.append("\(topicData.name)-\(partitionData.index): \(KafkaErrorCode(rawValue: result.errorCode).map(String.init(describing:)) ?? "\(result.errorCode)")")
                }
                topicResponse.partitionResponses.append(result)
            }
            response.responses.append(topicResponse)
        }
        if request.acks == 0 {
            // Kafka sends nothing for acks=0, and closes the connection on a failure so the
            // producer notices and refreshes its metadata.
            return failures.isEmpty ? .none : .close(reason: "acks=0 produce failed: \(failures.joined(separator: ", "))")
        }
        return .message(response)
    }

    /// Whether every append of the request is a page-cache write: no partition fsyncs per append
    /// (`flush.messages` unset) and the request is small, so it may run on the event loop.
    func appendsOnlyToPageCache(_ request: ProduceRequest) -> Bool {
        var bytes = 0
        for topicData in request.topicData {
            guard let topic = registry.topic(named: topicData.name) else { return false }
            if topic.logConfig.flushMessages != Int64.max { return false }
            for partition in topicData.partitionData { bytes += partition.records?.readableBytes ?? 0 }
        }
        return bytes <= Self.inlineAppendLimit
    }

    /// Larger requests go to the I/O pool: copying them into the page cache takes long enough to
    /// delay the other connections of the event loop.
    static let inlineAppendLimit = 4 << 20

    private func append(_ records: ByteBuffer?, to log: PartitionLog, into result: inout ProduceResponse.PartitionProduceResponse, version: Int16) {
        guard let records, records.readableBytes > 0 else {
            return fail(&result, .invalidRecord, "the request carries no record batch for this partition", version: version)
        }
        let epoch = leadership.leader(of: log.topicPartition).leaderEpoch
        // The records are a slice of the request frame, read in place: the engine numbers copies of
        // the batch headers and writes them with the rest of the batches as they are.
        let outcome = records.withUnsafeReadableBytes { bytes -> Result<AppendResult, EngineError> in
            do throws(EngineError) {
                return .success(try log.append(bytes, leaderEpoch: epoch, origin: .client))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let appended):
            result.baseOffset = appended.firstOffset
            result.logAppendTimeMs = appended.logAppendTime
            if version >= 5 { result.logStartOffset = appended.logStartOffset }
        case .failure(let error):
            result.baseOffset = -1
            fail(&result, Self.errorCode(for: error, segmentBytes: log.config.segmentBytes), error.description, version: version)
        }
    }

    /// Kafka's error code for an append failure.
    static func errorCode(for error: EngineError, segmentBytes: Int) -> KafkaErrorCode {
        switch error {
        case .corruptBatch(_, _, let reason):
            // Framing and checksum damage is CORRUPT_MESSAGE; a well-framed batch whose content
            // breaks the format's rules (magic, codec, counts, records) is INVALID_RECORD.
            if reason.hasPrefix("truncated") || reason.hasPrefix("batch length") || reason.hasPrefix("CRC mismatch") {
                return .corruptMessage
            }
            return .invalidRecord
        case .recordTooLarge(let size, _):
            return size > segmentBytes ? .recordListTooLarge : .messageTooLarge
        case .compression:
            return .corruptMessage
        case .invalidArgument, .invalidRecord:
            return .invalidRecord
        case .outOfOrderSequence:
            return .outOfOrderSequenceNumber
        case .invalidProducerEpoch:
            return .invalidProducerEpoch
        case .invalidTransactionState:
            return .invalidTxnState
        case .transactionCoordinatorFenced:
            return .transactionCoordinatorFenced
        case .io, .corruptIndex, .corruptCheckpoint, .directoryLocked, .corruptSnapshot:
            return .kafkaStorageError
        default:
            return .unknownServerError
        }
    }

    private func fail(_ result: inout ProduceResponse.PartitionProduceResponse, _ code: KafkaErrorCode, _ message: String, version: Int16) {
        result.errorCode = code.rawValue
        if result.baseOffset == 0 { result.baseOffset = -1 }
        if version >= 8 { result.errorMessage = message }
    }
}
