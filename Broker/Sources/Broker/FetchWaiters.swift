import Engine
import NIOConcurrencyHelpers

/// Long-polling fetches waiting for data, by partition. A partition's append listener calls
/// `wake(_:)`; each registered fetch's callback then re-checks its partitions on its own event loop.
///
/// Concurrency: one lock guards the table; callbacks run outside it, on the appending thread, and
/// must only hop to their event loop.
final class FetchWaiters: Sendable {
    typealias Callback = @Sendable () -> Void

    private struct State {
        var nextToken: UInt64 = 0
        var byPartition: [TopicPartition: [UInt64: Callback]] = [:]
        var partitionsByToken: [UInt64: [TopicPartition]] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Registers `callback` for appends to any of `partitions`; returns the token to unregister with.
    func register(_ partitions: [TopicPartition], _ callback: @escaping Callback) -> UInt64 {
        state.withLockedValue { state in
            state.nextToken += 1
            let token = state.nextToken
            for partition in partitions { state.byPartition[partition, default: [:]][token] = callback }
            state.partitionsByToken[token] = partitions
            return token
        }
    }

    func unregister(_ token: UInt64) {
        state.withLockedValue { state in
            guard let partitions = state.partitionsByToken.removeValue(forKey: token) else { return }
            for partition in partitions {
                state.byPartition[partition]?[token] = nil
                if state.byPartition[partition]?.isEmpty == true { state.byPartition[partition] = nil }
            }
        }
    }

    func wake(_ partition: TopicPartition) {
        let callbacks = state.withLockedValue { state -> [Callback] in
            guard let waiting = state.byPartition[partition] else { return [] }
            return Array(waiting.values)
        }
        for callback in callbacks { callback() }
    }

    /// Wakes every waiting fetch (shutdown, topic deletion).
    func wakeAll() {
        let callbacks = state.withLockedValue { state in state.byPartition.values.flatMap { $0.values } }
        for callback in callbacks { callback() }
    }

    var count: Int { state.withLockedValue { $0.partitionsByToken.count } }
}
