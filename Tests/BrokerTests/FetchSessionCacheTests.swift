@testable import Broker
import Engine
import KafkaProtocol
import XCTest

/// The KIP-227 session rules without sockets: `FetchSession` (request updates, what an incremental
/// answer carries) and `FetchSessionCache` (ids, epochs, eviction), with time passed in.
final class FetchSessionCacheTests: XCTestCase {
    /// A descriptor for record regions that are counted, never read.
    static let anyFile = try! FileDescriptor(path: "/dev/null", mode: .readOnly)

    func key(_ topic: String, _ partition: Int32) -> FetchSessionKey { FetchSessionKey(topic: .name(topic), partition: partition) }

    func partition(_ offset: Int64, maxBytes: Int = 1 << 20) -> FetchSession.Partition {
        FetchSession.Partition(fetchOffset: offset, maxBytes: maxBytes)
    }

    func fetched(_ index: Int32, hw: Int64, lso: Int64? = nil, logStart: Int64 = 0, records: Int = 0,
                 error: KafkaErrorCode = .none) -> FetchedPartition {
        var result = FetchedPartition(partition: index)
        result.highWatermark = hw
        result.lastStableOffset = lso ?? hw
        result.logStartOffset = logStart
        result.errorCode = error
        if records > 0 { result.records = Engine.FileRegion(file: Self.anyFile, position: 0, length: records) }
        return result
    }

    func testEpochsStartAtOneAndWrapPastZero() {
        XCTAssertEqual(FetchSession.nextEpoch(0), 1)
        XCTAssertEqual(FetchSession.nextEpoch(41), 42)
        XCTAssertEqual(FetchSession.nextEpoch(Int32.max), 1)
        XCTAssertEqual(FetchSession.nextEpoch(-1), -1)
        XCTAssertEqual(FetchSession.nextEpoch(-7), -1)
    }

    func testIncrementalFetchesCheckIdEpochAndTopicIdMode() {
        let cache = FetchSessionCache(maxSlots: 10)
        let id = cache.create(privileged: false, usesTopicIds: false, partitions: [(key("t", 0), partition(0))], now: 0)
        XCTAssertGreaterThan(id, 0)
        XCTAssertEqual(cache.session(id)?.epoch, 1)

        guard case .session(let session, let changes) = cache.beginIncremental(
            id: id, epoch: 1, usesTopicIds: false, requested: [(key("t", 0), partition(5))], forgotten: [], now: 10) else {
            return XCTFail("epoch 1 should be accepted")
        }
        XCTAssertEqual(session.epoch, 2)
        XCTAssertEqual(changes, FetchSession.Changes(added: 0, updated: 1, removed: 0))
        XCTAssertEqual(session.partitions[key("t", 0)]?.fetchOffset, 5)

        // A replay of epoch 1, an unknown id, and a v13+ request in a name-keyed session are refused.
        for (id, epoch, ids, expected) in [(id, Int32(1), false, KafkaErrorCode.invalidFetchSessionEpoch),
                                           (id &+ 1, 2, false, .fetchSessionIdNotFound),
                                           (id, 2, true, .fetchSessionTopicIdError)] {
            guard case .error(let code) = cache.beginIncremental(id: id, epoch: epoch, usesTopicIds: ids, requested: [], forgotten: [], now: 20) else {
                return XCTFail("expected \(expected)")
            }
            XCTAssertEqual(code, expected)
        }
        // The refusals left the session where it was.
        XCTAssertEqual(cache.session(id)?.epoch, 2)
        XCTAssertEqual(cache.statistics.incrementalFetches, 1)
    }

    func testForgottenPartitionsLeaveAndTheLastOneClosesTheSession() {
        let cache = FetchSessionCache(maxSlots: 10)
        let id = cache.create(privileged: false, usesTopicIds: false,
                              partitions: [(key("a", 0), partition(0)), (key("a", 1), partition(0))], now: 0)
        guard case .session(let session, let changes) = cache.beginIncremental(
            id: id, epoch: 1, usesTopicIds: false, requested: [(key("b", 0), partition(3))], forgotten: [key("a", 0), key("zz", 9)], now: 1) else {
            return XCTFail("incremental fetch refused")
        }
        XCTAssertEqual(changes, FetchSession.Changes(added: 1, updated: 0, removed: 1))
        XCTAssertEqual(session.orderedPartitions.map(\.key), [key("a", 1), key("b", 0)])

        guard case .closed(let last) = cache.beginIncremental(
            id: id, epoch: 2, usesTopicIds: false, requested: [], forgotten: [key("a", 1), key("b", 0)], now: 2) else {
            return XCTFail("forgetting every partition should close the session")
        }
        XCTAssertEqual(last.removed, 2)
        XCTAssertNil(cache.session(id))
    }

    func testIncrementalAnswersCarryOnlyPartitionsWithNews() {
        var session = FetchSession(id: 7, privileged: false, usesTopicIds: false, now: 0,
                                   partitions: [(key("t", 0), partition(0)), (key("t", 1), partition(0)), (key("t", 2), partition(0))])
        // Nothing sent yet: everything is news.
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 5)), (key("t", 1), fetched(1, hw: 0)), (key("t", 2), fetched(2, hw: 0))]),
                       [true, true, true])
        // Same offsets, no records: nothing.
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 5)), (key("t", 1), fetched(1, hw: 0)), (key("t", 2), fetched(2, hw: 0))]),
                       [false, false, false])
        // A new high watermark, a new last stable offset, a new log start offset, each alone.
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, lso: 5)), (key("t", 1), fetched(1, hw: 0, lso: 0, logStart: 0)),
                                            (key("t", 2), fetched(2, hw: 0))]), [true, false, false])
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, lso: 6)), (key("t", 1), fetched(1, hw: 0, logStart: 0)),
                                            (key("t", 2), fetched(2, hw: 0))]), [true, false, false])
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6)), (key("t", 1), fetched(1, hw: 0, logStart: 0)),
                                            (key("t", 2), fetched(2, hw: 0, logStart: 0))]), [false, false, false])
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, logStart: 2)), (key("t", 1), fetched(1, hw: 0)),
                                            (key("t", 2), fetched(2, hw: 0))]), [true, false, false])
        // Records are always sent, and their partition moves to the end of the session order.
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, logStart: 2)), (key("t", 1), fetched(1, hw: 0, records: 100)),
                                            (key("t", 2), fetched(2, hw: 0))]), [false, true, false])
        XCTAssertEqual(session.orderedPartitions.map(\.key), [key("t", 0), key("t", 2), key("t", 1)])
        // An error is always sent; once it clears, the partition is sent again though its offsets
        // are the ones sent before the error.
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: -1, error: .kafkaStorageError))]), [true])
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, logStart: 2))]), [true])
        XCTAssertEqual(session.respond(to: [(key("t", 0), fetched(0, hw: 6, logStart: 2))]), [false])
        // A preferred read replica is always sent.
        var preferred = fetched(2, hw: 0)
        preferred.preferredReadReplica = 3
        XCTAssertEqual(session.respond(to: [(key("t", 2), preferred)]), [true])
    }

    func testUnknownTopicIdsLeaveATopicIdSession() {
        let gone = FetchSessionKey(topic: .id(KafkaUUID(mostSignificantBits: 1, leastSignificantBits: 1)), partition: 0)
        let kept = FetchSessionKey(topic: .id(KafkaUUID(mostSignificantBits: 2, leastSignificantBits: 2)), partition: 0)
        var session = FetchSession(id: 1, privileged: false, usesTopicIds: true, now: 0, partitions: [(gone, partition(0)), (kept, partition(0))])
        XCTAssertEqual(session.respond(to: [(gone, fetched(0, hw: -1, error: .unknownTopicId)), (kept, fetched(0, hw: 0))]), [true, true])
        XCTAssertEqual(session.orderedPartitions.map(\.key), [kept])
        // A name-keyed session keeps a missing topic (it may come back under the same name).
        var named = FetchSession(id: 2, privileged: false, usesTopicIds: false, now: 0, partitions: [(key("t", 0), partition(0))])
        XCTAssertEqual(named.respond(to: [(key("t", 0), fetched(0, hw: -1, error: .unknownTopicOrPartition))]), [true])
        XCTAssertEqual(named.respond(to: [(key("t", 0), fetched(0, hw: -1, error: .unknownTopicOrPartition))]), [true])
        XCTAssertEqual(named.count, 1)
    }

    func testAFullCacheEvictsStaleThenLessValuableSessions() {
        let cache = FetchSessionCache(maxSlots: 2, evictionMs: 100)
        let small = cache.create(privileged: false, usesTopicIds: false, partitions: [(key("s", 0), partition(0))], now: 0)
        let large = cache.create(privileged: false, usesTopicIds: false, partitions: (0..<3).map { (key("l", $0), partition(0)) }, now: 0)
        XCTAssertNotEqual(small, 0)
        XCTAssertNotEqual(large, 0)
        // Full, and both sessions are young: a consumer session of any size gets no slot...
        XCTAssertEqual(cache.create(privileged: false, usesTopicIds: false, partitions: (0..<50).map { (key("x", $0), partition(0)) }, now: 50), 0)
        // ...but a follower's session evicts the least valuable consumer session.
        let follower = cache.create(privileged: true, usesTopicIds: false, partitions: [(key("f", 0), partition(0))], now: 50)
        XCTAssertNotEqual(follower, 0)
        XCTAssertNil(cache.session(small))
        XCTAssertNotNil(cache.session(large))

        // Keep both in use; once `large` is older than the eviction time, a consumer session with
        // more partitions may take its slot, one with as many may not, and the follower stays.
        for now in [Int64(90), 160] {
            for id in [large, follower] {
                let epoch = cache.session(id)!.epoch
                guard case .session = cache.beginIncremental(id: id, epoch: epoch, usesTopicIds: false, requested: [], forgotten: [], now: now) else {
                    return XCTFail("session \(id) refused")
                }
            }
        }
        XCTAssertEqual(cache.create(privileged: false, usesTopicIds: false, partitions: (0..<3).map { (key("y", $0), partition(0)) }, now: 170), 0)
        let bigger = cache.create(privileged: false, usesTopicIds: false, partitions: (0..<4).map { (key("y", $0), partition(0)) }, now: 170)
        XCTAssertNotEqual(bigger, 0)
        XCTAssertNil(cache.session(large))
        XCTAssertNotNil(cache.session(follower))

        // A session idle longer than the eviction time goes first, whatever its rank.
        let fresh = cache.create(privileged: false, usesTopicIds: false, partitions: [(key("z", 0), partition(0))], now: 161 + 100 + 1)
        XCTAssertNotEqual(fresh, 0)
        XCTAssertNil(cache.session(follower), "the follower's session was idle since 160")
        XCTAssertEqual(cache.statistics.evicted, 3)
        XCTAssertEqual(cache.statistics.sessions, 2)
        XCTAssertEqual(cache.statistics.partitions, 5)
    }

    func testNoSlotsMeansNoSessions() {
        let cache = FetchSessionCache(maxSlots: 0)
        XCTAssertEqual(cache.create(privileged: true, usesTopicIds: true, partitions: [(key("t", 0), partition(0))], now: 1_000_000), 0)
        XCTAssertEqual(cache.statistics, FetchSessionCache.Statistics())
    }

    func testAnswerIsRefusedWhenTheSessionMovedOn() {
        let cache = FetchSessionCache(maxSlots: 4)
        let id = cache.create(privileged: false, usesTopicIds: false, partitions: [(key("t", 0), partition(0))], now: 0)
        guard case .session(let first, _) = cache.beginIncremental(id: id, epoch: 1, usesTopicIds: false, requested: [], forgotten: [], now: 1),
              case .session = cache.beginIncremental(id: id, epoch: 2, usesTopicIds: false, requested: [], forgotten: [], now: 2) else {
            return XCTFail("incremental fetches refused")
        }
        // The first fetch is answered after a second one began (a duplicate): its epoch is stale.
        XCTAssertEqual(cache.completeIncremental(id: id, epoch: first.epoch, fetched: []), .failure(FetchSessionError(code: .invalidFetchSessionEpoch)))
        XCTAssertEqual(cache.completeIncremental(id: id, epoch: 3, fetched: [(key("t", 0), fetched(0, hw: 0))]), .success([true]))
        cache.remove(id)
        XCTAssertEqual(cache.completeIncremental(id: id, epoch: 3, fetched: []), .failure(FetchSessionError(code: .fetchSessionIdNotFound)))
    }

    func testCacheSlotsSetting() throws {
        XCTAssertEqual(BrokerConfig().maxIncrementalFetchSessionCacheSlots, 1000)
        XCTAssertEqual(try BrokerConfig(values: ["max.incremental.fetch.session.cache.slots": "0"]).maxIncrementalFetchSessionCacheSlots, 0)
        XCTAssertEqual(try BrokerConfig(values: ["max.incremental.fetch.session.cache.slots": "25"]).maxIncrementalFetchSessionCacheSlots, 25)
        XCTAssertThrowsError(try BrokerConfig(values: ["max.incremental.fetch.session.cache.slots": "-1"])) { error in
            XCTAssertEqual((error as? BrokerConfigError)?.name, "max.incremental.fetch.session.cache.slots")
        }
        XCTAssertEqual(BrokerConfig.defaultValue(of: "max.incremental.fetch.session.cache.slots"), "1000")
    }
}
