/// The choices of `strata dump` that the per-file dumpers need.
struct DumpOptions {
    /// Decode and print every record of every batch.
    var records = false
    /// Run every check and keep reading past problems where the framing allows.
    var verify = false
}
