import TestSupport
import Tiering
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testBackoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 100, maxDelayMilliseconds: 1000)
        XCTAssertEqual((1...6).map { policy.delayCap(beforeRetry: $0) }, [100, 200, 400, 800, 1000, 1000])
        XCTAssertEqual(policy.delayCap(beforeRetry: 1000), 1000)
        let huge = RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: Int.max / 2, maxDelayMilliseconds: 5000)
        XCTAssertEqual(huge.delayCap(beforeRetry: 40), 5000)
    }

    func testFullJitterSpreadsOverTheWholeWindow() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelayMilliseconds: 100, maxDelayMilliseconds: 10_000)
        var random = SeededRandom(seed: 405)
        let delays = (0..<2000).map { _ in policy.delay(beforeRetry: 3, using: &random) }
        XCTAssertTrue(delays.allSatisfy { (0...400).contains($0) })
        XCTAssertLessThan(delays.min()!, 40)
        XCTAssertGreaterThan(delays.max()!, 360)
        XCTAssertEqual(RetryPolicy(maxAttempts: 0, baseDelayMilliseconds: -5, maxDelayMilliseconds: 0).maxAttempts, 1)
    }

    func testWhatIsRetryable() {
        for (status, code) in [(500, "InternalError"), (503, "SlowDown"), (429, ""), (408, ""), (400, "RequestTimeout"), (200, "InternalError"), (502, "")] {
            XCTAssertTrue(RetryPolicy.isRetryable(status: status, code: code), "\(status) \(code)")
        }
        for (status, code) in [(403, "AccessDenied"), (403, "SignatureDoesNotMatch"), (404, "NoSuchKey"), (400, "InvalidArgument"), (409, "")] {
            XCTAssertFalse(RetryPolicy.isRetryable(status: status, code: code), "\(status) \(code)")
        }
    }
}
