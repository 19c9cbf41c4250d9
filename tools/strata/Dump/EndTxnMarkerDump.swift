import Engine

/// The decoded end-transaction marker of a control record: `COMMIT` or `ABORT` and the epoch of
/// the transaction coordinator that wrote it.
struct EndTxnMarkerDump: Encodable {
    var type: String
    var coordinatorEpoch: Int32

    init(_ marker: EndTransactionMarker) {
        type = marker.kind == .commit ? "COMMIT" : "ABORT"
        coordinatorEpoch = marker.coordinatorEpoch
    }
}
