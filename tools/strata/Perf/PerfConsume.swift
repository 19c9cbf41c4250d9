import ArgumentParser
import Dispatch
import Foundation
import KafkaProtocol
import NIOCore
import NIOPosix

/// `strata perf consume`: reads a topic from its start with Fetch requests and reports
/// end-to-end records/s and MB/s.
struct PerfConsume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Consume a topic from its start and report records/s and MB/s.",
        discussion: """
            Like Kafka's kafka-consumer-perf-test. Fetches every partition of the topic from its \
            log start, one Fetch request at a time on one connection (no consumer group, no \
            committed offsets), and counts records and record batch bytes until --num-records \
            records or --duration seconds. Control batches of transactions are skipped. MB is \
            1,048,576 bytes.

            Exit status: 0 when done; 1 when the broker is unreachable, the topic is missing, or \
            fewer than --num-records records arrived before --timeout-ms passed without a new \
            record; 64 for a usage error.
            """
    )

    @OptionGroup var target: PerfRunOptions
    var bootstrapServer: String { target.bootstrapServer }
    var topic: String { target.topic }
    var numRecords: Int? { target.numRecords }
    var duration: Double? { target.duration }

    @Option(name: .customLong("fetch-max-bytes"), help: ArgumentHelp("The most bytes one Fetch response, and one partition within it, may carry (Kafka's fetch.max.bytes).", valueName: "bytes"))
    var fetchMaxBytes = 52_428_800

    @Option(name: .customLong("timeout-ms"), help: ArgumentHelp("With --num-records, give up when no new record arrived for this long.", valueName: "ms"))
    var timeoutMs = 10000

    @Flag(help: "Print one JSON document instead of the summary line.")
    var json = false

    func validate() throws {
        guard fetchMaxBytes >= 1024, fetchMaxBytes <= Int(Int32.max) else { throw ValidationError("--fetch-max-bytes must be 1024 to 2147483647") }
        guard timeoutMs >= 1 else { throw ValidationError("--timeout-ms must be at least 1") }
    }

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        do {
            try consume(group: group)
        } catch let error as ClientError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func consume(group: EventLoopGroup) throws {
        let connection = try PerfConnection(bootstrapServer: bootstrapServer, group: group)
        defer { connection.close() }
        let partitionIds = try PerfTopics.partitions(of: topic, on: connection, create: false, partitions: nil)
        // Fetch v13 and later name topics by id; the names are enough here.
        let version = try connection.version(of: FetchRequest.self, atMost: 12)
        var offsets = Dictionary(uniqueKeysWithValues: partitionIds.map { ($0, Int64(0)) })

        let start = DispatchTime.now().uptimeNanoseconds
        let end = duration.map { start + UInt64($0 * 1e9) }
        let limit = numRecords ?? .max
        var records = 0
        var bytes = 0
        var fetches = 0
        var lastRecord = start
        while records < limit {
            let now = DispatchTime.now().uptimeNanoseconds
            if let end, now >= end { break }
            if numRecords != nil, now - lastRecord > UInt64(timeoutMs) * 1_000_000 {
                report(records: records, bytes: bytes, fetches: fetches, elapsed: lastRecord - start)
                throw ClientError("consumed \(records) of \(limit) records: no new record for \(timeoutMs) ms")
            }
            var request = FetchRequest()
            request.maxWaitMs = 500
            request.minBytes = 1
            request.maxBytes = Int32(fetchMaxBytes)
            request.topics = [FetchRequest.FetchTopic(topic: topic, partitions: partitionIds.map {
                FetchRequest.FetchPartition(partition: $0, fetchOffset: offsets[$0]!, partitionMaxBytes: Int32(fetchMaxBytes))
            })]
            let response = try connection.request(request, version: version)
            fetches += 1
            guard response.errorCode == 0 else { throw ClientError("\(bootstrapServer) refused Fetch (error \(response.errorCode))") }
            for topicResponse in response.responses {
                for partition in topicResponse.partitions {
                    if partition.errorCode == 1, partition.logStartOffset >= 0 {
                        offsets[partition.partitionIndex] = partition.logStartOffset  // OFFSET_OUT_OF_RANGE: start over at the log start
                        continue
                    }
                    guard partition.errorCode == 0 else {
                        throw ClientError("\(bootstrapServer) refused to fetch \(topic)-\(partition.partitionIndex) (error \(partition.errorCode))")
                    }
                    guard var buffer = partition.records else { continue }
                    while records < limit, let batch = Self.nextBatch(&buffer) {
                        offsets[partition.partitionIndex] = batch.nextOffset
                        guard !batch.isControl else { continue }
                        records += min(batch.recordCount, limit - records)
                        bytes += batch.bytes
                        lastRecord = DispatchTime.now().uptimeNanoseconds
                    }
                }
            }
        }
        report(records: records, bytes: bytes, fetches: fetches, elapsed: lastRecord - start)
    }

    private func report(records: Int, bytes: Int, fetches: Int, elapsed: UInt64) {
        let report = PerfConsumeReport(records: records, bytes: bytes, fetches: fetches, elapsedNanoseconds: elapsed)
        if json { try? PerfJSON.print(report) } else { print(report.line) }
    }

    /// Reads the next whole record batch's facts from fetched bytes; nil at the end or at a
    /// partial trailing batch (a fetch may cut the last one short).
    static func nextBatch(_ buffer: inout ByteBuffer) -> PerfFetchedBatch? {
        let at = buffer.readerIndex
        guard buffer.readableBytes >= 61,
              let baseOffset = buffer.getInteger(at: at, as: Int64.self),
              let length = buffer.getInteger(at: at + 8, as: Int32.self), length >= 49,
              buffer.readableBytes >= 12 + Int(length),
              let attributes = buffer.getInteger(at: at + 21, as: Int16.self),
              let lastOffsetDelta = buffer.getInteger(at: at + 23, as: Int32.self),
              let count = buffer.getInteger(at: at + 57, as: Int32.self) else { return nil }
        buffer.moveReaderIndex(forwardBy: 12 + Int(length))
        return PerfFetchedBatch(nextOffset: baseOffset + Int64(lastOffsetDelta) + 1, recordCount: Int(count), bytes: 12 + Int(length), isControl: attributes & 0x20 != 0)
    }
}
