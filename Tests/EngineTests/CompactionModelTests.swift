@testable import Engine
import Foundation
import TestSupport
import XCTest

/// Random sequences of keyed appends, tombstones, clock advances, rolls, cleaning passes and
/// crashes, checked after every step against a plain in-memory model of what was appended.
final class CompactionModelTests: XCTestCase {
    struct Entry: Equatable { var key: String; var value: String? }

    func testRandomOperationsAgreeWithTheModel() throws {
        let seeds = Int(ProcessInfo.processInfo.environment["STRATA_MODEL_SEEDS"] ?? "") ?? 8
        for seed in 0..<UInt64(seeds) { try run(seed: seed, steps: 120) }
    }

    private func run(seed: UInt64, steps: Int) throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory("model")
        let clock = ManualClock(1_000_000)
        let config = LogCleanerTests.compacted {
            $0.segmentBytes = 700
            $0.deleteRetentionMs = 2_000
        }
        var log = try LogFixtures.open(directory.path, config: config, clock: clock.read).log
        var model: [Int64: Entry] = [:]   // everything ever appended, by offset
        var firstDirty: Int64?
        // Tombstones whose batch got a delete horizon that has passed may be gone.
        for step in 0..<steps {
            let context = "seed \(seed) step \(step)"
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<55:
                var builder = RecordBatchBuilder()
                let count = Int.random(in: 1...5, using: &random)
                var entries: [Entry] = []
                for _ in 0..<count {
                    let key = "k\(Int.random(in: 0..<12, using: &random))"
                    let value: String? = Int.random(in: 0..<6, using: &random) == 0 ? nil : "v\(step)-\(Int.random(in: 0..<1000, using: &random))"
                    entries.append(Entry(key: key, value: value))
                    builder.append(key: Array(key.utf8), value: value.map { Array($0.utf8) }, timestamp: clock.read())
                }
                var bytes = builder.build().bytes
                let result = try log.append(&bytes)
                for (index, entry) in entries.enumerated() { model[result.firstOffset + Int64(index)] = entry }
                log.updateHighWatermark(log.logEndOffset)
            case 55..<65:
                clock.advance(Int64.random(in: 100...1500, using: &random))
            case 65..<72:
                try log.roll()
            case 72..<90:
                let cleaner = LogCleaner(config: CleanerConfig(dedupeBufferBytes: 24 * Int.random(in: 8...40, using: &random)))
                firstDirty = try cleaner.clean(log, firstDirtyOffset: firstDirty).nextDirtyOffset
            default:
                // A crash: the process dies with the log open; reopen and recover.
                log = try LogFixtures.open(directory.path, config: config, checkpoints: PartitionLogCheckpoints(recoveryPoint: 0), clock: clock.read).log
                log.updateHighWatermark(log.logEndOffset)
            }
            try check(log, model: model, context: context, random: &random)
        }
    }

    private func check(_ log: PartitionLog, model: [Int64: Entry], context: String, random: inout SeededRandom) throws {
        let end = (model.keys.max() ?? -1) + 1
        XCTAssertEqual(log.logEndOffset, end, context)
        let records = try LogFixtures.allRecords(log)
        var previous: Int64 = -1
        var latestInLog: [String: Int64] = [:]
        for record in records {
            XCTAssertGreaterThan(record.offset, previous, "\(context): offsets must strictly increase")
            previous = record.offset
            let entry = Entry(key: String(decoding: record.key ?? [], as: UTF8.self), value: record.value.map { String(decoding: $0, as: UTF8.self) })
            XCTAssertEqual(model[record.offset], entry, "\(context): offset \(record.offset) holds something never written there")
            latestInLog[entry.key] = record.offset
        }
        // The latest record of every key is there, unless it is a tombstone (which may have expired).
        var latestInModel: [String: Int64] = [:]
        for (offset, entry) in model where offset > (latestInModel[entry.key] ?? -1) { latestInModel[entry.key] = offset }
        for (key, offset) in latestInModel {
            if model[offset]!.value != nil {
                XCTAssertEqual(latestInLog[key], offset, "\(context): latest value of \(key) at \(offset) is not the latest readable")
            } else if let seen = latestInLog[key] {
                XCTAssertEqual(seen, offset, "\(context): \(key) shows an older value after its tombstone")
            }
        }
        // A consumer reading from any offset (skipping, as Kafka clients do, the records of the
        // first batch below it and moving on past each batch's last offset) gets exactly the
        // log's records from that offset on.
        if end > 0 {
            let from = Int64.random(in: 0..<end, using: &random)
            var consumed: [Int64] = []
            var position = from
            while position < log.logEndOffset {
                let batches = try log.readBatches(from: position, maxBytes: Int.random(in: 1...2000, using: &random))
                guard let last = batches.last else { break }
                consumed += try batches.flatMap { try $0.records() }.map(\.offset).filter { $0 >= position }
                position = last.lastOffset + 1
            }
            XCTAssertEqual(consumed, records.map(\.offset).filter { $0 >= from }, "\(context): consuming from \(from)")
        }
    }
}
