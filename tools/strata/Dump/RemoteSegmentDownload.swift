import Engine
import Foundation
import Tiering

/// `strata dump s3://bucket/key`: a remote segment file is downloaded into a fresh temporary
/// folder under its segment's file name (the base offset, without tiered storage's segment id),
/// then dumped like a local file; byte positions are the same in both. For an index, the
/// segment's `.log` object comes too, so `--verify` can check entries against it.
struct RemoteSegmentDownload {
    let folder: String
    let localPath: String

    static func fetch(_ argument: String, options: RemoteStoreOptions) throws(DumpFailure) -> RemoteSegmentDownload {
        let url: RemoteObjectURL
        switch RemoteObjectURL.parse(argument) {
        case .success(let parsed): url = parsed
        case .failure(let error): throw DumpFailure(path: argument, message: error.description)
        }
        let name = String(url.key.split(separator: "/").last ?? "")
        guard let parsed = DumpTarget.parse(name: name) else {
            throw DumpFailure(path: argument, message: "cannot tell what \(argument) holds: a segment file name ends in .log, .index, .timeindex or .txnindex")
        }
        let stem = String(name.dropLast(parsed.kind.suffix.count))
        // Tiered storage names objects <20-digit base offset>-<segment id><suffix>.
        let base = stem.count > 20 && stem.prefix(20).allSatisfy(\.isNumber) && stem.dropFirst(20).first == "-" ? String(stem.prefix(20)) : stem
        let folder = NSTemporaryDirectory() + "strata-dump-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let store = try options.store(bucket: url.bucket)
            let localPath = folder + "/" + base + parsed.kind.suffix
            try write(try store.get(key: url.key, range: nil), to: localPath)
            if parsed.kind != .log {
                let logKey = String(url.key.dropLast(parsed.kind.suffix.count)) + SegmentFileName.log
                if let bytes = try? store.get(key: logKey, range: nil) { try write(bytes, to: folder + "/" + base + SegmentFileName.log) }
            }
            FileHandle.standardError.write(Data("strata dump: \(argument) downloaded to \(localPath); byte positions are the object's\n".utf8))
            return RemoteSegmentDownload(folder: folder, localPath: localPath)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw DumpFailure(path: argument, message: "cannot read \(argument): \(error)")
        }
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw RemoteCommandError("cannot write \(path)")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
