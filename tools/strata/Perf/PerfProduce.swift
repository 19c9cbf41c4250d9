import ArgumentParser
import Dispatch
import Engine
import Foundation
import KafkaProtocol
import NIOCore
import NIOPosix

/// `strata perf produce`: sends generated records to a topic as fast as allowed, several produce
/// requests in flight on one connection, and reports throughput and per-record latency.
struct PerfProduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce generated records to a topic and report records/s, MB/s and latency percentiles.",
        discussion: """
            Like Kafka's kafka-producer-perf-test. Records (random printable values of \
            --record-size bytes, no key) are gathered into one record batch per request for one \
            partition at a time, partitions taken in turn; a batch is sent when it reaches \
            --batch-size bytes, or when it is --linger-ms old and fewer than --max-in-flight \
            requests are unanswered. Requests are pipelined on one connection.

            Latency is per record: from the record entering its batch to the produce response \
            for that batch (with --acks 0, to the request being written, as the broker sends no \
            response). Throughput counts acknowledged records and their values' bytes, over the \
            time from the first record to the last response. MB is 1,048,576 bytes.

            The topic is created if missing: with CreateTopics and --partitions partitions when \
            given, else by the broker's auto-creation (Metadata with allowAutoTopicCreation).

            Exit status: 0 when every record was acknowledged; 1 when the broker is unreachable \
            or refused records; 64 for a usage error.
            """
    )

    @OptionGroup var target: PerfRunOptions
    var bootstrapServer: String { target.bootstrapServer }
    var topic: String { target.topic }
    var numRecords: Int? { target.numRecords }
    var duration: Double? { target.duration }

    @Option(name: .customLong("record-size"), help: ArgumentHelp("Bytes in each record's value.", valueName: "bytes"))
    var recordSize = 100

    @Option(parsing: .unconditional, help: ArgumentHelp("Produce at most this many records a second; -1 for no limit.", valueName: "records/s"))
    var throughput: Double = -1

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Send a batch once its records' values and framing reach this many bytes (Kafka's batch.size).", valueName: "bytes"))
    var batchSize = 16384

    @Option(name: .customLong("linger-ms"), help: ArgumentHelp("Send a smaller batch once it is this old and a request slot is free (Kafka's linger.ms).", valueName: "ms"))
    var lingerMs: Double = 5

    @Option(parsing: .unconditional, help: ArgumentHelp("Acknowledgements to wait for: 0 (none, no response), 1 (the leader), -1 (all in-sync replicas).", valueName: "0|1|-1"))
    var acks: Int16 = -1

    @Option(help: ArgumentHelp("Compression of each batch: none, gzip, snappy, lz4 or zstd.", valueName: "codec"))
    var compression = "none"

    @Option(help: ArgumentHelp("Create the topic with this many partitions (CreateTopics) if missing; without it the broker auto-creates the topic.", valueName: "n"))
    var partitions: Int?

    @Option(name: .customLong("max-in-flight"), help: ArgumentHelp("Produce requests sent but not yet answered, at most (Kafka's max.in.flight.requests.per.connection).", valueName: "n"))
    var maxInFlight = 5

    @Flag(help: "Print one JSON document instead of the summary line.")
    var json = false

    var codec: CompressionCodec? { CompressionCodec.allCases.first { $0.description == compression } }

    func validate() throws {
        guard recordSize >= 0, recordSize <= 16 << 20 else { throw ValidationError("--record-size must be 0 to 16777216 bytes") }
        guard throughput == -1 || throughput > 0 else { throw ValidationError("--throughput must be positive, or -1 for no limit") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 byte") }
        guard lingerMs >= 0 else { throw ValidationError("--linger-ms must not be negative") }
        guard [0, 1, -1].contains(acks) else { throw ValidationError("--acks must be 0, 1 or -1") }
        guard codec != nil else { throw ValidationError("invalid value '\(compression)' for --compression: give none, gzip, snappy, lz4 or zstd") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        guard maxInFlight >= 1 else { throw ValidationError("--max-in-flight must be at least 1") }
    }

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        do {
            let report = try produce(group: group)
            if json { try PerfJSON.print(report) } else { print(report.line) }
        } catch let error as ClientError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func produce(group: EventLoopGroup) throws -> PerfProduceReport {
        let connection = try PerfConnection(bootstrapServer: bootstrapServer, group: group)
        defer { connection.close() }
        let partitionIds = try PerfTopics.partitions(of: topic, on: connection, create: true, partitions: partitions)
        let version = try connection.version(of: ProduceRequest.self)
        guard version >= 3 else { throw ClientError("\(bootstrapServer) only speaks Produce v\(version); record batches need v3") }

        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        let payload = (0..<recordSize).map { _ in letters.randomElement()! }
        let recorder = PerfLatencyRecorder()
        let slots = DispatchSemaphore(value: maxInFlight)
        let codec = codec ?? .none
        let linger = UInt64(lingerMs * 1e6)
        let perRecordBytes = recordSize + 8

        var builder = RecordBatchBuilder(compression: codec)
        var entered: [UInt64] = []
        var batchStart: UInt64 = 0
        var batchBytes = 0
        var partitionCursor = 0
        var sent = 0

        let start = Self.now()
        let wallStartMs = Int64(Date().timeIntervalSince1970 * 1000)
        let end = duration.map { start + UInt64($0 * 1e9) }
        var nextProgress = start + 5_000_000_000
        var progressCount = 0

        func flush(blocking: Bool) {
            guard !entered.isEmpty else { return }
            if blocking { slots.wait() } else if slots.wait(timeout: .now()) == .timedOut { return }
            let batch = builder.build()
            let partition = partitionIds[partitionCursor % partitionIds.count]
            partitionCursor += 1
            let request = ProduceRequest(acks: acks, timeoutMs: 30000, topicData: [
                ProduceRequest.TopicProduceData(name: topic, partitionData: [
                    ProduceRequest.PartitionProduceData(index: partition, records: ByteBuffer(bytes: batch.bytes)),
                ]),
            ])
            let records = entered
            let bytes = records.count * recordSize
            let topic = topic
            connection.send(request, version: version, expectsResponse: acks != 0).whenComplete { result in
                let now = Self.now()
                switch result {
                case .success(let response):
                    let failed = response?.responses.flatMap(\.partitionResponses).first { $0.errorCode != 0 }
                    if let failed {
                        recorder.fail("\(topic)-\(failed.index): error \(failed.errorCode)\(failed.errorMessage.map { ": \($0)" } ?? "")")
                    } else {
                        recorder.acknowledge(entered: records, bytes: bytes, now: now)
                    }
                case .failure(let error):
                    recorder.fail("\(error)")
                }
                slots.signal()
            }
            builder = RecordBatchBuilder(compression: codec)
            entered.removeAll(keepingCapacity: true)
            batchBytes = 0
        }

        while sent < (numRecords ?? .max) {
            var t = Self.now()
            if let end, t >= end { break }
            if throughput > 0 {
                let due = start + UInt64(Double(sent) / throughput * 1e9)
                while t < due {
                    if !entered.isEmpty, batchStart + linger <= due {
                        if t < batchStart + linger { Self.sleep(batchStart + linger - t) }
                        flush(blocking: true)
                    } else {
                        Self.sleep(due - t)
                    }
                    t = Self.now()
                }
            }
            if sent & 1023 == 0, !recorder.failureMessages.isEmpty { break }
            if entered.isEmpty { batchStart = t }
            builder.append(key: nil, value: payload, timestamp: wallStartMs + Int64((t - start) / 1_000_000))
            entered.append(t)
            batchBytes += perRecordBytes
            sent += 1
            if batchBytes >= batchSize {
                flush(blocking: true)
            } else if t - batchStart >= linger {
                flush(blocking: false)
            }
            if !json, t >= nextProgress {
                let acknowledged = recorder.acknowledgedCount
                let rate = Double(acknowledged - progressCount) / 5
                FileHandle.standardError.write(Data(String(format: "%d records sent, %.1f records/sec (%.2f MB/sec).\n", acknowledged - progressCount, rate, rate * Double(recordSize) / 1_048_576).utf8))
                progressCount = acknowledged
                nextProgress = t + 5_000_000_000
            }
        }
        flush(blocking: true)
        for _ in 0..<maxInFlight { slots.wait() }
        for _ in 0..<maxInFlight { slots.signal() }

        let failures = recorder.failureMessages
        if let first = failures.first {
            throw ClientError("\(failures.count) produce request\(failures.count == 1 ? "" : "s") failed; first: \(first)")
        }
        let totals = recorder.finish()
        return PerfProduceReport(records: totals.records, bytes: totals.bytes, elapsedNanoseconds: max(totals.lastAcknowledgement, start) - start, sortedLatencies: totals.sortedLatencies)
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func sleep(_ nanoseconds: UInt64) {
        var spec = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        nanosleep(&spec, nil)
    }
}
