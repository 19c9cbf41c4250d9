import Engine

/// Scans a `.log` file once and keeps the batches that index entries refer to: those starting at
/// given positions and those holding given offsets. Framing only (no CRC): the `.log` dump reports
/// bad batches; here they still say where they are and which offsets they claim.
struct LogBatchLocator {
    let path: String
    private(set) var size: Int64 = 0
    /// End of the last whole batch: the log cannot be read past it.
    private(set) var readableEnd: Int64 = 0
    /// Why reading stopped before the end of the file, if it did.
    private(set) var corruption: EngineError?
    private(set) var byPosition: [Int64: BatchFacts] = [:]
    private(set) var byOffset: [Int64: BatchFacts] = [:]

    /// - Parameters:
    ///   - offsets: offsets to find the batches of, in any order.
    ///   - decodeMarkers: decode the end-transaction marker of control batches holding `offsets`.
    init(path: String, positions: Set<Int64>, offsets: [Int64], decodeMarkers: Bool = false) throws(EngineError) {
        self.path = path
        let wanted = Array(Set(offsets)).sorted()
        let file = try FileDescriptor(path: path, mode: .readOnly)
        size = try file.size()
        var scanner = try LogFileScanner(file: file, validateCRC: false)
        while true {
            let next: LogFileScanner.Batch?
            do {
                next = try scanner.next()
            } catch {
                guard case .corruptBatch = error else { throw error }
                corruption = error
                return
            }
            guard let batch = next else { return }
            let header = batch.header
            readableEnd = batch.position + Int64(header.totalSize)
            var facts = BatchFacts(
                position: batch.position, baseOffset: header.baseOffset, lastOffset: header.lastOffset,
                maxTimestamp: header.maxTimestamp, producerId: header.producerId, isControl: header.isControl)
            var held = Self.lowerBound(header.baseOffset, in: wanted)
            let holdsWanted = held < wanted.count && wanted[held] <= header.lastOffset
            if decodeMarkers && holdsWanted && header.isControl {
                facts.marker = Self.marker(Array(batch.bytes), path: path, position: batch.position)
            }
            if positions.contains(batch.position) && byPosition[batch.position] == nil {
                byPosition[batch.position] = facts
            }
            while held < wanted.count && wanted[held] <= header.lastOffset {
                if byOffset[wanted[held]] == nil { byOffset[wanted[held]] = facts }
                held += 1
            }
        }
    }

    /// A note on where the log stops being readable, for reports; nil when it reads to the end.
    var unreadableTail: String? {
        guard let corruption else { return nil }
        return "\(path) cannot be read past byte \(readableEnd) (\(corruption))"
    }

    private static func lowerBound(_ value: Int64, in sorted: [Int64]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func marker(_ bytes: [UInt8], path: String, position: Int64) -> EndTransactionMarker.Kind? {
        guard let batch = try? RecordBatch(bytes: bytes, file: path, position: position),
              let record = try? batch.records(file: path, position: position).first else { return nil }
        return EndTransactionMarker(record: record)?.kind
    }
}
