/// The broker-level settings of tiered storage, under KIP-405's names where Kafka has them.
public struct RemoteLogManagerConfig: Equatable, Sendable {
    /// `remote.log.manager.task.interval.ms`: how often each tiered partition is checked for
    /// segments to upload and remote segments to expire. Kafka's default 30 s.
    public var taskIntervalMs: Int64 = 30_000
    /// `remote.log.manager.copier.thread.pool.size`: partitions uploaded at once. Kafka's default 10.
    public var copierThreads = 10
    /// `remote.log.reader.threads`: remote reads served at once. Kafka's default 10.
    public var readerThreads = 10
    /// `rsm.config.chunk.size`: bytes fetched from the store per request and cached as one unit.
    public var chunkSize = 4 * 1024 * 1024
    /// `rsm.config.fetch.chunk.cache.size`: the most bytes the local chunk cache holds.
    public var chunkCacheBytes: Int64 = 1 << 30
    /// `rsm.config.fetch.chunk.cache.path`: where cached chunks are kept (emptied at start).
    public var chunkCachePath = ""
    /// `rsm.config.fetch.chunk.cache.prefetch.max.size`: bytes read ahead for sequential readers.
    public var prefetchBytes = 4 * 1024 * 1024

    public init() {}
}
