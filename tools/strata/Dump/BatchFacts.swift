import Engine

/// What index verification needs to know about one batch of a `.log` file.
struct BatchFacts {
    var position: Int64
    var baseOffset: Int64
    var lastOffset: Int64
    var maxTimestamp: Int64
    var producerId: Int64
    var isControl: Bool
    /// For control batches whose marker was asked for: the end-transaction marker's kind.
    var marker: EndTransactionMarker.Kind?
}
