/// Why a `strata tune` command cannot go on: a missing or wrong directory, a config it cannot
/// use, a directory another process holds. `message` says what was wrong and where; the command
/// prints it as `strata tune <subcommand>: <message>` and exits with status 1.
struct TuneFailure: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}
