/// A file argument that cannot be dumped at all (missing, unreadable, unrecognised name).
/// `message` names the file; the command prints it as `strata dump: <message>`.
struct DumpFailure: Error, CustomStringConvertible {
    var path: String
    var message: String

    var description: String { message }
}
