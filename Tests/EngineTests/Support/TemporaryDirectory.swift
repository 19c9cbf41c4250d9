import Engine
import Foundation

/// A fresh directory under the system temporary folder, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ name: String = "strata-test") {
        path = NSTemporaryDirectory() + "/\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}
