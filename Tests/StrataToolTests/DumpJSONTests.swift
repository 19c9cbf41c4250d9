import Engine
import XCTest

/// `strata dump --json`: JSON Lines with stable keys.
final class DumpJSONTests: DumpTestCase {
    func testBatchesAndRecordsAsJSONLines() throws {
        let run = try StrataTool.dump("--json", "--records", fixture.firstLog)
        XCTAssertEqual(run.status, 0, run.stderr)
        let objects = try jsonLines(run)
        XCTAssertEqual(objects.first?["type"] as? String, "file")
        XCTAssertEqual(objects.first?["kind"] as? String, "log")
        XCTAssertEqual(objects.last?["type"] as? String, "total")
        XCTAssertEqual(objects.last?["ok"] as? Bool, true)

        let batches = objects.filter { $0["type"] as? String == "batch" }
        XCTAssertEqual(batches.count, 6)
        XCTAssertEqual(batches.map { $0["baseOffset"] as? Int }, [0, 3, 7, 9, 10, 11])
        XCTAssertEqual(batches.map { $0["lastOffset"] as? Int }, [2, 6, 8, 9, 10, 11])
        XCTAssertEqual(batches.map { $0["count"] as? Int }, [3, 4, 2, 1, 1, 1])
        XCTAssertEqual(batches.map { $0["compression"] as? String }, ["none", "gzip", "zstd", "none", "none", "none"])
        XCTAssertEqual(batches.map { $0["isControl"] as? Bool }, [false, false, false, true, false, true])
        XCTAssertTrue(batches.allSatisfy { $0["isValid"] as? Bool == true && $0["file"] as? String == fixture.firstLog })
        XCTAssertEqual(batches[2]["producerId"] as? Int, 42)
        XCTAssertEqual(batches[0]["partitionLeaderEpoch"] as? Int, 4)
        XCTAssertEqual(batches[0]["timestampType"] as? String, "CreateTime")
        let engine = try PartitionFixture.batches(in: fixture.firstLog)
        XCTAssertEqual(batches.map { $0["crc"] as? Int }, engine.map { Int($0.header.crc) })
        XCTAssertEqual(batches.map { $0["position"] as? Int }, engine.map { Int($0.position) })

        let gzip = try XCTUnwrap(batches[1]["records"] as? [[String: Any]])
        XCTAssertEqual(gzip.count, 4)
        XCTAssertTrue(gzip[0]["key"] is NSNull)
        XCTAssertEqual(gzip[0]["value"] as? String, "gz-0")
        XCTAssertEqual(gzip[0]["valueFormat"] as? String, "text")
        XCTAssertEqual(gzip[1]["value"] as? String, "0x00ff10")
        XCTAssertEqual(gzip[1]["valueFormat"] as? String, "hex")
        XCTAssertTrue(gzip[2]["value"] is NSNull)
        XCTAssertEqual(gzip[2]["valueSize"] as? Int, -1)
        let headers = try XCTUnwrap(gzip[3]["headers"] as? [[String: Any]])
        XCTAssertEqual(headers.map { $0["key"] as? String }, ["bin", "empty"])
        XCTAssertEqual(headers[0]["value"] as? String, "0x0001")
        XCTAssertTrue(headers[1]["value"] is NSNull)
        let commit = try XCTUnwrap((batches[3]["records"] as? [[String: Any]])?.first)
        let marker = try XCTUnwrap(commit["endTxnMarker"] as? [String: Any])
        XCTAssertEqual(marker["type"] as? String, "COMMIT")
        XCTAssertEqual(marker["coordinatorEpoch"] as? Int, 5)

        let withoutRecords = try jsonLines(try StrataTool.dump("--json", fixture.firstLog))
        XCTAssertTrue(withoutRecords.filter { $0["type"] as? String == "batch" }.allSatisfy { $0["records"] == nil })
    }

    func testIndexEntriesProblemsAndSummaries() throws {
        let copy = try fixture.copy()
        defer { copy.remove() }
        var bytes = try read(copy.firstIndex)
        bytes[11] &-= 1
        try write(bytes, to: copy.firstIndex)
        let run = try StrataTool.dump("--json", "--verify", copy.directory)
        XCTAssertEqual(run.status, 1)
        let objects = try jsonLines(run)
        let offsetEntries = objects.filter { $0["type"] as? String == "offsetIndexEntry" }
        XCTAssertFalse(offsetEntries.isEmpty)
        XCTAssertTrue(offsetEntries.allSatisfy { $0["offset"] is Int && $0["position"] is Int && $0["entry"] is Int })
        XCTAssertFalse(objects.filter { $0["type"] as? String == "timeIndexEntry" }.isEmpty)
        let aborted = try XCTUnwrap(objects.first { $0["type"] as? String == "abortedTransaction" })
        XCTAssertEqual(aborted["producerId"] as? Int, 43)
        XCTAssertEqual(aborted["firstOffset"] as? Int, 10)
        XCTAssertEqual(aborted["lastOffset"] as? Int, 11)

        let problems = objects.filter { $0["type"] as? String == "problem" }
        XCTAssertEqual(problems.count, 1)
        XCTAssertEqual(problems[0]["file"] as? String, copy.firstIndex)
        XCTAssertEqual(problems[0]["entry"] as? Int, 1)
        XCTAssertEqual(problems[0]["position"] as? Int, 8)
        XCTAssertTrue((problems[0]["message"] as? String)?.contains("Index offset:") == true)

        let summaries = objects.filter { $0["type"] as? String == "summary" }
        XCTAssertEqual(summaries.count, 9, "seven segment files and two producer snapshots")
        XCTAssertEqual(summaries.filter { $0["ok"] as? Bool == false }.map { $0["file"] as? String }, [copy.firstIndex])
        let total = try XCTUnwrap(objects.last)
        XCTAssertEqual(total["type"] as? String, "total")
        XCTAssertEqual(total["problems"] as? Int, 1)
        XCTAssertEqual(total["failedFiles"] as? Int, 1)
        XCTAssertEqual(total["ok"] as? Bool, false)
        XCTAssertTrue(run.stderr.contains("strata dump: verification failed: 1 problem in 1 of 9 files"), run.stderr)
    }
}
