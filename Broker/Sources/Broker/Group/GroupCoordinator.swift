import Engine
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The thin I/O layer around `GroupStateMachine`: it gives requests ids and promises, feeds
/// events in, carries the actions out (answers promises, appends records to `__consumer_offsets`),
/// runs the state machine's deadlines on a timer, expires offsets periodically, and at start
/// rebuilds the state by reading `__consumer_offsets`.
///
/// Writes are appended synchronously while the lock is held, so the log holds records in exactly
/// the order the state machine asked for them (a compacted log keeps the last record per key, so
/// order is correctness). With one node the append is the commit: the high watermark moves with
/// the log end (acks=all is acks=1), and the data survives a process crash in the page cache.
///
/// Concurrency: every mutable field is guarded by `lock`; state-machine steps (which may write to
/// disk) run on the I/O thread pool, never on an event loop. Promises are completed after the lock
/// is released. Safe from any thread.
public final class GroupCoordinator: @unchecked Sendable {
    public let config: GroupCoordinatorConfig
    let registry: TopicRegistry
    private let threadPool: NIOThreadPool
    private let timerLoop: any EventLoop
    private let clock: @Sendable () -> Int64
    private let logger: Logger

    private let lock = NIOLock()
    private var machine: GroupStateMachine
    private var waiting: [GroupRequestID: EventLoopPromise<GroupReply>] = [:]
    private var nextRequestId: UInt64 = 0
    private var timer: (deadline: Int64, task: Scheduled<Void>)?
    private var expiry: RepeatedTask?
    private var stopped = false

    public init(config: GroupCoordinatorConfig, registry: TopicRegistry, threadPool: NIOThreadPool, timerLoop: any EventLoop,
                logger: Logger, clock: @escaping @Sendable () -> Int64 = PartitionLog.systemClock) {
        self.config = config
        self.registry = registry
        self.threadPool = threadPool
        self.timerLoop = timerLoop
        self.logger = logger
        self.clock = clock
        self.machine = GroupStateMachine(config: config)
    }

    /// Loads groups and offsets from `__consumer_offsets` (if it exists yet) and starts the timers.
    public func start() {
        if let topic = registry.topic(named: OffsetsTopic.name) { load(topic) }
        let interval = TimeAmount.milliseconds(config.offsetsRetentionCheckIntervalMs)
        let task = timerLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.onPool { $0.step(.expireOffsets) }
        }
        lock.withLock {
            expiry = task
            rescheduleTimerLocked()
        }
    }

    /// Answers every parked request with NOT_COORDINATOR and stops the timers. Requests after this
    /// fail with COORDINATOR_NOT_AVAILABLE.
    public func shutdown() {
        let (answers, leftovers) = lock.withLock { () -> ([(EventLoopPromise<GroupReply>, GroupReply)], [EventLoopPromise<GroupReply>]) in
            guard !stopped else { return ([], []) }
            stopped = true
            expiry?.cancel()
            expiry = nil
            timer?.task.cancel()
            timer = nil
            let answers = runLocked(.shutdown)
            let leftovers = Array(waiting.values)
            waiting = [:]
            return (answers, leftovers)
        }
        for (promise, reply) in answers { promise.succeed(reply) }
        for promise in leftovers { promise.fail(GroupCoordinatorUnavailable()) }
    }

    // MARK: Requests

    /// Runs a request through the state machine on the I/O pool; the future completes with its
    /// answer (at once, or when the rebalance or the write it waits for is done), on `eventLoop`.
    public func submit(on eventLoop: any EventLoop, _ makeEvent: @escaping @Sendable (GroupRequestID) -> GroupEvent) -> EventLoopFuture<GroupReply> {
        let promise = eventLoop.makePromise(of: GroupReply.self)
        threadPool.submit { [self] state in
            guard case .active = state else { return promise.fail(GroupCoordinatorUnavailable()) }
            let answers = lock.withLock { () -> [(EventLoopPromise<GroupReply>, GroupReply)]? in
                guard !stopped, ensureOffsetsTopicLocked() else { return nil }
                nextRequestId += 1
                let id = GroupRequestID(nextRequestId)
                waiting[id] = promise
                let answers = runLocked(makeEvent(id))
                rescheduleTimerLocked()
                return answers
            }
            guard let answers else { return promise.fail(GroupCoordinatorUnavailable()) }
            for (waiting, reply) in answers { waiting.succeed(reply) }
        }
        return promise.futureResult
    }

    /// A read-only look at the state (ListGroups, DescribeGroups, OffsetFetch).
    public func read<T>(_ body: (GroupStateMachine) -> T) -> T {
        lock.withLock { body(machine) }
    }

    /// Makes sure `__consumer_offsets` exists (FindCoordinator does this first, as Kafka does).
    public func ensureOffsetsTopic() -> Bool {
        lock.withLock { !stopped && ensureOffsetsTopicLocked() }
    }

    // MARK: Carrying out actions

    private func onPool(_ work: @escaping @Sendable (GroupCoordinator) -> Void) {
        threadPool.submit { [weak self] state in
            guard case .active = state, let self else { return }
            work(self)
        }
    }

    private func step(_ event: GroupEvent) {
        let answers = lock.withLock { () -> [(EventLoopPromise<GroupReply>, GroupReply)] in
            guard !stopped else { return [] }
            let answers = runLocked(event)
            rescheduleTimerLocked()
            return answers
        }
        for (promise, reply) in answers { promise.succeed(reply) }
    }

    /// Feeds an event and carries out the actions, including the events that writes lead to.
    /// Returns the promises to complete once the lock is released.
    private func runLocked(_ event: GroupEvent) -> [(EventLoopPromise<GroupReply>, GroupReply)] {
        var answers: [(EventLoopPromise<GroupReply>, GroupReply)] = []
        var queue = machine.handle(event, now: clock())
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case let .reply(id, reply):
                if let promise = waiting.removeValue(forKey: id) { answers.append((promise, reply)) }
            case let .write(id, groupId, records):
                let outcome = appendLocked(groupId: groupId, records)
                queue += machine.handle(.writeCompleted(id, outcome), now: clock())
            }
        }
        return answers
    }

    /// Appends one batch of records to the group's partition of `__consumer_offsets`.
    private func appendLocked(groupId: String, _ records: [GroupRecord]) -> KafkaErrorCode {
        guard !records.isEmpty else { return .none }
        guard ensureOffsetsTopicLocked(), let topic = registry.topic(named: OffsetsTopic.name), !topic.logs.isEmpty else {
            return .coordinatorNotAvailable
        }
        let log = topic.logs[Int(OffsetsTopic.partition(for: groupId, partitionCount: Int32(topic.logs.count)))]
        let now = clock()
        var builder = RecordBatchBuilder()
        for record in records {
            guard let (key, value) = try? GroupRecordCodec.encode(record) else {
                logger.error("a record of group \(groupId) cannot be encoded; nothing written")
                return .unknownServerError
            }
            builder.append(key: key, value: value, timestamp: now)
        }
        var bytes = builder.build().bytes
        do {
            _ = try log.append(&bytes, leaderEpoch: SingleNodeLeadership.leaderEpoch, origin: .client)
            return .none
        } catch {
            logger.error("writing \(records.count) record(s) of group \(groupId) to \(log.topicPartition) failed: \(error)")
            return ProduceHandler.errorCode(for: error, segmentBytes: log.config.segmentBytes)
        }
    }

    /// Creates `__consumer_offsets` (compacted, `offsets.topic.num.partitions` partitions) if it
    /// does not exist.
    private func ensureOffsetsTopicLocked() -> Bool {
        if registry.topic(named: OffsetsTopic.name) != nil { return true }
        switch registry.createTopic(name: OffsetsTopic.name, partitions: config.offsetsTopicPartitions, replicationFactor: 1,
                                    configs: OffsetsTopic.configs(config)) {
        case .success:
            logger.info("created \(OffsetsTopic.name) with \(config.offsetsTopicPartitions) partition(s)")
            return true
        case .failure(let error) where error.code == .topicAlreadyExists:
            return true
        case .failure(let error):
            logger.error("cannot create \(OffsetsTopic.name): \(error.message)")
            return false
        }
    }

    // MARK: Timers

    /// Keeps one timer armed for the state machine's earliest deadline.
    private func rescheduleTimerLocked() {
        guard !stopped, let next = machine.nextDeadline else { return }
        if let armed = timer, armed.deadline <= next { return }
        timer?.task.cancel()
        let delay = max(next - clock(), 0)
        let task = timerLoop.scheduleTask(in: .milliseconds(delay)) { [weak self] () -> Void in
            self?.onPool { coordinator in
                coordinator.lock.withLock { coordinator.timer = nil }
                coordinator.step(.timersDue)
            }
        }
        timer = (next, task)
    }

    // MARK: Loading

    /// Replays every partition of `__consumer_offsets` from its log start.
    private func load(_ topic: TopicRegistry.Topic) {
        var loader = GroupStateMachine.Loader()
        var skipped = 0
        for log in topic.logs {
            var offset = log.logStartOffset
            let end = log.logEndOffset
            do {
                while offset < end {
                    let batches = try log.readBatches(from: offset, maxBytes: 1 << 20, isolation: .logEnd)
                    guard let last = batches.last else { break }
                    for batch in batches where !batch.header.isControl {
                        for record in try batch.records() {
                            do {
                                if let decoded = try GroupRecordCodec.decode(key: record.key ?? [], value: record.value) {
                                    loader.replay(decoded)
                                } else {
                                    skipped += 1
                                }
                            } catch {
                                skipped += 1
                                logger.warning("skipping unreadable record at \(log.topicPartition) offset \(record.offset): \(error)")
                            }
                        }
                    }
                    offset = last.lastOffset + 1
                }
            } catch {
                logger.error("reading \(log.topicPartition) stopped at offset \(offset): \(error)")
            }
        }
        let now = clock()
        let groups = lock.withLock { machine.install(loader, now: now) }
        let note = skipped > 0 ? " (\(skipped) record(s) of other types skipped)" : ""
        logger.info("loaded \(groups) group(s) from \(loader.records) record(s) of \(OffsetsTopic.name)\(note)")
    }
}

/// The coordinator is stopping or `__consumer_offsets` cannot be created: COORDINATOR_NOT_AVAILABLE.
public struct GroupCoordinatorUnavailable: Error {}
