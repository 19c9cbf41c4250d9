import Engine
import NIOCore

/// The values of every record in a fetch response's `records` bytes (whole batches, any codec),
/// as text: what the broker tests compare against what they produced.
func recordValues(in records: ByteBuffer?) throws -> [String] {
    guard var records, records.readableBytes > 0 else { return [] }
    var values: [String] = []
    while records.readableBytes > 0 {
        let size = Int(records.getInteger(at: records.readerIndex + 8, as: Int32.self)!) + 12
        let batch = try RecordBatch(bytes: Array(records.readBytes(length: size)!))
        values += try batch.records().map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }
    return values
}
