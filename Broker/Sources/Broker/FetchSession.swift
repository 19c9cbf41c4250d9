import KafkaProtocol

/// A partition as a fetch session names it: by topic id for sessions made with Fetch v13+, by
/// topic name before (KIP-227 with KIP-516's rule: one session never mixes the two).
struct FetchSessionKey: Hashable, Sendable, CustomStringConvertible {
    enum Topic: Hashable, Sendable {
        case id(KafkaUUID)
        case name(String)
    }

    var topic: Topic
    var partition: Int32

    var description: String {
        switch topic {
        case .id(let id): "\(id)-\(partition)"
        case .name(let name): "\(name)-\(partition)"
        }
    }
}

/// One incremental fetch session (KIP-227): the partitions a fetcher follows, what it asked for
/// each (fetch offset, byte limit, leader epoch, its log start offset) and what the broker last
/// sent about each (high watermark, last stable offset, log start offset), so that an incremental
/// request need only name partitions whose request data changed, and an incremental response only
/// partitions with news.
///
/// The fetch offset changes only when the fetcher names the partition again with a new one (as in
/// Kafka: a consumer that got records sends its new position; one that did not consume them yet
/// sends nothing and must be served from the old offset again).
///
/// Order: partitions are kept in the order they joined; a partition that returned records moves to
/// the end, so that under the response byte limit the others get their turn (Kafka's rotation).
///
/// Concurrency: a value type; the live sessions are held and mutated only under the
/// `FetchSessionCache` lock.
struct FetchSession: Sendable {
    /// The session's state for one partition.
    struct Partition: Sendable, Equatable {
        // What the fetcher asked for.
        var fetchOffset: Int64
        var maxBytes: Int
        var currentLeaderEpoch: Int32
        var fetcherLogStartOffset: Int64
        // What the broker last sent (-1: nothing yet, or an error was sent).
        var highWatermark: Int64 = -1
        var lastStableOffset: Int64 = -1
        var logStartOffset: Int64 = -1

        init(fetchOffset: Int64, maxBytes: Int, currentLeaderEpoch: Int32 = -1, fetcherLogStartOffset: Int64 = -1) {
            self.fetchOffset = fetchOffset
            self.maxBytes = maxBytes
            self.currentLeaderEpoch = currentLeaderEpoch
            self.fetcherLogStartOffset = fetcherLogStartOffset
        }

        /// Takes the request data of a fetch that names this partition again.
        mutating func updateRequest(from requested: Partition) {
            fetchOffset = requested.fetchOffset
            maxBytes = requested.maxBytes
            currentLeaderEpoch = requested.currentLeaderEpoch
            fetcherLogStartOffset = requested.fetcherLogStartOffset
        }

        /// Whether an incremental response must carry `fetched`: it has records, an error, a
        /// preferred read replica, or a high watermark, last stable offset or log start offset
        /// other than the one last sent.
        func mustRespond(with fetched: FetchedPartition) -> Bool {
            fetched.recordBytes > 0
                || fetched.errorCode != .none
                || fetched.preferredReadReplica >= 0
                || fetched.highWatermark != highWatermark
                || fetched.lastStableOffset != lastStableOffset
                || fetched.logStartOffset != logStartOffset
        }

        /// Records what a response carried. After an error the high watermark is forgotten, so
        /// the partition is sent again once the error clears.
        mutating func recordSent(_ fetched: FetchedPartition) {
            if fetched.errorCode != .none {
                highWatermark = -1
                return
            }
            highWatermark = fetched.highWatermark
            lastStableOffset = fetched.lastStableOffset
            logStartOffset = fetched.logStartOffset
        }
    }

    /// What an incremental request changed.
    struct Changes: Sendable, Equatable {
        var added = 0
        var updated = 0
        var removed = 0
    }

    /// The epoch of a request that creates or closes a session (`INITIAL_EPOCH`).
    static let initialEpoch: Int32 = 0
    /// The epoch of a request that wants no session (`FINAL_EPOCH`).
    static let finalEpoch: Int32 = -1

    /// The epoch after `epoch`: 1 after the largest value (0 is reserved for full requests), and
    /// FINAL_EPOCH after any negative one.
    static func nextEpoch(_ epoch: Int32) -> Int32 {
        if epoch < 0 { return finalEpoch }
        return epoch == .max ? 1 : epoch + 1
    }

    let id: Int32
    /// Made by a follower (replica id ≥ 0); a follower's session outranks a consumer's in eviction.
    let privileged: Bool
    /// Keyed by topic id (made with Fetch v13+) rather than by name.
    let usesTopicIds: Bool
    let creationMs: Int64
    var lastUsedMs: Int64
    /// The epoch the next incremental request must carry.
    var epoch: Int32
    private(set) var order: [FetchSessionKey] = []
    private(set) var partitions: [FetchSessionKey: Partition] = [:]

    init(id: Int32, privileged: Bool, usesTopicIds: Bool, now: Int64, partitions: [(FetchSessionKey, Partition)]) {
        self.id = id
        self.privileged = privileged
        self.usesTopicIds = usesTopicIds
        self.creationMs = now
        self.lastUsedMs = now
        self.epoch = Self.nextEpoch(Self.initialEpoch)
        for (key, partition) in partitions where self.partitions.updateValue(partition, forKey: key) == nil {
            order.append(key)
        }
    }

    var count: Int { order.count }
    var isEmpty: Bool { order.isEmpty }

    /// The partitions in session order, with their state.
    var orderedPartitions: [(key: FetchSessionKey, partition: Partition)] {
        order.map { ($0, partitions[$0]!) }
    }

    /// Applies an incremental request: partitions it names are added or take the new request
    /// data; then the forgotten ones are removed (a partition named in both is removed).
    mutating func update(requested: [(FetchSessionKey, Partition)], forgotten: [FetchSessionKey]) -> Changes {
        var changes = Changes()
        for (key, partition) in requested {
            if partitions[key] != nil {
                partitions[key]!.updateRequest(from: partition)
                changes.updated += 1
            } else {
                partitions[key] = partition
                order.append(key)
                changes.added += 1
            }
        }
        var removed = Set<FetchSessionKey>()
        for key in forgotten where partitions.removeValue(forKey: key) != nil {
            removed.insert(key)
        }
        if !removed.isEmpty {
            order.removeAll { removed.contains($0) }
            changes.removed = removed.count
        }
        return changes
    }

    /// Whether a partition stays in the session after `fetched` was sent for it: not in a topic-id
    /// session when the answer was UNKNOWN_TOPIC_ID (ids are never reused, so it could only ever
    /// get the same error again; this is how deleted topics drop out of such sessions).
    static func stays(afterSending fetched: FetchedPartition, usesTopicIds: Bool) -> Bool {
        !(usesTopicIds && fetched.errorCode == .unknownTopicId)
    }

    /// Decides which of `fetched` (results for session partitions) an incremental response
    /// carries, records what is sent, and moves partitions that returned records to the end.
    /// Returns one flag per result: true when the partition goes into the response.
    /// Partitions that may not stay (`stays(afterSending:usesTopicIds:)`) leave.
    mutating func respond(to fetched: [(key: FetchSessionKey, partition: FetchedPartition)]) -> [Bool] {
        var include: [Bool] = []
        include.reserveCapacity(fetched.count)
        var movedToEnd = Set<FetchSessionKey>()
        var dropped = Set<FetchSessionKey>()
        for (key, result) in fetched {
            guard var cached = partitions[key] else {
                // Not in the session any more (cannot happen while the epoch matches); say it anyway.
                include.append(true)
                continue
            }
            let must = cached.mustRespond(with: result)
            include.append(must)
            guard must else { continue }
            cached.recordSent(result)
            partitions[key] = cached
            if result.recordBytes > 0 { movedToEnd.insert(key) }
            if !Self.stays(afterSending: result, usesTopicIds: usesTopicIds) { dropped.insert(key) }
        }
        if !dropped.isEmpty {
            for key in dropped { partitions[key] = nil }
        }
        if !movedToEnd.isEmpty || !dropped.isEmpty {
            let kept = order.filter { !dropped.contains($0) }
            order = kept.filter { !movedToEnd.contains($0) } + kept.filter { movedToEnd.contains($0) }
        }
        return include
    }
}
