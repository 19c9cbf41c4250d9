/// The 16-bit attributes of a RecordBatch v2:
/// bits 0-2 compression codec, bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional,
/// bit 5 control batch, bit 6 has delete horizon (set by compaction on batches with tombstones).
public struct RecordBatchAttributes: Equatable, Hashable, Sendable {
    public var rawValue: Int16

    public init(rawValue: Int16) { self.rawValue = rawValue }

    public init(
        compression: CompressionCodec = .none, timestampType: TimestampType = .createTime,
        isTransactional: Bool = false, isControl: Bool = false, hasDeleteHorizon: Bool = false
    ) {
        rawValue = Int16(compression.rawValue)
        self.timestampType = timestampType
        self.isTransactional = isTransactional
        self.isControl = isControl
        self.hasDeleteHorizon = hasDeleteHorizon
    }

    /// Nil when the three codec bits hold a value Kafka does not define (5, 6, 7).
    public var compression: CompressionCodec? { CompressionCodec(rawValue: UInt8(rawValue & 0x7)) }

    public var timestampType: TimestampType {
        get { rawValue & 0x8 != 0 ? .logAppendTime : .createTime }
        set { set(0x8, newValue == .logAppendTime) }
    }

    public var isTransactional: Bool {
        get { rawValue & 0x10 != 0 }
        set { set(0x10, newValue) }
    }

    public var isControl: Bool {
        get { rawValue & 0x20 != 0 }
        set { set(0x20, newValue) }
    }

    public var hasDeleteHorizon: Bool {
        get { rawValue & 0x40 != 0 }
        set { set(0x40, newValue) }
    }

    private mutating func set(_ bit: Int16, _ on: Bool) {
        rawValue = on ? rawValue | bit : rawValue & ~bit
    }
}

/// Which clock a batch's timestamps come from (Kafka's `message.timestamp.type`).
public enum TimestampType: String, Sendable, CaseIterable {
    case createTime = "CreateTime"
    case logAppendTime = "LogAppendTime"
}
