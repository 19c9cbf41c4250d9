/// Information about a file that is not a problem (unused preallocated index space, a check that
/// could not run because the sibling `.log` is missing).
struct DumpNote: Encodable {
    let type = "note"
    var file: String
    var message: String
}
