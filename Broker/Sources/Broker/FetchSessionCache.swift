import NIOConcurrencyHelpers

/// The broker's incremental fetch sessions (KIP-227), at most `max.incremental.fetch.session.cache.slots`.
///
/// Creating a session when every slot is taken evicts one existing session B for the new one A if
/// (Kafka's rule, evaluated when the slot is needed):
/// 1. the least recently used session has been idle longer than `evictionMs` (Kafka hard-codes
///    120 000 ms, `min.incremental.fetch.session.eviction.ms` in KIP-227): that one goes; else
/// 2. among the sessions A may evict — older than `evictionMs`, plus, when A is a follower's
///    (privileged) session, every consumer session — the least valuable B, ordered by
///    (privileged, partition count, id), goes if A is worth at least as much: A is privileged and B
///    is not, or A has more partitions.
/// Otherwise no session is created and the fetch is answered with session id 0.
///
/// Session ids are random, positive and unique among live sessions.
///
/// Concurrency: one lock guards every session; each call holds it briefly (work proportional to
/// the partitions of one request, or a scan of the sessions when one must be evicted). Callers
/// pass the time (`now`, monotonic milliseconds), so the rules are tested without a clock.
final class FetchSessionCache: Sendable {
    /// Kafka's `KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS`.
    static let defaultEvictionMs: Int64 = 120_000

    /// Counts for tests and logs.
    struct Statistics: Sendable, Equatable {
        var sessions = 0
        var partitions = 0
        var created = 0
        var evicted = 0
        var incrementalFetches = 0
    }

    /// The result of starting an incremental fetch.
    enum IncrementalStart: Sendable {
        /// The session, after the request's changes and with its epoch advanced.
        case session(FetchSession, FetchSession.Changes)
        /// The request removed the last partition: the session is closed; answer sessionless.
        case closed(FetchSession.Changes)
        case error(KafkaErrorCode)
    }

    let maxSlots: Int
    let evictionMs: Int64

    private struct State {
        var sessions: [Int32: FetchSession] = [:]
        var statistics = Statistics()
        var generator = SystemRandomNumberGenerator()
    }

    private let state = NIOLockedValueBox(State())

    init(maxSlots: Int, evictionMs: Int64 = FetchSessionCache.defaultEvictionMs) {
        precondition(maxSlots >= 0 && evictionMs >= 0)
        self.maxSlots = maxSlots
        self.evictionMs = evictionMs
    }

    var statistics: Statistics {
        state.withLockedValue { state in
            var statistics = state.statistics
            statistics.sessions = state.sessions.count
            statistics.partitions = state.sessions.values.reduce(0) { $0 + $1.count }
            return statistics
        }
    }

    func session(_ id: Int32) -> FetchSession? { state.withLockedValue { $0.sessions[id] } }

    /// Closes a session; false when there was none with that id.
    @discardableResult
    func remove(_ id: Int32) -> Bool {
        state.withLockedValue { $0.sessions.removeValue(forKey: id) != nil }
    }

    /// Creates a session holding `partitions` if a slot is free or can be freed by eviction.
    /// Returns its id, or 0 (no session).
    func create(privileged: Bool, usesTopicIds: Bool, partitions: [(FetchSessionKey, FetchSession.Partition)], now: Int64) -> Int32 {
        state.withLockedValue { state in
            guard state.sessions.count < maxSlots || evict(&state, forPrivileged: privileged, size: partitions.count, now: now) else {
                return 0
            }
            var id: Int32
            repeat {
                id = Int32.random(in: 1...Int32.max, using: &state.generator)
            } while state.sessions[id] != nil
            state.sessions[id] = FetchSession(id: id, privileged: privileged, usesTopicIds: usesTopicIds, now: now, partitions: partitions)
            state.statistics.created += 1
            return id
        }
    }

    /// Starts an incremental fetch: checks the session id and epoch (and that the request version
    /// names topics the way the session does), applies the request's partitions and forgotten
    /// partitions, and advances the epoch.
    func beginIncremental(id: Int32, epoch: Int32, usesTopicIds: Bool, requested: [(FetchSessionKey, FetchSession.Partition)],
                          forgotten: [FetchSessionKey], now: Int64) -> IncrementalStart {
        state.withLockedValue { state in
            guard var session = state.sessions[id] else { return .error(.fetchSessionIdNotFound) }
            guard session.epoch == epoch else { return .error(.invalidFetchSessionEpoch) }
            guard session.usesTopicIds == usesTopicIds else { return .error(.fetchSessionTopicIdError) }
            let changes = session.update(requested: requested, forgotten: forgotten)
            if session.isEmpty {
                state.sessions[id] = nil
                return .closed(changes)
            }
            session.lastUsedMs = now
            session.epoch = FetchSession.nextEpoch(session.epoch)
            state.sessions[id] = session
            state.statistics.incrementalFetches += 1
            return .session(session, changes)
        }
    }

    /// Finishes an incremental fetch begun with `beginIncremental`, which left the session at
    /// `epoch`: picks the partitions the response carries (see `FetchSession.respond(to:)`).
    /// Fails with FETCH_SESSION_ID_NOT_FOUND when the session was closed or evicted meanwhile,
    /// and INVALID_FETCH_SESSION_EPOCH when another request moved its epoch on (a duplicate).
    func completeIncremental(id: Int32, epoch: Int32,
                             fetched: [(key: FetchSessionKey, partition: FetchedPartition)]) -> Result<[Bool], FetchSessionError> {
        state.withLockedValue { state in
            guard var session = state.sessions[id] else { return .failure(FetchSessionError(code: .fetchSessionIdNotFound)) }
            guard session.epoch == epoch else { return .failure(FetchSessionError(code: .invalidFetchSessionEpoch)) }
            let include = session.respond(to: fetched)
            state.sessions[id] = session
            return .success(include)
        }
    }

    /// Frees one slot for a new session of `size` partitions; false when no session may go.
    private func evict(_ state: inout State, forPrivileged privileged: Bool, size: Int, now: Int64) -> Bool {
        guard let leastRecent = state.sessions.values.min(by: { ($0.lastUsedMs, $0.id) < ($1.lastUsedMs, $1.id) }) else {
            return false
        }
        if now - leastRecent.lastUsedMs > evictionMs {
            state.sessions[leastRecent.id] = nil
            state.statistics.evicted += 1
            return true
        }
        func rank(_ session: FetchSession) -> (Int, Int, Int32) { (session.privileged ? 1 : 0, session.count, session.id) }
        let candidates = state.sessions.values.filter { session in
            now - session.creationMs > evictionMs || (privileged && !session.privileged)
        }
        guard let cheapest = candidates.min(by: { rank($0) < rank($1) }) else { return false }
        // The new session ranks as (privileged, size, 0): it must not be worth less than B.
        guard (privileged ? 1 : 0, size, Int32(0)) >= rank(cheapest) else { return false }
        state.sessions[cheapest.id] = nil
        state.statistics.evicted += 1
        return true
    }
}

/// A fetch-session failure found when answering, with the top-level error code to send.
struct FetchSessionError: Error, Equatable, Sendable {
    var code: KafkaErrorCode
}
