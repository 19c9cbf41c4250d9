import KafkaProtocol

/// InitProducerId for idempotent (non-transactional) producers: always a new producer id with
/// epoch 0, as Kafka answers when there is no transactional id — also when the producer names its
/// current id and epoch to bump (KIP-360): a client can then never fence another producer by
/// naming its id.
///
/// The partition logs keep each producer's state (`ProducerStateManager`): a new epoch must start
/// at sequence 0, older epochs are fenced, and retried batches are not stored twice.
/// Transactional ids are refused (there is no transaction coordinator yet).
struct InitProducerIdHandler: Sendable {
    let producerIds: ProducerIdManager

    func handle(_ request: InitProducerIdRequest, version: Int16) -> InitProducerIdResponse {
        var response = InitProducerIdResponse()
        if let transactionalId = request.transactionalId, !transactionalId.isEmpty {
            response.errorCode = KafkaErrorCode.invalidRequest.rawValue
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
