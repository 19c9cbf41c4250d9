@testable import Tiering
import Engine
import Foundation
import XCTest

/// The list of deleted partitions' store folders still to be emptied survives restarts, and its
/// file exists only while something is pending.
final class PendingRemoteDeletionsTests: XCTestCase {
    func testTheListIsSavedBeforeAddReturnsAndReadBackByTheNextRun() throws {
        let directory = NSTemporaryDirectory() + "/pending-deletions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + PendingRemoteDeletions.fileName
        let first = try PendingRemoteDeletions(directory: directory)
        XCTAssertEqual(first.all, [])
        XCTAssertFalse(FileSystem.exists(path), "no file while nothing is pending")

        try first.add(["orders-AAA/0", "orders-AAA/1", "orders-AAA/0", ""])
        XCTAssertEqual(first.all, ["orders-AAA/0", "orders-AAA/1"], "each folder once, empty names ignored")
        XCTAssertEqual(String(decoding: try FileSystem.readFile(path), as: UTF8.self), "orders-AAA/0\norders-AAA/1\n")

        let second = try PendingRemoteDeletions(directory: directory)
        XCTAssertEqual(second.all, ["orders-AAA/0", "orders-AAA/1"])
        try second.remove("orders-AAA/0")
        XCTAssertEqual(try PendingRemoteDeletions(directory: directory).all, ["orders-AAA/1"])
        try second.remove("orders-AAA/1")
        XCTAssertFalse(FileSystem.exists(path), "the file goes with the last folder")
        XCTAssertEqual(try PendingRemoteDeletions(directory: directory).all, [])
    }

    func testOnlyPartitionFoldersAreEverEmptied() {
        for folder in ["orders-LYjpB17DQGa76mgOcEnskg/0", "a-b-c-2S008TFfR4mT94bUb8DuVA/12", "t-AAAAAAAAAAAAAAAAAAAAA_/3",
                       "orders-ObevlHCcTPK9e-QvUY4eMA/0", "orders--bevlHCcTPK9e-QvUY4eMA/1"] {
            XCTAssertTrue(RemotePartitionFolder.isValid(folder), folder)
        }
        for folder in ["", "/", "orders", "orders/0", "orders-short/0", "orders-LYjpB17DQGa76mgOcEnskg", "orders-LYjpB17DQGa76mgOcEnskg/",
                       "orders-LYjpB17DQGa76mgOcEnskg/0/", "orders-LYjpB17DQGa76mgOcEnskg/-1", "orders-LYjpB17DQGa76mgOcEnskg/01",
                       "orders-LYjpB17DQGa76mgOcEnskg/0/x", "-LYjpB17DQGa76mgOcEnskg/0", "orders-LYjpB17DQGa76mgOcEns.g/0",
                       "ordersXLYjpB17DQGa76mgOcEnskg/0", "-ObevlHCcTPK9e-QvUY4eMA/0"] {
            XCTAssertFalse(RemotePartitionFolder.isValid(folder), folder)
        }
    }
}
