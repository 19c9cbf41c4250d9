import Foundation
import Tiering
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real S3 server for the tests: moto_server (moto[server] from PyPI) on a free loopback port,
/// with `Tests/tiering/s3_fault_proxy.py` in front of it to inject errors, delays and outages.
///
/// Where the programs come from:
/// - moto_server: `$STRATA_MOTO_SERVER` (a full path), else `<package root>/.venv/bin/moto_server`
///   (`scripts/setup-python.sh` installs it);
/// - Python for the proxy: `<package root>/.venv/bin/python`, else `python3` on the PATH.
/// Without moto_server the tests are skipped, or fail when `CI` is set.
final class MotoServer: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let setupHint = "moto_server (moto[server]) is not installed: run scripts/setup-python.sh, or set STRATA_MOTO_SERVER to its path"

    let motoPort: Int
    let proxyPort: Int
    private let moto: ManagedProcess
    private let proxy: ManagedProcess

    /// The moto_server executable, or nil when there is none.
    static func motoExecutable() -> String? {
        if let path = ProcessInfo.processInfo.environment["STRATA_MOTO_SERVER"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let path = packageRoot.appendingPathComponent(".venv/bin/moto_server").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts moto and the proxy, or throws XCTSkip (a failure under CI) when moto is missing.
    static func start() throws -> MotoServer {
        guard let executable = motoExecutable() else {
            var hint = setupHint
            if let configured = ProcessInfo.processInfo.environment["STRATA_MOTO_SERVER"], !configured.isEmpty {
                hint = "STRATA_MOTO_SERVER=\(configured) is not an executable file; " + hint
            }
            // Under CI a missing server is a broken setup, not a reason to test less.
            if ProcessInfo.processInfo.environment["CI"] != nil { throw SupportError(hint) }
            throw XCTSkip(hint)
        }
        return try MotoServer(motoExecutable: executable)
    }

    private init(motoExecutable: String) throws {
        motoPort = try Self.freePort()
        moto = try ManagedProcess(name: "moto_server", executable: motoExecutable, arguments: ["-H", "127.0.0.1", "-p", String(motoPort)])
        do {
            try Self.waitForPort(motoPort, timeout: 30, process: moto)
            let venvPython = Self.packageRoot.appendingPathComponent(".venv/bin/python").path
            let python = FileManager.default.isExecutableFile(atPath: venvPython) ? venvPython : "python3"
            let script = Self.packageRoot.appendingPathComponent("Tests/tiering/s3_fault_proxy.py").path
            proxy = try ManagedProcess(name: "s3_fault_proxy", executable: python,
                                       arguments: [script, "--port", "0", "--upstream", "http://127.0.0.1:\(motoPort)"])
        } catch {
            moto.stop()
            throw error
        }
        do {
            let port = try proxy.waitForOutput(matching: "listening on ([0-9]+)", timeout: 20)
            proxyPort = Int(port)!
        } catch {
            moto.stop()
            proxy.stop()
            throw error
        }
    }

    func stop() {
        proxy.stop()
        moto.stop()
    }

    var motoEndpoint: String { "http://127.0.0.1:\(motoPort)" }
    var proxyEndpoint: String { "http://127.0.0.1:\(proxyPort)" }

    /// A store on a fresh bucket behind the proxy, with fast retries; the bucket is created.
    func makeStore(
        bucket: String = "strata-\(UUID().uuidString.prefix(8).lowercased())",
        endpoint: String? = nil,
        pathStyle: Bool = true,
        configure: (inout S3StorageConfig) -> Void = { _ in }
    ) throws -> S3RemoteStorage {
        var config = S3StorageConfig(
            bucket: bucket,
            credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"),
            region: "us-east-1",
            endpoint: endpoint ?? proxyEndpoint,
            pathStyleAccess: pathStyle,
            partSize: S3StorageConfig.minimumPartSize,
            requestTimeoutMilliseconds: 20_000,
            connectTimeoutMilliseconds: 2_000,
            maxRetries: 3,
            retryBackoffMilliseconds: 10,
            retryBackoffMaxMilliseconds: 100
        )
        configure(&config)
        let store = try S3RemoteStorage(config: config)
        try store.createBucket()
        return store
    }

    // MARK: Fault proxy control

    /// Sends a `POST /__fault__` command, e.g. `["mode": "error", "status": 500, "count": 3]`.
    func setFault(_ command: [String: Any]) throws {
        let body = try JSONSerialization.data(withJSONObject: command)
        let (status, answer) = try Self.http(port: proxyPort, method: "POST", path: "/__fault__", body: body)
        guard status == 200 else { throw SupportError("fault proxy refused \(command): \(String(decoding: answer, as: UTF8.self))") }
    }

    func clearFault() throws {
        try setFault(["mode": "none"])
    }

    /// The proxy's counters (`GET /__fault__/stats`).
    func stats() throws -> ProxyStats {
        let (status, answer) = try Self.http(port: proxyPort, method: "GET", path: "/__fault__/stats", body: Data())
        guard status == 200, let json = try JSONSerialization.jsonObject(with: answer) as? [String: Any] else {
            throw SupportError("fault proxy stats: HTTP \(status) \(String(decoding: answer, as: UTF8.self))")
        }
        return ProxyStats(json: json)
    }

    struct ProxyStats {
        var connections: Int
        var requests: Int
        var forwarded: Int
        var faulted: Int
        var forwardedByMethod: [String: Int]

        init(json: [String: Any]) {
            connections = json["connections"] as? Int ?? 0
            requests = json["requests"] as? Int ?? 0
            forwarded = json["forwarded"] as? Int ?? 0
            faulted = json["faulted"] as? Int ?? 0
            forwardedByMethod = json["forwarded_by_method"] as? [String: Int] ?? [:]
        }
    }

    // MARK: Sockets

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw SupportError("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !connected {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func waitForPort(_ port: Int, timeout: TimeInterval, process: ManagedProcess) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let fd = connect(port: port) {
                close(fd)
                return
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        throw SupportError("\(process.name) did not listen on port \(port) within \(timeout) s; its output:\n\(process.outputText)")
    }

    /// One HTTP/1.1 request with `Connection: close`; returns the status and the body.
    static func http(port: Int, method: String, path: String, body: Data, headers: [String] = []) throws -> (Int, Data) {
        let (status, _, answer) = try httpWithHeaders(port: port, method: method, path: path, body: body, headers: headers)
        return (status, answer)
    }

    /// The same, with the answer's headers (names lowercased).
    static func httpWithHeaders(port: Int, method: String, path: String, body: Data, headers: [String] = []) throws -> (Int, [String: String], Data) {
        guard let fd = connect(port: port) else { throw SupportError("cannot connect to 127.0.0.1:\(port)") }
        defer { close(fd) }
        let requestHead = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
        var request = Data(requestHead.utf8)
        request.append(body)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { throw SupportError("short send to the fault proxy") }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        guard let split = answer.range(of: Data("\r\n\r\n".utf8)) else { throw SupportError("no HTTP answer from port \(port)") }
        let head = String(decoding: answer[..<split.lowerBound], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var fields: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet.whitespaces)
        }
        return (status, fields, Data(answer[split.upperBound...]))
    }
}
