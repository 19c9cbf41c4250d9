import KafkaProtocol

/// InitProducerId for idempotent (non-transactional) producers: a new producer id with epoch 0,
/// or, when a producer asks to bump its epoch (v3+, KIP-360), the same id with the next epoch.
///
/// The partition logs keep each producer's state (`ProducerStateManager`): a bumped epoch must
/// start at sequence 0, older epochs are fenced, and retried batches are not stored twice.
/// Kafka answers a non-transactional bump request with a fresh producer id at epoch 0; bumping the
/// same id is equivalent for the sequence checks (a new epoch starts at 0 either way) and keeps the
/// id stable. Transactional ids are refused (there is no transaction coordinator yet).
struct InitProducerIdHandler: Sendable {
    let producerIds: ProducerIdManager

    func handle(_ request: InitProducerIdRequest, version: Int16) -> InitProducerIdResponse {
        var response = InitProducerIdResponse()
        if let transactionalId = request.transactionalId, !transactionalId.isEmpty {
            response.errorCode = KafkaErrorCode.invalidRequest.rawValue
            return response
        }
        if version >= 3, request.producerId >= 0, request.producerEpoch >= 0, request.producerEpoch < Int16.max - 1 {
            response.producerId = request.producerId
            response.producerEpoch = request.producerEpoch + 1
            return response
        }
        do {
            response.producerId = try producerIds.allocate()
            response.producerEpoch = 0
        } catch {
            response.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
        }
        return response
    }
}
