@testable import Engine
import XCTest

/// The active index's preallocated, still-sparse tail is mapped for page-at-a-time access: writing
/// an entry faults in that page only, not a read-around window of zero-filled pages.
final class IndexMappingTests: XCTestCase {
    func testAppendingEntriesToANewIndexFaultsInOnlyTheirPages() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("00000000000000000000.index")
        let index = try OffsetIndex(path: path, baseOffset: 0, maxIndexBytes: 10 << 20, active: true)
        // 1,500 entries of 8 bytes: three pages.
        for entry in 0..<1_500 { try index.append(offset: Int64(entry * 10), position: Int64(entry * 4096)) }
        let file = try FileDescriptor(path: path, mode: .readOnly)
        guard let state = file.pageCacheState() else { throw XCTSkip("the kernel does not report page-cache state (cachestat)") }
        // Default read-around would bring in read_ahead_kb around each fault (128 KiB, 32 pages, on
        // most disks; megabytes on some virtual ones), all of it zero-filled holes.
        XCTAssertLessThanOrEqual(state.cachedPages, 8, "\(state)")
        XCTAssertEqual(index.lookup(14_995), OffsetPosition(offset: 14_990, position: 1_499 * 4096))
    }
}
