import ArgumentParser
import Foundation
import Tiering

/// `strata remote`: look at and move objects in the S3-compatible store that tiered storage uses,
/// with the broker's own S3 client (so what works here works for the broker).
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "List, download, upload and delete objects in an S3-compatible store, as tiered storage reaches it.",
        discussion: """
            Objects are named s3://bucket/key. The store is reached as the broker reaches it: \
            --broker-config reads the broker's rsm.config.storage.s3.* settings; --s3-* flags win \
            over them; credentials come from rsm.config.storage.aws.* or the standard \
            AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables, never from flags.

            A tiered partition's objects are under <topic>-<topic id>/<partition>/: \
            <base offset>-<segment id>.log (.index, .timeindex, .txnindex, \
            .leader-epoch-checkpoint) and manifest.json. `strata dump s3://...` reads a remote segment.

            Examples:
              strata remote ls s3://tiered/orders- --s3-endpoint http://127.0.0.1:9000 --s3-path-style
              strata remote get s3://tiered/orders-AbC.../0/manifest.json --broker-config server.properties
              strata remote put big.bin s3://scratch/big.bin --s3-endpoint http://127.0.0.1:9000 --s3-path-style
            """,
        subcommands: [List.self, Get.self, Put.self, Delete.self]
    )

    static func url(_ argument: String) throws -> RemoteObjectURL {
        switch RemoteObjectURL.parse(argument) {
        case .success(let url): return url
        case .failure(let error): throw ValidationError(error.description)
        }
    }

    /// Runs `body`, turning store errors into a message and exit status 1.
    static func run(_ name: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("strata remote \(name): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the objects under a key prefix, with their sizes.")
        @Argument(help: ArgumentHelp("s3://bucket/prefix (the prefix may be empty).", valueName: "url")) var url: String
        @OptionGroup var store: RemoteStoreOptions

        func run() throws {
            let target = try RemoteCommand.url(url)
            try RemoteCommand.run("ls") {
                let objects = try store.store(bucket: target.bucket).list(prefix: target.key)
                for object in objects { print("\(object.size)\t\(RemoteObjectURL.scheme)\(target.bucket)/\(object.key)") }
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Download an object (or a byte range of it) to a file or standard output.")
        @Argument(help: ArgumentHelp("s3://bucket/key", valueName: "url")) var url: String
        @Argument(help: ArgumentHelp("Where to write it (default: standard output).", valueName: "file")) var file: String?
        @Option(help: ArgumentHelp("Only bytes FIRST-LAST of the object (inclusive, as HTTP ranges).", valueName: "first-last")) var range: String?
        @OptionGroup var store: RemoteStoreOptions

        func run() throws {
            let target = try RemoteCommand.url(url)
            var byteRange: Range<Int64>?
            if let range {
                let parts = range.split(separator: "-").compactMap { Int64($0) }
                guard parts.count == 2, parts[0] >= 0, parts[1] >= parts[0] else { throw ValidationError("--range must be FIRST-LAST, as 0-1023") }
                byteRange = parts[0]..<(parts[1] + 1)
            }
            try RemoteCommand.run("get") {
                let bytes = try store.store(bucket: target.bucket).get(key: target.key, range: byteRange)
                if let file {
                    guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
                        throw RemoteCommandError("cannot write \(file)")
                    }
                } else {
                    FileHandle.standardOutput.write(Data(bytes))
                }
            }
        }
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put", abstract: "Upload a file (multipart above the part size) and print its size, time and throughput.")
        @Argument(help: ArgumentHelp("The file to upload.", valueName: "file")) var file: String
        @Argument(help: ArgumentHelp("s3://bucket/key", valueName: "url")) var url: String
        @Flag(help: "Print one JSON object (bytes, seconds, megabytesPerSecond) instead of the summary line.") var json = false
        @OptionGroup var store: RemoteStoreOptions

        func run() throws {
            let target = try RemoteCommand.url(url)
            guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int64 else {
                throw ValidationError("no such file: \(file)")
            }
            try RemoteCommand.run("put") {
                let remote = try store.store(bucket: target.bucket)
                let started = DispatchTime.now().uptimeNanoseconds
                try remote.put(key: target.key, fileAt: file)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                let rate = Double(size) / 1_048_576 / max(seconds, 1e-9)
                if json {
                    print("{\"bytes\":\(size),\"seconds\":\(seconds),\"megabytesPerSecond\":\(rate)}")
                } else {
                    print("uploaded \(size) bytes to \(target) in \(String(format: "%.3f", seconds)) s (\(String(format: "%.1f", rate)) MiB/s)")
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an object (a missing object is not an error).")
        @Argument(help: ArgumentHelp("s3://bucket/key", valueName: "url")) var url: String
        @OptionGroup var store: RemoteStoreOptions

        func run() throws {
            let target = try RemoteCommand.url(url)
            try RemoteCommand.run("rm") { try store.store(bucket: target.bucket).delete(key: target.key) }
        }
    }
}
