// Append throughput of PartitionLog: 100 B and 1 KiB records, in 16 KiB and 1 MiB uncompressed
// batches, without and with an fsync per batch. Each benchmark prebuilds one batch and appends it
// over and over (the log assigns offsets in place).
//
// - "no fsync": one iteration appends 256 MiB to a new log, then flushes it once (fdatasync and
//   index msync), and is timed as a whole, like `dd conv=fdatasync`; `bytes/s` is that durable rate.
// - "fsync per batch": the log runs with flush.messages=1; one iteration is one append that
//   returns after its batch is on stable storage, so wall clock is the durable-append latency.
//
// run.sh runs the same workload (StorageWorkloads.runAppend) with larger sizes and compares it
// with fio on the same directory.

import Benchmark
import Engine
import StorageWorkloads

let benchmarks: @Sendable () -> Void = {
    let dataDirectory = benchmarkDataDirectory()
    let bytesPerSecond = BenchmarkMetric.custom("bytes/s", polarity: .prefersLarger, useScalingFactor: false)
    let runBytes: Int64 = 256 << 20

    for batchBytes in [16 << 10, 1 << 20] {
        for recordSize in [100, 1024] {
            let name = "\(sizeLabel(recordSize)) records, \(sizeLabel(batchBytes)) batches"
            let template = Holder<BatchTemplate>()

            Benchmark(
                "append \(name), no fsync (256MiB + flush)",
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, bytesPerSecond], timeUnits: .milliseconds,
                    warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 5)
            ) { benchmark in
                do {
                    let directory = try Scratch.makeDirectory(under: dataDirectory, prefix: "append")
                    defer { Scratch.remove(directory) }
                    benchmark.startMeasurement()
                    let outcome = try runAppend(directory: directory, template: template.value!, totalBytes: runBytes, fsyncEachBatch: false)
                    benchmark.stopMeasurement()
                    benchmark.measurement(bytesPerSecond, Int(outcome.bytesPerSecond))
                } catch {
                    benchmark.error("append failed: \(error)")
                }
            } setup: {
                template.value = BatchTemplate(recordSize: recordSize, targetBytes: batchBytes)
            } teardown: {
                template.value = nil
            }

            let durable = Holder<(directory: String, log: PartitionLog, batch: BatchTemplate)>()
            Benchmark(
                "append \(name), fsync per batch",
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, bytesPerSecond], timeUnits: .microseconds,
                    warmupIterations: 3, maxDuration: .seconds(3), maxIterations: 2_000)
            ) { benchmark in
                guard let (_, log, batch) = durable.value else { return benchmark.error("no log") }
                do {
                    let start = monotonicSeconds()
                    let result = try log.append(batch.buffer.bytes)
                    let seconds = monotonicSeconds() - start
                    benchmark.measurement(bytesPerSecond, Int(Double(result.bytes) / seconds))
                } catch {
                    benchmark.error("append failed: \(error)")
                }
            } setup: {
                let directory = try Scratch.makeDirectory(under: dataDirectory, prefix: "append-fsync")
                var config = LogConfig()
                config.flushMessages = 1
                let (log, _) = try PartitionLog.open(directory: directory + "/bench-0", topicPartition: benchTopicPartition, config: config)
                durable.value = (directory, log, BatchTemplate(recordSize: recordSize, targetBytes: batchBytes))
            } teardown: {
                if let (directory, log, _) = durable.value {
                    try? log.close()
                    Scratch.remove(directory)
                }
                durable.value = nil
            }
        }
    }
}
