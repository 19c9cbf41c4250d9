#if canImport(Glibc)
import Glibc
#endif

/// Named places in multi-step file operations where the crash tests kill the process on purpose
/// (`STRATA_CRASH_AT=<name>` in the environment). With the variable unset, `reached` does nothing
/// but compare one cached value.
enum CrashPoint {
    private static let target: String? = getenv("STRATA_CRASH_AT").map { String(cString: $0) }

    @inline(__always)
    static func reached(_ name: StaticString) {
        guard let target, target == "\(name)" else { return }
        raise(SIGKILL)
    }
}
