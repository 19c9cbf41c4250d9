/// The single record of a control batch that ends a transaction.
/// Key: version int16 (0), type int16 (0 = abort, 1 = commit). Value: version int16 (0),
/// coordinatorEpoch int32.
public struct EndTransactionMarker: Equatable, Sendable {
    public enum Kind: Int16, Sendable { case abort = 0, commit = 1 }

    public var kind: Kind
    public var coordinatorEpoch: Int32

    public init(kind: Kind, coordinatorEpoch: Int32) {
        self.kind = kind
        self.coordinatorEpoch = coordinatorEpoch
    }

    public var key: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(Int16(0))
        bytes.appendBigEndian(kind.rawValue)
        return bytes
    }

    public var value: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(Int16(0))
        bytes.appendBigEndian(coordinatorEpoch)
        return bytes
    }

    /// Decodes a control record; nil when its key is not a known end-transaction marker.
    public init?(record: Record) {
        guard let key = record.key, key.count >= 4, key.loadBigEndian(at: 0, as: Int16.self) == 0,
              let kind = Kind(rawValue: key.loadBigEndian(at: 2)) else { return nil }
        self.kind = kind
        if let value = record.value, value.count >= 6 {
            coordinatorEpoch = value.loadBigEndian(at: 2)
        } else {
            coordinatorEpoch = -1
        }
    }
}
