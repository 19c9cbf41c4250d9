/// What a partition log remembers about one idempotent or transactional producer: its epoch, the
/// last few batches it wrote (to recognise retries), the epoch of the transaction coordinator that
/// last ended one of its transactions, and the first offset of its open transaction, if any.
///
/// Only the last `batchesToRetain` batches are kept, oldest first: a producer has at most five
/// requests in flight per partition (`max.in.flight.requests.per.connection` ≤ 5 with idempotence),
/// so a retry always matches one of them. A new producer epoch forgets the batches of the old one.
///
/// A value type; `ProducerStateManager` owns the entries under the partition log's lock.
public struct ProducerStateEntry: Equatable, Sendable {
    /// How many batches are remembered per producer (Kafka's `NUM_BATCHES_TO_RETAIN`).
    public static let batchesToRetain = 5
    public static let noEpoch: Int16 = -1
    public static let noSequence: Int32 = -1

    /// One appended batch as the sequence checks need it.
    public struct Batch: Equatable, Sendable {
        public var lastSequence: Int32
        public var lastOffset: Int64
        /// lastOffset - firstOffset (the batch's lastOffsetDelta).
        public var offsetDelta: Int32
        public var maxTimestamp: Int64

        public init(lastSequence: Int32, lastOffset: Int64, offsetDelta: Int32, maxTimestamp: Int64) {
            self.lastSequence = lastSequence
            self.lastOffset = lastOffset
            self.offsetDelta = offsetDelta
            self.maxTimestamp = maxTimestamp
        }

        public var firstSequence: Int32 { ProducerStateEntry.decrementSequence(lastSequence, by: offsetDelta) }
        public var firstOffset: Int64 { lastOffset - Int64(offsetDelta) }
    }

    public let producerId: Int64
    public internal(set) var producerEpoch: Int16
    public internal(set) var coordinatorEpoch: Int32
    /// The max timestamp of the producer's last batch or marker; expiry counts from it.
    public internal(set) var lastTimestamp: Int64
    public internal(set) var currentTransactionFirstOffset: Int64?
    /// The most recent batches of the current epoch, oldest first, at most `batchesToRetain`.
    public internal(set) var batches: [Batch]

    public init(
        producerId: Int64, producerEpoch: Int16 = ProducerStateEntry.noEpoch, coordinatorEpoch: Int32 = -1,
        lastTimestamp: Int64 = -1, currentTransactionFirstOffset: Int64? = nil, batches: [Batch] = []
    ) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.coordinatorEpoch = coordinatorEpoch
        self.lastTimestamp = lastTimestamp
        self.currentTransactionFirstOffset = currentTransactionFirstOffset
        self.batches = Array(batches.suffix(Self.batchesToRetain))
    }

    public var lastSequence: Int32 { batches.last?.lastSequence ?? Self.noSequence }
    /// Offset of the last record of the last batch, -1 when no batch is remembered.
    public var lastDataOffset: Int64 { batches.last?.lastOffset ?? -1 }
    public var lastOffsetDelta: Int32 { batches.last?.offsetDelta ?? 0 }

    /// The remembered batch with exactly this epoch and sequence range: the batch was appended
    /// already and a retry must not append it again.
    public func duplicate(epoch: Int16, firstSequence: Int32, lastSequence: Int32) -> Batch? {
        guard epoch == producerEpoch else { return nil }
        return batches.first { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }
    }

    /// Moves to `epoch`, forgetting the batches of the previous epoch. Returns true if it changed.
    @discardableResult
    mutating func updateEpoch(_ epoch: Int16) -> Bool {
        guard epoch != producerEpoch else { return false }
        batches.removeAll()
        producerEpoch = epoch
        return true
    }

    mutating func addBatch(epoch: Int16, _ batch: Batch) {
        updateEpoch(epoch)
        if batches.count == Self.batchesToRetain { batches.removeFirst() }
        batches.append(batch)
        lastTimestamp = batch.maxTimestamp
    }

    /// Folds in the state one append built on top of this entry (see `ProducerAppendInfo`).
    mutating func update(from next: ProducerStateEntry) {
        updateEpoch(next.producerEpoch)
        for batch in next.batches {
            if batches.count == Self.batchesToRetain { batches.removeFirst() }
            batches.append(batch)
        }
        coordinatorEpoch = next.coordinatorEpoch
        currentTransactionFirstOffset = next.currentTransactionFirstOffset
        lastTimestamp = next.lastTimestamp
    }

    /// The sequence `delta` after `sequence`; sequences wrap from Int32.max to 0.
    public static func incrementSequence(_ sequence: Int32, by delta: Int32) -> Int32 {
        sequence > Int32.max - delta ? delta - (Int32.max - sequence) - 1 : sequence + delta
    }

    /// The sequence `delta` before `sequence`, wrapping below 0 to Int32.max.
    public static func decrementSequence(_ sequence: Int32, by delta: Int32) -> Int32 {
        sequence < delta ? Int32.max - (delta - sequence) + 1 : sequence - delta
    }

    /// True when `next` directly follows `last` (including the wrap from Int32.max to 0).
    public static func inSequence(last: Int32, next: Int32) -> Bool {
        Int64(next) == Int64(last) + 1 || (next == 0 && last == Int32.max)
    }
}
