import Broker
import Engine
import Logging
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A broker started in-process on a free loopback port over a temporary data directory.
final class ServerFixture {
    let directory: String
    var settings: [String: String]
    private(set) var server: KafkaServer!
    var port: Int { server.boundListeners[0].port }

    init(settings: [String: String] = [:], directory: String? = nil) throws {
        self.directory = directory ?? Self.temporaryDirectory()
        self.settings = settings
        try start()
    }

    func start() throws {
        var values = ["listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": directory + "/data", "num.io.threads": "2", "num.network.threads": "1"]
        for (name, value) in settings { values[name] = value }
        var logger = Logger(label: "broker-tests")
        logger.logLevel = ProcessInfoLike.verbose ? .debug : .critical
        server = KafkaServer(config: try BrokerConfig(values: values), logger: logger)
        try server.start()
    }

    func restart() throws {
        server.shutdown()
        try start()
    }

    func client() throws -> TestKafkaClient { try TestKafkaClient(port: port) }

    func stop() {
        server?.shutdown()
        try? FileSystem.removeTree(directory)
    }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/strata-broker-tests-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }
}

enum ProcessInfoLike {
    static var verbose: Bool { getenv("STRATA_TEST_VERBOSE") != nil }
}
