/// Kafka's segment file names: the base offset as 20 zero-padded digits plus a suffix, e.g.
/// `00000000000000000000.log`. Suffixes added while a file changes state (`.deleted`, `.cleaned`,
/// `.swap`) follow the regular one.
public enum SegmentFileName {
    public static let log = ".log"
    public static let offsetIndex = ".index"
    public static let timeIndex = ".timeindex"
    public static let transactionIndex = ".txnindex"
    public static let deletedSuffix = ".deleted"
    public static let cleanedSuffix = ".cleaned"
    public static let swapSuffix = ".swap"

    public static func name(baseOffset: Int64, suffix: String) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    public static func path(directory: String, baseOffset: Int64, suffix: String) -> String {
        directory + "/" + name(baseOffset: baseOffset, suffix: suffix)
    }

    /// The base offset in a name such as `00000000000000000042.log`, or nil when the name is not
    /// 20 digits followed by `suffix`.
    public static func baseOffset(of name: String, suffix: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }
}
