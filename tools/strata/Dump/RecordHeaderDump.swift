import Engine

/// One record header: its key, and its value as text, hex or null (see `DumpBytes`).
struct RecordHeaderDump: Encodable {
    var key: String
    var value: String?
    var valueFormat: DumpBytes.Format?
    private var valueText: String

    init(_ header: RecordHeader) {
        key = header.key
        let value = DumpBytes(header.value)
        self.value = value.shown
        valueFormat = value.format
        valueText = value.textForm
    }

    var text: String { "\(key)=\(valueText)" }

    private enum CodingKeys: String, CodingKey {
        case key, value, valueFormat
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(value, forKey: .value)
        try container.encode(valueFormat, forKey: .valueFormat)
    }
}
