import Engine
import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// FindCoordinator, ListGroups, DescribeGroups and DeleteGroups on the wire.
extension GroupRequestHandler {
    /// Kafka's `CoordinatorType` key types.
    enum CoordinatorKeyType: Int8 {
        case group = 0
        case transaction = 1
        case share = 2
    }

    /// The authorized-operations bit field Kafka reports for a group without an authorizer:
    /// READ (3), DELETE (6), DESCRIBE (8).
    static let groupOperations: Int32 = (1 << 3) | (1 << 6) | (1 << 8)

    // MARK: FindCoordinator

    /// This node coordinates every group (after making sure `__consumer_offsets` exists). There is
    /// no transaction coordinator yet: TRANSACTION keys get COORDINATOR_NOT_AVAILABLE.
    func findCoordinator(_ request: FindCoordinatorRequest, context: RequestContext) -> FindCoordinatorResponse {
        let version = context.apiVersion
        let (host, port) = endpoints.withLockedValue { $0.endpoint(listenerName: context.listenerName, localAddress: context.localAddress) }
        let keyType = version >= 1 ? request.keyType : CoordinatorKeyType.group.rawValue
        func answer(_ key: String) -> (error: KafkaErrorCode, message: String?) {
            switch CoordinatorKeyType(rawValue: keyType) {
            case .group:
                return coordinator.ensureOffsetsTopic() ? (.none, nil) : (.coordinatorNotAvailable, "the group coordinator is not available")
            case .transaction:
                return (.coordinatorNotAvailable, "this broker has no transaction coordinator")
            case .share, .none:
                return (.invalidRequest, "unsupported key type \(keyType)")
            }
        }
        var response = FindCoordinatorResponse()
        if version >= 4 {
            response.coordinators = request.coordinatorKeys.map { key in
                let (error, message) = answer(key)
                let ok = error == .none
                return FindCoordinatorResponse.Coordinator(
                    key: key, nodeId: ok ? nodeId : -1, host: ok ? host : "", port: ok ? port : -1,
                    errorCode: error.rawValue, errorMessage: ok ? "NONE" : message)
            }
        } else {
            let (error, message) = answer(request.key)
            let ok = error == .none
            response.errorCode = error.rawValue
            if version >= 1 { response.errorMessage = ok ? "NONE" : message }
            response.nodeId = ok ? nodeId : -1
            response.host = ok ? host : ""
            response.port = ok ? port : -1
        }
        return response
    }

    // MARK: ListGroups

    func listGroups(_ request: ListGroupsRequest, version: Int16) -> ListGroupsResponse {
        let states = version >= 4 ? Set(request.statesFilter.map { $0.lowercased() }) : []
        let types = version >= 5 ? Set(request.typesFilter.map { $0.lowercased() }) : []
        var response = ListGroupsResponse()
        guard types.isEmpty || types.contains("classic") else { return response }
        response.groups = coordinator.read { $0.listGroups() }
            .filter { states.isEmpty || states.contains($0.state.rawValue.lowercased()) }
            .map { listing in
                var group = ListGroupsResponse.ListedGroup(groupId: listing.groupId, protocolType: listing.protocolType)
                if version >= 4 { group.groupState = listing.state.rawValue }
                if version >= 5 { group.groupType = "classic" }
                return group
            }
        return response
    }

    // MARK: DescribeGroups

    func describeGroups(_ request: DescribeGroupsRequest, version: Int16) -> DescribeGroupsResponse {
        var response = DescribeGroupsResponse()
        response.groups = request.groups.map { groupId in
            let description = coordinator.read { $0.describeGroup(groupId) }
            var group = DescribeGroupsResponse.DescribedGroup()
            group.groupId = groupId
            group.groupState = description.state.rawValue
            group.protocolType = description.protocolType
            group.protocolData = description.protocolName
            group.members = description.members.map { member in
                DescribeGroupsResponse.DescribedGroupMember(
                    memberId: member.memberId, groupInstanceId: version >= 4 ? member.groupInstanceId : nil, clientId: member.clientId,
                    clientHost: member.clientHost, memberMetadata: member.metadata, memberAssignment: member.assignment)
            }
            if version >= 3 && request.includeAuthorizedOperations { group.authorizedOperations = Self.groupOperations }
            return group
        }
        return response
    }

    // MARK: DeleteGroups

    func deleteGroups(_ request: DeleteGroupsRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let groupIds = request.groupsNames
        let respond: @Sendable ([GroupDeletion]) -> KafkaResponse = { results in
            var byId: [String: KafkaErrorCode] = [:]
            for result in results { byId[result.groupId] = result.error }
            return .message(DeleteGroupsResponse(results: groupIds.map {
                DeleteGroupsResponse.DeletableGroupResult(groupId: $0, errorCode: (byId[$0] ?? .unknownServerError).rawValue)
            }))
        }
        return coordinator.submit(on: context.eventLoop) { .deleteGroups($0, groupIds) }
            .map { reply in
                guard case .deleteGroups(let results) = reply else { return respond([]) }
                return respond(results)
            }
            .recover { _ in respond(groupIds.map { GroupDeletion(groupId: $0, error: .coordinatorNotAvailable) }) }
    }
}
