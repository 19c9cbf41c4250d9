import Engine
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The background work on the logs that Kafka's `LogManager` schedules: retention every
/// `log.retention.check.interval.ms` (on the I/O pool, as `LogManager.applyRetention()`), and the
/// log cleaner (`log.cleaner.enable`) on a thread of its own, which compacts the logs that need it
/// and then sleeps `log.cleaner.backoff.ms`.
///
/// Concurrency: the task handles and the stop flag are guarded by `lock`; the engine's
/// `LogManager` is thread-safe. `stop()` waits for a cleaner pass under way to finish, so the logs
/// can be closed after it.
final class LogMaintenance: @unchecked Sendable {
    private let registry: TopicRegistry
    private let config: BrokerConfig
    private let loop: any EventLoop
    private let ioPool: NIOThreadPool
    private let logger: Logger
    private let cleanerPool = NIOThreadPool(numberOfThreads: 1)

    private let lock = NIOLock()
    private var retentionTask: RepeatedTask?
    private var cleanerTask: Scheduled<Void>?
    private var stopped = false

    init(registry: TopicRegistry, config: BrokerConfig, loop: any EventLoop, ioPool: NIOThreadPool, logger: Logger) {
        self.registry = registry
        self.config = config
        self.loop = loop
        self.ioPool = ioPool
        self.logger = logger
    }

    func start() {
        let interval = TimeAmount.milliseconds(config.retentionCheckIntervalMs)
        let retention = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            ioPool.submit { [self] state in
                guard case .active = state else { return }
                applyRetention()
            }
        }
        lock.withLock { retentionTask = retention }
        if config.cleanerEnable {
            cleanerPool.start()
            scheduleCleaner(after: config.cleanerBackoffMs)
        }
    }

    func stop() {
        lock.withLock {
            stopped = true
            retentionTask?.cancel()
            retentionTask = nil
            cleanerTask?.cancel()
            cleanerTask = nil
        }
        if config.cleanerEnable { try? cleanerPool.syncShutdownGracefully() }
    }

    private func applyRetention() {
        do {
            let results = try registry.logManager.applyRetention()
            for (partition, result) in results.sorted(by: { $0.key < $1.key }) {
                let reasons = result.reasons.joined(separator: ", ")
                logger.info("retention deleted \(result.deletedSegments) segment(s), \(result.deletedBytes) byte(s) of \(partition) (\(reasons)); log start offset \(result.logStartOffset)")
            }
        } catch {
            logger.error("retention failed: \(error)")
        }
    }

    private func scheduleCleaner(after delayMs: Int64) {
        lock.withLock {
            guard !stopped else { return }
            cleanerTask = loop.scheduleTask(in: .milliseconds(delayMs)) { [self] in
                cleanerPool.submit { [self] state in
                    guard case .active = state else { return }
                    runCleaner()
                    scheduleCleaner(after: config.cleanerBackoffMs)
                }
            }
        }
    }

    private func runCleaner() {
        do {
            let results = try registry.logManager.runCleaner(LogCleaner(config: config.cleaner))
            for (partition, passes) in results.sorted(by: { $0.key < $1.key }) {
                let removed = passes.reduce(Int64(0)) { $0 + $1.recordsRemoved }
                let read = passes.reduce(Int64(0)) { $0 + $1.bytesRead }
                let written = passes.reduce(Int64(0)) { $0 + $1.bytesWritten }
                logger.info("cleaned \(partition): \(passes.count) pass(es), \(removed) record(s) removed, \(read) byte(s) read, \(written) written")
            }
        } catch {
            logger.error("log cleaner pass failed: \(error)")
        }
    }
}
