import Foundation
import XCTest

/// Shares one `TuneFixture` between the tests of a class (tests that change files work on a
/// copy) and runs `strata tune`.
class TuneTestCase: XCTestCase {
    nonisolated(unsafe) static var shared: TuneFixture?
    var fixture: TuneFixture { Self.shared! }

    override class func setUp() {
        super.setUp()
        shared = try! TuneFixture.make()
    }

    override class func tearDown() {
        shared?.remove()
        shared = nil
        super.tearDown()
    }

    /// `strata tune <arguments>`.
    func tune(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> StrataTool.Run {
        try StrataTool.run(["tune"] + arguments, file: file, line: line)
    }

    /// A copy of the fixture, removed after the test.
    func copyOfFixture() throws -> TuneFixture {
        let copy = try fixture.copy()
        addTeardownBlock { copy.remove() }
        return copy
    }

    /// The single JSON document a `--json` run printed.
    func document(_ run: StrataTool.Run, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, "stderr: \(run.stderr)", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(run.stdout)", file: file, line: line)
    }

    /// The `partitions` of a document by their name (`users-0`).
    func partitions(_ document: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: [String: Any]] {
        let list = try XCTUnwrap(document["partitions"] as? [[String: Any]], file: file, line: line)
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "?", $0) })
    }
}
