import Engine
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP endpoint answering `GET /metrics` in Prometheus' text format: tiered-storage
/// counters and per-broker log figures. Kafka exposes its metrics over JMX; Prometheus text is
/// what a JMX exporter would turn them into, served directly.
struct MetricsEndpoint: Sendable {
    let registry: TopicRegistry

    func bind(_ address: String, group: any EventLoopGroup) throws -> any Channel {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts[0].isEmpty ? "0.0.0.0" : String(parts[0])
        let port = Int(parts[1]) ?? 0
        let registry = registry
        return try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHTTPHandler(render: { MetricsEndpoint.render(registry) }))
                }
            }
            .bind(host: host, port: port).wait()
    }

    static func render(_ registry: TopicRegistry) -> String {
        var text = registry.tiering?.metrics.prometheusText() ?? ""
        let logs = registry.logManager.allLogs
        text += "# HELP strata_log_size_bytes Bytes of local segments over all partitions.\n# TYPE strata_log_size_bytes gauge\n"
        text += "strata_log_size_bytes \(logs.reduce(Int64(0)) { $0 + $1.size })\n"
        text += "# HELP strata_partitions Partition logs open on this broker.\n# TYPE strata_partitions gauge\n"
        text += "strata_partitions \(logs.count)\n"
        return text
    }
}

/// Answers every GET /metrics with the rendered text, anything else with 404.
private final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let render: @Sendable () -> String
    private var path = ""

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
        case .body:
            break
        case .end:
            let found = path == "/metrics" || path.hasPrefix("/metrics?")
            let body = found ? render() : "not found: try /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            let head = HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
