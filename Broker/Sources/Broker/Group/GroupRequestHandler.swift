import Engine
import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// The group APIs' wire side: turns each request version into a call on the state machine and
/// its answer into the response of that version. Validation that needs no group state (topics
/// that do not exist, over-long commit metadata) happens here, as in Kafka's `KafkaApis`.
///
/// Concurrency: immutable; the coordinator and registry it holds are thread-safe.
struct GroupRequestHandler: Sendable {
    let coordinator: GroupCoordinator
    let registry: TopicRegistry
    let nodeId: Int32
    let endpoints: NIOLockedValueBox<AdvertisedEndpoints>

    // MARK: JoinGroup

    func joinGroup(_ request: JoinGroupRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        let clientId = context.header.clientId ?? ""
        let call = JoinGroupCall(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            requireKnownMemberId: version >= 4 && request.groupInstanceId == nil,
            clientId: clientId, clientHost: Self.clientHost(context),
            rebalanceTimeoutMs: version == 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs, protocolType: request.protocolType,
            protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: $0.metadata) },
            newMemberId: (request.groupInstanceId ?? clientId) + "-" + Self.randomUUIDString(),
            supportsSkipAssignment: version >= 9)
        return coordinator.submit(on: context.eventLoop) { .join($0, call) }
            .map { reply -> KafkaResponse in
                guard case .join(let outcome) = reply else { return .message(Self.joinResponse(.failure(.unknownServerError, memberId: request.memberId), version: version)) }
                return .message(Self.joinResponse(outcome, version: version))
            }
            .recover { _ in .message(Self.joinResponse(.failure(.coordinatorNotAvailable, memberId: request.memberId), version: version)) }
    }

    static func joinResponse(_ outcome: JoinGroupOutcome, version: Int16) -> JoinGroupResponse {
        var response = JoinGroupResponse()
        response.errorCode = outcome.error.rawValue
        response.generationId = outcome.generationId
        if version >= 7 {
            response.protocolType = outcome.protocolType
            response.protocolName = outcome.protocolName
        } else {
            response.protocolName = outcome.protocolName ?? ""
        }
        response.leader = outcome.leaderId
        if version >= 9 { response.skipAssignment = outcome.skipAssignment }
        response.memberId = outcome.memberId
        response.members = outcome.members.map {
            JoinGroupResponse.JoinGroupResponseMember(memberId: $0.memberId, groupInstanceId: version >= 5 ? $0.groupInstanceId : nil, metadata: $0.metadata)
        }
        return response
    }

    // MARK: SyncGroup

    func syncGroup(_ request: SyncGroupRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        let call = SyncGroupCall(
            groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
            groupInstanceId: request.groupInstanceId, protocolType: request.protocolType, protocolName: request.protocolName,
            assignments: request.assignments.map { ($0.memberId, $0.assignment) })
        return coordinator.submit(on: context.eventLoop) { .sync($0, call) }
            .map { reply -> KafkaResponse in
                guard case .sync(let outcome) = reply else { return .message(Self.syncResponse(.failure(.unknownServerError), version: version)) }
                return .message(Self.syncResponse(outcome, version: version))
            }
            .recover { _ in .message(Self.syncResponse(.failure(.coordinatorNotAvailable), version: version)) }
    }

    static func syncResponse(_ outcome: SyncGroupOutcome, version: Int16) -> SyncGroupResponse {
        var response = SyncGroupResponse()
        response.errorCode = outcome.error.rawValue
        if version >= 5 {
            response.protocolType = outcome.protocolType
            response.protocolName = outcome.protocolName
        }
        response.assignment = outcome.assignment
        return response
    }

    // MARK: Heartbeat

    func heartbeat(_ request: HeartbeatRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let call = HeartbeatCall(groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
                                 groupInstanceId: request.groupInstanceId)
        return coordinator.submit(on: context.eventLoop) { .heartbeat($0, call) }
            .map { reply -> KafkaResponse in
                guard case .heartbeat(let error) = reply else { return .message(HeartbeatResponse(errorCode: KafkaErrorCode.unknownServerError.rawValue)) }
                return .message(HeartbeatResponse(errorCode: error.rawValue))
            }
            .recover { _ in .message(HeartbeatResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue)) }
    }

    // MARK: LeaveGroup

    func leaveGroup(_ request: LeaveGroupRequest, context: RequestContext) -> EventLoopFuture<KafkaResponse> {
        let version = context.apiVersion
        let members = version >= 3
            ? request.members.map { LeaveGroupCall.Member(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId) }
            : [LeaveGroupCall.Member(memberId: request.memberId)]
        let call = LeaveGroupCall(groupId: request.groupId, members: members)
        return coordinator.submit(on: context.eventLoop) { .leave($0, call) }
            .map { reply -> KafkaResponse in
                guard case .leave(let outcome) = reply else { return .message(Self.leaveResponse(LeaveGroupOutcome(error: .unknownServerError), version: version)) }
                return .message(Self.leaveResponse(outcome, version: version))
            }
            .recover { _ in .message(Self.leaveResponse(LeaveGroupOutcome(error: .coordinatorNotAvailable), version: version)) }
    }

    static func leaveResponse(_ outcome: LeaveGroupOutcome, version: Int16) -> LeaveGroupResponse {
        var response = LeaveGroupResponse()
        if version >= 3 {
            response.errorCode = outcome.error.rawValue
            response.members = outcome.members.map {
                LeaveGroupResponse.MemberResponse(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, errorCode: $0.error.rawValue)
            }
        } else {
            // One member, one error: the group's, else the member's.
            let memberError = outcome.members.first(where: { $0.error != .none })?.error ?? .none
            response.errorCode = (outcome.error != .none ? outcome.error : memberError).rawValue
        }
        return response
    }

    // MARK: Helpers

    /// Kafka's client host string: `/` and the address (Java's `InetAddress.toString`).
    static func clientHost(_ context: RequestContext) -> String {
        "/" + (context.remoteAddress?.ipAddress ?? "unknown")
    }

    /// A random (version 4) UUID in its usual text form, as Kafka's member ids carry.
    static func randomUUIDString() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}
