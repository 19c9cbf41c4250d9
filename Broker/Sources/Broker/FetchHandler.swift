import Engine
import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Fetch: reads whole batches as file regions (sent with sendfile), bounded by the request's and
/// each partition's byte limits, the high watermark (or the last stable offset for
/// read_committed, with the aborted transactions). When fewer than `minBytes` are ready it waits
/// up to `maxWaitMs`, woken by appends (see `DelayedFetch`), never by polling.
///
/// Fetch sessions (KIP-227): the broker declines to create sessions. Every response carries
/// session id 0, which clients (librdkafka, the Java client, kafka-python) take as "sessionless"
/// and keep sending full fetch requests; a request naming a session gets FETCH_SESSION_ID_NOT_FOUND.
struct FetchHandler: Sendable {
    let registry: TopicRegistry
    let leadership: any PartitionLeadership
    let waiters: FetchWaiters
    let threadPool: NIOThreadPool
    let stopping: NIOLockedValueBox<Bool>

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
        }
        var version: Int16
        var correlationId: Int32
        var topics: [(name: String, id: KafkaUUID)]
        var entries: [Entry]
        var maxBytes: Int
        var minBytes: Int
        var maxWaitMs: Int64
        var isolation: ReadIsolation
    }

    /// The outcome of one read pass.
    struct ReadPass: Sendable {
        var partitions: [FetchedPartition]
        var bytes: Int
        var hasError: Bool
    }

    func handle(_ request: FetchRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        let correlationId = context.header.correlationId
        if version >= 7 {
            if request.sessionId != 0 {
                return context.eventLoop.makeSucceededFuture(Self.encode(
                    version: version, correlationId: correlationId, error: .fetchSessionIdNotFound, topics: []))
            }
            if request.sessionEpoch != -1 && request.sessionEpoch != 0 {
                return context.eventLoop.makeSucceededFuture(Self.encode(
                    version: version, correlationId: correlationId, error: .invalidFetchSessionEpoch, topics: []))
            }
        }
        let plan = makePlan(request, version: version, correlationId: correlationId)
        let pool = threadPool
        let first = pool.runIfActive(eventLoop: context.eventLoop) { [self] in read(plan) }
        return first.flatMap { [self] pass in
            if pass.hasError || pass.bytes >= plan.minBytes || plan.maxWaitMs <= 0 || plan.entries.isEmpty
                || stopping.withLockedValue({ $0 }) {
                return context.eventLoop.makeSucceededFuture(Self.respond(plan, pass))
            }
            let delayed = DelayedFetch(handler: self, plan: plan, eventLoop: context.eventLoop)
            return delayed.start()
        }
    }

    private func makePlan(_ request: FetchRequest, version: Int16, correlationId: Int32) -> Plan {
        let replica = version >= 15 ? request.replicaState.replicaId : request.replicaId
        let isolation: ReadIsolation = replica >= 0 ? .logEnd : (version >= 4 && request.isolationLevel == 1 ? .committed : .highWatermark)
        var plan = Plan(version: version, correlationId: correlationId, topics: [], entries: [],
                        maxBytes: version >= 3 ? Int(max(request.maxBytes, 0)) : Int(Int32.max),
                        minBytes: Int(request.minBytes), maxWaitMs: Int64(request.maxWaitMs), isolation: isolation)
        for (topicIndex, requested) in request.topics.enumerated() {
            let topic: TopicRegistry.Topic?
            let missing: KafkaErrorCode
            if version >= 13 {
                topic = registry.topic(id: requested.topicId)
                missing = .unknownTopicId
            } else {
                topic = registry.topic(named: requested.topic)
                missing = .unknownTopicOrPartition
            }
            plan.topics.append((topic?.name ?? requested.topic, requested.topicId))
            for partition in requested.partitions {
                plan.entries.append(Plan.Entry(
                    topicIndex: topicIndex, partition: partition.partition, log: topic?.log(partition.partition),
                    missingError: topic == nil ? missing : .unknownTopicOrPartition, fetchOffset: partition.fetchOffset,
                    maxBytes: Int(max(partition.partitionMaxBytes, 0)),
                    currentLeaderEpoch: version >= 9 ? partition.currentLeaderEpoch : -1))
            }
        }
        return plan
    }

    /// Reads every partition of the plan once (on an I/O thread).
    func read(_ plan: Plan) -> ReadPass {
        var pass = ReadPass(partitions: [], bytes: 0, hasError: false)
        pass.partitions.reserveCapacity(plan.entries.count)
        var remaining = plan.maxBytes
        for entry in plan.entries {
            var fetched = FetchedPartition(partition: entry.partition)
            defer { pass.partitions.append(fetched) }
            guard let log = entry.log else {
                fetched.errorCode = entry.missingError
                pass.hasError = true
                continue
            }
            let leader = leadership.leader(of: log.topicPartition)
            if entry.currentLeaderEpoch >= 0, entry.currentLeaderEpoch != leader.leaderEpoch {
                fetched.errorCode = entry.currentLeaderEpoch < leader.leaderEpoch ? .fencedLeaderEpoch : .unknownLeaderEpoch
                pass.hasError = true
                continue
            }
            do {
                // Kafka's rule: the first batch with data is returned whole even when larger than
                // the limits, so a consumer can always make progress.
                let limit = min(entry.maxBytes, max(remaining, 0))
                let result = try log.read(from: entry.fetchOffset, maxBytes: limit, isolation: plan.isolation, minOneBatch: pass.bytes == 0)
                fetched.highWatermark = result.highWatermark
                fetched.lastStableOffset = result.lastStableOffset
                fetched.logStartOffset = registry.logStartOffset(of: log)
                if plan.isolation == .committed {
                    fetched.abortedTransactions = result.abortedTransactions.map {
                        FetchResponse.AbortedTransaction(producerId: $0.producerId, firstOffset: $0.firstOffset)
                    }
                }
                if let region = result.region, region.length > 0 {
                    fetched.records = region
                    pass.bytes += region.length
                    remaining -= region.length
                }
            } catch {
                switch error {
                case .offsetOutOfRange where readRemote(entry, of: log, limit: min(entry.maxBytes, max(remaining, 0)), minOneBatch: pass.bytes == 0, into: &fetched):
                    if fetched.errorCode != .none { pass.hasError = true; continue }
                    pass.bytes += fetched.remoteRecords?.count ?? 0
                    remaining -= fetched.remoteRecords?.count ?? 0
                    continue
                case .offsetOutOfRange:
                    fetched.errorCode = .offsetOutOfRange
                    fetched.logStartOffset = registry.logStartOffset(of: log)
                    fetched.highWatermark = log.highWatermark
                    fetched.lastStableOffset = log.lastStableOffset
                default:
                    fetched.errorCode = .kafkaStorageError
                }
                pass.hasError = true
            }
        }
        return pass
    }

    static func respond(_ plan: Plan, _ pass: ReadPass) -> KafkaResponse {
        var topics: [FetchedTopic] = []
        var topicSlot: [Int: Int] = [:]
        for (entry, fetched) in zip(plan.entries, pass.partitions) {
            if let slot = topicSlot[entry.topicIndex] {
                topics[slot].partitions.append(fetched)
            } else {
                topicSlot[entry.topicIndex] = topics.count
                let topic = plan.topics[entry.topicIndex]
                topics.append(FetchedTopic(name: topic.name, id: topic.id, partitions: [fetched]))
            }
        }
        return encode(version: plan.version, correlationId: plan.correlationId, error: .none, topics: topics)
    }

    static func encode(version: Int16, correlationId: Int32, error: KafkaErrorCode, topics: [FetchedTopic]) -> KafkaResponse {
        do {
            return .parts(try FetchResponseWriter.write(version: version, correlationId: correlationId, errorCode: error, topics: topics))
        } catch {
            return .close(reason: "could not encode a fetch response: \(error)")
        }
    }
}
