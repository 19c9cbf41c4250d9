import Foundation
import Tiering
import XCTest

final class LocalFolderRemoteStorageTests: XCTestCase {
    private func makeStore() throws -> LocalFolderRemoteStorage {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("folder-store-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        return try LocalFolderRemoteStorage(root: root)
    }

    func testPutGetRangeListDelete() throws {
        let store = try makeStore()
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        try store.put(key: "orders-0/00000000000000000000-a.log", bytes: bytes)
        try store.put(key: "orders-0/manifest", bytes: [1, 2, 3])
        try store.put(key: "other-0/manifest", bytes: [9])

        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: nil), bytes)
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 10..<20), Array(bytes[10..<20]))
        XCTAssertEqual(try store.get(key: "orders-0/00000000000000000000-a.log", range: 990..<2000), Array(bytes[990...]))
        XCTAssertThrowsError(try store.get(key: "orders-0/00000000000000000000-a.log", range: 1000..<1001)) { error in
            XCTAssertEqual(error as? RemoteStorageError, .invalidRange(key: "orders-0/00000000000000000000-a.log", range: 1000..<1001, size: 1000))
        }
        XCTAssertEqual(try store.list(prefix: "orders-0/"), [
            RemoteObject(key: "orders-0/00000000000000000000-a.log", size: 1000),
            RemoteObject(key: "orders-0/manifest", size: 3),
        ])
        try store.delete(key: "orders-0/manifest")
        try store.delete(key: "orders-0/manifest")
        XCTAssertThrowsError(try store.get(key: "orders-0/manifest", range: nil)) { error in
            XCTAssertEqual(error as? RemoteStorageError, .notFound(key: "orders-0/manifest"))
        }
        XCTAssertEqual(try store.list(prefix: "").map(\.key), ["orders-0/00000000000000000000-a.log", "other-0/manifest"])
    }

    func testPutFromFileReplacesAtomically() throws {
        let store = try makeStore()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("source-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        try store.put(key: "t-0/seg.log", bytes: [1])
        try store.put(key: "t-0/seg.log", fileAt: file)
        XCTAssertEqual(try store.get(key: "t-0/seg.log", range: nil), bytes)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.root + "/t-0/seg.log.uploading"))
    }

    func testKeysCannotEscapeTheFolder() throws {
        let store = try makeStore()
        for key in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
            XCTAssertThrowsError(try store.put(key: key, bytes: [1]), key)
        }
    }
}
