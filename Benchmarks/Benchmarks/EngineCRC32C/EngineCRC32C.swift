// CRC32C (the RecordBatch v2 checksum) over 16 KiB and 1 MiB buffers, and memcpy of the same
// buffers as the reference: both touch every byte once, so memcpy's rate bounds what a checksum
// over in-cache data can reach. Target: CRC32C ≥ 8 GB/s.

import Benchmark
import Engine
import StorageWorkloads

#if canImport(Glibc)
import Glibc
#endif

let benchmarks: @Sendable () -> Void = {
    let bytesPerSecond = BenchmarkMetric.custom("bytes/s", polarity: .prefersLarger, useScalingFactor: false)

    for size in [16 << 10, 1 << 20] {
        // About 16 MiB of work per iteration.
        let rounds = max(1, (16 << 20) / size)
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, bytesPerSecond], timeUnits: .microseconds,
            warmupIterations: 5, maxDuration: .seconds(2), maxIterations: 1_000)
        let source = AlignedBuffer(count: size, fillSeed: 3)
        let destination = AlignedBuffer(count: size, fillSeed: 5)

        Benchmark("CRC32C \(sizeLabel(size)) buffer (x\(rounds))", configuration: configuration) { benchmark in
            let raw = UnsafeRawBufferPointer(source.bytes)
            var crc: UInt32 = 0
            let start = monotonicSeconds()
            for _ in 0..<rounds { crc = CRC32C.checksum(raw, continuing: crc) }
            let seconds = monotonicSeconds() - start
            blackHole(crc)
            benchmark.measurement(bytesPerSecond, Int(Double(rounds * size) / seconds))
        }

        Benchmark("reference: memcpy \(sizeLabel(size)) buffer (x\(rounds))", configuration: configuration) { benchmark in
            let start = monotonicSeconds()
            for _ in 0..<rounds {
                memcpy(destination.bytes.baseAddress!, source.bytes.baseAddress!, size)
                blackHole(destination.bytes.baseAddress!)
            }
            let seconds = monotonicSeconds() - start
            benchmark.measurement(bytesPerSecond, Int(Double(rounds * size) / seconds))
        }
    }
}
