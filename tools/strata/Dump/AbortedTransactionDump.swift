import Engine

/// One `.txnindex` entry: an aborted transaction whose abort marker lies in the segment.
struct AbortedTransactionDump: Encodable {
    let type = "abortedTransaction"
    var file: String
    /// The entry's number, from 0; it lies at byte `entry * 34` of the file.
    var entry: Int
    var version: Int16
    var producerId: Int64
    var firstOffset: Int64
    var lastOffset: Int64
    var lastStableOffset: Int64

    init(file: String, entry: Int, _ transaction: AbortedTransaction) {
        self.file = file
        self.entry = entry
        version = transaction.version
        producerId = transaction.producerId
        firstOffset = transaction.firstOffset
        lastOffset = transaction.lastOffset
        lastStableOffset = transaction.lastStableOffset
    }

    var text: String {
        "version: \(version) producerId: \(producerId) firstOffset: \(firstOffset) lastOffset: \(lastOffset) lastStableOffset: \(lastStableOffset)"
    }
}
