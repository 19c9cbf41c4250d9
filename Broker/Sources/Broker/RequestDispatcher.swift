import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Routes a decoded request to its handler. ApiVersions is answered on the event loop; the
/// handlers that touch storage run on the I/O thread pool (`num.io.threads`), so a slow disk never
/// stalls a network thread — except page-cache appends and local fetch reads, which take
/// microseconds and run on the event loop (`strata.inline.storage.enable`). Every future completes
/// on the request's event loop.
struct RequestDispatcher: Sendable {
    let apiVersions = ApiVersionsHandler()
    let metadata: MetadataHandler
    let produce: ProduceHandler
    let fetch: FetchHandler
    let listOffsets: ListOffsetsHandler
    let createTopics: CreateTopicsHandler
    let deleteTopics: DeleteTopicsHandler
    let initProducerId: InitProducerIdHandler
    let groups: GroupRequestHandler
    let createPartitions: CreatePartitionsHandler
    let deleteRecords: DeleteRecordsHandler
    let configs: ConfigRequestHandler
    let threadPool: NIOThreadPool
    /// `strata.inline.storage.enable`: append on the event loop when the append only writes to the
    /// page cache (no topic in the request fsyncs per append): it takes microseconds, and the two
    /// thread hops to the I/O pool and back cost more than that, in latency and CPU.
    var inlineAppends = true

    func dispatch(_ body: KafkaRequestBody, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        switch body {
        case .apiVersions(let request):
            return context.eventLoop.makeSucceededFuture(.message(apiVersions.handle(request, version: version)))
        case .metadata(let request):
            return offload(context) { .message(metadata.handle(request, context: context)) }
        case .produce(let request):
            if inlineAppends && produce.appendsOnlyToPageCache(request) {
                return context.eventLoop.makeSucceededFuture(produce.handle(request, version: version))
            }
            return offload(context) { produce.handle(request, version: version) }
        case .fetch(let request):
            return fetch.handle(request, context: context)
        case .listOffsets(let request):
            return offload(context) { .message(listOffsets.handle(request, version: version)) }
        case .createTopics(let request):
            return offload(context) { .message(createTopics.handle(request, version: version)) }
        case .deleteTopics(let request):
            return offload(context) { .message(deleteTopics.handle(request, version: version)) }
        case .initProducerId(let request):
            return offload(context) { .message(initProducerId.handle(request, version: version)) }
        case .findCoordinator(let request):
            return offload(context) { .message(groups.findCoordinator(request, context: context)) }
        case .joinGroup(let request):
            return groups.joinGroup(request, context: context)
        case .syncGroup(let request):
            return groups.syncGroup(request, context: context)
        case .heartbeat(let request):
            return groups.heartbeat(request, context: context)
        case .leaveGroup(let request):
            return groups.leaveGroup(request, context: context)
        case .offsetCommit(let request):
            return groups.offsetCommit(request, context: context)
        case .offsetFetch(let request):
            return offload(context) { .message(groups.offsetFetch(request, version: version)) }
        case .offsetDelete(let request):
            return groups.offsetDelete(request, context: context)
        case .listGroups(let request):
            return offload(context) { .message(groups.listGroups(request, version: version)) }
        case .describeGroups(let request):
            return offload(context) { .message(groups.describeGroups(request, version: version)) }
        case .deleteGroups(let request):
            return groups.deleteGroups(request, context: context)
        case .createPartitions(let request):
            return offload(context) { .message(createPartitions.handle(request, version: version)) }
        case .deleteRecords(let request):
            return offload(context) { .message(deleteRecords.handle(request, version: version)) }
        case .describeConfigs(let request):
            return offload(context) { .message(configs.describeConfigs(request, version: version)) }
        case .alterConfigs(let request):
            return offload(context) { .message(configs.alterConfigs(request, version: version)) }
        case .incrementalAlterConfigs(let request):
            return offload(context) { .message(configs.incrementalAlterConfigs(request, version: version)) }
        default:
            // Not reachable: the connection only dispatches APIs listed in SupportedApis.
            return context.eventLoop.makeSucceededFuture(.close(reason: "\(context.apiKey) is not implemented"))
        }
    }

    private func offload(_ context: RequestContext, _ work: @escaping @Sendable () -> KafkaResponse) -> EventLoopFuture<KafkaResponse> {
        threadPool.runIfActive(eventLoop: context.eventLoop, work)
    }
}
