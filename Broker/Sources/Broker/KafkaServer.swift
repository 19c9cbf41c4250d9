import Engine
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The broker process: opens the data directory, binds the listeners and serves the Kafka
/// protocol until `shutdown()`.
///
/// Threads: `num.network.threads` event loops own the connections; `num.io.threads` pool threads
/// run storage work (and the group coordinator's steps); one event loop also runs the periodic
/// flush (`flush.ms`), checkpoint and retention tasks on the pool and the coordinator's timers;
/// the log cleaner has a thread of its own (`LogMaintenance`).
///
/// Concurrency: `start` and `shutdown` are meant to be called once each, from one thread; the
/// mutable lifecycle state is behind a lock. Everything shared with the connections is immutable
/// or itself thread-safe (`TopicRegistry`, `FetchWaiters`, `FetchSessionCache`, `ConnectionRegistry`).
public final class KafkaServer: Sendable {
    public let config: BrokerConfig
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let waiters = FetchWaiters()
    /// The incremental fetch sessions (KIP-227) of every connection.
    let fetchSessions: FetchSessionCache
    private let stopping = NIOLockedValueBox(false)
    private let connections: ConnectionRegistry
    private let endpoints = NIOLockedValueBox(AdvertisedEndpoints(advertised: [:], bound: [:]))
    private let leadership: SingleNodeLeadership

    private struct Running: @unchecked Sendable {
        var registry: TopicRegistry
        var coordinator: GroupCoordinator
        var maintenance: LogMaintenance
        var serverChannels: [any Channel]
        var tasks: [RepeatedTask]
    }
    private let running = NIOLockedValueBox<Running?>(nil)

    public init(config: BrokerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: config.numNetworkThreads)
        self.threadPool = NIOThreadPool(numberOfThreads: config.numIoThreads)
        self.connections = ConnectionRegistry(maxConnections: config.maxConnections)
        self.leadership = SingleNodeLeadership(nodeId: config.nodeId)
        self.fetchSessions = FetchSessionCache(maxSlots: config.maxIncrementalFetchSessionCacheSlots)
    }

    /// The topics (available after `start`).
    public var topics: TopicRegistry? { running.withLockedValue { $0?.registry } }

    /// The group coordinator (available after `start`).
    public var groupCoordinator: GroupCoordinator? { running.withLockedValue { $0?.coordinator } }

    /// The listeners as bound, with the ports the system chose for port 0.
    public var boundListeners: [Listener] {
        let bound = endpoints.withLockedValue { $0.bound }
        return config.listeners.compactMap { bound[$0.name] }
    }

    /// Opens the data directory (recovering it after an unclean stop) and binds every listener.
    public func start() throws {
        threadPool.start()
        let registry: TopicRegistry
        do {
            registry = try TopicRegistry.open(config: config, leadership: leadership, waiters: waiters, logger: logger)
        } catch {
            try? threadPool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw error
        }
        let producerIds: ProducerIdManager
        do {
            producerIds = try ProducerIdManager(logDir: config.logDir)
        } catch {
            try? registry.close()
            try? threadPool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw error
        }
        // Groups and offsets come back from __consumer_offsets before the listeners open.
        let coordinator = GroupCoordinator(config: config.groupCoordinator, registry: registry, threadPool: threadPool,
                                           timerLoop: group.next(), logger: logger)
        coordinator.start()
        let maintenance = LogMaintenance(registry: registry, config: config, loop: group.next(), ioPool: threadPool, logger: logger)
        var dispatcher = RequestDispatcher(
            metadata: MetadataHandler(registry: registry, config: config, leadership: leadership, endpoints: endpoints),
            produce: ProduceHandler(registry: registry, leadership: leadership),
            fetch: FetchHandler(registry: registry, leadership: leadership, waiters: waiters, sessions: fetchSessions,
                                threadPool: threadPool, stopping: stopping, logger: logger, inlineReads: config.inlineStorage),
            listOffsets: ListOffsetsHandler(registry: registry, leadership: leadership),
            createTopics: CreateTopicsHandler(registry: registry, config: config),
            deleteTopics: DeleteTopicsHandler(registry: registry, config: config),
            initProducerId: InitProducerIdHandler(producerIds: producerIds),
            groups: GroupRequestHandler(coordinator: coordinator, registry: registry, nodeId: config.nodeId, endpoints: endpoints),
            createPartitions: CreatePartitionsHandler(registry: registry, config: config),
            deleteRecords: DeleteRecordsHandler(registry: registry),
            configs: ConfigRequestHandler(registry: registry, config: config),
            threadPool: threadPool)
        dispatcher.inlineAppends = config.inlineStorage
        endpoints.withLockedValue { endpoints in
            for listener in config.advertisedListeners { endpoints.advertised[listener.name] = listener }
        }
        var channels: [any Channel] = []
        do {
            for listener in config.listeners {
                let channel = try bind(listener, dispatcher: dispatcher)
                channels.append(channel)
                var bound = listener
                bound.port = channel.localAddress?.port ?? listener.port
                let actual = bound
                endpoints.withLockedValue { $0.bound[listener.name] = actual }
                logger.info("listening on \(actual) (node.id \(config.nodeId), cluster.id \(registry.clusterId))")
            }
        } catch {
            for channel in channels { try? channel.close().wait() }
            coordinator.shutdown()
            try? registry.close()
            try? threadPool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw error
        }
        let tasks = scheduleBackgroundWork(registry)
        maintenance.start()
        registry.tiering?.start()
        var metricsChannel: (any Channel)?
        if let address = config.metricsListener {
            do {
                metricsChannel = try MetricsEndpoint(registry: registry).bind(address, group: group)
                logger.info("serving metrics on http://\(address)/metrics")
            } catch {
                logger.error("could not serve metrics on \(address): \(error)")
            }
        }
        running.withLockedValue {
            $0 = Running(registry: registry, coordinator: coordinator, maintenance: maintenance,
                         serverChannels: channels + (metricsChannel.map { [$0] } ?? []), tasks: tasks)
        }
    }

    private func bind(_ listener: Listener, dispatcher: RequestDispatcher) throws -> any Channel {
        let config = config
        let logger = logger
        let connections = connections
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // One read per readiness event: NIO's receive-buffer pool then keeps no buffer that
            // `RequestFrameRecvAllocator` hands out for an unfinished frame (see there). A large
            // frame's rest is still taken off the socket in one read, into its own buffer.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                guard connections.add(channel) != nil else {
                    logger.warning("refusing connection from \(channel.remoteAddress.map { "\($0)" } ?? "?"): max.connections (\(config.maxConnections)) reached or shutting down")
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let readTarget = RequestFrameRecvAllocator.Target()
                    try channel.syncOptions?.setOption(.recvAllocator, value: RequestFrameRecvAllocator(target: readTarget))
                    let handlers: [any ChannelHandler] = [
                        IdleStateHandler(allTimeout: .milliseconds(config.connectionsMaxIdleMs)),
                        RequestFrameReader(maxFrameBytes: config.socketRequestMaxBytes, target: readTarget),
                        KafkaChannelHandler(dispatcher: dispatcher, listenerName: listener.name, logger: logger),
                    ]
                    try channel.pipeline.syncOperations.addHandlers(handlers)
                }
            }
        if config.socketSendBufferBytes > 0 {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(config.socketSendBufferBytes))
        }
        if config.socketReceiveBufferBytes > 0 {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(config.socketReceiveBufferBytes))
        }
        return try bootstrap.bind(host: listener.bindHost, port: listener.port).wait()
    }

    private func scheduleBackgroundWork(_ registry: TopicRegistry) -> [RepeatedTask] {
        let pool = threadPool
        let logger = logger
        let loop = group.next()
        let flush = loop.scheduleRepeatedTask(
            initialDelay: .milliseconds(config.flushSchedulerIntervalMs), delay: .milliseconds(config.flushSchedulerIntervalMs)
        ) { _ in
            pool.submit { state in
                guard case .active = state else { return }
                do { try registry.logManager.flushDueLogs() } catch { logger.error("periodic flush failed: \(error)") }
            }
        }
        let checkpoint = loop.scheduleRepeatedTask(
            initialDelay: .milliseconds(config.flushOffsetCheckpointIntervalMs), delay: .milliseconds(config.flushOffsetCheckpointIntervalMs)
        ) { _ in
            pool.submit { state in
                guard case .active = state else { return }
                do { try registry.logManager.checkpoint() } catch { logger.error("writing offset checkpoints failed: \(error)") }
            }
        }
        return [flush, checkpoint]
    }

    /// Stops accepting connections, lets every connection finish its in-flight request (waiting
    /// fetches answer at once), closes the connections, and closes the logs cleanly (flush,
    /// checkpoints, clean-shutdown marker), so the next start needs no recovery.
    public func shutdown(gracePeriod: TimeAmount = .seconds(10)) {
        guard let state = running.withLockedValue({ running -> Running? in
            defer { running = nil }
            return running
        }) else { return }
        logger.info("shutting down")
        stopping.withLockedValue { $0 = true }
        for channel in state.serverChannels { try? channel.close().wait() }
        for task in state.tasks { task.cancel() }
        // Parked JoinGroup and SyncGroup requests answer NOT_COORDINATOR now, so no connection
        // waits out a rebalance timeout.
        state.coordinator.shutdown()
        let loop = group.next()
        let closed = connections.quiesceAll(on: loop)
        waiters.wakeAll()
        let deadline = loop.scheduleTask(in: gracePeriod) { [connections, logger] in
            logger.warning("connections still open after \(gracePeriod.nanoseconds / 1_000_000) ms; closing them")
            connections.closeAll()
        }
        try? closed.wait()
        deadline.cancel()
        state.maintenance.stop()
        state.registry.tiering?.stop()
        try? threadPool.syncShutdownGracefully()
        do {
            try state.registry.close()
            logger.info("logs closed cleanly")
        } catch {
            logger.error("closing the logs failed: \(error)")
        }
        try? group.syncShutdownGracefully()
    }
}
