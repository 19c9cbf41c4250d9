/// What `strata perf consume` needs of one fetched record batch.
struct PerfFetchedBatch {
    let nextOffset: Int64
    let recordCount: Int
    let bytes: Int
    let isControl: Bool
}
