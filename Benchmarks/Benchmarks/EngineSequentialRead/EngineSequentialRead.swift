// Sequential read throughput of PartitionLog: a 256 MiB log of 16 KiB batches (1 KiB records) read
// from offset 0 to the end with `log.read(from:maxBytes: 1 MiB, isolation: .logEnd)`, the way a
// fetch loop walks a partition. The returned file regions are consumed either with pread into one
// reused 1 MiB buffer (a consumer that copies) or with sendfile(2) to /dev/null (the broker's
// zero-copy path, without the socket).
//
// - "cold": before each iteration the log's pages are evicted (posix_fadvise DONTNEED after
//   fdatasync, plus `echo 3 > /proc/sys/vm/drop_caches` when running as root), so the read
//   comes from the device.
// - "warm": the log is in the page cache; this measures the memory-bound path.

import Benchmark
import Engine
import StorageWorkloads

let benchmarks: @Sendable () -> Void = {
    let dataDirectory = benchmarkDataDirectory()
    let bytesPerSecond = BenchmarkMetric.custom("bytes/s", polarity: .prefersLarger, useScalingFactor: false)
    let logBytes: Int64 = 256 << 20
    let fetchBytes = 1 << 20

    for cache in ["cold", "warm"] {
        for mode in [ReadMode.pread, .sendfile] {
            let state = Holder<(directory: String, fixture: ReadFixture, buffer: AlignedBuffer)>()
            Benchmark(
                "sequential read 256MiB, \(mode.rawValue), \(cache) cache",
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, bytesPerSecond], timeUnits: .milliseconds,
                    warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 10)
            ) { benchmark in
                guard let (_, fixture, buffer) = state.value else { return benchmark.error("no fixture") }
                do {
                    if cache == "cold" { fixture.evict() }
                    benchmark.startMeasurement()
                    let outcome = try fixture.readAll(mode: mode, fetchBytes: fetchBytes, buffer: buffer)
                    benchmark.stopMeasurement()
                    benchmark.measurement(bytesPerSecond, Int(outcome.bytesPerSecond))
                } catch {
                    benchmark.error("read failed: \(error)")
                }
            } setup: {
                let directory = try Scratch.makeDirectory(under: dataDirectory, prefix: "read")
                let template = BatchTemplate(recordSize: 1024, targetBytes: 16 << 10)
                let fixture = try ReadFixture(directory: directory, template: template, totalBytes: logBytes)
                state.value = (directory, fixture, AlignedBuffer(count: fetchBytes, fillSeed: 7))
            } teardown: {
                if let directory = state.value?.directory {
                    state.value = nil
                    Scratch.remove(directory)
                }
            }
        }
    }
}
