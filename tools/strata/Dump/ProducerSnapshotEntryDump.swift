import Engine

/// One producer of a `.snapshot` file, with the fields Kafka's dump prints for it.
struct ProducerSnapshotEntryDump: Encodable {
    let type = "producerSnapshotEntry"
    var file: String
    var producerId: Int64
    var producerEpoch: Int16
    var coordinatorEpoch: Int32
    /// First offset of the producer's open transaction, null when none is open.
    var currentTxnFirstOffset: Int64?
    var lastTimestamp: Int64
    var firstSequence: Int32
    var lastSequence: Int32
    var lastOffset: Int64
    var offsetDelta: Int32

    init(file: String, _ entry: ProducerStateEntry) {
        self.file = file
        producerId = entry.producerId
        producerEpoch = entry.producerEpoch
        coordinatorEpoch = entry.coordinatorEpoch
        currentTxnFirstOffset = entry.currentTransactionFirstOffset
        lastTimestamp = entry.lastTimestamp
        firstSequence = entry.batches.last?.firstSequence ?? -1
        lastSequence = entry.lastSequence
        lastOffset = entry.lastDataOffset
        offsetDelta = entry.lastOffsetDelta
    }

    var text: String {
        "producerId: \(producerId) producerEpoch: \(producerEpoch) coordinatorEpoch: \(coordinatorEpoch) "
            + "currentTxnFirstOffset: \(currentTxnFirstOffset.map(String.init) ?? "None") lastTimestamp: \(lastTimestamp) "
            + "firstSequence: \(firstSequence) lastSequence: \(lastSequence) lastOffset: \(lastOffset) offsetDelta: \(offsetDelta)"
    }
}
