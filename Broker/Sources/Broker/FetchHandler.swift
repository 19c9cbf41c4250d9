import Engine
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Fetch: reads whole batches as file regions (sent with sendfile), bounded by the request's and
/// each partition's byte limits, the high watermark (or the last stable offset for
/// read_committed, with the aborted transactions). When fewer than `minBytes` are ready it waits
/// up to `maxWaitMs`, woken by appends (see `DelayedFetch`), never by polling.
///
/// Fetch sessions (KIP-227, v7+), by the request's session id and epoch:
/// - id 0, epoch -1: sessionless full fetch, answered with session id 0;
/// - epoch 0: full fetch that asks for a session (closing session `id` first if one is named);
///   the answer carries every partition and the new session's id (0 when the cache has no room);
/// - id N, epoch -1: closes session N, sessionless full fetch;
/// - id N, any other epoch E: incremental fetch in session N at epoch E, which must be the session's
///   (else INVALID_FETCH_SESSION_EPOCH; an unknown N gives FETCH_SESSION_ID_NOT_FOUND). The request's
///   partitions are added or updated and `forgotten_topics_data` removed; every session partition
///   is read; the answer carries only partitions with news (`FetchSession.respond(to:)`).
/// The session state lives in `FetchSessionCache`; a fetch updates it twice, when it starts (request
/// data, epoch) and when it is answered (what was sent), possibly after a long poll.
struct FetchHandler: Sendable {
    let registry: TopicRegistry
    let leadership: any PartitionLeadership
    let waiters: FetchWaiters
    let sessions: FetchSessionCache
    let threadPool: NIOThreadPool
    let stopping: NIOLockedValueBox<Bool>
    /// `strata.inline.storage.enable`: read local partitions on the event loop instead of the I/O
    /// pool (a read is an index lookup: microseconds); reads that may go to the remote store
    /// always use the pool.
    let logger: Logger
    var inlineReads = true

    /// The partitions a request asks for, resolved against the registry.
    struct Plan: Sendable {
        struct Entry: Sendable {
            var topicIndex: Int
            var partition: Int32
            var log: PartitionLog?
            var missingError: KafkaErrorCode
            var fetchOffset: Int64
            var maxBytes: Int
            var currentLeaderEpoch: Int32
            var fetcherLogStartOffset: Int64
        }
        var version: Int16
        var correlationId: Int32
        var topics: [(name: String, id: KafkaUUID)]
        var entries: [Entry]
        var maxBytes: Int
        var minBytes: Int
        var maxWaitMs: Int64
        var isolation: ReadIsolation
        var session: SessionMode = .sessionless

        /// Sessions made with Fetch v13+ name topics by id.
        var usesTopicIds: Bool { version >= 13 }

        func key(of entry: Entry) -> FetchSessionKey {
            let topic = topics[entry.topicIndex]
            return FetchSessionKey(topic: usesTopicIds ? .id(topic.id) : .name(topic.name), partition: entry.partition)
        }
    }

    /// How the answer relates to a fetch session.
    enum SessionMode: Sendable {
        /// Full answer, session id 0.
        case sessionless
        /// Full answer; a session is created from it if the cache has room.
        case full(privileged: Bool)
        /// Incremental answer in session `id`, which this fetch left at `epoch`.
        case incremental(id: Int32, epoch: Int32)
    }

    /// The outcome of one read pass.
    struct ReadPass: Sendable {
        var partitions: [FetchedPartition]
        var bytes: Int
        /// A partition failed to read (a missing topic or partition does not count, as in Kafka:
        /// it alone never cuts a long poll short).
        var hasError: Bool
    }

    func handle(_ request: FetchRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        let correlationId = context.header.correlationId
        let plan: Plan
        switch makePlan(request, version: version, correlationId: correlationId) {
        case .success(let made): plan = made
        case .failure(let error):
            return context.eventLoop.makeSucceededFuture(Self.encode(
                version: version, correlationId: correlationId, error: error.code, sessionId: 0, topics: []))
        }
        let first = readPass(plan, on: context.eventLoop)
        return first.flatMap { [self] pass in
            if pass.hasError || pass.bytes >= plan.minBytes || plan.maxWaitMs <= 0 || plan.entries.allSatisfy({ $0.log == nil })
                || stopping.withLockedValue({ $0 }) {
                return context.eventLoop.makeSucceededFuture(respond(plan, pass))
            }
            let delayed = DelayedFetch(handler: self, plan: plan, eventLoop: context.eventLoop)
            return delayed.start()
        }
    }

    /// One read pass: on the event loop when every partition is local (see `inlineReads`), else
    /// on the I/O pool, since a remote read waits for the object store.
    func readPass(_ plan: Plan, on eventLoop: any EventLoop) -> EventLoopFuture<ReadPass> {
        let mayReadRemotely = plan.entries.contains { entry in
            guard let log = entry.log, log.config.remoteStorageEnable else { return false }
            return entry.fetchOffset < log.logStartOffset
        }
        if inlineReads && !mayReadRemotely {
            return eventLoop.makeSucceededFuture(read(plan))
        }
        return threadPool.runIfActive(eventLoop: eventLoop) { [self] in read(plan) }
    }

    /// Resolves the request, and for v7+ its fetch session, into the partitions to read.
    private func makePlan(_ request: FetchRequest, version: Int16, correlationId: Int32) -> Result<Plan, FetchSessionError> {
        let replica = version >= 15 ? request.replicaState.replicaId : request.replicaId
        let isolation: ReadIsolation = replica >= 0 ? .logEnd : (version >= 4 && request.isolationLevel == 1 ? .committed : .highWatermark)
        var plan = Plan(version: version, correlationId: correlationId, topics: [], entries: [],
                        maxBytes: version >= 3 ? Int(max(request.maxBytes, 0)) : Int(Int32.max),
                        minBytes: Int(request.minBytes), maxWaitMs: Int64(request.maxWaitMs), isolation: isolation)
        let requested = requestedPartitions(request, version: version)
        let id = request.sessionId
        let epoch = request.sessionEpoch
        guard version >= 7 else {
            addEntries(requested, to: &plan)
            return .success(plan)
        }
        if epoch == FetchSession.initialEpoch || epoch == FetchSession.finalEpoch {
            if id != 0, sessions.remove(id) {
                logger.debug("fetch session \(id) closed by a full fetch (epoch \(epoch))")
            }
            addEntries(requested, to: &plan)
            plan.session = epoch == FetchSession.initialEpoch ? .full(privileged: replica >= 0) : .sessionless
            return .success(plan)
        }
        let forgotten = request.forgottenTopicsData.flatMap { topic in
            topic.partitions.map { FetchSessionKey(topic: plan.usesTopicIds ? .id(topic.topicId) : .name(topic.topic), partition: $0) }
        }
        switch sessions.beginIncremental(id: id, epoch: epoch, usesTopicIds: plan.usesTopicIds, requested: requested,
                                         forgotten: forgotten, now: Self.nowMs()) {
        case .error(let code):
            logger.debug("fetch session \(id) refused an incremental fetch at epoch \(epoch) (v\(version)): \(code)")
            return .failure(FetchSessionError(code: code))
        case .closed(let changes):
            logger.debug("fetch session \(id) closed: its last partitions were forgotten (removed \(changes.removed))")
            addEntries(requested, to: &plan)
            return .success(plan)
        case .session(let session, let changes):
            logger.debug("incremental fetch in session \(id) at epoch \(epoch): added \(changes.added), updated \(changes.updated), removed \(changes.removed), \(session.count) partitions")
            addEntries(session.orderedPartitions.map { ($0.key, $0.partition) }, to: &plan)
            plan.session = .incremental(id: id, epoch: session.epoch)
            return .success(plan)
        }
    }

    /// The partitions a request names, in its order, keyed as its version requires.
    private func requestedPartitions(_ request: FetchRequest, version: Int16) -> [(FetchSessionKey, FetchSession.Partition)] {
        var requested: [(FetchSessionKey, FetchSession.Partition)] = []
        for topic in request.topics {
            let key: FetchSessionKey.Topic = version >= 13 ? .id(topic.topicId) : .name(topic.topic)
            for partition in topic.partitions {
                requested.append((FetchSessionKey(topic: key, partition: partition.partition), FetchSession.Partition(
                    fetchOffset: partition.fetchOffset, maxBytes: Int(max(partition.partitionMaxBytes, 0)),
                    currentLeaderEpoch: version >= 9 ? partition.currentLeaderEpoch : -1,
                    fetcherLogStartOffset: version >= 5 ? partition.logStartOffset : -1)))
            }
        }
        return requested
    }

    /// Resolves partitions against the registry (by topic id or name, as keyed) into plan entries.
    private func addEntries(_ partitions: [(FetchSessionKey, FetchSession.Partition)], to plan: inout Plan) {
        var slots: [FetchSessionKey.Topic: (index: Int, topic: TopicRegistry.Topic?)] = [:]
        for (key, partition) in partitions {
            let slot: (index: Int, topic: TopicRegistry.Topic?)
            if let known = slots[key.topic] {
                slot = known
            } else {
                let topic: TopicRegistry.Topic?
                switch key.topic {
                case .id(let id):
                    topic = registry.topic(id: id)
                    plan.topics.append((topic?.name ?? "", id))
                case .name(let name):
                    topic = registry.topic(named: name)
                    plan.topics.append((name, topic?.id ?? .zero))
                }
                slot = (plan.topics.count - 1, topic)
                slots[key.topic] = slot
            }
            let missing: KafkaErrorCode = slot.topic == nil && plan.usesTopicIds ? .unknownTopicId : .unknownTopicOrPartition
            plan.entries.append(Plan.Entry(
                topicIndex: slot.index, partition: key.partition, log: slot.topic?.log(key.partition), missingError: missing,
                fetchOffset: partition.fetchOffset, maxBytes: partition.maxBytes, currentLeaderEpoch: partition.currentLeaderEpoch,
                fetcherLogStartOffset: partition.fetcherLogStartOffset))
        }
    }

    private static func nowMs() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }

    /// Reads every partition of the plan once (on an I/O thread).
    func read(_ plan: Plan) -> ReadPass {
        var pass = ReadPass(partitions: [], bytes: 0, hasError: false)
        pass.partitions.reserveCapacity(plan.entries.count)
        var remaining = plan.maxBytes
        for entry in plan.entries {
            let fetched = readPartition(entry, isolation: plan.isolation, maxBytes: min(entry.maxBytes, max(remaining, 0)),
                                        minOneBatch: pass.bytes == 0)
            if entry.log != nil && fetched.errorCode != .none { pass.hasError = true }
            let length = fetched.recordBytes
            pass.bytes += length
            remaining -= length
            pass.partitions.append(fetched)
        }
        return pass
    }

    /// Reads one partition: its offsets, and up to `maxBytes` of whole batches from the fetch
    /// offset (Kafka's rule: with `minOneBatch`, the first batch comes back whole even when larger,
    /// so a consumer can always make progress). Errors are answered in the partition.
    func readPartition(_ entry: Plan.Entry, isolation: ReadIsolation, maxBytes: Int, minOneBatch: Bool) -> FetchedPartition {
        var fetched = FetchedPartition(partition: entry.partition)
        guard let log = entry.log else {
            fetched.errorCode = entry.missingError
            return fetched
        }
        let leader = leadership.leader(of: log.topicPartition)
        if entry.currentLeaderEpoch >= 0, entry.currentLeaderEpoch != leader.leaderEpoch {
            fetched.errorCode = entry.currentLeaderEpoch < leader.leaderEpoch ? .fencedLeaderEpoch : .unknownLeaderEpoch
            return fetched
        }
        do {
            let result = try log.read(from: entry.fetchOffset, maxBytes: maxBytes, isolation: isolation, minOneBatch: minOneBatch)
            fetched.highWatermark = result.highWatermark
            fetched.lastStableOffset = result.lastStableOffset
            fetched.logStartOffset = registry.logStartOffset(of: log, localStart: result.logStartOffset)
            if isolation == .committed {
                fetched.abortedTransactions = result.abortedTransactions.map {
                    FetchResponse.AbortedTransaction(producerId: $0.producerId, firstOffset: $0.firstOffset)
                }
            }
            if let region = result.region, region.length > 0 {
                fetched.records = region
            }
        } catch {
            switch error {
            case .offsetOutOfRange where readRemote(entry, of: log, limit: maxBytes, minOneBatch: minOneBatch, isolation: isolation, into: &fetched):
                break
            case .offsetOutOfRange:
                fetched.errorCode = .offsetOutOfRange
                fetched.logStartOffset = registry.logStartOffset(of: log)
                fetched.highWatermark = log.highWatermark
                fetched.lastStableOffset = log.lastStableOffset
            default:
                fetched.errorCode = .kafkaStorageError
            }
        }
        return fetched
    }

    /// Answers a read pass: in full (sessionless, or creating a session), or incrementally.
    /// Runs on the connection's event loop.
    func respond(_ plan: Plan, _ pass: ReadPass) -> KafkaResponse {
        switch plan.session {
        case .sessionless:
            return Self.encode(plan, pass, sessionId: 0, include: nil)
        case .full(let privileged):
            var partitions: [(FetchSessionKey, FetchSession.Partition)] = []
            partitions.reserveCapacity(plan.entries.count)
            for (entry, fetched) in zip(plan.entries, pass.partitions)
            where FetchSession.stays(afterSending: fetched, usesTopicIds: plan.usesTopicIds) {
                var state = FetchSession.Partition(fetchOffset: entry.fetchOffset, maxBytes: entry.maxBytes,
                                                   currentLeaderEpoch: entry.currentLeaderEpoch,
                                                   fetcherLogStartOffset: entry.fetcherLogStartOffset)
                state.recordSent(fetched)
                partitions.append((plan.key(of: entry), state))
            }
            // A session without partitions would only hold a slot (Kafka creates one anyway).
            let id = partitions.isEmpty ? 0
                : sessions.create(privileged: privileged, usesTopicIds: plan.usesTopicIds, partitions: partitions, now: Self.nowMs())
            if id != 0 {
                logger.debug("created fetch session \(id) with \(partitions.count) partitions (privileged: \(privileged))")
            } else if !partitions.isEmpty {
                logger.debug("no fetch session created: all \(sessions.maxSlots) slots are in use and none may be evicted")
            }
            return Self.encode(plan, pass, sessionId: id, include: nil)
        case .incremental(let id, let epoch):
            let fetched = zip(plan.entries, pass.partitions).map { (key: plan.key(of: $0.0), partition: $0.1) }
            switch sessions.completeIncremental(id: id, epoch: epoch, fetched: fetched) {
            case .failure(let error):
                logger.debug("fetch session \(id) changed while a fetch at epoch \(epoch) was served: \(error.code)")
                return Self.encode(version: plan.version, correlationId: plan.correlationId, error: error.code,
                                   sessionId: error.code == .invalidFetchSessionEpoch ? id : 0, topics: [])
            case .success(let include):
                logger.debug("fetch session \(id) answered \(include.count { $0 }) of \(include.count) partitions (\(pass.bytes) record bytes)")
                return Self.encode(plan, pass, sessionId: id, include: include)
            }
        }
    }

    /// Encodes the partitions of a read pass (those flagged in `include`, or all), grouped by topic.
    static func encode(_ plan: Plan, _ pass: ReadPass, sessionId: Int32, include: [Bool]?) -> KafkaResponse {
        var topics: [FetchedTopic] = []
        var topicSlot: [Int: Int] = [:]
        for (index, (entry, fetched)) in zip(plan.entries, pass.partitions).enumerated() where include?[index] ?? true {
            if let slot = topicSlot[entry.topicIndex] {
                topics[slot].partitions.append(fetched)
            } else {
                topicSlot[entry.topicIndex] = topics.count
                let topic = plan.topics[entry.topicIndex]
                topics.append(FetchedTopic(name: topic.name, id: topic.id, partitions: [fetched]))
            }
        }
        return encode(version: plan.version, correlationId: plan.correlationId, error: .none, sessionId: sessionId, topics: topics)
    }

    static func encode(version: Int16, correlationId: Int32, error: KafkaErrorCode, sessionId: Int32, topics: [FetchedTopic]) -> KafkaResponse {
        do {
            return .parts(try FetchResponseWriter.write(version: version, correlationId: correlationId, errorCode: error,
                                                        sessionId: sessionId, topics: topics))
        } catch {
            return .close(reason: "could not encode a fetch response: \(error)")
        }
    }
}
