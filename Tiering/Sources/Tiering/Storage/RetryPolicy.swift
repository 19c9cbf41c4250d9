/// How often and how long to wait before trying a failed request again: exponential backoff with
/// full jitter. Before retry `n` (1-based) it sleeps a uniformly random time in
/// `0...min(maxDelay, baseDelay * 2^(n-1))`, so that brokers retrying against a throttled bucket
/// spread out instead of hitting it again in step.
///
/// A value type with no clock: `delay(beforeRetry:using:)` is a pure function of its random source.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first one included (`max.retries + 1`).
    public var maxAttempts: Int
    public var baseDelayMilliseconds: Int
    public var maxDelayMilliseconds: Int

    public init(maxAttempts: Int, baseDelayMilliseconds: Int, maxDelayMilliseconds: Int) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelayMilliseconds = max(0, baseDelayMilliseconds)
        self.maxDelayMilliseconds = max(0, maxDelayMilliseconds)
    }

    /// The longest sleep before retry `retry` (1 for the first retry).
    public func delayCap(beforeRetry retry: Int) -> Int {
        let exponent = min(max(0, retry - 1), 30)
        let (scaled, overflow) = baseDelayMilliseconds.multipliedReportingOverflow(by: 1 << exponent)
        return overflow ? maxDelayMilliseconds : min(maxDelayMilliseconds, scaled)
    }

    /// A random sleep in milliseconds before retry `retry`.
    public func delay<Generator: RandomNumberGenerator>(beforeRetry retry: Int, using generator: inout Generator) -> Int {
        let cap = delayCap(beforeRetry: retry)
        return cap == 0 ? 0 : Int.random(in: 0...cap, using: &generator)
    }

    /// Whether an HTTP answer is worth another try: server errors, throttling (429, S3's
    /// `SlowDown`), request timeouts (408, and S3's 400 `RequestTimeout` for an idle upload), and
    /// the `InternalError` S3 may put in a 200 answer to CompleteMultipartUpload.
    public static func isRetryable(status: Int, code: String) -> Bool {
        if status >= 500 || status == 429 || status == 408 { return true }
        switch code {
        case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
             "RequestLimitExceeded", "TooManyRequests":
            return true
        default:
            return false
        }
    }
}
