import Engine
import XCTest

/// `strata dump` on producer-state `.snapshot` files, healthy and damaged.
final class DumpSnapshotTests: DumpTestCase {
    func testSnapshotListsEveryProducerWithItsLastBatch() throws {
        let snapshot = fixture.file(12, ".snapshot")
        XCTAssertTrue(FileManager.default.fileExists(atPath: snapshot), "the roll at offset 12 wrote a snapshot")
        let run = try StrataTool.dump(snapshot)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let producers = run.lines.filter { $0.hasPrefix("producerId:") }
        XCTAssertEqual(producers.count, 2, run.stdout)
        XCTAssertTrue(producers.contains { $0.hasPrefix("producerId: 42 producerEpoch: 3 coordinatorEpoch: 5 currentTxnFirstOffset: None") && $0.contains("firstSequence: 0 lastSequence: 1 lastOffset: 8 offsetDelta: 1") }, run.stdout)
        XCTAssertTrue(producers.contains { $0.hasPrefix("producerId: 43 ") && $0.contains("coordinatorEpoch: 6") }, run.stdout)

        let json = try jsonLines(try StrataTool.dump("--json", snapshot))
        let entries = json.filter { $0["type"] as? String == "producerSnapshotEntry" }
        XCTAssertEqual(entries.map { $0["producerId"] as? Int }, [42, 43])
    }

    func testADamagedSnapshotIsAProblemNamingTheFile() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        let snapshot = copy.file(12, ".snapshot")
        try flipByte(in: snapshot, at: 20)
        let run = try StrataTool.dump(snapshot)
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertTrue(run.stderr.contains(snapshot), run.stderr)
    }
}
