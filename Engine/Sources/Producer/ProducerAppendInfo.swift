/// The state changes that one append makes for one producer, worked out batch by batch before
/// anything is written, so a rejected append changes nothing.
///
/// It starts from the producer's current entry with no batches; each data batch or transaction
/// marker is checked against what came before it (the current entry, then the batches before it
/// in the same append) and added. `ProducerStateManager.update` folds the result in after the
/// write succeeded.
///
/// Checks (Kafka's rules, for client appends; replicated and replayed batches are taken as they are):
/// - a producer batch must carry a sequence (≥ 0): `invalidRecord`, as Kafka's LogValidator;
/// - an epoch older than the producer's is fenced: `invalidProducerEpoch`;
/// - a new epoch must start at sequence 0 (unless the producer is unknown): `outOfOrderSequence`;
/// - within an epoch, a batch must start right after the last sequence (wrapping at Int32.max):
///   `outOfOrderSequence`; an unknown producer (no epoch remembered, e.g. expired or its data
///   deleted) may start at any sequence, as Kafka accepts since KIP-360;
/// - a non-transactional batch while the producer's transaction is open: `invalidTransactionState`;
/// - a marker from an older transaction coordinator: `transactionCoordinatorFenced`.
/// Duplicates are found before this runs (`ProducerStateManager.duplicate(of:)`).
struct ProducerAppendInfo {
    /// A transaction that an end marker closed: [firstOffset, lastOffset] with the marker last.
    struct CompletedTransaction: Equatable {
        var producerId: Int64
        var firstOffset: Int64
        var lastOffset: Int64
        var isAborted: Bool
    }

    let producerId: Int64
    let validates: Bool
    let current: ProducerStateEntry
    private(set) var updated: ProducerStateEntry

    /// `validates` is false when replaying the log (recovery) or copying a leader: the batches were
    /// accepted once already; only the state is rebuilt.
    init(producerId: Int64, current: ProducerStateEntry?, validates: Bool) {
        self.producerId = producerId
        self.validates = validates
        let current = current ?? ProducerStateEntry(producerId: producerId)
        self.current = current
        updated = ProducerStateEntry(
            producerId: producerId, producerEpoch: current.producerEpoch, coordinatorEpoch: current.coordinatorEpoch,
            lastTimestamp: current.lastTimestamp, currentTransactionFirstOffset: current.currentTransactionFirstOffset)
    }

    /// Adds a data batch (offsets already assigned). Returns the first offset of the transaction
    /// it opens, if it opens one.
    mutating func appendData(_ header: RecordBatchHeader) throws(EngineError) -> Int64? {
        let epoch = header.producerEpoch
        let firstSequence = header.baseSequence
        let lastSequence = ProducerStateEntry.incrementSequence(firstSequence, by: header.lastOffsetDelta)
        if validates {
            guard firstSequence >= 0 else {
                throw .invalidRecord("invalid sequence number \(firstSequence) in a batch of producer \(producerId) (at offset \(header.baseOffset))")
            }
            try checkEpoch(epoch)
            try checkSequence(epoch: epoch, firstSequence: firstSequence)
        }
        if validates, updated.currentTransactionFirstOffset != nil, !header.isTransactional {
            throw .invalidTransactionState(producerId: producerId, reason: "a non-transactional batch at offset \(header.baseOffset) while a transaction is open")
        }
        updated.addBatch(epoch: epoch, ProducerStateEntry.Batch(
            lastSequence: lastSequence, lastOffset: header.lastOffset, offsetDelta: header.lastOffsetDelta, maxTimestamp: header.maxTimestamp))
        if header.isTransactional, updated.currentTransactionFirstOffset == nil {
            updated.currentTransactionFirstOffset = header.baseOffset
            return header.baseOffset
        }
        return nil
    }

    /// Adds an end-transaction marker. Returns the transaction it completes, or nil when the
    /// producer had no open transaction here (an empty transaction leaves no trace in the index).
    mutating func appendMarker(_ header: RecordBatchHeader, marker: EndTransactionMarker) throws(EngineError) -> CompletedTransaction? {
        if validates {
            try checkEpoch(header.producerEpoch)
            if updated.coordinatorEpoch > marker.coordinatorEpoch {
                throw .transactionCoordinatorFenced(producerId: producerId, coordinatorEpoch: marker.coordinatorEpoch, currentCoordinatorEpoch: updated.coordinatorEpoch)
            }
        }
        let completed = updated.currentTransactionFirstOffset.map {
            CompletedTransaction(producerId: producerId, firstOffset: $0, lastOffset: header.lastOffset, isAborted: marker.kind == .abort)
        }
        updated.updateEpoch(header.producerEpoch)
        updated.coordinatorEpoch = marker.coordinatorEpoch
        updated.currentTransactionFirstOffset = nil
        updated.lastTimestamp = header.maxTimestamp
        return completed
    }

    private func checkEpoch(_ epoch: Int16) throws(EngineError) {
        if epoch < updated.producerEpoch {
            throw .invalidProducerEpoch(producerId: producerId, producerEpoch: epoch, currentEpoch: updated.producerEpoch)
        }
    }

    private func checkSequence(epoch: Int16, firstSequence: Int32) throws(EngineError) {
        if epoch != updated.producerEpoch {
            // A new epoch starts from 0; a producer we know nothing about may start anywhere.
            if firstSequence != 0, updated.producerEpoch != ProducerStateEntry.noEpoch {
                throw .outOfOrderSequence(producerId: producerId, producerEpoch: epoch, sequence: firstSequence, lastSequence: ProducerStateEntry.noSequence)
            }
            return
        }
        let lastSequence: Int32
        if !updated.batches.isEmpty {
            lastSequence = updated.lastSequence
        } else if epoch == current.producerEpoch {
            lastSequence = current.lastSequence
        } else {
            lastSequence = ProducerStateEntry.noSequence
        }
        guard current.producerEpoch == ProducerStateEntry.noEpoch || ProducerStateEntry.inSequence(last: lastSequence, next: firstSequence) else {
            throw .outOfOrderSequence(producerId: producerId, producerEpoch: epoch, sequence: firstSequence, lastSequence: lastSequence)
        }
    }
}
