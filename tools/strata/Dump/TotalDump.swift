/// The last JSON line of `strata dump --json`: totals over every file.
struct TotalDump: Encodable {
    let type = "total"
    var files: Int
    var failedFiles: Int
    var problems: Int
    var verified: Bool
    var ok: Bool
}
