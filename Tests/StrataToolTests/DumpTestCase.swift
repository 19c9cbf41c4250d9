import Foundation
import XCTest

/// Shares one partition fixture between the tests of a class (it takes a few milliseconds to
/// write; each `strata` run takes longer) and gives damaging helpers.
class DumpTestCase: XCTestCase {
    nonisolated(unsafe) static var shared: PartitionFixture?
    var fixture: PartitionFixture { Self.shared! }

    override class func setUp() {
        super.setUp()
        shared = try! PartitionFixture.make()
    }

    override class func tearDown() {
        shared?.remove()
        shared = nil
        super.tearDown()
    }

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    func flipByte(in path: String, at position: Int64) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(position))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(position))
        try handle.write(contentsOf: [byte ^ 0x5a])
    }

    func truncate(_ path: String, to size: Int64) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(size))
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A fresh empty directory for hand-made files.
    func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "strata-dump-scratch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Parses JSON Lines output.
    func jsonLines(_ run: StrataTool.Run, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try run.lines.map { text in
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
        }
    }
}
